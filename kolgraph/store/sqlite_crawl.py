"""Crawl state in the embedded SQLite store (see :mod:`kolgraph.store.crawlstate`).

Two tables, created on first use (they are additive, so older databases
need no upgrade): ``crawls`` (one row per crawl with its parameters and
running totals) and ``crawl_tasks`` (the frontier: one row per task with its
cursor and progress). :meth:`SQLiteCrawlState.commit` writes a page's
accounts, edges and task changes inside one ``BEGIN IMMEDIATE`` transaction.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from kolgraph.store.crawlstate import CrawlBatch, CrawlInfo, CrawlState, TaskRow, now_iso
from kolgraph.store.sqlite_db import SQLiteDatabase

__all__ = ["SQLiteCrawlState"]

_CRAWL_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS crawls (
        crawl_id TEXT PRIMARY KEY,
        platform TEXT NOT NULL,
        params   TEXT NOT NULL,
        created  TEXT NOT NULL,
        updated  TEXT NOT NULL,
        stats    TEXT NOT NULL DEFAULT '{}'
    )""",
    """CREATE TABLE IF NOT EXISTS crawl_tasks (
        crawl_id TEXT NOT NULL REFERENCES crawls(crawl_id) ON DELETE CASCADE,
        key      TEXT NOT NULL,
        kind     TEXT NOT NULL,
        target   TEXT NOT NULL,
        owner    TEXT,
        ts       INTEGER,
        cursor   TEXT,
        page     INTEGER NOT NULL DEFAULT 0,
        depth    INTEGER NOT NULL,
        priority REAL NOT NULL,
        seq      INTEGER NOT NULL,
        status   TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        node     TEXT,
        seen     INTEGER NOT NULL DEFAULT 0,
        total    INTEGER,
        error    TEXT,
        PRIMARY KEY (crawl_id, key)
    ) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS crawl_tasks_status ON crawl_tasks(crawl_id, status)",
)
_TASK_COLS = (
    "key, kind, target, depth, priority, seq, owner, ts, cursor, page, status, attempts, "
    "node, seen, total, error"
)


def _task_values(crawl_id: str, t: TaskRow) -> tuple[Any, ...]:
    return (
        crawl_id,
        t.key,
        t.kind,
        t.target,
        t.depth,
        t.priority,
        t.seq,
        t.owner,
        t.ts,
        t.cursor,
        t.page,
        t.status,
        t.attempts,
        t.node,
        t.seen,
        t.total,
        t.error,
    )


class SQLiteCrawlState(CrawlState):
    """The crawl state of a :class:`~kolgraph.store.sqlite.SQLiteStore`.

    It uses the store's database (:class:`~kolgraph.store.sqlite_db.SQLiteDatabase`):
    its transactions and its row writers, so a page's edges and its checkpoint
    share one transaction.
    """

    def __init__(self, db: SQLiteDatabase) -> None:
        self._db = db
        self._crawl_ready = False

    def _crawl_schema(self, con: sqlite3.Connection) -> None:
        for statement in _CRAWL_SCHEMA:
            con.execute(statement)

    def clear_in(self, con: sqlite3.Connection) -> None:
        """Delete every crawl and its tasks inside the caller's transaction ``con``."""
        self._crawl_schema(con)
        con.execute("DELETE FROM crawl_tasks")
        con.execute("DELETE FROM crawls")

    @contextmanager
    def _crawl_write(self) -> Iterator[sqlite3.Connection]:
        fresh = not self._crawl_ready
        with self._db.write() as con:
            if fresh:
                self._crawl_schema(con)
            yield con
        # only once committed: a rolled-back transaction takes the new tables with it
        self._crawl_ready = True

    @staticmethod
    def _info(con: sqlite3.Connection, crawl_id: str) -> CrawlInfo:
        row = con.execute(
            "SELECT crawl_id, platform, params, created, updated, stats FROM crawls "
            "WHERE crawl_id = ?",
            (crawl_id,),
        ).fetchone()
        if row is None:
            raise CrawlInfo.unknown(crawl_id)
        tasks = dict(
            con.execute(
                "SELECT status, COUNT(*) FROM crawl_tasks WHERE crawl_id = ? GROUP BY status",
                (crawl_id,),
            ).fetchall()
        )
        return CrawlInfo.from_stored(row, tasks)

    def begin(self, crawl_id: str, platform: str, params: dict[str, Any]) -> CrawlInfo:
        with self._crawl_write() as con:
            now = now_iso()
            con.execute(
                "INSERT OR IGNORE INTO crawls(crawl_id, platform, params, created, updated) "
                "VALUES (?, ?, ?, ?, ?)",
                (crawl_id, platform, CrawlInfo.stored_params(params), now, now),
            )
            return self._info(con, crawl_id)

    @contextmanager
    def _crawl_read(self) -> Iterator[sqlite3.Connection]:
        if not self._crawl_ready:
            with self._crawl_write():
                pass
        with self._db.read() as con:
            yield con

    def info(self, crawl_id: str) -> CrawlInfo:
        with self._crawl_read() as con:
            return self._info(con, crawl_id)

    def all(self) -> list[CrawlInfo]:
        with self._crawl_read() as con:
            ids = [
                r[0]
                for r in con.execute("SELECT crawl_id FROM crawls ORDER BY updated DESC, crawl_id")
            ]
            return [self._info(con, i) for i in ids]

    def tasks(self, crawl_id: str, *, status: str | None = None) -> list[TaskRow]:
        with self._crawl_read() as con:
            sql = f"SELECT {_TASK_COLS} FROM crawl_tasks WHERE crawl_id = ?"
            args: tuple[Any, ...] = (crawl_id,)
            if status is not None:
                sql += " AND status = ?"
                args += (status,)
            sql += " ORDER BY depth, priority DESC, seq"
            return [TaskRow(*r) for r in con.execute(sql, args)]

    def commit(self, crawl_id: str, batch: CrawlBatch) -> tuple[int, int]:
        placeholders = ", ".join("?" * 17)
        with self._crawl_write() as con:
            row = con.execute("SELECT stats FROM crawls WHERE crawl_id = ?", (crawl_id,)).fetchone()
            if row is None:
                raise CrawlInfo.unknown(crawl_id, committing=True)
            if batch.accounts:
                self._db.write_accounts(con, batch.accounts)
            nf = self._db.write_follows(con, *batch.follow_columns())
            nr = self._db.write_reposts(con, batch.reposts)
            con.execute(
                f"INSERT OR REPLACE INTO crawl_tasks(crawl_id, {_TASK_COLS}) "
                f"VALUES ({placeholders})",
                _task_values(crawl_id, batch.task),
            )
            if batch.new_tasks:
                con.executemany(
                    f"INSERT OR IGNORE INTO crawl_tasks(crawl_id, {_TASK_COLS}) "
                    f"VALUES ({placeholders})",
                    (_task_values(crawl_id, t) for t in batch.new_tasks),
                )
            con.execute(
                "UPDATE crawls SET stats = ?, updated = ? WHERE crawl_id = ?",
                (batch.totals(json.loads(row[0]), nf, nr), now_iso(), crawl_id),
            )
            return nf, nr

    def delete(self, crawl_id: str) -> None:
        with self._crawl_write() as con:
            con.execute("DELETE FROM crawl_tasks WHERE crawl_id = ?", (crawl_id,))
            con.execute("DELETE FROM crawls WHERE crawl_id = ?", (crawl_id,))
