"""Plan requests, plans and kept plans.

Field names are those of ``kolgraph plan --format json``, so a script can
switch between the API and the command line without renaming anything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

from kolgraph.model import Kind
from kolgraph.plan.phases import PHASES, Phase
from kolgraph.plan.schedule import default_schedule
from kolgraph.schemas.common import AccountKey, Page

if TYPE_CHECKING:
    from kolgraph.plan.frequency import ReachFrequency
    from kolgraph.plan.params import Plan, PlannedAccount
    from kolgraph.store.base import PlanRecord

__all__ = [
    "MAX_OVERLAP_PAIRS",
    "MAX_TARGET_USERS",
    "BudgetCurveIn",
    "BudgetCurveOut",
    "CommunityCoverageOut",
    "CurvePointOut",
    "ForecastOut",
    "ForecastValue",
    "KindRangeIn",
    "OverlapOut",
    "PhaseOut",
    "PlanRequest",
    "PlanResponse",
    "PlanSummary",
    "PlannedAccountOut",
    "PlansPage",
    "ReachFrequencyOut",
    "ScheduleOut",
    "TargetOut",
]

#: How many audience-overlap pairs a plan response lists.
MAX_OVERLAP_PAIRS = 50
#: How many account keys a plan request may list as its target users.
MAX_TARGET_USERS = 1_000_000


# ----------------------------------------------------------------------------- requests
class KindRangeIn(BaseModel):
    """How many accounts of one kind the plan may hold."""

    model_config = ConfigDict(extra="forbid")

    min: int = Field(0, ge=0, le=100_000, description="At least this many.")
    max: int | None = Field(
        None, ge=0, le=100_000, description="At most this many (null: no limit)."
    )

    @model_validator(mode="after")
    def _min_le_max(self) -> KindRangeIn:
        if self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) must not exceed max ({self.max})")
        return self


class BudgetCurveIn(BaseModel):
    """Plan at ``low, low + step, ...`` up to ``high`` and report where returns fall off."""

    model_config = ConfigDict(extra="forbid")

    low: float = Field(gt=0, allow_inf_nan=False, description="The first budget.")
    high: float = Field(gt=0, allow_inf_nan=False, description="The last budget (included).")
    step: float = Field(gt=0, allow_inf_nan=False, description="Between budgets (> 0).")


class PlanRequest(BaseModel):
    """``POST /v1/plans``: budget, per-kind mix and targeting."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "budget": 50000,
                    "kol": {"min": 3, "max": 10},
                    "media": {"min": 1, "max": 4},
                    "own": {"min": 1},
                    "target_communities": [],
                }
            ]
        },
    )

    budget: float = Field(gt=0, allow_inf_nan=False, description="Campaign budget (> 0).")
    kol: KindRangeIn | None = None
    media: KindRangeIn | None = None
    own: KindRangeIn | None = None
    partner: KindRangeIn | None = Field(
        None,
        description="Co-branding partners and allied brands; a partner without a price "
        "posts for free.",
    )
    target_communities: list[Annotated[int, Field(ge=0, le=2**31 - 1)]] = Field(
        default_factory=list,
        max_length=1000,
        description="Communities to reach; empty means everyone.",
    )
    target_followers_of: list[AccountKey] = Field(
        default_factory=list,
        max_length=100,
        description="Target the audience of these accounts (a brand's or a competitor's "
        "followers and engagers); combined with the other target filters by intersection.",
    )
    target_users: list[AccountKey] = Field(
        default_factory=list,
        max_length=MAX_TARGET_USERS,
        description="Target only these accounts (a customer segment), by key.",
    )
    new_audience_only: StrictBool = Field(
        False,
        description="Leave out of the target people already in the audience of the brand's "
        "own accounts.",
    )
    max_per_community: int | None = Field(
        None,
        ge=1,
        le=100_000,
        description="At most this many chosen accounts from any one community.",
    )
    budget_curve: BudgetCurveIn | None = Field(
        None,
        description="Also plan at these budgets and keep the curve with the plan (made at "
        "`budget`).",
    )
    platform: str | None = Field(None, max_length=40, description="Only accounts on this platform.")
    include: list[AccountKey] = Field(
        default_factory=list, max_length=1000, description="Keys that must be in the plan."
    )
    exclude: list[AccountKey] = Field(
        default_factory=list, max_length=100_000, description="Keys to leave out."
    )
    include_flagged: StrictBool = Field(
        False,
        description="Also plan with accounts whose audience the rank run flagged (they are "
        "left out by default; when kept, their rows carry the warning 'flagged audience').",
    )
    objective: Literal[
        "auto", "engagement", "reach", "frequency", "past-engagers", "blend", "active-engagers"
    ] = Field(
        "auto",
        description="What the plan maximises: expected engaged people, unique reach, people "
        "reached at least min_frequency times, distinct people who engaged after the accounts "
        "before, engagement and past engagers together (blend), past engagers of the accounts "
        "likely to act within the horizon (active-engagers); auto: the one with the best worst "
        "case on the store's own history (reach without timestamped cascades).",
    )
    min_frequency: int = Field(2, ge=1, le=100, description="For the frequency objective.")
    horizon_days: float = Field(
        14.0, gt=0, le=3650, allow_inf_nan=False, description="Forecast horizon in days."
    )
    max_accounts: int | None = Field(None, ge=1, le=10_000, description="At most this many.")
    min_gain: float = Field(
        0.0,
        ge=0,
        allow_inf_nan=False,
        description="Stop when the next account adds less than this to the objective.",
    )


