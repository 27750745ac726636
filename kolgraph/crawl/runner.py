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
   (:meth:`~kolgraph.store.crawlstate.CrawlState.crawl_commit`).

A page that cannot be parsed is quarantined with a log line and fetched again
later (up to ``max_attempts``); a missing or protected account is marked ``gone``;
expired credentials stop the crawl with the state saved, so rerunning the same
command continues where it stopped.

Depth ``D``: the seeds are depth 0; the lists (followers, following, posts and
their reposts) of accounts at depth < ``D`` are fetched, and the accounts
found there are profiled at depth + 1.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import logging
import math
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from kolgraph.crawl.archive import Archive, read_archive, task_from_dict
from kolgraph.crawl.base import Page, Platform, Profile, Task, TaskKind
from kolgraph.crawl.http import HttpClient
from kolgraph.crawl.keys import KeyMapper
from kolgraph.crawl.platforms import get_platform
from kolgraph.errors import (
    BadPage,
    InputError,
    NotFound,
    ParseError,
    Protected,
    RateLimited,
    Unavailable,
)
from kolgraph.model import Kind
from kolgraph.settings import Settings, get_settings
from kolgraph.store.base import Store
from kolgraph.store.crawlstate import CrawlBatch, CrawlState, TaskRow

__all__ = [
    "CrawlBudget",
    "CrawlReport",
    "Crawler",
    "ReplayReport",
    "crawl",
    "crawl_id_for",
    "page_batch",
    "read_seeds",
    "replay",
]

log = logging.getLogger("kolgraph.crawl")

SEED_PRIORITY = 1e6
POST_SEED = "post:"
LIST_TASKS = (TaskKind.FOLLOWERS, TaskKind.FOLLOWING)
POST_TASKS = (TaskKind.REPOSTS, TaskKind.QUOTES)


