r"""Who engages after whom: an engagement model learned from the store's own cascades.

For a candidate account :math:`v` and a user :math:`u` the model gives
:math:`p_{vu}`, the probability that :math:`u` engages (reposts, adopts) after
:math:`v` within a window of :math:`L` days, where :math:`L` is the length of
the label window it was fitted on. A plan :math:`S` is then worth the expected
number of distinct engaged users

.. math:: f(S) = \sum_u \Big(1 - \prod_{v \in S} (1 - p_{vu})\Big) + \sum_{v \in S} \nu_v

where :math:`\nu_v` is the expected number of users :math:`v` moves that have no
past evidence with :math:`v` (new people). It comes from a per-account model of
how many distinct people :math:`v` moves in the window, :math:`m_v`:
:math:`\nu_v = \max(0, m_v - \sum_u p_{vu})`, so each account's total is set by
the account model and the pairs only say *whom* it moves (and so how much two
accounts overlap). Both terms are monotone submodular, so greedy selection keeps
its guarantees.

Evidence and features
---------------------
Pairs are only formed where evidence exists: :math:`u` adopted after :math:`v` in a
past cascade in which :math:`v` was among the first ``early`` adopters, or
:math:`u` follows :math:`v` and :math:`v` is active. Per pair the features are
(counts per 10,000 cascades of the history, so windows of any length and
activity level compare):

* ``follows``: :math:`u` follows :math:`v`;
* ``co``: cascades in which :math:`u` adopted after :math:`v`;
* ``credit``: the share of the credit for :math:`u`'s adoptions that falls on
  :math:`v` (Goyal, Bonchi and Lakshmanan, VLDB 2012: each adoption's credit of 1
  is split over the earlier adopters :math:`u` follows, or over all earlier early
  adopters when it follows none);
* ``recent``: ``co`` with exponential time decay (time constant a quarter of the
  history) and ``gap``, days since the latest such cascade;
* :math:`v`'s activity (cascades, share where it was early, mean later adopters)
  and :math:`u`'s activity.

The label of a pair is whether :math:`u` adopted after :math:`v` in a cascade of
the *label window*, which follows the *feature window* in time; both lie inside
the training history (never the future). The classifier is scikit-learn's
histogram gradient boosting with log loss (calibrated probabilities), or a
logistic regression.

References
----------
A. Goyal, F. Bonchi, L. V. S. Lakshmanan, "A data-based approach to social
influence maximization", PVLDB 5(1), 2012.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from kolgraph.arrays import F32
from kolgraph.arrays import F64 as FloatArray
from kolgraph.arrays import I64 as IntArray
from kolgraph.errors import InputError
from kolgraph.plan.cascades import (
    BLOCK_PAIRS,
    DAY,
    Cascades,
    cascade_pagerank,
    early_later_pairs,
    pair_blocks,
    sorted_unique,
    unique_pair_keys,
)
from kolgraph.plan.objective import EngagementInputs

__all__ = [
    "ACCOUNT_FEATURES",
    "PAIR_FEATURES",
    "EngagementModel",
    "Evidence",
    "EvidenceBuilder",
    "build_evidence",
    "fit_engagement",
    "follow_keys",
]

PAIR_FEATURES = ("follows", "co", "credit", "recent", "gap", "co_share")
ACCOUNT_FEATURES = (
    "v_cascades",
    "v_early_share",
    "v_tail",
    "v_recent",
    "v_followers",
    "v_reach",
    "v_started",
    "v_started_size",
    "v_pagerank",
    "v_reach_last",
)
_U_FEATURES = ("u_cascades", "u_recent")
#: quantile at which the account model's targets (people moved) are capped
MOVED_CAP = 0.99
#: pairs the classifier scores at once
PREDICT_ROWS = 1_000_000


@dataclass(frozen=True)
class Evidence:
    """Evidence pairs and account features at one point in time (see module doc).

    Pairs are sorted by ``(v, u)`` without duplicates; ``pair_x`` is kept in
    float32, the precision the classifier is given.
    """

    n_nodes: int
    v: IntArray
    u: IntArray
    pair_x: F32
    account_x: FloatArray
    active: npt.NDArray[np.bool_]
    known: npt.NDArray[np.bool_]
    history_days: float
    cascade_rate: float
    co_count: FloatArray

    @property
    def n_pairs(self) -> int:
        return int(self.v.size)

    def past_engagers(self) -> sp.csr_matrix:
        """Binary ``n × n``: ``[v, u] = 1`` where ``u`` engaged after ``v`` in a past cascade."""
        seen = self.co_count > 0
        return _pairs_matrix(self.v[seen], self.u[seen], np.ones(int(seen.sum())), self.n_nodes)

    def keys(self) -> IntArray:
        return self.v * self.n_nodes + self.u

    def features(self, rows: IntArray | slice | None = None) -> F32:
        """Pair features, then the pair's ``v`` and ``u`` account features (of ``rows``)."""
        at = slice(None) if rows is None else rows
        return np.hstack(
            [self.pair_x[at], self.account_x[self.v[at]], self._u_x()[self.u[at]]],
            dtype=np.float32,
        )

    def _u_x(self) -> FloatArray:
        return self.account_x[:, [0, 3]]

    def subset(self, keep: npt.NDArray[np.bool_]) -> Evidence:
        """The same evidence with only the pairs ``keep``."""
        return replace(
            self,
            v=self.v[keep],
            u=self.u[keep],
            pair_x=self.pair_x[keep],
            co_count=self.co_count[keep],
        )


