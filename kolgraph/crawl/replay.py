"""Replaying a raw page archive into a store, offline, with the current parsers."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from kolgraph.crawl.archive import read_archive, task_from_dict
from kolgraph.crawl.keys import KeyMapper
from kolgraph.crawl.platforms import get_platform
from kolgraph.crawl.rows import PageRows, page_rows
from kolgraph.crawl.task import POST_TASKS
from kolgraph.errors import ParseError
from kolgraph.settings import Settings, get_settings
from kolgraph.store.base import Store
from kolgraph.store.batches import RepostBatch

__all__ = ["ReplayReport", "replay"]

log = logging.getLogger("kolgraph.crawl")


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


def _write(store: Store, pending: list[PageRows], report: ReplayReport) -> None:
    """Write the rows of ``pending`` pages to ``store`` and count them in ``report``."""
    accounts = [a for rows in pending for a in rows.accounts]
    report.accounts += len(accounts)
    store.upsert_accounts(accounts)
    follows = [f for rows in pending for f in rows.follows]
    report.new_follows += store.add_follows([s for s, _ in follows], [d for _, d in follows])
    report.new_reposts += store.add_reposts(RepostBatch.concat(rows.reposts for rows in pending))


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
    seeds and post-seed authors keep their public ids as in the crawl. Pages
    that do not parse are counted and logged, not fatal.

    Parameters
    ----------
    store
        Where the pages' accounts and edges go.
    path
        An archive file, or a directory of them.
    settings
        The user-id salt and KOL threshold; default :func:`get_settings`.
    flush_every
        Pages parsed per write to the store.
    """
    settings = settings or get_settings()
    report = ReplayReport()
    keys: dict[str, KeyMapper] = {}
    pending: list[PageRows] = []
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
            mapper = keys[adapter.name] = KeyMapper.from_settings(adapter.name, settings)
        node = rec.get("node")
        if isinstance(node, str) and mapper.hashing:
            # the key the crawl used for the task's account (seeds keep public ids)
            if task.kind in POST_TASKS:
                if task.owner is not None and mapper.pinned(task.owner) is None:
                    mapper.pin(task.owner, node)
            else:
                mapper.pin(task.target, node)
        pending.append(page_rows(mapper, task, page))
        report.pages += 1
        if len(pending) >= flush_every:
            _write(store, pending, report)
            pending.clear()
    if pending:
        _write(store, pending, report)
    return report