# ----------------------------------------------------------------------------- plans
class PlannedAccountOut(BaseModel):
    """One account of a plan, with its phase role."""

    key: str = Field(description="Node key 'platform:account_id'.")
    name: str
    kind: Kind = Field(description="kol, media, own or partner.")
    phase: Phase = Field(description="The phase of the topic life cycle it carries.")
    day_from: int = Field(description="Its phase starts on this day (day 0: the first post).")
    day_to: int = Field(description="Its phase ends on this day.")
    marginal_reach: int = Field(
        description="Target people it adds that earlier picks do not reach."
    )
    exclusive_reach: int | None = Field(
        None,
        description="People only this account reaches among the plan's accounts, over the "
        "whole audience (null on plans kept before it was reported).",
    )
    exclusive_target_reach: int | None = Field(
        None, description="The same inside the target (null when the target is everyone)."
    )
    audience: int
    cost: float
    cost_estimated: bool = Field(description="True when the cost comes from the rate card.")
    pagerank: float
    community: int | None
    marginal_engaged: float | None = Field(
        None,
        description="Expected engaged people it adds within the horizon (the engagement "
        "model's units; null when the run has no engagement model).",
    )
    marginal_gain: float = Field(
        0.0, description="What it added to the plan's objective, in the objective's units."
    )
    cost_per_engaged: float | None = Field(
        None, description="cost / marginal_engaged (null when it adds no engaged people)."
    )
    overlap_before: float = Field(
        0.0, description="Share of its audience already reached by the accounts chosen before it."
    )
    evidence_cascades: int | None = Field(
        None, description="Past cascades it took part in: the evidence behind its probabilities."
    )
    evidence_last_days: float | None = Field(
        None, description="Days from its last past cascade to the end of the history."
    )
    warnings: list[str] = Field(
        default_factory=list,
        description="Short flags to check before booking it, e.g. 'flagged audience', "
        "'estimated price', 'high overlap'.",
    )

    @classmethod
    def from_account(cls, a: PlannedAccount) -> PlannedAccountOut:
        """A planned account, with its cost per engaged person (to 4 decimals)."""
        engaged = a.marginal_engaged
        per = round(a.cost / engaged, 4) if engaged and engaged > 0 else None
        return cls.model_validate({**asdict(a), "cost_per_engaged": per})


class PhaseOut(BaseModel):
    """A phase of the topic life cycle and the accounts that carry it."""

    phase: Phase
    day_from: int
    day_to: int
    what: str
    accounts: list[str]


class ScheduleOut(BaseModel):
    """What the phase days rest on (:mod:`kolgraph.plan.schedule`)."""

    basis: Literal["cascades", "default"] = Field(
        description="cascades: the days follow how fast the store's own cascades spread; "
        "default: the 1-2 week calendar, with too few cascades to time."
    )
    cascades: int = Field(description="Cascades timed (those with at least min_adopters).")
    min_adopters: int = Field(description="Smaller cascades are not timed.")
    t10_hours: float | None = Field(
        None, description="Median hours from a cascade's first adoption to 10% of its adopters."
    )
    t50_hours: float | None = Field(None, description="The same to 50% of its adopters.")
    t90_hours: float | None = Field(None, description="The same to 90% of its adopters.")
    note: str = Field(description="One line saying which calendar the plan uses and why.")