def _pairs_matrix(v: IntArray, u: IntArray, data: npt.ArrayLike, n: int) -> sp.csr_matrix:
    """``n × n`` CSR of pairs sorted by ``(v, u)`` without duplicates, built without a COO copy."""
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(v, minlength=n), out=indptr[1:])
    return sp.csr_matrix((data, u, indptr), shape=(n, n))


def _join(header: Evidence, parts: list[Evidence]) -> Evidence:
    """One evidence from consecutive blocks; ``parts`` is emptied as it is copied."""
    total = sum(b.n_pairs for b in parts)
    v = np.empty(total, dtype=np.int64)
    u = np.empty(total, dtype=np.int64)
    co = np.empty(total, dtype=np.float64)
    x = np.empty((total, len(PAIR_FEATURES)), dtype=np.float32)
    at = 0
    while parts:
        b = parts.pop(0)
        end = at + b.n_pairs
        v[at:end], u[at:end], co[at:end], x[at:end] = b.v, b.u, b.co_count, b.pair_x
        at = end
    return replace(header, v=v, u=u, pair_x=x, co_count=co)


def follow_keys(follows: tuple[IntArray, IntArray] | None, n: int) -> IntArray:
    """Sorted keys ``followed * n + follower`` (``v * n + u``: ``u`` follows ``v``).

    Learning needs them for every split and fold: compute them once and pass them
    to :func:`build_evidence` and :func:`fit_engagement` as ``keys``.
    """
    if follows is None or follows[0].size == 0:
        return np.zeros(0, dtype=np.int64)
    src, dst = (np.asarray(a, dtype=np.int64) for a in follows)
    return sorted_unique(dst * n + src)


def _isin_sorted(keys: IntArray, sorted_keys: IntArray) -> npt.NDArray[np.bool_]:
    if sorted_keys.size == 0:
        return np.zeros(keys.size, dtype=bool)
    pos = np.minimum(np.searchsorted(sorted_keys, keys), sorted_keys.size - 1)
    found: npt.NDArray[np.bool_] = sorted_keys[pos] == keys
    return found


def build_evidence(
    history: Cascades,
    *,
    now: int,
    follows: tuple[IntArray, IntArray] | None = None,
    early: int = 50,
    follow_pairs: bool = True,
    keys: IntArray | None = None,
) -> Evidence:
    """Evidence pairs and features from the cascades of ``history`` as seen at ``now``.

    Parameters
    ----------
    history
        Cascades that started before ``now``.
    now
        Unix time the features are computed at (recency is measured to it).
    follows
        ``(follower, followed)`` dense index arrays, or ``None`` where the store has
        no follow graph.
    early
        Only adopters among the first ``early`` of a cascade earn credit for the
        adopters after them (keeps the pair count linear in cascade size).
    follow_pairs
        Also add pairs ``(v, u)`` where ``u`` follows an active ``v`` without any
        shared cascade yet.
    keys
        :func:`follow_keys` of ``follows``, when already computed.
    """
    return EvidenceBuilder(
        history, now=now, follows=follows, early=early, follow_pairs=follow_pairs, keys=keys
    ).build()


