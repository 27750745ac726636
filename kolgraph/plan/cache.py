"""Per-run caches of a serving process: what plans and ranked lists read, loaded once per run.

A plan reads the audience matrix, the accounts, the run's scores and engagement
model, and derives arrays from them (:mod:`kolgraph.plan.prepared`). At a million
accounts that takes about 20 s; the plan itself takes a fraction of a second. A
ranked list of accounts sorts every account (seconds in SQL at that size) to
show a page of them. :class:`RunCache` keeps both for the current run of each
store, shared by all the requests of the process:

* **key**: the store's location and its current run id. Every request checks the
  run id (``store.current_run()``, one indexed read); when another run has been
  published the previous run's values are dropped and the first request that
  needs a value loads it, while the others asking for it wait. A plan asked for
  after a run is published is always made from that run.
* **thread-safe**: each value is loaded under its own lock, once; what is kept is
  only read afterwards (arrays are marked read-only).
* **what "per run" means**: the accounts and edges are read when the run is first
  used. An import made since (prices, kinds, follow edges) reaches plans and the
  order of ranked lists with the next published run, or when the process
  restarts; the rows of a list are read from the store as they are now.

For an embedded (SQLite) store the cache also holds one connection to the
database open for the life of the process. Requests open and close their own;
without another connection open, each close is the last one and checkpoints the
write-ahead log (a plan keeps itself, so every plan's close wrote the log back:
2-30 ms on this machine, 0.5 ms with the connection held). The held connection
reads nothing after it opens, so it never holds a checkpoint back.

A serving process also runs BLAS on one thread (:func:`serving_cache`): a plan's
forecast and explanations are many dot products of a few thousand to a hundred
thousand terms, and on a busy two-core machine a second BLAS thread made each
one about ten times slower (9 ms against 0.9 ms for 60,000 terms). Plans are the
same either way (the demo store's plans were compared field by field).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd

from kolgraph.plan.params import PlanParams
from kolgraph.plan.planner import RunInputs, no_run_error, read_run_inputs
from kolgraph.store.base import AccountQuery, SortKey, Store
from kolgraph.store.sqlite import SQLiteStore

__all__ = ["AccountOrder", "RunCache", "serving_cache"]

T = TypeVar("T")

#: Filtered orders of ranked lists kept per run, at most (each at most a quarter of the accounts).
_MAX_FILTERED = 64
#: How often a load starts again when another run was published while it read.
_LOAD_TRIES = 3


@dataclass(frozen=True)
class _Frames:
    """The accounts and the current scores, read once per run (plans and lists share them)."""

    accounts: pd.DataFrame
    scores: pd.DataFrame


@dataclass(eq=False)
class AccountOrder:
    """Which accounts a ranked list shows, in which order, for one run (no store reads).

    The order is the store's (:meth:`~kolgraph.store.base.Store.list_accounts`):
    accounts without a value for the sort key last, ties in dense index order;
    filters on kind, platform and community. Orders and selective filters are
    computed when first asked and kept.
    """

    run_id: str
    keys: npt.NDArray[np.object_]
    kind: npt.NDArray[np.object_]
    platform: npt.NDArray[np.object_]
    #: community of each account in the run, -1 when none
    community: npt.NDArray[np.int64]
    values: dict[str, npt.NDArray[Any]]
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _orders: dict[tuple[str, bool], npt.NDArray[np.int64]] = field(default_factory=dict)
    _filtered: dict[tuple[Any, ...], npt.NDArray[np.int64]] = field(default_factory=dict)

    @classmethod
    def of(cls, run_id: str, accounts: pd.DataFrame, scores: pd.DataFrame) -> AccountOrder:
        """The order of the accounts of ``accounts`` with the run's ``scores``."""
        comm = scores["community"].to_numpy(dtype="float64", na_value=np.nan)
        keys = accounts["key"].to_numpy().astype(object)
        values: dict[str, npt.NDArray[Any]] = {
            "pagerank": scores["pagerank"].to_numpy(dtype=np.float64),
            "audience": scores["audience"].to_numpy(dtype=np.float64),
            "followers": accounts["followers"].to_numpy(dtype=np.float64),
            "cost": accounts["cost"].to_numpy(dtype=np.float64),
            "key": keys,
        }
        return cls(
            run_id=run_id,
            keys=keys,
            kind=accounts["kind"].to_numpy().astype(object),
            platform=accounts["platform"].to_numpy().astype(object),
            community=np.where(np.isnan(comm), -1, comm).astype(np.int64),
            values=values,
        )

    def order(self, sort: SortKey, descending: bool) -> npt.NDArray[np.int64]:
        """Dense indices of every account in the order of ``sort`` (see the class notes)."""
        key = (sort, descending)
        with self._lock:
            got = self._orders.get(key)
        if got is not None:
            return got
        v = self.values[sort]
        if sort == "key":  # text, never missing, unique: SQLite's binary order is code point order
            up = np.argsort(v, kind="stable").astype(np.int64)
            out = up[::-1].copy() if descending else up
        else:
            has = np.flatnonzero(~np.isnan(v))
            by = -v[has] if descending else v[has]
            out = np.concatenate([has[np.argsort(by, kind="stable")], np.flatnonzero(np.isnan(v))])
            out = out.astype(np.int64)
        out.flags.writeable = False
        with self._lock:
            return self._orders.setdefault(key, out)

    def page(self, query: AccountQuery) -> tuple[list[str], int]:
        """The keys of the page ``query`` asks for, and how many accounts match its filters."""
        order = self.order(query.sort, query.descending)
        filters = (query.kind, query.platform, query.community)
        if filters == (None, None, None):
            chosen = order
        else:
            key = (query.sort, query.descending, *filters)
            with self._lock:
                kept = self._filtered.get(key)
            if kept is None:
                mask = np.ones(order.size, dtype=bool)
                if query.kind is not None:
                    mask &= self.kind == query.kind.value
                if query.platform is not None:
                    mask &= self.platform == query.platform
                if query.community is not None:
                    mask &= self.community == query.community
                kept = order[mask[order]]
                kept.flags.writeable = False
                if kept.size <= order.size // 4:
                    with self._lock:
                        if len(self._filtered) >= _MAX_FILTERED:
                            self._filtered.pop(next(iter(self._filtered)))
                        self._filtered[key] = kept
            chosen = kept
        rows = chosen[query.offset : query.offset + query.limit]
        return [str(self.keys[i]) for i in rows.tolist()], int(chosen.size)


