"""Response plans: the request of ``POST /v1/topics/{name}/respond`` and the plan it returns.

Field names are those of ``kolgraph respond TOPIC --format json``; the plan part is the
plan schema of :mod:`kolgraph.schemas.plans`.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kolgraph.errors import InputError
from kolgraph.model import Kind
from kolgraph.plan.params import KindRange
from kolgraph.schemas.plans import KindRangeIn, PlanResponse

if TYPE_CHECKING:
    from kolgraph.listen.respond import ResponsePlan

__all__ = [
    "MAX_WINDOW_HOURS",
    "DroppedOut",
    "FrontierOut",
    "ReachWithinOut",
    "ReachedCommunityOut",
    "ResponseRequest",
    "ResponseResponse",
    "ScheduledPostOut",
    "parse_duration",
]

#: The longest response window a request may ask for (30 days).
MAX_WINDOW_HOURS = 720.0
_UNITS = {"m": 1 / 60, "min": 1 / 60, "h": 1.0, "d": 24.0}
_DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*(m|min|h|d)?\s*$", re.IGNORECASE)
_HINT = "write hours or a number with a unit: 8, 8h, 90m, 1.5h, 1d"


def parse_duration(value: str | float, *, name: str = "within") -> float:
    """Hours in a duration: a number of hours, or ``"8h"``, ``"90m"``, ``"1d"``.

    Raises
    ------
    InputError
        If ``value`` is not a duration, or not above zero and at most
        :data:`MAX_WINDOW_HOURS` hours.

    Examples
    --------
    >>> parse_duration("8h"), parse_duration("90m"), parse_duration("1d"), parse_duration(2)
    (8.0, 1.5, 24.0, 2.0)
    """
    if isinstance(value, bool):
        raise InputError(f"{name} {value!r} is not a duration", hint=_HINT, field=name)
    if isinstance(value, int | float):
        hours = float(value)
    else:
        m = _DURATION_RE.match(str(value))
        if m is None:
            raise InputError(f"{name} {value!r} is not a duration", hint=_HINT, field=name)
        hours = float(m.group(1)) * _UNITS[(m.group(2) or "h").lower()]
    if not math.isfinite(hours) or hours <= 0 or hours > MAX_WINDOW_HOURS:
        raise InputError(
            f"{name} {value!r} must be above zero and at most {MAX_WINDOW_HOURS:g} hours",
            hint=_HINT,
            field=name,
        )
    return hours


class ResponseRequest(BaseModel):
    """``POST /v1/topics/{name}/respond``: budget, the window, and the plan's mix."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"budget": 20000, "within": "8h", "mix": {"kol": {"min": 2, "max": 6}}}]
        },
    )

    budget: float = Field(gt=0, allow_inf_nan=False, description="Response budget (> 0).")
    within: float | Annotated[str, Field(max_length=32)] = Field(
        "8h",
        description="The response window: hours, or a duration such as '8h', '90m', '1d'.",
    )
    recent: float | Annotated[str, Field(max_length=32)] = Field(
        "6h", description="Adopters this recent show where the topic is heading ('6h')."
    )
    mix: dict[Literal["kol", "media", "own", "partner"], KindRangeIn] | None = Field(
        None,
        description="Accounts of each kind (null: at least one own and one media account "
        "when any reaches the topic's communities).",
    )
    platform: str | None = Field(None, max_length=40, description="Only accounts on this platform.")
    max_accounts: int | None = Field(None, ge=1, le=10_000, description="At most this many.")

    @field_validator("within", "recent")
    @classmethod
    def _duration(cls, v: float | str) -> float | str:
        try:
            parse_duration(v)
        except InputError as exc:
            raise ValueError(f"{exc.message} ({exc.hint})") from None
        return v

    @property
    def within_hours(self) -> float:
        return parse_duration(self.within)

    @property
    def recent_hours(self) -> float:
        return parse_duration(self.recent, name="recent")

    def mix_ranges(self) -> dict[Kind, KindRange] | None:
        """The mix as :func:`~kolgraph.listen.respond.response_plan` takes it."""
        if self.mix is None:
            return None
        return {Kind(k): KindRange(r.min, r.max) for k, r in self.mix.items()}


class ReachedCommunityOut(BaseModel):
    """A community the topic reached."""

    community: int
    adopters: int = Field(description="Adopters of the topic in it.")


class FrontierOut(BaseModel):
    """A community the topic is about to reach."""

    community: int
    score: float = Field(
        description="Audience edges from recent adopters into it, per member "
        "(kolgraph.listen.frontier.frontier_scores)."
    )


class DroppedOut(BaseModel):
    """An account left out of the candidates."""

    key: str
    reason: str = Field(
        description="'amplifies the topic', 'flagged audience: ...' or 'not trusted in the "
        "topic's communities: ...'."
    )


class ScheduledPostOut(BaseModel):
    """When an account of the plan posts."""

    key: str
    hours: float = Field(description="Hours after the response starts.")


class ReachWithinOut(BaseModel):
    """What the plan moves (or reaches) inside the window."""

    expected: float
    low: float
    high: float
    basis: Literal["cascades", "default"] = Field(
        description="cascades: timed on the store's cascades; default: the default "
        "calendar's shape (too few timed cascades)."
    )
    measure: Literal["moved_users", "unique_reach"] = Field(
        description="moved_users: the plan's forecast with its measured 80% interval; "
        "unique_reach: its (target) reach, without an engagement model (no interval)."
    )
    share: float = Field(description="Part of the full-horizon value expected in the window.")
    full_expected: float
    full_low: float
    full_high: float
    horizon_days: float
    note: str


class ResponseResponse(BaseModel):
    """A response plan (the CLI's JSON shape)."""

    within_hours: float
    topic_communities: list[ReachedCommunityOut] = Field(
        description="Communities the topic reached, most adopters first."
    )
    frontier: list[FrontierOut] = Field(
        description="Communities about to be reached, highest score first."
    )
    plan: PlanResponse
    dropped: list[DroppedOut]
    reach_within: ReachWithinOut
    schedule: list[ScheduledPostOut] = Field(description="In the plan's order.")
    notes: list[str]

    @classmethod
    def from_response(cls, rp: ResponsePlan) -> ResponseResponse:
        """A plan made by :func:`~kolgraph.listen.respond.response_plan`."""
        return cls(
            within_hours=rp.within_hours,
            topic_communities=[
                ReachedCommunityOut(community=c, adopters=n)
                for c, n in rp.topic_communities.items()
            ],
            frontier=[FrontierOut(community=c, score=round(s, 6)) for c, s in rp.frontier.items()],
            plan=PlanResponse.from_plan(rp.plan),
            dropped=[DroppedOut(key=k, reason=r) for k, r in rp.dropped.items()],
            reach_within=ReachWithinOut.model_validate(rp.reach_within.as_dict()),
            schedule=[ScheduledPostOut(key=k, hours=h) for k, h in rp.schedule.items()],
            notes=list(rp.notes),
        )
