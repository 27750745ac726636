"""Request and response models, one per direction.

Field names match the CLI's JSON output (``kolgraph plan --format json``), so a
script can switch between the two without renaming anything.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

from kolgraph.model import Kind
from kolgraph.plan.evaluate import Evaluation
from kolgraph.plan.phases import PHASES
from kolgraph.plan.planner import KindRange, Plan, PlanParams
from kolgraph.store.base import AccountRecord, CommunityRecord, PlanRecord
from kolgraph.store.crawlstate import CrawlInfo

__all__ = [
    "AccountOut",
    "AccountsPage",
    "CommunitiesPage",
    "CommunityOut",
    "EvaluationOut",
    "EvaluationRequest",
    "Health",
    "KindRangeIn",
    "OverlapOut",
    "PhaseOut",
    "PlanRequest",
    "PlanResponse",
    "PlanSummary",
    "PlannedAccountOut",
    "PlansPage",
]

Phase = Literal["origin", "explosion", "mass_spread", "flattening"]

#: How many audience-overlap pairs a plan response lists (as the CLI does).
MAX_OVERLAP_PAIRS = 50


# ----------------------------------------------------------------------------- health
class Health(BaseModel):
    """``GET /healthz``: the store is reachable; what it holds."""

    status: Literal["ok"] = "ok"
    store: str = Field(description="Store backend (sqlite or neo4j).")
    accounts: int
    follows: int
    reposts: int
    current_run: str | None = Field(description="Id of the published rank run, if any.")
    version: str


# ----------------------------------------------------------------------------- accounts
class AccountOut(BaseModel):
    """An account with the scores of the current rank run (``None`` when unranked)."""

    model_config = ConfigDict(from_attributes=True)

    key: str = Field(description="Node key 'platform:account_id'.")
    platform: str
    account_id: str
    name: str
    kind: Kind
    followers: int | None
    cost: float | None = Field(description="Price of one post, when known.")
    pagerank: float | None
    community: int | None
    audience: int | None = Field(description="Followers in the stored graph.")
    tier: str | None = Field(description="head, mid or tail by PageRank.")
    run_id: str | None = Field(description="Rank run the scores come from.")
    engagement: float | None = Field(
        None, description="Reposts received per post per follower (quality stage)."
    )
    anomaly: float | None = Field(
        None, description="Isolation-forest anomaly score in [0, 1]; higher is more unusual."
    )
    spread: float | None = Field(
        None, description="Expected accounts reached by one post (influence stage)."
    )
    flags: list[str] = Field(
        default_factory=list, description="Reasons the account's audience looks inauthentic."
    )

    @classmethod
    def from_record(cls, record: AccountRecord) -> AccountOut:
        return cls.model_validate(record, from_attributes=True)


class AccountsPage(BaseModel):
    """One page of accounts; ``count`` is the total matching the filters."""

    data: list[AccountOut]
    count: int
    limit: int
    offset: int


# ----------------------------------------------------------------------------- communities
class CommunityOut(BaseModel):
    """A community of the current rank run.

    Edges are distinct directed account pairs (follows and reposts merged);
    ``external_edges`` and ``bridges`` are null for runs ranked before kolgraph
    stored them.
    """

    community: int
    size: int
    internal_edges: int = Field(description="Edges with both ends inside the community.")
    external_edges: int | None = Field(
        description="Edges with exactly one end inside (leaving or entering the community)."
    )
    density: float = Field(
        description="internal_edges / (size * (size - 1)): share of possible directed pairs."
    )
    external_share: float | None = Field(
        description="external_edges / (internal_edges + external_edges)."
    )
    top: list[str] = Field(description="Keys of its top accounts by PageRank.")
    bridges: list[str] | None = Field(
        description="Keys of its accounts with the most edges to or from other communities "
        "(ties by PageRank); only accounts with at least one such edge."
    )
    run_id: str

    @classmethod
    def from_record(cls, record: CommunityRecord) -> CommunityOut:
        return cls(
            community=record.community,
            size=record.size,
            internal_edges=record.internal_edges,
            external_edges=record.external_edges,
            density=record.density,
            external_share=record.external_share,
            top=list(record.top),
            bridges=None if record.bridges is None else list(record.bridges),
            run_id=record.run_id,
        )


class CrawlOut(BaseModel):
    """A crawl: its parameters, tasks by status and running totals.

    ``done`` is true when no task is pending; ``stats`` counts pages, new follow
    and repost edges, quarantined pages and missing or private accounts.
    """

    crawl_id: str
    platform: str
    params: dict[str, Any]
    created: str
    updated: str
    tasks: dict[str, int]
    stats: dict[str, int]
    done: bool

    @classmethod
    def from_info(cls, info: CrawlInfo) -> CrawlOut:
        return cls(
            crawl_id=info.crawl_id,
            platform=info.platform,
            params=info.params,
            created=info.created,
            updated=info.updated,
            tasks=dict(info.tasks),
            stats=dict(info.stats),
            done=not info.tasks.get("pending", 0),
        )


class CommunitiesPage(BaseModel):
    """Communities, largest first; ``count`` is the total number."""

    data: list[CommunityOut]
    count: int


# ----------------------------------------------------------------------------- plans
class KindRangeIn(BaseModel):
    """How many accounts of one kind the plan may hold."""

    model_config = ConfigDict(extra="forbid")

    min: int = Field(0, ge=0, description="At least this many.")
    max: int | None = Field(None, ge=0, description="At most this many (null: no limit).")

    @model_validator(mode="after")
    def _min_le_max(self) -> KindRangeIn:
        if self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) must not exceed max ({self.max})")
        return self

    def to_range(self) -> KindRange:
        return KindRange(self.min, self.max)


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
    target_communities: list[Annotated[int, Field(ge=0)]] = Field(
        default_factory=list, description="Communities to reach; empty means everyone."
    )
    platform: str | None = Field(None, description="Only accounts on this platform.")
    include: list[str] = Field(default_factory=list, description="Keys that must be in the plan.")
    exclude: list[str] = Field(default_factory=list, description="Keys to leave out.")
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

    def to_params(self) -> PlanParams:
        """The planner's parameters for this request."""
        mix = {
            kind: rng.to_range()
            for kind, rng in ((Kind.KOL, self.kol), (Kind.MEDIA, self.media), (Kind.OWN, self.own))
            if rng is not None
        }
        return PlanParams(
            budget=self.budget,
            mix=mix,
            target_communities=tuple(self.target_communities),
            platform=self.platform,
            include=tuple(self.include),
            exclude=tuple(self.exclude),
            skip_flagged=not self.include_flagged,
            objective=self.objective,
            min_frequency=self.min_frequency,
            horizon_days=self.horizon_days,
            max_accounts=self.max_accounts,
            min_gain=self.min_gain,
        )


