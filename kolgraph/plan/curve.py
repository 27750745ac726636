r"""The budget curve: what a plan gains as its budget grows, and where returns fall off.

``plan --budget-curve 1000..20000:1000`` plans once per budget with everything
else held (the same inputs, read once), and reports per budget the objective's
value, the money spent, the unique reach, the forecast of engaged people and the
cost per engaged (or reached) person. Each point is exactly the plan
``plan --budget B`` makes.

Where returns fall off is the *knee* of the value curve, found with Kneedle
(Satopää, Albrecht, Irwin and Raghavan, "Finding a 'Kneedle' in a Haystack",
ICDCS workshops 2011): with budgets and values scaled to :math:`[0, 1]`,

.. math:: x'_i = \frac{x_i - x_0}{x_m - x_0},\quad
          y'_i = \frac{y_i - y_0}{y_m - y_0},\quad
          \text{knee} = \arg\max_i \,(y'_i - x'_i)

the point farthest above the straight line from the first point to the last.
A curve that never rises :data:`MIN_KNEE_GAP` above that line has no knee: the
returns do not fall off within the range asked.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from kolgraph.errors import InputError
from kolgraph.plan.params import Plan, PlanParams
from kolgraph.plan.planner import PlanInputs, RunInputs, best_plan, new_plan_id, plan_inputs
from kolgraph.plan.schedule import store_schedule
from kolgraph.settings import Settings
from kolgraph.store.base import Store

__all__ = [
    "MAX_POINTS",
    "MIN_KNEE_GAP",
    "BudgetCurve",
    "CurvePoint",
    "budget_curve",
    "budget_range",
    "curve_budgets",
    "knee_index",
    "plan_with_curve",
]

#: At most this many budgets on one curve (each is a whole plan).
MAX_POINTS = 60
#: A knee must lie this far (in scaled units) above the chord from first to last point.
MIN_KNEE_GAP = 0.05

_NUM = r"(\d+(?:\.\d+)?)"
_CURVE_RE = re.compile(rf"^\s*{_NUM}\s*\.\.\s*{_NUM}\s*:\s*{_NUM}\s*$")


def curve_budgets(text: str) -> list[float]:
    """The budgets of ``"LOW..HIGH:STEP"``, LOW and HIGH included.

    Examples
    --------
    >>> curve_budgets("1000..3000:1000")
    [1000.0, 2000.0, 3000.0]
    >>> curve_budgets("500..1200:500")
    [500.0, 1000.0, 1200.0]
    """
    m = _CURVE_RE.match(text)
    hint = "write LOW..HIGH:STEP, e.g. --budget-curve 1000..20000:1000"
    if m is None:
        raise InputError(f"--budget-curve {text!r} is not LOW..HIGH:STEP", hint=hint)
    lo, hi, step = (float(g) for g in m.groups())
    return budget_range(lo, hi, step)


def budget_range(low: float, high: float, step: float) -> list[float]:
    """``low, low + step, ...`` up to ``high`` (included), at most :data:`MAX_POINTS`."""
    hint = "write LOW..HIGH:STEP, e.g. --budget-curve 1000..20000:1000"
    if not np.isfinite(step) or step <= 0:
        raise InputError(f"budget curve step {step:g}: the step must be above zero", hint=hint)
    if not (np.isfinite(low) and np.isfinite(high)) or low <= 0 or high < low:
        raise InputError(
            f"budget curve {low:g}..{high:g}: budgets must be positive with LOW <= HIGH",
            hint=hint,
        )
    span = (high - low) / step
    n = int(np.floor(span + 1e-9)) + 1 if span < MAX_POINTS else MAX_POINTS + 1
    if n > MAX_POINTS or (n == MAX_POINTS and low + (n - 1) * step < high - 1e-9):
        raise InputError(
            f"budget curve {low:g}..{high:g} by {step:g} asks for more than {MAX_POINTS} plans",
            hint="use a larger step",
        )
    budgets = [low + i * step for i in range(n)]
    if budgets[-1] < high - 1e-9:
        budgets.append(high)
    return [round(b, 6) for b in budgets]


def knee_index(x: npt.ArrayLike, y: npt.ArrayLike, *, min_gap: float = MIN_KNEE_GAP) -> int | None:
    """Index of the Kneedle knee of a rising, flattening curve (module notes), or None.

    Examples
    --------
    >>> knee_index([1, 2, 3, 4, 5], [10, 18, 20, 21, 21.5])
    1
    >>> knee_index([1, 2, 3], [1, 2, 3]) is None
    True
    """
    xs = np.asarray(x, dtype=np.float64)
    ys = np.asarray(y, dtype=np.float64)
    if xs.size < 3 or xs[-1] <= xs[0] or ys[-1] <= ys[0]:
        return None
    gap = (ys - ys[0]) / (ys[-1] - ys[0]) - (xs - xs[0]) / (xs[-1] - xs[0])
    i = int(np.argmax(gap))
    return i if gap[i] >= min_gap else None


@dataclass(frozen=True)
class CurvePoint:
    """The plan at one budget."""

    budget: float
    spent: float
    value: float  # the objective's value (its units: CurvePoint of BudgetCurve.objective)
    accounts: int
    unique_reach: int
    engaged: float | None  # forecast of engaged people within the horizon (None: no model)
    engaged_low: float | None
    engaged_high: float | None

    @property
    def cost_per_engaged(self) -> float | None:
        return self.spent / self.engaged if self.engaged else None

    @property
    def cost_per_reached(self) -> float | None:
        return self.spent / self.unique_reach if self.unique_reach else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "budget": self.budget,
            "spent": self.spent,
            "value": self.value,
            "accounts": self.accounts,
            "unique_reach": self.unique_reach,
            "engaged": self.engaged,
            "engaged_low": self.engaged_low,
            "engaged_high": self.engaged_high,
            "cost_per_engaged": _r(self.cost_per_engaged),
            "cost_per_reached": _r(self.cost_per_reached),
        }


@dataclass(frozen=True)
class BudgetCurve:
    """Plans at growing budgets and the budget where returns fall off."""

    objective: str
    points: list[CurvePoint]
    knee: int | None  # index into points
    note: str

    @property
    def knee_budget(self) -> float | None:
        return None if self.knee is None else self.points[self.knee].budget

    def marginal(self) -> list[float | None]:
        """Value added per 1,000 of extra budget, from the point before (None first)."""
        out: list[float | None] = [None]
        for a, b in zip(self.points, self.points[1:], strict=False):
            out.append((b.value - a.value) / (b.budget - a.budget) * 1000.0)
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "objective": self.objective,
            "points": [
                {**p.as_dict(), "value_per_1k_more": _r(m)}
                for p, m in zip(self.points, self.marginal(), strict=True)
            ],
            "knee_budget": self.knee_budget,
            "note": self.note,
        }


def _r(x: float | None) -> float | None:
    return None if x is None else round(float(x), 4)


def budget_curve(
    inputs: PlanInputs,
    params: PlanParams,
    budgets: Sequence[float],
    *,
    settings: Settings | None = None,
    on_point: Callable[[int, int], None] | None = None,
) -> BudgetCurve:
    """Plan at each budget (:func:`~kolgraph.plan.planner.best_plan`) and find the knee.

    Parameters
    ----------
    inputs
        The store's inputs, read once (:func:`~kolgraph.plan.planner.plan_inputs`).
    params
        Everything but the budget, which each point replaces.
    budgets
        Increasing budgets (:func:`curve_budgets`).
    on_point
        Called with ``(done, total)`` after each plan (progress bars).

    Raises
    ------
    InputError
        If no budgets are given, or the mix's minimums do not fit the lowest budget
        (the error says which budget).
    """
    return _curve_and_plans(inputs, params, budgets, settings=settings, on_point=on_point)[0]


def _curve_and_plans(
    inputs: PlanInputs,
    params: PlanParams,
    budgets: Sequence[float],
    *,
    settings: Settings | None,
    on_point: Callable[[int, int], None] | None,
) -> tuple[BudgetCurve, dict[float, Plan]]:
    """:func:`budget_curve`, and the plan of each budget (so none is made twice)."""
    if not budgets:
        raise InputError("a budget curve needs at least one budget")
    points: list[CurvePoint] = []
    plans: dict[float, Plan] = {}
    objective: str = params.objective
    for i, b in enumerate(sorted(budgets)):
        try:
            plan = best_plan(inputs, replace(params, budget=float(b)), settings=settings)
        except InputError as exc:
            raise InputError(f"budget {b:,.0f}: {exc.message}", hint=exc.hint) from None
        plans[float(b)] = plan
        objective = plan.objective
        moved = (plan.forecast or {}).get("moved_users") or {}
        points.append(
            CurvePoint(
                budget=float(b),
                spent=round(plan.spent, 2),
                value=round(plan.value, 4),
                accounts=len(plan.accounts),
                unique_reach=plan.unique_reach,
                engaged=_r(moved.get("expected")),
                engaged_low=_r(moved.get("low")),
                engaged_high=_r(moved.get("high")),
            )
        )
        if on_point is not None:
            on_point(i + 1, len(budgets))
    values = [p.value for p in points]
    knee = knee_index([p.budget for p in points], values)
    top = max(values)
    flat = next(i for i, v in enumerate(values) if v >= top - 1e-9 * max(1.0, abs(top)))
    if knee is None and flat < len(points) - 1:
        knee = flat
        note = (
            f"returns stop at {points[flat].budget:,.0f}: a larger budget buys no more "
            f"{objective} (every candidate that adds anything is already in the plan)"
        )
    elif knee is None:
        note = (
            f"returns do not fall off between {points[0].budget:,.0f} and "
            f"{points[-1].budget:,.0f}: each step adds about as much {objective} as the last"
        )
    else:
        k = points[knee]
        note = (
            f"returns fall off after {k.budget:,.0f} (Kneedle knee of the {objective} curve): "
            "beyond it each extra 1,000 adds less than the average over the whole range"
        )
    return BudgetCurve(objective=objective, points=points, knee=knee, note=note), plans


def plan_with_curve(
    store: Store,
    params: PlanParams,
    budgets: Sequence[float],
    *,
    budget: float | None = None,
    settings: Settings | None = None,
    on_point: Callable[[int, int], None] | None = None,
    inputs: RunInputs | None = None,
) -> Plan:
    """The budget curve over ``budgets`` and the plan at ``budget``, the curve kept in it.

    Without ``budget`` the plan is made at the knee (or, without one, at the
    largest budget), and its notes say so. The store is read once, or not at all
    with ``inputs`` (the current run's, kept by :class:`~kolgraph.plan.cache.RunCache`).
    """
    top = replace(params, budget=float(max(budgets or [1.0])))
    run_in, params = plan_inputs(store, top) if inputs is None else inputs.for_params(top)
    curve, plans = _curve_and_plans(run_in, params, budgets, settings=settings, on_point=on_point)
    if budget is None:
        budget = curve.knee_budget or curve.points[-1].budget
        why = "the knee of the budget curve" if curve.knee is not None else "the curve's top"
        chosen = f"budget {budget:,.0f}: {why}"
    else:
        chosen = ""
    plan = plans.get(float(budget)) or best_plan(
        run_in, replace(params, budget=float(budget)), settings=settings
    )
    sched = store_schedule(store, run_in.run_id, run_in.learned)
    notes = [*plan.notes, curve.note] + ([chosen] if chosen else [])
    return sched.apply(replace(plan, id=new_plan_id(), budget_curve=curve, notes=notes))
