"""Forecast calibration: per-objective errors, the naive forecast, and their combination."""

from __future__ import annotations

import math

import numpy as np
import pytest

from kolgraph.plan.cascades import DAY, cascades_from_frame
from kolgraph.plan.forecast import Calibration, combine, persistence


def test_each_objective_is_corrected_by_its_own_measured_error() -> None:
    # plans made with "reach" came out at twice the prediction, "engagement" at half
    points = [("reach", 0, 1.0, 9.0, 9.0, 19.0)] * 6 + [("engagement", 0, 1.0, 19.0, 19.0, 9.0)] * 6
    cal = Calibration.fit(points)
    assert cal.forecast(9.0, 1.0, "reach").expected == pytest.approx(19.0)
    assert cal.forecast(19.0, 1.0, "engagement").expected == pytest.approx(9.0)
    # an objective with too few points of its own falls back to all of them
    pooled = cal.forecast(9.0, 1.0, "frequency")
    assert pooled.calibrated_on == 12


def test_the_interval_holds_the_measured_spread() -> None:
    ratios = [0.5, 0.8, 1.0, 1.0, 1.2, 1.5, 2.0, 0.7, 1.1, 1.3]
    cal = Calibration.fit([("o", 0, 1.0, 99.0, 99.0, 100.0 * r - 1.0) for r in ratios])
    f = cal.forecast(99.0, 1.0, "o")
    assert f.low <= f.expected <= f.high
    inside = sum(f.low <= 100.0 * r - 1.0 <= f.high for r in ratios)
    assert 7 <= inside <= 10


def test_persistence_counts_what_the_accounts_moved_just_before() -> None:
    # cascade 0 (10 days ago): 0 → 1 → 2; cascade 1 (2 days ago): 0 → 3
    now = int(20 * DAY)
    c = cascades_from_frame(
        [0, 0, 0, 1, 1],
        [0, 1, 2, 0, 3],
        [int(10 * DAY), int(10 * DAY) + 1, int(10 * DAY) + 2, int(18 * DAY), int(18 * DAY) + 1],
        4,
    )
    assert persistence(c, [0], now=now, days=5) == pytest.approx(1.0)  # only user 3
    # the history starts 10 days back: 20 days ahead is twice what 10 days moved
    assert persistence(c, [0], now=now, days=20) == pytest.approx(2 * 3.0)
    assert persistence(c, [3], now=now, days=5) == 0.0


def test_combine_is_the_geometric_mean_on_the_plus_one_scale() -> None:
    assert combine(99.0, 99.0) == pytest.approx(99.0)
    assert combine(3.0, 15.0) == pytest.approx(math.sqrt(4 * 16) - 1)
    assert combine(0.0, 0.0) == 0.0


@pytest.mark.parametrize(
    ("truth", "expected"),
    [("model", "model"), ("naive", "naive")],
)
def test_fit_keeps_the_raw_forecast_that_erred_least_on_left_out_splits(
    truth: str, expected: str
) -> None:
    # three splits; the measured value follows one forecaster, the other is noise
    rng = np.random.default_rng(0)
    points = []
    for split in range(3):
        for _ in range(20):
            model, naive = float(rng.uniform(10, 1000)), float(rng.uniform(10, 1000))
            measured = 2.0 * (model if truth == "model" else naive)
            points.append(("o", split, 1.0, model, naive, measured))
    cal = Calibration.fit(points)
    assert cal.method == expected
    errors = dict(cal.errors)
    assert errors[expected] < min(e for m, e in errors.items() if m != expected)
    # and its forecasts carry the measured factor of two
    f = cal.forecast(100.0, 1.0, "o", naive=100.0)
    assert f.expected == pytest.approx(201.0, rel=0.05)


def test_one_split_cannot_choose_and_keeps_the_model() -> None:
    cal = Calibration.fit([("o", 0, 1.0, 10.0, 50.0, 20.0)] * 6)
    assert cal.method == "model" and cal.errors == ()


def test_intervals_widen_with_the_drift_between_splits() -> None:
    # each split measured a different multiple of the prediction: 1x, 2x, 4x
    rng = np.random.default_rng(1)
    points = [
        ("o", split, 1.0, p, p, factor * (p + 1.0) * float(rng.uniform(0.97, 1.03)) - 1.0)
        for split, factor in enumerate((1.0, 2.0, 4.0))
        for p in rng.uniform(50, 500, size=10).tolist()
    ]
    cal = Calibration.fit(points)
    assert len(cal.held_out) == len(points)
    f = cal.forecast(99.0, 1.0, "o")
    assert f.expected == pytest.approx(2 * 100.0 - 1.0, rel=0.05)  # the median multiple
    # left-out splits were forecast from the others' median: off by up to about 2x, so the
    # interval spans well beyond the spread inside any one split (±3%)
    assert f.low < 0.6 * f.expected and f.high > 1.6 * f.expected
