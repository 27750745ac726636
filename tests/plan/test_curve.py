"""The budget curve (:mod:`kolgraph.plan.curve`): budgets, the Kneedle knee, and each point
being exactly the plan made at its budget."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from kolgraph.errors import InputError
from kolgraph.plan.curve import (
    MAX_POINTS,
    budget_curve,
    budget_range,
    curve_budgets,
    knee_index,
)
from kolgraph.plan.planner import PlanInputs, PlanParams, best_plan
from kolgraph.settings import Settings

from .test_planner import AUD, COSTS, KINDS, _world

SETTINGS = Settings(cost_per_1k_audience=10.0, min_cost=5.0, auto_kol=0)


def test_curve_budgets_parse_and_errors() -> None:
    assert curve_budgets("1000..20000:1000") == [float(b) for b in range(1000, 20001, 1000)]
    assert curve_budgets(" 100 .. 250 : 100 ") == [100.0, 200.0, 250.0]
    assert curve_budgets("5..5:1") == [5.0]
    for bad, match in (
        ("1000..2000:0", "step must be above zero"),
        ("1000-2000:10", "not LOW..HIGH:STEP"),
        ("2000..1000:10", "LOW <= HIGH"),
        ("0..1000:10", "positive"),
        (f"1..{MAX_POINTS + 5}:1", f"more than {MAX_POINTS} plans"),
    ):
        with pytest.raises(InputError, match=match):
            curve_budgets(bad)
    assert len(budget_range(1, MAX_POINTS, 1)) == MAX_POINTS
    with pytest.raises(InputError, match="more than"):  # a span / step that overflows
        budget_range(2e307, 1e308, 1e-38)


def _brute_knee(x: list[float], y: list[float], gap: float) -> int | None:
    """The knee by its definition: the point farthest above the first-to-last chord."""
    best, where = gap, None
    for i in range(len(x)):
        line = y[0] + (y[-1] - y[0]) * (x[i] - x[0]) / (x[-1] - x[0])
        above = (y[i] - line) / (y[-1] - y[0])
        if above >= best and (where is None or above > best):
            best, where = above, i
    return where


def test_knee_matches_the_definition_on_random_concave_curves() -> None:
    rng = np.random.default_rng(3)
    for _ in range(200):
        x = np.sort(rng.choice(np.arange(1, 200), size=rng.integers(3, 15), replace=False))
        y = np.cumsum(np.sort(rng.random(x.size))[::-1])  # growing, flattening
        got = knee_index(x, y)
        assert got == _brute_knee(x.tolist(), y.tolist(), 0.05)
    # a published shape: y = 1 - exp(-x) on [0, 5] bends near x = 1.2
    x = np.linspace(0, 5, 51)
    k = knee_index(x, 1 - np.exp(-x))
    assert k is not None and 1.0 <= x[k] <= 1.6
    assert knee_index([1, 2, 3, 4], [1, 2, 3, 4]) is None  # a straight line has no knee
    assert knee_index([1, 2], [1, 5]) is None  # too few points


def _inputs(n: int = 50) -> PlanInputs:
    mat, acc, sc = _world(AUD, KINDS, COSTS, n)
    return PlanInputs(run_id="r", audience=mat, accounts=acc, scores=sc, learned=None)


def test_each_point_is_the_plan_at_its_budget() -> None:
    inputs = _inputs()
    params = PlanParams(budget=1, objective="reach")
    budgets = [60.0, 100.0, 150.0, 200.0, 250.0, 400.0]
    curve = budget_curve(inputs, params, budgets, settings=SETTINGS)
    for b, point in zip(budgets, curve.points, strict=True):
        plan = best_plan(inputs, replace(params, budget=b), settings=SETTINGS)
        assert point.budget == b
        assert point.value == pytest.approx(plan.value)
        assert point.spent == pytest.approx(plan.spent)
        assert point.unique_reach == plan.unique_reach
        assert point.accounts == len(plan.accounts)
        assert point.spent <= b
        assert point.engaged is None and point.cost_per_engaged is None
    assert curve.points[-1].cost_per_reached == pytest.approx(
        curve.points[-1].spent / curve.points[-1].unique_reach
    )
    marginal = curve.marginal()
    assert marginal[0] is None
    assert marginal[1] == pytest.approx((curve.points[1].value - curve.points[0].value) / 40 * 1000)
    # every audience (people 10..49) is reached by 400: the curve is flat at the top
    assert curve.points[-1].unique_reach == 40
    assert curve.knee is not None and curve.knee < len(budgets) - 1
    assert curve.note.startswith(("returns fall off", "returns stop"))
    doc = curve.as_dict()
    assert doc["knee_budget"] == curve.knee_budget and len(doc["points"]) == len(budgets)


def test_a_curve_that_saturates_at_once_stops_at_the_first_budget() -> None:
    inputs = _inputs()
    curve = budget_curve(inputs, PlanParams(budget=1), [1000.0, 2000.0, 3000.0], settings=SETTINGS)
    assert [p.value for p in curve.points] == [40.0, 40.0, 40.0]
    assert curve.knee == 0 and "returns stop at 1,000" in curve.note


def test_a_minimum_that_does_not_fit_names_the_budget() -> None:
    from kolgraph.model import Kind
    from kolgraph.plan.planner import KindRange

    params = PlanParams(budget=1, mix={Kind.KOL: KindRange(2, None)})
    with pytest.raises(InputError, match="budget 50: cannot place the minimum mix"):
        budget_curve(_inputs(), params, [50.0, 500.0], settings=SETTINGS)
