"""The backtest on a real, time-split cascade set from ``../shared/data`` (skipped without it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kolgraph.ingest.cascades import import_cascades
from kolgraph.ingest.edges import import_edges
from kolgraph.plan.backtest import BASELINES, BacktestParams
from kolgraph.plan.learned import backtest_store
from kolgraph.store import SQLiteStore

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "twitter-graph-cascades"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (DATA / "graph.txt").exists(), reason=f"{DATA} is missing"),
]


def test_default_plan_holds_its_own_against_the_baselines(tmp_path: Path) -> None:
    with SQLiteStore(tmp_path / "tw.db") as st:
        import_edges(st, DATA / "graph.txt", platform="twitter")
        for part in ("train.txt", "test.txt"):
            import_cascades(st, DATA / part, platform="twitter")
        res = backtest_store(st, params=BacktestParams(ks=(10, 25)))
    best = res.best_baseline
    for i, k in enumerate(res.ks):
        assert res.moved["kolgraph (auto)"][i] >= 0.9 * best[i], k
        assert res.moved["kolgraph (auto)"][i] > 5 * res.moved["random"][i], k
    assert set(BASELINES) <= set(res.moved)
    assert 0.5 <= res.coverage <= 1.0  # the 80% interval holds most measured values
