"""The store contract (``kolgraph.store.base.Store``), run against every backend.

Every test takes the parametrized ``store`` fixture, so the Neo4j store runs the
same suite once it exists (``pytest -m neo4j`` with ``KOLGRAPH_NEO4J_URI`` set).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest

from kolgraph.errors import InputError, KolgraphError, NotFound
from kolgraph.model import Account, EdgeType, Kind
from kolgraph.store import AccountQuery, RepostBatch, RunResults, Store
from kolgraph.store.base import PlanRecord
from kolgraph.store.crawlstate import CrawlState
from kolgraph.store.scores import SCORE_COLUMNS

if TYPE_CHECKING:
    from conftest import TinyGraph


# --------------------------------------------------------------------------- helpers
def make_results(
    store: Store,
    pagerank: Mapping[str, float],
    *,
    community: Mapping[str, int] | None = None,
    audience: Mapping[str, int] | None = None,
    tier: Mapping[str, str] | None = None,
    communities: Sequence[tuple[int, int, int, Sequence[str]]] = (),
    overlaps: Sequence[tuple[str, str, int, float]] = (),
) -> RunResults:
    """Build :class:`RunResults` by hand from values keyed by account key.

    ``communities`` rows are ``(community, size, internal_edges, top keys)``;
    ``overlaps`` rows are ``(key a, key b, shared, jaccard)``.
    """
    keys = list(pagerank)
    idx = store.keys_to_index(keys)
    assert (idx >= 0).all(), "results must be for stored accounts"
    scores = pd.DataFrame(
        {
            "index": idx,
            "pagerank": [pagerank[k] for k in keys],
            "community": [(community or {}).get(k, 0) for k in keys],
            "audience": [(audience or {}).get(k, 0) for k in keys],
            "tier": [(tier or {}).get(k, "tail") for k in keys],
        }
    )
    comm = pd.DataFrame(
        {
            "community": [c[0] for c in communities],
            "size": [c[1] for c in communities],
            "internal_edges": [c[2] for c in communities],
            "top": [store.keys_to_index(list(c[3])).tolist() for c in communities],
        }
    )
    pairs = []
    for a, b, shared, jac in overlaps:
        ia, ib = store.keys_to_index([a, b]).tolist()
        pairs.append((min(ia, ib), max(ia, ib), shared, jac))
    ov = pd.DataFrame(pairs, columns=["a", "b", "shared", "jaccard"])
    return RunResults(scores=scores, communities=comm, overlaps=ov)


def publish(store: Store, run_id: str, results: RunResults) -> None:
    store.start_run(run_id, {"damping": 0.85})
    store.write_results(run_id, results)
    store.publish_run(run_id, counts={"accounts": 1}, timings={"total": 0.1}, quality={"q": 0.5})


def all_keys(store: Store) -> list[str]:
    return store.accounts_frame()["key"].tolist()


def follow_pairs(store: Store) -> set[tuple[str, str]]:
    g = store.graph_arrays()
    keys = all_keys(store)
    return {
        (keys[s], keys[d])
        for s, d in zip(g.follow_src.tolist(), g.follow_dst.tolist(), strict=True)
    }


RANKS = {"x:1": 0.4, "x:2": 0.3, "x:3": 0.05, "x:4": 0.1, "x:5": 0.1, "weibo:9": 0.05}
COMMUNITY = {"x:1": 0, "x:2": 1, "x:3": 0, "x:4": 1, "x:5": 1, "weibo:9": 0}


def tiny_results(store: Store, scale: float = 1.0) -> RunResults:
    return make_results(
        store,
        {k: v * scale for k, v in RANKS.items()},
        community=COMMUNITY,
        audience={"x:1": 4, "x:2": 3},
        tier={"x:1": "head", "x:2": "head"},
        communities=[(0, 3, 2, ["x:1", "x:3"]), (1, 3, 3, ["x:2", "x:5", "x:4"])],
        overlaps=[("x:1", "x:2", 2, 0.4), ("x:2", "x:4", 0, 0.0)],
    )


# --------------------------------------------------------------------------- accounts
def test_upsert_accounts_counts_only_new_accounts(store: Store) -> None:
    new = store.upsert_accounts([Account("x", "1", name="A"), Account("x", "2")])
    assert new == 2
    again = store.upsert_accounts(
        [Account("x", "1", name="A2"), Account("x", "3"), Account("x", "3", name="dup")]
    )
    assert again == 1
    assert store.counts().accounts == 3
    assert store.upsert_accounts([]) == 0


def test_upsert_accounts_none_and_empty_fields_keep_stored_values(store: Store) -> None:
    store.upsert_accounts(
        [Account("x", "1", name="Alice", kind=Kind.KOL, followers=1000, cost=250.0)]
    )
    store.upsert_accounts([Account("x", "1")])  # everything unknown: nothing changes
    rec = store.get_account("x:1")
    assert (rec.name, rec.kind, rec.followers, rec.cost) == ("Alice", Kind.KOL, 1000, 250.0)

    store.upsert_accounts([Account("x", "1", followers=1200)])  # only followers given
    rec = store.get_account("x:1")
    assert (rec.name, rec.kind, rec.followers, rec.cost) == ("Alice", Kind.KOL, 1200, 250.0)

    store.upsert_accounts([Account("x", "1", name="Alice B", kind=Kind.MEDIA, cost=0.0)])
    rec = store.get_account("x:1")
    assert (rec.name, rec.kind, rec.followers, rec.cost) == ("Alice B", Kind.MEDIA, 1200, 0.0)
    assert (rec.platform, rec.account_id, rec.key) == ("x", "1", "x:1")


def test_edges_never_erase_account_fields(store: Store) -> None:
    store.upsert_accounts([Account("x", "1", name="Alice", kind=Kind.KOL, cost=9.5)])
    store.add_follows(["x:2"], ["x:1"])
    store.add_reposts(RepostBatch.from_columns(["x:2"], ["x:1"], ["p"], [1], ["repost"]))
    rec = store.get_account("x:1")
    assert (rec.name, rec.kind, rec.cost) == ("Alice", Kind.KOL, 9.5)


def test_edges_create_missing_accounts_as_users(store: Store) -> None:
    store.add_follows(["weibo:7"], ["x:8"])
    store.add_reposts(RepostBatch.from_columns(["bili:5"], ["x:8"], ["p"], [3], ["repost"]))
    assert store.counts().accounts == 3
    for key, platform, account_id in [
        ("weibo:7", "weibo", "7"),
        ("x:8", "x", "8"),
        ("bili:5", "bili", "5"),
    ]:
        rec = store.get_account(key)
        assert rec.kind is Kind.USER
        assert (rec.platform, rec.account_id, rec.name) == (platform, account_id, "")
        assert rec.followers is None and rec.cost is None


# --------------------------------------------------------------------------- edges
def _labels(store: Store, key: str) -> set[str] | None:
    """The Neo4j labels of account ``key`` (None on a backend without labels)."""
    from kolgraph.store.neo4j import Neo4jStore

    if not isinstance(store, Neo4jStore):
        return None
    rows = store.db.execute_text(
        "MATCH (a:Account {key: $key}) RETURN labels(a) AS labels", read=True, key=key
    ).records
    return set(rows[0]["labels"])


def test_partner_accounts_round_trip_with_their_kind_and_label(store: Store) -> None:
    store.upsert_accounts(
        [
            Account("x", "7", name="Ally Co", kind=Kind.PARTNER, followers=800, cost=25.0),
            Account("x", "8", name="Sister Brand", kind=Kind.PARTNER),
            Account("x", "9", name="Kay", kind=Kind.KOL),
        ]
    )
    rec = store.get_account("x:7")
    assert (rec.name, rec.kind, rec.followers, rec.cost) == ("Ally Co", Kind.PARTNER, 800, 25.0)
    page, total = store.list_accounts(AccountQuery(kind=Kind.PARTNER))
    assert total == 2 and sorted(r.key for r in page) == ["x:7", "x:8"]
    frame = store.accounts_frame().set_index("key")
    assert frame.loc[["x:7", "x:8", "x:9"], "kind"].tolist() == ["partner", "partner", "kol"]
    assert _labels(store, "x:7") in (None, {"Account", "Partner"})
    # a bare edge keeps the kind; a new kind replaces the label
    store.add_follows(["x:1"], ["x:7"])
    assert store.get_account("x:7").kind is Kind.PARTNER
    store.upsert_accounts([Account("x", "7", kind=Kind.KOL), Account("x", "9", kind=Kind.PARTNER)])
    assert (store.get_account("x:7").kind, store.get_account("x:9").kind) == (
        Kind.KOL,
        Kind.PARTNER,
    )
    assert _labels(store, "x:7") in (None, {"Account", "KOL"})
    assert _labels(store, "x:9") in (None, {"Account", "Partner"})


def test_add_follows_is_idempotent(store: Store) -> None:
    src, dst = ["x:1", "x:2", "x:1", "x:1"], ["x:2", "x:3", "x:3", "x:2"]
    assert store.add_follows(src, dst) == 3  # the repeated pair in one batch counts once
    before = store.counts()
    assert store.add_follows(src, dst) == 0
    assert store.add_follows(["x:2"], ["x:1"]) == 1  # the reverse direction is another edge
    assert store.counts().follows == before.follows + 1
    assert store.counts().accounts == before.accounts


def test_add_reposts_is_idempotent_and_keyed_by_all_five_fields(store: Store) -> None:
    cols = (["x:1", "x:1"], ["x:2", "x:2"], ["p1", "p1"], [10, 10], ["repost", "repost"])
    assert store.add_reposts(RepostBatch.from_columns(*cols)) == 1
    assert store.add_reposts(RepostBatch.from_columns(*cols)) == 0
    assert (
        store.add_reposts(RepostBatch.from_columns(["x:1"], ["x:2"], ["p1"], [10], ["reply"])) == 1
    )
    assert (
        store.add_reposts(RepostBatch.from_columns(["x:1"], ["x:2"], ["p2"], [10], ["repost"])) == 1
    )
    assert (
        store.add_reposts(RepostBatch.from_columns(["x:1"], ["x:2"], ["p1"], [11], ["repost"])) == 1
    )
    counts = store.counts()
    assert (counts.accounts, counts.follows, counts.reposts) == (2, 0, 4)
    assert store.add_reposts(RepostBatch.from_columns([], [], [], [], [])) == 0
    assert store.add_follows([], []) == 0


def test_mismatched_columns_and_bad_keys_are_input_errors(store: Store) -> None:
    store.add_follows(["x:1"], ["x:2"])
    with pytest.raises(InputError):
        store.add_follows(["x:1", "x:2"], ["x:3"])
    with pytest.raises(InputError):
        store.add_reposts(RepostBatch.from_columns(["x:1"], ["x:2"], ["p"], [1, 2], ["repost"]))
    with pytest.raises(InputError):
        store.add_follows(["x:3", "no-platform"], ["x:4", "x:5"])
    counts = store.counts()
    assert (counts.accounts, counts.follows, counts.reposts) == (2, 1, 0)


def test_counts(store: Store, tiny: TinyGraph) -> None:
    counts = store.counts()
    assert counts.accounts == 6
    assert counts.follows == len(tiny.follows)
    assert counts.reposts == len(tiny.reposts)


# --------------------------------------------------------------------------- arrays
def test_graph_arrays_match_the_edges_added(store: Store, tiny: TinyGraph) -> None:
    g = store.graph_arrays()
    keys = all_keys(store)
    assert g.n_nodes == store.counts().accounts == len(keys) == 6
    assert g.n_follows == len(tiny.follows) and g.n_reposts == len(tiny.reposts)
    for arr in (g.follow_src, g.follow_dst, g.repost_src, g.repost_dst):
        assert arr.dtype == np.int32
        assert ((arr >= 0) & (arr < g.n_nodes)).all()
    assert g.repost_ts.dtype == np.int64 and g.repost_weight.dtype == np.float32
    assert follow_pairs(store) == set(tiny.follows)
    got = {
        (keys[s], keys[d], int(t), float(w))
        for s, d, t, w in zip(g.repost_src, g.repost_dst, g.repost_ts, g.repost_weight, strict=True)
    }
    assert got == {(s, d, t, w) for s, d, _, t, _, w in tiny.reposts}
    # direction is kept: x:1 follows x:2, not the other way round
    i1, i2 = store.keys_to_index(["x:1", "x:2"]).tolist()
    pairs = set(zip(g.follow_src.tolist(), g.follow_dst.tolist(), strict=True))
    assert (i1, i2) in pairs and (i2, i1) not in pairs


def test_graph_arrays_refresh_after_new_edges_and_clear(store: Store, tiny: TinyGraph) -> None:
    first = store.graph_arrays()
    assert first.n_follows == len(tiny.follows)
    store.add_follows(["x:2", "x:9"], ["x:3", "x:1"])
    store.add_reposts(RepostBatch.from_columns(["x:9"], ["x:3"], ["p9"], [999], ["repost"], [3.0]))
    second = store.graph_arrays()
    assert second.n_nodes == first.n_nodes + 1
    assert second.n_follows == first.n_follows + 2
    assert second.n_reposts == first.n_reposts + 1
    assert follow_pairs(store) == set(tiny.follows) | {("x:2", "x:3"), ("x:9", "x:1")}
    assert 999 in second.repost_ts.tolist() and 3.0 in second.repost_weight.tolist()
    # a no-op write changes nothing
    store.add_follows(["x:2"], ["x:3"])
    third = store.graph_arrays()
    assert third.n_follows == second.n_follows

    store.clear()
    empty = store.graph_arrays()
    assert (empty.n_nodes, empty.n_follows, empty.n_reposts) == (0, 0, 0)
    assert store.counts().accounts == 0
    # after a clear, new edges start a fresh graph (no old edges come back)
    store.add_follows(["y:1"], ["y:2"])
    fresh = store.graph_arrays()
    assert (fresh.n_nodes, fresh.n_follows, fresh.n_reposts) == (2, 1, 0)
    assert follow_pairs(store) == {("y:1", "y:2")}


def test_accounts_frame_is_in_dense_index_order(store: Store, tiny: TinyGraph) -> None:
    df = store.accounts_frame()
    assert list(df.columns) == [
        "key",
        "platform",
        "account_id",
        "name",
        "kind",
        "followers",
        "cost",
    ]
    assert len(df) == store.counts().accounts
    np.testing.assert_array_equal(store.keys_to_index(df["key"].tolist()), np.arange(len(df)))
    row = df.set_index("key").loc["x:1"]
    assert (row["name"], row["kind"], row["followers"], row["cost"]) == ("Alice", "kol", 1000, 500)
    assert df["followers"].dtype == np.float64 and df["cost"].dtype == np.float64
    assert math.isnan(df.set_index("key").loc["x:5", "followers"])
    assert math.isnan(df.set_index("key").loc["x:4", "cost"])


def test_keys_to_index_unknown_keys_are_minus_one(store: Store, tiny: TinyGraph) -> None:
    idx = store.keys_to_index(["x:1", "nope:1", "x:5", "x:1", ""])
    assert idx.dtype == np.int64
    assert idx[1] == -1 and idx[4] == -1
    assert idx[0] == idx[3] >= 0 and idx[2] >= 0 and idx[0] != idx[2]
    assert store.keys_to_index([]).shape == (0,)


# --------------------------------------------------------------------------- runs
def test_results_are_invisible_until_published(store: Store, tiny: TinyGraph) -> None:
    run = store.start_run("r1", {"damping": 0.85, "seed": 42})
    assert run.id == "r1" and run.status == "running" and run.finished is None
    assert run.params == {"damping": 0.85, "seed": 42}
    store.write_results("r1", tiny_results(store))

    assert store.current_run() is None
    assert store.get_account("x:1").pagerank is None
    assert store.get_account("x:1").run_id is None
    page, total = store.list_accounts(AccountQuery(limit=100))
    assert total == 6 and all(r.pagerank is None for r in page)
    assert store.list_communities() == ([], 0)
    assert store.overlaps(["x:1", "x:2"]) == []

    info = store.publish_run(
        "r1", counts={"accounts": 6}, timings={"total": 1.5}, quality={"modularity": 0.3}
    )
    assert info.status == "published" and info.finished is not None
    assert (info.counts, info.timings, info.quality) == (
        {"accounts": 6},
        {"total": 1.5},
        {"modularity": 0.3},
    )
    current = store.current_run()
    assert current is not None and current.id == "r1" and current.status == "published"
    rec = store.get_account("x:1")
    assert rec.pagerank == pytest.approx(0.4)
    assert (rec.community, rec.audience, rec.tier, rec.run_id) == (0, 4, "head", "r1")


def test_second_published_run_replaces_the_first(store: Store, tiny: TinyGraph) -> None:
    publish(store, "r1", tiny_results(store))
    store.start_run("r2", {})
    store.write_results("r2", tiny_results(store, scale=2.0))
    assert store.get_account("x:1").pagerank == pytest.approx(0.4)  # r2 written, not published
    store.publish_run("r2", counts={}, timings={}, quality={})
    current = store.current_run()
    assert current is not None and current.id == "r2"
    rec = store.get_account("x:1")
    assert rec.pagerank == pytest.approx(0.8) and rec.run_id == "r2"
    assert store.get_run("r1").status == "superseded"
    page, _ = store.list_accounts(AccountQuery(limit=100))
    assert {r.run_id for r in page} == {"r2"}


def test_fail_run_leaves_the_previous_run_current(store: Store, tiny: TinyGraph) -> None:
    publish(store, "r1", tiny_results(store))
    store.start_run("r2", {})
    store.write_results("r2", tiny_results(store, scale=2.0))
    store.fail_run("r2", "ValueError: boom")
    failed = store.get_run("r2")
    assert failed.status == "failed" and failed.error == "ValueError: boom"
    assert failed.finished is not None
    current = store.current_run()
    assert current is not None and current.id == "r1"
    assert store.get_account("x:1").pagerank == pytest.approx(0.4)
    with pytest.raises(KolgraphError):
        store.publish_run("r2", counts={}, timings={}, quality={})
    with pytest.raises(KolgraphError):
        store.write_results("r2", tiny_results(store))


def test_fail_run_after_publish_keeps_the_published_results(store: Store, tiny: TinyGraph) -> None:
    # a job that fails after publishing (e.g. while tidying up) calls fail_run on its own run
    publish(store, "r1", tiny_results(store))
    store.fail_run("r1", "late error")
    current = store.current_run()
    assert current is not None and current.id == "r1" and current.status == "published"
    assert store.get_account("x:1").pagerank == pytest.approx(0.4)
    assert store.list_communities()[1] == 2
    assert len(store.overlaps(["x:1", "x:2"])) == 1


def test_duplicate_run_id_is_rejected(store: Store) -> None:
    store.start_run("r1", {"a": 1})
    with pytest.raises(InputError, match="r1"):
        store.start_run("r1", {"a": 2})
    assert store.get_run("r1").params == {"a": 1}


def test_unknown_runs_are_not_found(store: Store) -> None:
    with pytest.raises(NotFound):
        store.get_run("nope")
    with pytest.raises(NotFound):
        store.publish_run("nope", counts={}, timings={}, quality={})
    assert store.current_run() is None
    assert store.list_runs() == []


def test_list_runs_newest_first(store: Store) -> None:
    for rid in ["a", "b", "c", "d"]:
        store.start_run(rid, {})
    assert [r.id for r in store.list_runs()] == ["d", "c", "b", "a"]
    assert [r.id for r in store.list_runs(limit=2)] == ["d", "c"]


# --------------------------------------------------------------------------- plans
def test_plans_are_kept_replaced_by_id_listed_newest_first_and_cleared(store: Store) -> None:
    body = {"accounts": [{"key": "x:1", "marginal_engaged": 2.5}], "notes": ["ünï"]}
    for i, pid in enumerate(["p1", "p2", "p3"]):
        store.save_plan(PlanRecord(pid, "r1", 100.0 + i, {"budget": 10 * i}, body))
    assert store.get_plan("p2") == PlanRecord("p2", "r1", 101.0, {"budget": 10}, body)
    assert [p.id for p in store.list_plans()] == ["p3", "p2", "p1"]
    assert [p.id for p in store.list_plans(limit=1)] == ["p3"]
    evaluated = PlanRecord("p2", "r1", 101.0, {"budget": 10}, body, {"actual": 7})
    store.save_plan(evaluated)
    assert store.get_plan("p2").evaluation == {"actual": 7}
    assert len(store.list_plans()) == 3
    with pytest.raises(NotFound, match="no plan"):
        store.get_plan("nope")
    store.clear()
    assert store.list_plans() == []


# --------------------------------------------------------------------------- reads
def test_get_account_unknown_key_is_not_found(store: Store, tiny: TinyGraph) -> None:
    with pytest.raises(NotFound):
        store.get_account("x:404")


def test_list_accounts_filters(store: Store, tiny: TinyGraph) -> None:
    publish(store, "r1", tiny_results(store))
    page, total = store.list_accounts(AccountQuery(kind=Kind.KOL))
    assert total == 1 and [r.key for r in page] == ["x:1"]
    page, total = store.list_accounts(AccountQuery(kind=Kind.USER, limit=100))
    assert total == 3 and {r.key for r in page} == {"x:4", "x:5", "weibo:9"}
    page, total = store.list_accounts(AccountQuery(platform="weibo"))
    assert total == 1 and page[0].key == "weibo:9" and page[0].name == "Wei"
    page, total = store.list_accounts(AccountQuery(community=1, limit=100))
    assert total == 3 and {r.key for r in page} == {"x:2", "x:4", "x:5"}
    page, total = store.list_accounts(AccountQuery(community=0, platform="x", limit=100))
    assert total == 2 and {r.key for r in page} == {"x:1", "x:3"}
    page, total = store.list_accounts(AccountQuery(kind=Kind.OWN, platform="weibo"))
    assert (page, total) == ([], 0)


def test_list_accounts_sorts(store: Store, tiny: TinyGraph) -> None:
    publish(store, "r1", tiny_results(store))
    page, _ = store.list_accounts(AccountQuery(limit=100))  # pagerank, descending
    ranks = [r.pagerank for r in page]
    assert ranks == sorted(ranks, reverse=True) and page[0].key == "x:1" and page[1].key == "x:2"
    page, _ = store.list_accounts(AccountQuery(sort="followers", limit=100))
    assert [r.key for r in page[:2]] == ["x:2", "x:1"]  # 5000, 1000; unknown follower counts last
    assert all(r.followers is None for r in page[2:])
    page, _ = store.list_accounts(AccountQuery(sort="key", descending=False, limit=100))
    assert [r.key for r in page] == sorted(RANKS)
    page, _ = store.list_accounts(AccountQuery(sort="key", descending=True, limit=100))
    assert [r.key for r in page] == sorted(RANKS, reverse=True)


def test_list_accounts_pages(store: Store, tiny: TinyGraph) -> None:
    publish(store, "r1", tiny_results(store))
    everything, total = store.list_accounts(AccountQuery(sort="key", descending=False, limit=100))
    assert total == 6
    pages = []
    for offset in range(0, 6, 4):
        query = AccountQuery(sort="key", descending=False, limit=4, offset=offset)
        page, page_total = store.list_accounts(query)
        assert page_total == 6  # total ignores the page
        pages.append([r.key for r in page])
    assert [len(p) for p in pages] == [4, 2]
    assert pages[0] + pages[1] == [r.key for r in everything]
    assert store.list_accounts(AccountQuery(limit=4, offset=10))[0] == []


def test_list_communities_largest_first(store: Store, tiny: TinyGraph) -> None:
    results = make_results(
        store,
        RANKS,
        community=COMMUNITY,
        communities=[
            (0, 2, 1, ["x:1"]),
            (1, 4, 3, ["x:2", "x:5"]),
            (2, 3, 2, ["weibo:9", "x:3", "x:4"]),
        ],
    )
    publish(store, "r1", results)
    comms, total = store.list_communities()
    assert total == 3
    assert [c.community for c in comms] == [1, 2, 0]
    assert [c.size for c in comms] == [4, 3, 2]
    assert comms[0].internal_edges == 3 and comms[0].top == ["x:2", "x:5"]
    assert comms[1].top == ["weibo:9", "x:3", "x:4"]
    assert {c.run_id for c in comms} == {"r1"}
    page, total = store.list_communities(limit=1, offset=1)
    assert total == 3 and [c.community for c in page] == [2]


def test_communities_round_trip_density_external_edges_and_bridges(
    store: Store, tiny: TinyGraph
) -> None:
    base = make_results(
        store,
        RANKS,
        community=COMMUNITY,
        communities=[(0, 3, 2, ["x:1", "x:3"]), (1, 3, 6, ["x:2", "x:5", "x:4"])],
    )
    comm = base.communities.assign(
        external_edges=[4, 0],
        density=[1 / 3, 1.0],
        bridges=[store.keys_to_index(["x:3", "weibo:9"]).tolist(), []],
    )
    publish(store, "r1", RunResults(base.scores, comm, base.overlaps))
    comms, total = store.list_communities()
    assert total == 2
    a, b = sorted(comms, key=lambda c: c.community)
    assert (a.internal_edges, a.external_edges, a.bridges) == (2, 4, ["x:3", "weibo:9"])
    assert a.density == pytest.approx(1 / 3)
    assert a.external_share == pytest.approx(4 / 6)
    assert (b.external_edges, b.density, b.bridges, b.external_share) == (0, 1.0, [], 0.0)
    assert b.top == ["x:2", "x:5", "x:4"]


def test_communities_without_the_optional_columns(store: Store, tiny: TinyGraph) -> None:
    # a frame with only community, size, internal_edges, top (as older jobs wrote it)
    publish(store, "r1", tiny_results(store))
    comms, _ = store.list_communities()
    for c in comms:
        assert c.external_edges is None and c.bridges is None and c.external_share is None
        assert c.density == pytest.approx(c.internal_edges / (c.size * (c.size - 1)))


def test_current_scores_aligned_to_dense_index(store: Store, tiny: TinyGraph) -> None:
    publish(store, "r1", tiny_results(store))
    store.add_follows(["x:100"], ["x:1"])  # added after the run
    scores = store.current_scores()
    keys = all_keys(store)
    assert len(scores) == len(keys) == 7
    assert {"pagerank", "community", "audience", "tier"} <= set(scores.columns)
    for i, key in enumerate(keys):
        if key == "x:100":
            assert math.isnan(scores["pagerank"].iloc[i])
            assert pd.isna(scores["community"].iloc[i])
            assert pd.isna(scores["audience"].iloc[i])
            assert pd.isna(scores["tier"].iloc[i])
        else:
            assert scores["pagerank"].iloc[i] == pytest.approx(RANKS[key])
            assert scores["community"].iloc[i] == COMMUNITY[key]
    i1 = int(store.keys_to_index(["x:1"])[0])
    assert scores["audience"].iloc[i1] == 4 and scores["tier"].iloc[i1] == "head"


def test_current_scores_empty_without_a_run(store: Store, tiny: TinyGraph) -> None:
    store.start_run("r1", {})
    store.write_results("r1", tiny_results(store))  # written but not published
    scores = store.current_scores()
    assert len(scores) == 0
    assert {"pagerank", "community", "audience", "tier"} <= set(scores.columns)


def test_score_frames_have_the_score_columns(store: Store, tiny: TinyGraph) -> None:
    want = {name: col.dtype for name, col in SCORE_COLUMNS.items()}
    frames = [store.current_scores()]  # no run yet: no rows, same columns
    base = tiny_results(store)
    scores = base.scores.assign(spread=np.arange(len(base.scores), dtype=float))
    publish(store, "r1", RunResults(scores, base.communities, base.overlaps))
    frames += [store.current_scores(), store.run_scores("r1")]
    for frame in frames:
        assert list(frame.columns) == list(SCORE_COLUMNS)
        assert {c: str(t) for c, t in frame.dtypes.items()} == want
    assert len(frames[0]) == 0 and len(frames[1]) == len(frames[2]) == 6


def test_crawl_state_is_a_part_of_the_store(store: Store) -> None:
    assert isinstance(store.crawl, CrawlState)
    assert not isinstance(store, CrawlState)
    assert store.crawl is store.crawl
    store.crawl.begin("c", "x", {})
    store.clear()
    assert store.crawl.all() == []


def test_overlaps_returns_stored_pairs_among_keys(store: Store, tiny: TinyGraph) -> None:
    publish(store, "r1", tiny_results(store))
    got = store.overlaps(["x:1", "x:2", "x:4"])
    assert {(o.a, o.b, o.shared, o.jaccard) for o in got} == {
        ("x:1", "x:2", 2, 0.4),
        ("x:2", "x:4", 0, 0.0),
    }
    only = store.overlaps(["x:1", "x:2", "unknown:1"])
    assert [(o.a, o.b, o.shared) for o in only] == [("x:1", "x:2", 2)]
    assert store.overlaps(["x:1", "x:4"]) == []  # no stored pair between them
    assert store.overlaps(["x:1"]) == []


def test_iter_edges_streams_keys_and_details(store: Store) -> None:
    store.add_follows(["t:1", "t:2", "t:3"], ["t:2", "t:3", "t:1"])
    store.add_reposts(
        RepostBatch.from_columns(
            ["t:3", "t:1"],
            ["t:1", "t:2"],
            ["p1", "p2"],
            [100, 200],
            ["repost", "reply"],
            [1.0, 2.5],
        )
    )
    batches = list(store.iter_edges(EdgeType.FOLLOW, batch_size=2))
    assert [len(b) for b in batches] == [2, 1]
    follows = pd.concat(batches)
    assert set(zip(follows["src"], follows["dst"], strict=True)) == {
        ("t:1", "t:2"),
        ("t:2", "t:3"),
        ("t:3", "t:1"),
    }
    reposts = pd.concat(store.iter_edges(EdgeType.REPOST))
    assert list(reposts.columns) == ["src", "dst", "post_id", "ts", "action", "weight"]
    row = reposts[reposts["post_id"] == "p2"].iloc[0]
    assert (row["src"], row["dst"], int(row["ts"]), row["action"], float(row["weight"])) == (
        "t:1",
        "t:2",
        200,
        "reply",
        2.5,
    )


def test_run_scores_of_kept_runs(store: Store, tiny: TinyGraph) -> None:
    first, second = tiny_results(store), tiny_results(store, scale=0.5)
    publish(store, "r1", first)
    publish(store, "r2", second)
    s1, s2 = store.run_scores("r1"), store.run_scores("r2")
    idx = store.keys_to_index(["x:1", "x:2"])
    assert s1["pagerank"].to_numpy()[idx] == pytest.approx([0.4, 0.3])
    assert s2["pagerank"].to_numpy()[idx] == pytest.approx([0.2, 0.15])
    assert np.allclose(
        s2["pagerank"].to_numpy(), store.current_scores()["pagerank"].to_numpy(), equal_nan=True
    )
    with pytest.raises(NotFound):
        store.run_scores("nope")


def test_extra_scores_flags_and_artifacts(store: Store, tiny: TinyGraph) -> None:
    base = tiny_results(store)
    n = len(base.scores)
    scores = base.scores.assign(
        engagement=np.linspace(0.0, 1.0, n),
        anomaly=[np.nan] + [0.9] * (n - 1),
        spread=np.arange(n, dtype=float),
        flags=[["62% of followers are hollow"]] + [None] * (n - 1),
    )
    blob = bytes(range(256)) * 3
    res = RunResults(scores, base.communities, base.overlaps, artifacts={"sketches": blob})
    publish(store, "r1", res)
    key0 = all_keys(store)[int(scores["index"].iloc[0])]
    rec = store.get_account(key0)
    assert rec.flags == ("62% of followers are hollow",)
    assert rec.anomaly is None and rec.engagement == pytest.approx(0.0)
    cs = store.current_scores()
    assert cs["spread"].to_numpy()[scores["index"].to_numpy()] == pytest.approx(np.arange(n))
    assert cs["flags"].iloc[int(scores["index"].iloc[0])] == ["62% of followers are hollow"]
    assert store.run_artifact("r1", "sketches") == blob
    with pytest.raises(NotFound):
        store.run_artifact("r1", "nope")
    with pytest.raises(NotFound):
        store.run_artifact("r404", "sketches")


def test_declared_followers_are_the_frame_column(store: Store, tiny: TinyGraph) -> None:
    got = store.declared_followers()
    want = store.accounts_frame()["followers"].to_numpy(dtype=np.float64)
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, want)  # NaN where unknown, same order
    assert np.isnan(got).any() and not np.isnan(got).all()


def test_location_names_where_the_data_is(store: Store) -> None:
    where = store.location
    if store.name == "sqlite":
        assert where.endswith("kolgraph.db")
    else:
        assert where.startswith(("bolt://", "neo4j://", "bolt+s://", "neo4j+s://"))
