"""The crawl loop: a breadth-first frontier with priorities, checkpointed in the store.

:class:`Crawler` starts from seed accounts and expands breadth first: every
task at depth *d* is done before any at depth *d + 1*, and within a depth the
likely KOLs go first (priority: log10 of the declared followers, +2 for a
verified account, +1 for an account found reposting). Because a depth is
finished before the next begins, the depth at which an account is first found
is its true distance from the seeds whatever order pages arrive in, so a
crawl that met faults, or was killed and resumed, ends with the same tasks
and the same edges as an undisturbed one.

Per page the crawler

1. fetches it (the platform client, through the shared throttled HTTP layer),
2. appends the raw body to the archive (:mod:`kolgraph.crawl.archive`),
3. parses it (the platform's pure ``parse``),
4. commits the page's accounts and edges, the task's next cursor and the
   tasks it discovered in one store transaction
   (:meth:`~kolgraph.store.crawlstate.CrawlState.commit`).

A page that cannot be parsed is quarantined with a log line and fetched again
later (up to ``max_attempts``); a missing or protected account is marked ``gone``;
expired credentials stop the crawl with the state saved, so rerunning the same
command continues where it stopped. How deep and how wide a crawl goes is
its :class:`~kolgraph.crawl.budget.CrawlBudget`.
"""

from __future__ import annotations

import heapq
import logging
import math
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from kolgraph.crawl.adapter import Client, Platform
from kolgraph.crawl.archive import Archive
from kolgraph.crawl.budget import CrawlBudget
from kolgraph.crawl.keys import KeyMapper
from kolgraph.crawl.page import Page, Profile
from kolgraph.crawl.rows import page_rows
from kolgraph.crawl.seeds import POST_SEED, PostSeed
from kolgraph.crawl.task import LIST_TASKS, POST_TASKS, Task, TaskKind
from kolgraph.errors import (
    BadPage,
    InputError,
    KolgraphError,
    NotFound,
    ParseError,
    Protected,
    RateLimited,
    Unavailable,
)
from kolgraph.model import Kind
from kolgraph.store.base import Store
from kolgraph.store.crawlstate import CrawlBatch, CrawlState, TaskRow

__all__ = ["CrawlReport", "Crawler", "account_priority"]

log = logging.getLogger("kolgraph.crawl")

SEED_PRIORITY = 1e6


@dataclass
class CrawlReport:
    """What one :meth:`Crawler.run` did (this run only, except ``tasks``)."""

    crawl_id: str
    status: str = "running"
    pages: int = 0
    new_follows: int = 0
    new_reposts: int = 0
    accounts: int = 0
    quarantined: int = 0
    gone: int = 0
    failed: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    elapsed: float = 0.0
    tasks: dict[str, int] = field(default_factory=dict)
    coverage: float | None = None
    http: dict[str, Any] = field(default_factory=dict)

    @property
    def pages_per_s(self) -> float:
        """Pages fetched per second of this run."""
        return self.pages / self.elapsed if self.elapsed > 0 else 0.0


def account_priority(profile: Profile | None, *, reposter: bool = False) -> float:
    """Frontier priority of an account: ``log10(1 + followers)``, +2 if verified,
    +1 if it was found reposting."""
    p = 0.0
    if profile is not None:
        p += math.log10(1 + max(0, profile.followers or 0))
        if profile.verified is not None:
            p += 2.0
    return round(p + (1.0 if reposter else 0.0), 6)