@dataclass(frozen=True)
class CrawlBudget:
    """How far a crawl goes.

    Attributes
    ----------
    depth
        Hops from the seeds whose accounts are profiled (see the module docstring).
    max_pages
        Pages per list (followers of one account, reposts of one post, ...);
        ``None``: as many as the platform serves; 0: profiles only.
    max_followers
        Followers (and followings) collected per account; ``None``: no limit.
    max_posts
        Posts per account whose reposts are collected.
    max_accounts
        Profiles fetched in all (missing ones included); ``None``: no limit.
    wall_time
        Seconds after which the crawl stops (resumable); ``None``: no limit.
    max_attempts
        Times a page that cannot be parsed (or keeps failing) is tried before
        its task is marked ``failed``.
    """

    depth: int = 1
    max_pages: int | None = None
    max_followers: int | None = None
    max_posts: int = 20
    max_accounts: int | None = None
    wall_time: float | None = None
    max_attempts: int = 5

    def __post_init__(self) -> None:
        for name in ("depth", "max_pages", "max_followers", "max_posts", "max_accounts"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise InputError(f"crawl budget {name} must be >= 0, got {value}")
        if self.wall_time is not None and self.wall_time < 0:
            raise InputError(f"crawl budget wall_time must be >= 0, got {self.wall_time}")
        if self.max_attempts < 1:
            raise InputError(f"max_attempts must be >= 1, got {self.max_attempts}")


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
        return self.pages / self.elapsed if self.elapsed > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["errors"] = dict(self.errors)
        d["pages_per_s"] = round(self.pages_per_s, 2)
        return d


def read_seeds(path: str | Path, platform: str) -> list[str]:
    """Seeds from a file: one per line, ``#`` comments and blank lines ignored.

    A line is an account id (an optional ``platform:`` prefix is stripped) or
    a post, ``post:AUTHOR_ID/POST_ID[@UNIX_TIME]``: the crawl then starts from
    the post's reposts (and quotes), and the reposters are expanded like
    accounts found on any list. The time dates the repost edges on platforms
    whose repost lists give none (X); it is required there.
    """
    p = Path(path)
    try:
        lines = p.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(
            f"cannot read seeds file {p}: {exc.strerror}",
            hint="pass --seeds FILE with one account id per line",
        ) from exc
    seeds: list[str] = []
    for n, raw in enumerate(lines, 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if not line.startswith(POST_SEED):
            prefix, sep, rest = line.partition(":")
            if sep:
                if prefix != platform:
                    raise InputError(
                        f"seed {line!r} is for platform {prefix!r}, not {platform!r}",
                        source=str(p),
                        line=n,
                        hint=f"give bare ids or {platform}:ID keys",
                    )
                line = rest
        if line.startswith(POST_SEED):
            author, slash, post = line[len(POST_SEED) :].partition("/")
            post, at, ts = post.partition("@")
            if (
                not (author and slash and post)
                or (at and not ts.isdigit())
                or any(c.isspace() for c in line)
            ):
                raise InputError(
                    f"bad post seed {raw.strip()!r}",
                    source=str(p),
                    line=n,
                    hint="write posts as post:AUTHOR_ID/POST_ID[@UNIX_TIME]",
                )
            seeds.append(line)
            continue
        if not line or any(c.isspace() for c in line):
            raise InputError(f"bad seed id {raw!r}", source=str(p), line=n)
        seeds.append(line)
    if not seeds:
        raise InputError(f"seeds file {p} has no account ids", hint="one id per line")
    return list(dict.fromkeys(seeds))


def crawl_id_for(platform: str, seeds: Sequence[str], params: dict[str, Any]) -> str:
    """A stable crawl id: the same platform, seeds and budget give the same id,
    so rerunning a command resumes its crawl."""
    blob = json.dumps({"seeds": sorted(seeds), **params}, sort_keys=True, default=str)
    return f"{platform}-{hashlib.sha1(blob.encode()).hexdigest()[:10]}"


def account_priority(profile: Profile | None, *, reposter: bool = False) -> float:
    """Frontier priority of an account: ``log10(1 + followers)``, +2 if verified,
    +1 if it was found reposting."""
    p = 0.0
    if profile is not None:
        p += math.log10(1 + max(0, profile.followers or 0))
        if profile.verified is not None:
            p += 2.0
    return round(p + (1.0 if reposter else 0.0), 6)


def page_batch(
    keys: KeyMapper, task: Task, page: Page
) -> tuple[CrawlBatch, dict[str, Profile | None]]:
    """The store rows of a parsed page (without task bookkeeping).

    Returns the batch (accounts, follows, reposts; its ``task`` field is a
    placeholder) and every other account id the page mentions, with its
    profile when the page gave one (the crawler's frontier candidates).
    """
    profiles = {p.account_id: p for p in page.profiles}

    def key(account_id: str) -> str:
        prof = profiles.get(account_id)
        return keys.key(account_id, Kind.USER if prof is None else keys.kind(prof))

    batch = CrawlBatch(task=TaskRow(key="", kind="", target="", depth=0, priority=0, seq=0))
    batch.accounts = [keys.account(p) for p in page.profiles]
    found: dict[str, Profile | None] = {}
    for src, dst in page.follows:
        batch.follow_src.append(key(src))
        batch.follow_dst.append(key(dst))
        other = src if task.kind is TaskKind.FOLLOWERS else dst
        found.setdefault(other, profiles.get(other))
    for r in page.reposts:
        batch.repost_src.append(key(r.reposter))
        batch.repost_dst.append(key(r.author))
        batch.repost_post.append(r.post_id)
        batch.repost_ts.append(int(r.ts))
        batch.repost_action.append(r.action)
        found.setdefault(r.reposter, profiles.get(r.reposter))
    return batch, found


def _list_cap(platform: Platform, budget: CrawlBudget, kind: TaskKind) -> int | None:
    caps = [c for c in (platform.max_pages.get(kind), budget.max_pages) if c is not None]
    return min(caps) if caps else None


def _wanted(platform: Platform, budget: CrawlBudget, kind: TaskKind) -> bool:
    """Whether the budget leaves room for any page of a paged task of ``kind``
    (a zero ``max_pages``, ``max_followers`` or ``max_posts`` fetches none)."""
    if _list_cap(platform, budget, kind) == 0:
        return False
    if kind in LIST_TASKS and budget.max_followers == 0:
        return False
    return not (kind is TaskKind.POSTS and budget.max_posts == 0)


class Crawler:
    """Crawl one platform from seeds into a store, resumably.

    Parameters
    ----------
    store
        Where edges and the crawl state go (both stores implement
        :class:`~kolgraph.store.crawlstate.CrawlState`).
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
        Called with the running :class:`CrawlReport` after every page.
    clock
        Monotonic clock (for the wall-time budget).
    """

    def __init__(
        self,
        store: Store,
        platform: Platform,
        client: Any,
        *,
        crawl_id: str,
        keys: KeyMapper,
        budget: CrawlBudget | None = None,
        archive: Archive | None = None,
        on_progress: Callable[[CrawlReport, int], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not isinstance(store, CrawlState):
            raise InputError(f"the {type(store).__name__} store cannot hold crawl state")
        self.store: CrawlState = store
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
        rows = self.store.crawl_tasks(self.crawl_id)
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
        rows = self.store.crawl_tasks(self.crawl_id, status="failed")
        for r in rows:
            again = r.but(status="pending", attempts=0, error=None)
            self.store.crawl_commit(self.crawl_id, CrawlBatch(task=again))
            self._push(again)
            if r.kind == TaskKind.PROFILE.value:
                self._profiles_done -= 1
        return len(rows)

    def seed(self, ids: Iterable[str]) -> int:
        """Add seeds (depth 0) not yet in the crawl; return how many tasks were new.

        An id is an account (its profile is fetched first) or
        ``post:AUTHOR_ID/POST_ID`` (the post's reposts and quotes are fetched).
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
            if seed.startswith(POST_SEED):
                author, _, post = seed[len(POST_SEED) :].partition("/")
                post, _, ts = post.partition("@")
                node = self.keys.key(author, Kind.KOL)
                for kind in self.platform.post_tasks:
                    if _wanted(self.platform, self.budget, kind):
                        add(kind, post, n, owner=author, node=node, ts=int(ts) if ts else None)
            else:
                add(TaskKind.PROFILE, seed, n, node=self.keys.key(seed, Kind.KOL))
        if rows:
            first, rest = rows[0], rows[1:]
            # the seed rows go in as one commit: the first as "the task", the rest as new tasks
            self.store.crawl_commit(self.crawl_id, CrawlBatch(task=first, new_tasks=rest))
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
        rows = self.store.crawl_tasks(self.crawl_id)
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
            follows=len(batch.follow_src),
            reposts=len(batch.repost_src),
        )

    def _commit(self, row: TaskRow, batch: CrawlBatch, report: CrawlReport, **stats: int) -> None:
        batch.task = row
        batch.stats = {k: v for k, v in stats.items() if v}
        nf, nr = self.store.crawl_commit(self.crawl_id, batch)
        report.new_follows += nf
        report.new_reposts += nr
        if row.kind == TaskKind.PROFILE.value and row.status != "pending":
            self._profiles_done += 1  # done, gone or failed: as _load counts them
        if row.status == "pending":
            self._push(row)
        for t in batch.new_tasks:
            self._push(t)

    def _retry_later(
        self, row: TaskRow, report: CrawlReport, exc: Exception, *, raw: str, url: str
    ) -> None:
        attempts = row.attempts + 1
        msg = getattr(exc, "message", str(exc))
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
        batch, found = page_batch(self.keys, task, page)
        new: list[TaskRow] = []
        expand = row.depth < budget.depth
        items = len(page.follows) + len(page.reposts) + len(page.posts)
        if kind is TaskKind.PROFILE:
            if expand:
                for k in platform.account_tasks:
                    if not _wanted(platform, budget, k):
                        continue
                    t = self._new_task(
                        k, row.target, depth=row.depth, priority=row.priority, node=row.node
                    )
                    if t is not None:
                        new.append(t)
            nxt = row.but(status="done", page=row.page + 1, attempts=0, error=None)
            if page.profiles:
                total = page.profiles[0].followers
                nxt = nxt.but(total=total)
            batch.task = nxt
            batch.new_tasks = new
            return batch
        # discovered accounts, one hop further
        if row.depth + 1 <= budget.depth:
            for account_id, prof in found.items():
                key = self.keys.key(account_id, Kind.USER if prof is None else self.keys.kind(prof))
                t = self._new_task(
                    TaskKind.PROFILE,
                    account_id,
                    depth=row.depth + 1,
                    priority=account_priority(prof, reposter=kind in POST_TASKS),
                    node=key,
                )
                if t is not None:
                    self.keys.pin(account_id, key)
                    new.append(t)
        seen = row.seen + items
        if kind is TaskKind.POSTS:
            room = max(0, budget.max_posts - row.seen)
            for post in page.posts[:room]:
                for k in platform.post_tasks:
                    count = post.quotes if k is TaskKind.QUOTES else post.reposts
                    if count == 0 or not _wanted(platform, budget, k):
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
                        new.append(t)
            more = seen < budget.max_posts
        elif kind in LIST_TASKS:
            more = budget.max_followers is None or seen < budget.max_followers
        else:
            more = True
        cap = _list_cap(platform, budget, kind)
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
        batch.new_tasks = new
        return batch


# --------------------------------------------------------------------------- entry points
def _keys(platform: str, settings: Settings) -> KeyMapper:
    salt = settings.user_id_salt
    return KeyMapper(
        platform,
        salt=None if salt is None else salt.get_secret_value(),
        kol_followers=settings.crawl_kol_followers,
    )


def crawl(
    store: Store,
    platform: str,
    seeds: Sequence[str],
    *,
    settings: Settings | None = None,
    base_url: str | None = None,
    budget: CrawlBudget | None = None,
    crawl_id: str | None = None,
    archive_dir: str | Path | None = None,
    http: HttpClient | None = None,
    on_progress: Callable[[CrawlReport, int], None] | None = None,
    retry_failed: bool = False,
) -> CrawlReport:
    """Crawl ``platform`` from ``seeds`` into ``store``; resume if the crawl exists.

    Parameters
    ----------
    store
        Target store (edges and crawl state).
    platform
        ``weibo``, ``x`` or ``bilibili``.
    seeds
        Platform account ids to start from.
    settings
        Credentials, throttle and retry settings; default :func:`get_settings`.
    base_url
        Replaces the platform's hosts (e.g. a local simulator's URL).
    budget
        Depth and limits (default :class:`CrawlBudget`).
    crawl_id
        Default: derived from platform, seeds, depth, page limits and
        ``base_url`` (:func:`crawl_id_for`), so the same command resumes.
    archive_dir
        Directory of the raw page archive; ``None``: no archive.
    http
        A shared :class:`~kolgraph.crawl.http.HttpClient`; default a new one.
    on_progress
        Called after every page with the report so far and the queue length.
    retry_failed
        Put tasks that gave up (``failed``) in an earlier run back in the frontier.
    """
    settings = settings or get_settings()
    budget = budget or CrawlBudget()
    adapter = get_platform(platform)
    params = {
        "depth": budget.depth,
        "max_pages": budget.max_pages,
        "max_followers": budget.max_followers,
        "max_posts": budget.max_posts,
        "base_url": base_url,
    }
    cid = crawl_id or crawl_id_for(adapter.name, seeds, params)
    if not isinstance(store, CrawlState):
        raise InputError(f"the {type(store).__name__} store cannot hold crawl state")
    if adapter.name == "x":  # retweeted_by gives no times: the post's time dates the edges
        for s in seeds:
            if s.startswith(POST_SEED) and "@" not in s:
                raise InputError(
                    f"X post seed {s!r} has no time",
                    hint="write X post seeds as post:AUTHOR_ID/POST_ID@UNIX_TIME",
                )
    keys = _keys(adapter.name, settings)
    info = store.crawl_begin(
        cid, adapter.name, {**params, "seeds": list(seeds), "user_ids": keys.fingerprint}
    )
    if info.platform != adapter.name:
        raise InputError(
            f"crawl {cid!r} is a {info.platform} crawl, not {adapter.name}",
            hint="pick another --crawl-id (or none: it is derived from the arguments)",
        )
    started = info.params.get("user_ids")
    if started is not None and started != keys.fingerprint:
        if started == "raw":
            how = "without"
        elif keys.fingerprint == "raw":
            how = "with"
        else:
            how = "with another"
        raise InputError(
            f"crawl {cid!r} was started {how} KOLGRAPH_USER_ID_SALT; resuming it now "
            "would mix raw and hashed user ids",
            hint="rerun with the salt it was started with, or start a new crawl with --crawl-id",
        )
    own_http = http is None
    client_http = http if http is not None else HttpClient(settings)
    try:
        crawler = Crawler(
            store,
            adapter,
            adapter.make_client(client_http, settings, base_url),
            crawl_id=cid,
            keys=keys,
            budget=budget,
            archive=None if archive_dir is None else Archive(archive_dir, cid),
            on_progress=on_progress,
        )
        crawler.seed(seeds)
        if retry_failed:
            crawler.retry_failed()
        report = crawler.run()
        report.http = client_http.stats.as_dict()
        return report
    finally:
        if own_http:
            client_http.close()


@dataclass
class ReplayReport:
    """What :func:`replay` did."""

    records: int = 0
    pages: int = 0
    bad: int = 0
    accounts: int = 0
    new_follows: int = 0
    new_reposts: int = 0
    skipped: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def replay(
    store: Store,
    path: str | Path,
    *,
    settings: Settings | None = None,
    flush_every: int = 500,
) -> ReplayReport:
    """Re-parse an archive (a file or a directory of them) into ``store``, offline.

    Pages are parsed with the current parsers, so after fixing a parser this
    rebuilds what a crawl stored, without touching the network. Writes are
    idempotent: replaying twice adds nothing. With hashing, each record's
    ``node`` (the key the crawl chose for the task's account) is reused, so
    seeds and post-seed authors keep their public ids as in the crawl. Pages that do not parse are
    counted and logged, not fatal.
    """
    settings = settings or get_settings()
    report = ReplayReport()
    keys: dict[str, KeyMapper] = {}
    pending: list[CrawlBatch] = []

    def flush() -> None:
        accounts = [a for b in pending for a in b.accounts]
        report.accounts += len(accounts)
        store.upsert_accounts(accounts)
        report.new_follows += store.add_follows(
            [k for b in pending for k in b.follow_src], [k for b in pending for k in b.follow_dst]
        )
        report.new_reposts += store.add_reposts(
            [k for b in pending for k in b.repost_src],
            [k for b in pending for k in b.repost_dst],
            [p for b in pending for p in b.repost_post],
            [t for b in pending for t in b.repost_ts],
            [a for b in pending for a in b.repost_action],
        )
        pending.clear()

    for rec in read_archive(path):
        report.records += 1
        if rec.get("status") != 200 or "error" in rec:
            report.skipped += 1
            continue
        adapter = get_platform(str(rec["platform"]))
        task = task_from_dict(rec["task"])
        try:
            page = adapter.parse(task, json.loads(rec["body"]))
        except (ValueError, ParseError) as exc:
            report.bad += 1
            log.warning("replay: cannot parse %s (%s): %s", rec.get("url"), task.key, exc)
            continue
        mapper = keys.get(adapter.name)
        if mapper is None:
            mapper = keys[adapter.name] = _keys(adapter.name, settings)
        node = rec.get("node")
        if isinstance(node, str) and mapper.hashing:
            # the key the crawl used for the task's account (seeds keep public ids)
            if task.kind in POST_TASKS:
                if task.owner is not None and mapper.pinned(task.owner) is None:
                    mapper.pin(task.owner, node)
            else:
                mapper.pin(task.target, node)
        batch, _ = page_batch(mapper, task, page)
        pending.append(batch)
        report.pages += 1
        if len(pending) >= flush_every:
            flush()
    if pending:
        flush()
    return report
