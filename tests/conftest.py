"""Shared fixtures: a store per backend, the shared real data, a tiny graph."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from kolgraph.model import Account, Kind
from kolgraph.settings import Settings
from kolgraph.store import SQLiteStore, Store, open_store

REPO_ROOT = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())


def _open_neo4j() -> Store:
    """The Neo4j store at KOLGRAPH_NEO4J_URI. Its kolgraph data is cleared around each test
    (only kolgraph's labels: Account, Community, RankRun, KolgraphMeta), so point the tests
    at a scratch database (KOLGRAPH_NEO4J_DATABASE)."""
    settings = Settings()
    if not settings.neo4j_uri:
        pytest.skip("KOLGRAPH_NEO4J_URI is not set; the Neo4j store tests are opt-in")
    return open_store(settings, backend="neo4j")


@pytest.fixture(params=["sqlite", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An empty store of each backend (Neo4j only when KOLGRAPH_NEO4J_URI is set)."""
    s: Store
    if request.param == "sqlite":
        s = SQLiteStore(tmp_path / "kolgraph.db")
    else:
        s = _open_neo4j()
        s.clear()
    try:
        yield s
    finally:
        if request.param == "neo4j":
            s.clear()
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
    store.add_reposts(*(list(col) for col in zip(*reposts, strict=True)))  # type: ignore[arg-type]
    return TinyGraph(accounts=accounts, follows=follows, reposts=reposts)


@pytest.fixture
def tiny(store: Store) -> TinyGraph:
    """The store fixture filled with :func:`build_tiny_graph`."""
    return build_tiny_graph(store)
