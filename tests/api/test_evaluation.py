"""Kept plans and campaign evaluation over HTTP, against a real SQLite store.

The graph is the one of ``conftest.py``: ``demo:u0..u19`` follow ``demo:k1`` (and
``demo:m1``), ``demo:u20..u39`` follow ``demo:k3`` (and ``demo:m2``), the even ones
among them also ``demo:o1``.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from kolgraph.api.app import create_app
from kolgraph.model import Kind
from kolgraph.plan.planner import KindRange, PlanParams, make_plan
from kolgraph.schemas.plans import ForecastOut, PlanResponse
from kolgraph.store import RunResults, SQLiteStore

if TYPE_CHECKING:
    from conftest import World

DAY = 86_400.0
T0 = 1_700_000_000.0  # 2023-11-14T22:13:20Z

#: A plan of exactly demo:k1, demo:k3 (KOLs) and demo:o1 (own).
THREE = {
    "budget": 1000,
    "include": ["demo:k1", "demo:k3", "demo:o1"],
    "kol": {"min": 2, "max": 2},
    "media": {"max": 0},
    "own": {"min": 1, "max": 1},
}

#   post a by k1 at day 0:  u0 u1 u25 u21
#   post b by k3 at day 1:  u21 (k1 had her) u22 u0 (k1 had him) u31
#   post c by o1 at day 8:  u24, new1 (not in the store)
REPOSTS: list[dict[str, Any]] = [
    {"src": "demo:u0", "dst": "demo:k1", "ts": T0 + 100, "post": "a"},
    {"src": "u1", "dst": "k1", "ts": "2023-11-14T22:16:40Z", "post": "a"},  # T0 + 200
    {"src": "demo:u25", "dst": "demo:k1", "ts": T0 + 300, "post": "a"},
    {"src": "demo:u21", "dst": "demo:u25", "ts": T0 + 400, "post": "a"},
    {"src": "demo:u21", "dst": "demo:k3", "ts": T0 + DAY + 100, "post": "b"},
    {"src": "demo:u22", "dst": "demo:k3", "ts": T0 + DAY + 200, "post": "b"},
    {"src": "demo:u0", "dst": "demo:k3", "ts": T0 + DAY + 300, "post": "b"},
    {"src": "demo:u31", "dst": "demo:u22", "ts": T0 + DAY + 400, "post": "b"},
    {"src": "demo:u24", "dst": "demo:o1", "ts": T0 + 8 * DAY + 100, "post": "c"},
    {"src": "demo:new1", "dst": "demo:o1", "ts": T0 + 8 * DAY + 200, "post": "c"},
]


def make_three(c: TestClient) -> dict[str, Any]:
    r = c.post("/v1/plans", json=THREE)
    assert r.status_code == 200, r.text
    plan: dict[str, Any] = r.json()
    assert {a["key"] for a in plan["accounts"]} == {"demo:k1", "demo:k3", "demo:o1"}
    return plan


def kept_evaluation(world: World, plan_id: str) -> dict[str, Any] | None:
    with SQLiteStore(world.db) as st:
        return st.get_plan(plan_id).evaluation


def error_detail(r: Any, status: int, error: str) -> dict[str, Any]:
    """The project's error shape: ``{"error": {"code", "message", "hint", "field"}}``."""
    assert r.status_code == status, r.text
    detail: dict[str, Any] = r.json()["error"]
    assert detail["code"] == error and detail["message"] and detail["hint"], detail
    return detail


# ----------------------------------------------------------------------------- kept plans
def test_every_plan_is_kept_listed_and_read_back(own_world: World) -> None:
    with TestClient(create_app(own_world.settings)) as c:
        assert c.get("/v1/plans").json() == {"data": [], "count": 0, "next": None}
        first = make_three(c)
        second = c.post("/v1/plans", json={"budget": 500}).json()
        listed = c.get("/v1/plans").json()
        assert listed["count"] == 2
        assert [p["id"] for p in listed["data"]] == [second["id"], first["id"]]  # newest first
        row = listed["data"][1]
        assert row["accounts"] == 3 and row["spent"] == first["spent"]
        assert row["evaluated"] is False and row["run_id"] == own_world.run_id
        assert c.get(f"/v1/plans/{first['id']}").json() == first
        assert c.get("/v1/plans", params={"limit": 1}).json()["count"] == 1
        error_detail(c.get("/v1/plans/pl-nope"), 404, "not_found")
    with SQLiteStore(own_world.db) as st:
        kept = st.get_plan(first["id"])
    assert kept.params["budget"] == 1000 and kept.params["skip_flagged"] is True
    assert kept.params["include"] == THREE["include"]


