"""The HTTP API against a real SQLite store (see ``conftest.py`` for the graph)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from kolgraph import __version__
from kolgraph.api.app import create_app
from kolgraph.model import Kind
from kolgraph.plan.phases import PHASES
from kolgraph.plan.planner import KindRange, PlanParams, make_plan
from kolgraph.rank.job import RankParams, run_rank
from kolgraph.schemas.plans import PlanResponse
from kolgraph.settings import Settings
from kolgraph.store import RunResults, SQLiteStore

if TYPE_CHECKING:
    from conftest import World

KOLS = {"demo:k1", "demo:k2", "demo:k3", "other:k9"}
PLAN_FIELDS = {
    "id",
    "run_id",
    "budget",
    "spent",
    "unique_reach",
    "total_audience",
    "overlap_rate",
    "target_size",
    "accounts",
    "phases",
    "overlap",
    "notes",
    "objective",
    "forecast",
    "stop_reason",
    "schedule",
    "reach_frequency",
    "reach_frequency_target",
    "target",
    "community_coverage",
    "budget_curve",
}
PLANNED_ACCOUNT_FIELDS = {
    "key",
    "name",
    "kind",
    "phase",
    "day_from",
    "day_to",
    "marginal_reach",
    "audience",
    "cost",
    "cost_estimated",
    "pagerank",
    "community",
    "marginal_engaged",
    "marginal_gain",
    "cost_per_engaged",
    "overlap_before",
    "evidence_cascades",
    "evidence_last_days",
    "warnings",
    "exclusive_reach",
    "exclusive_target_reach",
}
ACCOUNT_FIELDS = {
    "key",
    "platform",
    "account_id",
    "name",
    "kind",
    "followers",
    "cost",
    "pagerank",
    "community",
    "audience",
    "tier",
    "run_id",
    "engagement",
    "anomaly",
    "spread",
    "flags",
}


def all_accounts(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    r = client.get("/v1/accounts", params={"limit": 500, **params})
    assert r.status_code == 200, r.text
    data: list[dict[str, Any]] = r.json()["data"]
    return data


def assert_validation_error(r: Any, loc: Sequence[str | int], *words: str) -> None:
    """A 422 ``validation_error`` whose message names the field and the rule."""
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "validation_error" and error["hint"], error
    assert f"{loc[-1]}" in error["message"] and error["field"].startswith(str(loc[0])), error
    for word in words:
        assert word in error["message"], error["message"]


def assert_kolgraph_error(r: Any, status: int, error: str, *words: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    detail: dict[str, Any] = r.json()["error"]
    assert detail["code"] == error
    for word in words:
        assert word in detail["message"] or word in (detail["hint"] or ""), detail
    return detail


# ----------------------------------------------------------------------------- health
def test_healthz_reports_counts_and_current_run(client: TestClient, world: World) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {
        "status": "ok",
        "store": "sqlite",
        "accounts": world.n_accounts,
        "follows": world.n_follows,
        "reposts": 0,
        "current_run": world.run_id,
        "version": __version__,
    }
    # 7 campaign accounts, 40 demo users and 5 other users
    assert world.n_accounts == 52


def test_healthz_without_a_rank_run_has_no_current_run(unranked_world: World) -> None:
    with TestClient(create_app(unranked_world.settings)) as c:
        body = c.get("/healthz").json()
    assert body["current_run"] is None
    assert body["accounts"] == 52


@pytest.mark.parametrize("problem", ["missing directory", "not a database"])
def test_healthz_is_503_when_the_store_cannot_be_opened(tmp_path: Path, problem: str) -> None:
    if problem == "missing directory":
        db = tmp_path / "no-such-dir" / "kolgraph.db"
    else:
        db = tmp_path / "garbage.db"
        db.write_bytes(b"this is not an SQLite file, just some bytes" * 100)
    with TestClient(create_app(Settings(db=db))) as c:
        r = c.get("/healthz")
    detail = assert_kolgraph_error(r, 503, "store_unavailable", str(db.parent))
    assert detail["hint"]


# ----------------------------------------------------------------------------- accounts
def test_accounts_default_to_pagerank_descending_with_total_count(
    client: TestClient, world: World
) -> None:
    r = client.get("/v1/accounts")
    assert r.status_code == 200
    page = r.json()
    assert (page["count"], page["limit"], page["offset"]) == (world.n_accounts, 50, 0)
    assert len(page["data"]) == 50
    assert set(page["data"][0]) == ACCOUNT_FIELDS
    ranks = [a["pagerank"] for a in page["data"]]
    assert ranks == sorted(ranks, reverse=True)
    assert {a["run_id"] for a in page["data"]} == {world.run_id}


def test_accounts_filter_by_kind(client: TestClient) -> None:
    page = client.get("/v1/accounts", params={"kind": "kol"}).json()
    assert page["count"] == len(KOLS)
    assert {a["key"] for a in page["data"]} == KOLS
    assert {a["kind"] for a in page["data"]} == {"kol"}
    own = client.get("/v1/accounts", params={"kind": "own"}).json()
    assert [a["key"] for a in own["data"]] == ["demo:o1"]


def test_accounts_filter_by_platform(client: TestClient) -> None:
    page = client.get("/v1/accounts", params={"platform": "other"}).json()
    assert page["count"] == 6
    assert {a["platform"] for a in page["data"]} == {"other"}
    assert client.get("/v1/accounts", params={"platform": "nowhere"}).json()["count"] == 0


def test_accounts_filter_by_community(client: TestClient) -> None:
    community = client.get("/v1/accounts/demo:k3").json()["community"]
    expected = {a["key"] for a in all_accounts(client) if a["community"] == community}
    page = client.get("/v1/accounts", params={"community": community, "limit": 500}).json()
    assert page["count"] == len(expected) > 1
    assert {a["key"] for a in page["data"]} == expected
    assert "demo:k1" not in expected  # the other cluster


def test_accounts_filters_combine(client: TestClient) -> None:
    page = client.get("/v1/accounts", params={"kind": "kol", "platform": "demo"}).json()
    assert {a["key"] for a in page["data"]} == KOLS - {"other:k9"}
    assert page["count"] == 3


@pytest.mark.parametrize(
    ("sort", "order"),
    [("pagerank", "asc"), ("followers", "desc"), ("followers", "asc"), ("cost", "desc"),
     ("audience", "desc"), ("key", "asc"), ("key", "desc")],
)  # fmt: skip
def test_accounts_sort(client: TestClient, sort: str, order: str) -> None:
    data = all_accounts(client, sort=sort, order=order)
    values = [a[sort] for a in data]
    known = [v for v in values if v is not None]
    # unknown values come last, whatever the direction
    assert values == known + [None] * (len(values) - len(known))
    assert known == sorted(known, reverse=order == "desc")
    assert len(known) >= 4


def test_accounts_sort_by_followers_puts_the_biggest_first(client: TestClient) -> None:
    page = client.get("/v1/accounts", params={"sort": "followers", "limit": 2}).json()
    assert [a["key"] for a in page["data"]] == ["demo:m1", "demo:k1"]


def test_accounts_pagination(client: TestClient, world: World) -> None:
    params = {"sort": "key", "order": "asc"}
    first = client.get("/v1/accounts", params={**params, "limit": 5}).json()
    second = client.get("/v1/accounts", params={**params, "limit": 5, "offset": 5}).json()
    both = client.get("/v1/accounts", params={**params, "limit": 10}).json()
    assert [a["key"] for a in first["data"] + second["data"]] == [a["key"] for a in both["data"]]
    assert (second["limit"], second["offset"], second["count"]) == (5, 5, world.n_accounts)
    past = client.get("/v1/accounts", params={"offset": 1000}).json()
    assert past["data"] == []
    assert past["count"] == world.n_accounts
    assert past["next"] is None


def test_following_next_walks_every_account_once(client: TestClient, world: World) -> None:
    url: str | None = "/v1/accounts?sort=key&order=asc&kind=user&limit=7"
    keys: list[str] = []
    while url is not None:
        page = client.get(url).json()
        keys += [a["key"] for a in page["data"]]
        url = page["next"]
        assert url is None or ("kind=user" in url and "sort=key" in url)
    users = all_accounts(client, kind="user", sort="key", order="asc")
    assert keys == [a["key"] for a in users] and len(keys) == page["count"] > 7


@pytest.mark.parametrize(
    ("params", "loc", "words"),
    [
        ({"kind": "celebrity"}, ["query", "kind"], ["'kind'", "'kol'", "'media'", "'own'"]),
        ({"sort": "likes"}, ["query", "sort"], ["'sort'", "'pagerank'", "'followers'"]),
        ({"order": "up"}, ["query", "order"], ["'order'", "'desc'", "'asc'"]),
        ({"limit": 501}, ["query", "limit"], ["'limit'", "less than or equal to 500"]),
        ({"limit": 0}, ["query", "limit"], ["'limit'", "greater than or equal to 1"]),
        ({"offset": -1}, ["query", "offset"], ["'offset'", "greater than or equal to 0"]),
        ({"community": "big"}, ["query", "community"], ["'community'", "integer"]),
    ],
)
def test_accounts_bad_query_is_422_naming_the_field(
    client: TestClient, params: dict[str, Any], loc: list[str], words: list[str]
) -> None:
    assert_validation_error(client.get("/v1/accounts", params=params), loc, *words)


def test_accounts_limit_cap_follows_the_setting(world: World) -> None:
    settings = world.settings.model_copy(update={"page_size_max": 10})
    with TestClient(create_app(settings)) as c:
        assert c.get("/v1/accounts", params={"limit": 10}).status_code == 200
        r = c.get("/v1/accounts", params={"limit": 11})
        communities = c.get("/v1/communities", params={"limit": 11})
    assert_validation_error(r, ["query", "limit"], "less than or equal to 10")
    assert_validation_error(communities, ["query", "limit"], "less than or equal to 10")


def test_account_by_key_with_colon(client: TestClient, world: World) -> None:
    r = client.get("/v1/accounts/demo:k1")
    assert r.status_code == 200
    acc = r.json()
    assert acc["key"] == "demo:k1"
    assert (acc["platform"], acc["account_id"], acc["name"]) == ("demo", "k1", "Kay One")
    assert (acc["kind"], acc["followers"], acc["cost"]) == ("kol", 10_000, 300.0)
    assert acc["audience"] == 20  # demo:u0..u19 follow it
    assert acc["pagerank"] > 0
    assert acc["run_id"] == world.run_id
    assert client.get("/v1/accounts/demo%3Ak1").json() == acc


def test_account_unknown_key_is_404_with_message(client: TestClient) -> None:
    r = client.get("/v1/accounts/demo:nobody")
    detail = assert_kolgraph_error(r, 404, "not_found", "demo:nobody")
    assert detail["hint"]


# ----------------------------------------------------------------------------- communities
def test_communities_largest_first(client: TestClient, world: World) -> None:
    r = client.get("/v1/communities")
    assert r.status_code == 200
    page = r.json()
    data = page["data"]
    assert page["count"] == len(data) >= 2
    sizes = [c["size"] for c in data]
    assert sizes == sorted(sizes, reverse=True)
    assert sum(sizes) <= world.n_accounts
    assert {c["run_id"] for c in data} == {world.run_id}
    # the two demo clusters are separate communities, each led by its KOL
    tops = {c["top"][0] for c in data}
    assert {"demo:k1", "demo:k3"} <= tops | {c["top"][1] for c in data}
    for c in data:
        members = client.get("/v1/accounts", params={"community": c["community"]}).json()
        assert members["count"] == c["size"]
        assert set(c["top"]) <= {a["key"] for a in members["data"]}


def test_communities_carry_density_external_edges_and_bridges(
    client: TestClient, world: World
) -> None:
    with SQLiteStore(world.db) as store:
        g = store.graph_arrays()
        keys = store.accounts_frame()["key"].tolist()
    edges = {(keys[u], keys[v]) for u, v in zip(g.follow_src, g.follow_dst, strict=True)}
    data = client.get("/v1/communities").json()["data"]
    assert {
        "community",
        "size",
        "internal_edges",
        "external_edges",
        "density",
        "external_share",
        "top",
        "bridges",
        "run_id",
    } <= set(data[0])
    home = {a["key"]: a["community"] for a in all_accounts(client)}
    for c in data:
        inside = sum(1 for u, v in edges if home[u] == home[v] == c["community"])
        crossing = [
            (u, v) for u, v in edges if (home[u] == c["community"]) != (home[v] == c["community"])
        ]
        assert c["internal_edges"] == inside and c["external_edges"] == len(crossing)
        assert c["density"] == pytest.approx(inside / (c["size"] * (c["size"] - 1)))
        assert c["external_share"] == pytest.approx(len(crossing) / (inside + len(crossing)))
        # bridges are members with at least one edge to or from another community
        linked = {k for e in crossing for k in e if home[k] == c["community"]}
        assert set(c["bridges"]) <= linked and len(c["bridges"]) == min(5, len(linked))


def test_community_bridges_are_the_accounts_linked_across(own_world: World) -> None:
    with SQLiteStore(own_world.db) as store:  # two follows and a follow-back across clusters
        store.add_follows(["demo:u0", "demo:u1", "demo:u20"], ["demo:k3", "demo:k3", "demo:k1"])
        run_rank(store, params=RankParams(overlap_top_k=20))
    with TestClient(create_app(own_world.settings)) as c:
        data = c.get("/v1/communities").json()["data"]
        home = {k: c.get(f"/v1/accounts/{k}").json()["community"] for k in ("demo:k1", "demo:k3")}
    by_id = {x["community"]: x for x in data}
    a, b = by_id[home["demo:k1"]], by_id[home["demo:k3"]]
    # k3 has two edges from the other cluster, u20 one; ties (one edge each) go by PageRank
    assert b["bridges"] == ["demo:k3", "demo:u20"] and b["external_edges"] == 3
    assert a["bridges"][0] == "demo:k1" and set(a["bridges"]) == {"demo:k1", "demo:u0", "demo:u1"}
    assert a["external_share"] == pytest.approx(3 / (a["internal_edges"] + 3))


def test_communities_pagination(client: TestClient) -> None:
    full = client.get("/v1/communities").json()
    second = client.get("/v1/communities", params={"limit": 1, "offset": 1}).json()
    assert second["count"] == full["count"]
    assert second["data"] == full["data"][1:2]
    assert full["next"] is None
    assert second["next"] == (None if full["count"] <= 2 else "/v1/communities?limit=1&offset=2")


# ----------------------------------------------------------------------------- plans
def test_plan_happy_path(client: TestClient, world: World) -> None:
    request = {
        "budget": 1000,
        "kol": {"min": 2, "max": 2},
        "media": {"min": 0, "max": 1},
        "own": {"min": 1, "max": 1},
    }
    r = client.post("/v1/plans", json=request)
    assert r.status_code == 200, r.text
    plan = r.json()
    assert set(plan) == PLAN_FIELDS
    assert plan["run_id"] == world.run_id
    accounts = plan["accounts"]
    assert accounts
    assert {frozenset(a) for a in accounts} == {frozenset(PLANNED_ACCOUNT_FIELDS)}
    assert all(isinstance(a["warnings"], list) for a in accounts)
    for a in accounts:  # the share already reached by earlier picks, from the same counts
        assert 0.0 <= a["overlap_before"] <= 1.0
        if a["audience"]:
            assert a["overlap_before"] == pytest.approx(
                1 - a["marginal_reach"] / a["audience"], abs=1e-4
            )
    kinds = [a["kind"] for a in accounts]
    assert kinds.count("kol") == 2
    assert kinds.count("own") == 1
    assert kinds.count("media") <= 1
    assert sum(a["cost"] for a in accounts) == pytest.approx(plan["spent"])
    assert plan["spent"] <= plan["budget"] == 1000
    assert plan["unique_reach"] <= plan["total_audience"]
    assert plan["unique_reach"] == sum(a["marginal_reach"] for a in accounts)
    assert plan["total_audience"] == sum(a["audience"] for a in accounts)
    assert plan["overlap_rate"] == pytest.approx(
        1 - plan["unique_reach"] / plan["total_audience"], abs=1e-6
    )
    assert plan["target_size"] == world.n_accounts
    assert [p["phase"] for p in plan["phases"]] == list(PHASES)
    in_phases = [k for p in plan["phases"] for k in p["accounts"]]
    assert sorted(in_phases) == sorted(a["key"] for a in accounts)
    origin = next(p for p in plan["phases"] if p["phase"] == "origin")
    assert origin["accounts"] == ["demo:o1"]
    assert (origin["day_from"], origin["day_to"]) == PHASES["origin"][:2]
    own = next(a for a in accounts if a["key"] == "demo:o1")
    assert (own["cost"], own["cost_estimated"]) == (0.0, False)  # own posts are free


def test_plan_matches_the_cli_json(client: TestClient, world: World) -> None:
    request = {"budget": 900, "kol": {"min": 1}, "media": {"max": 1}, "exclude": ["demo:k3"]}
    api = client.post("/v1/plans", json=request).json()
    params = PlanParams(
        budget=900,
        mix={Kind.KOL: KindRange(1, None), Kind.MEDIA: KindRange(0, 1)},
        exclude=("demo:k3",),
        skip_flagged=True,  # what the API does unless include_flagged
    )
    with SQLiteStore(world.db) as store:
        cli = PlanResponse.from_plan(make_plan(store, params, settings=world.settings))
    doc = cli.model_dump(mode="json")
    assert api["id"] != doc["id"]  # every plan is kept under its own id
    assert {**api, "id": ""} == {**doc, "id": ""}
    assert "demo:k3" not in {a["key"] for a in api["accounts"]}


def test_plan_targets_a_community(client: TestClient) -> None:
    community = client.get("/v1/accounts/demo:k3").json()["community"]
    size = client.get("/v1/accounts", params={"community": community}).json()["count"]
    plan = client.post("/v1/plans", json={"budget": 2000, "target_communities": [community]}).json()
    assert plan["target_size"] == size
    assert 0 < plan["unique_reach"] <= size
    # only accounts followed from inside the community reach anyone targeted
    keys = {a["key"] for a in plan["accounts"]}
    assert keys and keys <= {"demo:k3", "demo:m2", "demo:o1"}
    assert plan["unique_reach"] == 20  # demo:u20..u39


def test_plan_platform_include_and_estimated_costs(client: TestClient) -> None:
    other = client.post("/v1/plans", json={"budget": 500, "platform": "other"}).json()
    assert [a["key"] for a in other["accounts"]] == ["other:k9"]
    plan = client.post(
        "/v1/plans", json={"budget": 5000, "include": ["demo:m2"], "kol": {"max": 0}}
    ).json()
    m2 = next(a for a in plan["accounts"] if a["key"] == "demo:m2")
    assert m2["cost_estimated"] is True
    assert m2["cost"] >= 50  # the rate card's floor (min_cost)
    assert all(a["kind"] != "kol" for a in plan["accounts"])
    assert any("estimated" in n for n in plan["notes"])


@pytest.mark.parametrize(
    ("body", "loc", "words"),
    [
        ({"budget": 0}, ["body", "budget"], ["'budget'", "greater than 0"]),
        ({"budget": -5}, ["body", "budget"], ["'budget'", "greater than 0"]),
        ({"kol": {"min": 1}}, ["body", "budget"], ["'budget'", "Field required"]),
        ({"budget": "lots"}, ["body", "budget"], ["'budget'", "number"]),
        (
            {"budget": 100, "bugdet": 100},
            ["body", "bugdet"],
            ["'bugdet'", "Extra inputs are not permitted", "allowed fields: budget, kol"],
        ),
        (
            {"budget": 100, "kol": {"min": 1, "maximum": 3}},
            ["body", "kol", "maximum"],
            ["'kol.maximum'", "allowed fields: min, max"],
        ),
        (
            {"budget": 100, "kol": {"min": 3, "max": 1}},
            ["body", "kol"],
            ["'kol'", "min (3) must not exceed max (1)"],
        ),
        ({"budget": 100, "own": {"min": -1}}, ["body", "own", "min"], ["'own.min'", "0"]),
        (
            {"budget": 100, "target_communities": [-2]},
            ["body", "target_communities", 0],
            ["'target_communities.0'"],
        ),
    ],
)
def test_plan_bad_request_is_422_naming_the_field(
    client: TestClient, body: dict[str, Any], loc: list[str | int], words: list[str]
) -> None:
    assert_validation_error(client.post("/v1/plans", json=body), loc, *words)


def test_plan_minimum_unreachable_under_budget(client: TestClient) -> None:
    r = client.post("/v1/plans", json={"budget": 100, "kol": {"min": 3}})
    detail = assert_kolgraph_error(r, 422, "invalid_input", "cannot place the minimum mix (3 kol)")
    assert "budget" in detail["hint"]


def test_plan_too_few_candidates(client: TestClient) -> None:
    r = client.post("/v1/plans", json={"budget": 1e6, "media": {"min": 3}})
    detail = assert_kolgraph_error(r, 422, "invalid_input", "only 2 media candidates")
    assert detail["hint"]


def test_plan_takes_a_partner_range(own_world: World) -> None:
    from kolgraph.model import Account

    with SQLiteStore(own_world.db) as store:  # three users turn out to be allied brands
        store.upsert_accounts(
            [
                Account("demo", "u3", name="Ally Co", kind=Kind.PARTNER, cost=10.0),
                Account("demo", "u25", name="Sister Brand", kind=Kind.PARTNER),
                Account("demo", "u30", name="Co-brand", kind=Kind.PARTNER),
            ]
        )
    partners = {"demo:u3", "demo:u25", "demo:u30"}
    with TestClient(create_app(own_world.settings)) as c:
        body = {"budget": 1000, "partner": {"min": 1, "max": 2}, "kol": {"max": 1}}
        r = c.post("/v1/plans", json=body)
        assert r.status_code == 200, r.text
        rows = [a for a in r.json()["accounts"] if a["kind"] == "partner"]
        assert 1 <= len(rows) <= 2 and {a["key"] for a in rows} <= partners
        for a in rows:  # at the negotiated price, or free without one
            assert (a["cost"], a["cost_estimated"]) == (
                10.0 if a["key"] == "demo:u3" else 0.0,
                False,
            )
        kept = c.get(f"/v1/plans/{r.json()['id']}").json()
        assert kept["accounts"] == r.json()["accounts"]
        none = c.post("/v1/plans", json={"budget": 1000, "partner": {"max": 0}}).json()
        assert all(a["kind"] != "partner" for a in none["accounts"])
        listed = c.get("/v1/accounts", params={"kind": "partner"}).json()
        assert {a["key"] for a in listed["data"]} == partners
        too_many = c.post("/v1/plans", json={"budget": 1e6, "partner": {"min": 4}})
        assert_kolgraph_error(too_many, 422, "invalid_input", "only 3 partner candidates")
        bad = c.post("/v1/plans", json={"budget": 100, "partner": {"min": 3, "max": 1}})
        assert_validation_error(bad, ["body", "partner"], "'partner'", "min (3) must not exceed")


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"budget": 100, "include": ["demo:ghost"]}, ["demo:ghost", "not in the store"]),
        ({"budget": 100, "exclude": ["nope"]}, ["nope (no similar key)"]),
        ({"budget": 100, "include": ["demo:u1"]}, ["demo:u1", "user"]),
        ({"budget": 100, "include": ["demo:m1"]}, ["demo:m1", "costs 400"]),
        ({"budget": 100, "target_communities": [999]}, ["[999]", "no members"]),
        ({"budget": 100, "platform": "Not A Platform"}, ["platform"]),
    ],
)
def test_plan_input_errors_are_422_with_message_and_hint(
    client: TestClient, body: dict[str, Any], words: list[str]
) -> None:
    detail = assert_kolgraph_error(
        client.post("/v1/plans", json=body), 422, "invalid_input", *words
    )
    assert detail["hint"]


def test_plan_before_any_rank_run(unranked_world: World) -> None:
    with TestClient(create_app(unranked_world.settings)) as c:
        r = c.post("/v1/plans", json={"budget": 1000})
    detail = assert_kolgraph_error(r, 422, "invalid_input", "no rank run")
    assert "kolgraph rank" in detail["hint"]


# ----------------------------------------------------------------------------- openapi
def test_openapi_lists_the_routes(client: TestClient) -> None:
    r = client.get("/openapi.json")
    assert r.status_code == 200
    spec = r.json()
    assert spec["info"] == {
        "title": "kolgraph",
        "version": __version__,
        "description": spec["info"]["description"],
    }
    assert set(spec["paths"]) == {
        "/healthz",
        "/livez",
        "/readyz",
        "/v1/accounts",
        "/v1/accounts/{key}",
        "/v1/communities",
        "/v1/plans",
        "/v1/plans/compare",
        "/v1/plans/{plan_id}/report.html",
        "/v1/plans/{plan_id}/report.xlsx",
        "/v1/plans/{plan_id}",
        "/v1/plans/{plan_id}/evaluation",
        "/v1/reach",
        "/v1/overlap",
        "/v1/affinity/{key}",
        "/v1/lookalikes/{key}",
        "/v1/crawls",
        "/v1/crawls/{crawl_id}",
        "/v1/jobs",
        "/v1/jobs/{job_id}",
        "/v1/jobs/{job_id}/cancel",
        "/v1/uploads",
        "/v1/events",
        "/v1/topics",
        "/v1/topics/{name}",
        "/v1/topics/{name}/respond",
        "/v1/topics/{name}/subscriptions",
        "/v1/topics/{name}/deliveries",
        "/v1/subscriptions/{sub_id}",
    }
    assert set(spec["paths"]["/v1/plans"]) == {"get", "post"}
    assert set(spec["paths"]["/v1/reach"]) == {"post"}
    plan_request = spec["components"]["schemas"]["PlanRequest"]
    assert plan_request["additionalProperties"] is False
    assert plan_request["required"] == ["budget"]
    assert "PlanResponse" in spec["components"]["schemas"]
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()


# ----------------------------------------------------------------------------- readers
def test_readers_see_the_previous_run_until_the_new_one_is_published(own_world: World) -> None:
    old = own_world.run_id
    with TestClient(create_app(own_world.settings)) as c:
        before = {a["key"]: a for a in all_accounts(c)}
        with SQLiteStore(own_world.db) as store:
            n = store.counts().accounts
            store.start_run("next-run", {"note": "written, not published"})
            store.write_results(
                "next-run",
                RunResults(
                    scores=pd.DataFrame(
                        {
                            "index": np.arange(n),
                            "pagerank": np.full(n, 1.0 / n),
                            "community": np.zeros(n, dtype=np.int64),
                            "audience": np.zeros(n, dtype=np.int64),
                            "tier": ["tail"] * n,
                        }
                    ),
                    communities=pd.DataFrame(
                        {"community": [0], "size": [n], "internal_edges": [0], "top": [[0]]}
                    ),
                    overlaps=pd.DataFrame({"a": [], "b": [], "shared": [], "jaccard": []}),
                ),
            )
            during = {a["key"]: a for a in all_accounts(c)}
            assert {a["run_id"] for a in during.values()} == {old}
            assert during == before
            assert c.get("/healthz").json()["current_run"] == old
            assert {x["run_id"] for x in c.get("/v1/communities").json()["data"]} == {old}
            assert c.post("/v1/plans", json={"budget": 500}).json()["run_id"] == old

            store.publish_run("next-run", counts={}, timings={}, quality={})
        after = all_accounts(c)
        assert {a["run_id"] for a in after} == {"next-run"}
        assert [a["pagerank"] for a in after] == pytest.approx([1.0 / n] * n)
        assert c.get("/v1/communities").json()["count"] == 1


def test_reads_do_not_wait_for_a_writer(own_world: World) -> None:
    """The API opens a store per request; opening must not take the write lock."""
    with TestClient(create_app(own_world.settings)) as c:
        writer = sqlite3.connect(own_world.db, isolation_level=None)
        writer.execute("BEGIN IMMEDIATE")  # e.g. a rank job writing its results
        status: list[int] = []
        reader = threading.Thread(target=lambda: status.append(c.get("/v1/accounts").status_code))
        try:
            reader.start()
            reader.join(timeout=1.0)
            finished = not reader.is_alive()
        finally:
            writer.execute("COMMIT")
            writer.close()
            reader.join()
    assert finished
    assert status == [200]


def test_plan_takes_the_clis_stopping_options(client: TestClient) -> None:
    capped = client.post("/v1/plans", json={"budget": 1000, "max_accounts": 2}).json()
    assert len(capped["accounts"]) == 2
    assert capped["stop_reason"] == "the account limit is reached"
    picky = client.post("/v1/plans", json={"budget": 1000, "min_gain": 1e9}).json()
    assert "below the minimum gain" in picky["stop_reason"]
    assert len(picky["accounts"]) < len(
        client.post("/v1/plans", json={"budget": 1000}).json()["accounts"]
    )
    bad = client.post("/v1/plans", json={"budget": 1000, "min_gain": -1})
    assert bad.status_code == 422
