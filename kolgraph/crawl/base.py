"""Types shared by the crawler, the platform adapters and the simulator.

A crawl is a queue of :class:`Task` objects: fetch one page of something
(an account's profile, one page of its followers, one page of reposts of a
post). A platform adapter turns a task into one HTTP request (its
``client.py``) and the JSON it gets back into a :class:`Page` (its
``parse.py``, pure functions with no I/O). Ids in a page are the platform's
own raw ids; the crawler maps them to store keys (and hashes ordinary users'
ids when a salt is set, see :mod:`kolgraph.crawl.keys`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from kolgraph.crawl.http import HttpClient
    from kolgraph.settings import Settings

__all__ = [
    "Client",
    "Fetched",
    "Page",
    "Platform",
    "Post",
    "Profile",
    "Repost",
    "Task",
    "TaskKind",
    "Verified",
]

Verified = Literal["person", "org"]


class TaskKind(str, Enum):
    """What one task fetches."""

    PROFILE = "profile"  # target: account id; one page
    FOLLOWERS = "followers"  # target: account id; paged: who follows it
    FOLLOWING = "following"  # target: account id; paged: whom it follows
    POSTS = "posts"  # target: account id; paged: its recent posts
    REPOSTS = "reposts"  # target: post id (owner: author id); paged: reposts of it
    QUOTES = "quotes"  # target: post id (owner: author id); paged: quotes of it (X)


ACCOUNT_TASKS = (TaskKind.PROFILE, TaskKind.FOLLOWERS, TaskKind.FOLLOWING, TaskKind.POSTS)


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


@dataclass(frozen=True, slots=True)
class Profile:
    """An account as a platform describes it.

    ``followers`` and ``following`` are the counts the platform declares
    (``None`` when the page does not say); ``verified`` is ``"person"`` for a
    verified individual, ``"org"`` for a verified organisation (media,
    government, brand) and ``None`` otherwise.
    """

    account_id: str
    name: str = ""
    followers: int | None = None
    following: int | None = None
    posts: int | None = None
    verified: Verified | None = None


@dataclass(frozen=True, slots=True)
class Repost:
    """``reposter`` reposted (``action`` ``"repost"``) or quoted (``"mention"``)
    ``author``'s post ``post_id`` at unix time ``ts``."""

    reposter: str
    author: str
    post_id: str
    ts: int
    action: str = "repost"


@dataclass(frozen=True, slots=True)
class Post:
    """A post found on an account's timeline; ``reposts`` as the platform counts them."""

    post_id: str
    author: str
    ts: int
    reposts: int | None = None
    quotes: int | None = None


@dataclass(slots=True)
class Page:
    """What one fetched page says, in the platform's raw ids.

    Attributes
    ----------
    profiles
        Every account the page describes (the profile itself, or the users
        listed on a follower / repost page).
    follows
        ``(follower_id, followed_id)`` pairs.
    reposts
        Repost (and quote) edges, reposter → author.
    posts
        Posts found on a timeline page; the crawler queues their reposts.
    next_cursor
        Cursor of the next page, ``None`` when this was the last page.
    total
        The platform's stated total for the list (for coverage), if given.
    """

    profiles: list[Profile] = field(default_factory=list)
    follows: list[tuple[str, str]] = field(default_factory=list)
    reposts: list[Repost] = field(default_factory=list)
    posts: list[Post] = field(default_factory=list)
    next_cursor: str | None = None
    total: int | None = None


@dataclass(frozen=True, slots=True)
class Fetched:
    """A fetched page: where it came from, its HTTP status, decoded JSON and raw body."""

    url: str
    status: int
    payload: Any
    text: str
    elapsed: float


class Client(Protocol):
    """A platform's HTTP client (its ``client.py``): one request per task."""

    def fetch(self, task: Task) -> Fetched:
        """Fetch the page ``task`` asks for; raise a typed error on a business error."""
        ...


@dataclass(frozen=True)
class Platform:
    """Everything the crawler needs to know about one platform.

    Attributes
    ----------
    name
        Platform name used in node keys (``weibo``, ``x``, ``bilibili``).
    make_client
        ``make_client(http, settings, base_url)`` returns the platform's
        :class:`Client`; ``base_url`` (e.g. a simulator's) replaces the
        platform's hosts when given.
    parse
        ``parse(task, payload) -> Page``: pure; raises
        :class:`~kolgraph.errors.ParseError` on a page it cannot read (the
        crawler quarantines the page and fetches it again later).
    account_tasks
        Paged tasks queued for every crawled account besides its profile.
    post_tasks
        Paged tasks queued for every post found on a crawled timeline.
    max_pages
        Hard page limits the platform imposes per list kind (documented in the
        adapter); the crawler stops a list there and records partial coverage.
    """

    name: str
    make_client: Callable[[HttpClient, Settings, str | None], Client]
    parse: Callable[[Task, Any], Page]
    account_tasks: tuple[TaskKind, ...] = (
        TaskKind.FOLLOWERS,
        TaskKind.FOLLOWING,
        TaskKind.POSTS,
    )
    post_tasks: tuple[TaskKind, ...] = (TaskKind.REPOSTS,)
    max_pages: dict[TaskKind, int] = field(default_factory=dict)
