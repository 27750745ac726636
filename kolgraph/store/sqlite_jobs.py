"""Job records in the embedded SQLite store (see :mod:`kolgraph.store.jobstate`).

One table, ``jobs``, created on first use (it is additive, so older databases need
no upgrade). Every write is one ``BEGIN IMMEDIATE`` transaction: an exclusive
:meth:`SQLiteJobState.create` checks for a live job of its kind and inserts in the
same transaction, so two processes sharing the file cannot both start one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from kolgraph.errors import InputError
from kolgraph.store.jobstate import (
    ACTIVE,
    STORED_FIELDS,
    JobRecord,
    JobState,
    check_changes,
    stored_changes,
)
from kolgraph.store.sqlite_db import SQLiteDatabase

__all__ = ["SQLiteJobState"]

_JOB_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS jobs (
        id        TEXT PRIMARY KEY,
        kind      TEXT NOT NULL,
        status    TEXT NOT NULL,
        params    TEXT NOT NULL,
        created   REAL NOT NULL,
        owner     TEXT NOT NULL,
        heartbeat REAL NOT NULL,
        started   REAL,
        finished  REAL,
        stage     TEXT,
        done      INTEGER,
        total     INTEGER,
        eta       REAL,
        log       TEXT NOT NULL DEFAULT '[]',
        cancel    INTEGER NOT NULL DEFAULT 0,
        result    TEXT,
        error     TEXT
    )""",
    "CREATE INDEX IF NOT EXISTS jobs_status ON jobs(status, kind)",
    "CREATE INDEX IF NOT EXISTS jobs_created ON jobs(created)",
)
_COLS = ", ".join(STORED_FIELDS)
_ACTIVE_SQL = ", ".join(f"'{s}'" for s in ACTIVE)


class SQLiteJobState(JobState):
    """The job records of a :class:`~kolgraph.store.sqlite.SQLiteStore`, in its database."""

    def __init__(self, db: SQLiteDatabase) -> None:
        self._db = db
        self._ready = False

    def clear_in(self, con: sqlite3.Connection) -> None:
        """Delete every job record inside the caller's transaction ``con``."""
        self._schema(con)
        con.execute("DELETE FROM jobs")

    @staticmethod
    def _schema(con: sqlite3.Connection) -> None:
        for statement in _JOB_SCHEMA:
            con.execute(statement)

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        fresh = not self._ready
        with self._db.write() as con:
            if fresh:
                self._schema(con)
            yield con
        self._ready = True  # only once committed

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        if not self._ready:
            with self._write():
                pass
        with self._db.read() as con:
            yield con

    @staticmethod
    def _get(con: sqlite3.Connection, job_id: str) -> JobRecord:
        row = con.execute(f"SELECT {_COLS} FROM jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None:
            raise JobRecord.unknown(job_id)
        return JobRecord.from_stored(dict(zip(STORED_FIELDS, row, strict=True)))

    def create(
        self, record: JobRecord, *, exclusive: bool = False, live_after: float = 0.0
    ) -> JobRecord:
        values = record.stored()
        with self._write() as con:
            if exclusive:
                row = con.execute(
                    f"SELECT id FROM jobs WHERE kind = ? AND status IN ({_ACTIVE_SQL}) "
                    "AND heartbeat >= ? ORDER BY created LIMIT 1",
                    (record.kind, live_after),
                ).fetchone()
                if row is not None:
                    raise self._get(con, row[0]).busy()
            try:
                con.execute(
                    f"INSERT INTO jobs({_COLS}) VALUES ({', '.join('?' * len(STORED_FIELDS))})",
                    tuple(values[k] for k in STORED_FIELDS),
                )
            except sqlite3.IntegrityError as exc:
                raise InputError(f"job id {record.id!r} already exists") from exc
            return self._get(con, record.id)

    def get(self, job_id: str) -> JobRecord:
        with self._read() as con:
            return self._get(con, job_id)

    def list(self, *, limit: int = 50, offset: int = 0) -> tuple[list[JobRecord], int]:
        with self._read() as con:
            rows = con.execute(
                f"SELECT {_COLS} FROM jobs ORDER BY created DESC, id DESC LIMIT ? OFFSET ?",
                (limit, offset),
            ).fetchall()
            (total,) = con.execute("SELECT COUNT(*) FROM jobs").fetchone()
        records = [JobRecord.from_stored(dict(zip(STORED_FIELDS, r, strict=True))) for r in rows]
        return records, int(total)

    def update(self, job_id: str, changes: Mapping[str, Any]) -> JobRecord:
        check_changes(changes)
        with self._write() as con:
            if changes:
                assigns = ", ".join(f"{k} = ?" for k in changes)  # keys: STORED_FIELDS only
                con.execute(
                    f"UPDATE jobs SET {assigns} WHERE id = ? AND status IN ({_ACTIVE_SQL})",
                    (*changes.values(), job_id),
                )
            return self._get(con, job_id)

    def interrupt_stale(self, *, live_after: float, now: float, error: dict[str, Any]) -> int:
        err = stored_changes(error=error)["error"]
        with self._write() as con:
            cur = con.execute(
                "UPDATE jobs SET status = 'interrupted', finished = ?, error = ? "
                f"WHERE status IN ({_ACTIVE_SQL}) AND heartbeat < ?",
                (now, err, live_after),
            )
            return int(cur.rowcount)
