"""Listening as JSON: events sent, topics and their state, what a listener did.

``POST /v1/events``, ``/v1/topics...``, ``kolgraph topics ... --format json`` and
``kolgraph listen --format json`` serialise through these models.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kolgraph.schemas.common import Page

if TYPE_CHECKING:
    from kolgraph.store.alertstate import Delivery, Subscription
    from kolgraph.store.listenstate import TopicRecord

__all__ = [
    "AmplifierOut",
    "BurstOut",
    "DeliveriesPage",
    "DeliveryOut",
    "EventError",
    "EventsIn",
    "EventsOut",
    "FinalSize",
    "ForecastOut",
    "ListenReport",
    "SubscriptionIn",
    "SubscriptionOut",
    "SubscriptionsPage",
    "TopicIn",
    "TopicOut",
    "TopicsPage",
]

Phase = Literal["origin", "explosion", "mass_spread", "flattening"]

EVENT_SCHEMA = (
    "Each event is an object: platform (str), type (post|repost|mention|reply), author (str), "
    "parent_author (str; required but for posts), post, parent_post (str, optional), ts (unix "
    "seconds or ISO 8601), text (str, optional), hashtags (list of str, optional). A bad event "
    "is rejected with its index and reason; the others are kept."
)


class EventsIn(BaseModel):
    """A batch of events (see the listening section of the README for the schema)."""

    events: list[dict[str, Any]] = Field(min_length=1, max_length=10_000, description=EVENT_SCHEMA)


class EventError(BaseModel):
    """Why one event of a batch was rejected."""

    index: int
    code: str
    message: str
    hint: str | None = None
    field: str | None = None


class EventsOut(BaseModel):
    """What a batch did: new events stored, already stored, too late, rejected."""

    received: int
    new: int
    duplicates: int
    late: int
    rejected: int
    errors: list[EventError] = Field(description="the first 100 rejected events and why")


class TopicIn(BaseModel):
    """A topic to follow: any of hashtags, keywords, root post ids; or every event."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=64)
    hashtags: list[Annotated[str, Field(max_length=100)]] = Field(
        default_factory=list, max_length=100
    )
    keywords: list[Annotated[str, Field(max_length=100)]] = Field(
        default_factory=list, max_length=100
    )
    roots: list[Annotated[str, Field(max_length=256)]] = Field(
        default_factory=list, max_length=1000
    )
    any: bool = False
    platform: str | None = Field(default=None, max_length=32)


class BurstOut(BaseModel):
    """A burst of a topic's event rate, in event time."""

    start: int
    detected_at: int
    end: int | None
    peak_rate: float = Field(description="events per hour at the burst's peak bin")
    baseline_rate: float = Field(description="events per hour before the burst")
    delay_minutes: float = Field(description="from the burst's start to its alert")

    @classmethod
    def from_state(cls, raw: dict[str, Any]) -> BurstOut:
        return cls(
            start=int(raw["start"]),
            detected_at=int(raw["detected_at"]),
            end=None if raw.get("end") is None else int(raw["end"]),
            peak_rate=float(raw.get("peak_rate", 0.0)),
            baseline_rate=float(raw.get("baseline_rate", 0.0)),
            delay_minutes=(int(raw["detected_at"]) - int(raw["start"])) / 60,
        )


class AmplifierOut(BaseModel):
    """An account's part in a topic (see :mod:`kolgraph.listen.cascade`)."""

    key: str
    downstream_recent: int = Field(description="events it caused in the window")
    downstream: int = Field(description="events it caused, directly or through others")
    moved: int = Field(description="adopters it moved, directly or through others")
    direct: int
    posted: int
    bridged: int = Field(description="new communities it carried the topic into")
    community: int | None
    flagged: bool
    flags: list[str]


class FinalSize(BaseModel):
    """The forecast final size (events): expected, and an 80% interval."""

    expected: float
    low: float
    high: float


class ForecastOut(BaseModel):
    """The early forecast of a topic's final size."""

    model_config = ConfigDict(extra="allow")

    final_size: FinalSize
    observed: int = 0
    age_hours: float = 0.0
    method: str | None = None


