"""The phase calendar of a plan, timed by the store's own cascades.

A cascade reaches 10%, 50% and 90% of its adopters some hours after its first
adoption. The median of those three times over the store's cascades sets the
days on which the phases of the topic life cycle (:data:`~kolgraph.plan.phases.PHASES`)
begin and end:

=============  ==========================
phase          days
=============  ==========================
origin         day 0 up to :math:`t_{10}`
explosion      :math:`t_{10}` up to :math:`t_{50}`
mass spread    :math:`t_{50}` up to :math:`t_{90}`
flattening     :math:`t_{90}` up to the end of the topic's life
=============  ==========================

With too few cascades to measure the plan keeps the default calendar of a hot
topic that lives one to two weeks (origin 0-1, explosion 1-3, mass spread 3-7,
flattening 7-14), and its schedule says so. Which accounts a plan picks and what
it forecasts do not depend on the calendar: only the days do.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt

from kolgraph.errors import InputError
from kolgraph.plan.phases import PHASES

if TYPE_CHECKING:
    from kolgraph.plan.backtest import LearnedPlanner
    from kolgraph.plan.cascades import Cascades
    from kolgraph.plan.params import Plan
    from kolgraph.store.base import Store

__all__ = [
    "LIFE_DAYS",
    "MIN_ADOPTERS",
    "MIN_CASCADES",
    "Schedule",
    "calendar_from_hours",
    "default_schedule",
    "milestone_hours",
    "schedule_from_cascades",
    "store_schedule",
]

#: cascades with fewer adopters are not timed (see :func:`milestone_hours`)
MIN_ADOPTERS = 5
#: timed cascades needed before the calendar follows the data
MIN_CASCADES = 20
#: a hot topic lives one to two weeks: the calendar ends between these days
LIFE_DAYS = (7, 14)
#: shares of a cascade's adopters whose arrival times the calendar rests on, in percent
MILESTONES = (10, 50, 90)
HOUR = 3600.0

Calendar = dict[str, tuple[int, int]]


@dataclass(frozen=True)
class Schedule:
    """The days of each phase, and what they rest on.

    ``basis`` is ``"cascades"`` when the days come from the median milestones of
    ``cascades`` timed cascades (``t10_hours`` ... ``t90_hours``), ``"default"``
    when there were too few and the default calendar stands; ``note`` says which
    in one line.
    """

    basis: Literal["cascades", "default"]
    calendar: Calendar
    cascades: int
    t10_hours: float | None
    t50_hours: float | None
    t90_hours: float | None
    min_adopters: int
    note: str

    def days(self, phase: str) -> tuple[int, int]:
        """First and last day of ``phase``."""
        return self.calendar[phase]

    def apply(self, plan: Plan) -> Plan:
        """``plan`` on this calendar: each account gets the days of its phase."""
        accounts = [
            replace(a, day_from=self.calendar[a.phase][0], day_to=self.calendar[a.phase][1])
            for a in plan.accounts
        ]
        return replace(plan, accounts=accounts, schedule=self)

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-able data (the calendar is in the plan's ``phases``)."""
        return {
            "basis": self.basis,
            "cascades": self.cascades,
            "min_adopters": self.min_adopters,
            "t10_hours": self.t10_hours,
            "t50_hours": self.t50_hours,
            "t90_hours": self.t90_hours,
            "note": self.note,
        }


