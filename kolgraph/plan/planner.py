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
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from kolgraph.audience.keys import unknown_keys_error
from kolgraph.errors import InputError
from kolgraph.model import Kind
from kolgraph.plan.flags import flagged, row_warnings
from kolgraph.plan.frequency import reach_frequency
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
from kolgraph.plan.schedule import store_schedule
from kolgraph.plan.target import target_of
from kolgraph.rank.graph import follower_matrix
from kolgraph.rank.overlap import audience_overlap
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
    "best_plan",
    "community_coverage",
    "make_plan",
    "new_plan_id",
    "plan_arrays",
    "plan_inputs",
]


@dataclass(frozen=True)
class PlanInputs:
    """What a plan is made from, read from the store once (several plans can share it)."""

    run_id: str
    audience: sp.csr_matrix
    accounts: pd.DataFrame
    scores: pd.DataFrame
    learned: LearnedPlanner | None
    #: why the forecast is missing, when it is (kept as the plan's first notes)
    notes: tuple[str, ...] = ()


def plan_inputs(store: Store, params: PlanParams) -> tuple[PlanInputs, PlanParams]:
    """Read the current run's graph, scores and engagement model for ``params``.

    Returns the inputs and the parameters to plan with: without an engagement model
    ``auto`` becomes ``reach`` (said in the notes).
    """
    run = store.current_run()
    if run is None:
        raise InputError(
            "there is no rank run to plan from", hint="run the rank job first (`kolgraph rank`)"
        )
    params.check()
    from kolgraph.plan.learned import load_learned

    try:  # the model also gives every objective's plan its forecast
        learned = load_learned(store, run.id)
    except InputError as exc:
        if params.objective not in ("auto", "reach", "frequency"):
            raise
        learned = None
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
        run_id=run.id,
        audience=follower_matrix(store.graph_arrays()),
        accounts=store.accounts_frame(),
        scores=store.current_scores(),
        learned=learned,
        notes=tuple(stale),
    )
    return inputs, params


def best_plan(inputs: PlanInputs, params: PlanParams, *, settings: Settings | None = None) -> Plan:
    """The better of the two greedy rules' plans (:func:`plan_arrays`), with a note why."""
    plans = [
        plan_arrays(
            inputs.audience,
            inputs.accounts,
            inputs.scores,
            params,
            settings=settings,
            run_id=inputs.run_id,
            learned=inputs.learned,
            rule=rule,
        )
        for rule in ("ratio", "gain")
    ]
    best = max(plans, key=lambda p: (p.value, p is plans[0]))
    other = plans[1] if best is plans[0] else plans[0]
    plan = replace(best, notes=[*inputs.notes, *best.notes])
    plan.notes.append(
        f"accounts chosen by {plan.rule}: it gave {plan.value:,.0f} against {other.value:,.0f} "
        f"by {other.rule} ({'the budget binds' if best is plans[0] else 'the counts bind'})"
    )
    return plan


def make_plan(store: Store, params: PlanParams, *, settings: Settings | None = None) -> Plan:
    """Plan a campaign from the store's current rank run. See :func:`plan_arrays`."""
    inputs, params = plan_inputs(store, params)
    plan = best_plan(inputs, params, settings=settings)
    sched = store_schedule(store, inputs.run_id, inputs.learned)  # kolgraph.plan.schedule
    return sched.apply(replace(plan, id=new_plan_id()))