class TopicOut(BaseModel):
    """A topic, its definition and its last computed state."""

    name: str
    definition: dict[str, Any]
    created: str
    updated: str | None
    events: int
    adopters: int = 0
    first: str | None = None
    last: str | None = None
    phase: Phase = "origin"
    bursts: list[BurstOut] = Field(default_factory=list)
    amplifiers: list[AmplifierOut] = Field(default_factory=list)
    bridges: list[AmplifierOut] = Field(default_factory=list)
    communities: list[dict[str, Any]] = Field(default_factory=list)
    paths: list[list[dict[str, Any]]] = Field(default_factory=list)
    curve: list[list[int]] = Field(
        default_factory=list, description="[hour start (unix s), events] over event time"
    )
    forecast: ForecastOut | None = None
    early_forecasts: list[dict[str, Any]] = Field(
        default_factory=list,
        description="the forecasts made when the topic was 1, 2 and 6 hours old (event time)",
    )
    window_hours: float | None = None
    run_id: str | None = None

    @classmethod
    def from_record(cls, r: TopicRecord) -> TopicOut:
        state = r.state or {}
        return cls(
            name=r.name,
            definition=r.definition,
            created=r.created,
            updated=r.updated,
            events=r.events,
            adopters=state.get("adopters", 0),
            first=state.get("first"),
            last=state.get("last"),
            phase=state.get("phase", "origin"),
            bursts=[BurstOut.from_state(b) for b in state.get("bursts", [])],
            amplifiers=state.get("amplifiers", []),
            bridges=state.get("bridges", []),
            communities=state.get("communities", []),
            paths=state.get("paths", []),
            curve=state.get("curve", []),
            forecast=state.get("forecast"),
            early_forecasts=state.get("early_forecasts", []),
            window_hours=state.get("window_hours"),
            run_id=state.get("run_id"),
        )


class TopicsPage(Page[TopicOut]):
    """Topics, oldest first."""


class ListenReport(BaseModel):
    """What ``kolgraph listen`` did."""

    lines: int
    events: int
    new: int
    duplicates: int
    rejected: int
    late: int
    alerts: int
    seconds: float
    events_per_second: float
    topics: dict[str, int] = Field(description="new events per topic")
    rejects_path: str | None = None


class SubscriptionIn(BaseModel):
    """A webhook subscription to a topic's alerts (``"*"``: every topic)."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=8, max_length=2000, description="http(s) URL to POST alerts to")
    kinds: list[Annotated[str, Field(max_length=32)]] | None = Field(
        default=None,
        max_length=5,
        description="burst, burst_ended, phase_change, new_top_amplifier, forecast_threshold "
        "(default: all)",
    )
    threshold: float | None = Field(
        default=None,
        gt=0,
        allow_inf_nan=False,
        description="forecast_threshold: alert when the expected final size crosses it",
    )


class SubscriptionOut(BaseModel):
    """A subscription (its secret only when it is made)."""

    id: str
    topic: str
    url: str | None
    command: str | None
    kinds: list[str]
    threshold: float | None
    created: str
    active: bool
    secret: str | None = Field(
        default=None,
        description="The HMAC-SHA256 key of X-Kolgraph-Signature: shown once, when made.",
    )

    @classmethod
    def from_record(cls, s: Subscription, *, with_secret: bool = False) -> SubscriptionOut:
        return cls(
            id=s.id,
            topic=s.topic,
            url=s.url,
            command=s.command,
            kinds=list(s.kinds),
            threshold=s.threshold,
            created=s.created,
            active=s.active,
            secret=s.secret if with_secret else None,
        )


class SubscriptionsPage(Page[SubscriptionOut]):
    """Subscriptions, oldest first."""


class DeliveryOut(BaseModel):
    """One alert for one subscription, and how delivering it went."""

    event_id: str
    subscription_id: str
    topic: str
    kind: str
    status: str
    attempts: int
    last_error: str | None
    last_status: int | None
    created: str
    updated: str
    payload: dict[str, Any]

    @classmethod
    def from_record(cls, d: Delivery) -> DeliveryOut:
        return cls(
            event_id=d.event_id,
            subscription_id=d.subscription_id,
            topic=d.topic,
            kind=d.kind,
            status=d.status,
            attempts=d.attempts,
            last_error=d.last_error,
            last_status=d.last_status,
            created=d.created,
            updated=d.updated,
            payload=d.payload,
        )


class DeliveriesPage(Page[DeliveryOut]):
    """The delivery log, newest first."""
