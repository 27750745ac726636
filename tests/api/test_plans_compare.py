"""``GET /v1/plans/compare``: kept plans side by side."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi.testclient import TestClient

from kolgraph.api.app import create_app
from kolgraph.store import SQLiteStore

if TYPE_CHECKING:
    from conftest import World


def test_compare_two_kept_plans(own_world: World) -> None:
    with TestClient(create_app(own_world.settings)) as c:
        # k1 (300) + m1 (400); k3 (120) + m1 (400): m1 in both
        one = c.post(
            "/v1/plans",
            json={"budget": 700, "include": ["demo:k1", "demo:m1"], "kol": {"max": 1},
                  "media": {"max": 1}, "own": {"max": 0}, "platform": "demo"},
        ).json()  # fmt: skip
        two = c.post(
            "/v1/plans",
            json={"budget": 520, "include": ["demo:k3", "demo:m1"], "kol": {"max": 1},
                  "media": {"max": 1}, "own": {"max": 0}, "platform": "demo"},
        ).json()  # fmt: skip
        assert {a["key"] for a in one["accounts"]} == {"demo:k1", "demo:m1"}
        assert {a["key"] for a in two["accounts"]} == {"demo:k3", "demo:m1"}
        r = c.get("/v1/plans/compare", params={"ids": f"{one['id']},{two['id']}"})
        assert r.status_code == 200, r.text
        got = r.json()
        assert [p["id"] for p in got["plans"]] == [one["id"], two["id"]]
        for side, plan in zip(got["plans"], (one, two), strict=True):
            assert (side["budget"], side["spent"], side["unique_reach"], side["accounts"]) == (
                plan["budget"], plan["spent"], plan["unique_reach"], 2,
            )  # fmt: skip
        assert (got["plans"][0]["spent"], got["plans"][1]["spent"]) == (700, 520)
        assert got["pairs"] == [{"a": one["id"], "b": two["id"], "shared": 1, "jaccard": 0.333333}]
        assert got["in_all"] == ["demo:m1"]

        r = c.get("/v1/plans/compare", params={"ids": f"{one['id']},pl-nope,pl-gone"})
        assert r.status_code == 404
        detail = r.json()["error"]
        assert detail["code"] == "not_found" and "'pl-nope', 'pl-gone'" in detail["message"]
        r = c.get("/v1/plans/compare", params={"ids": one["id"]})
        assert r.status_code == 422 and "at least 2" in r.json()["error"]["message"]
    with SQLiteStore(own_world.db) as st:
        assert len(st.list_plans()) == 2
