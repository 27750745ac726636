"""A campaign that ran, against the plan kept for it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from kolgraph.plan.evaluate import Evaluation

__all__ = [
    "AccountOutcomeOut",
    "EvaluationOut",
    "EvaluationRequest",
    "PhaseOutcomeOut",
    "RepostIn",
]


class RepostIn(BaseModel):
    """One repost of the campaign: ``src`` reposted ``dst`` (its post ``post``) at ``ts``."""

    model_config = ConfigDict(extra="forbid")

    src: str = Field(min_length=1, max_length=200, description="Key platform:id (or id).")
    dst: str = Field(min_length=1, max_length=200)
    ts: float | Annotated[str, Field(max_length=40)] = Field(
        description="Unix seconds or ISO 8601."
    )
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
    day_from: int = Field(
        description="The window starts on this day (day 0: the first post of a planned account)."
    )
    day_to: int = Field(description="It ends on this day (people moved before it count).")
    planned_accounts: int = Field(description="Planned accounts of this phase.")
    posted_accounts: int = Field(description="Of those, the ones that posted.")
    engaged: int = Field(description="People moved inside the window.")


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
        """The result of :func:`~kolgraph.plan.evaluate.evaluate_campaign`."""
        return cls.model_validate(ev, from_attributes=True)