@dataclass
class _Slot:
    """The values kept for one store: of run ``run_id``, each with its own lock."""

    run_id: str | None = None
    values: dict[str, Any] = field(default_factory=dict)
    locks: dict[str, threading.Lock] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


class RunCache:
    """What plans and ranked lists read from the current run of each store, loaded once.

    See the module notes. ``horizons`` are the forecast horizons (days) whose
    engagement probabilities are computed when a run's plan inputs are loaded, so
    that the first plan does not wait for them.
    """

    def __init__(self, *, horizons: tuple[float, ...] = (PlanParams(budget=1.0).horizon_days,)):
        self.horizons = horizons
        self._lock = threading.Lock()
        self._slots: dict[str, _Slot] = {}
        self._held: dict[str, sqlite3.Connection] = {}

    # ------------------------------------------------------------------ values
    def plan_inputs(self, store: Store) -> RunInputs:
        """The current run's plan inputs (:func:`~kolgraph.plan.planner.read_run_inputs`).

        Raises
        ------
        InputError
            If the store has no published run yet (as a plan without the cache).
        """
        got = self._get(store, "plan_inputs", self._load_plan_inputs)
        if got is None:
            raise no_run_error()
        return got

    def account_order(self, store: Store) -> AccountOrder | None:
        """The current run's :class:`AccountOrder`, or None before the first run."""
        return self._get(
            store,
            "account_order",
            lambda s, rid: AccountOrder.of(rid, *self._frames(s, rid)),
        )

    def loaded(self) -> dict[str, dict[str, Any]]:
        """Per store location: the run kept and how long each of its values took to load."""
        with self._lock:
            slots = dict(self._slots)
        return {loc: {"run_id": s.run_id, "seconds": dict(s.seconds)} for loc, s in slots.items()}

    def clear(self) -> None:
        """Forget everything (the next request loads again) and close the held connections."""
        with self._lock:
            self._slots.clear()
            held, self._held = self._held, {}
        for con in held.values():
            con.close()

    # ------------------------------------------------------------------ loading
    def _frames(self, store: Store, run_id: str) -> tuple[pd.DataFrame, pd.DataFrame]:
        frames = self._get_for(store, run_id, "frames", self._load_frames)
        return frames.accounts, frames.scores

    @staticmethod
    def _load_frames(store: Store, run_id: str) -> _Frames:
        return _Frames(accounts=store.accounts_frame(), scores=store.current_scores())

    def _load_plan_inputs(self, store: Store, run_id: str) -> RunInputs:
        accounts, scores = self._frames(store, run_id)
        inputs = read_run_inputs(store, run_id, accounts=accounts, scores=scores)
        if inputs.learned is not None:  # the first plan should not compute these
            inputs.learned.keep_horizons(*self.horizons)
            for h in self.horizons:
                inputs.learned.recent_window(h)
        return inputs

    def _slot(self, store: Store) -> _Slot:
        with self._lock:
            slot = self._slots.get(store.location)
            if slot is None:
                slot = self._slots[store.location] = _Slot()
                if isinstance(store, SQLiteStore) and store.location not in self._held:
                    self._held[store.location] = _hold_open(store.path)
            return slot

    def _get(self, store: Store, name: str, load: Callable[[Store, str], T]) -> T | None:
        """Value ``name`` of the store's current run (loaded once), or None without a run."""
        for _ in range(_LOAD_TRIES):
            run = store.current_run()
            if run is None:
                return None
            value = self._get_for(store, run.id, name, load)
            now = store.current_run()
            if now is not None and now.id == run.id:
                return value
            # another run was published while it loaded: what it read may mix both
            self._drop(store, run.id)
        return value  # runs published faster than it loads: the last one read

    def _get_for(self, store: Store, run_id: str, name: str, load: Callable[[Store, str], T]) -> T:
        slot = self._slot(store)
        with slot.lock:
            if slot.run_id != run_id:  # another run: drop the previous run's values first
                slot.run_id = run_id
                slot.values.clear()
                slot.seconds.clear()
                slot.locks.clear()
            lock = slot.locks.setdefault(name, threading.Lock())
            if name in slot.values:
                value: T = slot.values[name]
                return value
        with lock:  # one request loads it; the others asking for it wait
            with slot.lock:
                if slot.run_id == run_id and name in slot.values:
                    value = slot.values[name]
                    return value
            t = time.perf_counter()
            value = load(store, run_id)
            with slot.lock:
                if slot.run_id == run_id:
                    slot.values[name] = value
                    slot.seconds[name] = time.perf_counter() - t
            return value

    def _drop(self, store: Store, run_id: str) -> None:
        slot = self._slot(store)
        with slot.lock:
            if slot.run_id == run_id:
                slot.run_id = None
                slot.values.clear()
                slot.locks.clear()


def _hold_open(path: Path) -> sqlite3.Connection:
    """A connection to the database at ``path`` that has opened it (module notes)."""
    con = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    con.execute("SELECT count(*) FROM sqlite_master").fetchone()
    return con


_SERVING_LOCK = threading.Lock()


def serving_cache(state: Any) -> RunCache:
    """The :class:`RunCache` of a serving process, kept on ``state`` (an app's ``state``).

    Made on first use; from then on BLAS runs on one thread in this process (module
    notes).
    """
    cache: RunCache | None = getattr(state, "run_cache", None)
    if cache is not None:
        return cache
    with _SERVING_LOCK:
        cache = getattr(state, "run_cache", None)
        if cache is None:
            from threadpoolctl import threadpool_limits

            threadpool_limits(limits=1, user_api="blas")
            cache = RunCache()
            state.run_cache = cache
    return cache
