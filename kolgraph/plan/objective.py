r"""What a plan maximises, and the greedy that maximises it.

Three objectives over a sparse matrix whose row :math:`v` is what account
:math:`v` brings:

* :class:`EngagementObjective`: expected distinct engaged users
  :math:`\sum_u 1 - \prod_{v \in S}(1 - p_{vu}) + \sum_{v \in S} \nu_v`
  (see :mod:`kolgraph.plan.engagement`);
* :class:`ReachObjective`: distinct audience :math:`|\bigcup_{v \in S} N_v|`;
* :class:`FrequencyObjective`: people reached at least :math:`F` times,
  :math:`|\{u : |\{v \in S : u \in N_v\}| \ge F\}|`.

The first two are monotone submodular; frequency is monotone but for
:math:`F \ge 2` not submodular, so lazy greedy is a heuristic there (each gain
is re-evaluated before an account is taken, never assumed).

:func:`greedy_select` is the lazy (CELF) greedy of Leskovec et al. (KDD 2007) with
optional costs; :func:`cost_aware_select` returns the better of ratio-greedy and
the single best affordable account, which keeps the
:math:`\frac{1}{2}(1 - 1/e)` guarantee under a budget (Khuller, Moss and Naor, 1999;
Leskovec et al., 2007).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from kolgraph.arrays import F64 as FloatArray
from kolgraph.arrays import I64 as IntArray

__all__ = [
    "BlendObjective",
    "EngagementInputs",
    "EngagementObjective",
    "FrequencyObjective",
    "Objective",
    "ReachObjective",
    "Selection",
    "cost_aware_select",
    "expected_engaged",
    "greedy_select",
]


class Objective(Protocol):
    """A set function evaluated incrementally: ``gain`` of a row, ``take`` a row."""

    def gain(self, v: int) -> float: ...
    def take(self, v: int) -> None: ...
    def value(self) -> float: ...


@dataclass(frozen=True)
class EngagementInputs:
    r"""What :class:`EngagementObjective` needs.

    ``P[v, u]``: probability that ``u`` engages after ``v`` (pairs with evidence);
    ``novel[v]``: expected people ``v`` moves beyond those pairs; ``pool``: how many
    people that new engagement is drawn from. The new people of several accounts
    overlap as draws from one pool, :math:`N (1 - e^{-\sum_{v \in S} \nu_v / N})`
    (``pool = inf``: no overlap, the plain sum).
    """

    P: sp.csr_matrix
    novel: FloatArray
    pool: float = float("inf")

    @classmethod
    def pairs_only(cls, P: sp.csr_matrix) -> EngagementInputs:
        return cls(P.tocsr(), np.zeros(P.shape[0]))


def _saturate(total: float, pool: float) -> float:
    return total if not np.isfinite(pool) else pool * -np.expm1(-total / pool) if pool > 0 else 0.0


class EngagementObjective:
    """Expected distinct engaged users (see :class:`EngagementInputs`)."""

    def __init__(self, inputs: EngagementInputs) -> None:
        self.P = inputs.P.tocsr()
        self.novel = np.asarray(inputs.novel, dtype=float)
        self.pool = float(inputs.pool)
        self.miss = np.ones(self.P.shape[1])
        self._novel_total = 0.0

    def _row(self, v: int) -> tuple[IntArray, FloatArray]:
        a, b = self.P.indptr[v], self.P.indptr[v + 1]
        return self.P.indices[a:b], self.P.data[a:b]

    def gain(self, v: int) -> float:
        cols, p = self._row(v)
        before = _saturate(self._novel_total, self.pool)
        after = _saturate(self._novel_total + float(self.novel[v]), self.pool)
        return float(self.miss[cols] @ p) + after - before

    def gains(self, candidates: IntArray) -> FloatArray:
        """:meth:`gain` of many candidates at once (one sparse product)."""
        pairs = np.asarray(self.P @ self.miss)[candidates]  # no copy of the candidates' rows
        t = self._novel_total
        after = t + self.novel[candidates]
        if np.isfinite(self.pool) and self.pool > 0:
            extra = self.pool * (np.expm1(-t / self.pool) - np.expm1(-after / self.pool))
        elif np.isfinite(self.pool):
            extra = np.zeros(candidates.size)
        else:
            extra = after - t
        out: FloatArray = pairs + extra
        return out

    def take(self, v: int) -> None:
        cols, p = self._row(v)
        self.miss[cols] *= 1.0 - p
        self._novel_total += float(self.novel[v])

    def value(self) -> float:
        return float((1.0 - self.miss).sum()) + _saturate(self._novel_total, self.pool)


class ReachObjective:
    """Distinct audience; ``audience`` rows are accounts, columns people."""

    def __init__(self, audience: sp.csr_matrix) -> None:
        self.A = audience.tocsr()
        self.covered = np.zeros(audience.shape[1], dtype=bool)

    def gain(self, v: int) -> float:
        cols = self.A.indices[self.A.indptr[v] : self.A.indptr[v + 1]]
        return float((~self.covered[cols]).sum())

    def gains(self, candidates: IntArray) -> FloatArray:
        """:meth:`gain` of many candidates at once (one sparse product)."""
        return np.asarray(self.A @ (~self.covered).astype(np.float64))[candidates]

    def take(self, v: int) -> None:
        self.covered[self.A.indices[self.A.indptr[v] : self.A.indptr[v + 1]]] = True

    def value(self) -> float:
        return float(self.covered.sum())


class FrequencyObjective:
    """People reached at least ``min_frequency`` times."""

    def __init__(self, audience: sp.csr_matrix, min_frequency: int = 2) -> None:
        if min_frequency < 1:
            raise ValueError("min_frequency must be at least 1")
        self.A = audience.tocsr()
        self.f = int(min_frequency)
        self.count = np.zeros(audience.shape[1], dtype=np.int32)

    def gain(self, v: int) -> float:
        cols = self.A.indices[self.A.indptr[v] : self.A.indptr[v + 1]]
        c = self.count[cols]
        # reaching the threshold counts fully; getting closer counts a little, so the
        # greedy can start building repetition before any single account completes it
        return float((c == self.f - 1).sum()) + 1e-3 * float((c < self.f - 1).sum())

    def gains(self, candidates: IntArray) -> FloatArray:
        """:meth:`gain` of many candidates at once (one sparse product)."""
        c = self.count
        w = (c == self.f - 1).astype(np.float64) + 1e-3 * (c < self.f - 1)
        return np.asarray(self.A @ w)[candidates]

    def exact_gains(self, candidates: IntArray) -> FloatArray:
        """:meth:`gain` of many candidates at once, equal to it bit for bit.

        The two counts of each row are integers summed exactly, then combined as
        :meth:`gain` combines them (:meth:`gains` sums weights in another order).
        """
        cand = np.asarray(candidates, dtype=np.int64)
        rows = self.A[cand]
        c = self.count[rows.indices]
        ends = rows.indptr[1:].astype(np.int64)
        starts = rows.indptr[:-1].astype(np.int64)
        at = np.concatenate([[0], np.cumsum(c == self.f - 1)])
        below = np.concatenate([[0], np.cumsum(c < self.f - 1)])
        hits = (at[ends] - at[starts]).astype(np.float64)
        near = (below[ends] - below[starts]).astype(np.float64)
        out: FloatArray = hits + 1e-3 * near
        return out

    def take(self, v: int) -> None:
        self.count[self.A.indices[self.A.indptr[v] : self.A.indptr[v + 1]]] += 1

    def value(self) -> float:
        return float((self.count >= self.f).sum())


class BlendObjective:
    r"""A weighted sum :math:`\sum_i w_i f_i`: monotone submodular when every part is."""

    def __init__(self, parts: list[tuple[float, Objective]]) -> None:
        self.parts = parts

    def gain(self, v: int) -> float:
        return sum(w * f.gain(v) for w, f in self.parts)

    def gains(self, candidates: IntArray) -> FloatArray:
        """:meth:`gain` of many candidates at once."""
        out = np.zeros(np.asarray(candidates).size)
        for w, f in self.parts:
            out += w * initial_gains(f, candidates)
        return out

    def take(self, v: int) -> None:
        for _, f in self.parts:
            f.take(v)

    def value(self) -> float:
        return sum(w * f.value() for w, f in self.parts)


@dataclass(frozen=True)
class Selection:
    """Accounts in the order chosen, each with its marginal gain; the total value."""

    accounts: list[int]
    gains: list[float]
    value: float
    rule: str


def initial_gains(obj: Objective, candidates: IntArray) -> FloatArray:
    """Marginal gains of ``candidates``: vectorized where the objective can, else one by one."""
    many = getattr(obj, "gains", None)
    if many is not None:
        return np.asarray(many(candidates), dtype=np.float64)
    return np.array([obj.gain(int(v)) for v in candidates], dtype=np.float64)


def greedy_select(
    obj: Objective,
    candidates: npt.ArrayLike,
    *,
    k: int | None = None,
    cost: FloatArray | None = None,
    budget: float | None = None,
    ratio: bool = True,
) -> Selection:
    r"""Lazy greedy: repeatedly take the candidate with the best marginal gain.

    Parameters
    ----------
    obj
        A fresh objective (it is mutated).
    candidates
        Node indices that may be chosen.
    k
        At most this many accounts.
    cost, budget
        Optional per-node cost and total budget; accounts that no longer fit are
        skipped.
    ratio
        With costs, rank by gain per cost (``True``) or by gain alone (``False``).

    Notes
    -----
    For a submodular objective a stale gain is an upper bound of the fresh one,
    so popping the best stale entry and re-evaluating it until a fresh entry
    tops the heap picks the same account as a full scan.
    """
    cand = np.asarray(candidates, dtype=np.int64)
    c = np.ones(int(cand.max()) + 1 if cand.size else 0) if cost is None else cost

    def key(g: float, v: int) -> float:
        if cost is None or not ratio:
            return g
        return g / c[v] if c[v] > 0 else (np.inf if g > 0 else 0.0)

    first = initial_gains(obj, cand).tolist()
    heap = [(-key(g, v), v, 0) for g, v in zip(first, cand.tolist(), strict=True)]
    heapq.heapify(heap)
    chosen: list[int] = []
    gains: list[float] = []
    spent = 0.0
    step = 0
    while heap and (k is None or len(chosen) < k):
        _, v, stamp = heapq.heappop(heap)
        if budget is not None and spent + float(c[v]) > budget + 1e-9:
            continue
        if stamp != step:
            heapq.heappush(heap, (-key(obj.gain(v), v), v, step))
            continue
        g = obj.gain(v)
        if g <= 0:
            break
        obj.take(v)
        chosen.append(v)
        gains.append(g)
        spent += float(c[v])
        step += 1
    return Selection(chosen, gains, obj.value(), "ratio-greedy" if ratio else "gain-greedy")


def cost_aware_select(
    fresh: Callable[[], Objective],
    candidates: npt.ArrayLike,
    *,
    cost: FloatArray,
    budget: float,
    k: int | None = None,
) -> Selection:
    """The best of ratio-greedy, gain-greedy and the single best affordable account.

    ``fresh`` is a zero-argument callable returning a new objective. Ratio-greedy
    is right when money binds; gain-greedy when the account count does; the
    single best account covers the case where one expensive account beats many
    cheap ones. The rule that won is in :attr:`Selection.rule`.
    """
    cand = np.asarray(candidates, dtype=np.int64)
    runs = [
        greedy_select(fresh(), cand, k=k, cost=cost, budget=budget, ratio=True),
        greedy_select(fresh(), cand, k=k, cost=cost, budget=budget, ratio=False),
    ]
    affordable = cand[cost[cand] <= budget]
    if affordable.size:
        probe = fresh()
        g = np.array([probe.gain(int(v)) for v in affordable])
        best = int(affordable[int(np.argmax(g))])
        single = fresh()
        single.take(best)
        runs.append(Selection([best], [float(g.max())], single.value(), "single best account"))
    return max(runs, key=lambda s: s.value)


def expected_engaged(inputs: EngagementInputs, chosen: npt.ArrayLike) -> float:
    r"""The engagement objective of ``chosen``, evaluated directly (not incrementally).

    .. math:: \sum_u \Big(1 - \prod_{v \in S} (1 - p_{vu})\Big)
              + N \big(1 - e^{-\sum_{v \in S} \nu_v / N}\big)
    """
    S = np.asarray(chosen, dtype=np.int64)
    if S.size == 0:
        return 0.0
    sub = inputs.P.tocsr()[S]
    logs = sp.csr_matrix(
        (np.log1p(-np.minimum(sub.data, 1 - 1e-15)), sub.indices, sub.indptr), shape=sub.shape
    )
    logmiss = np.asarray(logs.sum(axis=0)).ravel()
    total = float((-np.expm1(logmiss)).sum())
    return total + _saturate(float(np.asarray(inputs.novel)[S].sum()), inputs.pool)


def blend_objective(
    inputs: EngagementInputs, past: sp.csr_matrix, candidates: IntArray, *, k: int
) -> BlendObjective:
    """Engagement plus past engagers, each scaled by what its own greedy reaches with ``k``.

    Neither part dominates by its units: both count as 1 at their own best ``k`` accounts.
    """
    z_e = greedy_select(EngagementObjective(inputs), candidates, k=k).value or 1.0
    z_p = greedy_select(ReachObjective(past), candidates, k=k).value or 1.0
    return BlendObjective(
        [(1.0 / z_e, EngagementObjective(inputs)), (1.0 / z_p, ReachObjective(past))]
    )
