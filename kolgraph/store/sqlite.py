"""The embedded default store: one SQLite file in WAL mode plus a columnar snapshot.

Layout
------
``accounts`` holds one row per account; its integer ``id`` is the dense node
index plus one (ids are assigned contiguously and never deleted). ``follows``
and ``reposts`` are rowid tables with unique indexes, so an ``INSERT OR
IGNORE`` of an existing edge is a no-op and every new edge gets a rowid larger
than all before it. That makes the columnar snapshot incremental: the
snapshot records the largest rowids it covers and a refresh appends only the
rows above them.

Snapshot
--------
``<db>.snapshot/<follow_rowid>-<repost_rowid>-<epoch>/`` holds ``.npy`` arrays
of the edges. It is built in a temporary directory and renamed into place
(atomic), so a concurrent reader either sees a complete snapshot or builds its
own. Loading a current snapshot is a handful of ``np.load`` calls. The epoch
starts at a random number when the database is created and goes up by one on
every :meth:`~SQLiteStore.clear`, so a snapshot left behind by a deleted or
cleared database is never mistaken for one of the current edges.

Concurrency
-----------
WAL mode lets readers (the API) keep reading while one writer (an import or a
rank job) writes. Rank results are written under their run id with status
``running``; :meth:`publish_run` flips the ``current_run`` pointer in one
transaction, so readers switch from the old run to the complete new run at
once.
"""

from __future__ import annotations

import itertools
import json
import os
import secrets
import shutil
import sqlite3
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from kolgraph.errors import InputError, NotFound, StoreError
from kolgraph.model import Account, EdgeType, Kind, split_key
from kolgraph.store.base import (
    AccountQuery,
    AccountRecord,
    CommunityRecord,
    GraphArrays,
    OverlapRecord,
    PlanRecord,
    RunInfo,
    RunResults,
    Store,
    StoreCounts,
    aligned_scores,
    check_reposts,
    community_rows,
    extra_score_columns,
)
from kolgraph.store.sqlite_crawl import SQLiteCrawlState

__all__ = ["SQLiteStore"]

