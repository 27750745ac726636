r"""Forecasts with a measured error: an expected value and an 80% interval.

A raw forecast :math:`\hat y` is the engagement model's expected value, the naive
forecast (what the same accounts moved in the same span just before now,
:func:`persistence`) or their geometric mean (:func:`combine`); :meth:`Calibration.fit`
keeps whichever erred least on splits of the history it was not corrected on. The
correction is learned from plans made on time splits inside the training history:
for each (raw :math:`\hat y_i`, measured :math:`y_i`) at a horizon near the one
asked for, the log ratio :math:`r_i = \log\frac{y_i + 1}{\hat y_i + 1}` is kept, and

.. math::

    \text{expected} = (\hat y + 1)\, e^{\tilde r} - 1, \quad
    \text{low} = (\hat y + 1)\, e^{r_{(\lceil 0.1(n+1) \rceil)}} - 1, \quad
    \text{high} = (\hat y + 1)\, e^{r_{(\lceil 0.9(n+1) \rceil)}} - 1

with :math:`\tilde r` the median and :math:`r_{(j)}` the order statistics (split
conformal quantiles). The interval is widened to also hold the same quantiles of the
*held-out* errors: each split forecast with a correction fitted on the other
splits, which is the error a forecast of the future makes when the future drifts
from the past as much as the splits drifted from each other.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from kolgraph.plan.cascades import DAY, AdopterIndex, Cascades, moved_users

__all__ = [
    "METHODS",
    "Calibration",
    "Forecast",
    "Window",
    "combine",
    "persistence",
    "persistence_window",
    "raw_value",
]


@dataclass(frozen=True)
class Window:
    """The cascades :func:`persistence` counts in, the seconds they span, and their
    :class:`~kolgraph.plan.cascades.AdopterIndex` (:func:`persistence_window`)."""

    cascades: Cascades
    span: float
    index: AdopterIndex


def persistence(
    recent: Cascades,
    chosen: npt.ArrayLike,
    *,
    now: int,
    days: float,
    window: Window | None = None,
) -> float:
    r"""People the accounts moved in the ``days`` before ``now``: the naive forecast of the next.

    When the history is shorter than ``days``, the count over the history is scaled up
    to the full window (:math:`\times\, days / span`). ``window`` is
    :func:`persistence_window` of the same arguments, when it is kept (the same count,
    read from its index).
    """
    if recent.n_cascades == 0 or days <= 0:
        return 0.0
    if window is not None:
        return window.index.moved_users(chosen) * (days * DAY) / window.span
    cascades, span = _window(recent, now=now, days=days)
    return moved_users(cascades, chosen) * (days * DAY) / span


def _window(recent: Cascades, *, now: int, days: float) -> tuple[Cascades, float]:
    start = int(now - days * DAY)
    window = recent.take(recent.start >= start).before(now)
    span = max(1.0, float(now - max(start, int(recent.start.min()))))
    return window, span


def persistence_window(recent: Cascades, *, now: int, days: float) -> Window:
    """The cascades :func:`persistence` counts in, the seconds they span and their index.

    The same for every set of accounts, so a planner keeps it per horizon.
    """
    cascades, span = _window(recent, now=now, days=days)
    return Window(cascades=cascades, span=span, index=AdopterIndex(cascades))


def combine(model: float, naive: float) -> float:
    r"""The geometric mean of two forecasts on the :math:`y + 1` scale.

    .. math:: \hat y = \sqrt{(\hat y_{model} + 1)(\hat y_{naive} + 1)} - 1

    Combining the engagement model with what the same accounts moved just before
    halves the log error of whichever is off when their errors differ in sign.
    """
    return math.sqrt((model + 1.0) * (naive + 1.0)) - 1.0


def _q(sorted_r: np.ndarray, level: float) -> float:
    """The split-conformal quantile: order statistic :math:`\\lceil level (n + 1) \rceil`."""
    n = sorted_r.size
    return float(sorted_r[min(n - 1, max(0, math.ceil(level * (n + 1)) - 1))])


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


#: Ways to turn the model's and the naive forecast into one raw value (:func:`raw_value`).
METHODS = ("model", "naive", "combined")
Point = tuple[str, int, float, float, float, float]


def raw_value(method: str, model: float, naive: float) -> float:
    """The raw forecast a method makes from the model's and the naive value."""
    if method == "naive":
        return naive
    if method == "combined":
        return combine(model, naive)
    return model


