"""Fixtures for the API tests: a real SQLite store with a small, fully known graph.

The graph (platform ``demo`` plus one account on ``other``):

* KOLs ``demo:k1`` (cost 300), ``demo:k2`` (200), ``demo:k3`` (120) and
  ``other:k9`` (80); media ``demo:m1`` (400) and ``demo:m2`` (no price, so
  estimated); the brand's own ``demo:o1`` (no price, so free).
* 40 users in two clusters: ``demo:u0..u19`` follow k1, m1 and (half of them)
  k2; ``demo:u20..u39`` follow k3, m2 and o1. Users follow their neighbours
  within a cluster, so ranking finds (at least) two communities.
* ``other:u0..u4`` follow ``other:k9``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kolgraph.api.app import create_app
from kolgraph.model import Account, Kind
from kolgraph.rank.job import RankParams, run_rank
from kolgraph.settings import Settings
from kolgraph.store import SQLiteStore

CAMPAIGN_ACCOUNTS = [
    Account("demo", "k1", name="Kay One", kind=Kind.KOL, followers=10_000, cost=300.0),
    Account("demo", "k2", name="Kay Two", kind=Kind.KOL, followers=4_000, cost=200.0),
    Account("demo", "k3", name="Kay Three", kind=Kind.KOL, followers=2_500, cost=120.0),
    Account("demo", "m1", name="Morning Post", kind=Kind.MEDIA, followers=50_000, cost=400.0),
    Account("demo", "m2", name="Evening Wire", kind=Kind.MEDIA),
    Account("demo", "o1", name="Our Brand", kind=Kind.OWN),
    Account("other", "k9", name="Nine", kind=Kind.KOL, followers=900, cost=80.0),
]


def graph_edges() -> list[tuple[str, str]]:
    """Follower → followed edges of the test graph (see the module docstring)."""
    edges: list[tuple[str, str]] = []
    for i in range(20):
        u = f"demo:u{i}"
        edges += [(u, "demo:k1"), (u, "demo:m1"), (u, f"demo:u{(i + 1) % 20}")]
        if i < 10:
            edges.append((u, "demo:k2"))
    for i in range(20, 40):
        u = f"demo:u{i}"
        edges += [(u, "demo:k3"), (u, "demo:m2"), (u, f"demo:u{20 + (i - 19) % 20}")]
        if i % 2 == 0:
            edges.append((u, "demo:o1"))
    edges += [(f"other:u{i}", "other:k9") for i in range(5)]
    return edges


@dataclass(frozen=True)
class World:
    """A ranked store on disk and the settings that point at it."""

    db: Path
    settings: Settings
    run_id: str
    n_accounts: int
    n_follows: int


def build_world(db: Path, *, rank: bool = True, **settings: object) -> World:
    """Fill a new SQLite store at ``db`` with the test graph and (optionally) rank it."""
    edges = graph_edges()
    store = SQLiteStore(db)
    try:
        store.upsert_accounts(CAMPAIGN_ACCOUNTS)
        store.add_follows([s for s, _ in edges], [d for _, d in edges])
        run_id = run_rank(store, params=RankParams(overlap_top_k=20)).run.id if rank else ""
        counts = store.counts()
    finally:
        store.close()
    return World(
        db=db,
        settings=Settings(db=db, **settings),  # type: ignore[arg-type]
        run_id=run_id,
        n_accounts=counts.accounts,
        n_follows=counts.follows,
    )


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    """One ranked store shared by the read-only tests of a module."""
    return build_world(tmp_path_factory.mktemp("api") / "kolgraph.db")


@pytest.fixture(scope="module")
def client(world: World) -> Iterator[TestClient]:
    """A client of the app over :func:`world` (read-only use only)."""
    with TestClient(create_app(world.settings)) as c:
        yield c


@pytest.fixture
def own_world(tmp_path: Path) -> World:
    """A ranked store of the test's own, for tests that write to it."""
    return build_world(tmp_path / "kolgraph.db")


@pytest.fixture
def unranked_world(tmp_path: Path) -> World:
    """The test graph in a store that has never been ranked."""
    return build_world(tmp_path / "kolgraph.db", rank=False)
