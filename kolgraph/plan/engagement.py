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

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from kolgraph.arrays import F64 as FloatArray
from kolgraph.arrays import I64 as IntArray
from kolgraph.errors import InputError
from kolgraph.plan.cascades import DAY, Cascades, cascade_pagerank, early_later_pairs
from kolgraph.plan.objective import EngagementInputs

__all__ = [
    "ACCOUNT_FEATURES",
    "PAIR_FEATURES",
    "EngagementModel",
    "Evidence",
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


@dataclass(frozen=True)
class Evidence:
    """Evidence pairs and account features at one point in time (see module doc)."""

    n_nodes: int
    v: IntArray
    u: IntArray
    pair_x: FloatArray
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
        n = self.n_nodes
        return sp.csr_matrix((np.ones(int(seen.sum())), (self.v[seen], self.u[seen])), shape=(n, n))

    def keys(self) -> IntArray:
        return self.v * self.n_nodes + self.u

    def features(self) -> FloatArray:
        """Pair features, then the pair's ``v`` and ``u`` account features."""
        return np.hstack(
            [self.pair_x, self.account_x[self.v], self._u_x()[self.u]], dtype=np.float32
        )

    def _u_x(self) -> FloatArray:
        return self.account_x[:, [0, 3]]


def follow_keys(follows: tuple[IntArray, IntArray] | None, n: int) -> IntArray:
    """Sorted keys ``followed * n + follower`` (``v * n + u``: ``u`` follows ``v``).

    Learning needs them for every split and fold: compute them once and pass them
    to :func:`build_evidence` and :func:`fit_engagement` as ``keys``.
    """
    if follows is None or follows[0].size == 0:
        return np.zeros(0, dtype=np.int64)
    src, dst = (np.asarray(a, dtype=np.int64) for a in follows)
    return np.unique(dst * n + src)


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
    n = history.n_nodes
    first = int(history.start.min()) if history.n_cascades else now
    days = max(1 / 24, (now - first) / DAY)
    # counts per 10,000 cascades of the history: comparable across windows whatever
    # their length or the activity level of the time
    scale = 1e4 / max(1, history.n_cascades)
    tau = days / 4.0 * DAY
    fkeys = follow_keys(follows, n) if keys is None else keys
    v, u, i, j = early_later_pairs(history, early=early)
    pair_key = v * n + u
    follows_pair = _isin_sorted(pair_key, fkeys)
    # credit of u's adoption j: over earlier adopters u follows, else over all early ones
    n_before = np.bincount(j, minlength=history.user.size).astype(np.float64)
    n_followed = np.bincount(j, weights=follows_pair, minlength=history.user.size)
    credit = np.where(
        n_followed[j] > 0,
        follows_pair / np.maximum(n_followed[j], 1.0),
        1.0 / np.maximum(n_before[j], 1.0),
    )
    age = np.maximum(0, now - history.ts[i]).astype(np.float64)
    decay = np.exp(-age / tau)

    # account features
    pos = history.position
    sizes = history.sizes
    csize = np.repeat(sizes, sizes)
    start_w = np.exp(-np.maximum(0, now - history.ts).astype(np.float64) / tau)
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
        followers = np.bincount(np.asarray(follows[1], dtype=np.int64), minlength=n).astype(float)

    # unique pairs (co-occurrence evidence)
    uniq_raw, inv = np.unique(pair_key, return_inverse=True)
    uniq: IntArray = uniq_raw.astype(np.int64)
    co: FloatArray = np.bincount(inv, minlength=uniq.size).astype(np.float64)
    reach = np.bincount(uniq // n, minlength=n).astype(np.float64)  # distinct later adopters
    cr: FloatArray = np.bincount(inv, weights=credit, minlength=uniq.size).astype(np.float64)
    rec: FloatArray = np.bincount(inv, weights=decay, minlength=uniq.size).astype(np.float64)
    last: FloatArray = np.full(uniq.size, np.inf)
    np.minimum.at(last, inv, age)
    if follow_pairs and fkeys.size:
        extra = fkeys[active[fkeys // n] & ~_isin_sorted(fkeys, uniq)]
        order = np.argsort(np.concatenate([uniq, extra]), kind="stable")
        pad = np.zeros(extra.size)
        uniq = np.concatenate([uniq, extra])[order]
        co = np.concatenate([co, pad])[order]
        cr = np.concatenate([cr, pad])[order]
        rec = np.concatenate([rec, pad])[order]
        last = np.concatenate([last, np.full(extra.size, np.inf)])[order]
    pv, pu = uniq // n, uniq % n
    gap = np.where(np.isfinite(last), last / DAY / days, 2.0)  # share of the history
    pair_x = np.column_stack(
        [
            _isin_sorted(uniq, fkeys).astype(np.float64),
            np.log1p(co * scale),
            np.log1p(cr * scale),
            np.log1p(rec * scale),
            gap,
            co / np.maximum(v_casc[pv], 1.0),
        ]
    )
    account_x = np.column_stack(
        [
            np.log1p(v_casc * scale),
            v_early / np.maximum(v_casc, 1.0),
            np.log1p(tail / np.maximum(v_casc, 1.0)),
            np.log1p(v_recent * scale),
            np.log1p(followers),
            np.log1p(reach * 1e4 / max(1, history.user.size)),
            np.log1p(started * scale),
            np.log1p(started_size / np.maximum(started, 1.0)),
            np.log1p(cascade_pagerank(history, follows) * n),
            np.log1p(_recent_reach(history, early=early)),
        ]
    )
    return Evidence(
        n_nodes=n,
        v=pv,
        u=pu,
        pair_x=pair_x,
        account_x=account_x,
        active=active,
        known=active | (followers > 0),
        history_days=days,
        cascade_rate=_cascade_rate(history, now),
        co_count=co,
    )


def _recent_reach(history: Cascades, *, early: int, share: float = 0.3) -> FloatArray:
    """Distinct later adopters per account in the latest ``share`` of the cascades, per 10,000.

    The account's own most recent record: what it moved in the window just before now.
    """
    n = history.n_nodes
    if history.n_cascades == 0:
        return np.zeros(n)
    order = np.argsort(history.start, kind="stable")
    last = history.take(order[int(order.size * (1 - share)) :])
    v, u, _, _ = early_later_pairs(last, early=early)
    keys = np.unique(v * n + u)
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
        keep = np.ones(ev.n_pairs, dtype=bool)
        if candidates is not None:
            mask = np.zeros(n, dtype=bool)
            mask[candidates] = True
            keep = mask[ev.v]
        p_all, moved = self._raw(ev)
        p = p_all[keep]
        days = self.window_days if horizon_days is None else horizon_days
        p = 1.0 - np.power(np.clip(1.0 - p, 0.0, 1.0), days / self.window_days)
        cascades = ev.cascade_rate * days  # expected cascades within the horizon
        moved = moved * cascades / 1e4
        pool = self.pool_per_cascade * cascades
        rows = np.bincount(ev.v[keep], weights=p, minlength=n)
        # the account model sets each account's total; the pairs say whom it reaches
        scale = np.divide(moved, rows, out=np.ones(n), where=rows > moved)
        P = sp.csr_matrix((p * scale[ev.v[keep]], (ev.v[keep], ev.u[keep])), shape=(n, n))
        novel = np.maximum(0.0, moved - rows)
        if candidates is not None:
            novel[~np.isin(np.arange(n), candidates)] = 0.0
        return EngagementInputs(P, novel, pool)

    def _raw(self, ev: Evidence) -> tuple[FloatArray, FloatArray]:
        """Window probabilities of every pair and :meth:`moved`, cached per evidence."""
        for cached, p, m in self._cache:
            if cached is ev:
                return p, m
        x = ev.features()
        with _one_thread():
            p = self.pair_model.predict_proba(x)[:, 1] if x.shape[0] else np.zeros(0)
        m = self.moved(ev)
        self._cache = [*self._cache[-1:], (ev, p, m)]
        return p, m

    def moved(self, ev: Evidence) -> FloatArray:
        """:math:`m_v` per 10,000 new cascades: distinct people each account moves."""
        out = np.zeros(ev.n_nodes)
        known = np.flatnonzero(ev.known)
        if self.moved_model is not None and known.size:
            with _one_thread():
                out[known] = np.maximum(0.0, self.moved_model.predict(ev.account_x[known]))
        return out


def _one_thread() -> Any:
    """Run scikit-learn's OpenMP loops on one thread.

    At these sizes (up to a few hundred thousand rows) the boosted trees are not
    faster on more threads, and on a busy 2-core machine OpenMP's spinning threads
    made one fit 5× slower (bench/recommend.py on twitter-graph-cascades: 41 s
    against 7.8 s on one thread). One thread also makes the fit reproducible.
    """
    return threadpool_limits(limits=1, user_api="openmp")


def _labels(
    ev: Evidence, future: Cascades, *, early: int
) -> tuple[npt.NDArray[np.bool_], FloatArray]:
    """Per evidence pair: did ``u`` adopt after ``v`` in ``future``? Per account: people moved."""
    n = ev.n_nodes
    fv, fu, _, _ = early_later_pairs(future, early=early)
    fkeys = np.unique(fv * n + fu)
    keys = ev.keys()
    y = _isin_sorted(keys, fkeys) if keys.size else np.zeros(0, dtype=bool)
    moved = np.bincount(fkeys // n, minlength=n).astype(np.float64)
    return y, moved


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
        ev = build_evidence(feat, now=cut, follows=follows, early=early, keys=keys)
        y, moved = _labels(ev, lab, early=early)
        idx = np.arange(ev.n_pairs)
        cap = max_pairs // max(1, folds)
        if idx.size > cap:  # a uniform subsample keeps the probabilities calibrated
            idx = np.sort(rng.choice(idx, size=cap, replace=False))
        xs.append(ev.features()[idx])
        ys.append(y[idx])
        known = np.flatnonzero(ev.known)
        axs.append(ev.account_x[known])
        ms.append(moved[known] * 1e4 / lab.n_cascades)  # per 10,000 cascades
        end = int(ordered.start[hi]) if hi < n_c else int(ordered.ts.max())
        lens.append(max(1 / 24, (end - cut) / DAY))
        pools.append(float(np.unique(lab.user).size) / lab.n_cascades)
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
    x: FloatArray,
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
