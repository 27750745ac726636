"""What a parsed page says: accounts, follow and repost edges, posts, the next cursor.

A platform's ``parse.py`` turns the JSON of one fetched page into a
:class:`Page` (pure functions, no I/O). Ids in a page are the platform's own
raw ids; the crawler maps them to store keys (and hashes ordinary users' ids
when a salt is set, see :mod:`kolgraph.crawl.keys`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = ["Page", "Post", "Profile", "Repost", "Verified"]

Verified = Literal["person", "org"]


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
