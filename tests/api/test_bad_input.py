"""Bad input is a 4xx in the documented shape, never a 500, and is not echoed back whole."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient


def _is_422(r: Any) -> dict[str, Any]:
    assert r.status_code == 422, r.text
    error: dict[str, Any] = r.json()["error"]
    assert error["code"] == "validation_error" and error["message"].startswith("invalid request")
    assert set(error) == {"code", "message", "hint", "field"}
    return error


@pytest.mark.parametrize("number", ["1e309", "-1e309", "NaN", "Infinity", "-Infinity"])
def test_non_finite_numbers_are_422(client: TestClient, number: str) -> None:
    raw = '{"budget": ' + number + "}"
    r = client.post("/v1/plans", content=raw, headers={"content-type": "application/json"})
    assert "budget" in _is_422(r)["message"]
    raw = '{"keys": ["demo:k1"], "confidence": ' + number + "}"
    r = client.post("/v1/reach", content=raw, headers={"content-type": "application/json"})
    assert "confidence" in _is_422(r)["message"]


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/v1/accounts?offset=9223372036854775808", "offset"),
        ("/v1/accounts?community=99999999999999999999", "community"),
        ("/v1/communities?offset=9223372036854775808", "offset"),
        ("/v1/accounts?limit=99999999999999999999", "limit"),
    ],
)
def test_huge_integers_are_422_before_the_store(client: TestClient, url: str, field: str) -> None:
    assert field in _is_422(client.get(url))["message"]


def test_empty_keys_and_huge_strings_are_refused_briefly(client: TestClient) -> None:
    body = _is_422(client.post("/v1/overlap", json={"keys": ["", "demo:k1"]}))
    assert "keys.0" in body["message"]
    huge = "x" * 1_000_000  # under the body limit, over every string's
    r = client.post("/v1/overlap", json={"keys": [huge, "demo:k1"]})
    _is_422(r)
    assert len(r.content) < 5_000  # a short prefix of the bad value, not 10 MB back
    r = client.post("/v1/plans", json={"budget": 100, "platform": 5, "objective": huge})
    _is_422(r)
    assert len(r.content) < 5_000


def test_an_unknown_crawl_is_a_documented_404(client: TestClient) -> None:
    r = client.get("/v1/crawls/0")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    spec = client.get("/openapi.json").json()
    assert "404" in spec["paths"]["/v1/crawls/{crawl_id}"]["get"]["responses"]
    limit = next(
        p for p in spec["paths"]["/v1/accounts"]["get"]["parameters"] if p["name"] == "limit"
    )
    assert limit["schema"]["maximum"] == 500  # the server's own cap (page_size_max)


def _error(r: Any, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    error: dict[str, Any] = r.json()["error"]
    assert error["code"] == code and set(error) == {"code", "message", "hint", "field"}, error
    return error


@pytest.mark.parametrize("raw", ['{"budget": 100,', '{"budget": 1', "nope", '{"budget": 1}}'])
def test_broken_json_is_400_saying_where(client: TestClient, raw: str) -> None:
    r = client.post("/v1/plans", content=raw, headers={"content-type": "application/json"})
    error = _error(r, 400, "malformed_json")
    assert "not valid JSON at character" in error["message"] and error["field"] == "body"
    assert "body field" not in error["message"]


def test_a_body_that_is_not_json_is_415_and_says_to_send_json(client: TestClient) -> None:
    r = client.post("/v1/plans", content="budget=100", headers={"content-type": "text/plain"})
    error = _error(r, 415, "unsupported_media_type")
    assert "application/json" in error["hint"] and "'text/plain'" in error["message"]
    r = client.post("/v1/reach", content=b"\x00\x01", headers={"content-type": "image/png"})
    _error(r, 415, "unsupported_media_type")


def test_unknown_routes_and_methods_have_the_same_shape(client: TestClient) -> None:
    error = _error(client.get("/v1/nothing-here"), 404, "not_found")
    assert "/v1/nothing-here" in error["message"] and "/docs" in error["hint"]
    error = _error(client.delete("/v1/accounts"), 405, "method_not_allowed")
    assert "DELETE" in error["message"]


def test_validation_names_the_field_and_how_to_fix_it(client: TestClient) -> None:
    error = _is_422(client.get("/v1/accounts", params={"limit": 0}))
    assert error["field"] == "query.limit" and ">= 1" in error["hint"]
    error = _is_422(client.post("/v1/plans", json={"budget": -5}))
    assert error["field"] == "body.budget" and "'budget'" in error["message"]


def test_405_lists_every_method_the_path_accepts(client: TestClient) -> None:
    r = client.request("OPTIONS", "/v1/plans")
    assert r.status_code == 405 and r.headers["Allow"] == "GET, POST"
    assert "GET, POST" in r.json()["error"]["hint"]


def test_errors_are_documented_as_json_even_on_html_routes(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    report = spec["paths"]["/v1/plans/{plan_id}/report.html"]["get"]["responses"]
    assert set(report["404"]["content"]) == {"application/json"}
    assert set(report["200"]["content"]) == {"text/html"}
