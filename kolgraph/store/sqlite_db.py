"""The embedded store's database file: connections, transactions, account ids and edge rows.

:class:`SQLiteDatabase` is what :class:`~kolgraph.store.sqlite.SQLiteStore`,
its crawl state (:class:`~kolgraph.store.sqlite_crawl.SQLiteCrawlState`) and
its columnar snapshot share: one connection per thread, write transactions
(``BEGIN IMMEDIATE``, all or nothing), read transactions (one consistent view
across several queries), the cache of account keys → ids, and the row writers
that take an open transaction, so that a crawled page's edges and its
checkpoint commit together.

WAL mode lets readers (the API) keep reading while one writer (an import or a
rank job) writes.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from kolgraph.errors import InputError, StoreError
from kolgraph.model import Account, split_key
from kolgraph.store.batches import RepostBatch
from kolgraph.store.rows import account_row
from kolgraph.store.sqlite_schema import init_schema

__all__ = ["SQLiteDatabase"]


class SQLiteDatabase:
    """One SQLite file in WAL mode, opened (and created with its schema when new).

    Parameters
    ----------
    path
        Database file; created with its schema when missing.

    Raises
    ------
    StoreError
        If the directory does not exist, the file is not a kolgraph database
        (or of a schema version this kolgraph does not read), or another
        process holds the lock while the schema is created.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self._key_cache: dict[str, int] = {}
        self._key_cache_max = 0
        self._key_cache_epoch: str | None = None
        self._key_lock = threading.RLock()  # the key cache is shared by the store's threads
        if self.path.parent and not self.path.parent.exists():
            raise StoreError(
                f"directory {self.path.parent} for the database does not exist",
                hint="create it, or point --db / KOLGRAPH_DB at an existing directory",
            )
        try:
            init_schema(self.con(), self.path)
        except sqlite3.DatabaseError as exc:
            self.close()
            if "locked" in str(exc):
                raise StoreError(
                    f"could not create the schema in {self.path}: {exc}",
                    hint="another kolgraph job is writing; retry when it has finished",
                ) from exc
            raise StoreError(
                f"{self.path} is not a usable kolgraph database: {exc}",
                hint="point --db at a kolgraph database or a new file name",
            ) from exc

    # connections and transactions -------------------------------------------------
    def con(self) -> sqlite3.Connection:
        """This thread's connection (opened on first use, in autocommit mode)."""
        con: sqlite3.Connection | None = getattr(self._local, "con", None)
        if con is None:
            con = sqlite3.connect(self.path, timeout=60.0, isolation_level=None)
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA synchronous=NORMAL")
            con.execute("PRAGMA foreign_keys=ON")
            con.execute("PRAGMA cache_size=-200000")
            con.execute("PRAGMA temp_store=MEMORY")
            self._local.con = con
        return con

    def close(self) -> None:
        """Close this thread's connection."""
        con: sqlite3.Connection | None = getattr(self._local, "con", None)
        if con is not None:
            con.close()
            self._local.con = None

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (``BEGIN IMMEDIATE``): all or nothing.

        Raises
        ------
        StoreError
            If another process holds the write lock for longer than the timeout.
        """
        con = self.con()
        try:
            con.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StoreError(
                f"could not lock {self.path} for writing: {exc}",
                hint="another kolgraph job is writing; retry when it has finished",
            ) from exc
        try:
            yield con
        except BaseException:
            if con.in_transaction:  # SQLite may already have rolled back (e.g. disk full)
                con.execute("ROLLBACK")
            self.reset_keys()  # the cache may hold ids of accounts that were rolled back
            raise
        else:
            con.execute("COMMIT")

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: one consistent view across several queries."""
        con = self.con()
        con.execute("BEGIN")
        try:
            yield con
        finally:
            con.execute("COMMIT")

    # key → id ----------------------------------------------------------------------
    def reset_keys(self) -> None:
        """Forget the cached account ids (after a clear or a rolled-back write)."""
        self._key_cache.clear()
        self._key_cache_max = 0
        self._key_cache_epoch = None

    def _refresh_keys_locked(self, con: sqlite3.Connection) -> None:
        epoch = con.execute("SELECT value FROM meta WHERE key = 'epoch'").fetchone()
        epoch = None if epoch is None else str(epoch[0])
        if epoch != self._key_cache_epoch:  # cleared (maybe by another process): ids were reused
            self.reset_keys()
            self._key_cache_epoch = epoch
        rows = con.execute(
            "SELECT key, id FROM accounts WHERE id > ? ORDER BY id", (self._key_cache_max,)
        ).fetchall()
        if rows:
            self._key_cache.update(rows)
            self._key_cache_max = rows[-1][1]
        elif self._key_cache_max and self.max_id(con) < self._key_cache_max:
            # ids the cache knows are gone: start again from the database
            self.reset_keys()
            self._refresh_keys_locked(con)

    @staticmethod
    def max_id(con: sqlite3.Connection) -> int:
        """The largest account id (the number of accounts; 0 when there are none)."""
        return int(con.execute("SELECT COALESCE(MAX(id), 0) FROM accounts").fetchone()[0])

    def keys_to_index(self, keys: Sequence[str]) -> npt.NDArray[np.int64]:
        """Dense indices (id - 1) of ``keys``; -1 for keys not in the store."""
        with self.read() as con, self._key_lock:
            self._refresh_keys_locked(con)
            cache = self._key_cache
            return np.array([cache.get(k, 0) - 1 for k in keys], dtype=np.int64)

    def ensure_ids(self, con: sqlite3.Connection, keys: Iterable[str]) -> dict[str, int]:
        """Ids for ``keys``, creating ``user`` accounts for unknown keys (in ``con``'s txn).

        Raises
        ------
        InputError
            An unknown key that is not ``"platform:id"``.
        """
        with self._key_lock:
            self._refresh_keys_locked(con)
            cache = self._key_cache
            missing = sorted(k for k in dict.fromkeys(keys) if k not in cache)
            if missing:
                next_id = self.max_id(con) + 1
                rows = []
                for offset, key in enumerate(missing):
                    platform, account_id = split_key(key)
                    rows.append((next_id + offset, key, platform, account_id))
                con.executemany(
                    "INSERT INTO accounts(id, key, platform, account_id) VALUES (?, ?, ?, ?)", rows
                )
                for row in rows:
                    cache[row[1]] = row[0]
                self._key_cache_max = rows[-1][0]
            return cache

    def _map_ids(
        self,
        con: sqlite3.Connection,
        src: Sequence[str] | npt.NDArray[np.object_],
        dst: Sequence[str] | npt.NDArray[np.object_],
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Account ids of two key columns, creating missing accounts."""
        codes, uniques = pd.factorize(
            np.concatenate([np.asarray(src, dtype=object), np.asarray(dst, dtype=object)])
        )
        with self._key_lock:
            ids = self.ensure_ids(con, uniques)
            lookup = np.fromiter((ids[k] for k in uniques), dtype=np.int64, count=len(uniques))
        mapped = lookup[codes]
        return mapped[: len(src)], mapped[len(src) :]

    # rows (inside a write transaction) ---------------------------------------------
    def write_accounts(self, con: sqlite3.Connection, accounts: Sequence[Account]) -> int:
        """Upsert accounts inside ``con``'s transaction; return how many were new."""
        rows = [account_row(a) for a in accounts]
        if not rows:
            return 0
        before = self.max_id(con)
        self.ensure_ids(con, (r["key"] for r in rows))
        con.executemany(
            """UPDATE accounts SET
                   name = COALESCE(:name, name),
                   kind = COALESCE(:kind, kind),
                   followers = COALESCE(:followers, followers),
                   cost = COALESCE(:cost, cost)
               WHERE key = :key""",
            rows,
        )
        return self.max_id(con) - before

    def write_follows(self, con: sqlite3.Connection, src: Sequence[str], dst: Sequence[str]) -> int:
        """Insert follow edges inside ``con``'s transaction; return how many were new.

        Raises
        ------
        InputError
            ``src`` and ``dst`` of different lengths, or a bad key.
        """
        if len(src) != len(dst):
            raise InputError("add_follows: src and dst have different lengths")
        if not len(src):
            return 0
        s, d = self._map_ids(con, src, dst)
        order = np.lexsort((d, s))  # index order keeps B-tree inserts local
        before = con.total_changes
        con.executemany(
            "INSERT OR IGNORE INTO follows(src, dst) VALUES (?, ?)",
            zip(s[order].tolist(), d[order].tolist(), strict=True),
        )
        return con.total_changes - before

    def write_reposts(self, con: sqlite3.Connection, batch: RepostBatch) -> int:
        """Insert repost edges inside ``con``'s transaction; return how many were new."""
        if not len(batch):
            return 0
        s, d = self._map_ids(con, batch.src, batch.dst)
        t = batch.ts
        order = np.lexsort((t, d, s)).tolist()  # index order keeps B-tree inserts local
        s_l, d_l, t_l = s.tolist(), d.tolist(), t.tolist()
        p_l, a_l, w_l = batch.post_id.tolist(), batch.action.tolist(), batch.weight.tolist()
        before = con.total_changes
        con.executemany(
            "INSERT OR IGNORE INTO reposts(src, dst, post_id, ts, action, weight) "
            "VALUES (?,?,?,?,?,?)",
            ((s_l[i], d_l[i], p_l[i], t_l[i], a_l[i], w_l[i]) for i in order),
        )
        return con.total_changes - before
