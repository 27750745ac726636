"""Stores: the embedded SQLite default and Neo4j, behind one contract.

- :mod:`~kolgraph.store.base`: the contract (:class:`Store`) and the records
  that cross it; :mod:`~kolgraph.store.batches` (edges in),
  :mod:`~kolgraph.store.scores` (the score table out),
  :mod:`~kolgraph.store.crawlstate` (crawl state, :attr:`Store.crawl`);
- :mod:`~kolgraph.store.rows`: conversions both backends share;
- ``sqlite*.py`` and ``neo4j*.py``: the two backends, one module per role;
- :mod:`~kolgraph.store.cypher`: the named Cypher files; :mod:`~kolgraph.store.bulk`:
  CSV files for ``neo4j-admin database import``; :mod:`~kolgraph.store.parquet`: the
  graph as Parquet files for Spark, pandas and DuckDB.

:func:`open_store` opens the configured one.
"""

from __future__ import annotations

from pathlib import Path

from kolgraph.errors import InputError, StoreError
from kolgraph.settings import Settings, get_settings
from kolgraph.store.base import (
    AccountQuery,
    AccountRecord,
    CommunityRecord,
    GraphArrays,
    OverlapRecord,
    RunInfo,
    RunResults,
    Store,
    StoreCounts,
)
from kolgraph.store.batches import RepostBatch
from kolgraph.store.crawlstate import CrawlState
from kolgraph.store.sqlite import SQLiteStore

__all__ = [
    "AccountQuery",
    "AccountRecord",
    "CommunityRecord",
    "CrawlState",
    "GraphArrays",
    "OverlapRecord",
    "RepostBatch",
    "RunInfo",
    "RunResults",
    "SQLiteStore",
    "Store",
    "StoreCounts",
    "open_store",
]


def open_store(
    settings: Settings | None = None,
    *,
    db: Path | None = None,
    backend: str | None = None,
    create: bool = True,
) -> Store:
    """Open the configured store (``KOLGRAPH_STORE``; ``--db`` overrides the path).

    Without ``create`` a missing embedded database is a :class:`StoreError` ("no store
    at PATH") instead of a new, empty one: reads never make a store by mistake.
    """
    settings = settings or get_settings()
    backend = backend or settings.store
    if backend == "sqlite":
        path = Path(db or settings.db)
        if not create and not path.exists():
            raise StoreError(
                f"no store at {path}",
                hint="pass --db PATH (or set KOLGRAPH_DB) to the store's file, or run where "
                "it is; `kolgraph import ...` or `kolgraph demo` makes one",
            )
        return SQLiteStore(path)
    if backend == "neo4j":
        from kolgraph.store.neo4j import Neo4jStore

        return Neo4jStore.from_settings(settings)
    raise InputError(f"unknown store {backend!r}", hint="choose sqlite or neo4j")
