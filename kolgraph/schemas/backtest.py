"""``kolgraph backtest --format json``: objectives against baselines on the store's history."""

from __future__ import annotations

from typing import TYPE_CHECKING, Generic, TypeVar

from pydantic import BaseModel

if TYPE_CHECKING:
    from kolgraph.plan.backtest import BacktestResult

__all__ = ["BacktestOut", "ForecastCheck", "ForecastPoint", "MessagePoint"]

P = TypeVar("P", bound=BaseModel)


class ForecastPoint(BaseModel):
    """A plan of the auto objective on the test split: forecast against measured.

    Attributes
    ----------
    k, horizon_days
        Accounts in the plan, and the horizon of the forecast.
    raw, expected, low, high
        The raw forecast (model, naive or combined), the calibrated one and its
        80% interval.
    measured
        People the plan's accounts moved in the test cascades within the horizon.
    """

    k: int
    horizon_days: float
    raw: float
    expected: float
    low: float
    high: float
    measured: float


class MessagePoint(BaseModel):
    """The accounts of a plan that posted in the test split: one message each.

    Attributes
    ----------
    k, posted
        Accounts in the plan, and how many of them posted in the test cascades.
    raw, expected, low, high
        Engaged people per message by the accounts' rates, calibrated, and the
        80% interval.
    measured
        People who engaged after those accounts' posts.
    """

    k: int
    posted: int
    raw: float
    expected: float
    low: float
    high: float
    measured: float


class ForecastCheck(BaseModel, Generic[P]):
    """How often the measured value fell inside the 80% interval (NaN: no point), and the points."""

    coverage_80: float
    median_expected_over_measured: float
    points: list[P]


class BacktestOut(BaseModel):
    """Moved users per method and plan size, the forecast check, timings.

    Attributes
    ----------
    ks
        Plan sizes compared.
    objective, audience
        The objective auto chose, and whose audience reach counts (``followers``
        or ``observed``).
    moved, path, ratio_to_best_baseline
        People moved per method and size; along follow paths (null without
        follows); and over the best baseline's.
    forecast, per_message
        The forecast check of whole plans and of one message per account.
    counts, timings
        Cascades, users and evidence pairs counted; seconds per step.
    importances
        The engagement model's ROC AUC (``auc``) and each feature's permutation
        importance (drop in AUC).
    notes
        What to know when reading the numbers.
    """

    ks: list[int]
    objective: str
    audience: str
    moved: dict[str, list[float]]
    path: dict[str, list[float]] | None
    ratio_to_best_baseline: dict[str, list[float]]
    forecast: ForecastCheck[ForecastPoint]
    per_message: ForecastCheck[MessagePoint]
    counts: dict[str, int]
    timings: dict[str, float]
    importances: dict[str, float]
    notes: list[str]

    @classmethod
    def from_result(cls, result: BacktestResult) -> BacktestOut:
        """The result of :func:`~kolgraph.plan.learned.backtest_store`."""
        checks = {
            "forecast": (result.forecast, result.coverage, result.median_ratio),
            "per_message": (
                result.per_message,
                result.message_coverage,
                result.message_median_ratio,
            ),
        }
        doc = {
            name: {"coverage_80": c, "median_expected_over_measured": m, "points": p}
            for name, (p, c, m) in checks.items()
        }
        return cls.model_validate(
            {**vars(result), "ratio_to_best_baseline": result.ratios(), **doc}
        )
