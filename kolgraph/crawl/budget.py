"""How far a crawl goes: depth, page and item limits, time."""

from __future__ import annotations

from dataclasses import dataclass

from kolgraph.crawl.adapter import Platform
from kolgraph.crawl.task import LIST_TASKS, TaskKind
from kolgraph.errors import InputError

__all__ = ["CrawlBudget"]


@dataclass(frozen=True)
class CrawlBudget:
    """How far a crawl goes.

    Attributes
    ----------
    depth
        Hops from the seeds whose accounts are profiled: the seeds are depth 0;
        the lists (followers, following, posts and their reposts) of accounts
        at depth < ``depth`` are fetched, and the accounts found there are
        profiled at depth + 1.
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

    def page_cap(self, platform: Platform, kind: TaskKind) -> int | None:
        """Pages of a list of ``kind`` fetched at most: the smaller of the platform's
        limit and ``max_pages`` (``None``: no limit)."""
        caps = [c for c in (platform.max_pages.get(kind), self.max_pages) if c is not None]
        return min(caps) if caps else None

    def wants(self, platform: Platform, kind: TaskKind) -> bool:
        """Whether the budget leaves room for any page of a paged task of ``kind``
        (a zero ``max_pages``, ``max_followers`` or ``max_posts`` fetches none)."""
        if self.page_cap(platform, kind) == 0:
            return False
        if kind in LIST_TASKS and self.max_followers == 0:
            return False
        return not (kind is TaskKind.POSTS and self.max_posts == 0)