def milestone_hours(cascades: Cascades, *, min_adopters: int = MIN_ADOPTERS) -> npt.NDArray[Any]:
    r"""Hours from each cascade's first adoption until 10%, 50% and 90% of its adopters.

    Parameters
    ----------
    cascades
        Adoptions in cascade-major layout, each cascade in time order, its author
        (the first adoption) included as an adopter.
    min_adopters
        Cascades with fewer adopters are left out.

    Returns
    -------
    ndarray
        ``k × 3`` float hours, one row per cascade with at least ``min_adopters``
        adopters, in the cascades' order.

    Notes
    -----
    A cascade of :math:`n` adopters at times :math:`t_1 \le \dots \le t_n` has
    reached the share :math:`q` of its adopters at its
    :math:`\lceil q n \rceil`-th adoption, so

    .. math:: t_q = t_{\lceil q n \rceil} - t_1

    (computed in integers: :math:`\lceil pn/100 \rceil` for :math:`p` = 10, 50, 90).
    Below five adopters two of the three milestones fall on neighbouring adoptions
    (``n = 4``: the 1st, 2nd and 4th), so their gap is one adopter's delay, not
    the cascade's spread; from five on (``n = 5``: the 1st, 3rd and 5th) at least
    one adoption lies between each pair of milestones. Hence the default of 5.

    Examples
    --------
    >>> from kolgraph.plan.cascades import cascades_from_frame
    >>> hours = [0, 1, 2, 4, 8]
    >>> c = cascades_from_frame([0] * 5, range(5), [h * 3600 for h in hours], 5)
    >>> milestone_hours(c).tolist()
    [[0.0, 2.0, 8.0]]
    """
    sizes = cascades.sizes
    keep = sizes >= max(1, min_adopters)
    first = cascades.offsets[:-1][keep]
    n = sizes[keep]
    out = np.empty((int(keep.sum()), len(MILESTONES)), dtype=np.float64)
    for j, p in enumerate(MILESTONES):
        at = first + (p * n + 99) // 100 - 1  # ceil(p n / 100)-th adoption, 0-based
        out[:, j] = (cascades.ts[at] - cascades.ts[first]) / HOUR
    return out


def calendar_from_hours(t10: float, t50: float, t90: float) -> Calendar:
    r"""Phase days from the hours at which a typical cascade reaches 10%, 50%, 90%.

    Each milestone becomes the first whole day by which it is reached,
    :math:`b = \lceil t / 24 \rceil`; origin is days :math:`0..b_{10}`, explosion
    :math:`b_{10}..b_{50}`, mass spread :math:`b_{50}..b_{90}` and flattening
    :math:`b_{90}..e` with :math:`e = \min(14, \max(7, 2 b_{90}))`: the topic fades
    as long as it rose, within a life of one to two weeks (:data:`LIFE_DAYS`).
    Every phase keeps at least one day, so the boundaries are raised to
    :math:`b_{10} \ge 1`, :math:`b_{50} \ge b_{10} + 1`, :math:`b_{90} \ge b_{50} + 1`
    and then capped from the end, :math:`b_{90} \le 13`, :math:`b_{50} \le b_{90} - 1`,
    :math:`b_{10} \le b_{50} - 1`.

    Examples
    --------
    The default calendar is the one of a cascade at 10% after a day, 50% after three
    and 90% after a week:

    >>> calendar_from_hours(24, 72, 168)
    {'origin': (0, 1), 'explosion': (1, 3), 'mass_spread': (3, 7), 'flattening': (7, 14)}
    >>> calendar_from_hours(0.0, 5.0, 30.0)
    {'origin': (0, 1), 'explosion': (1, 2), 'mass_spread': (2, 3), 'flattening': (3, 7)}
    """
    lo, hi = LIFE_DAYS
    b = [math.ceil(max(0.0, t) / 24.0 - 1e-9) for t in (t10, t50, t90)]
    for j in range(3):  # each phase at least one day long
        b[j] = max(b[j], b[j - 1] + 1 if j else 1)
    b[2] = min(b[2], hi - 1)
    for j in (1, 0):
        b[j] = min(b[j], b[j + 1] - 1)
    end = min(hi, max(lo, 2 * b[2]))
    edges = [0, *b, end]
    return {phase: (edges[k], edges[k + 1]) for k, phase in enumerate(PHASES)}


