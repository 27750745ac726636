"""Jaccard similarity and shared audience of pairs of accounts from their sketches."""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp
from scipy import stats

from kolgraph.arrays import F64, I64
from kolgraph.rank.sketch.hashing import HASH_SPACE
from kolgraph.rank.sketch.sketches import AudienceSketches, Estimate, check_confidence, z_value

__all__ = ["estimate_jaccard", "estimate_overlap", "estimate_overlaps"]


def _pairs(
    sk: AudienceSketches, rows: I64, ia: I64, ib: I64, x: I64, confidence: float
) -> dict[str, npt.NDArray[np.float64] | npt.NDArray[np.bool_] | I64]:
    """Jaccard, shared audience and overlap coefficient of pairs of sketch rows.

    ``rows`` are the sketch rows involved; ``ia``, ``ib`` index into ``rows``;
    ``x`` is the number of hashes the two sketches share.
    """
    alpha = 1.0 - confidence
    z = z_value(confidence)
    h, member = sk.gather(rows)
    key = (member.astype(np.uint64) << np.uint64(33)) | h.astype(np.uint64)
    lptr = np.zeros(rows.size + 1, dtype=np.int64)
    np.cumsum(sk.indptr[rows + 1] - sk.indptr[rows], out=lptr[1:])
    tau = sk.tau(rows)
    theta = np.minimum(tau[ia], tau[ib])
    exact_sk = theta == HASH_SPACE

    def below(r: I64) -> I64:
        q = (r.astype(np.uint64) << np.uint64(33)) | theta.astype(np.uint64)
        return np.searchsorted(key, q, side="left").astype(np.int64) - lptr[r]

    def holds(r: I64) -> npt.NDArray[np.bool_]:
        q = (r.astype(np.uint64) << np.uint64(33)) | theta.astype(np.uint64)
        pos = np.minimum(np.searchsorted(key, q, side="left"), max(key.size - 1, 0))
        return (~exact_sk) & (key[pos] == q) if key.size else np.zeros(r.shape, dtype=bool)

    xs = x - (holds(ia) & holds(ib)).astype(np.int64)  # the member at theta is not sampled
    n = below(ia) + below(ib) - xs
    nf = np.maximum(n, 1).astype(np.float64)
    jac = xs / nf
    with np.errstate(invalid="ignore", divide="ignore"):
        j_lo = np.where(xs > 0, stats.beta.ppf(alpha / 2, xs, n - xs + 1), 0.0)
        j_hi = np.where(xs < n, stats.beta.ppf(1 - alpha / 2, xs + 1, n - xs), 1.0)
    j_lo = np.where(exact_sk, jac, j_lo)
    j_hi = np.where(exact_sk, jac, j_hi)
    sa = sk.sizes[rows][ia].astype(np.float64)
    sb = sk.sizes[rows][ib].astype(np.float64)
    tot = sa + sb
    small = np.minimum(sa, sb)

    def shared_of(j: F64) -> F64:
        return np.minimum(j * tot / (1 + j), small)

    shared = np.where(exact_sk, xs.astype(np.float64), shared_of(jac))
    s_lo = np.where(exact_sk, shared, shared_of(j_lo))
    s_hi = np.where(exact_sk, shared, shared_of(j_hi))
    pa = sk.coverage[rows][ia]
    pb = sk.coverage[rows][ib]
    q = pa * pb
    exact = exact_sk & (q == 1)
    if not (q == 1).all():
        thin = z * np.sqrt(np.maximum(shared, 0.0) * (1 - q)) / q
        true = shared / q
        s_lo = np.maximum(true - np.hypot(true - s_lo / q, thin), np.where(exact_sk, shared, 0.0))
        s_hi = true + np.hypot(s_hi / q - true, thin)
        sa, sb = sa / pa, sb / pb
        small = np.minimum(sa, sb)
        shared = np.minimum(true, small)
        s_lo = np.minimum(s_lo, small)
        s_hi = np.minimum(s_hi, small)
        tot = sa + sb

        def jac_of(s: F64) -> F64:
            return s / np.maximum(tot - s, 1e-300)

        jac, j_lo, j_hi = jac_of(shared), jac_of(s_lo), jac_of(s_hi)
    return {
        "shared": shared,
        "shared_low": s_lo,
        "shared_high": s_hi,
        "jaccard": jac,
        "jaccard_low": j_lo,
        "jaccard_high": j_hi,
        "overlap": shared / small,
        "exact": exact,
        "sample_whole": exact_sk,
        "sample": n,
    }


def _one_pair(
    sk: AudienceSketches, a: int, b: int, confidence: float, value: Literal["jaccard", "shared"]
) -> Estimate:
    """The Jaccard or shared-audience estimate of one pair (exactly 0 when an audience is empty)."""
    conf = check_confidence(confidence)
    rows = sk.rows([a, b])
    if rows.size < 2:
        return Estimate.empty(conf)
    ha, _ = sk.gather(rows[:1])
    hb, _ = sk.gather(rows[1:])
    x = np.array([np.intersect1d(ha, hb, assume_unique=True).size], dtype=np.int64)
    one = np.zeros(1, dtype=np.int64)
    res = {name: float(v[0]) for name, v in _pairs(sk, rows, one, one + 1, x, conf).items()}
    return Estimate(
        res[value],
        res[f"{value}_low"],
        res[f"{value}_high"],
        bool(res["exact"]),
        conf,
        int(res["sample"]),
        "whole" if res["sample_whole"] else "pair",
    )