def _costs(
    accounts: pd.DataFrame, audience_size: npt.NDArray[np.int64], s: Settings
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    cost = accounts["cost"].to_numpy(dtype=np.float64).copy()
    estimated = np.isnan(cost)
    declared = accounts["followers"].to_numpy(dtype=np.float64)
    reach = np.where(np.isnan(declared), audience_size, np.maximum(declared, audience_size))
    cost[estimated] = np.maximum(
        s.min_cost, np.round(s.cost_per_1k_audience * reach[estimated] / 1000)
    )
    return cost, estimated


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
    lazy evaluation returns the same choice as a full scan. Own and partner
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
    s = settings or get_settings()
    params.check()
    n = audience.shape[0]
    notes: list[str] = []
    kinds = accounts["kind"].to_numpy()
    pagerank = scores["pagerank"].to_numpy(dtype=np.float64)
    pr = np.nan_to_num(pagerank, nan=0.0)
    community = scores["community"]
    kind_arr = kinds.astype(object).copy()

    plannable = np.isin(kinds, [k.value for k in PLANNABLE])
    if params.platform is not None:
        plannable &= accounts["platform"].to_numpy() == params.platform
    if not (kind_arr[plannable] == Kind.KOL.value).any() and s.auto_kol > 0:
        users = np.flatnonzero((kinds == Kind.USER.value) & (pr > 0))
        if params.platform is not None:
            users = users[accounts["platform"].to_numpy()[users] == params.platform]
        top = users[np.argsort(-pr[users], kind="stable")[: s.auto_kol]]
        kind_arr[top] = Kind.KOL.value
        plannable[top] = True
        notes.append(
            f"no account is labelled kol: the top {top.size} accounts by PageRank stand in "
            "as KOL candidates (label accounts to control this)"
        )

    keys = accounts["key"].to_numpy()
    key_pos = {k: i for i, k in enumerate(keys)}
    unknown = [k for k in dict.fromkeys((*params.include, *params.exclude)) if k not in key_pos]
    if unknown:  # every unknown key at once, each with the closest stored key
        err = unknown_keys_error(unknown, [str(k) for k in keys])
        raise InputError(
            f"included or excluded accounts not in the store: {err.message}", hint=err.hint
        )
    for key in params.exclude:
        plannable[key_pos[key]] = False
    rivals = [k for k in params.target_followers_of if k in key_pos and k not in params.include]
    for key in rivals:  # a brand whose audience is targeted does not carry the message
        plannable[key_pos[key]] = False
    if rivals:
        notes.append(
            f"{', '.join(rivals)} left out of the candidates: their audience is the target "
            "(include them to plan with them)"
        )
    is_flagged = flagged(scores, n)
    if params.skip_flagged:
        n_skipped = int((plannable & is_flagged).sum())
        plannable &= ~is_flagged
        if n_skipped:
            notes.append(
                f"{n_skipped} candidate(s) left out because their audience was flagged "
                "(see the flags of each account; include-flagged keeps them)"
            )
    include = [key_pos[k] for k in params.include]
    for i in include:
        if kind_arr[i] not in {k.value for k in PLANNABLE}:
            raise InputError(
                f"account {keys[i]!r} is a {kind_arr[i]}, not a kol, media, own or partner account",
                hint="label it kol, media, own or partner first, or leave it out of the included "
                "accounts",
            )
        plannable[i] = True

    tgt = target_of(
        audience,
        accounts,
        community,
        communities=params.target_communities,
        followers_of=params.target_followers_of,
        users=params.target_users,
        new_audience_only=params.new_audience_only,
    )
    target = tgt.mask
    target_size = tgt.size

    cand = np.flatnonzero(plannable)
    sub = audience[cand]
    if not tgt.everyone:
        sub = sub.multiply(target[np.newaxis, :]).tocsr()
        sub.eliminate_zeros()
    audience_size = np.zeros(n, dtype=np.int64)
    audience_size[cand] = np.diff(sub.indptr)
    full_audience = np.diff(audience.indptr).astype(np.int64)
    cost_all, est_all = _costs(accounts, full_audience, s)
    free_kind = np.isin(kind_arr, [Kind.OWN.value, Kind.PARTNER.value])
    own_free = free_kind & np.isnan(accounts["cost"].to_numpy(dtype=np.float64))
    cost_all[own_free] = 0.0
    est_all[own_free] = False

    covered = np.zeros(n, dtype=bool)
    comm_of = community.to_numpy(dtype="float64", na_value=np.nan)
    comm_of = np.where(np.isnan(comm_of), -1, comm_of).astype(np.int64)
    per_comm: dict[int, int] = {}
    chosen: list[int] = []
    gains: dict[int, float] = {}
    count = {k: 0 for k in PLANNABLE}
    spent = 0.0
    row_of = {int(c): r for r, c in enumerate(cand)}

    objective, obj, objective_notes = _objective(params, learned, audience, target, n)
    notes += objective_notes
    objective_gain: dict[int, float] = {}

    def reach_gain(i: int) -> int:
        r = row_of[i]
        cols = sub.indices[sub.indptr[r] : sub.indptr[r + 1]]
        return int((~covered[cols]).sum())

    def gain(i: int) -> float:
        return reach_gain(i) if obj is None else obj.gain(i)

    def take(i: int, g: float) -> None:
        nonlocal spent
        r = row_of[i]
        if obj is not None:
            objective_gain[i] = obj.gain(i)
            obj.take(i)
            g = reach_gain(i)
        else:
            objective_gain[i] = float(g)
        covered[sub.indices[sub.indptr[r] : sub.indptr[r + 1]]] = True
        chosen.append(i)
        gains[i] = g
        spent += float(cost_all[i])
        count[Kind(kind_arr[i])] += 1
        per_comm[int(comm_of[i])] = per_comm.get(int(comm_of[i]), 0) + 1

    def community_full(i: int) -> bool:
        cap, c = params.max_per_community, int(comm_of[i])
        return cap is not None and c >= 0 and per_comm.get(c, 0) >= cap

    def ratio(g: float, c: float) -> float:
        if rule == "gain":
            return g
        return g / c if c > 0 else float("inf") if g > 0 else 0.0

    def reserve(i: int) -> float:
        """Cheapest cost of the minimum slots still open once ``i`` is taken."""
        total = 0.0
        for kind, order in by_cost.items():
            need = params.range_of(kind).min - count[kind] - (kind_arr[i] == kind.value)
            for j in order:
                if need <= 0:
                    break
                if j != i and j not in gains:
                    total += float(cost_all[j])
                    need -= 1
        return total

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
        heap = [(-ratio(gain(int(i)), float(cost_all[i])), int(i), -1) for i in pool]
        heapq.heapify(heap)
        taken = 0
        step = 0
        skipped = {"budget": 0, "counts": 0}
        stop[0] = ""
        while heap and (limit is None or taken < limit):
            _, i, stamp = heapq.heappop(heap)
            kind = Kind(kind_arr[i])
            cap = room.get(kind)
            if i in gains:
                continue
            if (cap is not None and count[kind] >= cap) or community_full(i):
                skipped["counts"] += 1
                continue
            held = reserve(i) if keep_minimums else 0.0
            if cost_all[i] + held > params.budget - spent + 1e-9:
                skipped["budget"] += 1
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
    for i in include:
        if cost_all[i] > params.budget - spent + 1e-9:
            raise InputError(
                f"included account {keys[i]} costs {cost_all[i]:.0f}, more than the budget left "
                f"({params.budget - spent:.0f})",
                hint="raise the budget or drop it from the included accounts",
            )
        take(i, gain(i))
    by_cost: dict[Kind, list[int]] = {}
    cheapest_total = 0.0
    for kind in PLANNABLE:
        need = params.range_of(kind).min - count[kind]
        if need <= 0:
            continue
        pool = cand[(kind_arr[cand] == kind.value) & ~np.isin(cand, chosen)]
        if pool.size < need:
            raise InputError(
                f"cannot place {params.range_of(kind).min} {kind.value} accounts: only "
                f"{pool.size + count[kind]} {kind.value} candidates exist",
                hint=f"lower the minimum number of {kind.value} accounts, or label more "
                f"accounts {kind.value}",
            )
        order = pool[np.argsort(cost_all[pool], kind="stable")]
        by_cost[kind] = [int(j) for j in order]
        cheapest_total += float(cost_all[order[:need]].sum())
    if cheapest_total > params.budget - spent + 1e-9:
        wanted = ", ".join(f"{params.range_of(k).min} {k.value}" for k in by_cost)
        raise InputError(
            f"cannot place the minimum mix ({wanted}): the cheapest way costs "
            f"{cheapest_total:,.0f} but the budget left is {params.budget - spent:,.0f}",
            hint="raise the budget or lower the minimum counts",
        )
    for kind in by_cost:
        need = params.range_of(kind).min - count[kind]
        pool = np.asarray(by_cost[kind], dtype=np.int64)
        got = greedy(pool, need, {kind: params.range_of(kind).max}, keep_minimums=True)
        if got < need:  # only the per-community cap can leave a minimum open
            raise InputError(
                f"could not place the minimum of {need} {kind.value} accounts within "
                f"{params.max_per_community} per community",
                hint="raise --max-per-community or lower the minimum",
            )
    room_left = None if params.max_accounts is None else params.max_accounts - len(chosen)
    if room_left is not None and room_left <= 0:
        stop[0] = "the account limit is reached"
    else:
        greedy(cand, room_left, caps)

    idx = np.asarray(chosen, dtype=np.int64)
    when, timing_note = timing(learned, idx, n)
    phases = assign_phases(kind_arr[idx], pr[idx], when, top_share=params.top_kol_share)
    if idx.size:
        notes.append(timing_note)
    chosen_rows = sub[[row_of[int(i)] for i in idx]]
    warnings = row_warnings(chosen_rows, keys[idx], is_flagged[idx], est_all[idx])
    engaged: dict[int, float] = {}  # every plan explained in expected engaged people
    if objective == "engagement":
        engaged = objective_gain
    elif learned is not None and idx.size:
        extra = learned.marginal_engaged(idx, params.horizon_days)
        engaged = {int(i): float(g) for i, g in zip(idx.tolist(), extra.tolist(), strict=True)}
    evidence: list[tuple[int | None, float | None]] = (
        list(learned.evidence_of(idx)) if learned is not None else [(None, None)] * idx.size
    )
    planned: list[PlannedAccount] = []
    for r, i in enumerate(chosen):
        phase: Phase = phases[r]
        c = community.iloc[i]
        planned.append(
            PlannedAccount(
                key=str(keys[i]),
                name=str(accounts["name"].iloc[i]),
                kind=Kind(kind_arr[i]),
                phase=phase,
                day_from=PHASES[phase][0],
                day_to=PHASES[phase][1],
                marginal_reach=int(gains[i]),
                marginal_engaged=round(engaged[i], 2) if i in engaged else None,
                marginal_gain=round(objective_gain.get(i, 0.0), 4),
                audience=int(audience_size[i]),
                cost=float(cost_all[i]),
                cost_estimated=bool(est_all[i]),
                pagerank=float(pr[i]),
                community=None if pd.isna(c) else int(c),
                evidence_cascades=evidence[r][0],
                evidence_last_days=_round(evidence[r][1]),
                overlap_before=(
                    round(1.0 - gains[i] / audience_size[i], 4) if audience_size[i] else 0.0
                ),
                warnings=warnings[r],
            )
        )
    order = {p: k for k, p in enumerate(PHASES)}
    planned.sort(key=lambda a: (order[a.phase], -a.marginal_reach))
    if any(a.cost_estimated for a in planned):
        notes.append(
            f"costs marked estimated come from the rate card ({s.cost_per_1k_audience:g} per "
            f"1,000 audience, at least {s.min_cost:g}); import real prices to replace them"
        )
    if not planned:
        notes.append("no account fits: raise the budget or widen the mix")
    if idx.size >= 2:
        ov = audience_overlap(chosen_rows, np.arange(idx.size))
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
    return Plan(
        accounts=planned,
        budget=params.budget,
        spent=spent,
        unique_reach=int(covered.sum()),
        total_audience=int(sum(int(audience_size[i]) for i in chosen)),
        target_size=target_size,
        overlap=ov,
        run_id=run_id,
        notes=notes,
        objective=objective,
        forecast=_forecast(learned, idx, params.horizon_days, objective),
        stop_reason=stop[0],
        rule="gain per cost" if rule == "ratio" else "gain alone",
        reach_frequency=rf,
        reach_frequency_target=rf_target,
        target_parts=tgt.parts,
        community_coverage=community_coverage(comm_of, target, covered),
    )


def community_coverage(
    community: npt.NDArray[np.int64],
    target: npt.NDArray[np.bool_],
    covered: npt.NDArray[np.bool_],
    top: int = 12,
) -> tuple[tuple[int, int, int], ...]:
    """``(community, people in the target, of them reached)`` for the largest communities.

    People without a community (``-1``) are left out.

    Examples
    --------
    >>> import numpy as np
    >>> community_coverage(np.array([0, 0, 1, -1]), np.ones(4, bool),
    ...                    np.array([True, False, True, True]))
    ((0, 2, 1), (1, 1, 1))
    """
    has = (community >= 0) & target
    if not has.any():
        return ()
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
) -> tuple[str, Objective | None, list[str]]:
    """The objective to maximise (``None``: plain reach, the planner's own loop)."""
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
