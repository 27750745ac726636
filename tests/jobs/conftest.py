"""Fixtures for the job tests: small ranked SQLite stores, fast job settings, a runner.

``world``: 30 users in two clusters follow their cluster's two KOLs and a neighbour (a
rank job takes milliseconds). ``busy_world``: the synthetic demo at 1,200 accounts, so
that a rank job lasts a few hundred milliseconds, long enough to be caught running.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from kolgraph.crawl.simulator import local_settings
from kolgraph.crawl.simulator.app import PLATFORMS
from kolgraph.crawl.simulator.network import SimNetwork
from kolgraph.crawl.simulator.server import Simulator
from kolgraph.jobs import JobRunner, get_job
from kolgraph.model import Account, Kind
from kolgraph.rank.job import RankParams, run_rank
from kolgraph.settings import Settings
from kolgraph.store import SQLiteStore, Store
from kolgraph.store.jobstate import JobRecord

KOLS = [
    Account("demo", f"k{i}", name=f"Kay {i}", kind=Kind.KOL, followers=1000 * (i + 1), cost=100.0)
    for i in range(4)
]


def small_graph(store: Store) -> None:
    """Fill ``store`` with the module docstring's graph."""
    store.upsert_accounts(KOLS)
    src: list[str] = []
    dst: list[str] = []
    for i in range(30):
        c = i // 15
        for target in (f"demo:k{2 * c}", f"demo:k{2 * c + 1}", f"demo:u{c * 15 + (i + 1) % 15}"):
            src.append(f"demo:u{i}")
            dst.append(target)
    store.add_follows(src, dst)


@dataclass(frozen=True)
class JobWorld:
    """A ranked store, settings pointing at it and a jobs directory beside it."""

    db: Path
    settings: Settings

    def store(self) -> SQLiteStore:
        return SQLiteStore(self.db)


def job_settings(db: Path, **overrides: object) -> Settings:
    """Settings for job tests: quick heartbeats, a short stale limit, unpaced crawling."""
    values: dict[str, object] = {
        "db": db,
        "jobs_dir": db.parent / "jobs",
        "job_heartbeat_seconds": 0.2,
        "job_stale_seconds": 3.0,
        "overlap_top_k": 20,
    }
    values.update(overrides)
    return local_settings(**values)


@pytest.fixture
def world(tmp_path: Path) -> JobWorld:
    db = tmp_path / "kolgraph.db"
    with SQLiteStore(db) as st:
        small_graph(st)
        run_rank(st, params=RankParams(overlap_top_k=20))
    return JobWorld(db=db, settings=job_settings(db))


def demo_world(db: Path, n: int = 1200) -> JobWorld:
    """A ranked store of the synthetic demo at ``n`` accounts (a rank job: ~0.3 s)."""
    from kolgraph.demo import load_demo
    from kolgraph.synth import generate_demo

    with SQLiteStore(db) as st:
        load_demo(st, generate_demo(n, seed=3))
        run_rank(st, params=RankParams(overlap_top_k=20))
    return JobWorld(db=db, settings=job_settings(db))


@pytest.fixture
def busy_world(tmp_path: Path) -> JobWorld:
    return demo_world(tmp_path / "kolgraph.db")


@pytest.fixture
def runner(world: JobWorld) -> Iterator[JobRunner]:
    r = JobRunner(world.settings)
    try:
        yield r
    finally:
        r.shutdown(timeout=10)


@pytest.fixture
def busy_runner(busy_world: JobWorld) -> Iterator[JobRunner]:
    r = JobRunner(busy_world.settings)
    try:
        yield r
    finally:
        r.shutdown(timeout=10)


@pytest.fixture
def slow_sim() -> Iterator[Simulator]:
    """A fault-free simulator whose every answer takes 50 ms (a crawl lasts seconds)."""
    with Simulator(SimNetwork(200, seed=3), PLATFORMS, retry_after=0.0, latency=0.05) as sim:
        yield sim


def wait_for(
    store: Store,
    settings: Settings,
    job_id: str,
    until: Callable[[JobRecord], bool] = lambda r: not r.active,
    timeout: float = 60.0,
) -> JobRecord:
    """Poll a job's record until ``until`` holds (default: it ended)."""
    deadline = time.monotonic() + timeout
    while True:
        record = get_job(store, settings, job_id)
        if until(record):
            return record
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} still {record.status} after {timeout} s: {record}")
        time.sleep(0.05)
