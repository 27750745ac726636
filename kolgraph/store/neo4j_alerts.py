"""Alert subscriptions and deliveries in Neo4j (see :mod:`kolgraph.store.alertstate`).

One ``(:AlertSubscription {id})`` node per subscription and one
``(:AlertDelivery {event_id, subscription_id})`` node per delivery, unique on the
pair (``cypher/schema.cypher``); a delivery's
``payload`` is JSON text.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from kolgraph.store.alertstate import AlertState, Delivery, DeliveryStatus, Subscription
from kolgraph.store.neo4j_db import Neo4jDatabase

__all__ = ["Neo4jAlertState"]


def _subscription(props: dict[str, Any]) -> Subscription:
    fields = Subscription.__dataclass_fields__
    values = {k: v for k, v in props.items() if k in fields}
    values["kinds"] = tuple(values.get("kinds") or ())
    return Subscription(**values)


def _delivery(props: dict[str, Any]) -> Delivery:
    fields = Delivery.__dataclass_fields__
    values = {k: v for k, v in props.items() if k in fields}
    values["payload"] = json.loads(values.get("payload") or "{}")
    return Delivery(**values)


def _row(d: Delivery) -> dict[str, Any]:
    row = asdict(d)
    row["payload"] = json.dumps(d.payload, sort_keys=True)
    row["updated"] = d.updated or d.created
    return row


class Neo4jAlertState(AlertState):
    """The alert subscriptions and deliveries of a :class:`~kolgraph.store.neo4j.Neo4jStore`."""

    def __init__(self, db: Neo4jDatabase) -> None:
        self._db = db

    def clear(self) -> None:
        """Delete every delivery (subscriptions stay)."""
        self._db.repeat("alert_clear", "n", batch=self._db.batch_size)

    # subscriptions ---------------------------------------------------------------
    def add_subscription(self, sub: Subscription) -> None:
        props = asdict(sub)
        props["kinds"] = list(sub.kinds)
        self._db.execute("alert_sub_add", sub=props)

    def get_subscription(self, sub_id: str) -> Subscription:
        rows = self._db.query("alert_sub_get", read=True, sub_id=sub_id)
        if not rows:
            raise Subscription.unknown(sub_id)
        return _subscription(rows[0]["sub"])

    def subscriptions(
        self, topic: str | None = None, *, active_only: bool = True
    ) -> list[Subscription]:
        rows = self._db.query(
            "alert_sub_list", read=True, topic=topic, every_topic="*", active_only=active_only
        )
        return [_subscription(r["sub"]) for r in rows]

    def remove_subscription(self, sub_id: str) -> Subscription:
        rows = self._db.query("alert_sub_remove", sub_id=sub_id)
        if not rows:
            raise Subscription.unknown(sub_id)
        return _subscription(rows[0]["sub"])

    # deliveries ------------------------------------------------------------------
    def enqueue(self, deliveries: Sequence[Delivery]) -> list[Delivery]:
        first: dict[tuple[str, str], Delivery] = {}
        for d in deliveries:
            first.setdefault(d.key, d)
        unique = list(first.values())
        if not unique:
            return []
        rows = self._db.query(
            "alert_enqueue", rows=[_row(d) for d in unique], token=secrets.token_hex(8)
        )
        created = {(r["event_id"], r["subscription_id"]) for r in rows}
        return [d for d in unique if d.key in created]

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
        rows = self._db.query(
            "alert_delivery_update",
            event_id=event_id,
            subscription_id=subscription_id,
            status=status,
            attempts=attempts,
            last_error=last_error,
            last_status=last_status,
            when=when,
        )
        if not rows:
            raise Delivery.unknown(event_id, subscription_id)
        return _delivery(rows[0]["delivery"])

    def deliveries(
        self,
        *,
        topic: str | None = None,
        status: DeliveryStatus | None = None,
        limit: int = 100,
    ) -> list[Delivery]:
        rows = self._db.query(
            "alert_deliveries", read=True, topic=topic, status=status, limit=max(0, int(limit))
        )
        return [_delivery(r["delivery"]) for r in rows]

    def pending(self, *, limit: int | None = None) -> list[Delivery]:
        cap = 2**62 if limit is None else max(0, int(limit))
        rows = self._db.query("alert_pending", read=True, status="pending", limit=cap)
        return [_delivery(r["delivery"]) for r in rows]
