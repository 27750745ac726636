"""POST /v1/reach against a real store ranked with sketches."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from kolgraph.api.app import create_app
from kolgraph.rank.job import RankParams, run_rank
from kolgraph.settings import Settings
from kolgraph.store import SQLiteStore


def _client(tmp_path: Path, *, rank: bool = True) -> TestClient:
    db = tmp_path / "k.db"
    st = SQLiteStore(db)
    # three accounts: a and b share 10 of their followers, c's audience is disjoint
    src, dst = [], []
    for u in range(40):
        if u < 30:
            src.append(f"x:{100 + u}")
            dst.append("x:a")
        if u >= 20:
            src.append(f"x:{100 + u}")
            dst.append("x:b")
        src.append(f"x:{200 + u}")
        dst.append("x:c")
    st.add_follows(src, dst)
    if rank:
        run_rank(st, params=RankParams(overlap_top_k=10, sketch_min_audience=5))
    return TestClient(create_app(Settings(db=db)))


def test_reach_is_exact_for_small_audiences(tmp_path: Path) -> None:
    client = _client(tmp_path)
    r = client.post("/v1/reach", json={"keys": ["x:a", "x:b", "x:c"]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["audiences"] == [30, 20, 40]
    assert body["unique_reach"] == {"value": 80.0, "low": 80.0, "high": 80.0, "exact": True}
    assert body["summed_audience"] == 90
    assert abs(body["overlap_rate"] - (1 - 80 / 90)) < 1e-12
    pair = next(p for p in body["pairs"] if {p["a"], p["b"]} == {"x:a", "x:b"})
    assert pair["shared"] == 10 and abs(pair["jaccard"] - 10 / 40) < 1e-12


def test_reach_errors(tmp_path: Path) -> None:
    client = _client(tmp_path)
    r = client.post("/v1/reach", json={"keys": ["x:a", "x:nope"]})
    assert r.status_code == 422 and "x:nope" in r.json()["detail"]["message"]
    r = client.post("/v1/reach", json={"keys": []})
    assert r.status_code == 422
    r = client.post("/v1/reach", json={"keys": ["x:100"]})  # below the sketch threshold
    assert r.status_code == 200 and r.json()["not_sketched"] == ["x:100"]
    (tmp_path / "u").mkdir()
    unranked = _client(tmp_path / "u", rank=False)
    r = unranked.post("/v1/reach", json={"keys": ["x:a"]})
    assert r.status_code == 422 and "rank" in r.json()["detail"]["hint"]