# ----------------------------------------------------------------------------- evaluation
def test_evaluation_matches_a_hand_count(own_world: World) -> None:
    with TestClient(create_app(own_world.settings)) as c:
        plan = make_three(c)
        r = c.post(
            f"/v1/plans/{plan['id']}/evaluation", json={"reposts": REPOSTS, "platform": "demo"}
        )
        assert r.status_code == 200, r.text
        ev = r.json()
        assert c.get("/v1/plans").json()["data"][0]["evaluated"] is True
    assert ev["plan_id"] == plan["id"]
    assert ev["start"] == T0 + 100  # k1's first repost
    assert ev["cascades"] == 3
    assert ev["engaged"] == ev["engaged_within_horizon"] == 8
    got = {a["key"]: (a["posted"], a["engaged"], a["incremental"]) for a in ev["accounts"]}
    # k1 moved u0 u1 u25 u21: u0 and u21 were moved by k3 too, u25 follows k3 -> u1
    # k3 moved u22 u31 (u21 and u0 engaged with k1 first): u22 follows o1 -> u31
    # o1 moved u24 and new1: u24 follows k3 -> new1
    assert got == {
        "demo:k1": (True, 4, 1),
        "demo:k3": (True, 2, 1),
        "demo:o1": (True, 2, 1),
    }
    first = {a["key"]: a["first_day"] for a in ev["accounts"]}
    assert first == {"demo:k1": 0.0, "demo:k3": 1.0, "demo:o1": 8.0}
    assert [(p["phase"], p["engaged"]) for p in ev["phases"]] == [
        ("origin", 4),
        ("explosion", 2),
        ("mass_spread", 0),
        ("flattening", 2),
    ]
    assert ev["peak_day"] == 0 and ev["explosion_on_time"] is False
    assert all(a["lesson"] for a in ev["accounts"])
    assert kept_evaluation(own_world, plan["id"]) == ev


def test_evaluation_of_an_unknown_plan_is_404(client: TestClient) -> None:
    r = client.post("/v1/plans/pl-nope/evaluation", json={"reposts": REPOSTS[:1]})
    detail = error_detail(r, 404, "not_found")
    assert "pl-nope" in detail["message"] and "kolgraph plans" in detail["hint"]
    # unknown is unknown, even when the reposts are bad too
    bad = [{"src": "demo:u1", "dst": "demo:k1", "ts": "soon"}]
    r = client.post("/v1/plans/pl-nope/evaluation", json={"reposts": bad})
    error_detail(r, 404, "not_found")


@pytest.mark.parametrize(
    ("reposts", "platform", "words"),
    [
        ([{"src": "demo:u1", "dst": "demo:m1", "ts": T0}], None, ["none of plan", "demo:k1"]),
        (
            [{"src": "demo:u1", "dst": "demo:k1", "ts": T0}, {"src": "u2", "dst": "k1", "ts": 1}],
            None,
            ["reposts[1]", "'u2' has no platform prefix"],
        ),
        (
            [
                {"src": "demo:u1", "dst": "demo:k1", "ts": T0},
                {"src": "x:1", "dst": "x:2", "ts": "?"},
            ],
            None,
            ["reposts[1]", "ISO 8601"],
        ),
        ([{"src": "u1", "dst": "k1", "ts": T0}], "Not A Platform", ["platform"]),
    ],
)
def test_a_failed_evaluation_is_422_and_changes_nothing(
    own_world: World, reposts: list[dict[str, Any]], platform: str | None, words: list[str]
) -> None:
    with TestClient(create_app(own_world.settings)) as c:
        plan = make_three(c)
        body = {"reposts": reposts, **({"platform": platform} if platform else {})}
        r = c.post(f"/v1/plans/{plan['id']}/evaluation", json=body)
        detail = error_detail(r, 422, "invalid_input")
        for w in words:
            assert w in detail["message"], detail
        assert c.get(f"/v1/plans/{plan['id']}").json() == plan
    assert kept_evaluation(own_world, plan["id"]) is None


def test_a_failed_evaluation_keeps_the_previous_one(own_world: World) -> None:
    with TestClient(create_app(own_world.settings)) as c:
        plan = make_three(c)
        url = f"/v1/plans/{plan['id']}/evaluation"
        ok = c.post(url, json={"reposts": REPOSTS, "platform": "demo"}).json()
        r = c.post(url, json={"reposts": [{"src": "demo:u1", "dst": "demo:m1", "ts": T0}]})
        assert r.status_code == 422
    assert kept_evaluation(own_world, plan["id"]) == ok


@pytest.mark.parametrize(
    "body",
    [
        {"reposts": []},
        {"reposts": [{"src": "demo:u1", "dst": "demo:k1"}]},
        {"reposts": [{"src": "demo:u1", "dst": "demo:k1", "ts": 1, "extra": 1}]},
    ],
)
def test_evaluation_request_is_validated(client: TestClient, body: dict[str, Any]) -> None:
    r = client.post("/v1/plans/pl-any/evaluation", json=body)
    assert r.status_code == 422 and "reposts" in r.json()["error"]["message"]


