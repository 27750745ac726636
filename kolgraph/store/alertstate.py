"""The alert part of the store contract: a store's :attr:`~kolgraph.store.base.Store.alerts`.

What webhook alerts (:mod:`kolgraph.listen.alerts`) keep:

* **subscriptions**: who wants which alerts of which topic (``"*"`` for every
  topic), delivered to an ``http(s)`` URL or to a local command
  (``kolgraph listen --alert-cmd``). Each has a random ``secret``, the key of the
  HMAC that signs its webhooks; signing needs it, so it is stored (unlike an API
  key's secret) and shown once, when the subscription is made. Removing a
  subscription only deactivates it: its deliveries stay in the log.
* **deliveries**: one row per (alert, subscription), unique on
  ``(event_id, subscription_id)``. Recording an alert again for the same
  subscription (a listener that derives it again after a restart) adds nothing,
  so a receiver gets each alert at least once and can de-duplicate on its id,
  and the log never holds it twice. Every attempt updates the row: ``attempts``,
  ``status`` (``pending`` → ``delivered`` or ``failed``), the last error and the
  last HTTP status (or the command's exit code).

``store.clear()`` keeps subscriptions (configuration, like API keys) and deletes
every delivery: clearing removes the events alerts were derived from, so their
log and any delivery still pending go too, and a stream replayed into the
cleared store alerts again.
"""

from __future__ import annotations

import abc
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import urlsplit

from kolgraph.errors import InputError, NotFound

__all__ = [
    "ALERT_KINDS",
    "DELIVERY_STATUSES",
    "AlertState",
    "Delivery",
    "DeliveryStatus",
    "Subscription",
    "alert_time",
]

#: What a topic alerts on (see :mod:`kolgraph.listen.alerts`).
ALERT_KINDS: tuple[str, ...] = (
    "burst",
    "burst_ended",
    "phase_change",
    "new_top_amplifier",
    "forecast_threshold",
)
DeliveryStatus = Literal["pending", "delivered", "failed"]
DELIVERY_STATUSES: tuple[DeliveryStatus, ...] = ("pending", "delivered", "failed")


