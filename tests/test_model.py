"""Domain model, settings and errors."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from kolgraph.errors import ConvergenceError, InputError, KolgraphError, NotFound, RateLimited
from kolgraph.model import Account, Kind, check_platform, node_key, split_key
from kolgraph.settings import Settings


def test_keys_round_trip() -> None:
    assert node_key("weibo", "123") == "weibo:123"
    assert split_key("x:42") == ("x", "42")
    assert Account("bilibili", "7", kind=Kind.KOL).key == "bilibili:7"
    for bad in ("nocolon", ":1", "x:"):
        with pytest.raises(InputError, match="platform:id"):
            split_key(bad)


def test_platform_names() -> None:
    assert check_platform("weibo") == "weibo"
    for bad in ("Weibo", "we ibo", "", "1x"):
        with pytest.raises(InputError):
            check_platform(bad)


def test_kind_labels_are_a_whitelist() -> None:
    assert [k.label for k in Kind] == ["KOL", "Media", "Own", "Partner", "User"]
    with pytest.raises(ValueError):
        Kind("celebrity")


def test_error_hierarchy_and_messages() -> None:
    err = InputError("bad id", source="f.csv", line=3, hint="fix it")
    assert isinstance(err, KolgraphError)
    assert str(err).startswith("f.csv:3: bad id") and "fix: fix it" in str(err)
    assert err.http_status == 422 and NotFound("x").http_status == 404
    assert RateLimited("slow", retry_after=3).retry_after == 3
    assert ConvergenceError("no", iterations=5, residual=0.1).iterations == 5


def test_settings_env_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KOLGRAPH_DB", "/tmp/x.db")
    monkeypatch.setenv("KOLGRAPH_DAMPING", "0.9")
    s = Settings()
    assert str(s.db) == "/tmp/x.db" and s.damping == 0.9
    monkeypatch.setenv("KOLGRAPH_DAMPING", "1.5")
    with pytest.raises(ValidationError):
        Settings()


def test_settings_neo4j_needs_uri(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KOLGRAPH_NEO4J_URI", raising=False)
    with pytest.raises(ValidationError, match="KOLGRAPH_NEO4J_URI"):
        Settings(store="neo4j")
    with pytest.raises(ValidationError, match="default Neo4j password"):
        Settings(env="production", neo4j_uri="bolt://x", neo4j_password="neo4j")
