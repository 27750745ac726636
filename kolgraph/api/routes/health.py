"""Health: ``/livez`` (the process answers), ``/readyz`` (it can serve plans), ``/healthz``.

Each answers ``GET`` and ``HEAD`` (load balancers probe with either). Ready means:
the store is reachable, its schema is the one this kolgraph writes (migrations
applied: the SQLite ``schema_version``, or every Neo4j index and constraint of
``cypher/schema.cypher`` online) and it holds a published rank run.
"""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing
from typing import Any

from fastapi import APIRouter

from kolgraph import __version__
from kolgraph.api.deps import StoreDep
from kolgraph.errors import StoreError
from kolgraph.schemas.common import Health, Live
from kolgraph.store import SQLiteStore, Store
from kolgraph.store.sqlite_schema import SCHEMA_VERSION

__all__ = ["router"]

router = APIRouter(tags=["health"])


@router.head("/livez", operation_id="livez_head", summary="The process is up (HEAD)")
@router.get("/livez", operation_id="livez", summary="The process is up")
def livez() -> Live:
    return Live(version=__version__)


def _health(store: StoreDep) -> Health:
    counts = store.counts()
    run = store.current_run()
    return Health(
        store=store.name,
        accounts=counts.accounts,
        follows=counts.follows,
        reposts=counts.reposts,
        current_run=None if run is None else run.id,
        version=__version__,
    )


_NO_STORE: dict[int | str, dict[str, Any]] = {
    503: {"description": "The store is missing, cannot be opened or read."}
}
_NOT_READY: dict[int | str, dict[str, Any]] = {
    503: {
        "description": "No store, an unreadable one, a schema not (yet) migrated, "
        "or no rank run yet."
    }
}
_SCHEMA_OBJECT = re.compile(r"^\s*CREATE\s+(?:CONSTRAINT|INDEX)\s+(\w+)", re.IGNORECASE)


def schema_problem(store: Store) -> str | None:
    """Why ``store``'s schema is not the current one (migrations not applied), or ``None``.

    SQLite: ``meta.schema_version`` must be :data:`~kolgraph.store.sqlite_schema.SCHEMA_VERSION`
    (opening a store upgrades an older one in place, and refuses a newer one).
    Neo4j: every constraint and index ``cypher/schema.cypher`` creates must exist and
    be ``ONLINE`` (a new index on a large graph is ``POPULATING`` for a while).
    """
    if isinstance(store, SQLiteStore):
        uri = store.path.resolve().as_uri() + "?mode=ro"
        try:
            with closing(sqlite3.connect(uri, uri=True, timeout=5.0)) as con:
                row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        except sqlite3.Error as exc:
            return f"cannot read the schema version of {store.path}: {exc}"
        version = None if row is None else str(row[0])
        if version != str(SCHEMA_VERSION):
            return f"the store has schema version {version}; this kolgraph needs {SCHEMA_VERSION}"
        return None
    if store.name == "neo4j":
        from kolgraph.store import cypher
        from kolgraph.store.neo4j import Neo4jStore

        if not isinstance(store, Neo4jStore):
            return None
        wanted = {
            m.group(1)
            for stmt in cypher.statements("schema")
            if (m := _SCHEMA_OBJECT.match(stmt)) is not None
        }
        rows = store.db.execute_text(
            "SHOW INDEXES YIELD name, state RETURN name, state", read=True
        ).records
        online = {r["name"] for r in rows if r["state"] == "ONLINE"}
        missing = sorted(wanted - online)
        if missing:
            return (
                f"the Neo4j schema is not ready: {len(missing)} index(es) or constraint(s) "
                f"missing or not online ({', '.join(missing[:5])})"
            )
    return None


@router.head("/healthz", operation_id="healthz_head", summary="Health (HEAD)", responses=_NO_STORE)
@router.get(
    "/healthz", operation_id="healthz", summary="Service and store health", responses=_NO_STORE
)
def healthz(store: StoreDep) -> Health:
    return _health(store)


@router.head("/readyz", operation_id="readyz_head", summary="Ready (HEAD)", responses=_NOT_READY)
@router.get(
    "/readyz",
    operation_id="readyz",
    summary="Ready to serve: the store is reachable and holds a published rank run",
    responses=_NOT_READY,
)
def readyz(store: StoreDep) -> Health:
    problem = schema_problem(store)
    if problem is not None:
        raise StoreError(
            problem,
            hint="open the store with this kolgraph (any command upgrades an older schema "
            "in place), or wait for the Neo4j indexes to come online",
        )
    health = _health(store)
    if health.current_run is None:
        raise StoreError(
            "the store has no published rank run: plans cannot be made yet",
            hint="run the rank job (kolgraph rank)",
        )
    return health
