r"""A response plan against the clock for a topic that is spreading.

``kolgraph respond TOPIC --within 8h``: a negative topic needs an answer within
hours, carried into the communities where it spreads by accounts those
communities listen to. :func:`response_plan` works in five steps:

1. **Reached**: the communities of the topic's adopters in the current rank run,
   with adopter counts (:func:`~kolgraph.listen.frontier.reached_communities`).
2. **Frontier**: the communities not (or barely) reached yet that the audiences of
   the adopters of the last ``recent_hours`` reach into more than their size would
   have them, scored by audience edges per member
   (:func:`~kolgraph.listen.frontier.frontier_scores`).
3. **Candidates**: the planner's candidates less every amplifier of the topic,
   every flagged account (``skip_flagged``) and every KOL or partner the target
   communities do not listen to (:func:`~kolgraph.listen.frontier.trusted`: a
   member of one of them, or half of its audience inside them). Own and media
   accounts stay: the brand and the newsroom speak to everyone. What was left out,
   and why, is in :attr:`ResponsePlan.dropped`.
4. **Plan**: the planner's own engine (:func:`~kolgraph.plan.planner.make_plan`: both
   greedy rules, the better kept) with the target ``target_communities`` = reached ∪
   frontier. The planner weighs every target person the same, so frontier
   communities are not weighted above reached ones: they are in the target, and
   the trust rule keeps their voices among the candidates. Without a ``mix`` the
   plan must hold at least one own and one media account whenever a candidate of
   that kind reaches someone in the target (the brand answers first, the media
   confirm); KOLs and partners are free to fill the rest.
5. **The clock**: the plan's schedule compressed into the window (own accounts at
   hour 0, media within the first hour, KOLs and partners after them in the plan's
   order, all by the window's half: :func:`window_schedule`), and the part of the
   plan's forecast (or, without an engagement model, of its reach) expected inside
   the window: :func:`window_reach`.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from kolgraph.errors import InputError
from kolgraph.listen.frontier import AdoptionCurve, frontier_scores, reached_communities, trusted
from kolgraph.model import Kind
from kolgraph.plan.cascades import Cascades, cascades_from_store
from kolgraph.plan.params import KindRange, Plan, PlannedAccount, PlanParams
from kolgraph.plan.planner import make_plan, no_run_error, read_run_inputs
from kolgraph.plan.prepared import KIND_VALUES, Prepared
from kolgraph.settings import Settings
from kolgraph.store.base import Store

if TYPE_CHECKING:
    from kolgraph.plan.backtest import LearnedPlanner

__all__ = [
    "ResponsePlan",
    "WindowReach",
    "adoption_curve",
    "response_plan",
    "window_reach",
    "window_schedule",
]

HOUR = 3600


@dataclass(frozen=True)
class WindowReach:
    """What the plan is expected to move (or reach) inside the window, with its interval.

    ``measure`` is ``"moved_users"`` when it is the plan's forecast (with the 80%
    interval measured on the store's history), ``"unique_reach"`` when the run has
    no engagement model and the plan's (target) reach stands in (no measured
    interval: ``low == high == expected``). ``share`` is the part of the
    full-horizon value expected inside the window; ``basis`` what the share rests
    on: ``"cascades"`` (the store's cascades) or ``"default"`` (the default
    calendar's shape, too few timed cascades).
    """

    expected: float
    low: float
    high: float
    basis: Literal["cascades", "default"]
    measure: Literal["moved_users", "unique_reach"]
    share: float
    full_expected: float
    full_low: float
    full_high: float
    horizon_days: float
    note: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ResponsePlan:
    """A response plan: where the topic is and is heading, the plan, and its clock."""

    #: reached communities: community → adopters in it, most first
    topic_communities: dict[int, int]
    #: communities about to be reached: community → score (edges per member), best first
    frontier: dict[int, float]
    plan: Plan
    #: accounts left out of the candidates: key → why
    dropped: dict[str, str]
    within_hours: float
    reach_within: WindowReach
    #: key → hours after the start of the response at which the account posts
    schedule: dict[str, float]
    notes: list[str] = field(default_factory=list)

    @property
    def target_communities(self) -> tuple[int, ...]:
        """The communities the plan targets: reached ∪ frontier, in that order."""
        return tuple(dict.fromkeys([*self.topic_communities, *self.frontier]))


#: the most reached communities a response targets
MAX_REACHED = 20


def main_communities(
    reached: dict[int, int], *, share: float = 0.8, most: int = MAX_REACHED
) -> dict[int, int]:
    """The largest reached communities that together hold ``share`` of the adopters in
    communities, at most ``most`` of them (``reached`` is most adopters first).

    >>> main_communities({4: 50, 2: 30, 9: 15, 1: 5})
    {4: 50, 2: 30}
    >>> main_communities({4: 50, 2: 30, 9: 15, 1: 5}, most=1)
    {4: 50}
    """
    total = sum(reached.values())
    out: dict[int, int] = {}
    for c, n in reached.items():
        if len(out) >= most or (out and sum(out.values()) >= share * total):
            break
        out[c] = n
    return out


def window_schedule(accounts: Sequence[PlannedAccount], within_hours: float) -> dict[str, float]:
    r"""When each planned account posts, in hours after the response starts.

    Own accounts post at hour 0, media at :math:`\min(0.5, W/4)`; the :math:`m` other
    accounts (KOLs, partners), in the plan's order (phase, then reach), at evenly
    spaced hours from :math:`h_1 = \min(1, W/4)` to :math:`h_2 = \max(h_1, W/2)`:

    .. math:: o_k = h_1 + (h_2 - h_1) \frac{k}{m - 1}, \quad k = 0 .. m - 1

    so every account has at least half the window :math:`W` for its post to spread.
    Hours are rounded to 0.05.

    Examples
    --------
    >>> from types import SimpleNamespace as A
    >>> acc = [A(key="o", kind=Kind.OWN), A(key="m", kind=Kind.MEDIA),
    ...        A(key="k1", kind=Kind.KOL), A(key="k2", kind=Kind.KOL)]
    >>> window_schedule(acc, 8.0)
    {'o': 0.0, 'm': 0.5, 'k1': 1.0, 'k2': 4.0}
    """
    w = float(within_hours)
    h1 = min(1.0, w / 4)
    h2 = max(h1, w / 2)
    out: dict[str, float] = {}
    rest = [a for a in accounts if a.kind not in (Kind.OWN, Kind.MEDIA)]
    for a in accounts:
        if a.kind == Kind.OWN:
            out[a.key] = 0.0
        elif a.kind == Kind.MEDIA:
            out[a.key] = _hours(min(0.5, w / 4))
    m = len(rest)
    for k, a in enumerate(rest):
        out[a.key] = _hours(h1 + (h2 - h1) * (k / (m - 1) if m > 1 else 0.0))
    return {a.key: out[a.key] for a in accounts}


def _hours(h: float) -> float:
    return round(round(h * 20) / 20, 2)


def adoption_curve(store: Store, learned: LearnedPlanner | None = None) -> AdoptionCurve:
    """How fast the store's cascades spread: the ones the plan's calendar is timed on.

    The engagement model's recent cascades (``learned.recent``) when the run has one,
    the store's timestamped reposts otherwise
    (:func:`~kolgraph.plan.cascades.cascades_from_store`); with too few
    (:data:`~kolgraph.plan.schedule.MIN_CASCADES`) the default shape.
    """
    cascades: Cascades | None = learned.recent if learned is not None else None
    if cascades is None:
        try:
            cascades = cascades_from_store(store)
        except InputError:
            cascades = None
    return AdoptionCurve.of_cascades(cascades)


def window_reach(
    plan: Plan,
    curve: AdoptionCurve,
    within_hours: float,
    schedule: Mapping[str, float],
    *,
    horizon_days: float,
) -> WindowReach:
    r"""The part of the plan's full-horizon value expected inside ``within_hours``.

    With :math:`s` the share of :meth:`~kolgraph.listen.frontier.AdoptionCurve.share_within`
    (posts at the hours of ``schedule``, each account weighted by its expected engaged
    people, or its marginal reach without them), the plan's forecast of moved users
    :math:`(\hat y, \ell, u)` over ``horizon_days`` becomes

    .. math:: (s \hat y,\; s \ell,\; s u)

    the interval scaled like the value: the timing share is taken as known, and the
    interval is the forecast's measured one. Without a forecast (no engagement model)
    the plan's unique (target) reach :math:`R` stands in: :math:`s R`, with no interval.
    """
    fc = plan.forecast
    horizon = float(fc["horizon_days"]) if fc else float(horizon_days)
    weights = [
        a.marginal_engaged if a.marginal_engaged is not None else float(a.marginal_reach)
        for a in plan.accounts
    ]
    offsets = [schedule.get(a.key, 0.0) for a in plan.accounts]
    s = curve.share_within(within_hours, horizon * 24.0, offsets=offsets, weights=weights)
    measure: Literal["moved_users", "unique_reach"]
    if fc:
        mu = fc["moved_users"]
        full = (float(mu["expected"]), float(mu["low"]), float(mu["high"]))
        measure, what = "moved_users", "people expected to engage (forecast, 80% interval)"
    else:
        r = float(plan.unique_reach)
        full = (r, r, r)
        measure, what = "unique_reach", "people in the chosen accounts' (target) audience"
    if curve.basis == "cascades":
        rests = (
            f"the share of a cascade's later adoptions within hours of its first, measured "
            f"on {curve.cascades:,} cascades of the store"
        )
    else:
        rests = (
            "the default calendar's shape (10% of a cascade's adopters after a day, 50% "
            f"after three, 90% after a week): only {curve.cascades:,} timed cascades"
        )
    note = (
        f"{s:.1%} of the {horizon:g}-day {measure.replace('_', ' ')} ({what}) is expected "
        f"within {within_hours:g} h of the first post, the accounts posting at their "
        f"scheduled hours; this rests on {rests}"
        + ("" if fc else "; no engagement model, so no measured interval")
    )
    return WindowReach(
        expected=round(s * full[0], 1),
        low=round(s * full[1], 1),
        high=round(s * full[2], 1),
        basis=curve.basis,
        measure=measure,
        share=round(s, 6),
        full_expected=full[0],
        full_low=full[1],
        full_high=full[2],
        horizon_days=horizon,
        note=note,
    )


def _check(within_hours: float, recent_hours: float) -> None:
    if not (math.isfinite(within_hours) and within_hours > 0):
        raise InputError(
            f"the response window must be a positive number of hours, got {within_hours}",
            hint="e.g. --within 8h (or 90m, 1d)",
        )
    if not (math.isfinite(recent_hours) and recent_hours > 0):
        raise InputError(
            f"recent hours must be a positive number, got {recent_hours}",
            hint="e.g. 6: adopters of the last six hours show where the topic is heading",
        )


def _adopter_positions(
    prep: Prepared, adopters: Sequence[tuple[str, int]], now: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], list[str]]:
    """Dense positions and first adoption times of the adopters the run knows, by ``now``."""
    first: dict[int, int] = {}
    unknown = later = 0
    for key, ts in adopters:
        i = prep.key_index.get(str(key))
        if i is None or prep.community[i] < 0:
            unknown += 1
            continue
        if int(ts) > now:
            later += 1
            continue
        first[i] = min(int(ts), first.get(i, int(ts)))
    notes = []
    if unknown:
        notes.append(
            f"{unknown:,} adopter(s) not in the current rank run (not in the store, or added "
            "after the run) are left out of the communities"
        )
    if later:
        notes.append(f"{later:,} adoption(s) after now ({now}) are left out")
    idx = np.fromiter(first.keys(), dtype=np.int64, count=len(first))
    when = np.fromiter(first.values(), dtype=np.int64, count=len(first))
    return idx, when, notes


def response_plan(
    store: Store,
    *,
    adopters: Sequence[tuple[str, int]],
    amplifiers: Collection[str] = (),
    now: int,
    within_hours: float = 8.0,
    budget: float,
    mix: Mapping[Kind, KindRange] | None = None,
    platform: str | None = None,
    recent_hours: float = 6.0,
    max_accounts: int | None = None,
    settings: Settings | None = None,
) -> ResponsePlan:
    """Plan a response to a spreading topic, to land within ``within_hours`` (module notes).

    Parameters
    ----------
    store
        A store with a published rank run.
    adopters
        ``(node key, first adoption unix time)`` of the topic, any order; a key listed
        twice counts once, at its earliest time.
    amplifiers
        Node keys amplifying the topic: never chosen.
    now
        Event time "now" (unix seconds): adoptions after it are left out.
    within_hours
        The response window.
    budget, mix, platform, max_accounts
        As in :class:`~kolgraph.plan.params.PlanParams`; ``mix=None`` is the default
        mix of the module notes (step 4).
    recent_hours
        Adopters of the last ``recent_hours`` before ``now`` show where the topic is
        heading (all adopters when none is that recent).
    settings
        The planner's settings (rate card, ``auto_kol``).

    Returns
    -------
    ResponsePlan

    Raises
    ------
    InputError
        Without a rank run (the planner's "no run" error), when no adopter is known
        to the run, for a window or recent span that is not a positive number, and
        whatever the planner raises (a budget too small for the mix).
    """
    _check(within_hours, recent_hours)
    run = store.current_run()
    if run is None:
        raise no_run_error()
    inputs = read_run_inputs(store, run.id)
    prep = inputs.prepared
    idx, ts, notes = _adopter_positions(prep, adopters, now)
    if idx.size == 0:
        raise InputError(
            f"none of the topic's {len(adopters):,} adopters is known to the current rank run "
            f"({run.id})",
            hint="import the graph of the accounts that posted about the topic, then rank again "
            "(`kolgraph rank`)",
        )
    every = reached_communities(prep.community, idx)
    reached = main_communities(every)
    if len(reached) < len(every):
        kept = sum(reached.values())
        notes.append(
            f"the target takes the {len(reached)} communities holding most adopters "
            f"({kept:,} of {sum(every.values()):,}); {len(every) - len(reached):,} smaller ones "
            "are left out"
        )
    recent = idx[ts >= now - recent_hours * HOUR]
    if recent.size == 0:
        notes.append(
            f"no adoption in the last {recent_hours:g} h: the frontier follows every adopter"
        )
        recent = idx
    frontier = frontier_scores(inputs.audience, prep.community, recent, adopters=idx)
    targets = tuple(dict.fromkeys([*reached, *frontier]))
    notes.append(
        f"{idx.size:,} adopter(s) in {len(reached)} communities, {recent.size:,} in the last "
        f"{recent_hours:g} h; frontier: "
        + (", ".join(f"{c} ({s:.3f})" for c, s in frontier.items()) or "none")
    )

    dropped, exclude, trusted_note = _dropped(
        prep, inputs.audience, inputs.scores, amplifiers, targets, platform
    )
    notes.append(trusted_note)
    target_mask = np.isin(prep.community, np.asarray(targets, dtype=np.int64))
    if mix is None:
        plan_mix = _default_mix(prep, inputs.audience, target_mask, exclude, platform)
        notes.append(
            "mix: "
            + (
                ", ".join(f"at least {r.min} {k.value}" for k, r in plan_mix.items() if r.min)
                or "no minimum (no own or media account reaches the target)"
            )
        )
    else:
        plan_mix = dict(mix)
    params = PlanParams(
        budget=budget,
        mix=plan_mix,
        target_communities=targets,
        platform=platform,
        exclude=tuple(prep.keys[sorted(exclude)].tolist()),
        skip_flagged=True,
        max_accounts=max_accounts,
    )
    plan = make_plan(store, params, settings=settings, inputs=inputs)
    sched = window_schedule(plan.accounts, within_hours)
    curve = adoption_curve(store, inputs.learned)
    reach = window_reach(plan, curve, within_hours, sched, horizon_days=params.horizon_days)
    notes.append(reach.note)
    return ResponsePlan(
        topic_communities=reached,
        frontier=frontier,
        plan=plan,
        dropped=dropped,
        within_hours=float(within_hours),
        reach_within=reach,
        schedule=sched,
        notes=notes,
    )


def _dropped(
    prep: Prepared,
    audience: sp.csr_matrix,
    scores: pd.DataFrame,
    amplifiers: Collection[str],
    targets: Sequence[int],
    platform: str | None,
) -> tuple[dict[str, str], set[int], str]:
    """Who is left out of the candidates and why; their positions; the trust note."""
    dropped: dict[str, str] = {}
    exclude: set[int] = set()
    for key in dict.fromkeys(amplifiers):
        i = prep.key_index.get(key)
        dropped[key] = "amplifies the topic" + ("" if i is not None else " (not in the store)")
        if i is not None and prep.plannable[i]:
            exclude.add(i)
    cand = prep.plannable.copy()
    if platform is not None:
        cand &= prep.on_platform(platform)
    cand[list(exclude)] = False
    flags = scores["flags"].to_numpy(dtype=object) if "flags" in scores else None
    for i in np.flatnonzero(cand & prep.flagged).tolist():
        why = flags[i] if flags is not None else None
        text = "; ".join(map(str, why)) if isinstance(why, list | tuple) and why else "flagged"
        dropped[str(prep.keys[i])] = f"flagged audience: {text}"
    cand &= ~prep.flagged
    voices = np.isin(prep.kind, [KIND_VALUES.index(k.value) for k in (Kind.KOL, Kind.PARTNER)])
    pool = np.flatnonzero(cand & voices)
    ok, share = trusted(audience, prep.community, pool, targets)
    for i, s in zip(pool[~ok].tolist(), share[~ok].tolist(), strict=True):
        c = int(prep.community[i])
        where = f"community {c}" if c >= 0 else "no community"
        dropped[str(prep.keys[i])] = (
            f"not trusted in the topic's communities: {where}, {s:.0%} of its audience there"
        )
        exclude.add(i)
    note = (
        f"{int(ok.sum())} of {pool.size} KOL and partner candidates are trusted in the target "
        f"communities (members, or half of their audience there); {int((~ok).sum())} left out"
    )
    return dropped, exclude, note


def _default_mix(
    prep: Prepared,
    audience: sp.csr_matrix,
    target: npt.NDArray[np.bool_],
    exclude: set[int],
    platform: str | None,
) -> dict[Kind, KindRange]:
    """At least one own and one media account when a candidate of that kind reaches the target."""
    ok = prep.plannable & ~prep.flagged
    if platform is not None:
        ok &= prep.on_platform(platform)
    ok[list(exclude)] = False
    mix: dict[Kind, KindRange] = {}
    for kind in (Kind.OWN, Kind.MEDIA):
        pool = np.flatnonzero(ok & prep.is_kind(kind))
        reaches = bool(pool.size) and bool((audience[pool] @ target.astype(np.float64)).any())
        mix[kind] = KindRange(1 if reaches else 0, None)
    return mix
