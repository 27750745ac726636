"""POST /v1/reach against a real store ranked with sketches, and against plans."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kolgraph.api.app import create_app
from kolgraph.plan.reach import estimate_reach
from kolgraph.rank.job import RankParams, run_rank
from kolgraph.settings import Settings
from kolgraph.store import SQLiteStore
from tests.api.conftest import World


def _client(tmp_path: Path, *, rank: bool = True, sketch_k: int = 128) -> TestClient:
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
        run_rank(st, params=RankParams(overlap_top_k=10, sketch_min_audience=5, sketch_k=sketch_k))
    return TestClient(create_app(Settings(db=db)))


def test_reach_is_exact_for_small_audiences(tmp_path: Path) -> None:
    client = _client(tmp_path)
    r = client.post("/v1/reach", json={"keys": ["x:a", "x:b", "x:c"]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["audiences"] == [30, 20, 40]
    assert body["unique_reach"] == {
        "value": 80.0,
        "low": 80.0,
        "high": 80.0,
        "exact": True,
        "method": "counted",
    }
    assert "counted exactly" in body["note"]
    assert body["summed_audience"] == 90
    assert abs(body["overlap_rate"] - (1 - 80 / 90)) < 1e-12
    pair = next(p for p in body["pairs"] if {p["a"], p["b"]} == {"x:a", "x:b"})
    assert pair["shared"] == 10 and abs(pair["jaccard"] - 10 / 40) < 1e-12


def test_reach_errors(tmp_path: Path) -> None:
    client = _client(tmp_path)
    r = client.post("/v1/reach", json={"keys": ["x:a", "x:nope"]})
    assert r.status_code == 422 and "x:nope" in r.json()["error"]["message"]
    r = client.post("/v1/reach", json={"keys": []})
    assert r.status_code == 422
    r = client.post("/v1/reach", json={"keys": ["x:100"]})  # below the sketch threshold
    assert r.status_code == 200 and r.json()["not_sketched"] == []  # counted, not left out
    (tmp_path / "u").mkdir()
    unranked = _client(tmp_path / "u", rank=False)
    r = unranked.post("/v1/reach", json={"keys": ["x:a"]})
    assert r.status_code == 422 and "rank" in r.json()["error"]["hint"]


def test_reach_counts_audiences_larger_than_their_sketch(tmp_path: Path) -> None:
    client = _client(tmp_path, sketch_k=8)  # every audience (20..40) exceeds its sketch
    body = client.post("/v1/reach", json={"keys": ["x:a", "x:b", "x:c"]}).json()
    assert body["unique_reach"]["value"] == 80.0 and body["unique_reach"]["exact"] is True
    pair = next(p for p in body["pairs"] if {p["a"], p["b"]} == {"x:a", "x:b"})
    assert pair["shared"] == 10 and pair["jaccard_low"] == pair["jaccard_high"] == 10 / 40


def test_reach_says_when_and_why_it_estimates(tmp_path: Path) -> None:
    _client(tmp_path, sketch_k=8)
    with SQLiteStore(tmp_path / "k.db") as st:
        rep = estimate_reach(st, ["x:a", "x:b", "x:c", "x:100"], exact_limit=50)
    u = rep.unique_reach
    assert not u.exact and u.method in {"ratio", "theta"} and u.low <= 80 <= u.high
    assert rep.not_sketched == ["x:100"]
    assert "estimated from the audience sketches" in rep.note and "more than the 50" in rep.note
    assert "below the sketch threshold of 5 are left out" in rep.note


def test_reach_and_the_plan_count_the_same_people(own_world: World) -> None:
    # other:k9's audience (5) is below the sketch threshold (10): a sketch answer leaves it out
    request = {"budget": 5000, "include": ["other:k9"]}
    with TestClient(create_app(own_world.settings)) as c:
        plan = c.post("/v1/plans", json=request).json()
        keys = [a["key"] for a in plan["accounts"]]
        assert "other:k9" in keys and len(keys) >= 4
        reach = c.post("/v1/reach", json={"keys": keys}).json()
        with SQLiteStore(own_world.db) as st:  # a follower who arrived after the rank run
            st.add_follows(["demo:u0"], ["demo:k3"])
        later = c.post("/v1/plans", json=request).json()
        later_reach = c.post("/v1/reach", json={"keys": [a["key"] for a in later["accounts"]]})
    assert reach["unique_reach"]["value"] == plan["unique_reach"]
    assert reach["unique_reach"]["exact"] is True and reach["not_sketched"] == []
    assert reach["audiences"] == [a["audience"] for a in plan["accounts"]]
    assert reach["summed_audience"] == plan["total_audience"]
    assert reach["overlap_rate"] == pytest.approx(plan["overlap_rate"], abs=1e-6)
    assert later_reach.json()["unique_reach"]["value"] == later["unique_reach"]
