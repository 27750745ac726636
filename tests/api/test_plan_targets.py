"""``POST /v1/plans`` with targets beyond communities and a budget curve (graph: conftest.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi.testclient import TestClient

from kolgraph.api.app import create_app
from kolgraph.store import SQLiteStore

if TYPE_CHECKING:
    from conftest import World


def _error(r: Any, status: int, *words: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body: dict[str, Any] = r.json()
    text = str(body)
    for word in words:
        assert word in text, body
    return body


def test_plan_for_the_new_part_of_a_media_audience(own_world: World) -> None:
    with TestClient(create_app(own_world.settings)) as client:
        # m2's followers are u20..u39; o1 (own) has the even ones: 10 people are new
        r = client.post(
            "/v1/plans",
            json={
                "budget": 500,
                "target_followers_of": ["demo:m2"],
                "new_audience_only": True,
                "max_per_community": 2,
            },
        )
        assert r.status_code == 200, r.text
        doc = r.json()
        assert doc["target"]["size"] == 10 and doc["target"]["reached"] == 10
        assert doc["target"]["coverage"] == 1.0
        assert "demo:m2" not in [a["key"] for a in doc["accounts"]]
        assert doc["reach_frequency_target"]["unique_reach"] == 10
        kept = client.get(f"/v1/plans/{doc['id']}").json()
        assert kept["target"] == doc["target"]


def test_plan_with_a_budget_curve(own_world: World) -> None:
    with TestClient(create_app(own_world.settings)) as client:
        r = client.post(
            "/v1/plans",
            json={"budget": 600, "budget_curve": {"low": 100, "high": 900, "step": 200}},
        )
        assert r.status_code == 200, r.text
        doc = r.json()
        assert doc["budget"] == 600
        curve = doc["budget_curve"]
        assert [p["budget"] for p in curve["points"]] == [100, 300, 500, 700, 900]
        assert curve["note"]
        reach = [p["unique_reach"] for p in curve["points"]]
        assert reach[-1] >= reach[0]


def test_bad_targets_and_curves_are_clear_errors(own_world: World) -> None:
    with SQLiteStore(own_world.db) as store:
        before = len(store.list_plans(100))
    with TestClient(create_app(own_world.settings)) as client:
        r = client.post(
            "/v1/plans", json={"budget": 500, "target_followers_of": ["demo:k11", "demo:zz"]}
        )
        _error(r, 422, "2 unknown account(s)", "demo:k11 (did you mean demo:k1")
        r = client.post(
            "/v1/plans", json={"budget": 500, "budget_curve": {"low": 1, "high": 9, "step": 0}}
        )
        _error(r, 422, "step")
        r = client.post(
            "/v1/plans",
            json={"budget": 500, "target_followers_of": ["demo:k1"], "target_users": ["demo:u30"]},
        )
        _error(r, 422, "the target is empty")
        r = client.post("/v1/plans", json={"budget": 500, "max_per_community": 0})
        _error(r, 422, "max_per_community")
    with SQLiteStore(own_world.db) as store:
        assert len(store.list_plans(100)) == before
