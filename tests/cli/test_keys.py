"""``kolgraph keys``: create (printed once), list, revoke; the key works against the API."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient

from kolgraph.api.app import create_app
from kolgraph.settings import Settings
from kolgraph.store import SQLiteStore

from .helpers import kolgraph, kolgraph_joined


def test_create_list_revoke_and_use(world: Path) -> None:
    code, out, err = kolgraph("keys", "create", "--name", "dashboards", "--db", str(world))
    assert code == 0, err
    key = out.strip()
    assert key.startswith("kg_") and "not shown again" in err
    with SQLiteStore(world) as st:
        (record,) = [r for r in st.keys.all() if r.name == "dashboards"]
    assert record.scope == "read" and key not in repr(record)

    code, out, _ = kolgraph(
        "keys",
        "create",
        "--name",
        "ops",
        "--scope",
        "admin",
        "--format",
        "json",
        "--db",
        str(world),
    )
    made = json.loads(out)
    assert code == 0 and made["scope"] == "admin" and made["key"].startswith("kg_")
    assert "digest" not in made and "salt" not in made

    code, out, _ = kolgraph("keys", "list", "--format", "json", "--db", str(world))
    listed = json.loads(out)
    assert listed["count"] == 2 and {k["name"] for k in listed["data"]} == {"dashboards", "ops"}
    assert all("key" not in k and "digest" not in k for k in listed["data"])

    app = create_app(Settings(db=world, api_key_cache_seconds=0.0), auth=True)
    with TestClient(app) as c:
        ok = c.get("/v1/communities", headers={"Authorization": f"Bearer {key}"})
        assert ok.status_code == 200, ok.text
        code, _, err = kolgraph_joined("keys", "revoke", "dashboards", "--db", str(world))
        assert code == 0 and "revoked" in err
        gone = c.get("/v1/communities", headers={"Authorization": f"Bearer {key}"})
        assert gone.status_code == 401

    code, out, _ = kolgraph("keys", "list", "--db", str(world))
    assert code == 0 and "1 active" in out


def test_bad_scope_and_unknown_key_are_clear_errors(world: Path) -> None:
    code, _, err = kolgraph_joined(
        "keys", "create", "--name", "x", "--scope", "root", "--db", str(world)
    )
    assert code == 2 and "unknown scope 'root'" in err and "read, plan, admin" in err
    code, _, err = kolgraph_joined("keys", "revoke", "nobody", "--db", str(world))
    assert code == 2 and "kolgraph keys list" in err
    code, _, err = kolgraph_joined("keys", "list", "--db", str(world.parent / "none.db"))
    assert code == 2 and "no store at" in err
