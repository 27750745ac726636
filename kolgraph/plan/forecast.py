r"""Forecasts with a measured error: an expected value and an 80% interval.

A forecast is the engagement model's expected value times a correction learned
from how the model did on time splits inside the training history: for each
(predicted :math:`\hat y_i`, measured :math:`y_i`) at a horizon near the one asked
for, the log ratio :math:`r_i = \log\frac{y_i + 1}{\hat y_i + 1}` is kept. The
forecast of a new prediction :math:`\hat y` is

.. math::

    \text{expected} = (\hat y + 1)\, e^{\tilde r} - 1, \quad
    \text{low} = (\hat y + 1)\, e^{r_{(\lceil 0.1(n+1) \rceil)}} - 1, \quad
    \text{high} = (\hat y + 1)\, e^{r_{(\lceil 0.9(n+1) \rceil)}} - 1

with :math:`\tilde r` the median and :math:`r_{(j)}` the order statistics (split
conformal quantiles, so the interval is meant to hold the measured value 80% of
the time when the future behaves like the calibration split).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from kolgraph.plan.cascades import DAY, Cascades, moved_users

__all__ = ["Calibration", "Forecast", "combine", "persistence"]


def persistence(recent: Cascades, chosen: npt.ArrayLike, *, now: int, days: float) -> float:
    r"""People the accounts moved in the ``days`` before ``now``: the naive forecast of the next.

    When the history is shorter than ``days``, the count over the history is scaled up
    to the full window (:math:`\times\, days / span`).
    """
    if recent.n_cascades == 0 or days <= 0:
        return 0.0
    start = int(now - days * DAY)
    window = recent.take(recent.start >= start).before(now)
    span = max(1.0, float(now - max(start, int(recent.start.min()))))
    return moved_users(window, chosen) * (days * DAY) / span


def combine(model: float, naive: float) -> float:
    r"""The geometric mean of two forecasts on the :math:`y + 1` scale.

    .. math:: \hat y = \sqrt{(\hat y_{model} + 1)(\hat y_{naive} + 1)} - 1

    Combining the engagement model with what the same accounts moved just before
    halves the log error of whichever is off when their errors differ in sign.
    """
    return math.sqrt((model + 1.0) * (naive + 1.0)) - 1.0


@dataclass(frozen=True)
class Forecast:
    """An expected value with an 80% interval, and what the interval rests on."""

    expected: float
    low: float
    high: float
    calibrated_on: int
    extrapolated: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "expected": round(self.expected, 1),
            "low": round(self.low, 1),
            "high": round(self.high, 1),
            "interval": 0.8,
            "calibrated_on": self.calibrated_on,
            "extrapolated": self.extrapolated,
        }


@dataclass(frozen=True)
class Calibration:
    r"""Predicted and measured values from plans made on splits inside the history.

    Each point is ``(objective, split, horizon days, predicted, measured)``. A
    forecast for a plan made with objective ``o`` at horizon :math:`H` uses the
    points of ``o`` (all points when ``o`` has fewer than six) whose horizon is
    within a factor of two of :math:`H`, or, when there are fewer than six of
    them, the six nearest in :math:`\log H` (and says it extrapolated).
    """

    points: tuple[tuple[str, int, float, float, float], ...] = ()

    @classmethod
    def fit(cls, points: list[tuple[str, int, float, float, float]]) -> Calibration:
        return cls(
            tuple((str(o), int(s), float(h), float(p), float(m)) for o, s, h, p, m in points)
        )

    @property
    def n(self) -> int:
        return len(self.points)

    def _ratios(self, horizon: float, objective: str | None) -> tuple[np.ndarray, bool]:
        pts = [pt for pt in self.points if pt[0] == objective]
        if len(pts) < 6:
            pts = list(self.points)
        h = np.array([pt[2] for pt in pts])
        r = np.array([math.log((m + 1.0) / (p + 1.0)) for _, _, _, p, m in pts])
        dist = np.abs(np.log(h / horizon))
        near = dist <= math.log(2.0)
        if near.sum() >= 6:
            return np.sort(r[near]), False
        take = np.argsort(dist, kind="stable")[:6]
        return np.sort(r[take]), bool(dist[take].max() > math.log(2.0))

    def forecast(
        self, predicted: float, horizon_days: float, objective: str | None = None
    ) -> Forecast:
        """The corrected forecast of a raw model prediction at ``horizon_days``."""
        if self.n == 0:
            return Forecast(predicted, 0.0, math.inf, 0)
        r, extrapolated = self._ratios(horizon_days, objective)
        n = r.size

        def q(level: float) -> float:
            return float(r[min(n - 1, max(0, math.ceil(level * (n + 1)) - 1))])

        base = predicted + 1.0
        mid = float(np.median(r))
        return Forecast(
            expected=max(0.0, base * math.exp(mid) - 1.0),
            low=max(0.0, base * math.exp(min(q(0.1), mid)) - 1.0),
            high=max(0.0, base * math.exp(max(q(0.9), mid)) - 1.0),
            calibrated_on=n,
            extrapolated=extrapolated,
        )

    def as_dict(self) -> dict[str, Any]:
        hs = [pt[2] for pt in self.points]
        return {
            "points": self.n,
            "horizon_days": [round(min(hs), 1), round(max(hs), 1)] if hs else None,
        }
