"""``/livez``, ``/readyz`` and ``/healthz``: GET and HEAD, and what each says of the store
(reachable, migrated to the current schema, holding a published run)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient

from kolgraph.api.app import create_app
from kolgraph.api.routes.health import schema_problem
from kolgraph.settings import Settings
from kolgraph.store import SQLiteStore, Store
from kolgraph.store.neo4j import Neo4jStore
from kolgraph.store.sqlite_schema import SCHEMA_VERSION

if TYPE_CHECKING:
    from conftest import World


def test_live_ready_and_healthy_on_a_ranked_store(client: TestClient, world: World) -> None:
    assert client.get("/livez").json()["status"] == "ok"
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["current_run"] == world.run_id
    for path in ("/livez", "/readyz", "/healthz"):
        head = client.head(path)
        assert head.status_code == 200 and head.content == b"", path


def test_not_ready_without_a_rank_run(unranked_world: World) -> None:
    with TestClient(create_app(unranked_world.settings)) as c:
        r = c.get("/readyz")
        assert r.status_code == 503 and "no published rank run" in r.json()["error"]["message"]
        assert c.head("/readyz").status_code == 503
        assert c.get("/healthz").status_code == 200  # the store itself is fine
        assert c.get("/livez").status_code == 200


def test_a_missing_store_is_503_and_is_not_created(tmp_path: Path) -> None:
    db = tmp_path / "kolgraph.db"
    with TestClient(create_app(Settings(db=db))) as c:
        for path in ("/healthz", "/readyz", "/v1/accounts"):
            r = c.get(path)
            assert r.status_code == 503, path
            assert f"no store at {db}" in r.json()["error"]["message"]
        assert c.get("/livez").status_code == 200
    assert not db.exists()


def _set_schema_version(db: Path, version: str) -> None:
    with closing(sqlite3.connect(db)) as con, con:
        con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (version,))


def test_ready_only_with_the_current_schema(own_world: World) -> None:
    store = SQLiteStore(own_world.db)
    try:
        assert schema_problem(store) is None
        _set_schema_version(own_world.db, "4")  # as if another process wrote an older schema
        problem = schema_problem(store)
        assert problem is not None
        assert f"schema version 4; this kolgraph needs {SCHEMA_VERSION}" in problem
    finally:
        store.close()
    with TestClient(create_app(own_world.settings)) as c:
        # opening the store migrates it in place: then it is ready again
        r = c.get("/readyz")
        assert r.status_code == 200 and r.json()["current_run"] == own_world.run_id
        _set_schema_version(own_world.db, "99")  # written by a newer kolgraph
        r = c.get("/readyz")
        assert r.status_code == 503 and r.json()["error"]["code"] == "store_unavailable"
        assert "schema version 99" in r.json()["error"]["message"]
        assert c.head("/readyz").status_code == 503
        assert c.get("/livez").status_code == 200


@pytest.mark.neo4j
def test_neo4j_ready_only_with_every_schema_index_online(neo4j_store: Store) -> None:
    assert isinstance(neo4j_store, Neo4jStore)
    assert schema_problem(neo4j_store) is None
    neo4j_store.db.execute_text("DROP INDEX account_kind IF EXISTS")
    try:
        problem = schema_problem(neo4j_store)
        assert problem is not None and "account_kind" in problem
    finally:
        neo4j_store.db.execute_text(
            "CREATE INDEX account_kind IF NOT EXISTS FOR (a:Account) ON (a.kind)"
        )
        neo4j_store.db.execute_text("CALL db.awaitIndexes(60)")
    assert schema_problem(neo4j_store) is None
