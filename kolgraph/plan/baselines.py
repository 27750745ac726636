r"""Simple ways to pick accounts, for a plan to beat: all fit on past cascades only.

Each function returns up to ``k`` node indices, best first. "Audience" is the
follower set where the store has a follow graph; without one it is the set of
users seen adopting in cascades the account started (its observed audience).

References
----------
W. Chen, Y. Wang, S. Yang, "Efficient influence maximization in social networks",
KDD 2009 (degree discount).
"""

from __future__ import annotations

import heapq

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from kolgraph.plan.cascades import Cascades, sorted_unique, unique_pair_keys
from kolgraph.plan.objective import ReachObjective, greedy_select

__all__ = [
    "audience_matrix",
    "degree_discount",
    "past_spread_matrix",
    "random_accounts",
    "top_by",
]

IntArray = npt.NDArray[np.int64]


def past_spread_matrix(history: Cascades, *, early: int = 50) -> sp.csr_matrix:
    """Binary ``n × n``: 1 where ``u`` adopted after ``v``, ``v`` among the first ``early``."""
    n = history.n_nodes
    keys = unique_pair_keys(history, early=early)
    return sp.csr_matrix(
        (np.ones(keys.size, dtype=np.float64), (keys // n, keys % n)), shape=(n, n)
    )


def audience_matrix(
    history: Cascades, follows: tuple[IntArray, IntArray] | None
) -> tuple[sp.csr_matrix, str]:
    """Row ``v`` = ``v``'s audience, and which audience it is (``followers`` or ``observed``)."""
    n = history.n_nodes
    if follows is not None and follows[0].size:
        src, dst = (np.asarray(a, dtype=np.int64) for a in follows)
        keys = sorted_unique(dst * n + src)
        kind = "followers"
    else:
        author = np.repeat(history.user[history.offsets[:-1]], history.sizes)
        later = history.position > 0
        keys = sorted_unique(author[later] * n + history.user[later])
        kind = "observed"
    A = sp.csr_matrix((np.ones(keys.size), (keys // n, keys % n)), shape=(n, n))
    return A, kind


def top_by(score: npt.ArrayLike, k: int, candidates: IntArray | None = None) -> list[int]:
    """The ``k`` candidates with the highest score (ties: lower index first)."""
    s = np.asarray(score, dtype=np.float64)
    cand = np.arange(s.size) if candidates is None else np.asarray(candidates)
    order = cand[np.lexsort((cand, -s[cand]))]
    return [int(v) for v in order[:k] if s[v] > 0]


def random_accounts(candidates: IntArray, k: int, seed: int) -> list[int]:
    """``k`` candidates drawn uniformly without replacement."""
    rng = np.random.default_rng(seed)
    return [int(v) for v in rng.permutation(np.asarray(candidates))[:k]]


def degree_discount(audience: sp.csr_matrix, k: int, *, p: float = 0.01) -> list[int]:
    r"""DegreeDiscountIC (Chen, Wang, Yang 2009) on the graph ``v → audience of v``.

    Neighbours are taken undirected. With degree :math:`d_v` and :math:`t_v`
    chosen neighbours, the discounted degree is

    .. math:: dd_v = d_v - 2 t_v - (d_v - t_v)\, t_v\, p
    """
    und = (audience + audience.T).tocsr()
    und.data[:] = 1.0
    d = np.diff(und.indptr).astype(np.float64)
    t = np.zeros(d.size)
    dd = d.copy()
    chosen = np.zeros(d.size, dtype=bool)
    heap = [(-dd[v], v) for v in np.flatnonzero(d > 0).tolist()]
    heapq.heapify(heap)
    out: list[int] = []
    while heap and len(out) < k:
        neg, v = heapq.heappop(heap)
        if chosen[v] or -neg != dd[v]:
            continue
        chosen[v] = True
        out.append(int(v))
        for w in und.indices[und.indptr[v] : und.indptr[v + 1]].tolist():
            if chosen[w]:
                continue
            t[w] += 1
            dd[w] = d[w] - 2 * t[w] - (d[w] - t[w]) * t[w] * p
            heapq.heappush(heap, (-dd[w], w))
    return out


def greedy_coverage(sets: sp.csr_matrix, k: int, candidates: IntArray) -> list[int]:
    """Greedy maximum coverage of the rows of ``sets``."""
    return greedy_select(ReachObjective(sets), candidates, k=k).accounts
