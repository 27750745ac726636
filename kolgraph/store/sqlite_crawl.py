"""Crawl state in the embedded SQLite store (see :mod:`kolgraph.store.crawlstate`).

Two tables, created on first use (they are additive, so older databases
need no upgrade): ``crawls`` (one row per crawl with its parameters and
running totals) and ``crawl_tasks`` (the frontier: one row per task with its
cursor and progress). :meth:`SQLiteCrawlState.crawl_commit` writes a page's
accounts, edges and task changes inside one ``BEGIN IMMEDIATE`` transaction.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from kolgraph.errors import NotFound
from kolgraph.model import Account
from kolgraph.store.crawlstate import CrawlBatch, CrawlInfo, CrawlState, TaskRow, now_iso

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


def _task_row(r: Sequence[Any]) -> TaskRow:
    return TaskRow(*r)


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
    """The crawl-state half of :class:`~kolgraph.store.sqlite.SQLiteStore`.

    A mixin: it uses the store's transactions (``_write`` / ``_read``) and
    its row writers (``_write_accounts``, ``_write_follows``, ``_write_reposts``),
    so a page's edges and its checkpoint share one transaction.
    """

    _crawl_ready: bool = False

    def _write(self) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError

    def _read(self) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError

    def _write_accounts(self, con: sqlite3.Connection, accounts: Sequence[Account]) -> int:
        raise NotImplementedError

    def _write_follows(
        self, con: sqlite3.Connection, src: Sequence[str], dst: Sequence[str]
    ) -> int:
        raise NotImplementedError

    def _write_reposts(
        self,
        con: sqlite3.Connection,
        src: Sequence[str],
        dst: Sequence[str],
        post_id: Sequence[str],
        ts: Sequence[int],
        action: Sequence[str],
        weight: Sequence[float] | None,
    ) -> int:
        raise NotImplementedError

    def _crawl_schema(self, con: sqlite3.Connection) -> None:
        for statement in _CRAWL_SCHEMA:
            con.execute(statement)

    @contextmanager
    def _crawl_write(self) -> Iterator[sqlite3.Connection]:
        fresh = not self._crawl_ready
        with self._write() as con:
            if fresh:
                self._crawl_schema(con)
            yield con
        # only once committed: a rolled-back transaction takes the new tables with it
        self._crawl_ready = True

    def _info(self, con: sqlite3.Connection, crawl_id: str) -> CrawlInfo:
        row = con.execute(
            "SELECT crawl_id, platform, params, created, updated, stats FROM crawls "
            "WHERE crawl_id = ?",
            (crawl_id,),
        ).fetchone()
        if row is None:
            raise NotFound(
                f"no crawl {crawl_id!r} in this store",
                hint="`kolgraph crawl status` lists the crawls",
            )
        tasks = dict(
            con.execute(
                "SELECT status, COUNT(*) FROM crawl_tasks WHERE crawl_id = ? GROUP BY status",
                (crawl_id,),
            ).fetchall()
        )
        return CrawlInfo(
            crawl_id=row[0],
            platform=row[1],
            params=json.loads(row[2]),
            created=row[3],
            updated=row[4],
            stats=json.loads(row[5]),
            tasks=tasks,
        )

    def crawl_begin(self, crawl_id: str, platform: str, params: dict[str, Any]) -> CrawlInfo:
        with self._crawl_write() as con:
            now = now_iso()
            con.execute(
                "INSERT OR IGNORE INTO crawls(crawl_id, platform, params, created, updated) "
                "VALUES (?, ?, ?, ?, ?)",
                (crawl_id, platform, json.dumps(params, sort_keys=True, default=str), now, now),
            )
            return self._info(con, crawl_id)

    @contextmanager
    def _crawl_read(self) -> Iterator[sqlite3.Connection]:
        if not self._crawl_ready:
            with self._crawl_write():
                pass
        with self._read() as con:
            yield con

    def crawl_info(self, crawl_id: str) -> CrawlInfo:
        with self._crawl_read() as con:
            return self._info(con, crawl_id)

    def list_crawls(self) -> list[CrawlInfo]:
        with self._crawl_read() as con:
            ids = [
                r[0]
                for r in con.execute("SELECT crawl_id FROM crawls ORDER BY updated DESC, crawl_id")
            ]
            return [self._info(con, i) for i in ids]

    def crawl_tasks(self, crawl_id: str, *, status: str | None = None) -> list[TaskRow]:
        with self._crawl_read() as con:
            sql = f"SELECT {_TASK_COLS} FROM crawl_tasks WHERE crawl_id = ?"
            args: tuple[Any, ...] = (crawl_id,)
            if status is not None:
                sql += " AND status = ?"
                args += (status,)
            sql += " ORDER BY depth, priority DESC, seq"
            return [_task_row(r) for r in con.execute(sql, args)]

    def crawl_commit(self, crawl_id: str, batch: CrawlBatch) -> tuple[int, int]:
        placeholders = ", ".join("?" * 17)
        with self._crawl_write() as con:
            row = con.execute("SELECT stats FROM crawls WHERE crawl_id = ?", (crawl_id,)).fetchone()
            if row is None:
                raise NotFound(
                    f"no crawl {crawl_id!r} in this store",
                    hint="start it with crawl_begin (the crawl command does)",
                )
            if batch.accounts:
                self._write_accounts(con, batch.accounts)
            nf = self._write_follows(con, batch.follow_src, batch.follow_dst)
            nr = self._write_reposts(
                con,
                batch.repost_src,
                batch.repost_dst,
                batch.repost_post,
                batch.repost_ts,
                batch.repost_action,
                None,
            )
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

    def crawl_delete(self, crawl_id: str) -> None:
        with self._crawl_write() as con:
            con.execute("DELETE FROM crawl_tasks WHERE crawl_id = ?", (crawl_id,))
            con.execute("DELETE FROM crawls WHERE crawl_id = ?", (crawl_id,))
