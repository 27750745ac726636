"""Listening state in Neo4j (see :mod:`kolgraph.store.listenstate`).

The graph (``cypher/listen_*.cypher``; constraints in ``cypher/schema.cypher``)::

    (:Event {id, seq, platform, type, author, parent_author, post, parent_post, ts, text,
             hashtags})-[:IN_TOPIC]->(:Topic {name, definition, created, state, updated})
    (:ListenCheckpoint {source, position, updated})
    (:ListenMeta {id: 0, last_seq})

``id`` (events), ``name`` (topics) and ``source`` (checkpoints) are unique; null
fields are not stored; ``definition`` and ``state`` are JSON text. Events are not
linked to ``:Account`` nodes: an account is created only with its dense index
(:meth:`~kolgraph.store.neo4j_db.Neo4jDatabase.ensure_ids`), which would make every
listened author part of the ranked graph, and linking only the accounts that exist
would give a link set that depends on import order; ``e.author`` is the account key,
so ``MATCH (a:Account {key: e.author})`` joins them in Browser.

:meth:`Neo4jListenState.add_events` is one write transaction: it write-locks the
``:ListenMeta`` node, reads which ids exist, creates the new events numbered after
``last_seq``, links memberships, writes the checkpoint and the new ``last_seq``. The
lock serializes writers, but numbering is only designed for one listener writing
at a time (as ``kolgraph listen`` does). :meth:`Neo4jListenState.events` is one query
whose records the driver fetches lazily, ``page`` at a time.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from kolgraph.errors import Conflict, StoreError
from kolgraph.store import cypher
from kolgraph.store.crawlstate import now_iso
from kolgraph.store.listenstate import AddedEvents, EventRecord, ListenState, TopicRecord
from kolgraph.store.neo4j_db import Neo4jDatabase, neo4j_driver_module

if TYPE_CHECKING:
    from neo4j import ManagedTransaction, Record, Result, Session

__all__ = ["Neo4jListenState"]

_MIN_TS, _MAX_TS = -(2**63), 2**63 - 1


def _props(e: EventRecord, seq: int) -> dict[str, Any]:
    return {
        "id": e.id,
        "seq": seq,
        "platform": e.platform,
        "type": e.type,
        "author": e.author,
        "parent_author": e.parent_author,
        "post": e.post,
        "parent_post": e.parent_post,
        "ts": e.ts,
        "text": e.text,
        "hashtags": list(e.hashtags) if e.hashtags else None,
    }


def _event(p: Mapping[str, Any]) -> EventRecord:
    return EventRecord(
        id=p["id"],
        platform=p["platform"],
        type=p["type"],
        author=p["author"],
        ts=p["ts"],
        parent_author=p.get("parent_author"),
        post=p.get("post"),
        parent_post=p.get("parent_post"),
        text=p.get("text"),
        hashtags=tuple(p.get("hashtags") or ()),
        seq=p["seq"],
    )


def _topic(p: Mapping[str, Any], events: int) -> TopicRecord:
    state = p.get("state")
    return TopicRecord(
        name=p["name"],
        definition=json.loads(p["definition"]),
        created=p["created"],
        events=int(events),
        state=None if state is None else json.loads(state),
        updated=p.get("updated"),
    )


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class Neo4jListenState(ListenState):
    """The listening state of a :class:`~kolgraph.store.neo4j.Neo4jStore`, in its database.

    Parameters
    ----------
    db
        The store's database (its ``batch_size`` is the rows per ``UNWIND``).
    page
        Records the driver fetches at a time when :meth:`events` streams.
    """

    def __init__(self, db: Neo4jDatabase, *, page: int = 10_000) -> None:
        self._db = db
        self._page = page

    def clear(self) -> None:
        """Delete events, memberships, topic states and checkpoints; definitions stay."""
        self._db.repeat("listen_clear_events", "n", batch=self._db.batch_size)
        self._db.execute("listen_clear_states")

    # events --------------------------------------------------------------------
    def add_events(
        self,
        events: Sequence[EventRecord],
        *,
        topics: Mapping[str, Sequence[str]] | None = None,
        checkpoint: tuple[str, str] | None = None,
    ) -> AddedEvents:
        given = list(events)
        ids = list(dict.fromkeys(e.id for e in given))
        links = {t: list(dict.fromkeys(i)) for t, i in (topics or {}).items()}
        size = self._db.batch_size

        def work(tx: ManagedTransaction) -> AddedEvents:
            lock = tx.run(cypher.load("listen_lock"), token=secrets.randbits(32))
            last = int(lock.single(strict=True)["last_seq"] or 0)
            seen: set[str] = set()
            for lo in range(0, len(ids), size):
                found = tx.run(cypher.load("listen_existing"), ids=ids[lo : lo + size])
                seen.update(r["id"] for r in found)
            rows: list[dict[str, Any]] = []
            for e in given:
                if e.id not in seen:
                    seen.add(e.id)
                    rows.append(_props(e, last + len(rows) + 1))
            for lo in range(0, len(rows), size):
                tx.run(cypher.load("listen_create_events"), rows=rows[lo : lo + size]).consume()
            memberships = {}
            for topic, tids in links.items():
                n = 0
                for lo in range(0, len(tids), size):
                    res = tx.run(cypher.load("listen_link"), topic=topic, ids=tids[lo : lo + size])
                    n += int(res.single(strict=True)["n"])
                memberships[topic] = n
            if checkpoint is not None:
                tx.run(
                    cypher.load("listen_checkpoint_save"),
                    source=checkpoint[0],
                    position=checkpoint[1],
                    updated=now_iso(),
                ).consume()
            if rows:
                tx.run(cypher.load("listen_set_seq"), last_seq=last + len(rows)).consume()
            return AddedEvents(
                new=len(rows),
                duplicates=len(given) - len(rows),
                memberships=memberships,
                new_ids=frozenset(r["id"] for r in rows),
            )

        return self._db.write_tx(work)

    def events(
        self,
        *,
        topic: str | None = None,
        since: int | None = None,
        until: int | None = None,
        after_seq: int = 0,
    ) -> Iterator[EventRecord]:
        lo = _MIN_TS if since is None else since
        hi = _MAX_TS if until is None else until
        run: Callable[[Session], Result]
        if topic is None:
            run = lambda s: s.run(  # noqa: E731
                cypher.load("listen_events"), since=lo, until=hi, after_seq=after_seq
            )
        else:
            run = lambda s: s.run(  # noqa: E731
                cypher.load("listen_topic_events"),
                topic=topic,
                since=lo,
                until=hi,
                after_seq=after_seq,
            )
        for record in self._stream(run):
            yield _event(record["event"])

    def _stream(self, run: Callable[[Session], Result]) -> Iterator[Record]:
        """The records of the read query ``run`` starts, fetched ``page`` at a time."""
        neo4j = neo4j_driver_module()
        db = self._db
        session = db.wrap(
            lambda: db.driver.session(
                database=db.database,
                default_access_mode=neo4j.READ_ACCESS,
                bookmark_manager=db.driver.execute_query_bookmark_manager,
                fetch_size=self._page,
            )
        )
        with session:
            records = iter(db.wrap(lambda: run(session)))
            while (record := db.wrap(lambda: next(records, None))) is not None:
                yield record

    def count_events(self, *, topic: str | None = None) -> int:
        if topic is None:
            rows = self._db.query("listen_count", read=True)
        else:
            rows = self._db.query("listen_count_topic", read=True, topic=topic)
        return int(rows[0]["n"]) if rows else 0

    def stored_ids(self, ids: Sequence[str]) -> set[str]:
        unique = list(dict.fromkeys(ids))
        out: set[str] = set()
        for lo in range(0, len(unique), self._page):
            rows = self._db.query("listen_existing", read=True, ids=unique[lo : lo + self._page])
            out.update(r["id"] for r in rows)
        return out

    def last_seq(self) -> int:
        rows = self._db.query("listen_last_seq", read=True)
        return int(rows[0]["last_seq"] or 0)

    # topics --------------------------------------------------------------------
    def add_topic(self, record: TopicRecord) -> None:
        try:
            self._db.execute(
                "listen_topic_add",
                topic=record.name,
                definition=_dumps(record.definition),
                created=record.created,
                state=None if record.state is None else _dumps(record.state),
                updated=record.updated,
            )
        except StoreError as exc:
            if isinstance(exc.__cause__, neo4j_driver_module().exceptions.ConstraintError):
                raise Conflict(
                    f"a topic named {record.name!r} already exists",
                    hint="pick another name, or remove it first with `kolgraph topics remove`",
                ) from exc
            raise

    def get_topic(self, name: str) -> TopicRecord:
        rows = self._db.query("listen_topic_get", read=True, topic=name)
        if not rows:
            raise TopicRecord.unknown(name)
        return _topic(rows[0]["topic"], rows[0]["events"])

    def topics(self) -> list[TopicRecord]:
        return [_topic(r["topic"], r["events"]) for r in self._db.query("listen_topics", read=True)]

    def remove_topic(self, name: str) -> None:
        self._db.repeat("listen_topic_unlink", "n", topic=name, batch=self._db.batch_size)
        if not self._db.query("listen_topic_remove", topic=name)[0]["n"]:
            raise TopicRecord.unknown(name)

    def save_state(self, name: str, state: dict[str, Any], when: str) -> None:
        rows = self._db.query("listen_state_save", topic=name, state=_dumps(state), when=when)
        if not rows[0]["n"]:
            raise TopicRecord.unknown(name)

    # checkpoints ---------------------------------------------------------------
    def checkpoint(self, source: str) -> str | None:
        rows = self._db.query("listen_checkpoint_get", read=True, source=source)
        return None if not rows else str(rows[0]["position"])
