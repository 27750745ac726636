"""Plan v1: greedy budgeted maximum coverage over account audiences.

Given a budget, a per-kind mix (min/max KOL, media, own and partner accounts) and
optionally a target audience (communities), choose accounts one at a time by
the best *marginal unique audience per unit cost*: how many target people the
account reaches that the accounts already chosen do not. Because coverage is
submodular, a lazy (CELF) greedy evaluates few candidates per step. Accounts
whose audience the rank run flagged are left out unless asked for
(``skip_flagged=False``).

Each chosen account gets a phase of the topic life cycle from when it tends to act
(:mod:`kolgraph.plan.phases`) and short warnings (:mod:`kolgraph.plan.flags`).
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from kolgraph.audience.keys import unknown_keys_error
from kolgraph.errors import InputError
from kolgraph.model import Kind
from kolgraph.plan.flags import row_warnings
from kolgraph.plan.frequency import reach_frequency
from kolgraph.plan.gains import Coverage, CoverageGains, FrequencyGains, RowGains, target_rows
from kolgraph.plan.params import (
    PLAN_OBJECTIVES,
    PLANNABLE,
    KindRange,
    Plan,
    PlannedAccount,
    PlanParams,
    new_plan_id,
)
from kolgraph.plan.phases import PHASES, Phase, assign_phases, timing
from kolgraph.plan.prepared import KIND_VALUES, KINDS, Prepared, prepare
from kolgraph.plan.schedule import store_schedule
from kolgraph.plan.target import Target, target_of
from kolgraph.rank.graph import follower_matrix
from kolgraph.settings import Settings, get_settings
from kolgraph.store.base import Store

if TYPE_CHECKING:
    from kolgraph.plan.backtest import LearnedPlanner
    from kolgraph.plan.objective import Objective

__all__ = [
    "PLAN_OBJECTIVES",
    "KindRange",
    "Plan",
    "PlanInputs",
    "PlanParams",
    "PlannedAccount",
    "RunInputs",
    "best_plan",
    "community_coverage",
    "make_plan",
    "new_plan_id",
    "no_run_error",
    "plan_arrays",
    "plan_inputs",
    "read_run_inputs",
]


@dataclass(frozen=True)
class PlanInputs:
    """What a plan is made from, read from the store once (several plans can share it).

    ``prepared`` holds the arrays every plan derives from the accounts and scores
    (:func:`~kolgraph.plan.prepared.prepare`); a serving process keeps them with the
    run (:mod:`kolgraph.plan.cache`). Without them each plan derives its own.
    """

    run_id: str
    audience: sp.csr_matrix
    accounts: pd.DataFrame
    scores: pd.DataFrame
    learned: LearnedPlanner | None
    #: why the forecast is missing, when it is (kept as the plan's first notes)
    notes: tuple[str, ...] = ()
    prepared: Prepared | None = None


@dataclass(frozen=True)
class RunInputs:
    """Everything plans read from one run of a store, read once for any parameters.

    ``learned_error`` is why the run's engagement model could not be read (a model
    stored by another version of kolgraph), or None; :meth:`for_params` decides per
    request what that means, exactly as :func:`plan_inputs` does.
    """

    run_id: str
    audience: sp.csr_matrix
    accounts: pd.DataFrame
    scores: pd.DataFrame
    learned: LearnedPlanner | None
    learned_error: InputError | None
    prepared: Prepared

    def for_params(self, params: PlanParams) -> tuple[PlanInputs, PlanParams]:
        """The inputs and parameters to plan ``params`` with (see :func:`plan_inputs`)."""
        params.check()
        learned = self.learned
        if self.learned_error is not None:
            exc = self.learned_error
            if params.objective not in ("auto", "reach", "frequency"):
                raise InputError(exc.message, hint=exc.hint)
            params = replace(
                params, objective="reach" if params.objective == "auto" else params.objective
            )
            stale = [f"no forecast and objective {params.objective}: {exc.message} ({exc.hint})"]
        else:
            stale = []
        if learned is None and params.objective == "engagement":
            raise InputError(
                "the current rank run has no engagement model (the store needs at least 50 "
                "timestamped cascades)",
                hint="import cascades and run `kolgraph rank`, or use --objective reach",
            )
        inputs = PlanInputs(
            run_id=self.run_id,
            audience=self.audience,
            accounts=self.accounts,
            scores=self.scores,
            learned=learned,
            notes=tuple(stale),
            prepared=self.prepared,
        )
        return inputs, params


def read_run_inputs(
    store: Store,
    run_id: str,
    *,
    accounts: pd.DataFrame | None = None,
    scores: pd.DataFrame | None = None,
) -> RunInputs:
    """Read what every plan of run ``run_id`` needs: graph, accounts, scores, model.

    The audience matrix, the accounts and the current scores are read as they are
    now (the caller checks that ``run_id`` is still the current run; ``accounts``
    and ``scores`` when already read), and the arrays plans derive from them are
    prepared (:func:`~kolgraph.plan.prepared.prepare`).
    """
    from kolgraph.plan.learned import load_learned

    learned: LearnedPlanner | None
    try:  # the model also gives every objective's plan its forecast
        learned, problem = load_learned(store, run_id), None
    except InputError as exc:
        learned, problem = None, exc
    audience = follower_matrix(store.graph_arrays())
    accounts = store.accounts_frame() if accounts is None else accounts
    scores = store.current_scores() if scores is None else scores
    return RunInputs(
        run_id=run_id,
        audience=audience,
        accounts=accounts,
        scores=scores,
        learned=learned,
        learned_error=problem,
        prepared=prepare(audience, accounts, scores),
    )


def plan_inputs(store: Store, params: PlanParams) -> tuple[PlanInputs, PlanParams]:
    """Read the current run's graph, scores and engagement model for ``params``.

    Returns the inputs and the parameters to plan with: without an engagement model
    ``auto`` becomes ``reach`` (said in the notes). A serving process reads them
    once per run instead (:class:`~kolgraph.plan.cache.PlanCache`).
    """
    run = store.current_run()
    if run is None:
        raise no_run_error()
    params.check()
    return read_run_inputs(store, run.id).for_params(params)


def no_run_error() -> InputError:
    """The error of a plan asked for before any rank run was published."""
    return InputError(
        "there is no rank run to plan from", hint="run the rank job first (`kolgraph rank`)"
    )


def best_plan(inputs: PlanInputs, params: PlanParams, *, settings: Settings | None = None) -> Plan:
    """The better of the two greedy rules' plans (:func:`plan_arrays`), with a note why.

    Both rules start from one setup (candidates, target, costs); only the better
    plan is explained in full (forecast, overlaps, warnings). The result is the plan
    :func:`plan_arrays` makes with the winning rule.
    """
    setup = _setup(
        inputs.audience,
        inputs.accounts,
        inputs.scores,
        params,
        settings=settings,
        learned=inputs.learned,
        prepared=inputs.prepared,
    )
    picks = [_select(setup, rule) for rule in ("ratio", "gain")]
    orders = [_order(setup, pick) for pick in picks]
    values = [_value(pick, order) for pick, order in zip(picks, orders, strict=True)]
    b = max((0, 1), key=lambda k: (values[k], k == 0))
    best = _finish(setup, picks[b], orders[b], run_id=inputs.run_id)
    other = 1 - b
    plan = replace(best, notes=[*inputs.notes, *best.notes])
    plan.notes.append(
        f"accounts chosen by {plan.rule}: it gave {plan.value:,.0f} against "
        f"{values[other]:,.0f} by {_RULE_NAMES[picks[other].rule]} "
        f"({'the budget binds' if b == 0 else 'the counts bind'})"
    )
    return plan


def make_plan(
    store: Store,
    params: PlanParams,
    *,
    settings: Settings | None = None,
    inputs: RunInputs | None = None,
) -> Plan:
    """Plan a campaign from the store's current rank run. See :func:`plan_arrays`.

    With ``inputs`` (the current run's, read once: :class:`~kolgraph.plan.cache.PlanCache`)
    nothing is read from the store but the phase calendar, itself read once per run.
    """
    if inputs is None:
        plan_in, params = plan_inputs(store, params)
    else:
        plan_in, params = inputs.for_params(params)
    plan = best_plan(plan_in, params, settings=settings)
    sched = store_schedule(store, plan_in.run_id, plan_in.learned)  # kolgraph.plan.schedule
    return sched.apply(replace(plan, id=new_plan_id()))


_RULE_NAMES = {"ratio": "gain per cost", "gain": "gain alone"}
#: When no account left in the greedy's heap can be taken, count at once what popping
#: each would count (the stop reason needs the counts), instead of popping them.
_COUNT_THE_REST = True


@dataclass
class _Setup:
    """What both greedy rules of one plan start from (:func:`_setup`)."""

    params: PlanParams
    s: Settings
    n: int
    audience: sp.csr_matrix
    accounts: pd.DataFrame
    community: pd.Series
    prep: Prepared
    learned: LearnedPlanner | None
    #: kind codes (:data:`~kolgraph.plan.prepared.KIND_VALUES`), with stand-in KOLs
    kind: npt.NDArray[np.int8]
    cand: npt.NDArray[np.int64]
    include: list[int]
    tgt: Target
    cost_all: npt.NDArray[np.float64]
    est_all: npt.NDArray[np.bool_]
    notes: list[str]
    coverage: Coverage

    def kind_of(self, i: int) -> Kind:
        return KINDS[int(self.kind[i])]


@dataclass
class _Pick:
    """The accounts one greedy rule chose (:func:`_select`)."""

    rule: Literal["ratio", "gain"]
    objective: str
    notes: list[str]
    chosen: list[int]
    gains: dict[int, int]
    objective_gain: dict[int, float]
    spent: float
    stop: str
    coverage: Coverage


def _setup(
    audience: sp.csr_matrix,
    accounts: pd.DataFrame,
    scores: pd.DataFrame,
    params: PlanParams,
    *,
    settings: Settings | None,
    learned: LearnedPlanner | None,
    prepared: Prepared | None,
) -> _Setup:
    """Candidates, target and costs of a plan: the part both greedy rules share."""
    s = settings or get_settings()
    params.check()
    prep = prepared if prepared is not None else prepare(audience, accounts, scores)
    n = audience.shape[0]
    notes: list[str] = []
    pr = prep.pagerank
    kind = prep.kind
    kol = KIND_VALUES.index(Kind.KOL.value)

    plannable = prep.plannable.copy()
    if params.platform is not None:
        plannable &= prep.on_platform(params.platform)
    if not (kind[plannable] == kol).any() and s.auto_kol > 0:
        users = np.flatnonzero(prep.is_kind(Kind.USER) & (pr > 0))
        if params.platform is not None:
            users = users[prep.platform[users] == params.platform]
        top = users[np.argsort(-pr[users], kind="stable")[: s.auto_kol]]
        kind = kind.copy()
        kind[top] = kol
        plannable[top] = True
        notes.append(
            f"no account is labelled kol: the top {top.size} accounts by PageRank stand in "
            "as KOL candidates (label accounts to control this)"
        )

    keys = prep.keys
    key_index = prep.key_index
    unknown = [k for k in dict.fromkeys((*params.include, *params.exclude)) if k not in key_index]
    if unknown:  # every unknown key at once, each with the closest stored key
        err = unknown_keys_error(unknown, key_index.all_keys())
        raise InputError(
            f"included or excluded accounts not in the store: {err.message}", hint=err.hint
        )
    for key in params.exclude:
        plannable[key_index[key]] = False
    rivals = [k for k in params.target_followers_of if k in key_index and k not in params.include]
    for key in rivals:  # a brand whose audience is targeted does not carry the message
        plannable[key_index[key]] = False
    if rivals:
        notes.append(
            f"{', '.join(rivals)} left out of the candidates: their audience is the target "
            "(include them to plan with them)"
        )
    if params.skip_flagged:
        n_skipped = int((plannable & prep.flagged).sum())
        plannable &= ~prep.flagged
        if n_skipped:
            notes.append(
                f"{n_skipped} candidate(s) left out because their audience was flagged "
                "(see the flags of each account; include-flagged keeps them)"
            )
    include = [key_index[k] for k in params.include]
    plannable_codes = [KIND_VALUES.index(k.value) for k in PLANNABLE]
    for i in include:
        if int(kind[i]) not in plannable_codes:
            kind_text = "kol" if int(kind[i]) == kol else prep.kind_values[i]
            raise InputError(
                f"account {keys[i]!r} is a {kind_text}, not a kol, media, own or partner account",
                hint="label it kol, media, own or partner first, or leave it out of the included "
                "accounts",
            )
        plannable[i] = True

    community = scores["community"]
    tgt = target_of(
        audience,
        accounts,
        community,
        communities=params.target_communities,
        followers_of=params.target_followers_of,
        users=params.target_users,
        new_audience_only=params.new_audience_only,
        key_index=key_index,
        community_values=prep.community_f64,
        own=np.flatnonzero(prep.is_kind(Kind.OWN)),
    )
    cand = np.flatnonzero(plannable)
    coverage: Coverage
    if CoverageGains.covers(prep, cand):
        coverage = CoverageGains(audience, prep, tgt.mask, tgt.everyone)
    else:  # users standing in as KOLs are not prepared candidates
        coverage = RowGains.of(audience, cand, tgt.mask, tgt.everyone)
    cost_all, est_all = prep.costs(s)
    return _Setup(
        params=params,
        s=s,
        n=n,
        audience=audience,
        accounts=accounts,
        community=community,
        prep=prep,
        learned=learned,
        kind=kind,
        cand=cand,
        include=include,
        tgt=tgt,
        cost_all=cost_all,
        est_all=est_all,
        notes=notes,
        coverage=coverage,
    )


def _select(setup: _Setup, rule: Literal["ratio", "gain"]) -> _Pick:
    """The accounts ``rule`` chooses under the budget (the greedy of :func:`plan_arrays`)."""
    params = setup.params
    n = setup.n
    kind = setup.kind
    cand = setup.cand
    cost_all = setup.cost_all
    keys = setup.prep.keys
    target = setup.tgt.mask
    comm_of = setup.prep.community
    cov = setup.coverage.fresh()
    per_comm: dict[int, int] = {}
    chosen: list[int] = []
    gains: dict[int, int] = {}
    count = {k: 0 for k in PLANNABLE}
    spent = 0.0

    frequency: Callable[[], Objective] | None = None
    if isinstance(cov, CoverageGains) and target.all():  # the frequency objective's own rows
        frequency = partial(FrequencyGains, setup.audience, setup.prep, params.min_frequency)
    objective, obj, objective_notes = _objective(
        params, setup.learned, setup.audience, target, n, frequency=frequency
    )
    objective_gain: dict[int, float] = {}

    def gain(i: int) -> float:
        return cov.gain(i) if obj is None else obj.gain(i)

    def take(i: int, g: float) -> None:
        nonlocal spent
        if obj is not None:
            objective_gain[i] = obj.gain(i)
            obj.take(i)
        else:
            objective_gain[i] = float(g)
        gains[i] = cov.take(i)  # the people it newly reaches (g itself, for reach)
        chosen.append(i)
        spent += float(cost_all[i])
        count[setup.kind_of(i)] += 1
        per_comm[int(comm_of[i])] = per_comm.get(int(comm_of[i]), 0) + 1

    def community_full(i: int) -> bool:
        cap, c = params.max_per_community, int(comm_of[i])
        return cap is not None and c >= 0 and per_comm.get(c, 0) >= cap

    def ratio(g: float, c: float) -> float:
        if rule == "gain":
            return g
        return g / c if c > 0 else float("inf") if g > 0 else 0.0

    def first_heap(pool: npt.NDArray[np.int64]) -> list[tuple[float, int, int]]:
        """``(-ratio, account, -1)`` of every account of ``pool`` (all of them stale)."""
        exact: Callable[[npt.NDArray[np.int64]], npt.NDArray[np.float64]] | None = getattr(
            obj, "exact_gains", None
        )  # the values obj.gain gives, all at once
        g: npt.NDArray[np.int64] | npt.NDArray[np.float64]
        if obj is None:
            g = cov.gains(pool)
        elif exact is not None:
            g = exact(pool)
        else:
            return [(-ratio(gain(int(i)), float(cost_all[i])), int(i), -1) for i in pool]
        if rule == "gain":
            r = g.astype(np.float64)
        else:  # g / c, and inf (g > 0) or 0 without a cost, as ratio() does
            c = cost_all[pool]
            paid = c > 0
            r = np.where(g > 0, np.inf, 0.0)
            r[paid] = g[paid] / c[paid]
        return list(zip((-r).tolist(), pool.tolist(), itertools.repeat(-1), strict=False))

    def reserve(i: int) -> float:
        """Cheapest cost of the minimum slots still open once ``i`` is taken."""
        total = 0.0
        for k, order in by_cost.items():
            need = params.range_of(k).min - count[k] - (setup.kind_of(i) == k)
            for j in order:
                if need <= 0:
                    break
                if j != i and j not in gains:
                    total += float(cost_all[j])
                    need -= 1
        return total

    def none_left(
        heap: list[tuple[float, int, int]], room: dict[Kind, int | None]
    ) -> tuple[int, int] | None:
        """When no account of ``heap`` can be taken any more (and nothing will change):
        how many the loop would skip for counts and for the budget; else None."""
        ids = np.fromiter((e[1] for e in heap), dtype=np.int64, count=len(heap))
        done = np.isin(ids, chosen)
        full = np.zeros(ids.size, dtype=bool)
        for k, cap in room.items():
            if cap is not None and count[k] >= cap:
                full |= kind[ids] == KIND_VALUES.index(k.value)
        cap = params.max_per_community
        if cap is not None:
            crowded = [c for c, m in per_comm.items() if c >= 0 and m >= cap]
            full |= np.isin(comm_of[ids], crowded)
        over = cost_all[ids] > params.budget - spent + 1e-9
        if (~done & ~full & ~over).any():
            return None
        return int((~done & full).sum()), int((~done & ~full & over).sum())

    def drop_full_kind(
        heap: list[tuple[float, int, int]], k: Kind, room: dict[Kind, int | None]
    ) -> int:
        """When kind ``k`` is full: take its accounts out of ``heap`` and return how many
        the loop would have skipped for the counts (each one it pops from then on; taken
        accounts are skipped without counting)."""
        cap = room.get(k)
        if cap is None or count[k] < cap:
            return 0
        ids = np.fromiter((e[1] for e in heap), dtype=np.int64, count=len(heap))
        out = kind[ids] == KIND_VALUES.index(k.value)
        if not out.any():
            return 0
        kept = [e for e, o in zip(heap, out.tolist(), strict=True) if not o]
        heap[:] = kept
        heapq.heapify(heap)
        return int((out & ~np.isin(ids, chosen)).sum())

    stop = [""]

    def greedy(
        pool: npt.NDArray[np.int64],
        limit: int | None,
        room: dict[Kind, int | None],
        keep_minimums: bool = False,
    ) -> int:
        """Lazy greedy over ``pool``; returns how many accounts were taken.

        With ``keep_minimums`` an account is taken only if the budget left
        after it still pays for the cheapest way to fill the open minimums.
        """
        heap = first_heap(pool)
        heapq.heapify(heap)
        taken = 0
        step = 0
        checked = -1
        skipped = {"budget": 0, "counts": 0}
        stop[0] = ""
        if _COUNT_THE_REST and not keep_minimums and (limit is None or limit > 0):
            for k in room:
                skipped["counts"] += drop_full_kind(heap, k, room)
        while heap and (limit is None or taken < limit):
            _, i, stamp = heapq.heappop(heap)
            k = setup.kind_of(i)
            cap = room.get(k)
            if i in gains:
                continue
            if (cap is not None and count[k] >= cap) or community_full(i):
                skipped["counts"] += 1
                continue
            held = reserve(i) if keep_minimums else 0.0
            if cost_all[i] + held > params.budget - spent + 1e-9:
                skipped["budget"] += 1
                if _COUNT_THE_REST and not keep_minimums and checked != step:
                    checked = step
                    rest = none_left(heap, room)
                    if rest is not None:  # what popping each of them would have counted
                        skipped["counts"] += rest[0]
                        skipped["budget"] += rest[1]
                        heap.clear()
                continue
            if stamp != step:
                g = gain(i)
                heapq.heappush(heap, (-ratio(g, float(cost_all[i])), i, step))
                continue
            g = gain(i)
            if limit is None and (g <= 0 or g < params.min_gain):
                stop[0] = (
                    "no candidate adds anything"
                    if g <= 0
                    else f"the next best account adds {g:,.1f}, below the minimum gain"
                )
                break
            take(i, g)
            taken += 1
            step += 1
            if _COUNT_THE_REST and not keep_minimums and (limit is None or taken < limit):
                skipped["counts"] += drop_full_kind(heap, k, room)
        if not stop[0]:
            if limit is not None and taken >= limit:
                stop[0] = "the account limit is reached"
            elif skipped["budget"] and skipped["budget"] >= skipped["counts"]:
                stop[0] = "the budget is spent: no remaining candidate fits what is left"
            elif skipped["counts"]:
                stop[0] = "every kind's maximum count is full"
            else:
                stop[0] = "every candidate is in the plan"
        return taken

    caps: dict[Kind, int | None] = {k: params.range_of(k).max for k in PLANNABLE}
    for i in setup.include:
        if cost_all[i] > params.budget - spent + 1e-9:
            raise InputError(
                f"included account {keys[i]} costs {cost_all[i]:.0f}, more than the budget left "
                f"({params.budget - spent:.0f})",
                hint="raise the budget or drop it from the included accounts",
            )
        take(i, gain(i))
    by_cost: dict[Kind, list[int]] = {}
    cheapest_total = 0.0
    for k in PLANNABLE:
        need = params.range_of(k).min - count[k]
        if need <= 0:
            continue
        code = KIND_VALUES.index(k.value)
        pool = cand[(kind[cand] == code) & ~np.isin(cand, chosen)]
        if pool.size < need:
            raise InputError(
                f"cannot place {params.range_of(k).min} {k.value} accounts: only "
                f"{pool.size + count[k]} {k.value} candidates exist",
                hint=f"lower the minimum number of {k.value} accounts, or label more "
                f"accounts {k.value}",
            )
        order = pool[np.argsort(cost_all[pool], kind="stable")]
        by_cost[k] = [int(j) for j in order]
        cheapest_total += float(cost_all[order[:need]].sum())
    if cheapest_total > params.budget - spent + 1e-9:
        wanted = ", ".join(f"{params.range_of(k).min} {k.value}" for k in by_cost)
        raise InputError(
            f"cannot place the minimum mix ({wanted}): the cheapest way costs "
            f"{cheapest_total:,.0f} but the budget left is {params.budget - spent:,.0f}",
            hint="raise the budget or lower the minimum counts",
        )
    for k in by_cost:
        need = params.range_of(k).min - count[k]
        pool = np.asarray(by_cost[k], dtype=np.int64)
        got = greedy(pool, need, {k: params.range_of(k).max}, keep_minimums=True)
        if got < need:  # only the per-community cap can leave a minimum open
            raise InputError(
                f"could not place the minimum of {need} {k.value} accounts within "
                f"{params.max_per_community} per community",
                hint="raise --max-per-community or lower the minimum",
            )
    room_left = None if params.max_accounts is None else params.max_accounts - len(chosen)
    if room_left is not None and room_left <= 0:
        stop[0] = "the account limit is reached"
    else:
        greedy(cand, room_left, caps)
    return _Pick(
        rule=rule,
        objective=objective,
        notes=objective_notes,
        chosen=chosen,
        gains=gains,
        objective_gain=objective_gain,
        spent=spent,
        stop=stop[0],
        coverage=cov,
    )


@dataclass
class _Order:
    """The chosen accounts' phases and the order a plan lists them in (:func:`_order`)."""

    idx: npt.NDArray[np.int64]
    phases: list[Phase]
    timing_note: str
    #: positions in ``pick.chosen``, in the plan's order (phase, then reach)
    rows: list[int]


def _order(setup: _Setup, pick: _Pick) -> _Order:
    """Phases of the chosen accounts and their order in the plan (phase, most reach first)."""
    idx = np.asarray(pick.chosen, dtype=np.int64)
    when, timing_note = timing(setup.learned, idx, setup.n)
    kinds = np.array([KIND_VALUES[int(c)] for c in setup.kind[idx]], dtype=object)
    phases = assign_phases(
        kinds, setup.prep.pagerank[idx], when, top_share=setup.params.top_kol_share
    )
    rank = {p: k for k, p in enumerate(PHASES)}
    rows = sorted(
        range(idx.size), key=lambda r: (rank[phases[r]], -int(pick.gains[pick.chosen[r]]))
    )
    return _Order(idx=idx, phases=phases, timing_note=timing_note, rows=rows)


def _value(pick: _Pick, order: _Order) -> float:
    """The plan's :attr:`~kolgraph.plan.params.Plan.value`, summed in the plan's order."""
    return float(sum(round(pick.objective_gain.get(pick.chosen[r], 0.0), 4) for r in order.rows))


def _finish(setup: _Setup, pick: _Pick, order: _Order, *, run_id: str | None) -> Plan:
    """The plan of ``pick``: rows with phases, warnings and forecast; overlaps; reach."""
    s = setup.s
    params = setup.params
    learned = setup.learned
    prep = setup.prep
    keys = prep.keys
    audience = setup.audience
    tgt = setup.tgt
    target = tgt.mask
    cov = pick.coverage
    chosen, gains, objective_gain = pick.chosen, pick.gains, pick.objective_gain
    notes = [*setup.notes, *pick.notes]
    idx = order.idx
    if idx.size:
        notes.append(order.timing_note)
    size = dict(zip(chosen, cov.audience_size(idx).tolist(), strict=True))
    chosen_rows = target_rows(audience, idx, target, tgt.everyone)
    members = chosen_rows.astype(np.int32)
    shared = (members @ members.T).toarray() if idx.size >= 2 else None  # people pairs share
    warnings = row_warnings(
        chosen_rows,
        keys[idx],
        prep.flagged[idx],
        setup.est_all[idx],
        shared=None if shared is None else shared.astype(np.float64),
    )
    engaged: dict[int, float] = {}  # every plan explained in expected engaged people
    if pick.objective == "engagement":
        engaged = objective_gain
    elif learned is not None and idx.size:
        extra = learned.marginal_engaged(idx, params.horizon_days)
        engaged = {int(i): float(g) for i, g in zip(idx.tolist(), extra.tolist(), strict=True)}
    evidence: list[tuple[int | None, float | None]] = (
        list(learned.evidence_of(idx)) if learned is not None else [(None, None)] * idx.size
    )
    planned: list[PlannedAccount] = []
    for r in order.rows:
        i = chosen[r]
        phase: Phase = order.phases[r]
        c = setup.community.iloc[i]
        planned.append(
            PlannedAccount(
                key=str(keys[i]),
                name=str(prep.names[i]),
                kind=setup.kind_of(i),
                phase=phase,
                day_from=PHASES[phase][0],
                day_to=PHASES[phase][1],
                marginal_reach=int(gains[i]),
                marginal_engaged=round(engaged[i], 2) if i in engaged else None,
                marginal_gain=round(objective_gain.get(i, 0.0), 4),
                audience=int(size[i]),
                cost=float(setup.cost_all[i]),
                cost_estimated=bool(setup.est_all[i]),
                pagerank=float(prep.pagerank[i]),
                community=None if pd.isna(c) else int(c),
                evidence_cascades=evidence[r][0],
                evidence_last_days=_round(evidence[r][1]),
                overlap_before=(round(1.0 - gains[i] / size[i], 4) if size[i] else 0.0),
                warnings=warnings[r],
            )
        )
    if any(a.cost_estimated for a in planned):
        notes.append(
            f"costs marked estimated come from the rate card ({s.cost_per_1k_audience:g} per "
            f"1,000 audience, at least {s.min_cost:g}); import real prices to replace them"
        )
    if not planned:
        notes.append("no account fits: raise the budget or widen the mix")
    if shared is not None:
        ov = _overlap(shared, np.diff(members.indptr).astype(np.int64))
        ov["a"] = keys[idx[ov["a"].to_numpy()]]
        ov["b"] = keys[idx[ov["b"].to_numpy()]]
    else:
        ov = pd.DataFrame({c: [] for c in ("a", "b", "shared", "jaccard", "overlap")})
    rf = reach_frequency(audience[idx])  # over the whole audience, not only the target
    rf_target = None if tgt.everyone else reach_frequency(audience[idx], target)
    excl = dict(zip(map(str, keys[idx]), rf.exclusive, strict=True))
    excl_t = dict(zip(map(str, keys[idx]), rf_target.exclusive if rf_target else [], strict=False))
    planned = [
        replace(a, exclusive_reach=excl[a.key], exclusive_target_reach=excl_t.get(a.key))
        for a in planned
    ]
    covered = cov.covered()
    return Plan(
        accounts=planned,
        budget=params.budget,
        spent=pick.spent,
        unique_reach=int(covered.sum()),
        total_audience=int(sum(int(size[i]) for i in chosen)),
        target_size=tgt.size,
        overlap=ov,
        run_id=run_id,
        notes=notes,
        objective=pick.objective,
        forecast=_forecast(learned, idx, params.horizon_days, pick.objective),
        stop_reason=pick.stop,
        rule=_RULE_NAMES[pick.rule],
        reach_frequency=rf,
        reach_frequency_target=rf_target,
        target_parts=tgt.parts,
        community_coverage=community_coverage(
            prep.community,
            target,
            covered,
            sizes=prep.community_sizes() if tgt.everyone else None,
        ),
    )


def plan_arrays(
    audience: sp.csr_matrix,
    accounts: pd.DataFrame,
    scores: pd.DataFrame,
    params: PlanParams,
    *,
    settings: Settings | None = None,
    run_id: str | None = None,
    learned: LearnedPlanner | None = None,
    rule: Literal["ratio", "gain"] = "ratio",
    prepared: Prepared | None = None,
) -> Plan:
    r"""Choose accounts under a budget by marginal gain of the objective per cost.

    Parameters
    ----------
    audience
        ``n × n`` binary matrix, row ``v`` = the audience of account ``v``.
    accounts
        Accounts in dense order (``key, platform, name, kind, followers, cost``).
    scores
        Current run's scores in dense order (``pagerank, community``).
    params
        Budget, per-kind mix, target communities, includes and excludes.
    settings
        Cost model for accounts without a price (``cost_per_1k_audience``,
        ``min_cost``) and ``auto_kol``.
    rule
        ``"ratio"``: rank by gain per cost (right when the budget binds);
        ``"gain"``: by gain alone (right when the account counts bind, not the money).
        :func:`make_plan` runs both and keeps the better plan.
    learned
        The run's engagement model (:mod:`kolgraph.plan.learned`): needed for the
        ``engagement`` objective, chooses the objective under ``auto``, gives
        the plan its forecast and times the accounts for their phases.
    prepared
        The arrays plans derive from ``accounts``, ``scores`` and ``audience``
        (:func:`~kolgraph.plan.prepared.prepare`), when they are kept; derived here
        otherwise.

    Returns
    -------
    Plan

    Raises
    ------
    InputError
        If the mix's minimums cannot be met within the budget, or an included
        account is unknown or too expensive.

    Notes
    -----
    With target set :math:`T` and covered set :math:`C` the next account is

    .. math:: \arg\max_v \frac{|(N_v \cap T) \setminus C|}{\mathrm{cost}_v}

    among accounts whose kind still has room and whose cost fits the rest of
    the budget. Minimums are filled first, kind by kind, with the same rule.
    Coverage is monotone submodular, so stale gains are upper bounds and the
    lazy evaluation returns the same choice as a full scan. Every candidate's
    gain is kept exact as people are covered (:mod:`kolgraph.plan.gains`), so the
    audience matrix is never copied. Own and partner
    accounts without a price cost 0 (the brand posts for free; a partner
    carries the message at its negotiated price, its ``cost``, or for nothing).

    With another objective (:mod:`kolgraph.plan.objective`) the numerator is that
    objective's marginal gain: expected engaged users, or people newly reached
    ``min_frequency`` times.

    Flagged accounts are no candidates while ``params.skip_flagged`` (the
    default). Phases follow the chosen accounts' measured timing (``learned``)
    or, without a model, kind and PageRank; rows carry warnings. Both rules are
    in the module notes. ``unique_reach`` is an exact count of the (target)
    audience: ``POST /v1/reach`` counts the same number for the same accounts
    without target communities, or says it estimated and why
    (:func:`kolgraph.plan.reach.estimate_reach`).
    """
    setup = _setup(
        audience,
        accounts,
        scores,
        params,
        settings=settings,
        learned=learned,
        prepared=prepared,
    )
    pick = _select(setup, rule)
    return _finish(setup, pick, _order(setup, pick), run_id=run_id)


def _overlap(shared: npt.NDArray[np.integer], sizes: npt.NDArray[np.int64]) -> pd.DataFrame:
    """The pairs of :func:`~kolgraph.rank.overlap.audience_overlap` of rows ``0..k-1``, from
    the people each pair shares (``shared``, ``k × k``) and each row's size: the same
    frame, without multiplying the rows again.
    """
    i, j = np.triu_indices(shared.shape[0], 1)
    s = shared[i, j].astype(np.int64)
    keep = s >= 1
    i, j, s = i[keep].astype(np.int64), j[keep].astype(np.int64), s[keep]
    df = pd.DataFrame(
        {
            "a": i,
            "b": j,
            "shared": s,
            "jaccard": s / (sizes[i] + sizes[j] - s),
            "overlap": s / np.minimum(sizes[i], sizes[j]),
        }
    )
    return df.sort_values(["jaccard", "a", "b"], ascending=[False, True, True], ignore_index=True)


def community_coverage(
    community: npt.NDArray[np.int64],
    target: npt.NDArray[np.bool_],
    covered: npt.NDArray[np.bool_],
    top: int = 12,
    *,
    sizes: tuple[npt.NDArray[np.bool_], npt.NDArray[np.int64]] | None = None,
) -> tuple[tuple[int, int, int], ...]:
    """``(community, people in the target, of them reached)`` for the largest communities.

    People without a community (``-1``) are left out. ``sizes`` are who in the target
    has a community and the communities' sizes in the target, when they are known
    (:meth:`~kolgraph.plan.prepared.Prepared.community_sizes` for everyone).

    Examples
    --------
    >>> import numpy as np
    >>> community_coverage(np.array([0, 0, 1, -1]), np.ones(4, bool),
    ...                    np.array([True, False, True, True]))
    ((0, 2, 1), (1, 1, 1))
    """
    has, size = ((community >= 0) & target, None) if sizes is None else sizes
    if not has.any():
        return ()
    if size is None:
        size = np.bincount(community[has])
    hit = np.bincount(community[has & covered], minlength=size.size)
    order = np.argsort(-size, kind="stable")[:top]
    return tuple((int(c), int(size[c]), int(hit[c])) for c in order if size[c] > 0)


def _objective(
    params: PlanParams,
    learned: LearnedPlanner | None,
    audience: sp.csr_matrix,
    target: npt.NDArray[np.bool_],
    n: int,
    *,
    frequency: Callable[[], Objective] | None = None,
) -> tuple[str, Objective | None, list[str]]:
    """The objective to maximise (``None``: plain reach, the planner's own loop).

    ``frequency`` makes the frequency objective when the candidates' gains can be
    kept (:class:`~kolgraph.plan.gains.FrequencyGains`).
    """
    from kolgraph.plan.objective import (
        EngagementInputs,
        EngagementObjective,
        FrequencyObjective,
        ReachObjective,
        blend_objective,
    )

    notes: list[str] = []
    name = params.objective
    if name == "auto":
        if learned is None:
            notes.append(
                "objective reach: the store has no timestamped cascades to learn engagement "
                "from (import cascades and rank again to plan for engagement)"
            )
            name = "reach"
        else:
            name = learned.objective
            notes += [f"objective {name} (auto): {learned.notes[0]}"] if learned.notes else []

    if name == "reach":
        return "reach", None, notes
    if name == "frequency":
        if frequency is not None:
            return "frequency", frequency(), notes
        A = audience if target.all() else audience.multiply(target[np.newaxis, :]).tocsr()
        return "frequency", FrequencyObjective(A, params.min_frequency), notes
    if learned is None:
        raise InputError(
            f"the current rank run has no engagement history to plan {name} from",
            hint="import cascades and run `kolgraph rank`, or use --objective reach",
        )
    past = learned.evidence.past_engagers()
    inputs = learned.inputs(params.horizon_days)
    if inputs.P.shape[0] != n or past.shape[0] != n:
        raise InputError(
            "the engagement model was learned on a different set of accounts",
            hint="run `kolgraph rank` again after importing",
        )
    if not target.all():  # only engaged people inside the target count
        share = float(target.mean())
        past = past.multiply(target[np.newaxis, :]).tocsr()
        P = inputs.P.multiply(target[np.newaxis, :]).tocsr()
        inputs = EngagementInputs(P, inputs.novel * share, inputs.pool * share)
    if name == "past-engagers":
        return "past-engagers", ReachObjective(past), notes
    if name == "active-engagers":
        from kolgraph.plan.activity import active_engagers_inputs

        if learned.activity is None or learned.activity.shape[0] != n:
            raise InputError(
                "the engagement model has no activity rates for these accounts",
                hint="refit it: kolgraph rank --only engagement",
            )
        return (
            "active-engagers",
            EngagementObjective(
                active_engagers_inputs(past, learned.activity, params.horizon_days)
            ),
            notes,
        )
    if name == "blend":
        candidates = np.arange(n)
        k = params.max_accounts or 25
        return "blend", blend_objective(inputs, past, candidates, k=k), notes
    return "engagement", EngagementObjective(inputs), notes


def _round(x: float | None, digits: int = 2) -> float | None:
    return None if x is None else round(float(x), digits)


def _forecast(
    learned: LearnedPlanner | None,
    chosen: npt.NDArray[np.int64],
    horizon: float,
    objective: str,
) -> dict[str, Any] | None:
    """Moved users within the horizon and per message, with intervals measured on the history."""
    if learned is None or chosen.size == 0:
        return None
    f, _ = learned.forecast(chosen, horizon, objective)
    per_message = learned.per_message(chosen, objective)
    return {
        "horizon_days": horizon,
        "moved_users": f.as_dict(),
        "per_message": None if per_message is None else per_message.as_dict(),
        "calibration": learned.calibration.as_dict(),
        "what": (
            "moved_users: distinct people expected to engage after the chosen accounts post, "
            "within the horizon; per_message: people engaging after one post of each chosen "
            "account; low..high are 80% intervals set from the measured error of plans made "
            "the same way on time splits of this store's own history"
        ),
    }
