"""POST /v1/overlap, GET /v1/affinity/{key}, GET /v1/lookalikes/{key}."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kolgraph.api.app import create_app
from kolgraph.settings import Settings
from kolgraph.store import SQLiteStore
from tests.audience.conftest import build_audience_store


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_audience_store(tmp_path_factory.mktemp("aud") / "aud.db", rank=True)


@pytest.fixture(scope="module")
def client(db: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(db=db))) as c:
        yield c


def test_overlap(client: TestClient) -> None:
    r = client.post("/v1/overlap", json={"keys": ["x:a", "x:b", "x:c"]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["keys"] == ["x:a", "x:b", "x:c"]
    assert [(a["audience"], a["exclusive"]) for a in body["accounts"]] == [(4, 2), (3, 0), (2, 1)]
    assert (body["unique_audience"], body["summed_audience"]) == (6, 9)
    assert body["pairs"][2] == {
        "a": "x:b",
        "b": "x:c",
        "shared": 1,
        "jaccard": 0.25,
        "share_of_smaller": 0.5,
    }


def test_overlap_bad_input(client: TestClient, db: Path) -> None:
    with SQLiteStore(db) as st:
        before = st.counts()
    r = client.post("/v1/overlap", json={"keys": ["x:a", "x:brnd", "x:zzzzzzzzzzzz"]})
    assert r.status_code == 422
    detail = r.json()["error"]
    assert detail["code"] == "invalid_input"
    assert "x:brnd (did you mean x:brand?)" in detail["message"]
    assert "x:zzzzzzzzzzzz" in detail["message"]
    r = client.post("/v1/overlap", json={"keys": [f"x:{i}" for i in range(101)]})
    assert r.status_code == 422 and "at most 100" in r.json()["error"]["message"]
    r = client.post("/v1/overlap", json={"keys": ["x:a"]})
    assert r.status_code == 422 and "at least 2" in r.json()["error"]["message"]
    with SQLiteStore(db) as st:
        assert st.counts() == before


def test_affinity(client: TestClient) -> None:
    r = client.get("/v1/affinity/x:brand", params={"min_support": 2})
    assert r.status_code == 200, r.text
    body = r.json()
    assert [d["key"] for d in body["data"]] == ["x:k1", "x:k2"]
    assert body["below_support"] == 1 and body["population"] == 36
    assert body["data"][0]["affinity"] == pytest.approx(36 / 5)
    r = client.get("/v1/affinity/x:brand", params={"kind": ["kol", "media"], "min_support": 1})
    assert r.status_code == 200 and body["kinds"] == ["kol"]
    assert r.json()["kinds"] == ["kol", "media"]
    r = client.get("/v1/affinity/x:brnd")
    assert r.status_code == 422 and "x:brand" in r.json()["error"]["message"]


def test_lookalikes(client: TestClient) -> None:
    r = client.get("/v1/lookalikes/x:t")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["method"] == "sketch"
    assert [(d["key"], d["shared"]) for d in body["data"]] == [
        ("x:l4", 10),
        ("x:l1", 8),
        ("x:l2", 5),
    ]
    r = client.get("/v1/lookalikes/x:t", params={"kind": "kol", "max_cost": 80})
    assert [d["key"] for d in r.json()["data"]] == ["x:l2"]
    r = client.get("/v1/lookalikes/x:t", params={"max_cost": -1})
    assert r.status_code == 422
    r = client.get("/v1/lookalikes/x:nobody")
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_input"