class OverlapOut(BaseModel):
    """Audience shared by two planned accounts."""

    a: str
    b: str
    shared: int
    jaccard: float


class ReachFrequencyOut(BaseModel):
    """How many people the plan's accounts reach and how often (:mod:`kolgraph.plan.frequency`)."""

    over: Literal["audience", "target"] = Field(
        description="audience: everyone in the accounts' audiences; target: the target only."
    )
    unique_reach: int = Field(description="People reached at least once.")
    gross_impressions: int = Field(description="Summed audience sizes: every exposure counted.")
    avg_frequency: float = Field(description="gross_impressions / unique_reach.")
    reach_1_plus: int = Field(description="People reached at least once.")
    reach_2_plus: int = Field(description="People reached by at least 2 of the accounts.")
    reach_3_plus: int = Field(description="People reached by at least 3 of the accounts.")
    distribution: list[int] = Field(
        description="distribution[f - 1]: people reached by exactly f of the accounts."
    )

    @classmethod
    def from_report(cls, rf: ReachFrequency) -> ReachFrequencyOut:
        d = asdict(rf)
        d.pop("exclusive")  # per account, in the account rows
        return cls.model_validate(d)


class TargetOut(BaseModel):
    """Who the plan is for and how much of them it reaches (:mod:`kolgraph.plan.target`)."""

    everyone: bool = Field(description="True when no target filter was given.")
    filters: list[str] = Field(description="What each target filter kept, one line each.")
    size: int = Field(description="People in the target.")
    reached: int = Field(description="Target people in the plan's audience.")
    coverage: float = Field(description="reached / size.")


class CommunityCoverageOut(BaseModel):
    """How much of one community (inside the target) the plan reaches."""

    community: int
    people: int = Field(description="Members inside the target.")
    reached: int = Field(description="Of them, in the audience of a chosen account.")
    share: float = Field(description="reached / people.")


class CurvePointOut(BaseModel):
    """The plan at one budget of a budget curve."""

    budget: float
    spent: float
    value: float = Field(description="The objective's value at this budget (its own units).")
    accounts: int
    unique_reach: int
    engaged: float | None = Field(description="Forecast engaged people (null: no model).")
    engaged_low: float | None
    engaged_high: float | None
    cost_per_engaged: float | None = Field(description="spent / engaged.")
    cost_per_reached: float | None = Field(description="spent / unique_reach.")
    value_per_1k_more: float | None = Field(
        description="Value added per 1,000 more than the budget before (null first)."
    )


class BudgetCurveOut(BaseModel):
    """Plans at growing budgets (:mod:`kolgraph.plan.curve`)."""

    objective: str
    points: list[CurvePointOut]
    knee_budget: float | None = Field(
        description="Where returns fall off (Kneedle); null when they do not in the range."
    )
    note: str


class ForecastValue(BaseModel):
    """An expected value and its 80% interval."""

    expected: float
    low: float
    high: float
    interval: float
    calibrated_on: int = Field(description="Predicted/measured pairs the interval rests on.")
    extrapolated: bool = Field(description="True when no calibration point had this horizon.")


class ForecastOut(BaseModel):
    """What the plan is expected to move within the horizon."""

    horizon_days: float
    moved_users: ForecastValue
    per_message: ForecastValue | None = Field(
        None,
        description="Expected engaged people when every chosen account posts one message.",
    )
    calibration: dict[str, Any]
    what: str


