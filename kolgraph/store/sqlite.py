"""The embedded default store: one SQLite file in WAL mode plus a columnar edge snapshot.

:class:`SQLiteStore` puts together the parts that live in their own modules:

- :mod:`~kolgraph.store.sqlite_schema`: tables and in-place upgrades;
- :mod:`~kolgraph.store.sqlite_db`: connections, transactions, the account
  key → id cache and the edge row writers (shared with the crawl state);
- :mod:`~kolgraph.store.sqlite_snapshot`: the ``.npy`` edge snapshot behind
  :meth:`SQLiteStore.graph_arrays`, refreshed incrementally;
- :mod:`~kolgraph.store.sqlite_runs`: rank runs, their results and plans;
- :mod:`~kolgraph.store.sqlite_read`: accounts, communities, scores and overlaps;
- :mod:`~kolgraph.store.sqlite_crawl`: the crawl state (:attr:`SQLiteStore.crawl`).

Concurrency
-----------
WAL mode lets readers (the API) keep reading while one writer (an import or a
rank job) writes. Rank results are written under their run id with status
``running``; :meth:`SQLiteStore.publish_run` flips the ``current_run`` pointer
in one transaction, so readers switch from the old run to the complete new run
at once.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from kolgraph.errors import InputError
from kolgraph.model import Account, EdgeType
from kolgraph.store import sqlite_read as read
from kolgraph.store import sqlite_runs as runs
from kolgraph.store.base import Store, StoreCounts
from kolgraph.store.rows import not_running, scores_not_kept
from kolgraph.store.scores import aligned_scores
from kolgraph.store.sqlite_alerts import SQLiteAlertState
from kolgraph.store.sqlite_crawl import SQLiteCrawlState
from kolgraph.store.sqlite_db import SQLiteDatabase
from kolgraph.store.sqlite_jobs import SQLiteJobState
from kolgraph.store.sqlite_keys import SQLiteKeyState
from kolgraph.store.sqlite_listen import SQLiteListenState
from kolgraph.store.sqlite_snapshot import EdgeSnapshot

if TYPE_CHECKING:
    from kolgraph.store.alertstate import AlertState
    from kolgraph.store.base import (
        AccountQuery,
        AccountRecord,
        CommunityRecord,
        GraphArrays,
        OverlapRecord,
        PlanRecord,
        RunInfo,
        RunResults,
        RunSummary,
    )
    from kolgraph.store.batches import RepostBatch
    from kolgraph.store.crawlstate import CrawlState
    from kolgraph.store.jobstate import JobState
    from kolgraph.store.keystate import KeyState
    from kolgraph.store.listenstate import ListenState

__all__ = ["SQLiteStore"]

#: Tables :meth:`SQLiteStore.clear` empties, children first.
_TABLES = ("plans", "artifacts", "overlaps", "communities", "scores", "runs", "reposts", "follows")


class SQLiteStore(Store):
    """Embedded store in one SQLite file (WAL) with a columnar edge snapshot.

    Parameters
    ----------
    path
        Database file; created with its schema when missing.
    keep_runs
        How many published runs to keep; older runs' results are pruned when a
        new run is published.

    Raises
    ------
    StoreError
        If the file cannot be used (see :class:`~kolgraph.store.sqlite_db.SQLiteDatabase`).
    """

    name = "sqlite"

    def __init__(self, path: str | os.PathLike[str], *, keep_runs: int = 5) -> None:
        self.path = Path(path)
        self.keep_runs = keep_runs
        self._db = SQLiteDatabase(self.path)
        self.snapshot = EdgeSnapshot(self._db, self.snapshot_dir)
        self._crawl = SQLiteCrawlState(self._db)
        self._jobs = SQLiteJobState(self._db)
        self._keys = SQLiteKeyState(self._db)
        self._listening = SQLiteListenState(self._db)
        self._alerts = SQLiteAlertState(self._db)

    @property
    def snapshot_dir(self) -> Path:
        """Where the columnar snapshot is kept: ``<db>.snapshot`` beside the file."""
        return self.path.with_name(self.path.name + ".snapshot")

    @property
    def location(self) -> str:
        return str(self.path)

    @property
    def crawl(self) -> CrawlState:
        return self._crawl

    @property
    def keys(self) -> KeyState:
        return self._keys

    @property
    def jobs(self) -> JobState:
        return self._jobs

    @property
    def listening(self) -> ListenState:
        return self._listening

    @property
    def alerts(self) -> AlertState:
        return self._alerts

    def close(self) -> None:
        """Close this thread's connection (another thread's stays open)."""
        self._db.close()

    def clear(self) -> None:
        with self._db.write() as con:
            for table in _TABLES:
                con.execute(f"DELETE FROM {table}")
            self._crawl.clear_in(con)
            self._jobs.clear_in(con)
            self._listening.clear_in(con)
            self._alerts.clear_in(con)
            con.execute("DELETE FROM accounts")
            con.execute("DELETE FROM meta WHERE key = 'current_run'")
            con.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'epoch'")
        self._db.reset_keys()
        self.snapshot.clear()

    # writes ------------------------------------------------------------------------
    def upsert_accounts(self, accounts: Iterable[Account]) -> int:
        items = list(accounts)
        if not items:
            return 0
        with self._db.write() as con:
            return self._db.write_accounts(con, items)

    def add_follows(self, src: Sequence[str], dst: Sequence[str]) -> int:
        if len(src) != len(dst):
            raise InputError("add_follows: src and dst have different lengths")
        if not len(src):
            return 0
        with self._db.write() as con:
            return self._db.write_follows(con, src, dst)

    def add_reposts(self, batch: RepostBatch) -> int:
        if not len(batch):
            return 0
        with self._db.write() as con:
            return self._db.write_reposts(con, batch)

    # reads for jobs ----------------------------------------------------------------
    def counts(self) -> StoreCounts:
        with self._db.read() as con:
            a = self._db.max_id(con)
            f = con.execute("SELECT COALESCE(MAX(rowid), 0) FROM follows").fetchone()[0]
            r = con.execute("SELECT COALESCE(MAX(rowid), 0) FROM reposts").fetchone()[0]
            # rowids are exact counts while nothing is deleted; verify cheaply otherwise
            if f:
                f = con.execute("SELECT COUNT(*) FROM follows").fetchone()[0]
            if r:
                r = con.execute("SELECT COUNT(*) FROM reposts").fetchone()[0]
        return StoreCounts(accounts=int(a), follows=int(f), reposts=int(r))

    def graph_arrays(self) -> GraphArrays:
        """Edges as arrays, from the columnar snapshot (refreshed incrementally)."""
        return self.snapshot.graph_arrays()

    def accounts_frame(self) -> pd.DataFrame:
        with self._db.read() as con:
            df = pd.read_sql_query(
                "SELECT key, platform, account_id, name, kind, followers, cost "
                "FROM accounts ORDER BY id",
                con,
            )
        df["followers"] = df["followers"].astype("float64")
        df["cost"] = df["cost"].astype("float64")
        return df

    def declared_followers(self) -> npt.NDArray[np.float64]:
        with self._db.read() as con:
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
        with self._db.read() as con:
            cur = con.execute(sql)
            while rows := cur.fetchmany(batch_size):
                yield pd.DataFrame.from_records(rows, columns=cols)

    def keys_to_index(self, keys: Sequence[str]) -> npt.NDArray[np.int64]:
        return self._db.keys_to_index(keys)

    # runs --------------------------------------------------------------------------
    def start_run(self, run_id: str, params: dict[str, Any]) -> RunInfo:
        with self._db.write() as con:
            runs.insert_run(con, run_id, params)
        return self.get_run(run_id)

    def write_results(self, run_id: str, results: RunResults) -> None:
        info = self.get_run(run_id)
        if info.status != "running":
            raise not_running(run_id, info.status, "takes results")
        with self._db.write() as con:
            runs.write_results(con, run_id, results)

    def _publish(self, run_id: str, summary: RunSummary) -> None:
        """Make ``run_id`` current, then prune the results of runs beyond ``keep_runs``."""
        with self._db.write() as con:
            runs.publish(con, run_id, summary)
        with self._db.write() as con:
            runs.prune(con, self.keep_runs)

    def fail_run(self, run_id: str, error: str) -> None:
        """Mark a running run failed and drop its results.

        A run that is no longer running (already published, superseded or
        failed) is left as it is: a job that fails after publishing must not
        take the current run's results away.
        """
        with self._db.write() as con:
            runs.fail(con, run_id, error)

    def current_run(self) -> RunInfo | None:
        with self._db.read() as con:
            rid = runs.current_run_id(con)
        return None if rid is None else self.get_run(rid)

    def get_run(self, run_id: str) -> RunInfo:
        return runs.get_run(self._db.con(), run_id)

    def list_runs(self, limit: int = 20) -> list[RunInfo]:
        return runs.list_runs(self._db.con(), limit)

    # reads for users ---------------------------------------------------------------
    def get_account(self, key: str) -> AccountRecord:
        with self._db.read() as con:
            return read.get_account(con, runs.current_run_id(con), key)

    def list_accounts(self, query: AccountQuery) -> tuple[list[AccountRecord], int]:
        with self._db.read() as con:
            return read.list_accounts(con, runs.current_run_id(con), query)

    def list_communities(
        self, limit: int = 100, offset: int = 0
    ) -> tuple[list[CommunityRecord], int]:
        with self._db.read() as con:
            rid = runs.current_run_id(con)
            if rid is None:
                return [], 0
            return read.list_communities(con, rid, limit, offset)

    def current_scores(self) -> pd.DataFrame:
        with self._db.read() as con:
            rid = runs.current_run_id(con)
            if rid is None:  # no current run: empty frame
                return aligned_scores(0, pd.DataFrame())
            n = self._db.max_id(con)
            rows = read.scores(con, rid)
        return aligned_scores(n, rows)

    def run_scores(self, run_id: str) -> pd.DataFrame:
        info = self.get_run(run_id)
        with self._db.read() as con:
            n = self._db.max_id(con)
            rows = read.scores(con, run_id)
        if rows.empty and info.counts.get("accounts", 0) > 0:
            raise scores_not_kept(info, f"the store keeps the last {self.keep_runs} published runs")
        return aligned_scores(n, rows)

    def run_artifact(self, run_id: str, name: str) -> bytes:
        return runs.run_artifact(self._db.con(), run_id, name)

    def overlaps(self, keys: Sequence[str]) -> list[OverlapRecord]:
        ids = [int(i) + 1 for i in self.keys_to_index(keys) if i >= 0]
        if len(ids) < 2:
            return []
        with self._db.read() as con:
            return read.overlaps(con, runs.current_run_id(con), ids)

    # plans -------------------------------------------------------------------------
    def save_plan(self, record: PlanRecord) -> None:
        with self._db.write() as con:
            runs.save_plan(con, record)

    def get_plan(self, plan_id: str) -> PlanRecord:
        return runs.get_plan(self._db.con(), plan_id)

    def list_plans(self, limit: int = 20) -> list[PlanRecord]:
        return runs.list_plans(self._db.con(), limit)
