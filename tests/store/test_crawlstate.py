"""Crawl-state contract: every store keeps a crawl's frontier beside its edges.

Runs on the embedded store always and on Neo4j when KOLGRAPH_NEO4J_URI is set
(the ``store`` fixture in tests/conftest.py).
"""

from __future__ import annotations

import pytest

from kolgraph.errors import InputError, NotFound
from kolgraph.model import Account, EdgeType, Kind
from kolgraph.store import Store
from kolgraph.store.batches import RepostBatch
from kolgraph.store.crawlstate import CrawlBatch, CrawlState, TaskRow


def _state(store: Store) -> CrawlState:
    state = store.crawl
    assert isinstance(state, CrawlState)
    return state


def _task(key: str, seq: int, depth: int = 0, priority: float = 1.0, **kw: object) -> TaskRow:
    kind, _, target = key.partition(":")
    return TaskRow(key=key, kind=kind, target=target, depth=depth, priority=priority, seq=seq, **kw)  # type: ignore[arg-type]


def _follows(store: Store) -> set[tuple[str, str]]:
    return {
        (s, d)
        for b in store.iter_edges(EdgeType.FOLLOW)
        for s, d in zip(b["src"], b["dst"], strict=True)
    }


def test_begin_is_idempotent_and_info_reports_it(store: Store) -> None:
    st = _state(store)
    a = st.begin("c1", "weibo", {"depth": 1, "seeds": ["1"]})
    b = st.begin("c1", "weibo", {"depth": 9})
    assert a.crawl_id == b.crawl_id == "c1"
    assert b.params == {"depth": 1, "seeds": ["1"]}  # the first parameters stay
    assert b.platform == "weibo" and b.tasks == {} and b.stats == {}
    assert [c.crawl_id for c in st.all()] == ["c1"]
    with pytest.raises(NotFound, match="no crawl 'nope'"):
        st.info("nope")


def test_commit_writes_page_task_and_new_tasks_together(store: Store) -> None:
    st = _state(store)
    st.begin("c1", "x", {})
    seed = _task("profile:1", 0, node="x:1")
    st.commit("c1", CrawlBatch(task=seed, new_tasks=[_task("profile:2", 1)]))
    page = CrawlBatch(
        task=_task("followers:1", 2, cursor="tok2", page=1, seen=2, node="x:1"),
        accounts=[Account("x", "1", name="Star", kind=Kind.KOL, followers=99)],
        follows=[("x:5", "x:1"), ("x:6", "x:1")],
        reposts=RepostBatch.from_columns(["x:5"], ["x:1"], ["p1"], [1_700_000_000], ["repost"]),
        new_tasks=[_task("profile:5", 3, depth=1), _task("profile:2", 9, priority=50.0)],
        stats={"pages": 1},
    )
    nf, nr = st.commit("c1", page)
    assert (nf, nr) == (2, 1)
    assert _follows(store) == {("x:5", "x:1"), ("x:6", "x:1")}
    assert store.get_account("x:1").name == "Star"
    tasks = {t.key: t for t in st.tasks("c1")}
    assert set(tasks) == {"profile:1", "profile:2", "followers:1", "profile:5"}
    assert tasks["followers:1"].cursor == "tok2" and tasks["followers:1"].seen == 2
    assert tasks["profile:2"].priority == 1.0  # a task already known is not replaced
    info = st.info("c1")
    assert info.stats["pages"] == 1 and info.stats["new_follows"] == 2
    assert info.tasks == {"pending": 4}
    # committing the same page again (a crash after commit, then a retry) adds no edges
    assert st.commit("c1", page) == (0, 0)
    assert st.info("c1").stats["pages"] == 2


def test_tasks_come_back_in_frontier_order_and_by_status(store: Store) -> None:
    st = _state(store)
    st.begin("c1", "x", {})
    rows = [
        _task("profile:a", 0, depth=1, priority=9.0),
        _task("profile:b", 1, depth=0, priority=1.0),
        _task("profile:c", 2, depth=0, priority=5.0),
        _task("profile:d", 3, depth=0, priority=5.0, status="done"),
    ]
    st.commit("c1", CrawlBatch(task=rows[0], new_tasks=rows[1:]))
    assert [t.key for t in st.tasks("c1")] == [
        "profile:c",
        "profile:d",
        "profile:b",
        "profile:a",
    ]
    assert [t.key for t in st.tasks("c1", status="done")] == ["profile:d"]
    assert [t.key for t in st.tasks("c1", status="pending")] == [
        "profile:c",
        "profile:b",
        "profile:a",
    ]
    got = st.tasks("c1", status="done")[0]
    assert got == rows[3]  # every field round-trips


def test_a_failed_commit_changes_nothing(store: Store) -> None:
    st = _state(store)
    st.begin("c1", "x", {})
    first = _task("followers:1", 0, cursor="a")
    st.commit("c1", CrawlBatch(task=first, follows=[("x:2", "x:1")]))
    bad = CrawlBatch(
        task=first.but(cursor="b", page=1),
        follows=[("x:3", "x:1"), ("not-a-key", "x:1")],
        new_tasks=[_task("profile:3", 1)],
    )
    with pytest.raises(InputError):
        st.commit("c1", bad)
    assert _follows(store) == {("x:2", "x:1")}
    assert [(t.key, t.cursor) for t in st.tasks("c1")] == [("followers:1", "a")]


def test_commit_to_an_unknown_crawl_is_refused(store: Store) -> None:
    st = _state(store)
    with pytest.raises(NotFound):
        st.commit("ghost", CrawlBatch(task=_task("profile:1", 0)))


def test_delete_forgets_state_but_keeps_edges(store: Store) -> None:
    st = _state(store)
    st.begin("c1", "x", {})
    st.begin("c2", "x", {})
    st.commit("c1", CrawlBatch(task=_task("followers:1", 0), follows=[("x:2", "x:1")]))
    st.commit("c2", CrawlBatch(task=_task("profile:9", 0)))
    st.delete("c1")
    assert [c.crawl_id for c in st.all()] == ["c2"]
    assert st.tasks("c1") == []
    assert len(st.tasks("c2")) == 1
    assert _follows(store) == {("x:2", "x:1")}
    store.clear()
    assert st.all() == []
