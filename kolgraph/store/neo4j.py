"""The Neo4j store: the system of record, behind the same contract as the embedded store.

Only this module (and :mod:`kolgraph.rank.gds`) talks to Neo4j. It uses the official
driver, one :class:`neo4j.Driver` per process and URI, managed transactions (retried by
the driver on transient errors up to ``max_transaction_retry_time``) and the Cypher files
in ``cypher/``; see ``cypher/README.md`` for the graph model.

Dense indices
-------------
Every account gets an integer ``idx`` when it is created, allocated under a write lock on
the singleton ``:KolgraphMeta`` node so numbering stays dense (0..n-1) even with several
writers. Rank jobs exchange arrays indexed by ``idx``; edges leave Neo4j as parallel lists
per chunk of source accounts, never as one record per edge.

Publishing
----------
Every account has two score slots (``s0_*`` and ``s1_*``: run, pagerank, community, reach,
tier). A new run claims the slot the current run does not use and stages its scores there
(its ``:Community`` nodes and ``:OVERLAPS`` relationships carry its ``run_id``);
:meth:`Neo4jStore.publish_run` then only moves ``KolgraphMeta.current_run`` /
``current_slot`` in one small transaction. Every kolgraph read picks the slot of the run the
meta node names, within one query, so a reader sees the old run or the complete new one.
Right after publishing, the current run is copied in batches into the plain properties
``pagerank``, ``community``, ``reach``, ``tier`` and ``rank_run`` that analysts style in
Neo4j Browser (each account says which run its values come from). A run started while
another one is still unpublished in the same slot fails that older run.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd

from kolgraph.errors import InputError, NotFound, StoreError
from kolgraph.model import Account, EdgeType, Kind, split_key
from kolgraph.settings import Settings
from kolgraph.store import cypher
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
    community_density,
    community_rows,
    extra_score_rows,
)
from kolgraph.store.neo4j_crawl import KINDS, Neo4jCrawlState, account_row

__all__ = ["Neo4jStore", "close_drivers"]

T = TypeVar("T")

#: sort key → (plain property, or None; score in the run's slot, or None)
_SORT_PROP: dict[str, tuple[str | None, str | None]] = {
    "pagerank": (None, "pagerank"),
    "followers": ("followers", None),
    "audience": (None, "reach"),
    "cost": ("cost", None),
    "key": ("key", None),
}
_DRIVERS: dict[tuple[str, str | None], Any] = {}
_DRIVERS_LOCK = threading.Lock()
_READY: set[tuple[str, str | None, str]] = set()


def _neo4j() -> Any:
    try:
        import neo4j
    except ImportError as exc:  # pragma: no cover - neo4j is a core dependency
        raise StoreError("the neo4j driver is not installed", hint="pip install neo4j") from exc
    return neo4j


def _driver(uri: str, user: str | None, password: str | None, retry_seconds: float) -> Any:
    """The process-wide driver for ``uri`` (created on first use)."""
    neo4j = _neo4j()
    key = (uri, user)
    with _DRIVERS_LOCK:
        drv = _DRIVERS.get(key)
        if drv is None:
            auth = (user, password or "") if user else None
            drv = neo4j.GraphDatabase.driver(
                uri,
                auth=auth,
                max_transaction_retry_time=retry_seconds,
                # kolgraph's queries are fixed files; the server's hints about them (such as
                # "property current_run does not exist" on a store not yet ranked) are noise
                notifications_min_severity="OFF",
            )
            _DRIVERS[key] = drv
        return drv


def close_drivers() -> None:
    """Close every driver this process opened (for tests and shutdown)."""
    with _DRIVERS_LOCK:
        for drv in _DRIVERS.values():
            drv.close()
        _DRIVERS.clear()
        _READY.clear()


class Neo4jStore(Store, Neo4jCrawlState):
    """Kolgraph store in a Neo4j 5 database (see the module docstring).

    Parameters
    ----------
    uri, user, password, database
        Connection; ``user=None`` connects without authentication.
    batch_size
        Rows per ``UNWIND $rows`` write transaction.
    connect_timeout
        How long to wait for the database at start (retrying while it is unavailable).
    chunk
        Source accounts per edge-export query.
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
        self._driver = _driver(uri, user, password, retry_seconds)
        self._key_cache: dict[str, int] = {}
        self._key_next = 0
        self._key_epoch: Any = None
        self._key_lock = threading.RLock()
        ready = (uri, user, database)
        if ready not in _READY:  # once per process and database: connectivity, then schema
            self._wait_until_ready(connect_timeout)
            for stmt in cypher.statements("schema"):
                self._q_text(stmt)
            _READY.add(ready)

    @classmethod
    def from_settings(cls, settings: Settings) -> Neo4jStore:
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

    # plumbing -------------------------------------------------------------------------
    def _wait_until_ready(self, timeout: float) -> None:
        """Verify connectivity, retrying while the server is (still) unavailable."""
        neo4j = _neo4j()
        deadline = time.monotonic() + timeout
        delay = 0.5
        while True:
            try:
                self._driver.verify_connectivity()
                return
            except neo4j.exceptions.AuthError as exc:
                raise StoreError(
                    f"Neo4j at {self.uri} refused the credentials: {exc.message}",
                    hint="set KOLGRAPH_NEO4J_USER and KOLGRAPH_NEO4J_PASSWORD",
                ) from exc
            except (neo4j.exceptions.ServiceUnavailable, neo4j.exceptions.SessionExpired) as exc:
                if time.monotonic() >= deadline:
                    raise StoreError(
                        f"Neo4j at {self.uri} is not reachable: {exc}",
                        hint="start it (tools/neo4j-server/neo4j.sh start, or docker compose "
                        "up -d) or fix KOLGRAPH_NEO4J_URI",
                    ) from exc
                time.sleep(delay)
                delay = min(delay * 2, 5.0)

    def _wrap(self, fn: Callable[[], T]) -> T:
        """Run ``fn``, turning driver and server errors into :class:`StoreError`.

        The original exception stays available as ``__cause__`` (callers that must tell
        a constraint violation or an unknown procedure apart look there).
        """
        neo4j = _neo4j()
        ex = neo4j.exceptions
        try:
            return fn()
        except (ex.ServiceUnavailable, ex.SessionExpired) as exc:
            raise StoreError(
                f"Neo4j at {self.uri} became unavailable: {exc}",
                hint="check that the server runs (tools/neo4j-server/neo4j.sh status, or "
                "docker compose ps) and that KOLGRAPH_NEO4J_URI points at it, then retry; "
                "nothing half-written was published",
            ) from exc
        except ex.CypherSyntaxError as exc:
            raise StoreError(
                f"Neo4j rejected a kolgraph query: {exc.message}",
                hint="kolgraph needs Neo4j 5.23 or newer (and GDS for --engine gds)",
            ) from exc
        except ex.TransientError as exc:
            raise StoreError(
                f"Neo4j kept failing with a transient error after retries: {exc.message}",
                hint="if it is about memory, raise dbms.memory.transaction.total.max",
            ) from exc
        except ex.Neo4jError as exc:
            hint = None
            if "DatabaseNotFound" in (exc.code or ""):
                hint = "create the database or fix KOLGRAPH_NEO4J_DATABASE"
            raise StoreError(f"Neo4j error {exc.code}: {exc.message}", hint=hint) from exc
        except ex.DriverError as exc:
            raise StoreError(f"Neo4j driver error: {exc}") from exc

    def _q_text(self, text: str, *, read: bool = False, **params: Any) -> Any:
        neo4j = _neo4j()
        routing = neo4j.RoutingControl.READ if read else neo4j.RoutingControl.WRITE
        return self._wrap(
            lambda: self._driver.execute_query(
                text, params, database_=self.database, routing_=routing
            )
        )

    def _q(self, name: str, *, read: bool = False, **params: Any) -> Any:
        """Run ``cypher/<name>.cypher`` with parameters; returns an EagerResult."""
        return self._q_text(cypher.load(name), read=read, **params)

    def query(self, name: str, *, read: bool = False, **params: Any) -> list[dict[str, Any]]:
        """Run a named query from ``cypher/`` and return its rows as dicts (for GDS jobs)."""
        return [dict(r) for r in self._q(name, read=read, **params).records]

    def _df(self, name: str, **params: Any) -> pd.DataFrame:
        neo4j = _neo4j()
        df: pd.DataFrame = self._wrap(
            lambda: self._driver.execute_query(
                cypher.load(name),
                params,
                database_=self.database,
                routing_=neo4j.RoutingControl.READ,
                result_transformer_=neo4j.Result.to_df,
            )
        )
        return df

    def _write_tx(self, work: Callable[[Any], T]) -> T:
        """Run ``work(tx)`` in one managed write transaction (retried when transient)."""

        def run() -> T:
            with self._driver.session(
                database=self.database,
                bookmark_manager=self._driver.execute_query_bookmark_manager,
            ) as session:
                return session.execute_write(work)  # type: ignore[no-any-return]

        return self._wrap(run)

    def close(self) -> None:
        """Nothing to release per store: the driver is shared (see :func:`close_drivers`)."""

    def clear(self) -> None:
        while self._q("delete_relationships", batch=self.batch_size).records[0]["n"]:
            pass
        while self._q("delete_nodes", batch=self.batch_size).records[0]["n"]:
            pass
        self._q("reset_meta", epoch=secrets.randbits(48))
        with self._key_lock:
            self._reset_keys()

    # key → idx ------------------------------------------------------------------------
    def _reset_keys(self) -> None:
        self._key_cache.clear()
        self._key_next = 0
        self._key_epoch = None

    def _refresh_keys(self) -> None:
        with self._key_lock:
            meta = self._q("meta", read=True).records[0]
            if meta["epoch"] != self._key_epoch or (meta["next_idx"] or 0) < self._key_next:
                self._reset_keys()
                self._key_epoch = meta["epoch"]
            if (meta["next_idx"] or 0) > self._key_next:
                rows = self._q("account_keys", read=True, **{"from": self._key_next}).records
                for r in rows:
                    self._key_cache[r["key"]] = r["idx"]
                self._key_next = max(self._key_cache.values(), default=-1) + 1

    def _ensure_ids(self, keys: Iterable[str]) -> tuple[dict[str, int], int]:
        """Idx of ``keys``, creating missing accounts; returns (ids, how many were new)."""
        wanted = list(dict.fromkeys(keys))
        for k in wanted:
            split_key(k)  # validate before writing anything
        self._refresh_keys()
        with self._key_lock:
            missing = [k for k in wanted if k not in self._key_cache]
            if not missing:
                return self._key_cache, 0

        cached_epoch = self._key_epoch

        def work(tx: Any) -> tuple[dict[str, int], int]:
            meta = tx.run(
                cypher.load("meta_lock"), epoch=secrets.randbits(48), token=secrets.randbits(32)
            ).single()
            start = meta["next_idx"]
            known: dict[str, int] = {}
            todo = missing
            if meta["epoch"] != cached_epoch:  # cleared meanwhile: trust nothing cached
                todo = wanted
            for lo in range(0, len(todo), self.batch_size):
                for rec in tx.run(cypher.load("lookup_keys"), keys=todo[lo : lo + self.batch_size]):
                    known[rec["key"]] = rec["idx"]
            still = sorted(k for k in todo if k not in known)
            rows = []
            for offset, key in enumerate(still):
                platform, account_id = split_key(key)
                rows.append(
                    {"key": key, "platform": platform, "id": account_id, "idx": start + offset}
                )
            for lo in range(0, len(rows), self.batch_size):
                tx.run(
                    cypher.load("create_accounts"),
                    rows=rows[lo : lo + self.batch_size],
                    user=Kind.USER.value,
                    empty="",
                )
            if rows:
                tx.run(cypher.load("set_next_idx"), next_idx=start + len(rows))
            known.update((r["key"], r["idx"]) for r in rows)
            return known, len(rows)

        known, created = self._write_tx(work)
        self._refresh_keys()
        with self._key_lock:
            ids = {**self._key_cache, **known}
        return ids, created

    # writes ---------------------------------------------------------------------------
    def upsert_accounts(self, accounts: Iterable[Account]) -> int:
        items = list(accounts)
        if not items:
            return 0
        _, new = self._ensure_ids(a.key for a in items)
        rows = [account_row(a) for a in items]
        for lo in range(0, len(rows), self.batch_size):
            self._q("update_accounts", rows=rows[lo : lo + self.batch_size], kinds=KINDS)
        return new

    def _idx_pairs(self, src: Sequence[str], dst: Sequence[str]) -> tuple[list[int], list[int]]:
        ids, _ = self._ensure_ids([*src, *dst])
        with self._key_lock:
            return [ids[k] for k in src], [ids[k] for k in dst]

    def add_follows(self, src: Sequence[str], dst: Sequence[str]) -> int:
        if len(src) != len(dst):
            raise InputError("add_follows: src and dst have different lengths")
        if not len(src):
            return 0
        s, d = self._idx_pairs(src, dst)
        rows = [[a, b] for a, b in zip(s, d, strict=True)]
        created = 0
        for lo in range(0, len(rows), self.batch_size):
            res = self._q("load_follows", rows=rows[lo : lo + self.batch_size])
            created += res.summary.counters.relationships_created
        return created

    def add_reposts(
        self,
        src: Sequence[str],
        dst: Sequence[str],
        post_id: Sequence[str],
        ts: Sequence[int],
        action: Sequence[str],
        weight: Sequence[float] | None = None,
    ) -> int:
        ts_arr, w = check_reposts(src, dst, post_id, ts, action, weight)
        n = len(src)
        if not n:
            return 0
        t = ts_arr.tolist()
        s, d = self._idx_pairs(src, dst)
        rows = [[s[i], d[i], str(post_id[i]), t[i], str(action[i]), w[i]] for i in range(n)]
        created = 0
        for lo in range(0, n, self.batch_size):
            res = self._q("load_reposts", rows=rows[lo : lo + self.batch_size])
            created += res.summary.counters.relationships_created
        return created

    # reads for jobs -------------------------------------------------------------------
    def counts(self) -> StoreCounts:
        def n(res: Any) -> int:
            return int(res.records[0]["n"])

        return StoreCounts(
            accounts=n(self._q("count_accounts", read=True)),
            follows=n(self._q("count_follows", read=True)),
            reposts=n(self._q("count_reposts", read=True)),
        )

    def _n_nodes(self) -> int:
        return int(self._q("meta", read=True).records[0]["next_idx"] or 0)

    def graph_arrays(self) -> GraphArrays:
        n = self._n_nodes()
        fs: list[np.ndarray] = []
        fd: list[np.ndarray] = []
        rs: list[np.ndarray] = []
        rd: list[np.ndarray] = []
        rt: list[np.ndarray] = []
        rw: list[np.ndarray] = []
        for lo in range(0, n, self.chunk):
            rec = self._q("export_follows", read=True, lo=lo, hi=lo + self.chunk, n=n).records[0]
            fs.append(np.asarray(rec["src"], dtype=np.int32))
            fd.append(np.asarray(rec["dst"], dtype=np.int32))
            rec = self._q("export_reposts", read=True, lo=lo, hi=lo + self.chunk, n=n).records[0]
            rs.append(np.asarray(rec["src"], dtype=np.int32))
            rd.append(np.asarray(rec["dst"], dtype=np.int32))
            rt.append(np.asarray(rec["ts"], dtype=np.int64))
            rw.append(np.asarray(rec["weight"], dtype=np.float32))

        def cat(parts: list[np.ndarray], dtype: Any) -> np.ndarray:
            return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype=dtype)

        return GraphArrays(
            n,
            cat(fs, np.int32),
            cat(fd, np.int32),
            cat(rs, np.int32),
            cat(rd, np.int32),
            cat(rt, np.int64),
            cat(rw, np.float32),
        )

    def accounts_frame(self) -> pd.DataFrame:
        cols = ["key", "platform", "account_id", "name", "kind", "followers", "cost"]
        df = self._df("accounts_frame")
        if df.empty:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in cols}).astype(
                {"followers": "float64", "cost": "float64"}
            )
        df = df[cols].reset_index(drop=True)
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
        cols = (
            ["src", "dst"]
            if edge_type is EdgeType.FOLLOW
            else ["src", "dst", "post_id", "ts", "action", "weight"]
        )
        pending: list[pd.DataFrame] = []
        size = 0
        for lo in range(0, self._n_nodes(), self.chunk):
            hi = lo + self.chunk
            df = (
                self._df("stream_follows", lo=lo, hi=hi)
                if follows
                else self._df("stream_reposts", lo=lo, hi=hi)
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
        self._refresh_keys()
        with self._key_lock:
            return np.array([self._key_cache.get(k, -1) for k in keys], dtype=np.int64)

    # runs -----------------------------------------------------------------------------
    @staticmethod
    def _run(props: dict[str, Any]) -> RunInfo:
        return RunInfo(
            id=props["id"],
            status=props["status"],
            started=float(props["started"]),
            finished=None if props.get("finished") is None else float(props["finished"]),
            params=json.loads(props.get("params") or "{}"),
            counts=json.loads(props.get("counts") or "{}"),
            timings=json.loads(props.get("timings") or "{}"),
            quality=json.loads(props.get("quality") or "{}"),
            error=props.get("error"),
        )

    def start_run(self, run_id: str, params: dict[str, Any]) -> RunInfo:
        neo4j = _neo4j()

        def work(tx: Any) -> None:
            meta = tx.run(
                cypher.load("meta_lock"), epoch=secrets.randbits(48), token=secrets.randbits(32)
            ).single()
            slot = 1 - meta["current_slot"] if meta["current_slot"] in (0, 1) else 0
            tx.run(
                cypher.load("run_supersede"),
                slot=slot,
                running="running",
                failed="failed",
                now=time.time(),
                error=f"superseded by run {run_id} before it was published",
            ).consume()
            tx.run(
                cypher.load("run_create"),
                run_id=run_id,
                status="running",
                started=time.time(),
                seq=time.time_ns(),
                slot=slot,
                params=json.dumps(params, sort_keys=True, default=str),
                empty_map="{}",
            ).consume()

        try:
            self._write_tx(work)
        except StoreError as exc:
            if isinstance(exc.__cause__, neo4j.exceptions.ConstraintError):
                raise InputError(f"run id {run_id!r} already exists") from exc
            raise
        return self.get_run(run_id)

    def _clear_staged(self, run_id: str) -> None:
        while self._q("run_clear_staged", run_id=run_id, batch=self.batch_size).records[0][
            "removed"
        ]:
            pass

    def write_results(self, run_id: str, results: RunResults) -> None:
        rec = self._q("run_status", read=True, run_id=run_id).records
        if not rec:
            raise NotFound(f"no rank run {run_id!r}")
        if rec[0]["status"] != "running":
            raise StoreError(
                f"run {run_id} is {rec[0]['status']}; only a running run takes results"
            )
        slot = int(rec[0]["slot"])
        self._clear_staged(run_id)  # re-writing a run is safe
        s = results.scores
        comm = s["community"].astype("Int64")
        rows = [
            [int(i), float(p), None if pd.isna(c) else int(c), int(a), t, *extra]
            for i, p, c, a, t, extra in zip(
                s["index"].tolist(),
                s["pagerank"].tolist(),
                comm.tolist(),
                s["audience"].tolist(),
                s["tier"].tolist(),
                extra_score_rows(s),
                strict=True,
            )
        ]
        for lo in range(0, len(rows), self.batch_size):
            part = rows[lo : lo + self.batch_size]
            if slot == 0:
                self._q("stage_scores_s0", run_id=run_id, rows=part)
            else:
                self._q("stage_scores_s1", run_id=run_id, rows=part)
        c = results.communities
        if len(c):
            self._refresh_keys()
            with self._key_lock:
                by_idx = {v: k for k, v in self._key_cache.items()}
            crow = [
                {
                    "id": cid,
                    "size": size,
                    "internal_edges": internal,
                    "external_edges": external,
                    "density": density,
                    "top": [by_idx[i] for i in top],
                    "bridges": None if bridges is None else [by_idx[i] for i in bridges],
                }
                for cid, size, internal, external, density, top, bridges in community_rows(c)
            ]
            for lo in range(0, len(crow), self.batch_size):
                self._q("stage_communities", run_id=run_id, rows=crow[lo : lo + self.batch_size])
            members = set(int(x) for x in c["community"])
            mrows = [[r[0], r[2]] for r in rows if r[2] is not None and r[2] in members]
            for lo in range(0, len(mrows), self.batch_size):
                self._q("stage_memberships", run_id=run_id, rows=mrows[lo : lo + self.batch_size])
        for name, data in results.artifacts.items():
            self._q("save_artifact", run_id=run_id, artifact=name, data=bytearray(data))
        o = results.overlaps
        if len(o):
            orows = [
                [int(a), int(b), int(sh), float(j)]
                for a, b, sh, j in zip(o["a"], o["b"], o["shared"], o["jaccard"], strict=True)
            ]
            for lo in range(0, len(orows), self.batch_size):
                self._q("stage_overlaps", run_id=run_id, rows=orows[lo : lo + self.batch_size])

    def publish_run(
        self,
        run_id: str,
        *,
        counts: dict[str, int],
        timings: dict[str, float],
        quality: dict[str, float],
    ) -> RunInfo:
        def work(tx: Any) -> None:
            rec = tx.run(cypher.load("run_status"), run_id=run_id).single()
            if rec is None:
                raise NotFound(f"no run {run_id!r}")
            if rec["status"] != "running":
                raise StoreError(
                    f"run {run_id} is {rec['status']}; only a running run can be published"
                )
            tx.run(
                cypher.load("publish_run"),
                run_id=run_id,
                published="published",
                superseded="superseded",
                finished=time.time(),
                counts=json.dumps(counts),
                timings=json.dumps(timings),
                quality=json.dumps(quality),
                epoch=secrets.randbits(48),
            ).consume()

        self._write_tx(work)
        # published: the rest is housekeeping, and a failure here must not fail the run
        try:
            while self._q("browser_props", run_id=run_id, batch=self.batch_size).records[0]["n"]:
                pass
            while self._q("browser_props_clear", run_id=run_id, batch=self.batch_size).records[0][
                "n"
            ]:
                pass
            while self._q("stale_runs", batch=self.batch_size, running="running").records[0][
                "removed"
            ]:
                pass
        except StoreError as exc:
            warnings.warn(f"run {run_id} is published, but cleanup failed: {exc}", stacklevel=2)
        return self.get_run(run_id)

    def fail_run(self, run_id: str, error: str) -> None:
        res = self._q(
            "run_fail",
            run_id=run_id,
            running="running",
            failed="failed",
            finished=time.time(),
            error=error,
        )
        if res.records:
            self._clear_staged(run_id)

    def current_run(self) -> RunInfo | None:
        rid = self._q("meta", read=True).records[0]["current_run"]
        return None if rid is None else self.get_run(rid)

    def get_run(self, run_id: str) -> RunInfo:
        recs = self._q("run_get", read=True, run_id=run_id).records
        if not recs:
            raise NotFound(f"no rank run {run_id!r}", hint="list runs with `kolgraph runs`")
        return self._run(recs[0]["run"])

    def list_runs(self, limit: int = 20) -> list[RunInfo]:
        return [self._run(r["run"]) for r in self._q("run_list", read=True, limit=limit).records]

    # reads for users ------------------------------------------------------------------
    @staticmethod
    def _record(r: Any) -> AccountRecord:
        a = r["account"]
        return AccountRecord(
            key=a["key"],
            platform=a["platform"],
            account_id=a["id"],
            name=a.get("name") or "",
            kind=Kind(a.get("kind") or "user"),
            followers=a.get("followers"),
            cost=a.get("cost"),
            pagerank=r["pagerank"],
            community=r["community"],
            audience=r["reach"],
            tier=r["tier"],
            run_id=r["run_id"],
            engagement=r["engagement"],
            anomaly=r["anomaly"],
            spread=r["spread"],
            flags=tuple(r["flags"] or ()),
        )

    def get_account(self, key: str) -> AccountRecord:
        recs = self._q("get_account", read=True, key=key).records
        if not recs:
            raise NotFound(
                f"no account {key!r}",
                hint="keys look like 'platform:id'; list accounts to find one",
            )
        return self._record(recs[0])

    def list_accounts(self, query: AccountQuery) -> tuple[list[AccountRecord], int]:
        prop, score = _SORT_PROP[query.sort]
        filters = {
            "kind": None if query.kind is None else query.kind.value,
            "platform": query.platform,
            "community": query.community,
        }
        total = int(
            self._q(
                "count_filtered_accounts",
                read=True,
                kind=filters["kind"],
                platform=filters["platform"],
                community=filters["community"],
            ).records[0]["n"]
        )
        page = {
            "prop": prop,
            "score": score,
            "reach": "reach",
            "offset": query.offset,
            "limit": query.limit,
        }
        if query.descending:
            res = self._q("list_accounts_desc", read=True, **page, **filters)
        else:
            res = self._q("list_accounts_asc", read=True, **page, **filters)
        recs = res.records
        return [self._record(r) for r in recs], total

    def list_communities(
        self, limit: int = 100, offset: int = 0
    ) -> tuple[list[CommunityRecord], int]:
        recs = self._q("list_communities", read=True, limit=limit, offset=offset).records
        if not recs:
            return [], 0
        page = recs[0]["page"] or []
        return [
            CommunityRecord(
                community=int(c["id"]),
                size=int(c["size"]),
                internal_edges=int(c["internal_edges"]),
                top=list(c["top"]),
                run_id=c["run_id"],
                external_edges=None if c["external_edges"] is None else int(c["external_edges"]),
                density=(
                    community_density(int(c["size"]), int(c["internal_edges"]))
                    if c["density"] is None
                    else float(c["density"])
                ),
                bridges=None if c["bridges"] is None else list(c["bridges"]),
            )
            for c in page
        ], int(recs[0]["total"])

    def current_scores(self) -> pd.DataFrame:
        if self.current_run() is None:
            return aligned_scores(0, pd.DataFrame())
        return aligned_scores(self._n_nodes(), self._df("current_scores"))

    def run_scores(self, run_id: str) -> pd.DataFrame:
        info = self.get_run(run_id)
        df = self._df("run_scores", run_id=run_id)
        if df.empty and info.counts.get("accounts", 0) > 0:
            raise NotFound(
                f"the scores of run {run_id} ({info.status}) are no longer kept",
                hint="Neo4j keeps the scores of the current and the previous run",
            )
        return aligned_scores(self._n_nodes(), df)

    def run_artifact(self, run_id: str, name: str) -> bytes:
        self.get_run(run_id)
        recs = self._q("run_artifact", read=True, run_id=run_id, artifact=name).records
        if not recs:
            raise NotFound(f"run {run_id} has no artifact {name!r}")
        return bytes(recs[0]["data"])

    def overlaps(self, keys: Sequence[str]) -> list[OverlapRecord]:
        if len(keys) < 2:
            return []
        recs = self._q("get_overlaps", read=True, keys=list(keys)).records
        return [
            OverlapRecord(a=r["a"], b=r["b"], shared=int(r["shared"]), jaccard=float(r["jaccard"]))
            for r in recs
        ]

    # plans ------------------------------------------------------------------------------
    @staticmethod
    def _plan(p: dict[str, Any]) -> PlanRecord:
        return PlanRecord(
            id=p["id"],
            run_id=p.get("run_id"),
            created=float(p["created"]),
            params=json.loads(p["params"]),
            body=json.loads(p["body"]),
            evaluation=None if p.get("evaluation") is None else json.loads(p["evaluation"]),
        )

    def save_plan(self, record: PlanRecord) -> None:
        self._q(
            "plan_save",
            id=record.id,
            run_id=record.run_id,
            created=record.created,
            params=json.dumps(record.params),
            body=json.dumps(record.body),
            evaluation=None if record.evaluation is None else json.dumps(record.evaluation),
        )

    def get_plan(self, plan_id: str) -> PlanRecord:
        recs = self._q("plan_get", read=True, id=plan_id).records
        if not recs:
            raise NotFound(
                f"no plan with id {plan_id!r}", hint="`kolgraph plans` lists the kept plans"
            )
        return self._plan(dict(recs[0]["plan"]))

    def list_plans(self, limit: int = 20) -> list[PlanRecord]:
        recs = self._q("plan_list", read=True, limit=int(limit)).records
        return [self._plan(dict(r["plan"])) for r in recs]
