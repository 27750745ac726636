"""Alert subscriptions and deliveries in the embedded SQLite store
(see :mod:`kolgraph.store.alertstate`).

Two tables, ``alert_subscriptions`` and ``alert_deliveries`` (primary key
``(event_id, subscription_id)``, so ``INSERT OR IGNORE`` de-duplicates), created
on first use (additive: older databases need no upgrade). ``kinds`` and
``payload`` are JSON text.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

from kolgraph.store.alertstate import AlertState, Delivery, DeliveryStatus, Subscription
from kolgraph.store.sqlite_db import SQLiteDatabase

__all__ = ["SQLiteAlertState"]

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS alert_subscriptions (
        id        TEXT PRIMARY KEY,
        topic     TEXT NOT NULL,
        secret    TEXT NOT NULL,
        url       TEXT,
        command   TEXT,
        kinds     TEXT NOT NULL,
        threshold REAL,
        created   TEXT NOT NULL,
        active    INTEGER NOT NULL DEFAULT 1
    )""",
    """CREATE TABLE IF NOT EXISTS alert_deliveries (
        event_id        TEXT NOT NULL,
        subscription_id TEXT NOT NULL,
        topic           TEXT NOT NULL,
        kind            TEXT NOT NULL,
        payload         TEXT NOT NULL,
        status          TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
        attempts        INTEGER NOT NULL DEFAULT 0,
        last_error      TEXT,
        last_status     INTEGER,
        created         TEXT NOT NULL,
        updated         TEXT NOT NULL,
        PRIMARY KEY (event_id, subscription_id)
    )""",
    "CREATE INDEX IF NOT EXISTS alert_deliveries_status ON alert_deliveries(status, created)",
    "CREATE INDEX IF NOT EXISTS alert_deliveries_topic ON alert_deliveries(topic, created)",
)
_SUB_COLS = "id, topic, secret, url, command, kinds, threshold, created, active"
_DEL_COLS = (
    "event_id, subscription_id, topic, kind, payload, status, attempts, last_error, "
    "last_status, created, updated"
)


def _subscription(row: tuple[Any, ...]) -> Subscription:
    sid, topic, secret, url, command, kinds, threshold, created, active = row
    return Subscription(
        id=sid,
        topic=topic,
        secret=secret,
        url=url,
        command=command,
        kinds=tuple(json.loads(kinds)),
        threshold=threshold,
        created=created,
        active=bool(active),
    )


def _delivery(row: tuple[Any, ...]) -> Delivery:
    values = list(row)
    values[4] = json.loads(values[4])
    return Delivery(*values)


class SQLiteAlertState(AlertState):
    """The alert subscriptions and deliveries of a :class:`~kolgraph.store.sqlite.SQLiteStore`."""

    def __init__(self, db: SQLiteDatabase) -> None:
        self._db = db
        self._ready = False

    def _con(self) -> sqlite3.Connection:
        con = self._db.con()
        if not self._ready:
            for statement in _SCHEMA:
                con.execute(statement)
            self._ready = True
        return con

    def clear_in(self, con: sqlite3.Connection) -> None:
        """Delete every delivery (subscriptions stay) inside the caller's transaction."""
        for statement in _SCHEMA:
            con.execute(statement)
        con.execute("DELETE FROM alert_deliveries")

    # subscriptions ---------------------------------------------------------------
    def add_subscription(self, sub: Subscription) -> None:
        self._con()
        with self._db.write() as con:
            con.execute(
                f"INSERT INTO alert_subscriptions({_SUB_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    sub.id,
                    sub.topic,
                    sub.secret,
                    sub.url,
                    sub.command,
                    json.dumps(list(sub.kinds)),
                    sub.threshold,
                    sub.created,
                    int(sub.active),
                ),
            )

    def get_subscription(self, sub_id: str) -> Subscription:
        row = (
            self._con()
            .execute(f"SELECT {_SUB_COLS} FROM alert_subscriptions WHERE id = ?", (sub_id,))
            .fetchone()
        )
        if row is None:
            raise Subscription.unknown(sub_id)
        return _subscription(row)

    def subscriptions(
        self, topic: str | None = None, *, active_only: bool = True
    ) -> list[Subscription]:
        where, params = ["1"], []
        if topic is not None:
            where.append("topic IN (?, '*')")
            params.append(topic)
        if active_only:
            where.append("active = 1")
        rows = (
            self._con()
            .execute(
                f"SELECT {_SUB_COLS} FROM alert_subscriptions WHERE {' AND '.join(where)} "
                "ORDER BY created, id",
                params,
            )
            .fetchall()
        )
        return [_subscription(r) for r in rows]

    def remove_subscription(self, sub_id: str) -> Subscription:
        self._con()
        with self._db.write() as con:
            con.execute("UPDATE alert_subscriptions SET active = 0 WHERE id = ?", (sub_id,))
        return self.get_subscription(sub_id)

    # deliveries ------------------------------------------------------------------
    def enqueue(self, deliveries: Sequence[Delivery]) -> list[Delivery]:
        if not deliveries:
            return []
        self._con()
        new: list[Delivery] = []
        with self._db.write() as con:
            for d in deliveries:
                cur = con.execute(
                    f"INSERT OR IGNORE INTO alert_deliveries({_DEL_COLS}) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        d.event_id,
                        d.subscription_id,
                        d.topic,
                        d.kind,
                        json.dumps(d.payload, sort_keys=True),
                        d.status,
                        d.attempts,
                        d.last_error,
                        d.last_status,
                        d.created,
                        d.updated or d.created,
                    ),
                )
                if cur.rowcount == 1:
                    new.append(d)
        return new

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
        self._con()
        with self._db.write() as con:
            con.execute(
                "UPDATE alert_deliveries SET status = ?, attempts = ?, last_error = ?, "
                "last_status = ?, updated = ? WHERE event_id = ? AND subscription_id = ?",
                (status, attempts, last_error, last_status, when, event_id, subscription_id),
            )
            row = con.execute(
                f"SELECT {_DEL_COLS} FROM alert_deliveries "
                "WHERE event_id = ? AND subscription_id = ?",
                (event_id, subscription_id),
            ).fetchone()
        if row is None:
            raise Delivery.unknown(event_id, subscription_id)
        return _delivery(row)

    def deliveries(
        self,
        *,
        topic: str | None = None,
        status: DeliveryStatus | None = None,
        limit: int = 100,
    ) -> list[Delivery]:
        where, params = ["1"], []
        if topic is not None:
            where.append("topic = ?")
            params.append(topic)
        if status is not None:
            where.append("status = ?")
            params.append(status)
        rows = (
            self._con()
            .execute(
                f"SELECT {_DEL_COLS} FROM alert_deliveries WHERE {' AND '.join(where)} "
                "ORDER BY created DESC, rowid DESC LIMIT ?",
                [*params, max(0, int(limit))],
            )
            .fetchall()
        )
        return [_delivery(r) for r in rows]

    def pending(self, *, limit: int | None = None) -> list[Delivery]:
        rows = (
            self._con()
            .execute(
                f"SELECT {_DEL_COLS} FROM alert_deliveries WHERE status = 'pending' "
                "ORDER BY created, rowid LIMIT ?",
                (-1 if limit is None else max(0, int(limit)),),
            )
            .fetchall()
        )
        return [_delivery(r) for r in rows]
