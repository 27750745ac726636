"""Crawl tasks: the unit of work of the crawler's queue.

A crawl is a queue of :class:`Task` objects: fetch one page of something
(an account's profile, one page of its followers, one page of reposts of a
post). A platform adapter (:class:`~kolgraph.crawl.adapter.Platform`) turns a
task into one HTTP request and the JSON it gets back into a
:class:`~kolgraph.crawl.page.Page`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

__all__ = ["LIST_TASKS", "POST_TASKS", "Task", "TaskKind"]


class TaskKind(str, Enum):
    """What one task fetches."""

    PROFILE = "profile"  # target: account id; one page
    FOLLOWERS = "followers"  # target: account id; paged: who follows it
    FOLLOWING = "following"  # target: account id; paged: whom it follows
    POSTS = "posts"  # target: account id; paged: its recent posts
    REPOSTS = "reposts"  # target: post id (owner: author id); paged: reposts of it
    QUOTES = "quotes"  # target: post id (owner: author id); paged: quotes of it (X)


#: Tasks that page through an account's follow lists.
LIST_TASKS = (TaskKind.FOLLOWERS, TaskKind.FOLLOWING)
#: Tasks about a post (their target is a post id, their owner its author).
POST_TASKS = (TaskKind.REPOSTS, TaskKind.QUOTES)


@dataclass(frozen=True, slots=True)
class Task:
    """One unit of crawl work: fetch the page at ``cursor`` of ``kind`` for ``target``.

    Attributes
    ----------
    kind
        What to fetch.
    target
        The platform's id of the account, or of the post for reposts/quotes.
    cursor
        The platform's cursor of the page to fetch (a page number, a
        ``since_id``, a pagination token, an offset); ``None`` for the first
        page.
    owner
        For post tasks, the author's account id (repost edges point to it).
    page
        How many pages of this task were fetched before this one (0 for the
        first); budgets such as ``max_pages`` count it.
    ts
        For post tasks, the post's unix time: the time of a repost edge when
        the platform's list gives none (X's ``retweeted_by``).
    """

    kind: TaskKind
    target: str
    cursor: str | None = None
    owner: str | None = None
    page: int = 0
    ts: int | None = None

    @property
    def key(self) -> str:
        """Identity of the task in the frontier (independent of the cursor)."""
        return f"{self.kind.value}:{self.target}"