def alert_time() -> str:
    """The current UTC time as ISO 8601 with microseconds (sorts as it reads)."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(
            f"webhook URL {url!r} is not an http(s) URL with a host",
            hint="give a full URL such as https://hooks.example.com/kolgraph",
            field="url",
        )
    return url


@dataclass(frozen=True, slots=True)
class Subscription:
    """Who gets which alerts of a topic, and where (exactly one of ``url``, ``command``).

    ``kinds`` is a subset of :data:`ALERT_KINDS`; ``threshold`` is the forecast
    size whose crossing raises a ``forecast_threshold`` alert (``None``: none).
    """

    id: str
    topic: str
    secret: str
    url: str | None = None
    command: str | None = None
    kinds: tuple[str, ...] = ALERT_KINDS
    threshold: float | None = None
    created: str = ""
    active: bool = True

    @classmethod
    def new(
        cls,
        topic: str,
        *,
        url: str | None = None,
        command: str | None = None,
        kinds: Sequence[str] | None = None,
        threshold: float | None = None,
    ) -> Subscription:
        """A new, checked subscription with a random id (``sub_<12 hex>``) and secret.

        Raises
        ------
        InputError
            An empty topic, not exactly one of ``url`` and ``command``, a URL that
            is not ``http(s)``, an unknown or empty kind list, or a threshold that
            is not a positive finite number.
        """
        topic = topic.strip()
        if not topic:
            raise InputError("a subscription needs a topic", hint='name one, or "*" for all')
        if (url is None) == (command is None):
            raise InputError(
                "a subscription delivers to exactly one of a URL and a command",
                hint="pass --url https://... or --alert-cmd 'program args', not both",
            )
        if url is not None:
            _check_url(url)
        if command is not None and not command.strip():
            raise InputError("the alert command is empty", hint="give a program to run")
        picked = tuple(dict.fromkeys(ALERT_KINDS if kinds is None else kinds))
        unknown = [k for k in picked if k not in ALERT_KINDS]
        if unknown or not picked:
            raise InputError(
                f"unknown alert kinds {unknown}" if unknown else "no alert kinds given",
                hint=f"choose among {', '.join(ALERT_KINDS)}",
                field="kinds",
            )
        if threshold is not None and not (0 < threshold < float("inf")):
            raise InputError(
                f"forecast threshold {threshold} is not a positive number",
                hint="give the final size (events) that should raise an alert, e.g. 10000",
                field="threshold",
            )
        return cls(
            id=f"sub_{secrets.token_hex(6)}",
            topic=topic,
            secret=secrets.token_hex(32),
            url=url,
            command=command,
            kinds=picked,
            threshold=None if threshold is None else float(threshold),
            created=alert_time(),
        )

    @property
    def target(self) -> str:
        """Where the alerts go, for messages: the URL or the command."""
        return self.url if self.url is not None else f"command: {self.command}"

    def wants(self, topic: str, kind: str) -> bool:
        """Whether an alert of ``kind`` on ``topic`` goes to this subscription."""
        return self.active and self.topic in (topic, "*") and kind in self.kinds

    @staticmethod
    def unknown(sub_id: str) -> NotFound:
        """The error for a subscription id the store does not have."""
        return NotFound(
            f"no alert subscription with id {sub_id!r}",
            hint="list them with `kolgraph alerts list`",
        )


@dataclass(frozen=True, slots=True)
class Delivery:
    """One alert for one subscription, and how delivering it went.

    ``payload`` is the alert's JSON body (without the ``sent`` time, added at
    each attempt); ``last_status`` is the last HTTP status or exit code.
    """

    event_id: str
    subscription_id: str
    topic: str
    kind: str
    payload: dict[str, Any] = field(default_factory=dict)
    status: DeliveryStatus = "pending"
    attempts: int = 0
    last_error: str | None = None
    last_status: int | None = None
    created: str = ""
    updated: str = ""

    @property
    def key(self) -> tuple[str, str]:
        """What makes a delivery unique: ``(event_id, subscription_id)``."""
        return (self.event_id, self.subscription_id)

    @staticmethod
    def unknown(event_id: str, subscription_id: str) -> NotFound:
        """The error for a delivery the store does not have."""
        return NotFound(
            f"no delivery of alert {event_id!r} to subscription {subscription_id!r}",
            hint="list the deliveries with `kolgraph alerts log`",
        )


class AlertState(abc.ABC):
    """Alert subscriptions and the delivery log kept in a store."""

    # subscriptions ---------------------------------------------------------------
    @abc.abstractmethod
    def add_subscription(self, sub: Subscription) -> None:
        """Keep a new subscription (its id is new: ids are random)."""

    @abc.abstractmethod
    def get_subscription(self, sub_id: str) -> Subscription:
        """The subscription ``sub_id``, active or not (:class:`NotFound` if none)."""

    @abc.abstractmethod
    def subscriptions(
        self, topic: str | None = None, *, active_only: bool = True
    ) -> list[Subscription]:
        """Subscriptions oldest first: all, or those of ``topic`` (its own and ``"*"``)."""

    @abc.abstractmethod
    def remove_subscription(self, sub_id: str) -> Subscription:
        """Deactivate a subscription (its deliveries stay); the subscription after it."""

    # deliveries ------------------------------------------------------------------
    @abc.abstractmethod
    def enqueue(self, deliveries: Sequence[Delivery]) -> list[Delivery]:
        """Record deliveries; those not recorded before, in the order given.

        A delivery whose ``(event_id, subscription_id)`` is already kept (or
        repeated in ``deliveries``) is ignored, whatever its status.
        """

    @abc.abstractmethod
    def update_delivery(
        self,
        event_id: str,
        subscription_id: str,
        *,
        status: DeliveryStatus,
        attempts: int,
        last_error: str | None,
        last_status: int | None,
        when: str,
    ) -> Delivery:
        """Note an attempt; the delivery after it (:class:`NotFound` if none)."""

    @abc.abstractmethod
    def deliveries(
        self,
        *,
        topic: str | None = None,
        status: DeliveryStatus | None = None,
        limit: int = 100,
    ) -> list[Delivery]:
        """The delivery log, newest first (of ``topic``, with ``status``), at most ``limit``."""

    @abc.abstractmethod
    def pending(self, *, limit: int | None = None) -> list[Delivery]:
        """Deliveries still pending, oldest first (at most ``limit``)."""