# ----------------------------------------------------------------------------- flagged accounts
def publish_flags(db: Path, flagged: dict[str, list[str]]) -> str:
    """Publish a copy of the current run in which ``flagged`` accounts carry flags."""
    with SQLiteStore(db) as st:
        scores = st.current_scores()
        idx = st.keys_to_index(list(flagged))
        flags: list[list[str] | None] = [None] * len(scores)
        for i, reasons in zip(idx.tolist(), flagged.values(), strict=True):
            flags[i] = reasons
        n = len(scores)
        comm = scores["community"].fillna(0).astype(np.int64).to_numpy()
        sizes = pd.Series(comm).value_counts()
        st.start_run("flagged-run", {"note": "a copy with flags"})
        st.write_results(
            "flagged-run",
            RunResults(
                scores=pd.DataFrame(
                    {
                        "index": np.arange(n),
                        "pagerank": scores["pagerank"].fillna(0.0).to_numpy(),
                        "community": comm,
                        "audience": scores["audience"].fillna(0).astype(np.int64).to_numpy(),
                        "tier": scores["tier"].fillna("tail").tolist(),
                        "flags": flags,
                    }
                ),
                communities=pd.DataFrame(
                    {
                        "community": sizes.index.to_numpy(),
                        "size": sizes.to_numpy(),
                        "internal_edges": np.zeros(len(sizes), dtype=np.int64),
                        "top": [[int(np.flatnonzero(comm == c)[0])] for c in sizes.index],
                    }
                ),
                overlaps=pd.DataFrame({"a": [], "b": [], "shared": [], "jaccard": []}),
            ),
        )
        st.publish_run("flagged-run", counts={}, timings={}, quality={})
    return "flagged-run"


def test_flagged_accounts_are_left_out_unless_included(own_world: World) -> None:
    publish_flags(own_world.db, {"demo:k1": ["90% of followers are hollow"]})
    with TestClient(create_app(own_world.settings)) as c:
        assert c.get("/v1/accounts/demo:k1").json()["flags"]
        default = c.post("/v1/plans", json={"budget": 5000}).json()
        assert default["run_id"] == "flagged-run"
        assert "demo:k1" not in {a["key"] for a in default["accounts"]}
        assert any("flagged" in n for n in default["notes"])
        kept = c.post("/v1/plans", json={"budget": 5000, "include_flagged": True}).json()
        k1 = next(a for a in kept["accounts"] if a["key"] == "demo:k1")
        assert "flagged audience" in k1["warnings"]
        assert not any("flagged" in n and "left out" in n for n in kept["notes"])


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"budget": 100, "include_flagged": "yes"}, ["body", "include_flagged"]),
        ({"budget": 100, "include_flagged": 1}, ["body", "include_flagged"]),
        ({"budget": 100, "skip_flagged": True}, ["body", "skip_flagged"]),
    ],
)
def test_include_flagged_is_a_strict_bool_and_skip_flagged_is_gone(
    client: TestClient, body: dict[str, Any], loc: list[str]
) -> None:
    r = client.post("/v1/plans", json=body)
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "validation_error" and error["field"] == ".".join(loc)
    if "skip_flagged" in body:
        assert "include_flagged" in error["message"]  # the allowed fields are listed


# ----------------------------------------------------------------------------- warnings, forecast
def test_warnings_and_the_per_message_forecast_reach_the_json(world: World) -> None:
    value = {
        "expected": 12.0,
        "low": 8.0,
        "high": 20.0,
        "interval": 0.8,
        "calibrated_on": 9,
        "extrapolated": True,
    }
    with SQLiteStore(world.db) as st:
        plan = make_plan(
            st,
            PlanParams(budget=1000, mix={Kind.KOL: KindRange(1, 2)}),
            settings=world.settings,
        )
    first = replace(plan.accounts[0], warnings=("estimated price", "high overlap"))
    forecast = {
        "horizon_days": 14.0,
        "moved_users": value,
        "per_message": {**value, "expected": 5.0},
        "calibration": {},
        "what": "test",
    }
    doc = PlanResponse.from_plan(
        replace(plan, accounts=[first, *plan.accounts[1:]], forecast=forecast)
    ).model_dump(mode="json")
    assert doc["accounts"][0]["warnings"] == ["estimated price", "high overlap"]
    rest = zip(doc["accounts"][1:], plan.accounts[1:], strict=True)
    assert all(a["warnings"] == list(b.warnings) for a, b in rest)
    assert doc["forecast"]["per_message"]["expected"] == 5.0
    assert ForecastOut.model_validate({**forecast, "per_message": None}).per_message is None
    old = {k: v for k, v in forecast.items() if k != "per_message"}
    assert ForecastOut.model_validate(old).per_message is None  # plans kept before it
