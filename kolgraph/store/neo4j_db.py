"""The Neo4j store's database access: driver, named queries, transactions and account ids.

:class:`Neo4jDatabase` is what :class:`~kolgraph.store.neo4j.Neo4jStore` and
its crawl state (:class:`~kolgraph.store.neo4j_crawl.Neo4jCrawlState`) share.
It uses the official driver, one :class:`neo4j.Driver` per process and URI,
managed transactions (retried by the driver on transient errors up to
``max_transaction_retry_time``) and the Cypher files in ``cypher/``; driver and
server errors become :class:`~kolgraph.errors.StoreError`.

Every account gets an integer ``idx`` when it is created, allocated under a
write lock on the singleton ``:KolgraphMeta`` node so numbering stays dense
(0..n-1) even with several writers; :meth:`Neo4jDatabase.ensure_ids` does
that and keeps a cache of key → idx.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd

from kolgraph.errors import StoreError
from kolgraph.model import Kind, split_key
from kolgraph.store import cypher
from kolgraph.store.batches import RepostBatch

if TYPE_CHECKING:
    from neo4j import Driver, EagerResult, ManagedTransaction

__all__ = ["Neo4jDatabase", "close_drivers", "neo4j_driver_module", "repost_rows"]

T = TypeVar("T")

_DRIVERS: dict[tuple[str, str | None], Driver] = {}
_DRIVERS_LOCK = threading.Lock()
_READY: set[tuple[str, str | None, str]] = set()


def neo4j_driver_module() -> ModuleType:
    """The ``neo4j`` driver package (imported on first use)."""
    try:
        import neo4j
    except ImportError as exc:  # pragma: no cover - neo4j is a core dependency
        raise StoreError("the neo4j driver is not installed", hint="pip install neo4j") from exc
    return neo4j


def _driver(uri: str, user: str | None, password: str | None, retry_seconds: float) -> Driver:
    """The process-wide driver for ``uri`` (created on first use)."""
    neo4j = neo4j_driver_module()
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


def repost_rows(batch: RepostBatch, ids: Mapping[str, int]) -> list[list[Any]]:
    """``load_reposts`` rows ``[src idx, dst idx, post_id, ts, action, weight]`` of ``batch``."""
    return [
        [ids[s], ids[d], str(p), t, str(a), w]
        for s, d, p, t, a, w in zip(
            batch.src.tolist(),
            batch.dst.tolist(),
            batch.post_id.tolist(),
            batch.ts.tolist(),
            batch.action.tolist(),
            batch.weight.tolist(),
            strict=True,
        )
    ]


class Neo4jDatabase:
    """One Neo4j database, reached through the process-wide driver for its URI.

    The first instance for a URI and database waits for the server (retrying
    while it is unavailable) and creates the schema (``cypher/schema.cypher``).

    Parameters
    ----------
    uri, user, password, database
        Connection; ``user=None`` connects without authentication.
    batch_size
        Rows per ``UNWIND $rows`` statement.
    connect_timeout
        How long to wait for the database at start.
    retry_seconds
        How long the driver retries a transaction that failed transiently.

    Raises
    ------
    StoreError
        If the server refuses the credentials or is not reachable in time.
    """

    def __init__(
        self,
        uri: str,
        *,
        user: str | None,
        password: str | None,
        database: str,
        batch_size: int,
        connect_timeout: float,
        retry_seconds: float,
    ) -> None:
        self.uri = uri
        self.database = database
        self.batch_size = batch_size
        self.driver = _driver(uri, user, password, retry_seconds)
        self._key_cache: dict[str, int] = {}
        self._key_next = 0
        self._key_epoch: Any = None
        self._key_lock = threading.RLock()
        ready = (uri, user, database)
        if ready not in _READY:  # once per process and database: connectivity, then schema
            self._wait_until_ready(connect_timeout)
            for stmt in cypher.statements("schema"):
                self.execute_text(stmt)
            _READY.add(ready)

    # plumbing -------------------------------------------------------------------------
    def _wait_until_ready(self, timeout: float) -> None:
        """Verify connectivity, retrying while the server is (still) unavailable."""
        neo4j = neo4j_driver_module()
        deadline = time.monotonic() + timeout
        delay = 0.5
        while True:
            try:
                self.driver.verify_connectivity()
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

    def wrap(self, fn: Callable[[], T]) -> T:
        """Run ``fn``, turning driver and server errors into :class:`StoreError`.

        The original exception stays available as ``__cause__`` (callers that must tell
        a constraint violation or an unknown procedure apart look there).
        """
        ex = neo4j_driver_module().exceptions
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

    def execute_text(self, text: str, *, read: bool = False, **params: Any) -> EagerResult:
        """Run Cypher ``text`` in an auto-committed transaction (read or write routing)."""
        neo4j = neo4j_driver_module()
        routing = neo4j.RoutingControl.READ if read else neo4j.RoutingControl.WRITE
        return self.wrap(
            lambda: self.driver.execute_query(
                text, params, database_=self.database, routing_=routing
            )
        )

    def execute(self, name: str, *, read: bool = False, **params: Any) -> EagerResult:
        """Run ``cypher/<name>.cypher`` with parameters."""
        return self.execute_text(cypher.load(name), read=read, **params)

    def query(self, name: str, *, read: bool = False, **params: Any) -> list[dict[str, Any]]:
        """Run a named query from ``cypher/`` and return its rows as dicts."""
        return [dict(r) for r in self.execute(name, read=read, **params).records]

    def frame(self, name: str, **params: Any) -> pd.DataFrame:
        """Run a named read query and return its rows as a DataFrame."""
        neo4j = neo4j_driver_module()
        df: pd.DataFrame = self.wrap(
            lambda: self.driver.execute_query(
                cypher.load(name),
                params,
                database_=self.database,
                routing_=neo4j.RoutingControl.READ,
                result_transformer_=neo4j.Result.to_df,
            )
        )
        return df

    def write_tx(self, work: Callable[[ManagedTransaction], T]) -> T:
        """Run ``work(tx)`` in one managed write transaction (retried when transient)."""

        def run() -> T:
            with self.driver.session(
                database=self.database,
                bookmark_manager=self.driver.execute_query_bookmark_manager,
            ) as session:
                return session.execute_write(work)

        return self.wrap(run)

    def execute_batches(self, name: str, rows: Sequence[Any], **params: Any) -> int:
        """Run write query ``name`` with ``$rows`` = ``batch_size`` of ``rows`` at a time.

        Returns the number of relationships the batches created.
        """
        created = 0
        for lo in range(0, len(rows), self.batch_size):
            res = self.execute(name, rows=rows[lo : lo + self.batch_size], **params)
            created += res.summary.counters.relationships_created
        return created

    def repeat(self, name: str, column: str, **params: Any) -> None:
        """Run a batched write query until its ``column`` reports 0 (nothing left to do)."""
        while self.execute(name, **params).records[0][column]:
            pass

    def meta(self) -> Any:
        """The ``:KolgraphMeta`` record: ``next_idx, epoch, current_run, current_slot``."""
        return self.execute("meta", read=True).records[0]

    def n_nodes(self) -> int:
        """Number of accounts (the next dense index)."""
        return int(self.meta()["next_idx"] or 0)

    # key → idx ------------------------------------------------------------------------
    def reset_keys(self) -> None:
        """Forget the cached account indices (after a clear)."""
        with self._key_lock:
            self._key_cache.clear()
            self._key_next = 0
            self._key_epoch = None

    def _refresh_keys(self) -> None:
        with self._key_lock:
            meta = self.meta()
            if meta["epoch"] != self._key_epoch or (meta["next_idx"] or 0) < self._key_next:
                self.reset_keys()
                self._key_epoch = meta["epoch"]
            if (meta["next_idx"] or 0) > self._key_next:
                rows = self.execute("account_keys", read=True, **{"from": self._key_next}).records
                for r in rows:
                    self._key_cache[r["key"]] = r["idx"]
                self._key_next = max(self._key_cache.values(), default=-1) + 1

    def keys_to_index(self, keys: Sequence[str]) -> npt.NDArray[np.int64]:
        """Dense indices of ``keys``; -1 for keys not in the store."""
        self._refresh_keys()
        with self._key_lock:
            return np.array([self._key_cache.get(k, -1) for k in keys], dtype=np.int64)

    def index_to_key(self) -> dict[int, str]:
        """Every account's key by dense index."""
        self._refresh_keys()
        with self._key_lock:
            return {v: k for k, v in self._key_cache.items()}

    def ensure_ids(self, keys: Iterable[str]) -> tuple[dict[str, int], int]:
        """Idx of ``keys``, creating missing accounts; returns (ids, how many were new).

        Every key is checked before anything is written; the missing accounts
        are created with kind ``user`` in one transaction of their own.

        Raises
        ------
        InputError
            A key that is not ``"platform:id"``.
        """
        wanted = list(dict.fromkeys(keys))
        for k in wanted:
            split_key(k)  # validate before writing anything
        self._refresh_keys()
        with self._key_lock:
            missing = [k for k in wanted if k not in self._key_cache]
            if not missing:
                return {k: self._key_cache[k] for k in wanted}, 0

        cached_epoch = self._key_epoch
        size = self.batch_size

        def work(tx: ManagedTransaction) -> tuple[dict[str, int], int]:
            meta = tx.run(
                cypher.load("meta_lock"), epoch=secrets.randbits(48), token=secrets.randbits(32)
            ).single(strict=True)
            start = meta["next_idx"]
            known: dict[str, int] = {}
            todo = missing
            if meta["epoch"] != cached_epoch:  # cleared meanwhile: trust nothing cached
                todo = wanted
            for lo in range(0, len(todo), size):
                for rec in tx.run(cypher.load("lookup_keys"), keys=todo[lo : lo + size]):
                    known[rec["key"]] = rec["idx"]
            still = sorted(k for k in todo if k not in known)
            rows = []
            for offset, key in enumerate(still):
                platform, account_id = split_key(key)
                rows.append(
                    {"key": key, "platform": platform, "id": account_id, "idx": start + offset}
                )
            for lo in range(0, len(rows), size):
                tx.run(
                    cypher.load("create_accounts"),
                    rows=rows[lo : lo + size],
                    user=Kind.USER.value,
                    empty="",
                )
            if rows:
                tx.run(cypher.load("set_next_idx"), next_idx=start + len(rows))
            known.update((r["key"], r["idx"]) for r in rows)
            return known, len(rows)

        known, created = self.write_tx(work)
        self._refresh_keys()
        with self._key_lock:
            ids = {**self._key_cache, **known}
        return ids, created
