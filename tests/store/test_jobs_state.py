"""Job-record contract: every store keeps job records that outlive the process running them.

Runs on the embedded store always and on a real Neo4j (marked ``neo4j``), through the
``store`` fixture of tests/conftest.py.
"""

from __future__ import annotations

import threading

import pytest

from kolgraph.errors import Conflict, InputError, NotFound
from kolgraph.store import Store
from kolgraph.store.jobstate import JobProgress, JobRecord, JobState

T0 = 1_700_000_000.0


def _job(job_id: str, kind: str = "rank", *, at: float = T0, **kw: object) -> JobRecord:
    return JobRecord(
        id=job_id,
        kind=kind,
        status="queued",
        params={"damping": 0.85, "only": ["pagerank"]},
        created=at,
        owner="host:1:abc",
        heartbeat=at,
        **kw,  # type: ignore[arg-type]
    )


def _state(store: Store) -> JobState:
    jobs = store.jobs
    assert isinstance(jobs, JobState)
    return jobs


def test_create_get_and_list_newest_first(store: Store) -> None:
    st = _state(store)
    a = st.create(_job("j-a", at=T0))
    assert a == _job("j-a", at=T0)  # everything reads back as written
    st.create(_job("j-b", "crawl", at=T0 + 1))
    st.create(_job("j-c", "import", at=T0 + 2))
    page, total = st.list(limit=2)
    assert total == 3 and [r.id for r in page] == ["j-c", "j-b"]
    rest, _ = st.list(limit=2, offset=2)
    assert [r.id for r in rest] == ["j-a"]
    assert st.get("j-b").kind == "crawl"
    with pytest.raises(NotFound, match="no job 'nope'"):
        st.get("nope")
    with pytest.raises(InputError, match="already exists"):
        st.create(_job("j-a"))


def test_beat_writes_progress_and_start(store: Store) -> None:
    st = _state(store)
    st.create(_job("j1"))
    progress = JobProgress(stage="pagerank", done=2, total=9, eta=12.5, log=("load done", "x"))
    rec = st.beat("j1", now=T0 + 5, progress=progress, start=True)
    assert rec.status == "running" and rec.started == T0 + 5 and rec.heartbeat == T0 + 5
    assert rec.progress == progress
    # a heartbeat alone keeps the progress; an unknown total and eta read back as null
    rec = st.beat("j1", now=T0 + 6)
    assert rec.heartbeat == T0 + 6 and rec.progress == progress and rec.status == "running"
    rec = st.beat("j1", now=T0 + 7, progress=JobProgress(stage="crawl", done=3))
    assert rec.progress == JobProgress(stage="crawl", done=3)
    assert st.get("j1") == rec
    with pytest.raises(NotFound):
        st.beat("nope", now=T0)


def test_finish_is_final(store: Store) -> None:
    st = _state(store)
    st.create(_job("j1"))
    st.beat("j1", now=T0 + 1, start=True)
    done = st.finish(
        "j1", status="succeeded", now=T0 + 9, result={"run_id": "r1", "counts": {"accounts": 3}}
    )
    assert done.status == "succeeded" and done.finished == T0 + 9
    assert done.result == {"run_id": "r1", "counts": {"accounts": 3}} and done.error is None
    assert not done.active
    # nothing changes a final record: not a heartbeat, a cancel, another finish or a sweep
    st.beat("j1", now=T0 + 20, progress=JobProgress(stage="late"))
    st.request_cancel("j1")
    st.finish("j1", status="failed", now=T0 + 30, error={"code": "x", "message": "y"})
    st.interrupt_stale(live_after=T0 + 1000, now=T0 + 1000, error={"code": "interrupted"})
    assert st.get("j1") == done
    with pytest.raises(ValueError, match="final"):
        st.finish("j1", status="running", now=T0)


def test_cancel_sets_a_flag_the_runner_reads(store: Store) -> None:
    st = _state(store)
    st.create(_job("j1"))
    st.beat("j1", now=T0 + 1, start=True)
    assert st.request_cancel("j1").cancel is True
    rec = st.beat("j1", now=T0 + 2)
    assert rec.cancel and rec.status == "running"  # the job decides when to stop
    err = {"code": "cancelled", "message": "cancelled on request", "hint": None}
    end = st.finish("j1", status="cancelled", now=T0 + 3, error=err)
    assert end.status == "cancelled" and end.error == err


def test_stale_active_jobs_are_interrupted(store: Store) -> None:
    st = _state(store)
    st.create(_job("old", at=T0))  # queued, never started: its server died
    st.create(_job("dead", "crawl", at=T0))
    st.beat("dead", now=T0 + 10, start=True)
    st.create(_job("alive", "import", at=T0))
    st.beat("alive", now=T0 + 100, start=True)
    st.create(_job("ended", "backtest", at=T0))
    st.finish("ended", status="failed", now=T0 + 1, error={"code": "invalid_input"})
    err = {"code": "interrupted", "message": "the server stopped", "hint": "run it again"}
    assert st.interrupt_stale(live_after=T0 + 50, now=T0 + 120, error=err) == 2
    for job_id in ("old", "dead"):
        rec = st.get(job_id)
        assert rec.status == "interrupted" and rec.finished == T0 + 120 and rec.error == err
    assert st.get("alive").status == "running"
    assert st.get("ended").status == "failed"
    assert st.interrupt_stale(live_after=T0 + 50, now=T0 + 130, error=err) == 0


def test_exclusive_create_refuses_a_second_live_job_of_the_kind(store: Store) -> None:
    st = _state(store)
    st.create(_job("r1", at=T0), exclusive=True, live_after=T0 - 60)
    with pytest.raises(Conflict, match="rank job r1 is already queued") as err:
        st.create(_job("r2", at=T0 + 1), exclusive=True, live_after=T0 - 60)
    assert "cancel" in (err.value.hint or "")
    # other kinds, and non-exclusive creation, are not affected
    st.create(_job("c1", "crawl", at=T0 + 1), exclusive=True, live_after=T0 - 60)
    # a stale one does not block (its server died); a finished one neither
    st.create(_job("r3", at=T0 + 2), exclusive=True, live_after=T0 + 1)
    st.finish("r3", status="succeeded", now=T0 + 3)
    st.create(_job("r4", at=T0 + 4), exclusive=True, live_after=T0 + 1)
    assert {r.id for r in st.list()[0]} == {"r1", "c1", "r3", "r4"}


def test_exclusive_create_is_atomic_across_threads(store: Store) -> None:
    """Several threads (each its own connection) start a rank job at once: one wins."""
    st = _state(store)
    st.list()  # tables exist before the race
    won: list[str] = []
    lost: list[str] = []
    barrier = threading.Barrier(4)

    def start(i: int) -> None:
        barrier.wait()
        try:
            st.create(_job(f"r{i}", at=T0 + i), exclusive=True, live_after=T0 - 60)
            won.append(f"r{i}")
        except Conflict:
            lost.append(f"r{i}")
        finally:
            if store.name == "sqlite":
                store.close()  # this thread's connection

    threads = [threading.Thread(target=start, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == 1 and len(lost) == 3, (won, lost)


def test_clear_forgets_jobs(store: Store) -> None:
    st = _state(store)
    st.create(_job("j1"))
    store.clear()
    assert st.list() == ([], 0)