class PlanResponse(BaseModel):
    """A campaign plan and its totals (the CLI's JSON shape)."""

    id: str = Field(description="The plan's id: evaluate the campaign later with it.")
    run_id: str | None
    budget: float
    spent: float
    unique_reach: int
    total_audience: int
    overlap_rate: float = Field(description="1 - unique_reach / total_audience.")
    target_size: int
    accounts: list[PlannedAccountOut]
    phases: list[PhaseOut]
    overlap: list[OverlapOut] = Field(description=f"Up to {MAX_OVERLAP_PAIRS} pairs.")
    notes: list[str]
    objective: str = Field(description="The objective the plan maximised.")
    stop_reason: str = Field(description="Why the plan holds no more accounts.")
    forecast: ForecastOut | None = Field(
        None, description="Moved people with a measured 80% interval (needs an engagement model)."
    )
    schedule: ScheduleOut = Field(
        default_factory=lambda: ScheduleOut.model_validate(default_schedule().as_dict()),
        description="What the days of the phases rest on (plans kept before schedules were "
        "timed read back with the default calendar they were made on).",
    )
    reach_frequency: ReachFrequencyOut | None = Field(
        None,
        description="Reach, impressions and frequency over the accounts' whole audience "
        "(null on plans kept before it was reported).",
    )
    reach_frequency_target: ReachFrequencyOut | None = Field(
        None, description="The same over the target only (null when the target is everyone)."
    )
    target: TargetOut | None = Field(
        None, description="The target and its coverage (null on plans kept before it was)."
    )
    community_coverage: list[CommunityCoverageOut] = Field(
        default_factory=list,
        description="The largest communities in the target and how much of each is reached.",
    )
    budget_curve: BudgetCurveOut | None = Field(
        None, description="Plans at growing budgets, when asked for (`--budget-curve`)."
    )

    @classmethod
    def from_plan(cls, plan: Plan) -> PlanResponse:
        """A plan made by :func:`~kolgraph.plan.planner.make_plan`."""
        ov = plan.overlap.head(MAX_OVERLAP_PAIRS)
        sched = plan.schedule or default_schedule()
        return cls(
            id=plan.id,
            run_id=plan.run_id,
            budget=plan.budget,
            spent=plan.spent,
            unique_reach=plan.unique_reach,
            total_audience=plan.total_audience,
            overlap_rate=round(plan.overlap_rate, 6),
            target_size=plan.target_size,
            accounts=[PlannedAccountOut.from_account(a) for a in plan.accounts],
            phases=[
                PhaseOut(
                    phase=phase,
                    day_from=sched.days(phase)[0],
                    day_to=sched.days(phase)[1],
                    what=what,
                    accounts=[a.key for a in plan.accounts if a.phase == phase],
                )
                for phase, (_, _, what) in PHASES.items()
            ],
            overlap=[
                OverlapOut(a=str(a), b=str(b), shared=int(shared), jaccard=float(jaccard))
                for a, b, shared, jaccard in zip(
                    ov["a"].tolist(),
                    ov["b"].tolist(),
                    ov["shared"].tolist(),
                    ov["jaccard"].tolist(),
                    strict=True,
                )
            ],
            notes=list(plan.notes),
            objective=plan.objective,
            stop_reason=plan.stop_reason,
            forecast=ForecastOut.model_validate(plan.forecast) if plan.forecast else None,
            schedule=ScheduleOut.model_validate(sched.as_dict()),
            reach_frequency=(
                ReachFrequencyOut.from_report(plan.reach_frequency)
                if plan.reach_frequency
                else None
            ),
            reach_frequency_target=(
                ReachFrequencyOut.from_report(plan.reach_frequency_target)
                if plan.reach_frequency_target
                else None
            ),
            target=TargetOut(
                everyone=not plan.target_parts,
                filters=list(plan.target_parts),
                size=plan.target_size,
                reached=plan.unique_reach,
                coverage=round(plan.target_coverage, 6),
            ),
            community_coverage=[
                CommunityCoverageOut(
                    community=c, people=people, reached=hit, share=round(hit / people, 6)
                )
                for c, people, hit in plan.community_coverage
            ],
            budget_curve=(
                BudgetCurveOut.model_validate(plan.budget_curve.as_dict())
                if plan.budget_curve
                else None
            ),
        )


# ----------------------------------------------------------------------------- kept plans
class PlanSummary(BaseModel):
    """A kept plan in a list."""

    id: str
    run_id: str | None
    created: float = Field(description="Unix seconds.")
    objective: str
    budget: float
    spent: float
    accounts: int
    evaluated: bool

    @classmethod
    def from_record(cls, r: PlanRecord) -> PlanSummary:
        """A kept plan as the store keeps it (its JSON body and evaluation)."""
        return cls(
            id=r.id,
            run_id=r.run_id,
            created=r.created,
            objective=str(r.body.get("objective", "")),
            budget=float(r.body.get("budget", 0.0)),
            spent=float(r.body.get("spent", 0.0)),
            accounts=len(r.body.get("accounts", [])),
            evaluated=r.evaluation is not None,
        )


class PlansPage(Page[PlanSummary]):
    """The most recent kept plans."""

    @classmethod
    def from_records(cls, records: Iterable[PlanRecord]) -> PlansPage:
        """The kept plans as the store keeps them, in their order."""
        plans = [PlanSummary.from_record(r) for r in records]
        return cls(data=plans, count=len(plans))
