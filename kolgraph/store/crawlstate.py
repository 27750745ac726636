"""The crawl-state part of the store contract.

A crawl's frontier lives in the store, beside the edges it produced: every
page the crawler fetches is committed with :meth:`CrawlState.crawl_commit`,
which writes the page's accounts and edges, advances the task's cursor and
adds the tasks the page discovered **in one transaction**. Killing the
crawler at any moment therefore loses no edge and duplicates none: a restart
reads the pending tasks back (:meth:`CrawlState.crawl_tasks`) and fetches
the page after the last one committed.
"""

from __future__ import annotations

import abc
import json
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from kolgraph.model import Account

__all__ = ["CrawlBatch", "CrawlInfo", "CrawlState", "TaskRow", "TaskStatus"]

TaskStatus = str  # "pending" | "done" | "failed" | "gone"
TASK_STATUSES = ("pending", "done", "failed", "gone")


@dataclass(frozen=True, slots=True)
class TaskRow:
    """A crawl task as stored: the task, its place in the frontier and its progress.

    Attributes
    ----------
    key
        ``"{kind}:{target}"``, unique within a crawl.
    kind, target, owner, ts
        As :class:`kolgraph.crawl.base.Task`.
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
        return replace(self, **changes)


@dataclass(slots=True)
class CrawlBatch:
    """Everything one fetched page changes, committed atomically."""

    task: TaskRow
    accounts: list[Account] = field(default_factory=list)
    follow_src: list[str] = field(default_factory=list)
    follow_dst: list[str] = field(default_factory=list)
    repost_src: list[str] = field(default_factory=list)
    repost_dst: list[str] = field(default_factory=list)
    repost_post: list[str] = field(default_factory=list)
    repost_ts: list[int] = field(default_factory=list)
    repost_action: list[str] = field(default_factory=list)
    new_tasks: list[TaskRow] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=dict)

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


class CrawlState(abc.ABC):
    """Crawl-state methods every store implements (see the module docstring)."""

    @abc.abstractmethod
    def crawl_begin(self, crawl_id: str, platform: str, params: dict[str, Any]) -> CrawlInfo:
        """Create the crawl if it is new and return it (an existing crawl is returned as is)."""

    @abc.abstractmethod
    def crawl_info(self, crawl_id: str) -> CrawlInfo:
        """The crawl (:class:`~kolgraph.errors.NotFound` if there is none)."""

    @abc.abstractmethod
    def list_crawls(self) -> list[CrawlInfo]:
        """Every crawl, most recently updated first."""

    @abc.abstractmethod
    def crawl_tasks(self, crawl_id: str, *, status: TaskStatus | None = None) -> list[TaskRow]:
        """The crawl's tasks (all, or those with ``status``), in frontier order."""

    @abc.abstractmethod
    def crawl_commit(self, crawl_id: str, batch: CrawlBatch) -> tuple[int, int]:
        """Write a page's accounts and edges, update its task, add new tasks and
        add ``batch.stats`` to the crawl's totals, all in one transaction.

        Returns ``(new follow edges, new repost edges)``.
        """

    @abc.abstractmethod
    def crawl_delete(self, crawl_id: str) -> None:
        """Forget a crawl's state (its edges stay in the store)."""
