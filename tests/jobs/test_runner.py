"""The job runner on a real SQLite store: progress, result, cancel, restarts, one rank at once."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from job_records import running_job

from kolgraph.crawl.simulator.server import Simulator
from kolgraph.errors import Conflict, InputError, NotFound
from kolgraph.jobs import JobRunner, cancel_job, get_job, list_jobs
from kolgraph.rank.job import RankParams, run_rank
from kolgraph.schemas.jobs import BacktestJobIn, CrawlJobIn, RankJobIn

from .conftest import JobWorld, wait_for


def _crawl(sim: Simulator, **kw: object) -> CrawlJobIn:
    seeds = sim.network.top_accounts(2)
    return CrawlJobIn(
        kind="crawl",
        platform="x",
        seeds=seeds,
        base_url=sim.url,
        max_pages=2,
        max_posts=3,
        archive=False,
        **kw,  # type: ignore[arg-type]
    )


def test_rank_job_publishes_a_run_with_the_library_results(
    world: JobWorld, runner: JobRunner
) -> None:
    with world.store() as st:
        before = st.current_run()
        assert before is not None
        rec = runner.submit(st, RankJobIn(kind="rank", top_k=20, seed=7))
        assert rec.status == "queued" and rec.kind == "rank" and rec.params["top_k"] == 20
        done = wait_for(st, world.settings, rec.id)
        assert done.status == "succeeded", done.error
        assert done.started is not None and done.finished is not None
        run = st.current_run()
        assert run is not None and run.id != before.id
        assert done.result is not None and done.result["run_id"] == run.id
        assert done.result["counts"] == run.counts and done.result["quality"] == run.quality
        # progress: every stage, the last one done; the log tail names the stages
        assert done.progress.stage == "write"
        assert done.progress.done == done.progress.total == 9
        assert done.progress.eta == 0.0
        assert any("stage pagerank" in line for line in done.progress.log)
        assert "succeeded" in done.progress.log[-1]
        # the same parameters through the library give the same run
        again = run_rank(st, params=RankParams.from_settings(world.settings, seed=7))
        assert again.counts == done.result["counts"]
        assert again.quality == done.result["quality"]


def test_every_job_reports_its_states_to_the_hook(world: JobWorld) -> None:
    seen: list[tuple[str, str, str]] = []
    runner = JobRunner(world.settings, on_state=lambda *event: seen.append(event))
    try:
        with world.store() as st:
            ok = runner.submit(st, RankJobIn(kind="rank"))
            assert runner.wait(ok.id, timeout=60)  # its thread, hook calls included, ended
            bad = runner.submit(st, BacktestJobIn(kind="backtest"))
            assert runner.wait(bad.id, timeout=60)
    finally:
        runner.shutdown()
    assert seen == [
        (ok.id, "rank", "queued"),
        (ok.id, "rank", "started"),
        (ok.id, "rank", "succeeded"),
        (bad.id, "backtest", "queued"),
        (bad.id, "backtest", "started"),
        (bad.id, "backtest", "failed"),
    ]


def test_a_second_rank_job_on_the_store_is_a_conflict(
    busy_world: JobWorld, busy_runner: JobRunner
) -> None:
    world, runner = busy_world, busy_runner
    with world.store() as st:
        first = runner.submit(st, RankJobIn(kind="rank"))
        with pytest.raises(Conflict, match=f"rank job {first.id} is already") as err:
            runner.submit(st, RankJobIn(kind="rank"))
        assert first.id in (err.value.hint or "")
        # another process sharing the store is refused the same way
        with pytest.raises(Conflict):
            JobRunner(world.settings).submit(st, RankJobIn(kind="rank"))
        assert wait_for(st, world.settings, first.id).status == "succeeded"
        second = runner.submit(st, RankJobIn(kind="rank"))  # the first has ended
        assert wait_for(st, world.settings, second.id).status == "succeeded"
        assert list_jobs(st, world.settings)[1] == 2


def test_cancel_stops_a_rank_job_and_keeps_the_current_run(
    busy_world: JobWorld, busy_runner: JobRunner
) -> None:
    world, runner = busy_world, busy_runner
    with world.store() as st:
        current = st.current_run()
        assert current is not None
        rec = runner.submit(st, RankJobIn(kind="rank"))
        asked = runner.cancel(st, rec.id)
        assert asked.cancel
        done = wait_for(st, world.settings, rec.id)
        assert done.status == "cancelled" and done.result is None
        assert done.error is not None and done.error["code"] == "cancelled"
        run = st.current_run()
        assert run is not None and run.id == current.id  # nothing was published
        assert all(r.status != "running" for r in st.list_runs())  # a started run was failed
        with pytest.raises(Conflict, match="already ended"):
            runner.cancel(st, rec.id)
        with pytest.raises(NotFound):
            runner.cancel(st, "job-nope")


def test_crawl_job_writes_progress_and_stops_on_a_cancel_from_another_process(
    world: JobWorld, runner: JobRunner, slow_sim: Simulator
) -> None:
    with world.store() as st:
        rec = runner.submit(st, _crawl(slow_sim))
        running = wait_for(
            st,
            world.settings,
            rec.id,
            lambda r: r.status == "running" and (r.progress.done or 0) > 2,
        )
        p = running.progress
        assert p.stage == "crawl" and p.total is not None and p.total > p.done  # type: ignore[operator]
        assert running.heartbeat >= running.created
        # what `kolgraph jobs cancel` does: only the record's flag, read by the heartbeat
        cancel_job(st, world.settings, rec.id)
        t0 = time.monotonic()
        done = wait_for(st, world.settings, rec.id, timeout=20)
        assert time.monotonic() - t0 < 5
        assert done.status == "cancelled"
        (crawl,) = st.crawl.all()
        pages = crawl.stats["pages"]
        assert pages >= (p.done or 0) and crawl.tasks.get("pending", 0) > 0
        # the same crawl started again resumes where it stopped and finishes
        again = runner.submit(st, _crawl(slow_sim))
        end = wait_for(st, world.settings, again.id)
        assert end.status == "succeeded" and end.result is not None
        assert end.result["crawl_id"] == crawl.crawl_id and end.result["status"] == "done"
        assert st.crawl.info(crawl.crawl_id).stats["pages"] == pages + end.result["pages"]


def test_a_running_record_whose_server_died_is_interrupted(world: JobWorld) -> None:
    old = time.time() - 600
    with world.store() as st:
        for job_id in ("job-dead-1", "job-dead-2"):
            st.jobs.create(running_job(job_id, at=old, owner="gone:1:abc"))
        # a new server marks them when it starts ...
        assert JobRunner(world.settings).start() == 2
        rec = get_job(st, world.settings, "job-dead-1")
        assert rec.status == "interrupted" and rec.finished is not None
        assert rec.error is not None and rec.error["code"] == "interrupted"
        # ... and so does any read of a record left running with an old heartbeat
        st.jobs.create(
            running_job("job-dead-3", "crawl", at=old, owner="gone:1:abc", started=False)
        )
        records, total = list_jobs(st, world.settings)
        assert total == 3 and {r.status for r in records} == {"interrupted"}
        # a stale rank record does not block a new rank job
        runner = JobRunner(world.settings)
        try:
            new = runner.submit(st, RankJobIn(kind="rank"))
            assert wait_for(st, world.settings, new.id).status == "succeeded"
        finally:
            runner.shutdown()


def test_shutdown_stops_running_jobs_and_marks_them_interrupted(
    world: JobWorld, slow_sim: Simulator
) -> None:
    runner = JobRunner(world.settings)
    with world.store() as st:
        rec = runner.submit(st, _crawl(slow_sim))
        wait_for(st, world.settings, rec.id, lambda r: (r.progress.done or 0) > 0)
        runner.shutdown(timeout=10)
        done = get_job(st, world.settings, rec.id)
        assert done.status == "interrupted"
        assert done.error is not None and "shut down" in done.error["message"]
        assert runner.running() == []


def test_a_failing_job_records_its_error(world: JobWorld, runner: JobRunner) -> None:
    with world.store() as st:  # the graph has no timestamped cascades to backtest on
        rec = runner.submit(st, BacktestJobIn(kind="backtest", k=[2]))
        done = wait_for(st, world.settings, rec.id)
    assert done.status == "failed" and done.result is None
    assert done.error is not None and done.error["code"] == "invalid_input"
    assert "no timestamped" in done.error["message"] and done.error["hint"]
    assert done.progress.stage == "load"  # where it failed


def test_bad_options_are_refused_before_anything_is_recorded(
    world: JobWorld, runner: JobRunner
) -> None:
    with world.store() as st:
        with pytest.raises(InputError, match="unknown stage"):
            runner.submit(st, RankJobIn(kind="rank", only=["nope"]))
        with pytest.raises(InputError, match="engine"):
            runner.submit(st, RankJobIn(kind="rank", engine="gds", half_life_days=3.0))
        assert list_jobs(st, world.settings) == ([], 0)


@pytest.mark.slow  # a backtest needs 50+ timestamped cascades: ~1 min on the 2,500-account demo
def test_backtest_job_reports_as_the_backtest_command(tmp_path: Path) -> None:
    from kolgraph.plan.cascades import cascades_from_store
    from kolgraph.schemas.backtest import BacktestOut

    from .conftest import demo_world

    world = demo_world(tmp_path / "kolgraph.db", n=2500)
    runner = JobRunner(world.settings)
    try:
        with world.store() as st:
            rec = runner.submit(st, BacktestJobIn(kind="backtest", k=[2, 5]))
            done = wait_for(st, world.settings, rec.id, timeout=600)
            n = cascades_from_store(st).n_cascades
    finally:
        runner.shutdown()
    assert done.status == "succeeded", done.error
    result = BacktestOut.model_validate(done.result)
    assert result.ks == [2, 5] and result.counts["cascades"] == n
    assert done.progress.stage == "backtest" and done.progress.done == done.progress.total == 2
