r"""The product's own evaluation: plan on the past, count who moved in the future.

:func:`run_backtest` splits a store's cascades by start time (the first
``train_share`` train, every one of them starting before every test cascade),
rebuilds what the planner would have known at the cut, picks ``k`` accounts with
each method and counts on the test cascades the **moved users**
(:func:`~kolgraph.plan.cascades.moved_users`; with a follow graph also the
stricter *path* count). Methods:

* kolgraph's objectives (``engagement``, ``reach``, ``frequency``,
  ``past-engagers``, ``blend``) and its default ``auto``: the objective with the
  best worst case over splits *inside* the training history (:func:`learn`);
* baselines from the same training data: random (mean of several seeds), top
  followers, top PageRank, top past spread, DegreeDiscountIC (:math:`p = 0.01`),
  greedy coverage of past-spread sets;
* the hindsight greedy on the test cascades, a ceiling no method can know.

The default plan's forecasts (moved users within a horizon) are compared with
the measured values at several horizons: the share of measured values inside
the 80% interval and the median ratio of expected to measured.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from kolgraph.arrays import F64 as FloatArray
from kolgraph.arrays import I64 as IntArray
from kolgraph.errors import InputError
from kolgraph.plan.activity import ACTIVE_TAUS, active_engagers_inputs, activity_per_day
from kolgraph.plan.baselines import (
    audience_matrix,
    degree_discount,
    greedy_coverage,
    past_spread_matrix,
    random_accounts,
    top_by,
)
from kolgraph.plan.cascades import (
    DAY,
    Cascades,
    cascade_pagerank,
    moved_mask,
    moved_users,
    path_moved_users,
)
from kolgraph.plan.engagement import (
    EngagementModel,
    Evidence,
    EvidenceBuilder,
    fit_engagement,
    follow_keys,
)
from kolgraph.plan.forecast import (
    Calibration,
    Forecast,
    Point,
    Window,
    persistence,
    persistence_window,
)
from kolgraph.plan.messages import measured_per_message, message_rates
from kolgraph.plan.objective import (
    EngagementInputs,
    EngagementObjective,
    FrequencyObjective,
    ReachObjective,
    blend_objective,
    expected_engaged,
    greedy_select,
)

__all__ = [
    "OBJECTIVES",
    "BacktestParams",
    "BacktestResult",
    "LearnedPlanner",
    "learn",
    "run_backtest",
]

Follows = tuple[IntArray, IntArray] | None
ObjectiveName = Literal[
    "engagement", "reach", "frequency", "past-engagers", "blend", "active-engagers"
]
OBJECTIVES: tuple[ObjectiveName, ...] = (
    "engagement",
    "reach",
    "frequency",
    "past-engagers",
    "blend",
    "active-engagers",
)
#: days of cascades a stored planner keeps for forecasts (horizons beyond are scaled up)
RECENT_DAYS = 90.0
BASELINES = (
    "random",
    "top followers",
    "top PageRank",
    "top past spread",
    "degree discount",
    "greedy past spread",
)


@dataclass(frozen=True)
class BacktestParams:
    """How a backtest (and the planner's own inner check) is run."""

    ks: tuple[int, ...] = (10, 25, 50)
    train_share: float = 0.7
    early: int = 50
    random_seeds: int = 5
    horizons: tuple[float, ...] = (0.0625, 0.125, 0.25, 0.5, 1.0)
    inner_cuts: tuple[float, ...] = (0.55, 0.7, 0.85)
    max_pairs: int = 600_000
    #: evidence pairs a planner keeps (the most likely; see EngagementModel.evidence)
    max_evidence_pairs: int = 20_000_000
    min_frequency: int = 2
    model: Literal["boosting", "logistic"] = "boosting"

    def check(self) -> BacktestParams:
        if not self.ks or min(self.ks) < 1:
            raise InputError(
                f"--k {list(self.ks)}: each k must be at least 1", hint="e.g. --k 10,25,50"
            )
        if not 0 < self.train_share < 1:
            raise InputError(f"train share {self.train_share} must be between 0 and 1")
        return self


@dataclass
class LearnedPlanner:
    """What the planner knows at ``now``: the fitted model, its evidence and its error."""

    model: EngagementModel
    evidence: Evidence
    calibration: Calibration
    objective: ObjectiveName
    objective_scores: dict[str, float]
    audience_kind: str
    now: int
    notes: list[str] = field(default_factory=list)
    scores_by_k: dict[int, dict[str, float]] = field(default_factory=dict)
    #: expected adopters after one message of each account (:mod:`kolgraph.plan.messages`)
    message_rates: FloatArray | None = None
    message_calibration: Calibration = field(default_factory=Calibration)
    #: the history's latest cascades, for the naive half of a forecast
    recent: Cascades | None = None
    #: half-life of activity (share of the history's span) for ``active-engagers``, and
    #: each account's early appearances per day at ``now`` with it
    active_tau: float = ACTIVE_TAUS[0]
    activity: FloatArray | None = None
    #: per account: cascades it took part in, and the time of its last adoption (-1: none)
    cascade_counts: IntArray | None = None
    last_seen: IntArray | None = None

    def slim(self) -> LearnedPlanner:
        """The same planner without the pair feature matrix (what a plan needs, compact).

        The pairs' window probabilities are computed once here and kept, so a plan
        never runs the classifier again.
        """
        from dataclasses import replace

        p, moved = self.model._raw(self.evidence)
        ev = replace(self.evidence, pair_x=np.zeros((0, 0), dtype=np.float32))
        model = replace(self.model, _cache=[(ev, p.astype(np.float32), moved)])
        recent = self.recent
        if recent is not None:  # what a forecast of up to RECENT_DAYS can look back on
            recent = recent.take(recent.start >= self.now - RECENT_DAYS * DAY)
        return replace(self, model=model, evidence=ev, recent=recent)

    def inputs(self, horizon_days: float) -> EngagementInputs:
        """The model's probabilities over ``horizon_days``, kept for the last horizon asked
        and for the horizons :meth:`keep_horizons` names.

        A plan asks for them several times (objective, explanations, forecast).
        """
        cache: dict[float, EngagementInputs] = self.__dict__.get("_inputs") or {}
        got = cache.get(horizon_days)
        if got is None:
            got = self.model.probabilities(self.evidence, horizon_days=horizon_days)
            pinned = self.__dict__.get("_pinned", ())
            kept = {h: v for h, v in cache.items() if h in pinned}  # a new dict: readers
            kept[horizon_days] = got  # never see one change
            self.__dict__["_inputs"] = kept
        return got

    def keep_horizons(self, *horizons: float) -> None:
        """Compute the probabilities of ``horizons`` now and keep them whatever else is asked.

        A serving process keeps its default horizon: a plan asked for another one then
        costs that horizon's probabilities once (about 2 s at a million accounts), not
        the default's again on the next ordinary plan.
        """
        self.__dict__["_pinned"] = tuple(horizons)
        for h in horizons:
            self.inputs(h)

    def recent_window(self, horizon_days: float) -> Window | None:
        """The recent cascades a naive forecast over ``horizon_days`` counts in, kept
        for the last few horizons asked (:func:`~kolgraph.plan.forecast.persistence_window`).
        """
        if self.recent is None or self.recent.n_cascades == 0 or horizon_days <= 0:
            return None
        cache: dict[float, Window] = self.__dict__.get("_windows") or {}
        got = cache.get(horizon_days)
        if got is None:
            got = persistence_window(self.recent, now=self.now, days=horizon_days)
            pinned = self.__dict__.get("_pinned", ())
            kept = {h: w for h, w in cache.items() if h in pinned}  # a new dict: readers
            kept |= dict(list(cache.items())[-3:])  # never see one change
            kept[horizon_days] = got
            self.__dict__["_windows"] = kept
        return got

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_inputs", None)  # recomputed after loading
        state.pop("_windows", None)
        state.pop("_pinned", None)
        return state

    def forecast(
        self, chosen: IntArray, horizon_days: float, objective: str | None = None
    ) -> tuple[Forecast, float]:
        """Moved users within ``horizon_days`` of ``chosen`` posting; and the raw prediction.

        The interval comes from the measured error of plans made with ``objective``
        (default: the ``auto`` one) on the inner splits.
        """
        inputs = self.inputs(horizon_days)
        raw = expected_engaged(inputs, chosen)
        naive = (
            raw
            if self.recent is None
            else persistence(
                self.recent,
                chosen,
                now=self.now,
                days=horizon_days,
                window=self.recent_window(horizon_days),
            )
        )
        f = self.calibration.forecast(raw, horizon_days, objective or self.objective, naive=naive)
        return f, raw

    def marginal_engaged(self, chosen: IntArray, horizon_days: float) -> FloatArray:
        """Expected engaged people each account adds, in the order given (model units)."""
        obj = EngagementObjective(self.inputs(horizon_days))
        out = np.zeros(chosen.size)
        for r, v in enumerate(chosen.tolist()):  # each gain given the accounts before it
            out[r] = obj.gain(v)
            obj.take(v)
        return out

    def evidence_of(self, chosen: IntArray) -> list[tuple[int, float | None]]:
        """Per account: past cascades it took part in, and days from its last one to now."""
        if self.cascade_counts is None or self.last_seen is None:
            return [(0, None) for _ in chosen]
        out: list[tuple[int, float | None]] = []
        for v in chosen.tolist():
            last = int(self.last_seen[v])
            out.append((int(self.cascade_counts[v]), None if last < 0 else (self.now - last) / DAY))
        return out

    def per_message(self, chosen: IntArray, objective: str | None = None) -> Forecast | None:
        """People engaged when every account in ``chosen`` posts one message (80% interval)."""
        if self.message_rates is None or self.message_calibration.n == 0:
            return None
        raw = float(self.message_rates[np.asarray(chosen, dtype=np.int64)].sum())
        return self.message_calibration.forecast(raw, 1.0, objective or self.objective)


def _candidates(history: Cascades, audience: Any) -> IntArray:
    active = np.zeros(history.n_nodes, dtype=bool)
    active[history.user] = True
    active |= np.diff(audience.indptr) > 0
    return np.flatnonzero(active)


def _fit(
    train: Cascades,
    follows: Follows,
    *,
    now: int,
    params: BacktestParams,
    keys: IntArray,
    folds: int = 3,
) -> tuple[EngagementModel, Evidence, int]:
    """The model fitted on ``train``, its evidence at ``now`` and how many pairs it had."""
    model = fit_engagement(
        train,
        follows=follows,
        early=params.early,
        kind=params.model,
        folds=folds,
        max_pairs=params.max_pairs,
        keys=keys,
    )
    builder = EvidenceBuilder(train, now=now, follows=follows, early=params.early, keys=keys)
    ev = model.evidence(builder, max_pairs=params.max_evidence_pairs)
    return model, ev, builder.n_pairs


def _selections(
    train: Cascades,
    follows: Follows,
    model: EngagementModel,
    ev: Evidence,
    *,
    horizon_days: float,
    params: BacktestParams,
    baselines: bool,
    now: int,
    active_taus: tuple[float, ...] = ACTIVE_TAUS,
) -> tuple[dict[str, list[int]], str, dict[str, float]]:
    """Every method's picks (``max(ks)`` accounts, best first) from ``train`` alone.

    ``active-engagers`` is computed for each half-life share in ``active_taus``, as
    ``active-engagers@SHARE``.
    """
    kmax = max(params.ks)
    t0 = time.perf_counter()
    inputs = model.probabilities(ev, horizon_days=horizon_days)
    A, kind = audience_matrix(train, follows)
    cand = _candidates(train, A)
    sel: dict[str, list[int]] = {}
    timing: dict[str, float] = {"probabilities": time.perf_counter() - t0}
    t = time.perf_counter()
    sel["engagement"] = greedy_select(EngagementObjective(inputs), cand, k=kmax).accounts
    timing["engagement"] = time.perf_counter() - t
    t = time.perf_counter()
    sel["reach"] = greedy_select(ReachObjective(A), cand, k=kmax).accounts
    timing["reach"] = time.perf_counter() - t
    past = ev.past_engagers()
    sel["past-engagers"] = greedy_select(ReachObjective(past), cand, k=kmax).accounts
    sel["blend"] = greedy_select(blend_objective(inputs, past, cand, k=kmax), cand, k=kmax).accounts
    for tau in active_taus:
        rate = activity_per_day(train, now=now, tau_share=tau, early=params.early)
        obj = EngagementObjective(active_engagers_inputs(past, rate, horizon_days))
        sel[f"active-engagers@{tau:g}"] = greedy_select(obj, cand, k=kmax).accounts
    sel["frequency"] = greedy_select(
        FrequencyObjective(A, params.min_frequency), cand, k=kmax
    ).accounts
    if baselines:
        spread = past_spread_matrix(train, early=params.early)
        for seed in range(params.random_seeds):
            sel[f"random#{seed}"] = random_accounts(cand, kmax, seed)
        sel["top followers"] = top_by(np.diff(A.indptr), kmax)
        sel["top PageRank"] = top_by(cascade_pagerank(train, follows), kmax, cand)
        sel["top past spread"] = top_by(np.diff(spread.indptr), kmax)
        sel["degree discount"] = degree_discount(A, kmax, p=0.01)
        sel["greedy past spread"] = greedy_coverage(spread, kmax, cand)
    return sel, kind, timing


def _window(test: Cascades, now: int, days: float) -> Cascades:
    """What happens within ``days`` of ``now``: cascades started and adoptions made by then."""
    end = int(now + days * DAY)
    return test.take(test.start < end).before(end)


def _forecast_points(
    model: EngagementModel,
    ev: Evidence,
    history: Cascades,
    test: Cascades,
    chosen: dict[str, list[int] | dict[int, list[int]]],
    *,
    now: int,
    horizon_days: float,
    params: BacktestParams,
) -> list[tuple[str, int, float, float, float, float]]:
    """(method, k, horizon days, model, naive, measured) at each k and horizon share.

    ``chosen`` maps each method to one ranking (its first ``k`` at each ``k``) or a
    set per ``k``. ``model`` is the engagement model's expectation, ``naive`` what
    the same accounts moved in the same span just before ``now`` in ``history``
    (:func:`~kolgraph.plan.forecast.persistence`).
    """
    out = []
    for h in params.horizons:
        days = h * horizon_days
        inputs = model.probabilities(ev, horizon_days=days)  # once per horizon, for all
        window = _window(test, now, days)
        for name, picks in chosen.items():
            for k in params.ks:
                S = np.asarray(picks[k] if isinstance(picks, dict) else picks[:k], dtype=np.int64)
                out.append(
                    (
                        name,
                        k,
                        days,
                        expected_engaged(inputs, S),
                        persistence(history, S, now=now, days=days),
                        float(moved_users(window, S)),
                    )
                )
    return out


def _last_seen(history: Cascades) -> IntArray:
    """Time of each account's last adoption, ``-1`` where it has none."""
    out = np.full(history.n_nodes, -1, dtype=np.int64)
    np.maximum.at(out, history.user, history.ts)
    return out


def _horizon(test: Cascades, now: int) -> float:
    return max(1 / 24, float(test.ts.max() - now) / DAY) if test.user.size else 1.0


def _check_split(
    history: Cascades,
    cut_share: float,
    split: int,
    *,
    follows: Follows,
    params: BacktestParams,
    keys: IntArray,
    names: list[str],
) -> tuple[list[tuple[int, dict[str, float]]], str, list[Point], list[Point]] | None:
    """Plan with every objective at one inner cut and measure it (``None``: too small).

    Returns the moved users of each objective at each ``k``, the audience kind, and
    the per-message and forecast points of this split.
    """
    inner_train, inner_test = history.split(cut_share)
    if inner_train.n_cascades < 20 or inner_test.n_cascades < 5:
        return None
    cut = int(inner_test.start.min())
    horizon = _horizon(inner_test, cut)
    model, ev, _ = _fit(inner_train, follows, now=cut, params=params, keys=keys, folds=2)
    sel, kind, _ = _selections(
        inner_train,
        follows,
        model,
        ev,
        horizon_days=horizon,
        params=params,
        baselines=False,
        now=cut,
    )
    got = [(k, {o: float(moved_users(inner_test, sel[o][:k])) for o in names}) for k in params.ks]
    rates = message_rates(inner_train)
    message_points: list[Point] = []
    for name in names:
        for k in params.ks:
            pred, meas, posted = measured_per_message(inner_test, sel[name][:k], rates)
            if posted:
                message_points.append((name, split, 1.0, pred, pred, meas))
    points: list[Point] = [
        (name, split, days, pred, naive, meas)
        for name, _, days, pred, naive, meas in _forecast_points(
            model,
            ev,
            inner_train,
            inner_test,
            {name: sel[name] for name in names},
            now=cut,
            horizon_days=horizon,
            params=params,
        )
    ]
    return got, kind, message_points, points


def learn(
    history: Cascades,
    *,
    follows: Follows = None,
    now: int | None = None,
    params: BacktestParams | None = None,
) -> LearnedPlanner:
    """Fit the engagement model on ``history`` and measure it on splits inside it.

    Each inner split (the cascades before a cut at ``inner_cuts`` of the history
    against the rest) plans with every objective and compares the model's
    predictions with what happened after the cut, at several horizons. Those
    points set the forecast calibration and the ``auto`` objective: the one whose
    worst share of the best objective's moved users, over the inner splits and
    sizes, is highest (ties: the best mean share). The model used from
    here on is then refitted on the whole history, its evidence computed at
    ``now`` (default: the last adoption).
    """
    p = (params or BacktestParams()).check()
    keys = follow_keys(follows, history.n_nodes)  # once for every split and fold
    variants = [f"active-engagers@{t:g}" for t in ACTIVE_TAUS]
    names = [o for o in OBJECTIVES if o != "active-engagers"] + variants
    share: dict[str, list[float]] = {o: [] for o in names}
    by_k: dict[int, dict[str, list[float]]] = {k: {o: [] for o in names} for k in p.ks}
    points: list[Point] = []
    message_points: list[Point] = []
    kind = "followers"
    for split, c in enumerate(p.inner_cuts):
        checked = _check_split(history, c, split, follows=follows, params=p, keys=keys, names=names)
        if checked is None:
            continue
        got_by_k, kind, split_messages, split_points = checked
        for k, got in got_by_k:
            top = max(got.values())
            for o in names:
                share[o].append(got[o] / top if top else 1.0)
                by_k[k][o].append(got[o] / top if top else 1.0)
        message_points += split_messages
        points += split_points
    if not points:
        raise InputError(
            f"only {history.n_cascades} cascades: too few to check the model on its own history",
            hint="import more cascades, or plan with --objective reach",
        )
    # the half-life of activity: the one with the best worst case, then the best mean
    chosen = max(variants, key=lambda o: (float(np.min(share[o])), float(np.mean(share[o]))))
    tau = ACTIVE_TAUS[variants.index(chosen)]

    def rename(name: str) -> str:
        return "active-engagers" if name == chosen else name

    share = {rename(o): v for o, v in share.items() if o == chosen or o not in variants}
    by_k = {
        k: {rename(o): v for o, v in per.items() if o == chosen or o not in variants}
        for k, per in by_k.items()
    }
    points = [(rename(pt[0]), *pt[1:]) for pt in points if pt[0] == chosen or pt[0] not in variants]
    message_points = [
        (rename(pt[0]), *pt[1:])
        for pt in message_points
        if pt[0] == chosen or pt[0] not in variants
    ]
    scores = {o: float(np.mean(v)) for o, v in share.items()}
    worst = {o: float(np.min(v)) for o, v in share.items()}
    calibration = Calibration.fit(points)
    # the most robust objective: best worst case over the inner splits and sizes (the
    # latest split can differ from the earlier ones: the mean alone hides such a shift)
    best = max(OBJECTIVES, key=lambda o: (worst[o], scores[o], o == "engagement"))
    at = int(history.ts.max()) if now is None else now
    final, final_ev, n_pairs = _fit(history, follows, now=at, params=p, keys=keys)
    known = history.before(at + 1)  # what happened up to now
    notes = [
        f"objective {best!r} did best in the worst case on the store's own history "
        f"(share of the best objective's moved people over {len(share[best])} inner splits "
        "and sizes, worst / mean: "
        + ", ".join(f"{o} {worst[o]:.3f} / {scores[o]:.3f}" for o in OBJECTIVES)
        + ")"
    ]
    if n_pairs > final_ev.n_pairs:
        notes.append(
            f"the engagement model keeps the {final_ev.n_pairs:,} most likely of {n_pairs:,} "
            "evidence pairs; the people of the others count among those each account moves "
            "beyond its pairs"
        )
    scores_by_k = {
        k: {o: float(np.mean(v)) if v else 0.0 for o, v in per.items()} for k, per in by_k.items()
    }
    return LearnedPlanner(
        final,
        final_ev,
        calibration,
        best,
        scores,
        kind,
        at,
        notes,
        scores_by_k=scores_by_k,
        message_rates=message_rates(known),
        message_calibration=Calibration.fit(message_points),
        recent=known,
        active_tau=tau,
        activity=activity_per_day(history, now=at, tau_share=tau, early=p.early),
        cascade_counts=np.bincount(history.user, minlength=history.n_nodes).astype(np.int64),
        last_seen=_last_seen(history),
    )


@dataclass
class BacktestResult:
    """Moved users per method and k, the forecast check, timings."""

    ks: tuple[int, ...]
    moved: dict[str, list[float]]
    path: dict[str, list[float]] | None
    forecast: list[dict[str, float]]
    objective: str
    audience: str
    counts: dict[str, int]
    auto: dict[int, str]
    timings: dict[str, float]
    importances: dict[str, float]
    notes: list[str]
    per_message: list[dict[str, float]] = field(default_factory=list)

    @property
    def best_baseline(self) -> list[float]:
        return [max(self.moved[b][i] for b in BASELINES) for i in range(len(self.ks))]

    def ratios(self) -> dict[str, list[float]]:
        best = self.best_baseline
        return {
            m: [v / b if b else float("nan") for v, b in zip(vals, best, strict=True)]
            for m, vals in self.moved.items()
        }

    @property
    def coverage(self) -> float:
        inside = [p["low"] <= p["measured"] <= p["high"] for p in self.forecast]
        return float(np.mean(inside)) if inside else float("nan")

    @property
    def message_coverage(self) -> float:
        """Share of per-message measurements inside their 80% interval."""
        inside = [p["low"] <= p["measured"] <= p["high"] for p in self.per_message]
        return float(np.mean(inside)) if inside else float("nan")

    @property
    def message_median_ratio(self) -> float:
        r = [p["expected"] / p["measured"] for p in self.per_message if p["measured"] > 0]
        return float(np.median(r)) if r else float("nan")

    @property
    def median_ratio(self) -> float:
        r = [p["expected"] / p["measured"] for p in self.forecast if p["measured"] > 0]
        return float(np.median(r)) if r else float("nan")


def hindsight(test: Cascades, k: int, *, pool: int = 3000) -> list[int]:
    """Greedy on the test cascades themselves (a ceiling): lazy, exact marginal counts."""
    import heapq

    tail = np.bincount(
        test.user,
        weights=(np.repeat(test.sizes, test.sizes) - 1 - test.position),
        minlength=test.n_nodes,
    )
    cand = np.argsort(-tail, kind="stable")[:pool]
    chosen = np.zeros(test.n_nodes, dtype=bool)
    value = 0
    heap = [(-float(tail[v]), int(v), -1) for v in cand if tail[v] > 0]
    heapq.heapify(heap)
    out: list[int] = []
    step = 0
    while heap and len(out) < k:
        _, v, stamp = heapq.heappop(heap)
        if stamp == step:
            chosen[v] = True
            value = int(moved_mask(test, chosen).sum())
            out.append(v)
            step += 1
            continue
        chosen[v] = True
        g = int(moved_mask(test, chosen).sum()) - value
        chosen[v] = False
        heapq.heappush(heap, (-float(g), v, step))
    return out


def run_backtest(
    cascades: Cascades,
    *,
    follows: Follows = None,
    params: BacktestParams | None = None,
) -> BacktestResult:
    """Split by start time, plan on the past with every method, count moved users after.

    Raises
    ------
    InputError
        If there are too few cascades to split twice (the backtest's split and the
        planner's own inner split).
    """
    p = (params or BacktestParams()).check()
    if cascades.n_cascades < 50:
        raise InputError(
            f"only {cascades.n_cascades} timestamped cascades: a backtest needs at least 50",
            hint="import more cascades (`kolgraph import cascades FILE`)",
        )
    train, test = cascades.split(p.train_share)
    cut = int(test.start.min())
    horizon = _horizon(test, cut)
    t0 = time.perf_counter()
    planner = learn(train, follows=follows, now=cut, params=p)
    learn_s = time.perf_counter() - t0
    ev = planner.evidence
    sel, kind, timing = _selections(
        train,
        follows,
        planner.model,
        ev,
        horizon_days=horizon,
        params=p,
        baselines=True,
        now=cut,
        active_taus=(planner.active_tau,),
    )
    sel["active-engagers"] = sel.pop(f"active-engagers@{planner.active_tau:g}")
    # one objective for every size: chosen on all inner splits and sizes together (per-size
    # choices rest on a third of the evidence each and were less stable)
    auto = {k: sel[planner.objective][:k] for k in p.ks}
    sel["hindsight (ceiling)"] = hindsight(test, max(p.ks))
    moved: dict[str, list[float]] = {
        "kolgraph (auto)": [float(moved_users(test, auto[k])) for k in p.ks]
    }
    for name, s in sel.items():
        if name.startswith("random#"):
            continue
        moved[name] = [float(moved_users(test, s[:k])) for k in p.ks]
    rnd = [n for n in sel if n.startswith("random#")]
    moved["random"] = [float(np.mean([moved_users(test, sel[n][:k]) for n in rnd])) for k in p.ks]
    path = None
    if follows is not None and follows[0].size:
        path = {
            name: [float(path_moved_users(test, sel[name][:k], follows)) for k in p.ks]
            for name in moved
            if name in sel
        }
        path["kolgraph (auto)"] = [float(path_moved_users(test, auto[k], follows)) for k in p.ks]
    forecast = []
    for _, k_, days, raw, naive, measured in _forecast_points(
        planner.model,
        planner.evidence,
        train,
        test,
        {"auto": auto},
        now=cut,
        horizon_days=horizon,
        params=p,
    ):
        f = planner.calibration.forecast(raw, days, planner.objective, naive=naive)
        forecast.append(
            {
                "k": k_,
                "horizon_days": days,
                "raw": raw,
                "expected": f.expected,
                "low": f.low,
                "high": f.high,
                "measured": measured,
            }
        )
    per_message = []  # measured for the accounts that posted in the test, not all chosen
    rates = planner.message_rates
    if rates is not None and planner.message_calibration.n:
        for k_ in p.ks:
            raw_m, measured_m, posted = measured_per_message(test, auto[k_], rates)
            if posted:
                got = planner.message_calibration.forecast(raw_m, 1.0, planner.objective)
                per_message.append(
                    {
                        "k": k_,
                        "posted": posted,
                        "raw": raw_m,
                        "expected": got.expected,
                        "low": got.low,
                        "high": got.high,
                        "measured": measured_m,
                    }
                )
    return BacktestResult(
        ks=p.ks,
        moved=moved,
        path=path,
        forecast=forecast,
        per_message=per_message,
        objective=planner.objective,
        auto={k: planner.objective for k in p.ks},
        audience=kind,
        counts={
            "cascades": cascades.n_cascades,
            "train_cascades": train.n_cascades,
            "test_cascades": test.n_cascades,
            "test_adoptions": int(test.user.size),
            "test_users": int(np.unique(test.user).size),
            "evidence_pairs": ev.n_pairs,
        },
        timings={"learn": learn_s, **timing},
        importances=planner.model.importances,
        notes=planner.notes,
    )
