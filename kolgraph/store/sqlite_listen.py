"""Listening state in the embedded SQLite store (see :mod:`kolgraph.store.listenstate`).

Four tables, created on first use (additive: older databases need no upgrade):

``events``
    One row per event. ``seq`` is the ``INTEGER PRIMARY KEY`` (the rowid) and ``id``
    is ``UNIQUE``: an event inserted without a ``seq`` gets one larger than the
    largest stored (SQLite's documented rowid choice), so inserting a batch with
    ``ON CONFLICT(id) DO NOTHING`` numbers exactly its new events, in the order
    given, with no gaps and no read of the existing ids. Hashtags are kept joined by
    ``\\x1f`` (``NULL`` for none). An index on ``(ts, seq)`` serves the time-ordered reads.
``topic_events``
    Memberships as ``(topic, ts, seq)`` of the event: the primary key of a table
    without rowid, so one B-tree both refuses a repeated membership (an event's ``seq``
    is unique and fixes its ``ts``) and holds a topic's events in ``(ts, seq)`` order,
    joined to ``events`` by rowid.
``topics``
    ``name``, ``definition`` and ``state`` (JSON text), ``created``, ``updated``.
``listen_checkpoints``
    ``source`` → ``position`` and when it was written.

:meth:`SQLiteListenState.add_events` is one ``BEGIN IMMEDIATE`` transaction: the events
(``executemany``), then the new ones read back as the rowid range after the previous
largest ``seq`` (so their memberships are inserted without a lookup by id; ids stored
earlier are looked up), then the checkpoint.
:meth:`SQLiteListenState.events` reads in pages of ``page`` rows by keyset
(``(ts, seq)`` after the last row seen), so no cursor stays open while the caller
works and millions of events are never held at once.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from kolgraph.errors import Conflict, InputError
from kolgraph.store.crawlstate import now_iso
from kolgraph.store.listenstate import AddedEvents, EventRecord, ListenState, TopicRecord
from kolgraph.store.sqlite_db import SQLiteDatabase

__all__ = ["SQLiteListenState"]

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS events (
        seq           INTEGER PRIMARY KEY,
        id            TEXT NOT NULL UNIQUE,
        platform      TEXT NOT NULL,
        type          TEXT NOT NULL,
        author        TEXT NOT NULL,
        parent_author TEXT,
        post          TEXT,
        parent_post   TEXT,
        ts            INTEGER NOT NULL,
        text          TEXT,
        hashtags      TEXT
    )""",
    "CREATE INDEX IF NOT EXISTS events_ts ON events(ts, seq)",
    """CREATE TABLE IF NOT EXISTS topic_events (
        topic TEXT NOT NULL,
        ts    INTEGER NOT NULL,
        seq   INTEGER NOT NULL,
        PRIMARY KEY (topic, ts, seq)
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS topics (
        name       TEXT PRIMARY KEY,
        definition TEXT NOT NULL,
        created    TEXT NOT NULL,
        state      TEXT,
        updated    TEXT
    )""",
    """CREATE TABLE IF NOT EXISTS listen_checkpoints (
        source   TEXT PRIMARY KEY,
        position TEXT NOT NULL,
        updated  TEXT NOT NULL
    )""",
)
#: In :class:`EventRecord` field order.
_EVENT_COLS = (
    "id, platform, type, author, ts, parent_author, post, parent_post, text, hashtags, seq"
)
_E_COLS = ", ".join(f"e.{c}" for c in _EVENT_COLS.split(", "))
# A page of events after the row (:ts, :seq): the rest of its ts (seeking on the index,
# where seq is the rowid), then the later ts values.
_PAGE = f"""SELECT * FROM (
    SELECT {_EVENT_COLS} FROM events
    WHERE ts = :ts AND seq > :seq AND ts < :hi AND seq > :after ORDER BY seq LIMIT :page)
UNION ALL SELECT * FROM (
    SELECT {_EVENT_COLS} FROM events
    WHERE ts > :ts AND ts < :hi AND seq > :after ORDER BY ts, seq LIMIT :page)
ORDER BY ts, seq LIMIT :page"""
_PAGE_TOPIC = f"""SELECT {_E_COLS} FROM topic_events AS m JOIN events AS e ON e.seq = m.seq
WHERE m.topic = :topic AND (m.ts, m.seq) > (:ts, :seq) AND m.ts < :hi AND m.seq > :after
ORDER BY m.ts, m.seq LIMIT :page"""
# The events after :after when they are few: a rowid range (NOT INDEXED keeps the planner
# from scanning the ts index to avoid the sort), then their memberships by key.
_RECENT = f"""SELECT {_EVENT_COLS} FROM events NOT INDEXED
WHERE seq > :after AND ts >= :lo AND ts < :hi ORDER BY ts, seq"""
_RECENT_TOPIC = f"""SELECT {_E_COLS} FROM events AS e NOT INDEXED
CROSS JOIN topic_events AS m ON m.topic = :topic AND m.ts = e.ts AND m.seq = e.seq
WHERE e.seq > :after AND e.ts >= :lo AND e.ts < :hi ORDER BY e.ts, e.seq"""
_INSERT_EVENT = (
    "INSERT INTO events(id, platform, type, author, parent_author, post, parent_post, ts, "
    "text, hashtags) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING"
)
_INSERT_NEW_MEMBER = (
    "INSERT INTO topic_events(topic, ts, seq) VALUES (?, ?, ?) ON CONFLICT DO NOTHING"
)
_INSERT_MEMBER = (  # of an event stored earlier (or of no event: then nothing)
    "INSERT INTO topic_events(topic, ts, seq) "
    "SELECT ?, ts, seq FROM events WHERE id = ? ON CONFLICT DO NOTHING"
)
_TOPIC_COLS = (
    "t.name, t.definition, t.created, t.state, t.updated, "
    "(SELECT COUNT(*) FROM topic_events AS m WHERE m.topic = t.name)"
)
_SEP = "\x1f"
_MIN_TS, _MAX_TS = -(2**63), 2**63 - 1


