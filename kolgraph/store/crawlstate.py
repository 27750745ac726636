"""The crawl-state part of the store contract: a store's :attr:`~kolgraph.store.base.Store.crawl`.

A crawl's frontier lives in the store, beside the edges it produced: every
page the crawler fetches is committed with :meth:`CrawlState.commit`,
which writes the page's accounts and edges, advances the task's cursor and
adds the tasks the page discovered **in one transaction**. Killing the
crawler at any moment therefore loses no edge and duplicates none: a restart
reads the pending tasks back (:meth:`CrawlState.tasks`) and fetches
the page after the last one committed.
"""

from __future__ import annotations

import abc
import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal

from kolgraph.errors import NotFound
from kolgraph.model import Account
from kolgraph.store.batches import RepostBatch

__all__ = [
    "CrawlBatch",
    "CrawlInfo",
    "CrawlState",
    "TaskRow",
    "TaskStatus",
    "now_iso",
]

TaskStatus = Literal["pending", "done", "failed", "gone"]


@dataclass(frozen=True, slots=True)
class TaskRow:
    """A crawl task as stored: the task, its place in the frontier and its progress.

    Attributes
    ----------
    key
        ``"{kind}:{target}"``, unique within a crawl.
    kind, target, owner, ts
        As :class:`kolgraph.crawl.task.Task`.
    cursor, page
        The next page to fetch and how many pages were fetched.
    depth
        Breadth-first distance of the account from the seeds.
    priority, seq
        Order within a depth: higher priority first, then discovery order.
    status
        ``pending``, ``done``, ``failed`` (gave up after repeated bad pages)
        or ``gone`` (the platform says it does not exist).
    attempts
        Failed attempts at the current page.
    node
        Store key of the account the task is about (the author for post tasks).
    seen, total
        Items seen in the list so far, and the platform's stated total.
    error
        Last error message, if any.
    """

    key: str
    kind: str
    target: str
    depth: int
    priority: float
    seq: int
    owner: str | None = None
    ts: int | None = None
    cursor: str | None = None
    page: int = 0
    status: TaskStatus = "pending"
    attempts: int = 0
    node: str | None = None
    seen: int = 0
    total: int | None = None
    error: str | None = None

    def but(self, **changes: Any) -> TaskRow:
        """A copy with ``changes`` applied."""
        return replace(self, **changes)


@dataclass(slots=True)
class CrawlBatch:
    """Everything one fetched page changes, committed atomically.

    Attributes
    ----------
    task
        The task's new state (written over the stored one).
    accounts
        Accounts the page describes (their properties are updated).
    follows
        ``(follower key, followed key)`` edges.
    reposts
        Repost edges (checked when the batch was built).
    new_tasks
        Tasks the page discovered (added unless the crawl has them).
    stats
        Counters added to the crawl's running totals.
    """

    task: TaskRow
    accounts: list[Account] = field(default_factory=list)
    follows: list[tuple[str, str]] = field(default_factory=list)
    reposts: RepostBatch = field(default_factory=RepostBatch.empty)
    new_tasks: list[TaskRow] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=dict)

    def follow_columns(self) -> tuple[list[str], list[str]]:
        """The follow edges as two columns: follower keys, followed keys."""
        return [s for s, _ in self.follows], [d for _, d in self.follows]

    def totals(self, before: dict[str, int], new_follows: int, new_reposts: int) -> str:
        """The crawl's running totals after this batch, as the JSON both stores keep."""
        totals = dict(before)
        for k, v in {**self.stats, "new_follows": new_follows, "new_reposts": new_reposts}.items():
            totals[k] = totals.get(k, 0) + int(v)
        return json.dumps(totals, sort_keys=True)


def now_iso() -> str:
    """The current UTC time as ISO 8601 (seconds): crawls' ``created`` / ``updated``."""
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class CrawlInfo:
    """A crawl's identity, parameters and running totals."""

    crawl_id: str
    platform: str
    params: dict[str, Any]
    created: str
    updated: str
    stats: dict[str, int]
    tasks: dict[str, int]

    @classmethod
    def from_stored(cls, stored: Sequence[Any], tasks: dict[str, int]) -> CrawlInfo:
        """A crawl as both stores keep it: ``(crawl_id, platform, params, created,
        updated, stats)`` with params and stats as JSON text, and task counts by status."""
        crawl_id, platform, params, created, updated, stats = stored
        return cls(
            crawl_id=crawl_id,
            platform=platform,
            params=json.loads(params),
            created=created,
            updated=updated,
            stats=json.loads(stats),
            tasks=tasks,
        )

    @staticmethod
    def stored_params(params: dict[str, Any]) -> str:
        """A crawl's parameters as the JSON text both stores keep."""
        return json.dumps(params, sort_keys=True, default=str)

    @staticmethod
    def unknown(crawl_id: str, *, committing: bool = False) -> NotFound:
        """The error for a crawl the store does not have (when reading it, or when
        committing a page to it)."""
        return NotFound(
            f"no crawl {crawl_id!r} in this store",
            hint="start it with CrawlState.begin (the crawl command does)"
            if committing
            else "`kolgraph crawl status` lists the crawls",
        )


class CrawlState(abc.ABC):
    """The crawl state kept in a store (see the module docstring).

    Each store has one (:attr:`~kolgraph.store.base.Store.crawl`), working in
    the store's own database and transactions.
    """

    @abc.abstractmethod
    def begin(self, crawl_id: str, platform: str, params: dict[str, Any]) -> CrawlInfo:
        """Create the crawl if it is new and return it (an existing crawl is returned as is)."""

    @abc.abstractmethod
    def info(self, crawl_id: str) -> CrawlInfo:
        """The crawl (:class:`~kolgraph.errors.NotFound` if there is none)."""

    @abc.abstractmethod
    def all(self) -> list[CrawlInfo]:
        """Every crawl, most recently updated first."""

    @abc.abstractmethod
    def tasks(self, crawl_id: str, *, status: TaskStatus | None = None) -> list[TaskRow]:
        """The crawl's tasks (all, or those with ``status``), in frontier order."""

    @abc.abstractmethod
    def commit(self, crawl_id: str, batch: CrawlBatch) -> tuple[int, int]:
        """Write a page's accounts and edges, update its task, add new tasks and
        add ``batch.stats`` to the crawl's totals, all in one transaction.

        Returns ``(new follow edges, new repost edges)``.
        """

    @abc.abstractmethod
    def delete(self, crawl_id: str) -> None:
        """Forget a crawl's state (its edges stay in the store)."""
