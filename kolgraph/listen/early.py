r"""Early forecast of a topic's final size: SEISMIC, and a calibrated regression on it.

A topic (or any cascade) is a sequence of adoption times :math:`0 = t_0 \le t_1 \le
\dots` measured from its origin, each adopter with a follower (or degree) count
:math:`n_i`. Seen until :math:`t` (its age), it has :math:`N_t` adoptions; the forecast
is of its final size :math:`N_\infty`, with an 80% interval.

:func:`seismic_forecast` is SEISMIC (Zhao et al. 2015): every adoption exposes the
adopter's followers, who react after a delay drawn from a human-reaction *memory
kernel* :math:`\phi` and each reshare with probability :math:`p_t` (the
infectiousness). It needs no training. :class:`SizeForecaster` learns, per horizon,
a ridge regression of the log growth still to come,
:math:`\log\frac{N_\infty + 1}{N_t + 1}`, on early features (SEISMIC's own forecast
among them) from cascades that have finished, and turns it into an expected value
and an 80% interval with split-conformal quantiles of the log ratio, the way
:mod:`kolgraph.plan.forecast` corrects the planner's forecasts.

References
----------
.. [1] Q. Zhao, M. A. Erdogdu, H. Y. He, A. Rajaraman, J. Leskovec, "SEISMIC: A
   Self-Exciting Point Process Model for Predicting Tweet Popularity", KDD 2015.
.. [2] J. Lei, M. G'Sell, A. Rinaldo, R. J. Tibshirani, L. Wasserman, "Distribution-free
   predictive inference for regression", JASA 113 (2018) (split conformal).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from kolgraph.errors import InputError

__all__ = [
    "FEATURES",
    "PAPER_KERNEL",
    "PRIOR_GROWTH",
    "PRIOR_SPREAD",
    "EarlyCascade",
    "MemoryKernel",
    "SizeForecast",
    "SizeForecaster",
    "check_cascade",
    "early_features",
    "infectiousness",
    "seismic_forecast",
]

HOUR = 3600.0

#: The prior's expected growth when SEISMIC has no finite forecast: a topic seen early
#: doubles (on the Higgs retweet cascades, 1 h in, the median final/current is 1.4 and
#: the 90th percentile 4.2).
PRIOR_GROWTH = 2.0
#: The prior's interval runs from the current size to this many times the expected value.
PRIOR_SPREAD = 10.0


@dataclass(frozen=True)
class MemoryKernel:
    r"""SEISMIC's memory kernel: how long after exposure people react.

    .. math::

        \phi(s) = \begin{cases} c & 0 \le s \le s_0 \\
        c\,(s / s_0)^{-(1 + \theta)} & s > s_0 \end{cases}
        \qquad c = \frac{\theta}{s_0 (1 + \theta)}

    constant for the first :math:`s_0` seconds, then a power-law decay. :math:`c` is
    the constant that makes :math:`\int_0^\infty \phi = 1`; the paper's
    :math:`\theta = 0.242` and :math:`s_0 = 300` s give :math:`c = 6.50 \times 10^{-4}`
    (its reference implementation's :math:`\theta = 0.2315` gives its
    :math:`c = 6.27 \times 10^{-4}`, the same normalisation).
    """

    theta: float = 0.242
    s0: float = 300.0

    def __post_init__(self) -> None:
        if not (0.0 < self.theta < 1.0) or not self.s0 > 0.0:
            raise InputError(
                f"memory kernel theta={self.theta}, s0={self.s0} is out of range",
                hint="use 0 < theta < 1 and s0 > 0 seconds (the paper: 0.242 and 300)",
            )

    @property
    def c(self) -> float:
        return self.theta / (self.s0 * (1.0 + self.theta))

    def density(self, s: npt.ArrayLike) -> np.ndarray:
        r""":math:`\phi(s)` (0 for :math:`s < 0`)."""
        x = np.asarray(s, dtype=float)
        tail = self.c * (np.maximum(x, self.s0) / self.s0) ** (-(1.0 + self.theta))
        return np.asarray(np.where(x < 0, 0.0, np.where(x <= self.s0, self.c, tail)), dtype=float)

    def mass(self, s: npt.ArrayLike) -> np.ndarray:
        r""":math:`\Phi(s) = \int_0^s \phi`: the share of reactions within :math:`s` seconds.

        .. math:: \Phi(s) = c s \ (s \le s_0), \qquad
            \Phi(s) = c s_0 + \frac{c s_0}{\theta}\left(1 - (s / s_0)^{-\theta}\right)
            \ (s > s_0)
        """
        x = np.maximum(np.asarray(s, dtype=float), 0.0)
        c, s0, th = self.c, self.s0, self.theta
        tail = c * s0 + c * s0 / th * (1.0 - (np.maximum(x, s0) / s0) ** (-th))
        return np.asarray(np.where(x <= s0, c * x, tail), dtype=float)

    def windowed_mass(self, age: npt.ArrayLike, window: float) -> np.ndarray:
        r"""The kernel mass of a share of age :math:`x` seen through a triangular window.

        .. math:: \int_{\max(0, x - w)}^{x} \left(1 - \frac{x - v}{w}\right) \phi(v)\, dv

        (closed form: :math:`a + b v` times :math:`\phi`, with :math:`a = 1 - x / w`,
        :math:`b = 1 / w`, integrated piece by piece). With :math:`w \to \infty` it
        tends to :meth:`mass`.
        """
        x = np.maximum(np.asarray(age, dtype=float), 0.0)
        a, b = 1.0 - x / window, 1.0 / window
        lo = np.maximum(0.0, x - window)
        return np.asarray(
            self._weighted_primitive(x, a, b) - self._weighted_primitive(lo, a, b), dtype=float
        )

    def _weighted_primitive(self, v: np.ndarray, a: np.ndarray, b: float) -> np.ndarray:
        r""":math:`\int_0^v (a + b u)\,\phi(u)\,du` for each element."""
        c, s0, th = self.c, self.s0, self.theta
        head = c * (a * np.minimum(v, s0) + b * np.minimum(v, s0) ** 2 / 2.0)
        vv = np.maximum(v, s0)
        tail = (
            c
            * s0 ** (1.0 + th)
            * (
                a * (s0 ** (-th) - vv ** (-th)) / th
                + b * (vv ** (1.0 - th) - s0 ** (1.0 - th)) / (1.0 - th)
            )
        )
        return np.asarray(head + np.where(v > s0, tail, 0.0), dtype=float)


#: The kernel the SEISMIC paper fitted on Twitter reaction times.
PAPER_KERNEL = MemoryKernel()


@dataclass(frozen=True)
class EarlyCascade:
    """A finished cascade to learn from: adoption ``times`` (seconds from its start,
    sorted), the adopters' ``followers`` (NaN when unknown), its ``start`` (unix
    seconds) and its ``final_size`` (adoptions, at least ``len(times)``)."""

    times: np.ndarray
    followers: np.ndarray
    start: float
    final_size: int


def check_cascade(
    times: npt.ArrayLike, followers: npt.ArrayLike, *, where: str = "cascade"
) -> tuple[np.ndarray, np.ndarray]:
    """``times`` and ``followers`` as float arrays, checked: one dimension, the same
    length, times finite, non-negative and sorted, followers non-negative or NaN.

    Raises
    ------
    InputError
        Naming the first problem and how to fix it.
    """
    t = np.asarray(times, dtype=float)
    f = np.asarray(followers, dtype=float)
    if t.ndim != 1 or f.ndim != 1:
        raise InputError(
            f"{where}: times and followers must be 1-D, got shapes {t.shape} and {f.shape}",
            hint="pass one time and one follower count per adoption",
        )
    if t.size != f.size:
        raise InputError(
            f"{where}: {t.size} times but {f.size} follower counts",
            hint="pass one follower count per adoption (NaN when unknown)",
        )
    if not np.all(np.isfinite(t)) or (t.size and t.min() < 0):
        raise InputError(
            f"{where}: times must be finite and non-negative (seconds from the origin)",
            hint="subtract the origin's unix time from every adoption time",
        )
    if np.any(np.diff(t) < 0):
        raise InputError(f"{where}: times are not sorted", hint="sort adoptions by time")
    if np.any(f < 0) or np.any(np.isinf(f)):
        raise InputError(
            f"{where}: follower counts must be non-negative (NaN when unknown)",
            hint="replace missing or invalid counts with NaN",
        )
    return t, f


def _filled(followers: np.ndarray, fill: float) -> np.ndarray:
    """Unknown (NaN) follower counts set to the mean of the known ones, or ``fill``."""
    known = followers[~np.isnan(followers)]
    value = float(known.mean()) if known.size else fill
    return np.where(np.isnan(followers), value, followers)


def _window(t: np.ndarray, t_obs: float, min_window: float, max_window: float, k: int) -> float:
    """The span holding the ``k`` most recent reshares, kept within the bounds."""
    span = t_obs - t[-k - 1] if t.size > k else max_window
    return float(min(max_window, max(min_window, span)))


def infectiousness(
    times: npt.ArrayLike,
    followers: npt.ArrayLike,
    *,
    t_obs: float,
    kernel: MemoryKernel = PAPER_KERNEL,
    window: str = "adaptive",
    min_window: float = 300.0,
    max_window: float = 7200.0,
    min_count: int = 5,
) -> float:
    r"""SEISMIC's estimate :math:`\hat p_t` of the reshare probability per exposure.

    With ``window="all"`` it is the reshares over the expected reactions so far:

    .. math:: \hat p_t = \frac{R_t}{\sum_{i: t_i \le t} n_i\, \Phi(t - t_i)}

    (:math:`R_t = N_t - 1` reshares; the origin :math:`t_0` exposes but is not one).
    With ``window="adaptive"`` (the paper's kernel-weighted estimate) both counts are
    taken through a triangular window :math:`K_w(x) = (1 - x/w)_+` that looks back
    :math:`w` seconds, so that :math:`\hat p_t` follows a topic whose appeal fades:

    .. math:: \hat p_t = \frac{\sum_{i \ge 1} K_w(t - t_i)}
        {\sum_i n_i \int_{t_i}^{t} K_w(t - u)\, \phi(u - t_i)\, du}

    and :math:`w` spans the ``min_count`` most recent reshares, kept within
    ``[min_window, max_window]`` seconds. Only times up to ``t_obs`` are used;
    unknown follower counts (NaN) take the mean of the known ones (1 when none is).

    Returns
    -------
    float
        0.0 without reshares; ``inf`` when the reshares had no exposure to explain them.
    """
    t, f = check_cascade(times, followers, where="infectiousness")
    seen = t <= t_obs
    t, n = t[seen], _filled(f[seen], 1.0)
    if t.size < 2:
        return 0.0
    if window == "all":
        shares, exposure = float(t.size - 1), float(np.sum(n * kernel.mass(t_obs - t)))
    elif window == "adaptive":
        w = _window(t, t_obs, min_window, max_window, min_count)
        shares = float(np.sum(np.maximum(0.0, 1.0 - (t_obs - t[1:]) / w)))
        exposure = float(np.sum(n * kernel.windowed_mass(t_obs - t, w)))
    else:
        raise InputError(f"unknown window {window!r}", hint="use 'adaptive' or 'all'")
    if shares == 0.0:
        return 0.0
    return shares / exposure if exposure > 0.0 else math.inf


def seismic_forecast(
    times: npt.ArrayLike,
    followers: npt.ArrayLike,
    *,
    t_obs: float,
    kernel: MemoryKernel = PAPER_KERNEL,
    alpha: float = 1.0,
    gamma: float = 100.0,
    window: str = "adaptive",
) -> float:
    r"""SEISMIC's forecast of the final size of a cascade seen until ``t_obs``.

    .. math::

        \hat N_\infty = N_t + \alpha\, \frac{\hat p_t \sum_{i: t_i \le t} n_i
        \left(1 - \Phi(t - t_i)\right)}{1 - \gamma\, \hat p_t}

    :math:`\hat p_t` is :func:`infectiousness`; the sum is the reactions still to come
    from the followers already exposed (their remaining kernel mass), each reshare
    among them exposing :math:`\gamma` more on average, so that the generations add
    up geometrically. With :math:`\alpha = 1` and :math:`\gamma = n^*` (the mean
    follower count of a resharer; the paper's Twitter data had :math:`n^* \approx 100`)
    this is the uncorrected model; :math:`\alpha` and :math:`\gamma` are the paper's
    correction factors. Times are seconds from the origin :math:`t_0 = 0`; unknown
    follower counts (NaN) take the mean of the known ones, or :math:`\gamma`.

    Returns
    -------
    float
        The forecast; ``inf`` when :math:`\gamma \hat p_t \ge 1` (supercritical: the
        cascade is still exploding and the model sees no end); 0.0 before the origin.

    Raises
    ------
    InputError
        Bad times or follower counts (negative, unsorted, of different lengths).

    Examples
    --------
    >>> f = seismic_forecast([0.0, 60.0], [100.0, 50.0], t_obs=600.0, gamma=10.0, window="all")
    >>> round(f, 2)
    4.78
    """
    t, f = check_cascade(times, followers, where="seismic_forecast")
    if t_obs < 0:
        raise InputError(f"t_obs={t_obs} is negative", hint="pass the cascade's age in seconds")
    seen = t <= t_obs
    t, n = t[seen], _filled(f[seen], gamma)
    if t.size == 0:
        return 0.0
    p = infectiousness(t, n, t_obs=t_obs, kernel=kernel, window=window)
    if gamma * p >= 1.0:
        return math.inf
    remaining = float(np.sum(n * (1.0 - kernel.mass(t_obs - t))))
    return float(t.size + alpha * p * remaining / (1.0 - gamma * p))


#: The early features :func:`early_features` returns, in order.
FEATURES = (
    "log_size",
    "log_growth_half",
    "log_recent",
    "log_seismic",
    "seismic_finite",
    "branching",
    "log_followers",
    "log_first_reshare",
    "log_idle",
)


def early_features(
    times: np.ndarray,
    followers: np.ndarray,
    *,
    t_obs: float,
    gamma: float,
    kernel: MemoryKernel = PAPER_KERNEL,
) -> np.ndarray:
    r"""The :data:`FEATURES` of a (checked) cascade seen until ``t_obs``.

    :math:`\log(1 + N_t)`; the growth over the second half of the window,
    :math:`\log\frac{1 + N_t}{1 + N_{t/2}}`; the adoptions in its last fifth,
    :math:`\log(1 + N_t - N_{0.8t})`; :math:`\log(1 + \hat N_\infty)` of
    :func:`seismic_forecast` when finite (else :math:`\log(1 + N_t)`) and whether it
    was; the branching estimate :math:`\min(2, \gamma \hat p_t)`; the followers
    reached, :math:`\log(1 + \sum n_i)`; :math:`\log(1 + t_1)` (the first reshare, or
    :math:`t` without one); and :math:`\log(1 + t - t_{last})`, the time since the
    last adoption.
    """
    t = times[times <= t_obs]
    n = _filled(followers[: t.size], gamma)
    size = float(t.size)
    half = float(np.sum(t <= t_obs / 2.0))
    recent = float(np.sum(t > 0.8 * t_obs))
    seis = seismic_forecast(t, n, t_obs=t_obs, kernel=kernel, gamma=gamma)
    p = infectiousness(t, n, t_obs=t_obs, kernel=kernel) if t.size else 0.0
    finite = math.isfinite(seis)
    return np.array(
        [
            math.log1p(size),
            math.log1p(size) - math.log1p(half),
            math.log1p(recent),
            math.log1p(seis) if finite else math.log1p(size),
            1.0 if finite else 0.0,
            min(2.0, gamma * p),
            math.log1p(float(n.sum())),
            math.log1p(float(t[1]) if t.size > 1 else t_obs),
            math.log1p(t_obs - float(t[-1]) if t.size else t_obs),
        ]
    )


@dataclass(frozen=True)
class SizeForecast:
    """An expected final size with an 80% interval, and what it rests on."""

    expected: float
    low: float
    high: float
    method: str
    horizon_hours: float | None
    current: int
    calibrated_on: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "expected": round(self.expected, 1),
            "low": round(self.low, 1),
            "high": round(self.high, 1),
            "interval": 0.8,
            "method": self.method,
            "horizon_hours": self.horizon_hours,
            "current": self.current,
            "calibrated_on": self.calibrated_on,
        }


def _q(sorted_r: np.ndarray, level: float) -> float:
    r"""The split-conformal quantile: order statistic :math:`\lceil level (n + 1) \rceil`."""
    n = sorted_r.size
    return float(sorted_r[min(n - 1, max(0, math.ceil(level * (n + 1)) - 1))])


@dataclass(frozen=True)
class _HorizonModel:
    """A ridge regression of the log growth to come at one horizon, and the sorted
    log ratios of its later, held-out training cascades (the conformal scores)."""

    horizon_hours: float
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    scores: tuple[float, ...]
    n_fit: int

    def raw(self, x: np.ndarray) -> float:
        z = (x - np.array(self.mean)) / np.array(self.scale)
        return float(self.intercept + z @ np.array(self.coef))


def _ridge(x: np.ndarray, y: np.ndarray, penalty: float) -> tuple[np.ndarray, ...]:
    r"""Standardised ridge: :math:`\beta = (Z^\top Z + \lambda I)^{-1} Z^\top (y - \bar y)`."""
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    z = (x - mean) / scale
    coef = np.linalg.solve(z.T @ z + penalty * np.eye(z.shape[1]), z.T @ (y - y.mean()))
    return mean, scale, coef, np.array([y.mean()])


class SizeForecaster:
    r"""Final-size forecasts with an 80% interval, learned from finished cascades.

    For each horizon :math:`H` (hours) a ridge regression on the standardised
    :data:`FEATURES` at :math:`t = H` predicts the log growth to come,
    :math:`\hat r = \widehat{\log\frac{N_\infty + 1}{N_t + 1}}`. It is fitted on the
    earlier cascades of the training set (by start), and the log ratios
    :math:`r_i = \log\frac{N_{\infty,i} + 1}{(N_{t,i} + 1) e^{\hat r_i}}` of the later
    ``calibration_share`` of them, which it did not see, are its conformal scores:

    .. math::

        \text{expected} = (N_t + 1)\, e^{\hat r + \tilde r} - 1, \quad
        \text{low} = (N_t + 1)\, e^{\hat r + r_{(\lceil 0.1(n+1) \rceil)}} - 1, \quad
        \text{high} = (N_t + 1)\, e^{\hat r + r_{(\lceil 0.9(n+1) \rceil)}} - 1

    with :math:`\tilde r` the median and :math:`r_{(j)}` the order statistics (split
    conformal quantiles); the scores come from the most recent training cascades, so
    the interval also holds the drift from older to newer ones. A final size is never
    below the current one, so all three are at least :math:`N_t`. :meth:`predict` uses
    the model of the horizon nearest the cascade's age (in :math:`\log` time).

    Without training data, :meth:`prior` forecasts from SEISMIC alone (or
    :data:`PRIOR_GROWTH` times the current size) with a very wide interval, and says
    so (``method="prior"``).

    Parameters
    ----------
    kernel
        SEISMIC's memory kernel.
    gamma
        SEISMIC's :math:`n^*` (:func:`seismic_forecast`); ``None``: the mean follower
        count of the training cascades' adopters (100, the paper's, for the prior).
    calibration_share
        The share of the training cascades (the latest by start) kept back for the
        conformal scores.
    penalty
        The ridge penalty :math:`\lambda` on standardised features.
    min_cascades
        The fewest cascades a horizon's model is fitted on (with its scores).
    """

    def __init__(
        self,
        *,
        kernel: MemoryKernel = PAPER_KERNEL,
        gamma: float | None = None,
        calibration_share: float = 0.3,
        penalty: float = 1.0,
        min_cascades: int = 20,
    ) -> None:
        if not 0.05 <= calibration_share <= 0.95:
            raise InputError(
                f"calibration_share={calibration_share} is out of range",
                hint="keep between 5% and 95% of the training cascades for calibration",
            )
        self.kernel = kernel
        self.gamma = gamma
        self.calibration_share = calibration_share
        self.penalty = penalty
        self.min_cascades = min_cascades
        self.models: tuple[_HorizonModel, ...] = ()

    @classmethod
    def prior(cls, *, kernel: MemoryKernel = PAPER_KERNEL, gamma: float = 100.0) -> SizeForecaster:
        """A forecaster for when no cascade has finished yet: SEISMIC alone, marked
        ``method="prior"``, with a very wide interval (see :meth:`predict`)."""
        return cls(kernel=kernel, gamma=gamma)

    @property
    def n_star(self) -> float:
        return 100.0 if self.gamma is None else self.gamma

    @property
    def horizons_hours(self) -> tuple[float, ...]:
        return tuple(m.horizon_hours for m in self.models)

    def fit(
        self, cascades: Sequence[EarlyCascade], *, horizons_hours: Sequence[float] = (1, 2, 6)
    ) -> SizeForecaster:
        """Fit one model per horizon on finished ``cascades`` (the past only) and return self.

        A horizon is fitted on the cascades that had started (one adoption) by then;
        horizons with fewer than ``min_cascades`` of them are left out.

        Raises
        ------
        InputError
            A bad cascade, a bad horizon, or too few cascades for every horizon.
        """
        if not horizons_hours or any(not h > 0 for h in horizons_hours):
            raise InputError(
                f"horizons {tuple(horizons_hours)} must be positive hours",
                hint="pass e.g. horizons_hours=(1, 2, 6)",
            )
        ordered = sorted(cascades, key=lambda c: c.start)
        checked = []
        for i, c in enumerate(ordered):
            t, f = check_cascade(c.times, c.followers, where=f"cascade {i} (by start)")
            if c.final_size < t.size:
                raise InputError(
                    f"cascade {i} (by start): final_size {c.final_size} < its {t.size} adoptions",
                    hint="final_size counts every adoption, including the ones listed",
                )
            checked.append((t, f, float(c.final_size)))
        if self.gamma is None:
            known = np.concatenate([f[~np.isnan(f)] for _, f, _ in checked] or [np.zeros(0)])
            self.gamma = float(known.mean()) if known.size else 100.0
        models = []
        for h in sorted(set(float(h) for h in horizons_hours)):
            model = self._fit_horizon(checked, h)
            if model is not None:
                models.append(model)
        if not models:
            raise InputError(
                f"too few cascades to fit ({len(checked)}; need {self.min_cascades} "
                "started by a horizon)",
                hint="use SizeForecaster.prior() until more topics have finished",
            )
        self.models = tuple(models)
        return self

    def _fit_horizon(
        self, cascades: list[tuple[np.ndarray, np.ndarray, float]], h: float
    ) -> _HorizonModel | None:
        rows, sizes, finals = [], [], []
        for t, f, final in cascades:
            size = int(np.sum(t <= h * HOUR))
            if size == 0:
                continue
            rows.append(early_features(t, f, t_obs=h * HOUR, gamma=self.n_star, kernel=self.kernel))
            sizes.append(size)
            finals.append(final)
        if len(rows) < self.min_cascades:
            return None
        x = np.array(rows)
        y = np.log((np.array(finals) + 1.0) / (np.array(sizes) + 1.0))
        n_cal = max(5, round(self.calibration_share * len(rows)))
        n_fit = len(rows) - n_cal
        mean, scale, coef, icpt = _ridge(x[:n_fit], y[:n_fit], self.penalty)
        model = _HorizonModel(
            h,
            tuple(map(float, mean)),
            tuple(map(float, scale)),
            tuple(map(float, coef)),
            float(icpt[0]),
            (),
            n_fit,
        )
        scores = np.sort(y[n_fit:] - np.array([model.raw(xi) for xi in x[n_fit:]]))
        return replace(model, scores=tuple(map(float, scores)))

    def _nearest(self, age_seconds: float) -> _HorizonModel:
        hours = max(age_seconds, 1.0) / HOUR
        return min(self.models, key=lambda m: abs(math.log(m.horizon_hours / hours)))

    def predict(
        self, times: npt.ArrayLike, followers: npt.ArrayLike, *, age_seconds: float
    ) -> SizeForecast:
        """The forecast of a cascade's final size, seen ``age_seconds`` after its origin.

        ``times`` are seconds from the origin (sorted), ``followers`` the adopters'
        counts (NaN when unknown); adoptions after ``age_seconds`` are ignored. The
        prior (no model fitted) takes SEISMIC's forecast when finite (else
        :data:`PRIOR_GROWTH` times the current size) as expected value and the interval
        from the current size to :data:`PRIOR_SPREAD` times that.

        Raises
        ------
        InputError
            Bad times or followers, or a negative age.
        """
        t, f = check_cascade(times, followers, where="predict")
        if not math.isfinite(age_seconds) or age_seconds < 0:
            raise InputError(
                f"age_seconds={age_seconds} must be finite and non-negative",
                hint="pass the seconds since the topic's first event",
            )
        current = int(np.sum(t <= age_seconds))
        if not self.models:
            seis = seismic_forecast(t, f, t_obs=age_seconds, kernel=self.kernel, gamma=self.n_star)
            cap = max(current, 1) * PRIOR_SPREAD
            expected = min(seis, cap) if math.isfinite(seis) else current * PRIOR_GROWTH
            expected = max(expected, float(current))
            return SizeForecast(
                expected, float(current), max(expected, 1.0) * PRIOR_SPREAD, "prior", None, current
            )
        model = self._nearest(age_seconds)
        x = early_features(t, f, t_obs=age_seconds, gamma=self.n_star, kernel=self.kernel)
        base = (current + 1.0) * math.exp(model.raw(x))
        r = np.array(model.scores)
        expected = max(float(current), base * math.exp(float(np.median(r))) - 1.0)
        low = max(float(current), min(base * math.exp(_q(r, 0.1)) - 1.0, expected))
        high = max(expected, base * math.exp(_q(r, 0.9)) - 1.0)
        return SizeForecast(
            expected, low, high, "seismic+ridge", model.horizon_hours, current, r.size
        )

    def to_dict(self) -> dict[str, Any]:
        """The fitted forecaster as plain JSON values (:meth:`from_dict` reads it back)."""
        return {
            "kernel": {"theta": self.kernel.theta, "s0": self.kernel.s0},
            "gamma": self.gamma,
            "calibration_share": self.calibration_share,
            "penalty": self.penalty,
            "min_cascades": self.min_cascades,
            "features": list(FEATURES),
            "models": [
                {
                    "horizon_hours": m.horizon_hours,
                    "mean": list(m.mean),
                    "scale": list(m.scale),
                    "coef": list(m.coef),
                    "intercept": m.intercept,
                    "scores": list(m.scores),
                    "n_fit": m.n_fit,
                }
                for m in self.models
            ],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SizeForecaster:
        """A forecaster back from :meth:`to_dict`.

        Raises
        ------
        InputError
            The dictionary is not one :meth:`to_dict` wrote (or its features differ).
        """
        try:
            if list(data["features"]) != list(FEATURES):
                raise InputError(
                    "the saved forecaster uses other features than this version",
                    hint="fit the forecaster again",
                )
            out = cls(
                kernel=MemoryKernel(float(data["kernel"]["theta"]), float(data["kernel"]["s0"])),
                gamma=None if data["gamma"] is None else float(data["gamma"]),
                calibration_share=float(data["calibration_share"]),
                penalty=float(data["penalty"]),
                min_cascades=int(data["min_cascades"]),
            )
            out.models = tuple(
                _HorizonModel(
                    float(m["horizon_hours"]),
                    tuple(float(v) for v in m["mean"]),
                    tuple(float(v) for v in m["scale"]),
                    tuple(float(v) for v in m["coef"]),
                    float(m["intercept"]),
                    tuple(float(v) for v in m["scores"]),
                    int(m["n_fit"]),
                )
                for m in data["models"]
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(
                f"not a saved size forecaster: {exc!r}",
                hint="pass what SizeForecaster.to_dict() returned",
            ) from exc
        return out
