"""What a plan is asked for and what it holds: :class:`PlanParams`, :class:`Plan`.

The planner (:mod:`kolgraph.plan.planner`) turns the one into the other.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from kolgraph.errors import InputError
from kolgraph.model import Kind
from kolgraph.plan.backtest import OBJECTIVES
from kolgraph.plan.frequency import ReachFrequency
from kolgraph.plan.phases import PHASES, Phase
from kolgraph.plan.schedule import Schedule

if TYPE_CHECKING:
    from kolgraph.plan.curve import BudgetCurve

__all__ = [
    "PLANNABLE",
    "PLAN_OBJECTIVES",
    "KindRange",
    "Plan",
    "PlanParams",
    "PlannedAccount",
    "new_plan_id",
]

_RANGE_RE = re.compile(r"^\s*(\d*)\s*(?:\.\.\s*(\d*))?\s*$")
PLANNABLE = (Kind.KOL, Kind.MEDIA, Kind.OWN, Kind.PARTNER)
#: what a plan can maximise (docs/planning.md); ``auto`` picks one on the store's history
PLAN_OBJECTIVES = ("auto", *OBJECTIVES)


@dataclass(frozen=True)
class KindRange:
    """How many accounts of one kind a plan may hold (``max=None``: no limit)."""

    min: int = 0
    max: int | None = None

    def __post_init__(self) -> None:
        if self.min < 0 or (self.max is not None and self.max < self.min):
            raise InputError(
                f"invalid range {self.min}..{self.max}", hint="use MIN..MAX with 0 <= MIN <= MAX"
            )

    @classmethod
    def parse(cls, text: str, *, name: str = "range") -> KindRange:
        """Parse ``"2..5"``, ``"3"`` (exactly 3), ``"..5"`` or ``"2.."``.

        Examples
        --------
        >>> KindRange.parse("2..5")
        KindRange(min=2, max=5)
        >>> KindRange.parse("..4")
        KindRange(min=0, max=4)
        """
        m = _RANGE_RE.match(text)
        if m is None or (not m.group(1) and m.group(2) is None):
            raise InputError(
                f"--{name} {text!r} is not a range",
                hint=f"write MIN..MAX, e.g. --{name} 2..5, --{name} ..5, --{name} 3",
            )
        lo = int(m.group(1)) if m.group(1) else 0
        if m.group(2) is None and ".." not in text:
            return cls(lo, lo)
        hi = int(m.group(2)) if m.group(2) else None
        return cls(lo, hi)


@dataclass(frozen=True)
class PlanParams:
    """What a strategist asks for."""

    budget: float
    mix: dict[Kind, KindRange] = field(default_factory=dict)
    target_communities: tuple[int, ...] = ()
    platform: str | None = None
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    #: share of the accounts outside origin and flattening (the earliest-acting
    #: ones) that carry the explosion; at least one
    top_kol_share: float = 0.2
    #: leave out accounts whose audience the rank run flagged (include-flagged: False)
    skip_flagged: bool = True
    objective: Literal[
        "auto", "engagement", "reach", "frequency", "past-engagers", "blend", "active-engagers"
    ] = "auto"
    min_frequency: int = 2
    horizon_days: float = 14.0
    max_accounts: int | None = None
    min_gain: float = 0.0
    #: target: the union of these accounts' audiences (a brand's or competitor's followers)
    target_followers_of: tuple[str, ...] = ()
    #: target: only these accounts (a customer segment), by key
    target_users: tuple[str, ...] = ()
    #: target: leave out people already in the audience of the brand's own accounts
    new_audience_only: bool = False
    #: at most this many chosen accounts from any one community (None: no limit)
    max_per_community: int | None = None

    @property
    def targeted(self) -> bool:
        """True when any target filter narrows the audience (:mod:`kolgraph.plan.target`)."""
        return bool(
            self.target_communities
            or self.target_followers_of
            or self.target_users
            or self.new_audience_only
        )

    def check(self) -> PlanParams:
        if not np.isfinite(self.budget) or self.budget <= 0:
            raise InputError(f"budget must be a positive number, got {self.budget}")
        for kind in self.mix:
            if kind not in PLANNABLE:
                raise InputError(
                    f"a plan mixes kol, media, own and partner accounts, not {kind.value!r}"
                )
        if not 0 < self.top_kol_share <= 1:
            raise InputError("top_kol_share must be in (0, 1]")
        if self.objective not in PLAN_OBJECTIVES:
            raise InputError(
                f"unknown objective {self.objective!r}",
                hint="use one of " + ", ".join(PLAN_OBJECTIVES),
            )
        if not np.isfinite(self.horizon_days) or self.horizon_days <= 0:
            raise InputError(
                f"horizon must be a positive number of days, got {self.horizon_days}",
                hint="e.g. --horizon 14 (a hot topic lives one to two weeks)",
            )
        if self.max_accounts is not None and self.max_accounts < 1:
            raise InputError(
                f"max accounts must be at least 1, got {self.max_accounts}",
                hint="e.g. --max-accounts 20",
            )
        if not np.isfinite(self.min_gain) or self.min_gain < 0:
            raise InputError(f"min gain must be a number >= 0, got {self.min_gain}")
        if self.max_per_community is not None and self.max_per_community < 1:
            raise InputError(
                f"max per community must be at least 1, got {self.max_per_community}",
                hint="e.g. --max-per-community 3",
            )
        if self.min_frequency < 1:
            raise InputError(
                f"min frequency must be at least 1, got {self.min_frequency}",
                hint="e.g. --min-frequency 2",
            )
        return self

    def range_of(self, kind: Kind) -> KindRange:
        return self.mix.get(kind, KindRange())

    def as_dict(self) -> dict[str, Any]:
        """The parameters as plain JSON-able data (kept with the plan)."""
        d = asdict(self)
        d["mix"] = {k.value: {"min": r.min, "max": r.max} for k, r in self.mix.items()}
        for name in (
            "target_communities",
            "target_followers_of",
            "target_users",
            "include",
            "exclude",
        ):
            d[name] = list(d[name])
        return d


@dataclass(frozen=True)
class PlannedAccount:
    """One account in a plan, in the order it was chosen."""

    key: str
    name: str
    kind: Kind
    phase: Phase
    day_from: int
    day_to: int
    marginal_reach: int
    audience: int
    cost: float
    cost_estimated: bool
    pagerank: float
    community: int | None
    marginal_engaged: float | None = None
    #: what the account added to the plan's objective, in the objective's units
    marginal_gain: float = 0.0
    #: past cascades the account took part in (the evidence behind its probabilities), and
    #: days from its last one to the model's now; ``None`` without an engagement model
    evidence_cascades: int | None = None
    evidence_last_days: float | None = None
    #: share of its (target) audience already reached by the accounts chosen before it
    overlap_before: float = 0.0
    #: short flags a strategist should see beside the row: ``"flagged audience"``,
    #: ``"estimated price"``, ``"high overlap with KEY (Jaccard 0.42)"``
    warnings: tuple[str, ...] = ()
    exclusive_reach: int | None = None  # people only it reaches among the plan's accounts
    #: the same inside the target (None when the plan targets everyone)
    exclusive_target_reach: int | None = None


@dataclass(frozen=True)
class Plan:
    """A campaign plan and its totals."""

    accounts: list[PlannedAccount]
    budget: float
    spent: float
    unique_reach: int
    total_audience: int
    target_size: int
    overlap: pd.DataFrame
    run_id: str | None
    notes: list[str]
    objective: str = "reach"
    forecast: dict[str, Any] | None = None
    stop_reason: str = ""
    rule: str = "gain per cost"
    id: str = ""
    schedule: Schedule | None = None  # the phase days and what they rest on (None: default)
    reach_frequency: ReachFrequency | None = None  # over the whole audience
    #: the same over the target (None when the plan targets everyone)
    reach_frequency_target: ReachFrequency | None = None
    #: what each target filter kept (empty: everyone)
    target_parts: tuple[str, ...] = ()
    #: per community: (community, people in the target, of them reached), largest first
    community_coverage: tuple[tuple[int, int, int], ...] = ()
    #: the objective and cost as the budget grows (``plan --budget-curve``)
    budget_curve: BudgetCurve | None = None

    @property
    def value(self) -> float:
        """What the objective scored: expected engaged people, people reached, ..."""
        return float(sum(a.marginal_gain for a in self.accounts))

    @property
    def target_coverage(self) -> float:
        """Share of the target the plan reaches: ``unique_reach / target_size``."""
        return self.unique_reach / self.target_size if self.target_size else 0.0

    @property
    def overlap_rate(self) -> float:
        """Share of the summed audiences that is duplicated: ``1 - unique / total``."""
        return 1.0 - self.unique_reach / self.total_audience if self.total_audience else 0.0

    def by_phase(self) -> dict[str, list[PlannedAccount]]:
        out: dict[str, list[PlannedAccount]] = {p: [] for p in PHASES}
        for acc in self.accounts:
            out[acc.phase].append(acc)
        return out


def new_plan_id() -> str:
    """A short, unguessable plan id such as ``pl-3f9c2a61d0``."""
    return "pl-" + secrets.token_hex(5)
