"""The per-run cache is loaded when the server starts, before any plan asks for it."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi.testclient import TestClient

from kolgraph.api.app import create_app
from kolgraph.api.warmup import warm
from kolgraph.plan.cache import serving_cache

if TYPE_CHECKING:
    from conftest import World


def _wait_loaded(app: object, timeout: float = 30.0) -> dict[str, dict[str, object]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        loaded = serving_cache(app.state).loaded()  # type: ignore[attr-defined]
        if any("plan_inputs" in v["seconds"] for v in loaded.values()):  # type: ignore[operator]
            return loaded
        time.sleep(0.05)
    raise AssertionError("the cache was not warmed")


def test_the_cache_is_warm_before_the_first_plan(own_world: World) -> None:
    settings = own_world.settings.model_copy(update={"api_warm_cache": True})
    app = create_app(settings)
    with TestClient(app) as c:
        (entry,) = _wait_loaded(app).values()
        assert entry["run_id"] == own_world.run_id
        r = c.post("/v1/plans", json={"budget": 600, "kol": {"min": 1, "max": 2}})
        assert r.status_code == 200 and r.json()["run_id"] == own_world.run_id


def test_no_warm_up_without_the_setting(own_world: World) -> None:
    cold = create_app(own_world.settings)  # api_warm_cache is off in the test settings
    with TestClient(cold):
        time.sleep(0.3)
        assert serving_cache(cold.state).loaded() == {}


def test_no_warm_up_without_a_run_or_a_store(unranked_world: World, tmp_path: Path) -> None:
    assert not warm(create_app(unranked_world.settings))
    missing = unranked_world.settings.model_copy(update={"db": tmp_path / "none" / "k.db"})
    assert not warm(create_app(missing))
    assert not (tmp_path / "none").exists()
