"""Shared fixtures: a store per backend, the shared real data, a tiny graph."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from ci_env import in_ci, skip_or_fail
from neo4j_server import HOW_TO_GET_JAVA, TEST_HOME, LocalNeo4j, missing_tools

from kolgraph.errors import InputError
from kolgraph.model import Account, Kind
from kolgraph.settings import Settings
from kolgraph.store import RepostBatch, SQLiteStore, Store, open_store

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

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
    removed, so a ``KOLGRAPH_NEO4J_URI`` server should still be a scratch database. Topic
    definitions, which ``clear`` keeps, are removed too.
    """
    s = open_store(neo4j_settings, backend="neo4j")
    _empty(s)
    try:
        yield s
    finally:
        _empty(s)
        s.close()


def _empty(s: Store) -> None:
    s.clear()
    for topic in s.listening.topics():
        s.listening.remove_topic(topic.name)


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


@pytest.fixture(scope="session")
def spark() -> Iterator[SparkSession]:
    """A ``local[2]`` Spark session with GraphFrames and the Neo4j connector, small shuffles.

    Without pyspark or Java the Spark tests skip with a reason; under ``CI=true`` (Java 17
    is on CI's machine) they fail instead. The rank engine joins this session rather than
    starting its own.
    """
    from kolgraph.rank.spark.session import (
        GRAPHFRAMES_PACKAGE,
        NEO4J_CONNECTOR_PACKAGE,
        require_pyspark,
        spark_session,
    )

    try:
        require_pyspark()
        session, started = spark_session(
            "local[2]",
            {"spark.sql.shuffle.partitions": "4", "spark.driver.memory": "2g"},
            packages=(GRAPHFRAMES_PACKAGE, NEO4J_CONNECTOR_PACKAGE),
        )
    except InputError as exc:
        skip_or_fail(f"Spark cannot run here: {exc.message} ({exc.hint})")
    yield session
    if started:
        session.stop()


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

    In an xdist worker, the tests are also grouped for ``--dist loadgroup``: see
    :func:`group_for_workers` and :func:`pytest_xdist_make_scheduler`.
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
    workerinput = getattr(config, "workerinput", None)  # in an xdist worker
    if workerinput is not None:
        groups = group_for_workers(items)
        path = _groups_file(workerinput["testrunuid"])
        part = path.with_name(f"{path.name}.{workerinput['workerid']}")
        part.write_text(json.dumps(groups), encoding="utf-8")
        part.replace(path)  # every worker collects the same tests: the same groups


def group_for_workers(items: list[pytest.Item]) -> dict[str, str]:
    """The xdist group of each test (by node id); sorts ``items`` by group rank.

    Every Neo4j test goes to one worker, in one group: the session's server is started by
    the worker that needs it, so one worker means one server, one home and one set of
    ports, and the tests that stop and restart it run alone with it. The Spark tests are
    one group too (one JVM with its Spark session). Every other module stays whole on one
    worker, so its module fixtures are built once.

    Groups are handed out in the order of their first test: the Neo4j and Spark groups
    first (the longest), then the modules with slow tests, then the others, each in
    collection order.
    """
    group: dict[str, str] = {}
    rank: dict[str, int] = {}
    for item in items:
        neo4j = item.get_closest_marker("neo4j") is not None
        spark = item.get_closest_marker("spark") is not None
        name = "neo4j" if neo4j else "spark" if spark else item.nodeid.split("::", 1)[0]
        group[item.nodeid] = name
        first = 0 if neo4j or spark else 1 if item.get_closest_marker("slow") is not None else 2
        rank[name] = min(rank.get(name, first), first)
    items.sort(key=lambda item: rank[group[item.nodeid]])  # stable: collection order within
    return group


def _groups_file(testrunuid: str) -> Path:
    return Path(tempfile.gettempdir()) / f"kolgraph-xdist-groups-{testrunuid}.json"


@pytest.hookimpl(tryfirst=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist loadgroup`` (the default in pyproject.toml) by :func:`group_for_workers`.

    xdist's own loadgroup reads ``xdist_group`` marks through a node id suffix that pytest 9
    no longer lets a plugin set; here the workers write each test's group to a file at
    collection and the scheduler reads it. Any other ``--dist`` is xdist's own.
    """
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class GroupScheduling(LoadScopeScheduling):
        groups: dict[str, str] | None = None

        def _split_scope(self, nodeid: str) -> str:
            if self.groups is None:
                path = _groups_file(self.nodes[0].workerinput["testrunuid"])
                self.groups = json.loads(path.read_text(encoding="utf-8"))
                path.unlink(missing_ok=True)
            return self.groups[nodeid]

    return GroupScheduling(config, log)
