"""Unique reach of a set of accounts from their sketches (ratio and theta estimators)."""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import stats

from kolgraph.arrays import F64, I64
from kolgraph.errors import InputError
from kolgraph.rank.sketch.hashing import HASH_SPACE
from kolgraph.rank.sketch.sketches import AudienceSketches, Estimate, check_confidence, z_value

__all__ = ["estimate_union"]


def _weights(p: F64, member: I64, inverse: I64, n: int) -> F64:
    r""":math:`w(C) = 1 - \prod_{i \in C}(1 - 1/p_i)` per sampled member."""
    prod = np.ones(n, dtype=np.float64)
    np.multiply.at(prod, inverse, 1.0 - 1.0 / p[member])
    return 1.0 - prod


def _widen(value: float, low: float, high: float, extra_sd: float, z: float) -> tuple[float, float]:
    """Add an independent error of standard deviation ``extra_sd`` to an interval."""
    if extra_sd <= 0:
        return low, high
    e = z * extra_sd
    return value - math.hypot(value - low, e), value + math.hypot(high - value, e)


def estimate_union(
    sk: AudienceSketches,
    nodes: npt.ArrayLike,
    *,
    confidence: float = 0.95,
    method: Literal["auto", "ratio", "theta"] = "auto",
) -> Estimate:
    r"""Unique reach: the number of distinct audience members of ``nodes`` together.

    Parameters
    ----------
    sk
        Sketches from :func:`build_sketches` (optionally
        :func:`adjust_for_coverage`).
    nodes
        Node indices of the set; each needs a sketch or an empty audience.
    confidence
        Level of the interval, in ``(0, 1)``.
    method
        ``"ratio"`` uses the exact audience sizes and the sampled
        multiplicities, :math:`\hat U = \sum_i |N_i| / \bar c`; ``"theta"`` is
        the plain theta/KMV estimate :math:`|S| \, 2^{32}/\theta`; ``"auto"``
        (default) reports whichever has the smaller estimated standard error.
        See the notes of :mod:`kolgraph.rank.sketch` for both and their intervals.

    Returns
    -------
    Estimate
        Exact when every audience of the set has at most ``k`` members (and
        coverage is 1); ``Estimate(0, 0, 0, exact=True)`` for an empty set.

    Raises
    ------
    InputError
        Bad confidence or method; node indices out of range, duplicated, or of
        a node below ``min_audience``.

    Notes
    -----
    Both estimators read the sample :math:`S` of union members with hash below
    :math:`\theta = \min_i \tau_i`; :math:`|S| \ge k - 1` once any audience of
    the set exceeds ``k``. With :math:`T = \sum_i |N_i|`, the ratio estimate has

    .. math::

        \hat U = \frac{T}{\bar c}, \qquad
        \widehat{\mathrm{Var}}(\hat U) = \frac{T^2}{\bar c^2}
        \frac{s^2_{1 - c/\bar c}}{|S|}\Bigl(1 - \frac{|S|}{\hat U}\Bigr),

    and the theta estimate :math:`\hat U = |S|\,2^{32}/\theta` (relative
    standard error :math:`\approx 1/\sqrt{|S|}`, at worst
    :math:`1/\sqrt{k-2}`) has the Garwood interval
    :math:`[\Gamma^{-1}_{|S|}(\alpha/2), \Gamma^{-1}_{|S|+1}(1-\alpha/2)] \cdot
    2^{32}/\theta`.

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> from kolgraph.rank.sketch.build import build_sketches
    >>> a = sp.csr_matrix(([1.0] * 5, ([0, 0, 1, 1, 1], [2, 3, 3, 4, 5])), shape=(6, 6))
    >>> est = estimate_union(build_sketches(a, k=4), [0, 1])
    >>> est.value, est.exact
    (4.0, True)
    """
    conf = check_confidence(confidence)
    if method not in ("auto", "ratio", "theta"):
        raise InputError(f"method must be 'auto', 'ratio' or 'theta', got {method!r}")
    rows = sk.rows(nodes)
    if rows.size == 0:
        return Estimate.empty(conf)
    z = z_value(conf)
    alpha = 1.0 - conf
    h, member = sk.gather(rows)
    theta = int(sk.tau(rows).min())
    below = h.astype(np.int64) < theta
    uniq, inverse, counts = np.unique(h[below], return_inverse=True, return_counts=True)
    n = int(uniq.size)
    sizes = sk.sizes[rows]
    total = float(sizes.sum())
    seen = float(max(np.unique(h).size, int(sizes.max())))  # proven lower bound
    p = sk.coverage[rows]
    full_crawl = bool((p == 1).all())
    w = (
        np.ones(n)
        if full_crawl
        else _weights(p, member[below], inverse.astype(np.int64).ravel(), n)
    )
    c = counts.astype(np.float64)

    if theta == HASH_SPACE:  # every audience stored whole: S is the crawled union
        if full_crawl:
            return Estimate(float(n), float(n), float(n), True, conf, n, "whole")
        value = float(w.sum())
        sd = math.sqrt(max(float((w * (w - 1)).sum()), 0.0))
        return Estimate(
            value, max(value - z * sd, float(n)), value + z * sd, False, conf, n, "whole"
        )

    wbar = float(w.mean())
    var_w = float(w.var(ddof=1)) if n > 1 else 0.0
    thin_sd = math.sqrt(max(float((w * (w - 1)).mean()), 0.0))  # per crawled member
    scale = HASH_SPACE / theta
    theta_crawled = n * scale
    cbar = float(c.mean())
    ratio_crawled = total / cbar
    r = wbar / cbar
    var_y = float((w - r * c).var(ddof=1)) if n > 1 else 0.0
    fpc = max(0.0, 1.0 - n / ratio_crawled)
    ratio_value = total * r
    ratio_half = max(
        z * math.sqrt(ratio_crawled**2 * var_y / n * fpc),
        abs(ratio_value) * math.log(2 / alpha) / n * fpc,
    )
    theta_sd = theta_crawled * math.sqrt(float((w * w).mean()) / n)
    if method == "auto":
        method = "ratio" if ratio_half <= z * theta_sd else "theta"
    if method == "theta":
        lo_n = float(stats.gamma.ppf(alpha / 2, n)) if n > 0 else 0.0
        hi_n = float(stats.gamma.ppf(1 - alpha / 2, n + 1))
        crawled, crawled_lo, crawled_hi = theta_crawled, lo_n * scale, hi_n * scale
        if full_crawl:
            crawled = min(max(crawled, seen), total)
            crawled_lo, crawled_hi = max(crawled_lo, seen), min(crawled_hi, total)
        value = crawled * wbar
        extra = math.hypot(thin_sd * math.sqrt(crawled), crawled * math.sqrt(var_w / n))
        low, high = _widen(value, crawled_lo * wbar, crawled_hi * wbar, extra, z)
    else:
        crawled, value = ratio_crawled, ratio_value
        low, high = _widen(
            value, value - ratio_half, value + ratio_half, thin_sd * math.sqrt(crawled), z
        )
    if full_crawl:
        value = min(max(value, seen), total)
        high = min(high, total)
    low = max(low, seen)
    high = max(high, low)
    value = min(max(value, low), high)
    pinned = full_crawl and low == high  # e.g. one account: its size is known exactly
    return Estimate(float(value), float(low), float(high), pinned, conf, n, method)
