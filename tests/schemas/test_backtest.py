"""The backtest's JSON: every number where it was, plan sizes as integers, NaN kept."""

from __future__ import annotations

import json
import math

import numpy as np

from kolgraph.plan.backtest import BASELINES, BacktestResult
from kolgraph.schemas.backtest import BacktestOut


def _result(*, with_points: bool = True) -> BacktestResult:
    moved = {"kolgraph (auto)": [12.0, 20.0], **{b: [10.0, 25.0] for b in BASELINES}}
    point = {
        "k": 5,
        "horizon_days": 0.5,
        "raw": 11.0,
        "expected": np.float64(14.25),
        "low": 3.0,
        "high": math.inf,
        "measured": 12.0,
    }
    message = {"k": 5, "posted": 3, "raw": 2.0, "expected": 2.5, "low": 1.0, "high": 4.0}
    return BacktestResult(
        ks=(5, 10),
        moved=moved,
        path=None,
        forecast=[point] if with_points else [],
        objective="reach",
        audience="followers",
        counts={"cascades": 9, "test_cascades": 3},
        auto={5: "reach", 10: "reach"},
        timings={"learn": 1.5},
        importances={"auc": 0.75, "follows": 0.125},
        notes=["a note"],
        per_message=[{**message, "measured": 0.0}] if with_points else [],
    )


def test_the_document_has_the_backtest_layout() -> None:
    res = _result()
    doc = BacktestOut.from_result(res).model_dump(mode="json")
    assert list(doc) == [
        "ks",
        "objective",
        "audience",
        "moved",
        "path",
        "ratio_to_best_baseline",
        "forecast",
        "per_message",
        "counts",
        "timings",
        "importances",
        "notes",
    ]
    assert doc["ks"] == [5, 10] and doc["moved"] == res.moved and doc["path"] is None
    assert doc["ratio_to_best_baseline"] == res.ratios()
    assert doc["forecast"]["coverage_80"] == res.coverage == 1.0
    (point,) = doc["forecast"]["points"]
    assert point == {**res.forecast[0], "expected": 14.25}
    assert type(point["k"]) is int and type(point["expected"]) is float
    assert list(point) == list(res.forecast[0])
    (message,) = doc["per_message"]["points"]
    assert list(message) == ["k", "posted", "raw", "expected", "low", "high", "measured"]
    assert doc["counts"] == res.counts and doc["importances"] == res.importances


def test_json_text_is_what_json_dumps_makes_of_the_numbers() -> None:
    text = json.dumps(BacktestOut.from_result(_result(with_points=False)).model_dump(mode="json"))
    doc = json.loads(text)
    assert '"coverage_80": NaN' in text and math.isnan(doc["per_message"]["coverage_80"])
    assert '"ks": [5, 10]' in text and '"kolgraph (auto)": [12.0, 20.0]' in text
    assert doc["forecast"]["points"] == []
