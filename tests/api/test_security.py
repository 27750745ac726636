"""Keys, scopes, rate and body limits of the API, on a real SQLite store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from conftest import build_world
from fastapi.testclient import TestClient

from kolgraph.api.app import auth_for, create_app
from kolgraph.api.security import TokenBucket, required_scope
from kolgraph.keys import create_key, revoke_key
from kolgraph.store import SQLiteStore

if TYPE_CHECKING:
    from conftest import World

PLAN = {"budget": 600, "kol": {"min": 1, "max": 2}}


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> World:
    return build_world(tmp_path_factory.mktemp("sec") / "kolgraph.db")


@pytest.fixture(scope="module")
def keys(secured: World) -> dict[str, str]:
    with SQLiteStore(secured.db) as st:
        return {s: create_key(st, f"{s} key", s).key for s in ("read", "plan", "admin")}


@pytest.fixture(scope="module")
def api(secured: World) -> Iterator[TestClient]:
    settings = secured.settings.model_copy(update={"api_key_cache_seconds": 0.0})
    with TestClient(create_app(settings, auth=True)) as c:
        yield c


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _error(r: Any, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    error: dict[str, Any] = r.json()["error"]
    assert (
        error["code"] == code
        and error["message"]
        and set(error)
        == {
            "code",
            "message",
            "hint",
            "field",
        }
    )
    return error


def test_no_key_or_a_bad_one_is_401(api: TestClient, keys: dict[str, str]) -> None:
    error = _error(api.get("/v1/accounts"), 401, "unauthorized")
    assert "kolgraph keys create" in error["hint"]
    r = api.get("/v1/accounts", headers=_bearer("kg_nope"))
    assert "malformed" in _error(r, 401, "unauthorized")["message"]
    forged = keys["admin"][:-3] + "AAA"
    r = api.get("/v1/accounts", headers=_bearer(forged))
    assert r.headers["WWW-Authenticate"] == "Bearer"
    _error(r, 401, "unauthorized")
    assert api.get("/v1/accounts", headers={"Authorization": keys["read"]}).status_code == 401


def test_health_routes_stay_public(api: TestClient) -> None:
    for path in ("/livez", "/healthz", "/readyz", "/openapi.json"):
        assert api.get(path).status_code == 200, path


def test_scopes_nest_read_plan_admin(api: TestClient, keys: dict[str, str]) -> None:
    for scope in ("read", "plan", "admin"):
        assert api.get("/v1/accounts", headers=_bearer(keys[scope])).status_code == 200
    r = api.post("/v1/plans", json=PLAN, headers=_bearer(keys["read"]))
    error = _error(r, 403, "forbidden")
    assert "'read'" in error["message"] and "--scope plan" in error["hint"]
    for scope in ("plan", "admin"):
        r = api.post("/v1/plans", json=PLAN, headers=_bearer(keys[scope]))
        assert r.status_code == 200, r.text
    plan_id = r.json()["id"]
    assert api.get(f"/v1/plans/{plan_id}", headers=_bearer(keys["read"])).status_code == 200
    r = api.post("/v1/reach", json={"keys": ["demo:k1"]}, headers=_bearer(keys["read"]))
    assert r.status_code == 200, r.text


def test_a_revoked_key_stops_working_and_use_is_noted(api: TestClient, secured: World) -> None:
    with SQLiteStore(secured.db) as st:
        new = create_key(st, "temp", "read")
    assert api.get("/v1/communities", headers=_bearer(new.key)).status_code == 200
    with SQLiteStore(secured.db) as st:
        assert st.keys.get(new.record.id).last_used is not None
        revoke_key(st, new.record.id)
    r = api.get("/v1/communities", headers=_bearer(new.key))
    assert "revoked" in _error(r, 401, "unauthorized")["message"]


def test_the_openapi_declares_the_bearer_scheme_on_v1_routes(api: TestClient) -> None:
    spec = api.get("/openapi.json").json()
    assert spec["components"]["securitySchemes"]["apiKey"] == {
        "type": "http",
        "scheme": "bearer",
        "description": spec["components"]["securitySchemes"]["apiKey"]["description"],
    }
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            if path.startswith("/v1"):
                assert op["security"] == [{"apiKey": []}], (method, path)
                assert {"401", "403", "429"} <= set(op["responses"]), (method, path)
            else:
                assert "security" not in op, (method, path)


def test_required_scope_table() -> None:
    assert required_scope("/v1/accounts", "GET") == "read"
    assert required_scope("/v1/overlap", "POST") == "read"
    assert required_scope("/v1/plans", "POST") == "plan"
    assert required_scope("/v1/plans/{plan_id}/evaluation", "POST") == "plan"
    assert required_scope("/v1/plans/{plan_id}/report.html", "GET") == "read"
    assert required_scope("/v1/jobs", "POST") == "admin"
    assert required_scope("/v1/uploads", "PUT") == "admin"


# ----------------------------------------------------------------------------- rate limit
def test_token_bucket_against_its_formula() -> None:
    bucket = TokenBucket(rate=2.0, burst=3)
    assert [bucket.take("a", now=10.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.take("a", now=10.0) == pytest.approx(0.5)  # (1 - 0) / 2
    assert bucket.take("b", now=10.0) == 0.0  # buckets are per caller
    assert bucket.take("a", now=10.25) == pytest.approx(0.25)  # 0.5 token after 0.25 s
    assert bucket.take("a", now=10.5) == 0.0  # a whole token
    assert bucket.take("a", now=100.0) == 0.0  # refilled, but never beyond the burst
    assert [bucket.take("a", now=100.0) for _ in range(3)] == [0.0, 0.0, pytest.approx(0.5)]


def test_a_key_over_its_rate_gets_429_with_retry_after(
    secured: World, keys: dict[str, str]
) -> None:
    settings = secured.settings.model_copy(update={"api_rate_per_minute": 6, "api_rate_burst": 3})
    with TestClient(create_app(settings, auth=True)) as c:
        codes = [
            c.get("/v1/communities", headers=_bearer(keys["read"])).status_code for _ in range(4)
        ]
        assert codes == [200, 200, 200, 429]
        r = c.get("/v1/communities", headers=_bearer(keys["read"]))
        _error(r, 429, "rate_limited")
        assert 1 <= int(r.headers["Retry-After"]) <= 10
        # another key has its own bucket; health routes are never limited
        assert c.get("/v1/communities", headers=_bearer(keys["plan"])).status_code == 200
        assert all(c.get("/livez").status_code == 200 for _ in range(10))


# ----------------------------------------------------------------------------- body limit
def test_a_body_over_the_limit_is_413_before_it_is_read(secured: World, tmp_path: Path) -> None:
    settings = secured.settings.model_copy(update={"api_max_body_bytes": 10_000})
    with TestClient(create_app(settings)) as c:
        big = {"keys": ["demo:k1"] * 2_000}
        error = _error(c.post("/v1/overlap", json=big), 413, "payload_too_large")
        assert "10,000 bytes" in error["message"] and error["hint"]

        def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
            yield b'{"keys": ['
            for _ in range(2_000):
                yield b'"demo:k1",'
            yield b'"demo:k2"]}'

        r = c.post("/v1/overlap", content=chunks(), headers={"content-type": "application/json"})
        _error(r, 413, "payload_too_large")
        small = c.post("/v1/overlap", json={"keys": ["demo:k1", "demo:k2"]})
        assert small.status_code == 200, small.text


@pytest.mark.parametrize(
    ("mode", "host", "no_auth", "expected"),
    [
        ("auto", "127.0.0.1", False, False),
        ("auto", "::1", False, False),
        ("auto", "localhost", False, False),
        ("auto", "0.0.0.0", False, True),
        ("auto", "10.1.2.3", False, True),
        ("auto", "api.example.org", False, True),
        ("auto", "0.0.0.0", True, False),
        ("on", "127.0.0.1", False, True),
        ("off", "0.0.0.0", False, False),
    ],
)
def test_auth_is_on_by_default_except_on_loopback(
    secured: World, mode: str, host: str, no_auth: bool, expected: bool
) -> None:
    settings = secured.settings.model_copy(update={"api_auth": mode})
    assert auth_for(settings, host, no_auth=no_auth) is expected