def estimate_jaccard(sk: AudienceSketches, a: int, b: int, *, confidence: float = 0.95) -> Estimate:
    r"""Jaccard similarity :math:`|N_a \cap N_b| / |N_a \cup N_b|` of two audiences.

    Parameters
    ----------
    sk
        Sketches from :func:`build_sketches`.
    a, b
        Two different node indices.
    confidence
        Level of the interval, in ``(0, 1)``.

    Returns
    -------
    Estimate
        :math:`\hat J = x/n`: of the :math:`n` union members with hash below
        :math:`\min(\tau_a, \tau_b)`, :math:`x` are in both audiences; the
        interval is Clopper-Pearson's. Exact when both audiences have at most
        ``k`` members; 0 (exact) when either audience is empty.

    Raises
    ------
    InputError
        ``a == b``, bad indices, a node below ``min_audience`` or a bad
        confidence.

    Notes
    -----
    :math:`x` given :math:`n` is hypergeometric (a sample without replacement
    from the union), so the binomial interval is conservative; the standard
    error of :math:`\hat J` is about :math:`\sqrt{J(1-J)/n}` with
    :math:`n \ge k - 1`.
    """
    return _one_pair(sk, a, b, confidence, "jaccard")


def estimate_overlap(sk: AudienceSketches, a: int, b: int, *, confidence: float = 0.95) -> Estimate:
    r"""Shared audience :math:`|N_a \cap N_b|` of two accounts.

    Parameters
    ----------
    sk, a, b, confidence
        As :func:`estimate_jaccard`.

    Returns
    -------
    Estimate
        :math:`\hat J (|N_a| + |N_b|)/(1 + \hat J)` from :func:`estimate_jaccard`
        and the exact sizes, capped at :math:`\min(|N_a|, |N_b|)`; the interval
        is the image of the Jaccard interval.

    Raises
    ------
    InputError
        As :func:`estimate_jaccard`.
    """
    return _one_pair(sk, a, b, confidence, "shared")


def estimate_overlaps(
    sk: AudienceSketches, nodes: npt.ArrayLike, *, confidence: float = 0.95
) -> pd.DataFrame:
    r"""Estimated audience overlap among ``nodes``, every pair at once.

    The sketch counterpart of :func:`kolgraph.rank.overlap.audience_overlap`,
    for more accounts than exact products afford.

    Parameters
    ----------
    sk
        Sketches from :func:`build_sketches`.
    nodes
        Node indices to compare; nodes with an empty audience are left out.
    confidence
        Level of the Jaccard interval, in ``(0, 1)``.

    Returns
    -------
    pandas.DataFrame
        One row per pair ``a < b`` whose sample holds a shared member, with
        ``shared`` (estimated intersection), ``jaccard``, ``overlap`` (overlap
        coefficient), ``jaccard_low``, ``jaccard_high`` and ``exact``, sorted by
        ``jaccard`` descending then ``a``, ``b``. Same estimators as
        :func:`estimate_jaccard` and :func:`estimate_overlap`.

    Raises
    ------
    InputError
        Bad indices, a node below ``min_audience`` or a bad confidence.

    Notes
    -----
    With :math:`H` the 0/1 matrix of nodes × distinct stored hashes, the shared
    hashes of all pairs are :math:`H H^\top`; each pair's sample size is read
    from the sorted sketches by binary search.
    """
    conf = check_confidence(confidence)
    rows = np.sort(sk.rows(nodes))
    cols = ["a", "b", "shared", "jaccard", "overlap", "jaccard_low", "jaccard_high", "exact"]
    if rows.size < 2:
        return pd.DataFrame({c: [] for c in cols})
    h, member = sk.gather(rows)
    _, col = np.unique(h, return_inverse=True)
    inc = sp.csr_matrix(
        (np.ones(h.size, dtype=np.int32), (member, col.ravel())),
        shape=(rows.size, int(col.max()) + 1),
    )
    prod = sp.triu(inc @ inc.T, k=1).tocoo()
    ia = prod.row.astype(np.int64)
    ib = prod.col.astype(np.int64)
    res = _pairs(sk, rows, ia, ib, prod.data.astype(np.int64), conf)
    keep = res["jaccard"] > 0
    df = pd.DataFrame(
        {
            "a": sk.nodes[rows[ia]][keep],
            "b": sk.nodes[rows[ib]][keep],
            **{c: res[c][keep] for c in cols[2:]},
        }
    )
    return df.sort_values(["jaccard", "a", "b"], ascending=[False, True, True], ignore_index=True)