def _event_row(e: EventRecord) -> tuple[Any, ...]:
    tags = _SEP.join(e.hashtags) if e.hashtags else None
    return (e.id, e.platform, e.type, e.author, e.parent_author, e.post, e.parent_post, e.ts,
            e.text, tags)  # fmt: skip


def _event(row: tuple[Any, ...]) -> EventRecord:
    """The event of a row in :data:`_EVENT_COLS` order."""
    tags = row[9]
    hashtags = () if tags is None else tuple(tags.split(_SEP))
    return EventRecord(*row[:9], hashtags, row[10])  # type: ignore[call-arg]


def _topic(row: tuple[Any, ...]) -> TopicRecord:
    name, definition, created, state, updated, events = row
    return TopicRecord(
        name=name,
        definition=json.loads(definition),
        created=created,
        events=int(events),
        state=None if state is None else json.loads(state),
        updated=updated,
    )


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class SQLiteListenState(ListenState):
    """The listening state of a :class:`~kolgraph.store.sqlite.SQLiteStore`, in its database.

    Parameters
    ----------
    db
        The store's database.
    page
        Rows per query when :meth:`events` streams.
    """

    def __init__(self, db: SQLiteDatabase, *, page: int = 10_000) -> None:
        self._db = db
        self._page = page
        self._ready = False

    @staticmethod
    def _schema(con: sqlite3.Connection) -> None:
        for statement in _SCHEMA:
            con.execute(statement)

    def clear_in(self, con: sqlite3.Connection) -> None:
        """Delete events, memberships, topic states and checkpoints inside ``con``'s
        transaction; topic definitions stay."""
        self._schema(con)
        con.execute("DELETE FROM topic_events")
        con.execute("DELETE FROM events")
        con.execute("DELETE FROM listen_checkpoints")
        con.execute("UPDATE topics SET state = NULL, updated = NULL")

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        fresh = not self._ready
        with self._db.write() as con:
            if fresh:
                self._schema(con)
            yield con
        self._ready = True  # only once committed

    def _con(self) -> sqlite3.Connection:
        if not self._ready:
            with self._write():
                pass
        return self._db.con()

    # events --------------------------------------------------------------------
    def add_events(
        self,
        events: Sequence[EventRecord],
        *,
        topics: Mapping[str, Sequence[str]] | None = None,
        checkpoint: tuple[str, str] | None = None,
    ) -> AddedEvents:
        memberships: dict[str, int] = {}
        with self._write() as con:
            (last,) = con.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()
            before = con.total_changes
            try:
                con.executemany(_INSERT_EVENT, map(_event_row, events))
            except sqlite3.IntegrityError as exc:
                raise InputError(
                    f"an event lacks a required field: {exc}",
                    hint="every event needs id, platform, type, author and ts",
                ) from exc
            # the new events are the rowid range after `last`: their memberships need no lookup;
            # when every event was new (the usual batch) their numbers follow the given order
            if con.total_changes - before == len(events) == len({e.id for e in events}):
                fresh = {e.id: (e.ts, last + i) for i, e in enumerate(events, start=1)}
            else:
                fresh = {
                    r[0]: r[1:]
                    for r in con.execute("SELECT id, ts, seq FROM events WHERE seq > ?", (last,))
                }
            for topic, ids in (topics or {}).items():
                if con.execute("SELECT 1 FROM topics WHERE name = ?", (topic,)).fetchone() is None:
                    memberships[topic] = 0  # removed meanwhile (or never added): skipped
                    continue
                before = con.total_changes
                con.executemany(_INSERT_NEW_MEMBER, ((topic, *fresh[i]) for i in ids if i in fresh))
                con.executemany(_INSERT_MEMBER, ((topic, i) for i in ids if i not in fresh))
                memberships[topic] = con.total_changes - before
            if checkpoint is not None:
                source, position = checkpoint
                con.execute(
                    "INSERT INTO listen_checkpoints(source, position, updated) VALUES (?, ?, ?) "
                    "ON CONFLICT(source) DO UPDATE SET position = excluded.position, "
                    "updated = excluded.updated",
                    (source, position, now_iso()),
                )
        new = len(fresh)
        return AddedEvents(
            new=new,
            duplicates=len(events) - new,
            memberships=memberships,
            new_ids=frozenset(fresh),
        )

    def events(
        self,
        *,
        topic: str | None = None,
        since: int | None = None,
        until: int | None = None,
        after_seq: int = 0,
    ) -> Iterator[EventRecord]:
        con = self._con()
        args: dict[str, Any] = {
            "topic": topic,
            "lo": _MIN_TS if since is None else since,
            "hi": _MAX_TS if until is None else until,
            "after": after_seq,
            "page": self._page,
        }
        if after_seq and self.last_seq() - after_seq <= self._page:  # a few recent events
            recent = _RECENT if topic is None else _RECENT_TOPIC
            yield from map(_event, con.execute(recent, args).fetchall())
            return
        sql = _PAGE if topic is None else _PAGE_TOPIC
        args["ts"], args["seq"] = args["lo"], -1  # (ts, seq) before the first row wanted
        while True:
            rows = con.execute(sql, args).fetchall()
            yield from map(_event, rows)
            if len(rows) < self._page:
                return
            args["ts"], args["seq"] = rows[-1][4], rows[-1][10]

    def count_events(self, *, topic: str | None = None) -> int:
        con = self._con()
        if topic is None:
            (n,) = con.execute("SELECT COUNT(*) FROM events").fetchone()
        else:
            (n,) = con.execute(
                "SELECT COUNT(*) FROM topic_events WHERE topic = ?", (topic,)
            ).fetchone()
        return int(n)

    def stored_ids(self, ids: Sequence[str]) -> set[str]:
        con, out = self._con(), set[str]()
        unique = list(dict.fromkeys(ids))
        for lo in range(0, len(unique), 500):
            chunk = unique[lo : lo + 500]
            marks = ",".join("?" * len(chunk))
            out.update(
                r[0] for r in con.execute(f"SELECT id FROM events WHERE id IN ({marks})", chunk)
            )
        return out

    def last_seq(self) -> int:
        (seq,) = self._con().execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()
        return int(seq)

    # topics --------------------------------------------------------------------
    def add_topic(self, record: TopicRecord) -> None:
        state = None if record.state is None else _dumps(record.state)
        with self._write() as con:
            try:
                con.execute(
                    "INSERT INTO topics(name, definition, created, state, updated) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (record.name, _dumps(record.definition), record.created, state,
                     record.updated),
                )  # fmt: skip
            except sqlite3.IntegrityError as exc:
                raise Conflict(
                    f"a topic named {record.name!r} already exists",
                    hint="pick another name, or remove it first with `kolgraph topics remove`",
                ) from exc

    def get_topic(self, name: str) -> TopicRecord:
        row = (
            self._con()
            .execute(f"SELECT {_TOPIC_COLS} FROM topics AS t WHERE t.name = ?", (name,))
            .fetchone()
        )
        if row is None:
            raise TopicRecord.unknown(name)
        return _topic(row)

    def topics(self) -> list[TopicRecord]:
        rows = (
            self._con()
            .execute(f"SELECT {_TOPIC_COLS} FROM topics AS t ORDER BY t.created, t.name")
            .fetchall()
        )
        return [_topic(r) for r in rows]

    def remove_topic(self, name: str) -> None:
        with self._write() as con:
            if con.execute("DELETE FROM topics WHERE name = ?", (name,)).rowcount == 0:
                raise TopicRecord.unknown(name)
            con.execute("DELETE FROM topic_events WHERE topic = ?", (name,))

    def save_state(self, name: str, state: dict[str, Any], when: str) -> None:
        with self._write() as con:
            cur = con.execute(
                "UPDATE topics SET state = ?, updated = ? WHERE name = ?",
                (_dumps(state), when, name),
            )
            if cur.rowcount == 0:
                raise TopicRecord.unknown(name)

    # checkpoints ---------------------------------------------------------------
    def checkpoint(self, source: str) -> str | None:
        row = (
            self._con()
            .execute("SELECT position FROM listen_checkpoints WHERE source = ?", (source,))
            .fetchone()
        )
        return None if row is None else str(row[0])