class EvidenceBuilder:
    """:func:`build_evidence` one group of accounts at a time, in bounded memory.

    Construction makes a first pass over the (earlier, later adopter) pairs: the
    account features, how many of a later adopter's earlier adopters it follows
    (its credit needs all of them) and the size of every group. :meth:`blocks`
    then yields each group's pairs as an :class:`Evidence` sharing those account
    features, in key order, so that a caller can score, sample or keep pairs
    without holding all of them at once; :meth:`build` joins them. Each pair's
    values are computed from the same terms in the same order as over all pairs
    at once, so the result does not depend on ``block_pairs``.
    """

    def __init__(
        self,
        history: Cascades,
        *,
        now: int,
        follows: tuple[IntArray, IntArray] | None = None,
        early: int = 50,
        follow_pairs: bool = True,
        keys: IntArray | None = None,
        block_pairs: int = BLOCK_PAIRS,
    ) -> None:
        n = history.n_nodes
        first = int(history.start.min()) if history.n_cascades else now
        self.history, self.now, self.early = history, now, early
        self.days = max(1 / 24, (now - first) / DAY)
        # counts per 10,000 cascades of the history: comparable across windows whatever
        # their length or the activity level of the time
        self.scale = 1e4 / max(1, history.n_cascades)
        self.tau = self.days / 4.0 * DAY
        self.fkeys = follow_keys(follows, n) if keys is None else keys
        pos = history.position
        sizes = history.sizes
        csize = np.repeat(sizes, sizes)
        start_w = np.exp(-np.maximum(0, now - history.ts).astype(np.float64) / self.tau)
        v_casc = np.bincount(history.user, minlength=n).astype(np.float64)
        is_early = pos < np.maximum(1, np.ceil(0.1 * csize))
        v_early = np.bincount(history.user, weights=is_early, minlength=n)
        tail = np.bincount(history.user, weights=(csize - 1 - pos).astype(np.float64), minlength=n)
        v_recent = np.bincount(history.user, weights=start_w, minlength=n)
        authors = history.user[history.offsets[:-1]]
        started = np.bincount(authors, minlength=n).astype(np.float64)
        started_size = np.bincount(authors, weights=sizes - 1.0, minlength=n)
        active = v_casc > 0
        followers = np.zeros(n)
        if follows is not None and follows[1].size:
            followers = np.bincount(np.asarray(follows[1], dtype=np.int64), minlength=n).astype(
                float
            )
        self.v_casc = v_casc
        # credit of u's adoption j: over earlier adopters u follows, else over all early ones
        self.n_before = np.minimum(pos, early).astype(np.float64)
        self.n_followed = np.zeros(history.user.size)
        follow_in: FloatArray | None = None  # follow pairs each group adds
        if follow_pairs and self.fkeys.size:
            follow_in = np.bincount(self.fkeys // n, minlength=n).astype(np.float64)
            follow_in[~active] = 0.0
        self.groups = pair_blocks(history, early=early, block_pairs=block_pairs, extra=follow_in)
        reach = np.zeros(n, dtype=np.int64)  # distinct later adopters
        self._follows_bits: list[npt.NDArray[np.uint8]] = []
        self._extra: list[IntArray] = []
        sizes_out = []
        for lo, hi, rows in self.groups:
            v, u, i, j = early_later_pairs(history, early=early, rows=rows)
            key = v * n + u
            del v, u, i
            follows_pair = _isin_sorted(key, self.fkeys)
            self.n_followed += np.bincount(j, weights=follows_pair, minlength=history.user.size)
            self._follows_bits.append(np.packbits(follows_pair))
            co_keys = sorted_unique(key)
            reach += np.bincount(co_keys // n, minlength=n)
            extra = np.zeros(0, dtype=np.int64)
            if follow_pairs and self.fkeys.size:
                a, b = np.searchsorted(self.fkeys, [lo * n, hi * n])
                fk = self.fkeys[a:b]
                extra = fk[active[fk // n] & ~_isin_sorted(fk, co_keys)]
            self._extra.append(extra)
            sizes_out.append(co_keys.size + extra.size)
        self.sizes = np.asarray(sizes_out, dtype=np.int64)
        account_x = np.column_stack(
            [
                np.log1p(v_casc * self.scale),
                v_early / np.maximum(v_casc, 1.0),
                np.log1p(tail / np.maximum(v_casc, 1.0)),
                np.log1p(v_recent * self.scale),
                np.log1p(followers),
                np.log1p(reach.astype(np.float64) * 1e4 / max(1, history.user.size)),
                np.log1p(started * self.scale),
                np.log1p(started_size / np.maximum(started, 1.0)),
                np.log1p(cascade_pagerank(history, follows) * n),
                np.log1p(_recent_reach(history, early=early)),
            ]
        )
        self.header = Evidence(
            n_nodes=n,
            v=np.zeros(0, dtype=np.int64),
            u=np.zeros(0, dtype=np.int64),
            pair_x=np.zeros((0, len(PAIR_FEATURES)), dtype=np.float32),
            account_x=account_x,
            active=active,
            known=active | (followers > 0),
            history_days=self.days,
            cascade_rate=_cascade_rate(history, now),
            co_count=np.zeros(0),
        )

    @property
    def n_pairs(self) -> int:
        return int(self.sizes.sum())

    def build(self) -> Evidence:
        """Every pair at once."""
        return _join(self.header, list(self.blocks()))

    def blocks(self) -> Iterator[Evidence]:
        """Each group's pairs (sizes :attr:`sizes`), in key order."""
        for g in range(len(self.groups)):
            yield self._block(g)

    def _block(self, g: int) -> Evidence:
        h, n = self.history, self.header.n_nodes
        v, u, i, j = early_later_pairs(h, early=self.early, rows=self.groups[g][2])
        pair_key = v * n + u
        del v, u
        follows_pair = np.unpackbits(self._follows_bits[g], count=pair_key.size).astype(bool)
        n_followed = self.n_followed[j]
        credit = np.where(
            n_followed > 0,
            follows_pair / np.maximum(n_followed, 1.0),
            1.0 / np.maximum(self.n_before[j], 1.0),
        )
        del follows_pair, n_followed, j
        age = np.maximum(0, self.now - h.ts[i]).astype(np.float64)
        decay = np.exp(-age / self.tau)
        # unique pairs (co-occurrence evidence)
        uniq_raw, inv = np.unique(pair_key, return_inverse=True)
        del pair_key
        uniq: IntArray = uniq_raw.astype(np.int64)
        co: FloatArray = np.bincount(inv, minlength=uniq.size).astype(np.float64)
        cr: FloatArray = np.bincount(inv, weights=credit, minlength=uniq.size).astype(np.float64)
        rec: FloatArray = np.bincount(inv, weights=decay, minlength=uniq.size).astype(np.float64)
        last: FloatArray = np.full(uniq.size, np.inf)
        np.minimum.at(last, inv, age)
        del inv, credit, decay, age
        extra = self._extra[g]
        if extra.size:  # follow pairs without a shared cascade, merged in key order
            at = np.searchsorted(uniq, extra) + np.arange(extra.size)
            is_extra = np.zeros(uniq.size + extra.size, dtype=bool)
            is_extra[at] = True
            uniq = _merge(uniq, extra, is_extra)
            co, cr, rec = (_merge(a, 0.0, is_extra) for a in (co, cr, rec))
            last = _merge(last, np.inf, is_extra)
        pv, pu = uniq // n, uniq % n
        x = np.empty((uniq.size, len(PAIR_FEATURES)), dtype=np.float32)
        x[:, 0] = _isin_sorted(uniq, self.fkeys)
        x[:, 1] = np.log1p(co * self.scale)
        x[:, 2] = np.log1p(cr * self.scale)
        x[:, 3] = np.log1p(rec * self.scale)
        x[:, 4] = np.where(np.isfinite(last), last / DAY / self.days, 2.0)  # share of the history
        x[:, 5] = co / np.maximum(self.v_casc[pv], 1.0)
        return replace(self.header, v=pv, u=pu, pair_x=x, co_count=co)


def _merge(a: npt.NDArray[Any], fill: Any, is_fill: npt.NDArray[np.bool_]) -> npt.NDArray[Any]:
    """``a`` in the places ``~is_fill`` and ``fill`` in the others."""
    out = np.empty(is_fill.size, dtype=a.dtype)
    out[~is_fill] = a
    out[is_fill] = fill
    return out


def _recent_reach(history: Cascades, *, early: int, share: float = 0.3) -> FloatArray:
    """Distinct later adopters per account in the latest ``share`` of the cascades, per 10,000.

    The account's own most recent record: what it moved in the window just before now.
    """
    n = history.n_nodes
    if history.n_cascades == 0:
        return np.zeros(n)
    order = np.argsort(history.start, kind="stable")
    last = history.take(order[int(order.size * (1 - share)) :])
    keys = unique_pair_keys(last, early=early)
    counts = np.bincount(keys // n, minlength=n).astype(np.float64)
    return counts * 1e4 / max(1, last.n_cascades)


def _cascade_rate(history: Cascades, now: int, share: float = 0.3) -> float:
    """New cascades per day over the latest ``share`` of the history's cascades."""
    if history.n_cascades == 0:
        return 0.0
    starts = np.sort(history.start)
    recent = starts[int(starts.size * (1 - share)) :]
    days = max(1 / 24, (now - int(recent[0])) / DAY)
    return float(recent.size / days)


@dataclass
class EngagementModel:
    r"""A fitted engagement model: :math:`p_{vu}` for a window of ``window_days`` days.

    Use :meth:`probabilities` on fresh :class:`Evidence` to get the sparse matrix a
    plan is optimised over.
    """

    window_days: float
    kind: Literal["boosting", "logistic"]
    pair_model: Any
    moved_model: Any
    base_rate: float
    moved_mean: float
    pool_per_cascade: float
    stats: dict[str, float] = field(default_factory=dict)
    importances: dict[str, float] = field(default_factory=dict)
    _cache: list[tuple[Evidence, FloatArray, FloatArray]] = field(
        default_factory=list, repr=False, compare=False
    )

    def probabilities(
        self, ev: Evidence, *, horizon_days: float | None = None, candidates: IntArray | None = None
    ) -> EngagementInputs:
        """:math:`p_{vu}`, :math:`\\nu_v` and the pool of new people, over the horizon.

        Pair probabilities are converted from the fitted window :math:`L` assuming a
        constant rate, :math:`p_H = 1 - (1 - p_L)^{H/L}`; people moved and the pool
        are modelled per cascade and scaled by the cascades expected within the
        horizon (the history's recent rate of new cascades times :math:`H`).
        """
        n = ev.n_nodes
        p, moved = self._raw(ev)
        v, u = ev.v, ev.u
        mask = None
        if candidates is not None:
            mask = np.zeros(n, dtype=bool)
            mask[candidates] = True
            keep = mask[v]
            v, u, p = v[keep], u[keep], p[keep]
        days = self.window_days if horizon_days is None else horizon_days
        p = 1.0 - np.power(np.clip(1.0 - p, 0.0, 1.0), days / self.window_days)
        cascades = ev.cascade_rate * days  # expected cascades within the horizon
        moved = moved * cascades / 1e4
        pool = self.pool_per_cascade * cascades
        rows = np.bincount(v, weights=p, minlength=n)
        # the account model sets each account's total; the pairs say whom it reaches
        scale = np.divide(moved, rows, out=np.ones(n), where=rows > moved)
        P = _pairs_matrix(v, u, p * scale[v], n)
        novel = np.maximum(0.0, moved - rows)
        if mask is not None:
            novel[~mask] = 0.0
        return EngagementInputs(P, novel, pool)

    def evidence(self, builder: EvidenceBuilder, *, max_pairs: int | None = None) -> Evidence:
        """The builder's evidence; above ``max_pairs`` pairs, the ``max_pairs`` most likely.

        Kept pairs are those with the highest window probability (ties: lower
        ``(v, u)`` first). The classifier scores the pairs one group at a time, so
        memory stays bounded by ``max_pairs`` whatever the number of pairs, and the
        probabilities are kept for :meth:`probabilities`. An account's dropped pairs
        are not lost from its total: the account model sets it, so their share
        moves to the people it reaches beyond its pairs (:math:`\\nu_v`).
        """
        if max_pairs is None or builder.n_pairs <= max_pairs:
            return builder.build()
        parts: list[Evidence] = []
        probs: list[FloatArray] = []
        for block in builder.blocks():
            parts.append(block)
            probs.append(self._predict(block))
            if sum(b.n_pairs for b in parts) > max_pairs + max_pairs // 2:
                _keep_top(parts, probs, max_pairs)
        _keep_top(parts, probs, max_pairs)
        p = np.concatenate(probs)
        ev = _join(builder.header, parts)
        self._cache = [*self._cache[-1:], (ev, p, self.moved(ev))]
        return ev

    def _raw(self, ev: Evidence) -> tuple[FloatArray, FloatArray]:
        """Window probabilities of every pair and :meth:`moved`, cached per evidence."""
        for cached, p, m in self._cache:
            if cached is ev:
                return p, m
        p = self._predict(ev)
        m = self.moved(ev)
        self._cache = [*self._cache[-1:], (ev, p, m)]
        return p, m

    def _predict(self, ev: Evidence) -> FloatArray:
        """The classifier's probability of every pair, :data:`PREDICT_ROWS` rows at a time."""
        p = np.zeros(ev.n_pairs)
        with _one_thread():
            for lo in range(0, ev.n_pairs, PREDICT_ROWS):
                hi = min(ev.n_pairs, lo + PREDICT_ROWS)
                p[lo:hi] = self.pair_model.predict_proba(ev.features(slice(lo, hi)))[:, 1]
        return p

    def moved(self, ev: Evidence) -> FloatArray:
        """:math:`m_v` per 10,000 new cascades: distinct people each account moves."""
        out = np.zeros(ev.n_nodes)
        known = np.flatnonzero(ev.known)
        if self.moved_model is not None and known.size:
            with _one_thread():
                out[known] = np.maximum(0.0, self.moved_model.predict(ev.account_x[known]))
        return out


def _keep_top(parts: list[Evidence], probs: list[FloatArray], k: int) -> None:
    """Keep, in place, the ``k`` pairs of highest probability (ties: the earlier ones)."""
    p = np.concatenate(probs)
    if p.size <= k:
        return
    t = np.partition(p, p.size - k)[p.size - k]
    keep = p > t
    keep[np.flatnonzero(p == t)[: k - int(keep.sum())]] = True
    at = 0
    for b in range(len(parts)):
        m = keep[at : at + parts[b].n_pairs]
        at += parts[b].n_pairs
        parts[b], probs[b] = parts[b].subset(m), probs[b][m]


def _one_thread() -> Any:
    """Run scikit-learn's OpenMP loops on one thread.

    At these sizes (up to a few hundred thousand rows) the boosted trees are not
    faster on more threads, and on a busy 2-core machine OpenMP's spinning threads
    made one fit 5× slower (bench/recommend.py on twitter-graph-cascades: 41 s
    against 7.8 s on one thread). One thread also makes the fit reproducible.
    """
    return threadpool_limits(limits=1, user_api="openmp")


def _sample(
    builder: EvidenceBuilder, future: IntArray, idx: IntArray
) -> tuple[F32, npt.NDArray[np.bool_]]:
    """Features and labels of the pairs ``idx`` (ascending): did ``u`` adopt after ``v``?

    ``future`` is :func:`~kolgraph.plan.cascades.unique_pair_keys` of the label window.
    """
    xs, ys = [], []
    at = 0
    for block in builder.blocks():
        a, b = np.searchsorted(idx, [at, at + block.n_pairs])
        rows = idx[a:b] - at
        at += block.n_pairs
        xs.append(block.features(rows))
        ys.append(_isin_sorted(block.keys()[rows], future))
    return np.vstack(xs), np.concatenate(ys)


def fit_engagement(
    history: Cascades,
    *,
    follows: tuple[IntArray, IntArray] | None = None,
    label_share: float = 0.3,
    folds: int = 3,
    early: int = 50,
    kind: Literal["boosting", "logistic"] = "boosting",
    max_pairs: int = 600_000,
    seed: int = 0,
    keys: IntArray | None = None,
) -> EngagementModel:
    """Fit :class:`EngagementModel` on time splits *inside* ``history``.

    Fold ``f`` takes the cascades (by start time) before the cut
    ``1 - label_share * (1 + f / 2)`` as features and the next ``label_share``
    of them as labels, so the folds' label windows overlap by half and the
    latest ends with the history; nothing after ``history`` is read. Account
    targets are rescaled to the mean window length (weights keep the Poisson
    fit exact).

    Raises
    ------
    InputError
        If the history has too few cascades to split, or no pair has a positive label.
    """
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if history.n_cascades < 20:
        raise InputError(
            f"only {history.n_cascades} cascades: too few to learn who engages after whom",
            hint="import more cascades, or plan with --objective reach",
        )
    rng = np.random.default_rng(seed)
    ordered = history.by_start()
    n_c = ordered.n_cascades
    n = history.n_nodes
    xs, ys, axs, ms, lens, pools = [], [], [], [], [], []
    for f in range(max(1, folds)):
        lo = round(n_c * (1.0 - label_share * (1.0 + f / 2.0)))
        hi = min(n_c, lo + round(n_c * label_share))
        if lo < max(10, n_c // 10) or hi - lo < 5:
            break
        lab = ordered.take(np.arange(lo, hi))
        cut = int(lab.start.min())
        if hi < n_c:  # the window ends where the next cascade starts
            lab = lab.before(int(ordered.start[hi]))
        feat = ordered.take(np.arange(lo)).before(cut)
        builder = EvidenceBuilder(feat, now=cut, follows=follows, early=early, keys=keys)
        future = unique_pair_keys(lab, early=early)
        moved = np.bincount(future // n, minlength=n).astype(np.float64)  # people moved
        total, cap = builder.n_pairs, max_pairs // max(1, folds)
        # above the cap, a uniform subsample keeps the probabilities calibrated
        idx = (
            np.arange(total)
            if total <= cap
            else np.sort(rng.choice(total, size=cap, replace=False))
        )
        x, y = _sample(builder, future, idx)
        xs.append(x)
        ys.append(y)
        known = np.flatnonzero(builder.header.known)
        axs.append(builder.header.account_x[known])
        ms.append(moved[known] * 1e4 / lab.n_cascades)  # per 10,000 cascades
        end = int(ordered.start[hi]) if hi < n_c else int(ordered.ts.max())
        lens.append(max(1 / 24, (end - cut) / DAY))
        pools.append(float(sorted_unique(lab.user).size) / lab.n_cascades)
    if not ys or not np.concatenate(ys).any():
        raise InputError(
            "no account's past audience engaged again in the later cascades: nothing to learn",
            hint="import a longer history, or plan with --objective reach",
        )
    window = float(np.mean(lens))
    x, yy = np.vstack(xs), np.concatenate(ys)
    model: Any
    if kind == "boosting":
        model = HistGradientBoostingClassifier(
            max_iter=100, learning_rate=0.1, max_leaf_nodes=31, random_state=seed
        )
    else:
        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500))
    with _one_thread():
        model.fit(x, yy)
    ax = np.vstack(axs)
    m = np.concatenate(ms)
    if (m > 0).any() and MOVED_CAP < 1.0:  # a few viral outliers could decide the whole fit
        m = np.minimum(m, np.quantile(m[m > 0], MOVED_CAP))
    moved_model: Any = None
    if ax.shape[0] >= 20 and m.sum() > 0:
        moved_model = HistGradientBoostingRegressor(
            loss="poisson",
            max_iter=150,
            learning_rate=0.05,
            min_samples_leaf=50,
            l2_regularization=1.0,
            random_state=seed,
        )
        with _one_thread():
            moved_model.fit(ax, m)
    names = [*PAIR_FEATURES, *ACCOUNT_FEATURES, *_U_FEATURES]
    with _one_thread():
        importances = _importances(model, x, yy, names, rng)
    return EngagementModel(
        window_days=window,
        kind=kind,
        pair_model=model,
        moved_model=moved_model,
        base_rate=float(yy.mean()),
        moved_mean=float(m.mean()) if m.size else 0.0,
        pool_per_cascade=float(np.mean(pools)),
        stats={
            "pairs": float(yy.size),
            "positives": float(yy.sum()),
            "folds": float(len(lens)),
            "window_days": window,
        },
        importances=importances,
    )


def _importances(
    model: Any,
    x: F32,
    y: npt.NDArray[np.bool_],
    names: list[str],
    rng: np.random.Generator,
) -> dict[str, float]:
    """Permutation importance (drop in ROC AUC) on up to 50,000 pairs."""
    from sklearn.metrics import roc_auc_score

    if y.all() or not y.any():
        return {}
    take = rng.choice(y.size, size=min(50_000, y.size), replace=False)
    xs, ys = x[take], y[take]
    if ys.all() or not ys.any():
        return {}
    base = roc_auc_score(ys, model.predict_proba(xs)[:, 1])
    out = {"auc": float(base)}
    for k, name in enumerate(names):
        xp = xs.copy()
        xp[:, k] = xp[rng.permutation(xp.shape[0]), k]
        out[name] = float(base - roc_auc_score(ys, model.predict_proba(xp)[:, 1]))
    return out
