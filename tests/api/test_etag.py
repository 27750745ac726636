"""ETags on reads, 304 for a copy the client already has, and plans after a new run."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi.testclient import TestClient

from kolgraph.api.app import create_app
from kolgraph.model import Account, Kind
from kolgraph.rank.job import RankParams, run_rank
from kolgraph.store import AccountQuery, SQLiteStore

if TYPE_CHECKING:
    from conftest import World

READS = [
    "/v1/accounts/demo:k1",
    "/v1/accounts?kind=kol&sort=pagerank&limit=3",
    "/v1/accounts?sort=cost&order=asc&limit=5&offset=2",
    "/v1/communities?limit=5",
]


def test_reads_carry_an_etag_of_the_run_and_answer_304_with_it(
    client: TestClient, world: World
) -> None:
    tags = set()
    for url in READS:
        first = client.get(url)
        assert first.status_code == 200, first.text
        tag = first.headers["etag"]
        assert tag.startswith(f'"{world.run_id}.') and tag.endswith('"')
        tags.add(tag)
        again = client.get(url, headers={"If-None-Match": tag})
        assert again.status_code == 304
        assert again.content == b""
        assert again.headers["etag"] == tag
        weak = client.get(url, headers={"If-None-Match": f'"nope", W/{tag}'})
        assert weak.status_code == 304
        other = client.get(url, headers={"If-None-Match": '"r.0000"'})
        assert other.status_code == 200 and other.json() == first.json()
    assert len(tags) == len(READS)  # each read and its parameters have their own tag


def test_a_kept_plan_has_an_etag(client: TestClient) -> None:
    plan = client.post("/v1/plans", json={"budget": 900}).json()
    got = client.get(f"/v1/plans/{plan['id']}")
    assert got.status_code == 200 and got.json() == plan
    tag = got.headers["etag"]
    assert tag.startswith(f'"{plan["run_id"]}.')
    assert client.get(f"/v1/plans/{plan['id']}", headers={"If-None-Match": tag}).status_code == 304
    assert client.get("/v1/plans/pl-none", headers={"If-None-Match": tag}).status_code == 404


def test_etags_change_with_a_new_run_and_with_an_import(own_world: World) -> None:
    with TestClient(create_app(own_world.settings)) as c:
        before = {url: c.get(url).headers["etag"] for url in READS}
        with SQLiteStore(own_world.db) as st:  # a new price, no new run
            st.upsert_accounts([Account("demo", "k1", cost=333.0)])
        r = c.get(READS[0], headers={"If-None-Match": before[READS[0]]})
        assert r.status_code == 200 and r.json()["cost"] == 333.0
        assert r.headers["etag"] != before[READS[0]]
        with SQLiteStore(own_world.db) as st:
            run = run_rank(st, params=RankParams(overlap_top_k=20)).run
        for url, tag in before.items():
            r = c.get(url, headers={"If-None-Match": tag})
            assert r.status_code == 200, url
            assert r.headers["etag"].startswith(f'"{run.id}.')


def test_plans_use_the_run_published_after_the_first_plan(own_world: World) -> None:
    request = {"budget": 900, "kol": {"min": 1, "max": 3}}
    with TestClient(create_app(own_world.settings)) as c:
        first = c.post("/v1/plans", json=request)
        assert first.status_code == 200, first.text
        assert first.json()["run_id"] == own_world.run_id
        with SQLiteStore(own_world.db) as st:
            st.upsert_accounts([Account("demo", "k3", kind=Kind.KOL, cost=1.0)])
            run = run_rank(st, params=RankParams(overlap_top_k=20)).run
        second = c.post("/v1/plans", json=request).json()
        assert second["run_id"] == run.id != own_world.run_id
        k3 = next(a for a in second["accounts"] if a["key"] == "demo:k3")
        assert k3["cost"] == 1.0


def test_ranked_lists_are_the_store_lists(client: TestClient, world: World) -> None:
    with SQLiteStore(world.db) as st:
        for params, query in [
            ({}, AccountQuery()),
            ({"sort": "followers", "limit": 7}, AccountQuery(sort="followers", limit=7)),
            (
                {"kind": "kol", "order": "asc", "sort": "cost"},
                AccountQuery(kind=Kind.KOL, descending=False, sort="cost"),
            ),
            ({"platform": "other", "sort": "key"}, AccountQuery(platform="other", sort="key")),
            ({"community": 0, "offset": 3}, AccountQuery(community=0, offset=3)),
        ]:
            body = client.get("/v1/accounts", params=params).json()
            records, total = st.list_accounts(query)
            assert body["count"] == total
            assert [a["key"] for a in body["data"]] == [r.key for r in records]