SCHEMA_VERSION = 4

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS accounts (
    id         INTEGER PRIMARY KEY,
    key        TEXT NOT NULL UNIQUE,
    platform   TEXT NOT NULL,
    account_id TEXT NOT NULL,
    name       TEXT NOT NULL DEFAULT '',
    kind       TEXT NOT NULL DEFAULT 'user' CHECK (kind IN ('kol','media','own','user')),
    followers  INTEGER,
    cost       REAL
);
CREATE TABLE IF NOT EXISTS follows (
    src INTEGER NOT NULL,
    dst INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS follows_pair ON follows(src, dst);
CREATE TABLE IF NOT EXISTS reposts (
    src     INTEGER NOT NULL,
    dst     INTEGER NOT NULL,
    post_id TEXT NOT NULL DEFAULT '',
    ts      INTEGER NOT NULL DEFAULT 0,
    action  TEXT NOT NULL DEFAULT 'repost',
    weight  REAL NOT NULL DEFAULT 1.0
);
CREATE UNIQUE INDEX IF NOT EXISTS reposts_edge ON reposts(src, dst, post_id, ts, action);
CREATE TABLE IF NOT EXISTS runs (
    id       TEXT PRIMARY KEY,
    status   TEXT NOT NULL,
    started  REAL NOT NULL,
    finished REAL,
    params   TEXT NOT NULL DEFAULT '{}',
    counts   TEXT NOT NULL DEFAULT '{}',
    timings  TEXT NOT NULL DEFAULT '{}',
    quality  TEXT NOT NULL DEFAULT '{}',
    error    TEXT
);
CREATE TABLE IF NOT EXISTS scores (
    run_id    TEXT NOT NULL,
    account   INTEGER NOT NULL,
    pagerank  REAL NOT NULL,
    community INTEGER,
    audience  INTEGER,
    tier      TEXT,
    engagement REAL,
    anomaly    REAL,
    spread     REAL,
    flags      TEXT,
    PRIMARY KEY (run_id, account)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS scores_rank ON scores(run_id, pagerank DESC);
CREATE INDEX IF NOT EXISTS scores_community ON scores(run_id, community);
CREATE TABLE IF NOT EXISTS communities (
    run_id         TEXT NOT NULL,
    community      INTEGER NOT NULL,
    size           INTEGER NOT NULL,
    internal_edges INTEGER NOT NULL,
    top            TEXT NOT NULL,
    external_edges INTEGER,
    density        REAL NOT NULL DEFAULT 0,
    bridges        TEXT,
    PRIMARY KEY (run_id, community)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS artifacts (
    run_id TEXT NOT NULL,
    name   TEXT NOT NULL,
    data   BLOB NOT NULL,
    PRIMARY KEY (run_id, name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS overlaps (
    run_id  TEXT NOT NULL,
    a       INTEGER NOT NULL,
    b       INTEGER NOT NULL,
    shared  INTEGER NOT NULL,
    jaccard REAL NOT NULL,
    PRIMARY KEY (run_id, a, b)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS plans (
    id         TEXT PRIMARY KEY,
    run_id     TEXT,
    created    REAL NOT NULL,
    params     TEXT NOT NULL,
    body       TEXT NOT NULL,
    evaluation TEXT
);
"""

#: In-place upgrades: statements that take a store from schema version ``key`` to the next.
_UPGRADES: dict[str, tuple[str, ...]] = {
    # v1 → v2: extra score columns and run artifacts
    "1": (
        *(
            f"ALTER TABLE scores ADD COLUMN {c}"
            for c in ("engagement REAL", "anomaly REAL", "spread REAL", "flags TEXT")
        ),
        "CREATE TABLE IF NOT EXISTS artifacts (run_id TEXT NOT NULL, name TEXT NOT NULL,"
        " data BLOB NOT NULL, PRIMARY KEY (run_id, name)) WITHOUT ROWID",
    ),
    # v2 → v3: external edges, density and bridge accounts of communities. Runs ranked
    # before keep NULL external edges and bridges (unknown); their density is derived.
    "2": (
        "ALTER TABLE communities ADD COLUMN external_edges INTEGER",
        "ALTER TABLE communities ADD COLUMN density REAL NOT NULL DEFAULT 0",
        "ALTER TABLE communities ADD COLUMN bridges TEXT",
        "UPDATE communities SET density = MIN(1.0, internal_edges * 1.0 / (size * (size - 1))) "
        "WHERE size >= 2",
    ),
    # v3 → v4: plans kept for later evaluation
    "3": (
        """CREATE TABLE IF NOT EXISTS plans (
    id         TEXT PRIMARY KEY,
    run_id     TEXT,
    created    REAL NOT NULL,
    params     TEXT NOT NULL,
    body       TEXT NOT NULL,
    evaluation TEXT
);""",
    ),
}

#: Score rows built per batch in :meth:`SQLiteStore.write_results` (all in one transaction).
_SCORE_CHUNK = 100_000
_SNAP_FILES = ("follow_src", "follow_dst", "repost_src", "repost_dst", "repost_ts", "repost_weight")
_SORT_SQL = {
    "pagerank": "s.pagerank",
    "followers": "a.followers",
    "audience": "s.audience",
    "cost": "a.cost",
    "key": "a.key",
}


def _decode_flags(df: pd.DataFrame) -> pd.DataFrame:
    if "flags" in df:
        df["flags"] = [json.loads(f) if isinstance(f, str) else None for f in df["flags"]]
    return df


class SQLiteStore(Store, SQLiteCrawlState):
    """Embedded store in one SQLite file (WAL) with a columnar edge snapshot.

    Parameters
    ----------
    path
        Database file; created with its schema when missing.
    keep_runs
        How many published runs to keep; older runs' results are pruned when a
        new run is published.
    """

    name = "sqlite"

    def __init__(self, path: str | os.PathLike[str], *, keep_runs: int = 5) -> None:
        self.path = Path(path)
        self.keep_runs = keep_runs
        self._local = threading.local()
        self._key_cache: dict[str, int] = {}
        self._key_cache_max = 0
        self._key_cache_epoch: str | None = None
        self._key_lock = threading.RLock()  # the key cache is shared by this store's threads
        if self.path.parent and not self.path.parent.exists():
            raise StoreError(
                f"directory {self.path.parent} for the database does not exist",
                hint="create it, or point --db / KOLGRAPH_DB at an existing directory",
            )
        try:
            self._init_schema(self._con())
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

    def _init_schema(self, con: sqlite3.Connection) -> None:
        """Create the schema if it is missing; an existing store is opened without locking.

        Only a new database takes the write lock (to create its tables), so opening
        a store never waits for a writer that is busy with an import or a rank run.
        """
        try:
            row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        except sqlite3.OperationalError as exc:
            if "no such table" not in str(exc):
                raise
            row = None
        if row is None:
            epoch = secrets.randbelow(1 << 48)  # see "Snapshot" in the module docstring
            con.executescript(
                "BEGIN IMMEDIATE;" + _SCHEMA + "INSERT OR IGNORE INTO meta(key, value) VALUES "
                f"('schema_version', '{SCHEMA_VERSION}'), ('epoch', '{epoch}');"
                "COMMIT;"
            )
        elif str(row[0]) in _UPGRADES:
            self._upgrade(con)
        elif str(row[0]) != str(SCHEMA_VERSION):
            raise StoreError(
                f"{self.path} has kolgraph schema version {row[0]}; this kolgraph reads "
                f"version {SCHEMA_VERSION}",
                hint="open it with the kolgraph version that wrote it, or import into a new file",
            )

    def _upgrade(self, con: sqlite3.Connection) -> None:
        """Bring an older schema up to :data:`SCHEMA_VERSION` in place, in one transaction.

        The version is read again under the write lock: another process may have
        upgraded the file meanwhile.
        """
        con.execute("BEGIN IMMEDIATE")
        try:
            version = str(
                con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]
            )
            while version in _UPGRADES:
                for statement in _UPGRADES[version]:
                    con.execute(statement)
                version = str(int(version) + 1)
            con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (version,))
        except BaseException:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")

    # connections -------------------------------------------------------------
    @property
    def snapshot_dir(self) -> Path:
        return self.path.with_name(self.path.name + ".snapshot")

    def _con(self) -> sqlite3.Connection:
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
        con: sqlite3.Connection | None = getattr(self._local, "con", None)
        if con is not None:
            con.close()
            self._local.con = None

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (``BEGIN IMMEDIATE``): all or nothing."""
        con = self._con()
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
            self._reset_keys()  # the cache may hold ids of accounts that were rolled back
            raise
        else:
            con.execute("COMMIT")

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: one consistent view across several queries."""
        con = self._con()
        con.execute("BEGIN")
        try:
            yield con
        finally:
            con.execute("COMMIT")

    def clear(self) -> None:
        with self._write() as con:
            for table in (
                "plans",
                "artifacts",
                "overlaps",
                "communities",
                "scores",
                "runs",
                "reposts",
                "follows",
            ):
                con.execute(f"DELETE FROM {table}")
            self._crawl_schema(con)
            con.execute("DELETE FROM crawl_tasks")
            con.execute("DELETE FROM crawls")
            con.execute("DELETE FROM accounts")
            con.execute("DELETE FROM meta WHERE key = 'current_run'")
            con.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'epoch'")
        self._reset_keys()
        shutil.rmtree(self.snapshot_dir, ignore_errors=True)

    # key → id ------------------------------------------------------------------
    def _reset_keys(self) -> None:
        self._key_cache.clear()
        self._key_cache_max = 0
        self._key_cache_epoch = None

    def _refresh_keys(self, con: sqlite3.Connection) -> None:
        with self._key_lock:
            self._refresh_keys_locked(con)

    def _refresh_keys_locked(self, con: sqlite3.Connection) -> None:
        epoch = con.execute("SELECT value FROM meta WHERE key = 'epoch'").fetchone()
        epoch = None if epoch is None else str(epoch[0])
        if epoch != self._key_cache_epoch:  # cleared (maybe by another process): ids were reused
            self._reset_keys()
            self._key_cache_epoch = epoch
        rows = con.execute(
            "SELECT key, id FROM accounts WHERE id > ? ORDER BY id", (self._key_cache_max,)
        ).fetchall()
        if rows:
            self._key_cache.update(rows)
            self._key_cache_max = rows[-1][1]
        elif self._key_cache_max and self._max_id(con) < self._key_cache_max:
            # ids the cache knows are gone: start again from the database
            self._reset_keys()
            self._refresh_keys_locked(con)

    @staticmethod
    def _max_id(con: sqlite3.Connection) -> int:
        return int(con.execute("SELECT COALESCE(MAX(id), 0) FROM accounts").fetchone()[0])

    def _ensure_ids(self, con: sqlite3.Connection, keys: Iterable[str]) -> dict[str, int]:
        """Ids for ``keys``, creating ``user`` accounts for unknown keys (in ``con``'s txn)."""
        with self._key_lock:
            self._refresh_keys(con)
            cache = self._key_cache
            missing = sorted(k for k in dict.fromkeys(keys) if k not in cache)
            if missing:
                next_id = self._max_id(con) + 1
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
        self, con: sqlite3.Connection, src: Sequence[str], dst: Sequence[str]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Account ids of two key columns, creating missing accounts."""
        codes, uniques = pd.factorize(
            np.concatenate([np.asarray(src, dtype=object), np.asarray(dst, dtype=object)])
        )
        with self._key_lock:
            ids = self._ensure_ids(con, uniques)
            lookup = np.fromiter((ids[k] for k in uniques), dtype=np.int64, count=len(uniques))
        mapped = lookup[codes]
        return mapped[: len(src)], mapped[len(src) :]

    # writes --------------------------------------------------------------------
    def upsert_accounts(self, accounts: Iterable[Account]) -> int:
        items = list(accounts)
        if not items:
            return 0
        with self._write() as con:
            return self._write_accounts(con, items)

    def _write_accounts(self, con: sqlite3.Connection, accounts: Sequence[Account]) -> int:
        """Upsert accounts inside ``con``'s transaction; return how many were new."""
        rows = [
            (
                a.key,
                a.platform,
                a.account_id,
                a.name or None,
                a.kind.value if a.kind is not Kind.USER else None,
                a.followers,
                a.cost,
            )
            for a in accounts
        ]
        if not rows:
            return 0
        before = self._max_id(con)
        self._ensure_ids(con, (r[0] for r in rows))
        con.executemany(
            """UPDATE accounts SET
                   name = COALESCE(?2, name),
                   kind = COALESCE(?3, kind),
                   followers = COALESCE(?4, followers),
                   cost = COALESCE(?5, cost)
               WHERE key = ?1""",
            [(r[0], r[3], r[4], r[5], r[6]) for r in rows],
        )
        return self._max_id(con) - before

    def add_follows(self, src: Sequence[str], dst: Sequence[str]) -> int:
        if len(src) != len(dst):
            raise InputError("add_follows: src and dst have different lengths")
        if not len(src):
            return 0
        with self._write() as con:
            return self._write_follows(con, src, dst)

    def _write_follows(
        self, con: sqlite3.Connection, src: Sequence[str], dst: Sequence[str]
    ) -> int:
        """Insert follow edges inside ``con``'s transaction; return how many were new."""
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

    def add_reposts(
        self,
        src: Sequence[str],
        dst: Sequence[str],
        post_id: Sequence[str],
        ts: Sequence[int],
        action: Sequence[str],
        weight: Sequence[float] | None = None,
    ) -> int:
        check_reposts(src, dst, post_id, ts, action, weight)
        if not len(src):
            return 0
        with self._write() as con:
            return self._write_reposts(con, src, dst, post_id, ts, action, weight)

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
        """Insert repost edges inside ``con``'s transaction; return how many were new."""
        t, w_l = check_reposts(src, dst, post_id, ts, action, weight)
        if not len(src):
            return 0
        s, d = self._map_ids(con, src, dst)
        order = np.lexsort((t, d, s)).tolist()  # index order keeps B-tree inserts local
        s_l, d_l, t_l = s.tolist(), d.tolist(), t.tolist()
        before = con.total_changes
        con.executemany(
            "INSERT OR IGNORE INTO reposts(src, dst, post_id, ts, action, weight) "
            "VALUES (?,?,?,?,?,?)",
            ((s_l[i], d_l[i], post_id[i], t_l[i], action[i], w_l[i]) for i in order),
        )
        return con.total_changes - before

    # reads for jobs --------------------------------------------------------------
    def counts(self) -> StoreCounts:
        with self._read() as con:
            a = self._max_id(con)
            f = con.execute("SELECT COALESCE(MAX(rowid), 0) FROM follows").fetchone()[0]
            r = con.execute("SELECT COALESCE(MAX(rowid), 0) FROM reposts").fetchone()[0]
            # rowids are exact counts while nothing is deleted; verify cheaply otherwise
            if f:
                f = con.execute("SELECT COUNT(*) FROM follows").fetchone()[0]
            if r:
                r = con.execute("SELECT COUNT(*) FROM reposts").fetchone()[0]
        return StoreCounts(accounts=int(a), follows=int(f), reposts=int(r))

    def _snapshot_state(self, con: sqlite3.Connection) -> tuple[int, int, int, int]:
        f = con.execute("SELECT COALESCE(MAX(rowid), 0) FROM follows").fetchone()[0]
        r = con.execute("SELECT COALESCE(MAX(rowid), 0) FROM reposts").fetchone()[0]
        epoch = con.execute("SELECT value FROM meta WHERE key = 'epoch'").fetchone()[0]
        return int(f), int(r), int(epoch), self._max_id(con)

    def graph_arrays(self) -> GraphArrays:
        """Edges as arrays, from the columnar snapshot (refreshed incrementally)."""
        with self._read() as con:
            f_max, r_max, epoch, n_nodes = self._snapshot_state(con)
            name = f"{f_max}-{r_max}-{epoch}"
            target = self.snapshot_dir / name
            if target.is_dir():
                arrays = self._load_snapshot(target)
                if arrays is not None:
                    return GraphArrays(n_nodes, *arrays)
            base = self._best_base(f_max, r_max, epoch)
            arrays = self._build_snapshot(con, base, f_max, r_max)
        self._save_snapshot(target, arrays)
        return GraphArrays(n_nodes, *arrays)

    def _best_base(
        self, f_max: int, r_max: int, epoch: int
    ) -> tuple[int, int, tuple[np.ndarray, ...]] | None:
        if not self.snapshot_dir.is_dir():
            return None
        best: tuple[int, int, Path] | None = None
        for d in self.snapshot_dir.iterdir():
            parts = d.name.split("-")
            if len(parts) != 3 or not all(p.isdigit() for p in parts):
                continue
            f, r, e = map(int, parts)
            if (
                e == epoch
                and f <= f_max
                and r <= r_max
                and (best is None or f + r > best[0] + best[1])
            ):
                best = (f, r, d)
        if best is None:
            return None
        arrays = self._load_snapshot(best[2])
        return None if arrays is None else (best[0], best[1], arrays)

    @staticmethod
    def _load_snapshot(d: Path) -> tuple[np.ndarray, ...] | None:
        try:
            return tuple(np.load(d / f"{n}.npy") for n in _SNAP_FILES)
        except (OSError, ValueError):
            return None

    @staticmethod
    def _fetch_ints(
        con: sqlite3.Connection, sql: str, args: tuple[int, ...], width: int, dtype: type
    ) -> list[np.ndarray]:
        flat = np.fromiter((v for row in con.execute(sql, args) for v in row), dtype=np.int64)
        cols = flat.reshape(-1, width)
        return [np.ascontiguousarray(cols[:, i]).astype(dtype) for i in range(width)]

    def _build_snapshot(
        self,
        con: sqlite3.Connection,
        base: tuple[int, int, tuple[np.ndarray, ...]] | None,
        f_max: int,
        r_max: int,
    ) -> tuple[np.ndarray, ...]:
        f_from, r_from = (base[0], base[1]) if base else (0, 0)
        fs, fd = self._fetch_ints(
            con,
            "SELECT src - 1, dst - 1 FROM follows WHERE rowid > ? AND rowid <= ? ORDER BY rowid",
            (f_from, f_max),
            2,
            np.int32,
        )
        rs, rd, rt = self._fetch_ints(
            con,
            "SELECT src - 1, dst - 1, ts FROM reposts "
            "WHERE rowid > ? AND rowid <= ? ORDER BY rowid",
            (r_from, r_max),
            3,
            np.int64,
        )
        rw = np.fromiter(
            (
                row[0]
                for row in con.execute(
                    "SELECT weight FROM reposts WHERE rowid > ? AND rowid <= ? ORDER BY rowid",
                    (r_from, r_max),
                )
            ),
            dtype=np.float32,
        )
        new = (fs, fd, rs.astype(np.int32), rd.astype(np.int32), rt, rw)
        if base is None:
            return new
        return tuple(np.concatenate([old, add]) for old, add in zip(base[2], new, strict=True))

    def _save_snapshot(self, target: Path, arrays: tuple[np.ndarray, ...]) -> None:
        self.snapshot_dir.mkdir(exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=self.snapshot_dir))
        try:
            for name, arr in zip(_SNAP_FILES, arrays, strict=True):
                np.save(tmp / f"{name}.npy", arr)
            try:
                tmp.rename(target)
            except OSError:  # another process published the same snapshot first
                shutil.rmtree(tmp, ignore_errors=True)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
        for d in self.snapshot_dir.iterdir():  # keep only the newest snapshot
            if d.name != target.name and not d.name.startswith(".tmp-"):
                shutil.rmtree(d, ignore_errors=True)

    def accounts_frame(self) -> pd.DataFrame:
        with self._read() as con:
            df = pd.read_sql_query(
                "SELECT key, platform, account_id, name, kind, followers, cost "
                "FROM accounts ORDER BY id",
                con,
            )
        df["followers"] = df["followers"].astype("float64")
        df["cost"] = df["cost"].astype("float64")
        return df

    def declared_followers(self) -> npt.NDArray[np.float64]:
        with self._read() as con:
            return np.fromiter(
                (
                    np.nan if v is None else v
                    for (v,) in con.execute("SELECT followers FROM accounts ORDER BY id")
                ),
                dtype=np.float64,
            )

    def iter_edges(
        self, edge_type: EdgeType, *, batch_size: int = 100_000
    ) -> Iterator[pd.DataFrame]:
        if batch_size < 1:
            raise InputError("batch_size must be at least 1")
        if edge_type is EdgeType.FOLLOW:
            sql = (
                "SELECT a.key, b.key FROM follows e JOIN accounts a ON a.id = e.src "
                "JOIN accounts b ON b.id = e.dst ORDER BY e.rowid"
            )
            cols = ["src", "dst"]
        else:
            sql = (
                "SELECT a.key, b.key, e.post_id, e.ts, e.action, e.weight FROM reposts e "
                "JOIN accounts a ON a.id = e.src JOIN accounts b ON b.id = e.dst ORDER BY e.rowid"
            )
            cols = ["src", "dst", "post_id", "ts", "action", "weight"]
        with self._read() as con:
            cur = con.execute(sql)
            while rows := cur.fetchmany(batch_size):
                yield pd.DataFrame.from_records(rows, columns=cols)

    def keys_to_index(self, keys: Sequence[str]) -> npt.NDArray[np.int64]:
        with self._read() as con, self._key_lock:
            self._refresh_keys_locked(con)
            cache = self._key_cache
            return np.array([cache.get(k, 0) - 1 for k in keys], dtype=np.int64)

    # runs --------------------------------------------------------------------
    @staticmethod
    def _run_from_row(row: sqlite3.Row | tuple[Any, ...]) -> RunInfo:
        rid, status, started, finished, params, counts, timings, quality, error = row
        return RunInfo(
            id=rid,
            status=status,
            started=started,
            finished=finished,
            params=json.loads(params),
            counts=json.loads(counts),
            timings=json.loads(timings),
            quality=json.loads(quality),
            error=error,
        )

    _RUN_COLS = "id, status, started, finished, params, counts, timings, quality, error"

    def start_run(self, run_id: str, params: dict[str, Any]) -> RunInfo:
        with self._write() as con:
            try:
                con.execute(
                    "INSERT INTO runs(id, status, started, params) VALUES (?, 'running', ?, ?)",
                    (run_id, time.time(), json.dumps(params, sort_keys=True, default=str)),
                )
            except sqlite3.IntegrityError as exc:
                raise InputError(f"run id {run_id!r} already exists") from exc
        return self.get_run(run_id)

    def write_results(self, run_id: str, results: RunResults) -> None:
        info = self.get_run(run_id)
        if info.status != "running":
            raise StoreError(f"run {run_id} is {info.status}; only a running run takes results")
        s = results.scores
        # rows are built a chunk at a time (bounded memory) and inserted in one transaction
        score_rows = itertools.chain.from_iterable(
            self._score_rows(run_id, s.iloc[i : i + _SCORE_CHUNK])
            for i in range(0, len(s), _SCORE_CHUNK)
        )
        c = results.communities
        with self._write() as con:
            for table in (
                "scores",
                "communities",
                "overlaps",
                "artifacts",
            ):  # re-writing a run is safe
                con.execute(f"DELETE FROM {table} WHERE run_id = ?", (run_id,))
            con.executemany(
                "INSERT INTO scores(run_id, account, pagerank, community, audience, tier, "
                "engagement, anomaly, spread, flags) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                score_rows,
            )
            con.executemany(
                "INSERT INTO artifacts(run_id, name, data) VALUES (?, ?, ?)",
                ((run_id, name, sqlite3.Binary(data)) for name, data in results.artifacts.items()),
            )
            if len(c):
                comm_rows = community_rows(c)
                keys = self._keys_of(
                    con, [i for row in comm_rows for i in (*row[5], *(row[6] or ()))]
                )
                con.executemany(
                    "INSERT INTO communities(run_id, community, size, internal_edges, top, "
                    "external_edges, density, bridges) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        (
                            run_id,
                            cid,
                            size,
                            internal,
                            json.dumps([keys[i] for i in top]),
                            external,
                            density,
                            None if bridges is None else json.dumps([keys[i] for i in bridges]),
                        )
                        for cid, size, internal, external, density, top, bridges in comm_rows
                    ),
                )
            o = results.overlaps
            if len(o):
                con.executemany(
                    "INSERT INTO overlaps(run_id, a, b, shared, jaccard) VALUES (?, ?, ?, ?, ?)",
                    (
                        (run_id, int(a) + 1, int(b) + 1, int(sh), float(j))
                        for a, b, sh, j in zip(
                            o["a"], o["b"], o["shared"], o["jaccard"], strict=True
                        )
                    ),
                )

    @staticmethod
    def _score_rows(run_id: str, s: pd.DataFrame) -> Iterator[tuple[Any, ...]]:
        """``scores`` table rows of ``s`` as tuples of native values, built column-wise."""
        community = s["community"]
        if pd.api.types.is_integer_dtype(community.dtype) and not isinstance(
            community.dtype, pd.api.extensions.ExtensionDtype
        ):
            community_col = community.to_numpy().tolist()
        else:  # nullable or float: None for missing
            community_col = (
                community.astype("Int64").astype(object).where(community.notna(), None).tolist()
            )
        engagement, anomaly, spread, flags = extra_score_columns(s)
        return zip(
            itertools.repeat(run_id, len(s)),
            (s["index"].to_numpy() + 1).tolist(),
            s["pagerank"].astype(float).tolist(),
            community_col,
            s["audience"].astype(int).tolist(),
            s["tier"].tolist(),
            engagement,
            anomaly,
            spread,
            [None if f is None else json.dumps(f) for f in flags],
            strict=True,
        )

    @staticmethod
    def _keys_of(con: sqlite3.Connection, indices: Iterable[int]) -> dict[int, str]:
        """Keys of the accounts at the dense ``indices`` (only those are read)."""
        ids = sorted({int(i) + 1 for i in indices})
        keys: dict[int, str] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for aid, key in con.execute(
                f"SELECT id, key FROM accounts WHERE id IN ({marks})", chunk
            ):
                keys[aid - 1] = key
        return keys

    def publish_run(
        self,
        run_id: str,
        *,
        counts: dict[str, int],
        timings: dict[str, float],
        quality: dict[str, float],
    ) -> RunInfo:
        with self._write() as con:
            row = con.execute("SELECT status FROM runs WHERE id = ?", (run_id,)).fetchone()
            if row is None:
                raise NotFound(f"no run {run_id!r}")
            if row[0] != "running":
                raise StoreError(f"run {run_id} is {row[0]}; only a running run can be published")
            con.execute("UPDATE runs SET status = 'superseded' WHERE status = 'published'")
            con.execute(
                "UPDATE runs SET status = 'published', finished = ?, counts = ?, timings = ?, "
                "quality = ? WHERE id = ?",
                (time.time(), json.dumps(counts), json.dumps(timings), json.dumps(quality), run_id),
            )
            con.execute(
                "INSERT INTO meta(key, value) VALUES ('current_run', ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (run_id,),
            )
        self._prune_runs()
        return self.get_run(run_id)

    def _prune_runs(self) -> None:
        """Delete results of all but the ``keep_runs`` latest published runs (never the current)."""
        with self._write() as con:
            current = self._current_run_id(con)
            old = [
                r[0]
                for r in con.execute(
                    "SELECT id FROM runs WHERE status IN ('published', 'superseded') "
                    "AND id IS NOT ? ORDER BY finished DESC, started DESC LIMIT -1 OFFSET ?",
                    (current, max(self.keep_runs - 1, 0)),
                )
            ]
            old += [r[0] for r in con.execute("SELECT id FROM runs WHERE status = 'failed'")]
            for rid in old:
                for table in ("scores", "communities", "overlaps", "artifacts"):
                    con.execute(f"DELETE FROM {table} WHERE run_id = ?", (rid,))

    def fail_run(self, run_id: str, error: str) -> None:
        """Mark a running run failed and drop its results.

        A run that is no longer running (already published, superseded or
        failed) is left as it is: a job that fails after publishing must not
        take the current run's results away.
        """
        with self._write() as con:
            cur = con.execute(
                "UPDATE runs SET status = 'failed', finished = ?, error = ? "
                "WHERE id = ? AND status = 'running'",
                (time.time(), error, run_id),
            )
            if cur.rowcount == 0:
                return
            for table in ("scores", "communities", "overlaps", "artifacts"):
                con.execute(f"DELETE FROM {table} WHERE run_id = ?", (run_id,))

    def _current_run_id(self, con: sqlite3.Connection) -> str | None:
        row = con.execute("SELECT value FROM meta WHERE key = 'current_run'").fetchone()
        return None if row is None else str(row[0])

    def current_run(self) -> RunInfo | None:
        with self._read() as con:
            rid = self._current_run_id(con)
        return None if rid is None else self.get_run(rid)

    def get_run(self, run_id: str) -> RunInfo:
        row = (
            self._con()
            .execute(f"SELECT {self._RUN_COLS} FROM runs WHERE id = ?", (run_id,))
            .fetchone()
        )
        if row is None:
            raise NotFound(f"no rank run {run_id!r}", hint="list runs with `kolgraph runs`")
        return self._run_from_row(row)

    def list_runs(self, limit: int = 20) -> list[RunInfo]:
        rows = (
            self._con()
            .execute(
                f"SELECT {self._RUN_COLS} FROM runs ORDER BY started DESC, rowid DESC LIMIT ?",
                (limit,),
            )
            .fetchall()
        )
        return [self._run_from_row(r) for r in rows]

    # reads for users ---------------------------------------------------------------
    _ACCOUNT_COLS = (
        "a.key, a.platform, a.account_id, a.name, a.kind, a.followers, a.cost, "
        "s.pagerank, s.community, s.audience, s.tier, s.engagement, s.anomaly, s.spread, s.flags"
    )

    @staticmethod
    def _record(row: tuple[Any, ...], run_id: str | None) -> AccountRecord:
        return AccountRecord(
            key=row[0],
            platform=row[1],
            account_id=row[2],
            name=row[3],
            kind=Kind(row[4]),
            followers=row[5],
            cost=row[6],
            pagerank=row[7],
            community=row[8],
            audience=row[9],
            tier=row[10],
            run_id=run_id if row[7] is not None else None,
            engagement=row[11],
            anomaly=row[12],
            spread=row[13],
            flags=tuple(json.loads(row[14])) if row[14] else (),
        )

    def get_account(self, key: str) -> AccountRecord:
        with self._read() as con:
            rid = self._current_run_id(con)
            row = con.execute(
                f"SELECT {self._ACCOUNT_COLS} FROM accounts a "
                "LEFT JOIN scores s ON s.account = a.id AND s.run_id = ? WHERE a.key = ?",
                (rid, key),
            ).fetchone()
        if row is None:
            raise NotFound(
                f"no account {key!r}",
                hint="keys look like 'platform:id'; list accounts to find one",
            )
        return self._record(row, rid)

    def list_accounts(self, query: AccountQuery) -> tuple[list[AccountRecord], int]:
        where: list[str] = []
        args: list[str | int] = []
        if query.kind is not None:
            where.append("a.kind = ?")
            args.append(query.kind.value)
        if query.platform is not None:
            where.append("a.platform = ?")
            args.append(query.platform)
        if query.community is not None:
            where.append("s.community = ?")
            args.append(query.community)
        cond = ("WHERE " + " AND ".join(where)) if where else ""
        order = _SORT_SQL[query.sort]
        direction = "DESC" if query.descending else "ASC"
        with self._read() as con:
            rid = self._current_run_id(con)
            base = "FROM accounts a LEFT JOIN scores s ON s.account = a.id AND s.run_id = ? " + cond
            total = con.execute(f"SELECT COUNT(*) {base}", (rid, *args)).fetchone()[0]
            rows = con.execute(
                f"SELECT {self._ACCOUNT_COLS} {base} "
                f"ORDER BY {order} IS NULL, {order} {direction}, a.id LIMIT ? OFFSET ?",
                (rid, *args, query.limit, query.offset),
            ).fetchall()
        return [self._record(r, rid) for r in rows], int(total)

    def list_communities(
        self, limit: int = 100, offset: int = 0
    ) -> tuple[list[CommunityRecord], int]:
        with self._read() as con:
            rid = self._current_run_id(con)
            if rid is None:
                return [], 0
            total = con.execute(
                "SELECT COUNT(*) FROM communities WHERE run_id = ?", (rid,)
            ).fetchone()[0]
            rows = con.execute(
                "SELECT community, size, internal_edges, top, external_edges, density, bridges "
                "FROM communities WHERE run_id = ? ORDER BY size DESC, community LIMIT ? OFFSET ?",
                (rid, limit, offset),
            ).fetchall()
        return [
            CommunityRecord(
                community=r[0],
                size=r[1],
                internal_edges=r[2],
                top=json.loads(r[3]),
                run_id=rid,
                external_edges=r[4],
                density=float(r[5]),
                bridges=None if r[6] is None else json.loads(r[6]),
            )
            for r in rows
        ], int(total)

    def current_scores(self) -> pd.DataFrame:
        with self._read() as con:
            rid = self._current_run_id(con)
            n = self._max_id(con) if rid is not None else 0  # no current run: empty frame
            df = pd.read_sql_query(
                "SELECT account - 1 AS idx, pagerank, community, audience, tier, engagement, "
                "anomaly, spread, flags FROM scores "
                "WHERE run_id = ?",
                con,
                params=(rid or "",),
            )
        return aligned_scores(n, _decode_flags(df))

    def run_scores(self, run_id: str) -> pd.DataFrame:
        info = self.get_run(run_id)
        with self._read() as con:
            n = self._max_id(con)
            df = pd.read_sql_query(
                "SELECT account - 1 AS idx, pagerank, community, audience, tier, engagement, "
                "anomaly, spread, flags FROM scores "
                "WHERE run_id = ?",
                con,
                params=(run_id,),
            )
        if df.empty and info.counts.get("accounts", 0) > 0:
            raise NotFound(
                f"the scores of run {run_id} ({info.status}) are no longer kept",
                hint=f"the store keeps the last {self.keep_runs} published runs",
            )
        return aligned_scores(n, _decode_flags(df))

    def run_artifact(self, run_id: str, name: str) -> bytes:
        self.get_run(run_id)
        row = (
            self._con()
            .execute("SELECT data FROM artifacts WHERE run_id = ? AND name = ?", (run_id, name))
            .fetchone()
        )
        if row is None:
            raise NotFound(f"run {run_id} has no artifact {name!r}")
        return bytes(row[0])

    def overlaps(self, keys: Sequence[str]) -> list[OverlapRecord]:
        idx = self.keys_to_index(keys)
        ids = [int(i) + 1 for i in idx if i >= 0]
        if len(ids) < 2:
            return []
        marks = ",".join("?" * len(ids))
        with self._read() as con:
            rid = self._current_run_id(con)
            rows = con.execute(
                "SELECT ka.key, kb.key, o.shared, o.jaccard FROM overlaps o "
                "JOIN accounts ka ON ka.id = o.a JOIN accounts kb ON kb.id = o.b "
                f"WHERE o.run_id = ? AND o.a IN ({marks}) AND o.b IN ({marks})",
                (rid, *ids, *ids),
            ).fetchall()
        return [OverlapRecord(a=r[0], b=r[1], shared=r[2], jaccard=r[3]) for r in rows]

    # plans ------------------------------------------------------------------------------
    _PLAN_COLS = "id, run_id, created, params, body, evaluation"

    @staticmethod
    def _plan(row: Sequence[Any]) -> PlanRecord:
        return PlanRecord(
            id=row[0],
            run_id=row[1],
            created=float(row[2]),
            params=json.loads(row[3]),
            body=json.loads(row[4]),
            evaluation=None if row[5] is None else json.loads(row[5]),
        )

    def save_plan(self, record: PlanRecord) -> None:
        with self._write() as con:
            con.execute(
                f"INSERT OR REPLACE INTO plans ({self._PLAN_COLS}) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    record.id,
                    record.run_id,
                    record.created,
                    json.dumps(record.params),
                    json.dumps(record.body),
                    None if record.evaluation is None else json.dumps(record.evaluation),
                ),
            )

    def get_plan(self, plan_id: str) -> PlanRecord:
        row = (
            self._con()
            .execute(f"SELECT {self._PLAN_COLS} FROM plans WHERE id = ?", (plan_id,))
            .fetchone()
        )
        if row is None:
            raise NotFound(
                f"no plan with id {plan_id!r}", hint="`kolgraph plans` lists the kept plans"
            )
        return self._plan(row)

    def list_plans(self, limit: int = 20) -> list[PlanRecord]:
        rows = (
            self._con()
            .execute(
                f"SELECT {self._PLAN_COLS} FROM plans ORDER BY created DESC, id DESC LIMIT ?",
                (int(limit),),
            )
            .fetchall()
        )
        return [self._plan(r) for r in rows]
