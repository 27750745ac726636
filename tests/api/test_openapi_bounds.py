"""Every input the OpenAPI describes is bounded: strings and lists have a maximum length,
integers a maximum, so a client (and a fuzzer) can see the limits before sending."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient


def _unbounded(spec: dict[str, Any]) -> set[tuple[str, str]]:
    comps = spec["components"]["schemas"]
    found: set[tuple[str, str]] = set()

    def walk(s: dict[str, Any], where: str, seen: frozenset[str]) -> None:
        if "$ref" in s:
            name = s["$ref"].split("/")[-1]
            if name not in seen:
                walk(comps[name], name, seen | {name})
            return
        for combo in ("anyOf", "oneOf", "allOf"):
            for sub in s.get(combo, []):
                walk(sub, where, seen)
        kind = s.get("type")
        if kind == "string" and not ({"enum", "const", "maxLength"} & set(s)):
            found.add(("string", where))
        if kind == "array":
            if "maxItems" not in s:
                found.add(("array", where))
            walk(s.get("items", {}), where + "[]", seen)
        if kind == "integer" and not ({"maximum", "exclusiveMaximum"} & set(s)):
            found.add(("integer", where))
        for name, sub in s.get("properties", {}).items():
            walk(sub, f"{where}.{name}", seen)

    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            for p in op.get("parameters", []):
                walk(p["schema"], f"{method} {path} {p['in']} {p['name']}", frozenset())
            for content in op.get("requestBody", {}).get("content", {}).values():
                walk(content["schema"], f"{method} {path} body", frozenset())
    return found


def test_every_request_string_list_and_integer_is_bounded(client: TestClient) -> None:
    assert _unbounded(client.get("/openapi.json").json()) == set()


def test_the_walker_finds_an_unbounded_field() -> None:
    spec = {
        "components": {
            "schemas": {"B": {"type": "object", "properties": {"s": {"type": "string"}}}}
        },
        "paths": {
            "/x": {
                "post": {
                    "parameters": [{"in": "query", "name": "n", "schema": {"type": "integer"}}],
                    "requestBody": {
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/B"}}
                        }
                    },
                }
            }
        },
    }
    assert _unbounded(spec) == {("string", "B.s"), ("integer", "post /x query n")}
