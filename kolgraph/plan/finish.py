"""A plan made of the accounts a greedy rule chose: phases, rows, overlaps, reach, forecast.

:func:`order_of` gives the chosen accounts their phases and the order a plan lists
them in (what :func:`plan_value` sums, so the planner compares its two rules
without explaining both); :func:`finish_plan` builds the
:class:`~kolgraph.plan.params.Plan`: one row per account with its warnings and
evidence, the overlap pairs, reach and frequency, the community coverage and the
forecast.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from kolgraph.plan.flags import row_warnings
from kolgraph.plan.frequency import reach_frequency
from kolgraph.plan.gains import target_rows
from kolgraph.plan.greedy import RULE_NAMES, Pick, Setup
from kolgraph.plan.params import Plan, PlannedAccount
from kolgraph.plan.phases import PHASES, Phase, assign_phases, timing
from kolgraph.plan.prepared import KIND_VALUES

if TYPE_CHECKING:
    from kolgraph.plan.backtest import LearnedPlanner

__all__ = [
    "Order",
    "community_coverage",
    "finish_plan",
    "forecast_of",
    "order_of",
    "overlap_pairs",
    "plan_value",
]


@dataclass
class Order:
    """The chosen accounts' phases and the order a plan lists them in (:func:`order_of`)."""

    idx: npt.NDArray[np.int64]
    phases: list[Phase]
    timing_note: str
    #: positions in ``pick.chosen``, in the plan's order (phase, then reach)
    rows: list[int]


def order_of(setup: Setup, pick: Pick) -> Order:
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
    return Order(idx=idx, phases=phases, timing_note=timing_note, rows=rows)


def plan_value(pick: Pick, order: Order) -> float:
    """The plan's :attr:`~kolgraph.plan.params.Plan.value`, summed in the plan's order."""
    return float(sum(round(pick.objective_gain.get(pick.chosen[r], 0.0), 4) for r in order.rows))


def finish_plan(setup: Setup, pick: Pick, order: Order, *, run_id: str | None) -> Plan:
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
        ov = overlap_pairs(shared, np.diff(members.indptr).astype(np.int64))
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
        forecast=forecast_of(learned, idx, params.horizon_days, pick.objective),
        stop_reason=pick.stop,
        rule=RULE_NAMES[pick.rule],
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


def overlap_pairs(shared: npt.NDArray[np.integer], sizes: npt.NDArray[np.int64]) -> pd.DataFrame:
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


def _round(x: float | None, digits: int = 2) -> float | None:
    return None if x is None else round(float(x), digits)


def forecast_of(
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