class Crawler:
    """Crawl one platform from seeds into a store, resumably.

    Parameters
    ----------
    store
        Where edges and the crawl state (:attr:`~kolgraph.store.base.Store.crawl`) go.
    platform, client
        The platform adapter and its HTTP client.
    crawl_id
        The crawl to create or resume.
    keys
        Raw id → store key mapping (with user-id hashing when salted).
    budget
        Depth and limits.
    archive
        Raw page archive; ``None`` keeps no archive.
    on_progress
        Called with the running :class:`CrawlReport` and the queue length after
        every page.
    clock
        Monotonic clock (for the wall-time budget).
    """

    def __init__(
        self,
        store: Store,
        platform: Platform,
        client: Client,
        *,
        crawl_id: str,
        keys: KeyMapper,
        budget: CrawlBudget | None = None,
        archive: Archive | None = None,
        on_progress: Callable[[CrawlReport, int], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.state: CrawlState = store.crawl
        self.platform = platform
        self.client = client
        self.crawl_id = crawl_id
        self.keys = keys
        self.budget = budget or CrawlBudget()
        self.archive = archive
        self.on_progress = on_progress
        self._clock = clock
        self._heap: list[tuple[int, float, int, str]] = []
        self._rows: dict[str, TaskRow] = {}
        self._known: set[str] = set()
        self._next_seq = 0
        self._profiles_done = 0
        self._loaded = False

    # state ---------------------------------------------------------------------
    def _push(self, row: TaskRow) -> None:
        self._rows[row.key] = row
        heapq.heappush(self._heap, (row.depth, -row.priority, row.seq, row.key))

    def _load(self) -> None:
        """Read the crawl's tasks from the store once; later changes are mirrored
        in memory as they are committed."""
        if self._loaded:
            return
        self._loaded = True
        self._heap.clear()
        self._rows.clear()
        rows = self.state.tasks(self.crawl_id)
        self._known = {r.key for r in rows}
        self._next_seq = max((r.seq for r in rows), default=-1) + 1
        self._profiles_done = 0
        for r in rows:
            if r.node is not None and r.owner is None:
                self.keys.pin(r.target, r.node)
            if r.kind == TaskKind.PROFILE.value and r.status != "pending":
                self._profiles_done += 1
            if r.status == "pending":
                self._push(r)

    def retry_failed(self) -> int:
        """Put the crawl's ``failed`` tasks back in the frontier (attempts reset);
        return how many. For tasks that gave up during an outage or on pages a
        fixed parser now reads."""
        self._load()
        rows = self.state.tasks(self.crawl_id, status="failed")
        for r in rows:
            again = r.but(status="pending", attempts=0, error=None)
            self.state.commit(self.crawl_id, CrawlBatch(task=again))
            self._push(again)
            if r.kind == TaskKind.PROFILE.value:
                self._profiles_done -= 1
        return len(rows)

    def seed(self, ids: Iterable[str]) -> int:
        """Add seeds (depth 0) not yet in the crawl; return how many tasks were new.

        An id is an account (its profile is fetched first) or
        ``post:AUTHOR_ID/POST_ID[@UNIX_TIME]`` (the post's reposts and quotes
        are fetched).

        Raises
        ------
        InputError
            A malformed post seed.
        """
        self._load()
        rows: list[TaskRow] = []
        added: set[str] = set()

        def add(kind: TaskKind, target: str, n: int, **fields: Any) -> None:
            key = f"{kind.value}:{target}"
            if key in self._known or key in added:
                return
            added.add(key)
            rows.append(
                TaskRow(
                    key=key,
                    kind=kind.value,
                    target=target,
                    depth=0,
                    priority=SEED_PRIORITY - n,
                    seq=self._next_seq + len(rows),
                    **fields,
                )
            )

        for n, seed in enumerate(ids):
            if not seed.startswith(POST_SEED):
                add(TaskKind.PROFILE, seed, n, node=self.keys.key(seed, Kind.KOL))
                continue
            post = PostSeed.parse(seed)
            if post is None:
                raise InputError(
                    f"bad post seed {seed!r}",
                    hint="write posts as post:AUTHOR_ID/POST_ID[@UNIX_TIME]",
                )
            node = self.keys.key(post.author, Kind.KOL)
            for kind in self.platform.post_tasks:
                if self.budget.wants(self.platform, kind):
                    add(kind, post.post_id, n, owner=post.author, node=node, ts=post.ts)
        if rows:
            first, rest = rows[0], rows[1:]
            # the seed rows go in as one commit: the first as "the task", the rest as new tasks
            self.state.commit(self.crawl_id, CrawlBatch(task=first, new_tasks=rest))
            self._known |= added
            self._next_seq += len(rows)
            for r in rows:
                self._push(r)
        return len(rows)

    def _new_task(
        self, kind: TaskKind, target: str, *, depth: int, priority: float, **fields: Any
    ) -> TaskRow | None:
        key = f"{kind.value}:{target}"
        if key in self._known:
            return None
        self._known.add(key)
        row = TaskRow(
            key=key,
            kind=kind.value,
            target=target,
            depth=depth,
            priority=round(priority, 6),
            seq=self._next_seq,
            **fields,
        )
        self._next_seq += 1
        return row

    # the loop ------------------------------------------------------------------
    def run(self) -> CrawlReport:
        """Crawl until the frontier is empty or a budget stops it."""
        self._load()
        report = CrawlReport(crawl_id=self.crawl_id)
        start = self._clock()
        budget = self.budget
        deferred: list[TaskRow] = []
        troubles = 0
        try:
            while self._heap:
                if budget.wall_time is not None and self._clock() - start >= budget.wall_time:
                    report.status = "stopped: wall time"
                    break
                _, _, _, key = heapq.heappop(self._heap)
                row = self._rows.pop(key, None)
                if row is None:  # a stale heap entry (the task was pushed again)
                    continue
                if (
                    row.kind == TaskKind.PROFILE.value
                    and budget.max_accounts is not None
                    and self._profiles_done >= budget.max_accounts
                ):
                    deferred.append(row)  # stays pending in the store
                    continue
                try:
                    self._step(row, report)
                    troubles = 0
                except (RateLimited, Unavailable) as exc:
                    troubles += 1
                    report.errors[type(exc).__name__] += 1
                    self._retry_later(row, report, exc, raw="", url="")
                    if troubles >= 3:
                        raise Unavailable(
                            f"{self.platform.name} kept failing after every retry on "
                            f"{troubles} pages in a row (last: {exc.message})",
                            hint="the crawl state is saved; rerun the same command later "
                            "or lower KOLGRAPH_CRAWL_RPM",
                        ) from exc
                report.elapsed = self._clock() - start
                if self.on_progress is not None:
                    self.on_progress(report, len(self._heap))
            else:
                report.status = "done" if not deferred else "stopped: max accounts"
        finally:
            report.elapsed = self._clock() - start
            if deferred and report.status == "running":
                report.status = "stopped: max accounts"
            if self.archive is not None:
                self.archive.close()
        self._finish(report)
        return report

    def _finish(self, report: CrawlReport) -> None:
        rows = self.state.tasks(self.crawl_id)
        report.tasks = dict(Counter(r.status for r in rows))
        declared = {r.target: r.total for r in rows if r.kind == TaskKind.PROFILE.value and r.total}
        seen = total = 0
        for r in rows:
            if r.kind == TaskKind.FOLLOWERS.value and r.status == "done":
                of = declared.get(r.target) or r.total
                if of:
                    seen += min(r.seen, of)
                    total += of
        report.coverage = round(seen / total, 4) if total else None

    def _task(self, row: TaskRow) -> Task:
        return Task(
            kind=TaskKind(row.kind),
            target=row.target,
            cursor=row.cursor,
            owner=row.owner,
            page=row.page,
            ts=row.ts,
        )

    def _step(self, row: TaskRow, report: CrawlReport) -> None:
        task = self._task(row)
        try:
            fetched = self.client.fetch(task)
        except (NotFound, Protected) as exc:
            report.gone += 1
            self._commit(
                row.but(status="gone", error=exc.message), CrawlBatch(task=row), report, gone=1
            )
            return
        except BadPage as exc:
            self._retry_later(row, report, exc, raw=exc.raw, url=exc.url)
            return
        if self.archive is not None:
            # with hashing, the key the crawl chose for the task's account lets a
            # replay choose the same one (seeds and post-seed authors keep public ids)
            extra = {"node": row.node} if self.keys.hashing and row.node else {}
            self.archive.append(
                self.archive.record(
                    self.platform.name,
                    task,
                    url=fetched.url,
                    status=fetched.status,
                    body=fetched.text,
                    **extra,
                )
            )
        try:
            page = self.platform.parse(task, fetched.payload)
        except ParseError as exc:
            self._retry_later(row, report, exc, raw=fetched.text, url=fetched.url)
            return
        batch = self._expand(row, task, page)
        report.pages += 1
        report.accounts += len(batch.accounts)
        self._commit(
            batch.task,
            batch,
            report,
            pages=1,
            follows=len(batch.follows),
            reposts=len(batch.reposts),
        )

    def _commit(self, row: TaskRow, batch: CrawlBatch, report: CrawlReport, **stats: int) -> None:
        batch.task = row
        batch.stats = {k: v for k, v in stats.items() if v}
        nf, nr = self.state.commit(self.crawl_id, batch)
        report.new_follows += nf
        report.new_reposts += nr
        if row.kind == TaskKind.PROFILE.value and row.status != "pending":
            self._profiles_done += 1  # done, gone or failed: as _load counts them
        if row.status == "pending":
            self._push(row)
        for t in batch.new_tasks:
            self._push(t)

    def _retry_later(
        self, row: TaskRow, report: CrawlReport, exc: KolgraphError, *, raw: str, url: str
    ) -> None:
        attempts = row.attempts + 1
        msg = exc.message
        status = "failed" if attempts >= self.budget.max_attempts else "pending"
        if isinstance(exc, ParseError):
            report.quarantined += 1
            where = ""
            if self.archive is not None:
                rec = self.archive.record(
                    self.platform.name,
                    self._task(row),
                    url=url,
                    status=200,
                    body=raw,
                    error=msg,
                )
                self.archive.quarantine(rec)
                where = f" (page kept in {self.archive.quarantine_path})"
            log.warning(
                "quarantined %s %s %s page %d (attempt %d/%d): %s%s",
                self.platform.name,
                row.kind,
                row.target,
                row.page,
                attempts,
                self.budget.max_attempts,
                msg,
                where,
            )
        if status == "failed":
            report.failed += 1
            log.error(
                "giving up on %s %s %s page %d after %d attempts: %s",
                self.platform.name,
                row.kind,
                row.target,
                row.page,
                attempts,
                msg,
            )
        # fetched again later within the same depth: priority drops below its peers
        retry = row.but(
            attempts=attempts, status=status, error=msg, priority=round(row.priority - 1e3, 6)
        )
        self._commit(
            retry,
            CrawlBatch(task=retry),
            report,
            quarantined=int(isinstance(exc, ParseError)),
            failed=int(status == "failed"),
        )

    def _expand(self, row: TaskRow, task: Task, page: Page) -> CrawlBatch:
        """The batch of a parsed page: its edges, the task's next state, new tasks."""
        budget, platform = self.budget, self.platform
        kind = TaskKind(row.kind)
        rows = page_rows(self.keys, task, page)
        batch = CrawlBatch(
            task=row, accounts=rows.accounts, follows=rows.follows, reposts=rows.reposts
        )
        expand = row.depth < budget.depth
        items = len(page.follows) + len(page.reposts) + len(page.posts)
        if kind is TaskKind.PROFILE:
            if expand:
                for k in platform.account_tasks:
                    if not budget.wants(platform, k):
                        continue
                    t = self._new_task(
                        k, row.target, depth=row.depth, priority=row.priority, node=row.node
                    )
                    if t is not None:
                        batch.new_tasks.append(t)
            nxt = row.but(status="done", page=row.page + 1, attempts=0, error=None)
            if page.profiles:
                nxt = nxt.but(total=page.profiles[0].followers)
            batch.task = nxt
            return batch
        # discovered accounts, one hop further
        if row.depth + 1 <= budget.depth:
            for account_id, prof in rows.found.items():
                key = self.keys.profile_key(account_id, prof)
                t = self._new_task(
                    TaskKind.PROFILE,
                    account_id,
                    depth=row.depth + 1,
                    priority=account_priority(prof, reposter=kind in POST_TASKS),
                    node=key,
                )
                if t is not None:
                    self.keys.pin(account_id, key)
                    batch.new_tasks.append(t)
        seen = row.seen + items
        if kind is TaskKind.POSTS:
            room = max(0, budget.max_posts - row.seen)
            for post in page.posts[:room]:
                for k in platform.post_tasks:
                    count = post.quotes if k is TaskKind.QUOTES else post.reposts
                    if count == 0 or not budget.wants(platform, k):
                        continue
                    t = self._new_task(
                        k,
                        post.post_id,
                        depth=row.depth,
                        priority=row.priority + math.log10(1 + max(0, count or 0)),
                        owner=post.author,
                        ts=post.ts,
                        node=row.node,
                    )
                    if t is not None:
                        batch.new_tasks.append(t)
            more = seen < budget.max_posts
        elif kind in LIST_TASKS:
            more = budget.max_followers is None or seen < budget.max_followers
        else:
            more = True
        cap = budget.page_cap(platform, kind)
        more = more and page.next_cursor is not None and (cap is None or row.page + 1 < cap)
        batch.task = row.but(
            cursor=page.next_cursor if more else row.cursor,
            page=row.page + 1,
            status="pending" if more else "done",
            attempts=0,
            error=None,
            seen=seen,
            total=page.total if page.total is not None else row.total,
        )
        return batch
