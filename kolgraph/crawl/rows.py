"""From a parsed page to store rows: accounts, follow and repost edges under store keys."""

from __future__ import annotations

from dataclasses import dataclass, field

from kolgraph.crawl.keys import KeyMapper
from kolgraph.crawl.page import Page, Profile
from kolgraph.crawl.task import Task, TaskKind
from kolgraph.model import Account
from kolgraph.store.batches import RepostBatch

__all__ = ["PageRows", "page_rows"]


@dataclass(slots=True)
class PageRows:
    """What a parsed page adds to the store, and whom it mentions.

    Attributes
    ----------
    accounts
        The accounts the page describes.
    follows
        ``(follower key, followed key)`` edges.
    reposts
        Repost (and quote) edges.
    found
        Every other account id the page lists (followers, followings,
        reposters), with its profile when the page gave one: the crawler's
        frontier candidates.
    """

    accounts: list[Account] = field(default_factory=list)
    follows: list[tuple[str, str]] = field(default_factory=list)
    reposts: RepostBatch = field(default_factory=RepostBatch.empty)
    found: dict[str, Profile | None] = field(default_factory=dict)


def page_rows(keys: KeyMapper, task: Task, page: Page) -> PageRows:
    """The store rows of ``page``, fetched for ``task``, with ids mapped by ``keys``."""
    profiles = {p.account_id: p for p in page.profiles}

    def key(account_id: str) -> str:
        return keys.profile_key(account_id, profiles.get(account_id))

    rows = PageRows(accounts=[keys.account(p) for p in page.profiles])
    for src, dst in page.follows:
        rows.follows.append((key(src), key(dst)))
        other = src if task.kind is TaskKind.FOLLOWERS else dst
        rows.found.setdefault(other, profiles.get(other))
    reposters: list[str] = []
    authors: list[str] = []
    for r in page.reposts:
        reposters.append(key(r.reposter))
        authors.append(key(r.author))
        rows.found.setdefault(r.reposter, profiles.get(r.reposter))
    rows.reposts = RepostBatch.from_columns(
        reposters,
        authors,
        [r.post_id for r in page.reposts],
        [int(r.ts) for r in page.reposts],
        [r.action for r in page.reposts],
    )
    return rows
