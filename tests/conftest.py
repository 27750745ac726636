"""Shared fixtures: a store per backend, the shared real data, a tiny graph."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from ci_env import in_ci
from neo4j_server import HOW_TO_GET_JAVA, TEST_HOME, LocalNeo4j, missing_tools

from kolgraph.model import Account, Kind
from kolgraph.settings import Settings
from kolgraph.store import RepostBatch, SQLiteStore, Store, open_store

# The API tests run without keys (as `kolgraph serve` does on 127.0.0.1) and without a
# rate limit; the tests of keys, scopes and limits turn them on for their own app.
os.environ["KOLGRAPH_API_AUTH"] = "off"
os.environ["KOLGRAPH_API_RATE_PER_MINUTE"] = "0"
# Apps load their per-run cache when a request needs it (tests/api/test_warmup.py turns
# the start-up load on).
os.environ["KOLGRAPH_API_WARM_CACHE"] = "false"

REPO_ROOT = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())


@pytest.fixture(scope="session")
def neo4j_server() -> Iterator[LocalNeo4j | None]:
    """The suite's Neo4j: started by ``tools/neo4j-server/neo4j.sh`` for the session.

    ``None`` when ``KOLGRAPH_NEO4J_URI`` names a server of the user's own. Without Java or
    Maven the Neo4j tests skip with a reason; under ``CI=true`` a server that cannot start is
    a failure.
    """
    if Settings().neo4j_uri:
        yield None
        return
    ci = in_ci()
    missing = missing_tools()
    if missing:
        msg = f"{', '.join(missing)} not found: {HOW_TO_GET_JAVA}"
        if ci:
            pytest.fail(f"CI=true and the Neo4j tests cannot run: {msg}", pytrace=False)
        pytest.skip(msg)
    server = LocalNeo4j(TEST_HOME)
    try:
        server.start()
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        if ci:
            pytest.fail(f"CI=true and Neo4j did not start: {exc}", pytrace=False)
        pytest.skip(f"Neo4j did not start: {exc}")
    try:
        yield server
    finally:
        if server.started_here:
            server.stop()


@pytest.fixture(scope="session")
def neo4j_settings(neo4j_server: LocalNeo4j | None) -> Settings:
    """Settings that point at the suite's Neo4j (or at ``KOLGRAPH_NEO4J_URI``)."""
    if neo4j_server is None:
        return Settings()
    return Settings(neo4j_uri=neo4j_server.uri, neo4j_user=None, neo4j_password=None)


@pytest.fixture
def neo4j_store(neo4j_settings: Settings) -> Iterator[Store]:
    """A Neo4j store with no kolgraph data (cleared before and after the test).

    Only kolgraph's labels (Account, Community, RankRun, KolgraphMeta, crawl state) are
    removed, so a ``KOLGRAPH_NEO4J_URI`` server should still be a scratch database.
    """
    s = open_store(neo4j_settings, backend="neo4j")
    s.clear()
    try:
        yield s
    finally:
        s.clear()
        s.close()


@pytest.fixture(params=["sqlite", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An empty store of each backend."""
    if request.param == "neo4j":
        yield request.getfixturevalue("neo4j_store")
        return
    s = SQLiteStore(tmp_path / "kolgraph.db")
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def shared_data() -> Path:
    """``../shared/data`` beside the checkout (real public datasets); skip when absent."""
    path = (REPO_ROOT / ".." / "shared" / "data").resolve()
    if not path.is_dir():
        pytest.skip(f"shared data not found at {path}")
    return path


@dataclass(frozen=True)
class TinyGraph:
    """What :func:`build_tiny_graph` put into a store."""

    accounts: list[Account]
    follows: list[tuple[str, str]]
    reposts: list[tuple[str, str, str, int, str, float]]

    @property
    def keys(self) -> list[str]:
        return sorted({a.key for a in self.accounts} | {k for e in self.follows for k in e})


def build_tiny_graph(store: Store) -> TinyGraph:
    """Put a small, fully known graph into ``store`` and return what was added.

    Five x accounts (a KOL, a media outlet, an own account and two users) and one
    weibo user; ``x:1`` and ``x:2`` are followed most, ``x:5`` reposts twice.
    """
    accounts = [
        Account("x", "1", name="Alice", kind=Kind.KOL, followers=1000, cost=500.0),
        Account("x", "2", name="Daily News", kind=Kind.MEDIA, followers=5000),
        Account("x", "3", name="Our Brand", kind=Kind.OWN, cost=0.0),
        Account("x", "4", name="Bob"),
        Account("weibo", "9", name="Wei"),
    ]
    follows = [
        ("x:3", "x:1"),
        ("x:4", "x:1"),
        ("x:5", "x:1"),
        ("x:4", "x:2"),
        ("x:5", "x:2"),
        ("x:1", "x:2"),
        ("weibo:9", "x:1"),
    ]
    reposts = [
        ("x:5", "x:1", "p1", 100, "repost", 1.0),
        ("x:5", "x:2", "p2", 200, "mention", 2.5),
        ("x:4", "x:1", "p1", 150, "reply", 1.0),
    ]
    store.upsert_accounts(accounts)
    store.add_follows([s for s, _ in follows], [d for _, d in follows])
    store.add_reposts(RepostBatch.from_columns(*(list(c) for c in zip(*reposts, strict=True))))
    return TinyGraph(accounts=accounts, follows=follows, reposts=reposts)


@pytest.fixture
def tiny(store: Store) -> TinyGraph:
    """The store fixture filled with :func:`build_tiny_graph`."""
    return build_tiny_graph(store)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test that reads ``../shared/data`` must carry ``@pytest.mark.slow``.

    The edit-test loop (``-m 'not slow'``) then never waits on the real datasets; a test
    that forgets the marker stops the run here, naming itself.
    """
    unmarked = [
        item.nodeid
        for item in items
        if "shared_data" in getattr(item, "fixturenames", ())
        and item.get_closest_marker("slow") is None
    ]
    if unmarked:
        raise pytest.UsageError(
            "tests that read ../shared/data must be marked slow: " + ", ".join(unmarked)
        )
