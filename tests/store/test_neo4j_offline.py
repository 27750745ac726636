"""What the Neo4j store does when there is no usable Neo4j (real driver, no server)."""

from __future__ import annotations

import socket
import time

import pytest
from typer.testing import CliRunner

from kolgraph.cli import app
from kolgraph.errors import InputError, StoreError
from kolgraph.settings import Settings
from kolgraph.store import open_store
from kolgraph.store.neo4j import Neo4jStore


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_unreachable_server_is_a_clear_error_within_the_deadline() -> None:
    uri = f"bolt://127.0.0.1:{_closed_port()}"
    t = time.monotonic()
    with pytest.raises(StoreError) as info:
        Neo4jStore(uri, user="neo4j", password="secret-password", connect_timeout=1.5)
    took = time.monotonic() - t
    assert "not reachable" in info.value.message and uri in info.value.message
    assert "docker compose" in (info.value.hint or "")
    assert took >= 1.0  # it retried until the deadline instead of failing at once


def test_neo4j_store_needs_a_uri() -> None:
    with pytest.raises(InputError, match="KOLGRAPH_NEO4J_URI"):
        Neo4jStore.from_settings(Settings.model_construct(store="sqlite", neo4j_uri=None))
    with pytest.raises(InputError, match="KOLGRAPH_NEO4J_URI"):
        open_store(Settings.model_construct(store="sqlite", neo4j_uri=None), backend="neo4j")


def test_cli_store_neo4j_without_uri(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KOLGRAPH_NEO4J_URI", raising=False)
    res = CliRunner().invoke(app, ["accounts", "--store", "neo4j"])
    assert res.exit_code == 2
    assert "KOLGRAPH_NEO4J_URI" in res.stderr


def test_cli_store_neo4j_unreachable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KOLGRAPH_NEO4J_URI", f"bolt://127.0.0.1:{_closed_port()}")
    monkeypatch.setenv("KOLGRAPH_NEO4J_CONNECT_TIMEOUT", "1")
    from kolgraph.settings import get_settings

    get_settings.cache_clear()
    try:
        res = CliRunner().invoke(app, ["accounts", "--store", "neo4j"])
    finally:
        get_settings.cache_clear()
    assert res.exit_code == 2
    assert "not reachable" in res.stderr