class PlannedAccountOut(BaseModel):
    """One account of a plan, with its phase role."""

    key: str
    name: str
    kind: Kind
    phase: Phase
    day_from: int
    day_to: int
    marginal_reach: int = Field(
        description="Target people it adds that earlier picks do not reach."
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


class PhaseOut(BaseModel):
    """A phase of the topic life cycle and the accounts that carry it."""

    phase: Phase
    day_from: int
    day_to: int
    what: str
    accounts: list[str]


class OverlapOut(BaseModel):
    """Audience shared by two planned accounts."""

    a: str
    b: str
    shared: int
    jaccard: float


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

    @classmethod
    def from_plan(cls, plan: Plan) -> PlanResponse:
        ov = plan.overlap.head(MAX_OVERLAP_PAIRS)
        return cls(
            id=plan.id,
            run_id=plan.run_id,
            budget=plan.budget,
            spent=plan.spent,
            unique_reach=plan.unique_reach,
            total_audience=plan.total_audience,
            overlap_rate=round(plan.overlap_rate, 6),
            target_size=plan.target_size,
            accounts=[
                PlannedAccountOut(
                    key=a.key,
                    name=a.name,
                    kind=a.kind,
                    phase=a.phase,
                    day_from=a.day_from,
                    day_to=a.day_to,
                    marginal_reach=a.marginal_reach,
                    audience=a.audience,
                    cost=a.cost,
                    cost_estimated=a.cost_estimated,
                    pagerank=a.pagerank,
                    community=a.community,
                    marginal_engaged=a.marginal_engaged,
                    marginal_gain=a.marginal_gain,
                    cost_per_engaged=(
                        round(a.cost / a.marginal_engaged, 4)
                        if a.marginal_engaged and a.marginal_engaged > 0
                        else None
                    ),
                    overlap_before=a.overlap_before,
                    evidence_cascades=a.evidence_cascades,
                    evidence_last_days=a.evidence_last_days,
                    warnings=list(a.warnings),
                )
                for a in plan.accounts
            ],
            phases=[
                PhaseOut(
                    phase=phase,
                    day_from=d0,
                    day_to=d1,
                    what=what,
                    accounts=[a.key for a in plan.accounts if a.phase == phase],
                )
                for phase, (d0, d1, what) in PHASES.items()
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


class PlansPage(BaseModel):
    """The most recent kept plans."""

    data: list[PlanSummary]
    count: int


class RepostIn(BaseModel):
    """One repost of the campaign: ``src`` reposted ``dst`` (its post ``post``) at ``ts``."""

    model_config = ConfigDict(extra="forbid")

    src: str = Field(min_length=1, max_length=200, description="Key platform:id (or id).")
    dst: str = Field(min_length=1, max_length=200)
    ts: float | str = Field(description="Unix seconds or ISO 8601.")
    post: str | None = Field(None, max_length=200)


class EvaluationRequest(BaseModel):
    """``POST /v1/plans/{id}/evaluation``: the campaign's real reposts."""

    model_config = ConfigDict(extra="forbid")

    reposts: list[RepostIn] = Field(min_length=1, max_length=1_000_000)
    platform: str | None = Field(
        None, max_length=40, description="Prefix for keys given without one."
    )


class AccountOutcomeOut(BaseModel):
    """What one planned account did in the campaign."""

    key: str
    kind: str
    phase: str
    planned_days: tuple[int, int]
    posted: bool
    first_day: float | None = Field(description="Days after the campaign's first post.")
    predicted: float | None = Field(description="Engaged people the plan expected it to add.")
    engaged: int = Field(description="People who engaged after it first (credited to it).")
    incremental: int = Field(
        description="Of those, people no other planned account moved or already reached."
    )
    lesson: str


class PhaseOutcomeOut(BaseModel):
    """Moved people inside one phase window of the plan."""

    phase: str
    day_from: int
    day_to: int
    planned_accounts: int
    posted_accounts: int
    engaged: int


class EvaluationOut(BaseModel):
    """A campaign that ran, against its plan."""

    plan_id: str
    start: float = Field(description="Unix seconds of the first post of a planned account.")
    horizon_days: float
    engaged: int = Field(description="Distinct people who engaged after a planned account.")
    engaged_within_horizon: int
    predicted: dict[str, float] | None = Field(
        description="The plan's forecast of moved people: expected, low, high (80%)."
    )
    inside_interval: bool | None
    accounts: list[AccountOutcomeOut]
    phases: list[PhaseOutcomeOut]
    peak_day: int | None
    explosion_on_time: bool | None
    cascades: int
    notes: list[str]

    @classmethod
    def from_evaluation(cls, ev: Evaluation) -> EvaluationOut:
        return cls.model_validate(ev.as_dict())