def default_schedule(why: str = "") -> Schedule:
    """The default 1-2 week calendar of :data:`~kolgraph.plan.phases.PHASES`."""
    return Schedule(
        basis="default",
        calendar={p: (d0, d1) for p, (d0, d1, _) in PHASES.items()},
        cascades=0,
        t10_hours=None,
        t50_hours=None,
        t90_hours=None,
        min_adopters=MIN_ADOPTERS,
        note="default 1-2 week calendar" + (f": {why}" if why else ""),
    )


def _span(hours: float) -> str:
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} d"


def schedule_from_cascades(
    cascades: Cascades | None,
    *,
    min_adopters: int = MIN_ADOPTERS,
    min_cascades: int = MIN_CASCADES,
    source: str = "",
) -> Schedule:
    r"""The calendar timed by ``cascades``, or the default one with fewer than ``min_cascades``.

    Parameters
    ----------
    cascades
        The history's cascades (``None``: there are none).
    min_adopters
        Only cascades with at least this many adopters are timed (:func:`milestone_hours`).
    min_cascades
        Timed cascades needed; with fewer the default calendar stands. One cascade's
        milestones are noisy; the median of :math:`k` of them has a standard error of
        about :math:`1.25\,\sigma / \sqrt{k}`, under 0.3 of their spread from 20 on.
    source
        Which of the store's cascades were timed, for the note (e.g. "last 90 days
        of its history").

    Returns
    -------
    Schedule
        The median milestones in hours (rounded to 0.1 h) and the calendar
        :func:`calendar_from_hours` makes of them.
    """
    hours = (
        np.zeros((0, len(MILESTONES)))
        if cascades is None
        else milestone_hours(cascades, min_adopters=min_adopters)
    )
    k = int(hours.shape[0])
    scope = f" ({source})" if source else ""
    if k < min_cascades:
        why = f"only {k:,} cascades with ≥ {min_adopters} adopters in the store{scope}"
        return replace(
            default_schedule(f"{why} (at least {min_cascades} are needed to time the phases)"),
            cascades=k,
            min_adopters=min_adopters,
        )
    t10, t50, t90 = (round(float(x), 1) for x in np.median(hours, axis=0))
    cal = calendar_from_hours(t10, t50, t90)
    return Schedule(
        basis="cascades",
        calendar=cal,
        cascades=k,
        t10_hours=t10,
        t50_hours=t50,
        t90_hours=t90,
        min_adopters=min_adopters,
        note=(
            f"calendar from the store's cascades{scope}: the median of {k:,} cascades with "
            f"≥ {min_adopters} adopters reached 10% of its adopters after {_span(t10)}, 50% "
            f"after {_span(t50)} and 90% after {_span(t90)}; the phases turn on days "
            f"{cal['explosion'][0]}, {cal['mass_spread'][0]} and {cal['flattening'][0]}, and "
            f"the topic ends on day {cal['flattening'][1]}"
        ),
    )


#: schedules already timed in this process, by store location and run
_CACHE: dict[tuple[str, str], Schedule] = {}


def store_schedule(store: Store, run_id: str, learned: LearnedPlanner | None) -> Schedule:
    """The calendar of a plan from ``run_id`` of ``store``, timed once per run and process.

    The run's engagement model keeps the history's cascades of its last 90 days
    (``learned.recent``): they time the calendar without reading the store.
    Without a model the store's timestamped repost edges are read
    (:func:`~kolgraph.plan.cascades.cascades_from_store`).
    """
    key = (store.location, run_id)
    if key in _CACHE:
        return _CACHE[key]
    if learned is not None and learned.recent is not None:
        from kolgraph.plan.backtest import RECENT_DAYS

        sched = schedule_from_cascades(
            learned.recent, source=f"last {RECENT_DAYS:g} days of its history"
        )
    else:
        from kolgraph.plan.cascades import cascades_from_store

        try:
            cascades: Cascades | None = cascades_from_store(store)
        except InputError:
            cascades = None
        sched = schedule_from_cascades(cascades)
    _CACHE[key] = sched
    return sched
