"""``/livez``, ``/readyz`` and ``/healthz``: GET and HEAD, and what each says of the store."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from fastapi.testclient import TestClient

from kolgraph.api.app import create_app
from kolgraph.settings import Settings

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