@dataclass(frozen=True)
class Calibration:
    r"""Predicted and measured values from plans made on splits inside the history.

    Each point is ``(objective, split, horizon days, model, naive, measured)``: the
    engagement model's value, the naive one (:func:`persistence`) and what was
    measured. :meth:`fit` keeps the raw forecast (``model``, ``naive`` or their
    geometric mean, ``combined``) whose corrected values erred least on splits it
    was not corrected on (leave one split out, mean absolute log error): which
    one is right differs between stores, and the store's own history says which.

    A forecast for a plan made with objective ``o`` at horizon :math:`H` uses the
    points of ``o`` (all points when ``o`` has fewer than six) whose horizon is
    within a factor of two of :math:`H`, or, when there are fewer than six of
    them, the six nearest in :math:`\log H` (and says it extrapolated).
    """

    points: tuple[Point, ...] = ()
    method: str = "model"
    #: mean absolute log error of each method, left-out split by left-out split
    errors: tuple[tuple[str, float], ...] = ()
    #: the chosen method's corrected forecasts of each left-out split against what was
    #: measured there: their spread sets the interval (it includes the drift between splits)
    held_out: tuple[Point, ...] = ()

    @classmethod
    def fit(cls, points: list[Point]) -> Calibration:
        pts = tuple(
            (str(o), int(s), float(h), float(p), float(q), float(m)) for o, s, h, p, q, m in points
        )
        splits = sorted({pt[1] for pt in pts})
        if len(splits) < 2:
            return cls(pts, "model")
        errors, held_out = [], {}
        for method in METHODS:
            res: list[Point] = []
            for s in splits:
                train = cls(tuple(pt for pt in pts if pt[1] != s), method)
                for o, _, h, p, q, m in (pt for pt in pts if pt[1] == s):
                    e = train.forecast(p, h, o, naive=q).expected
                    res.append((o, s, h, e, e, m))  # the corrected forecast against the measured
            held_out[method] = tuple(res)
            err = [abs(math.log((m + 1.0) / (e + 1.0))) for _, _, _, e, _, m in res]
            errors.append((method, float(np.mean(err))))
        best = min(errors, key=lambda e: e[1])[0]
        return cls(pts, best, tuple(errors), held_out[best])

    @property
    def n(self) -> int:
        return len(self.points)

    def _ratios(
        self, horizon: float, objective: str | None, *, held_out: bool = False
    ) -> tuple[np.ndarray, bool]:
        source = self.held_out if held_out else self.points
        method = "model" if held_out else self.method
        pts = [pt for pt in source if pt[0] == objective]
        if len(pts) < 6:
            pts = list(source)
        h = np.array([pt[2] for pt in pts])
        r = np.array(
            [math.log((m + 1.0) / (raw_value(method, p, q) + 1.0)) for _, _, _, p, q, m in pts]
        )
        dist = np.abs(np.log(h / horizon))
        near = dist <= math.log(2.0)
        if near.sum() >= 6:
            return np.sort(r[near]), False
        take = np.argsort(dist, kind="stable")[:6]
        return np.sort(r[take]), bool(dist[take].max() > math.log(2.0))

    def forecast(
        self,
        predicted: float,
        horizon_days: float,
        objective: str | None = None,
        *,
        naive: float | None = None,
    ) -> Forecast:
        """The corrected forecast from the model's value ``predicted`` (and the ``naive`` one)."""
        raw = raw_value(self.method, predicted, predicted if naive is None else naive)
        if self.n == 0:
            return Forecast(raw, 0.0, math.inf, 0)
        r, extrapolated = self._ratios(horizon_days, objective)
        expected = (raw + 1.0) * math.exp(float(np.median(r)))
        low, high = (raw + 1.0) * math.exp(_q(r, 0.1)), (raw + 1.0) * math.exp(_q(r, 0.9))
        n = r.size
        if self.held_out:  # also the error of corrections fitted on other splits (the drift)
            r, _ = self._ratios(horizon_days, objective, held_out=True)
            low = min(low, expected * math.exp(_q(r, 0.1)))
            high = max(high, expected * math.exp(_q(r, 0.9)))
        return Forecast(
            expected=max(0.0, expected - 1.0),
            low=max(0.0, min(low, expected) - 1.0),
            high=max(0.0, max(high, expected) - 1.0),
            calibrated_on=n,
            extrapolated=extrapolated,
        )

    def as_dict(self) -> dict[str, Any]:
        hs = [pt[2] for pt in self.points]
        return {
            "points": self.n,
            "horizon_days": [round(min(hs), 1), round(max(hs), 1)] if hs else None,
            "method": self.method,
            "left_out_log_error": {m: round(e, 3) for m, e in self.errors},
        }
