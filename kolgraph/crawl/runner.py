"""Running a crawl: :func:`crawl` checks its arguments, begins or resumes the crawl
in the store and runs the :class:`~kolgraph.crawl.crawler.Crawler`.

A crawl's id is derived from its platform, seeds and budget (:func:`crawl_id_for`),
so rerunning the same command resumes the same crawl.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from kolgraph.crawl.archive import Archive
from kolgraph.crawl.budget import CrawlBudget
from kolgraph.crawl.crawler import Crawler, CrawlReport
from kolgraph.crawl.http import HttpClient
from kolgraph.crawl.keys import KeyMapper
from kolgraph.crawl.platforms import get_platform
from kolgraph.crawl.seeds import POST_SEED
from kolgraph.errors import InputError
from kolgraph.settings import Settings, get_settings
from kolgraph.store.base import Store
from kolgraph.store.crawlstate import CrawlInfo

__all__ = ["crawl", "crawl_id_for"]


def crawl_id_for(platform: str, seeds: Sequence[str], params: dict[str, Any]) -> str:
    """A stable crawl id: the same platform, seeds and budget give the same id,
    so rerunning a command resumes its crawl."""
    blob = json.dumps({"seeds": sorted(seeds), **params}, sort_keys=True, default=str)
    return f"{platform}-{hashlib.sha1(blob.encode()).hexdigest()[:10]}"


def _check_resume(info: CrawlInfo, platform: str, keys: KeyMapper) -> None:
    """Refuse to resume a crawl of another platform, or one that mapped user ids
    otherwise (with another salt, or with none)."""
    if info.platform != platform:
        raise InputError(
            f"crawl {info.crawl_id!r} is a {info.platform} crawl, not {platform}",
            hint="pick another --crawl-id (or none: it is derived from the arguments)",
        )
    started = info.params.get("user_ids")
    if started is None or started == keys.fingerprint:
        return
    if started == "raw":
        how = "without"
    elif keys.fingerprint == "raw":
        how = "with"
    else:
        how = "with another"
    raise InputError(
        f"crawl {info.crawl_id!r} was started {how} KOLGRAPH_USER_ID_SALT; resuming it now "
        "would mix raw and hashed user ids",
        hint="rerun with the salt it was started with, or start a new crawl with --crawl-id",
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
        Platform account ids (or post seeds, see :mod:`kolgraph.crawl.seeds`)
        to start from.
    settings
        Credentials, throttle and retry settings; default :func:`get_settings`.
    base_url
        Replaces the platform's hosts (e.g. a local simulator's URL).
    budget
        Depth and limits (default :class:`~kolgraph.crawl.budget.CrawlBudget`).
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

    Raises
    ------
    InputError
        An unknown platform, an X post seed without a time, or a crawl id
        that names a crawl of another platform or salt.
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
    if adapter.name == "x":  # retweeted_by gives no times: the post's time dates the edges
        for s in seeds:
            if s.startswith(POST_SEED) and "@" not in s:
                raise InputError(
                    f"X post seed {s!r} has no time",
                    hint="write X post seeds as post:AUTHOR_ID/POST_ID@UNIX_TIME",
                )
    keys = KeyMapper.from_settings(adapter.name, settings)
    info = store.crawl.begin(
        cid, adapter.name, {**params, "seeds": list(seeds), "user_ids": keys.fingerprint}
    )
    _check_resume(info, adapter.name, keys)
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
