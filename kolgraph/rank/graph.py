"""Turning store arrays into a weighted directed graph for ranking."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from kolgraph.errors import InputError
from kolgraph.store.base import GraphArrays

__all__ = [
    "WeightedEdges",
    "audience_rows",
    "combine_edges",
    "follower_matrix",
    "merge_pairs",
    "repost_decay",
]


@dataclass(frozen=True)
class WeightedEdges:
    """A weighted directed edge list over ``n`` nodes, one row per distinct pair."""

    n: int
    src: npt.NDArray[np.int32]
    dst: npt.NDArray[np.int32]
    weight: npt.NDArray[np.float64]

    @property
    def m(self) -> int:
        return int(self.src.shape[0])

    def check(self) -> WeightedEdges:
        """Validate the arrays (same lengths, ids in range, finite positive weights)."""
        if not (self.src.shape == self.dst.shape == self.weight.shape):
            raise InputError("edge arrays have different lengths")
        if self.m and (
            self.src.min() < 0
            or self.dst.min() < 0
            or self.src.max() >= self.n
            or self.dst.max() >= self.n
        ):
            raise InputError(f"edge endpoints must lie in [0, {self.n})")
        if self.m and not (np.isfinite(self.weight).all() and (self.weight > 0).all()):
            raise InputError("edge weights must be finite and positive")
        return self


def repost_decay(
    ts: npt.NDArray[np.int64], *, half_life_days: float, now: int | None = None
) -> npt.NDArray[np.float64]:
    r"""Weight factor of each repost by its age: :math:`2^{-\mathrm{age} / h}`.

    ``age = now - ts`` in days (``now`` defaults to the newest repost; reposts
    from the future count as age 0) and ``h = half_life_days``: a repost one
    half-life old weighs half as much as a fresh one.
    """
    if not half_life_days > 0:
        raise InputError(f"half_life_days must be positive, got {half_life_days}")
    if ts.size == 0:
        return np.zeros(0)
    ref = int(ts.max()) if now is None else int(now)
    age_days = np.maximum(ref - ts.astype(np.int64), 0) / 86_400.0
    out: npt.NDArray[np.float64] = np.exp2(-age_days / half_life_days)
    return out


def combine_edges(
    arrays: GraphArrays,
    *,
    follow_weight: float = 1.0,
    repost_weight: float = 1.0,
    half_life_days: float | None = None,
    now: int | None = None,
) -> WeightedEdges:
    """Sum follow and repost edges into one weighted graph.

    Each follow edge ``u → v`` adds ``follow_weight``; each repost edge adds
    ``repost_weight × weight`` (a dump's aggregated count), times
    :func:`repost_decay` when ``half_life_days`` is given. Parallel edges
    merge by summing, so the result has one row per ``(u, v)`` pair.
    """
    n = arrays.n_nodes
    src = np.concatenate([arrays.follow_src, arrays.repost_src])
    dst = np.concatenate([arrays.follow_dst, arrays.repost_dst])
    rw = arrays.repost_weight.astype(np.float64) * repost_weight
    if half_life_days is not None:
        rw = rw * repost_decay(arrays.repost_ts, half_life_days=half_life_days, now=now)
    w = np.concatenate([np.full(arrays.n_follows, follow_weight, dtype=np.float64), rw])
    keep = w > 0
    if not keep.all():
        src, dst, w = src[keep], dst[keep], w[keep]
    if src.size == 0:
        empty = np.zeros(0, dtype=np.int32)
        return WeightedEdges(n, empty, empty, np.zeros(0))
    code = src.astype(np.int64)  # in place from here: 1M/10M edges are 100 MB per array
    code *= n
    code += dst if np.can_cast(dst.dtype, np.int64) else dst.astype(np.int64)
    del src, dst
    return merge_pairs(n, code, w).check()


def merge_pairs(
    n: int, code: npt.NDArray[np.int64], weight: npt.NDArray[np.float64]
) -> WeightedEdges:
    """Edges keyed ``code = u·n + v``, one per distinct code, weights summed.

    A stable sort keeps each pair's edges in input order, so each sum adds the
    weights in the same order as a ``bincount`` over the unsorted edges
    (identical to ``np.unique(..., return_inverse=True)`` bit for bit). Timsort
    is also fast on the store's edges, which arrive in long sorted runs.
    ``code`` must be non-empty; it is sorted in place.
    """
    order = np.argsort(code, kind="stable")
    code[:] = code[order]
    first = np.empty(code.size, dtype=bool)
    first[0] = True
    np.not_equal(code[1:], code[:-1], out=first[1:])
    uniq = code[first]
    group = np.cumsum(first, dtype=np.intp)
    del first
    group -= 1
    w = np.bincount(group, weights=weight[order], minlength=uniq.size).astype(
        np.float64, copy=False
    )
    del group, order
    src = (uniq // n).astype(np.int32)
    np.remainder(uniq, n, out=uniq)
    return WeightedEdges(n, src, uniq.astype(np.int32), w)


def follower_matrix(arrays: GraphArrays, *, include_reposts: bool = True) -> sp.csr_matrix:
    """Binary audience matrix ``A`` with ``A[v, u] = 1`` when ``u`` is in ``v``'s audience.

    The audience of ``v`` is everyone who follows ``v`` and, with
    ``include_reposts``, everyone who reposted, mentioned or replied to ``v``
    (engagers see the account's posts even when no follow edge was collected).
    """
    n = arrays.n_nodes
    rows = [arrays.follow_dst]
    cols = [arrays.follow_src]
    if include_reposts:
        rows.append(arrays.repost_dst)
        cols.append(arrays.repost_src)
    r = np.concatenate(rows)  # int32 ids: scipy keeps int32 indices (no int64 copies)
    c = np.concatenate(cols)
    keep = r != c  # nobody is in their own audience
    mat = sp.csr_matrix(
        (np.ones(int(keep.sum()), dtype=np.float32), (r[keep], c[keep])), shape=(n, n)
    )
    mat.sum_duplicates()
    mat.data[:] = 1.0
    return mat


def audience_rows(arrays: GraphArrays, nodes: npt.ArrayLike) -> sp.csr_matrix:
    """The rows of :func:`~kolgraph.rank.graph.follower_matrix` for ``nodes``, in that order.

    Row ``i`` is the audience of ``nodes[i]`` (followers and engagers, nobody in
    their own audience) over all ``arrays.n_nodes`` columns, as 0/1 ``float32``.
    Reads the edge arrays once without building the whole matrix (the planner's reach
    and the audience questions count from these rows).
    """
    idx = np.asarray(nodes, dtype=np.int64)
    row_of = np.full(arrays.n_nodes, -1, dtype=np.int64)
    row_of[idx] = np.arange(idx.size)
    rows, cols = [], []
    for src, dst in (
        (arrays.follow_src, arrays.follow_dst),
        (arrays.repost_src, arrays.repost_dst),
    ):
        r = row_of[dst]
        sel = r >= 0
        s, d = src[sel], dst[sel]
        keep = s != d
        rows.append(r[sel][keep])
        cols.append(s[keep].astype(np.int64))
    r_all, c_all = np.concatenate(rows), np.concatenate(cols)
    mat = sp.csr_matrix(
        (np.ones(r_all.size, dtype=np.float32), (r_all, c_all)),
        shape=(idx.size, arrays.n_nodes),
    )
    mat.sum_duplicates()
    mat.data[:] = 1.0
    return mat
