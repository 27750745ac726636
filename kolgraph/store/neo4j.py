"""The Neo4j store: the system of record, behind the same contract as the embedded store.

:class:`Neo4jStore` puts together the parts that live in their own modules
(``cypher/README.md`` describes the graph model):

- :mod:`~kolgraph.store.neo4j_db`: driver, named queries, managed transactions
  and dense account indices (shared with the crawl state);
- :mod:`~kolgraph.store.neo4j_runs`: rank runs in two score slots, published
  atomically, and plans;
- :mod:`~kolgraph.store.neo4j_read`: accounts, communities, scores and overlaps;
- :mod:`~kolgraph.store.neo4j_crawl`: the crawl state (:attr:`Neo4jStore.crawl`).

Only these modules (and the GDS engine) talk to Neo4j. Rank jobs exchange
arrays indexed by the accounts' dense ``idx``; edges leave Neo4j as parallel
lists per chunk of source accounts, never as one record per edge.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from kolgraph.errors import InputError
from kolgraph.model import Account, EdgeType
from kolgraph.settings import Settings
from kolgraph.store import neo4j_read as read
from kolgraph.store import neo4j_runs as runs
from kolgraph.store.base import GraphArrays, Store, StoreCounts
from kolgraph.store.neo4j_alerts import Neo4jAlertState
from kolgraph.store.neo4j_crawl import Neo4jCrawlState
from kolgraph.store.neo4j_db import Neo4jDatabase, repost_rows
from kolgraph.store.neo4j_jobs import Neo4jJobState
from kolgraph.store.neo4j_keys import Neo4jKeyState
from kolgraph.store.neo4j_listen import Neo4jListenState
from kolgraph.store.rows import KINDS, account_row, scores_not_kept
from kolgraph.store.scores import aligned_scores

if TYPE_CHECKING:
    from neo4j import EagerResult

    from kolgraph.store.alertstate import AlertState
    from kolgraph.store.base import (
        AccountQuery,
        AccountRecord,
        CommunityRecord,
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

__all__ = ["Neo4jStore"]

_ACCOUNT_COLUMNS = ["key", "platform", "account_id", "name", "kind", "followers", "cost"]


class Neo4jStore(Store):
    """Kolgraph store in a Neo4j 5 database (see the module docstring).

    Parameters
    ----------
    uri, user, password, database
        Connection; ``user=None`` connects without authentication.
    batch_size
        Rows per ``UNWIND $rows`` write statement.
    connect_timeout
        How long to wait for the database at start (retrying while it is unavailable).
    retry_seconds
        How long the driver retries a transaction that failed transiently.
    chunk
        Source accounts per edge-export query.

    Raises
    ------
    StoreError
        If the server refuses the credentials or is not reachable in time.
    """

    name = "neo4j"

    def __init__(
        self,
        uri: str,
        *,
        user: str | None = None,
        password: str | None = None,
        database: str = "neo4j",
        batch_size: int = 20_000,
        connect_timeout: float = 30.0,
        retry_seconds: float = 30.0,
        chunk: int = 50_000,
    ) -> None:
        self.uri = uri
        self.database = database
        self.batch_size = batch_size
        self.chunk = chunk
        self.db = Neo4jDatabase(
            uri,
            user=user,
            password=password,
            database=database,
            batch_size=batch_size,
            connect_timeout=connect_timeout,
            retry_seconds=retry_seconds,
        )
        self._crawl = Neo4jCrawlState(self.db)
        self._jobs = Neo4jJobState(self.db)
        self._keys = Neo4jKeyState(self.db)
        self._listening = Neo4jListenState(self.db)
        self._alerts = Neo4jAlertState(self.db)

    @classmethod
    def from_settings(cls, settings: Settings) -> Neo4jStore:
        """The store ``KOLGRAPH_NEO4J_*`` settings describe (:class:`InputError` without a URI)."""
        if not settings.neo4j_uri:
            raise InputError(
                "the Neo4j store needs KOLGRAPH_NEO4J_URI",
                hint="set it, e.g. KOLGRAPH_NEO4J_URI=bolt://127.0.0.1:7687",
            )
        pw = settings.neo4j_password.get_secret_value() if settings.neo4j_password else None
        return cls(
            settings.neo4j_uri,
            user=settings.neo4j_user,
            password=pw,
            database=settings.neo4j_database,
            batch_size=min(settings.batch_size, 50_000),
            connect_timeout=settings.neo4j_connect_timeout,
        )

    @property
    def location(self) -> str:
        return self.uri

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

    def query(self, name: str, *, read: bool = False, **params: Any) -> list[dict[str, Any]]:
        """Run a named query from ``cypher/`` and return its rows as dicts (for GDS jobs)."""
        return self.db.query(name, read=read, **params)

    def close(self) -> None:
        """Nothing to release per store: the driver is shared (see
        :func:`~kolgraph.store.neo4j_db.close_drivers`)."""

    def clear(self) -> None:
        self.db.repeat("delete_relationships", "n", batch=self.batch_size)
        self.db.repeat("delete_nodes", "n", batch=self.batch_size)
        self._listening.clear()
        self._alerts.clear()
        self.db.execute("reset_meta", epoch=secrets.randbits(48))
        self.db.reset_keys()

    # writes ---------------------------------------------------------------------------
    def upsert_accounts(self, accounts: Iterable[Account]) -> int:
        items = list(accounts)
        if not items:
            return 0
        _, new = self.db.ensure_ids(a.key for a in items)
        self.db.execute_batches("update_accounts", [account_row(a) for a in items], kinds=KINDS)
        return new

    def add_follows(self, src: Sequence[str], dst: Sequence[str]) -> int:
        if len(src) != len(dst):
            raise InputError("add_follows: src and dst have different lengths")
        if not len(src):
            return 0
        ids, _ = self.db.ensure_ids([*src, *dst])
        rows = [[ids[s], ids[d]] for s, d in zip(src, dst, strict=True)]
        return self.db.execute_batches("load_follows", rows)

    def add_reposts(self, batch: RepostBatch) -> int:
        if not len(batch):
            return 0
        ids, _ = self.db.ensure_ids([*batch.src, *batch.dst])
        return self.db.execute_batches("load_reposts", repost_rows(batch, ids))

    # reads for jobs -------------------------------------------------------------------
    def counts(self) -> StoreCounts:
        def n(res: EagerResult) -> int:
            return int(res.records[0]["n"])

        return StoreCounts(
            accounts=n(self.db.execute("count_accounts", read=True)),
            follows=n(self.db.execute("count_follows", read=True)),
            reposts=n(self.db.execute("count_reposts", read=True)),
        )

    def graph_arrays(self) -> GraphArrays:
        n = self.db.n_nodes()
        parts: dict[str, list[np.ndarray]] = {k: [] for k in ("fs", "fd", "rs", "rd", "rt", "rw")}
        for lo in range(0, n, self.chunk):
            hi = lo + self.chunk
            rec = self.db.execute("export_follows", read=True, lo=lo, hi=hi, n=n).records[0]
            parts["fs"].append(np.asarray(rec["src"], dtype=np.int32))
            parts["fd"].append(np.asarray(rec["dst"], dtype=np.int32))
            rec = self.db.execute("export_reposts", read=True, lo=lo, hi=hi, n=n).records[0]
            parts["rs"].append(np.asarray(rec["src"], dtype=np.int32))
            parts["rd"].append(np.asarray(rec["dst"], dtype=np.int32))
            parts["rt"].append(np.asarray(rec["ts"], dtype=np.int64))
            parts["rw"].append(np.asarray(rec["weight"], dtype=np.float32))

        def cat(key: str, dtype: type) -> np.ndarray:
            p = parts[key]
            return np.concatenate(p).astype(dtype) if p else np.zeros(0, dtype=dtype)

        return GraphArrays(
            n,
            cat("fs", np.int32),
            cat("fd", np.int32),
            cat("rs", np.int32),
            cat("rd", np.int32),
            cat("rt", np.int64),
            cat("rw", np.float32),
        )

    def accounts_frame(self) -> pd.DataFrame:
        df = self.db.frame("accounts_frame")
        if df.empty:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in _ACCOUNT_COLUMNS}).astype(
                {"followers": "float64", "cost": "float64"}
            )
        df = df[_ACCOUNT_COLUMNS].reset_index(drop=True)
        df["name"] = df["name"].fillna("")
        df["followers"] = pd.to_numeric(df["followers"], errors="coerce").astype("float64")
        df["cost"] = pd.to_numeric(df["cost"], errors="coerce").astype("float64")
        return df

    def iter_edges(
        self, edge_type: EdgeType, *, batch_size: int = 100_000
    ) -> Iterator[pd.DataFrame]:
        if batch_size < 1:
            raise InputError("batch_size must be at least 1")
        follows = edge_type is EdgeType.FOLLOW
        cols = ["src", "dst"] if follows else ["src", "dst", "post_id", "ts", "action", "weight"]
        pending: list[pd.DataFrame] = []
        size = 0
        for lo in range(0, self.db.n_nodes(), self.chunk):
            hi = lo + self.chunk
            df = (
                self.db.frame("stream_follows", lo=lo, hi=hi)
                if follows
                else self.db.frame("stream_reposts", lo=lo, hi=hi)
            )
            if df.empty:
                continue
            pending.append(df[cols])
            size += len(df)
            while size >= batch_size:
                buf = pd.concat(pending, ignore_index=True)
                yield buf.iloc[:batch_size].reset_index(drop=True)
                rest = buf.iloc[batch_size:]
                pending, size = ([rest] if len(rest) else []), len(rest)
        if size:
            yield pd.concat(pending, ignore_index=True)

    def keys_to_index(self, keys: Sequence[str]) -> npt.NDArray[np.int64]:
        return self.db.keys_to_index(keys)

    # runs -----------------------------------------------------------------------------
    def start_run(self, run_id: str, params: dict[str, Any]) -> RunInfo:
        """Record a new run; an older run still unpublished in its slot is failed."""
        runs.start(self.db, run_id, params)
        return self.get_run(run_id)

    def write_results(self, run_id: str, results: RunResults) -> None:
        runs.write_results(self.db, run_id, results)

    def _publish(self, run_id: str, summary: RunSummary) -> None:
        runs.publish(self.db, run_id, summary)

    def fail_run(self, run_id: str, error: str) -> None:
        runs.fail(self.db, run_id, error)

    def current_run(self) -> RunInfo | None:
        rid = runs.current_run_id(self.db)
        return None if rid is None else self.get_run(rid)

    def get_run(self, run_id: str) -> RunInfo:
        return runs.get_run(self.db, run_id)

    def list_runs(self, limit: int = 20) -> list[RunInfo]:
        return runs.list_runs(self.db, limit)

    # reads for users ------------------------------------------------------------------
    def get_account(self, key: str) -> AccountRecord:
        return read.get_account(self.db, key)

    def list_accounts(self, query: AccountQuery) -> tuple[list[AccountRecord], int]:
        return read.list_accounts(self.db, query)

    def list_communities(
        self, limit: int = 100, offset: int = 0
    ) -> tuple[list[CommunityRecord], int]:
        return read.list_communities(self.db, limit, offset)

    def current_scores(self) -> pd.DataFrame:
        if self.current_run() is None:
            return aligned_scores(0, pd.DataFrame())
        return aligned_scores(self.db.n_nodes(), read.scores(self.db, None))

    def run_scores(self, run_id: str) -> pd.DataFrame:
        info = self.get_run(run_id)
        df = read.scores(self.db, run_id)
        if df.empty and info.counts.get("accounts", 0) > 0:
            hint = "Neo4j keeps the scores of the current and the previous run"
            raise scores_not_kept(info, hint)
        return aligned_scores(self.db.n_nodes(), df)

    def run_artifact(self, run_id: str, name: str) -> bytes:
        return runs.run_artifact(self.db, run_id, name)

    def overlaps(self, keys: Sequence[str]) -> list[OverlapRecord]:
        if len(keys) < 2:
            return []
        return read.overlaps(self.db, keys)

    # plans ------------------------------------------------------------------------------
    def save_plan(self, record: PlanRecord) -> None:
        runs.save_plan(self.db, record)

    def get_plan(self, plan_id: str) -> PlanRecord:
        return runs.get_plan(self.db, plan_id)

    def list_plans(self, limit: int = 20) -> list[PlanRecord]:
        return runs.list_plans(self.db, limit)
