"""Crawls and what a crawl or a replay did.

``GET /v1/crawls`` and ``kolgraph crawl status --format json`` list crawls
(:class:`CrawlsPage`); ``kolgraph crawl PLATFORM --format json`` prints a
:class:`CrawlReportOut`, ``kolgraph crawl replay --format json`` a :class:`ReplayOut`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from kolgraph.schemas.common import Page

if TYPE_CHECKING:
    from kolgraph.crawl.crawler import CrawlReport
    from kolgraph.crawl.replay import ReplayReport
    from kolgraph.store.crawlstate import CrawlInfo

__all__ = ["CrawlOut", "CrawlReportOut", "CrawlsPage", "HttpStatsOut", "ReplayOut"]


class CrawlOut(BaseModel):
    """A crawl: its parameters, tasks by status and running totals.

    ``done`` is true when no task is pending; ``stats`` counts pages, new follow
    and repost edges, quarantined pages and missing or private accounts.
    """

    crawl_id: str = Field(description="Derived from the crawl's arguments unless given.")
    platform: str = Field(description="weibo, x or bilibili.")
    params: dict[str, Any] = Field(description="What the crawl was started with: seeds, limits.")
    created: str = Field(description="When the crawl began (ISO 8601, UTC).")
    updated: str = Field(description="When it last committed a page (ISO 8601, UTC).")
    tasks: dict[str, int] = Field(description="Tasks by status: pending, done, failed, gone.")
    stats: dict[str, int]
    done: bool

    @classmethod
    def from_info(cls, info: CrawlInfo) -> CrawlOut:
        """The crawl as the store keeps it."""
        return cls.model_validate({**asdict(info), "done": not info.tasks.get("pending", 0)})


class CrawlsPage(Page[CrawlOut]):
    """Crawls, most recently updated first; ``count`` is their number."""

    @classmethod
    def from_infos(cls, infos: Iterable[CrawlInfo]) -> CrawlsPage:
        """The crawls as the store keeps them, in their order."""
        crawls = [CrawlOut.from_info(c) for c in infos]
        return cls(data=crawls, count=len(crawls))


class HttpStatsOut(BaseModel):
    """Requests a crawl sent.

    Attributes
    ----------
    retries, errors
        Requests sent again after a transient failure; failed requests by error type.
    bytes, slept
        Response bytes received; seconds spent waiting for the throttle.
    """

    requests: int
    retries: int
    bytes: int
    slept: float
    errors: dict[str, int]


class CrawlReportOut(BaseModel):
    """What one run of a crawl did (this run only, except ``tasks``).

    Attributes
    ----------
    status
        ``done``, or why the run stopped (``stopped: wall time``,
        ``stopped: max accounts``).
    pages, new_follows, new_reposts, accounts
        Pages fetched; follow and repost edges the store did not have; accounts
        seen on the pages.
    quarantined, gone, failed
        Pages that did not parse (fetched again later); missing or private
        accounts; tasks given up after repeated bad pages.
    errors, http
        Errors met by type; the requests sent (null when no HTTP client counted).
    elapsed, pages_per_s
        Seconds this run took, and pages per second (to 0.01).
    tasks, coverage
        All the crawl's tasks by status; followers collected over those the
        platform states (null: unknown).
    """

    crawl_id: str
    status: str
    pages: int
    new_follows: int
    new_reposts: int
    accounts: int
    quarantined: int
    gone: int
    failed: int
    errors: dict[str, int]
    elapsed: float
    tasks: dict[str, int]
    coverage: float | None
    http: HttpStatsOut | None
    pages_per_s: float

    @classmethod
    def from_report(cls, report: CrawlReport) -> CrawlReportOut:
        """The report of :meth:`~kolgraph.crawl.crawler.Crawler.run`."""
        doc = {**vars(report), "http": report.http or None}
        return cls.model_validate({**doc, "pages_per_s": round(report.pages_per_s, 2)})


class ReplayOut(BaseModel):
    """What replaying a raw page archive did.

    Attributes
    ----------
    records, skipped, bad
        Archive records read; those of failed requests (nothing to parse); pages
        that did not parse with the current parsers.
    pages, accounts
        Pages parsed and written, and the account rows they held.
    new_follows, new_reposts
        Edges the store did not have.
    """

    records: int
    pages: int
    bad: int
    accounts: int
    new_follows: int
    new_reposts: int
    skipped: int

    @classmethod
    def from_report(cls, report: ReplayReport) -> ReplayOut:
        """The report of :func:`~kolgraph.crawl.replay.replay`."""
        return cls.model_validate(report, from_attributes=True)
