"""The greedy of a plan: its candidates, target and costs, and the accounts each rule chooses.

:func:`setup_plan` does what both of a plan's greedy rules share (candidates, the
target, costs, the kept reach gains of :mod:`kolgraph.plan.gains`); :func:`select`
runs one rule (gain per cost, or gain alone) and returns what it chose. The planner
(:func:`~kolgraph.plan.planner.plan_arrays`, :func:`~kolgraph.plan.planner.best_plan`)
explains the chosen accounts with :mod:`kolgraph.plan.finish`. The rules and what
they maximise are in the planner's notes.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from kolgraph.audience.keys import unknown_keys_error
from kolgraph.errors import InputError
from kolgraph.model import Kind
from kolgraph.plan.gains import Coverage, CoverageGains, FrequencyGains, RowGains
from kolgraph.plan.params import PLANNABLE, PlanParams
from kolgraph.plan.prepared import KIND_VALUES, KINDS, Prepared, prepare
from kolgraph.plan.target import Target, target_of
from kolgraph.settings import Settings, get_settings

if TYPE_CHECKING:
    from kolgraph.plan.backtest import LearnedPlanner
    from kolgraph.plan.objective import Objective

__all__ = [
    "COUNT_THE_REST",
    "RULE_NAMES",
    "Pick",
    "Setup",
    "in_target",
    "objective_of",
    "select",
    "setup_plan",
]

RULE_NAMES = {"ratio": "gain per cost", "gain": "gain alone"}
#: When no account left in the greedy's heap can be taken, count at once what popping
#: each would count (the stop reason needs the counts), instead of popping them.
COUNT_THE_REST = True


@dataclass
class Setup:
    """What both greedy rules of one plan start from (:func:`setup_plan`)."""

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
class Pick:
    """The accounts one greedy rule chose (:func:`select`)."""

    rule: Literal["ratio", "gain"]
    objective: str
    notes: list[str]
    chosen: list[int]
    gains: dict[int, int]
    objective_gain: dict[int, float]
    spent: float
    stop: str
    coverage: Coverage


def setup_plan(
    audience: sp.csr_matrix,
    accounts: pd.DataFrame,
    scores: pd.DataFrame,
    params: PlanParams,
    *,
    settings: Settings | None,
    learned: LearnedPlanner | None,
    prepared: Prepared | None,
) -> Setup:
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
    return Setup(
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


def select(setup: Setup, rule: Literal["ratio", "gain"]) -> Pick:
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
    objective, obj, objective_notes = objective_of(
        params, setup.learned, setup.audience, target, n, frequency=frequency
    )
    objective_gain: dict[int, float] = {}

    def gain(i: int) -> float:
        return cov.gain(i) if obj is None else obj.gain(i)

    def take(i: int, g: float) -> None:
        nonlocal spent
        if obj is not None:
            objective_gain[i] = obj.gain(i)
        else:
            objective_gain[i] = float(g)
        if isinstance(obj, FrequencyGains) and isinstance(cov, CoverageGains):
            gains[i] = obj.take_with(cov, i)  # both kept in one pass
        else:
            if obj is not None:
                obj.take(i)
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
        if COUNT_THE_REST and not keep_minimums and (limit is None or limit > 0):
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
                if COUNT_THE_REST and not keep_minimums and checked != step:
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
            if COUNT_THE_REST and not keep_minimums and (limit is None or taken < limit):
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
    return Pick(
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


def in_target(m: sp.csr_matrix, target: npt.NDArray[np.bool_]) -> sp.csr_matrix:
    """``m`` with every column outside ``target`` removed, explicit zeros dropped.

    The objectives count stored entries, so a zero left in place by
    ``multiply`` would still count a person outside the target.
    """
    out = m.multiply(target[np.newaxis, :]).tocsr()
    out.eliminate_zeros()
    return out


def objective_of(
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
        A = audience if target.all() else in_target(audience, target)
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
        past = in_target(past, target)
        P = in_target(inputs.P, target)
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
