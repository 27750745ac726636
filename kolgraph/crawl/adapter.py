"""The platform adapter interface: what the crawler needs to know about one platform.

An adapter (a package such as :mod:`kolgraph.crawl.weibo`) provides a
:class:`Platform`: a factory of its HTTP :class:`Client` (its ``client.py``:
one request per :class:`~kolgraph.crawl.task.Task`, through the shared
:class:`~kolgraph.crawl.http.HttpClient`), its pure ``parse`` (its
``parse.py``: decoded JSON in, :class:`~kolgraph.crawl.page.Page` out) and
the tasks and page limits of its lists.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from kolgraph.crawl.http import Fetched, HttpClient
from kolgraph.crawl.page import Page
from kolgraph.crawl.task import Task, TaskKind
from kolgraph.settings import Settings

__all__ = ["Client", "Platform"]


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
