"""Domain model: accounts, follower edges and repost edges.

A node is keyed ``"{platform}:{account_id}"`` (see :func:`node_key`). Edges
point towards influence: a follow edge goes follower → followed, a repost edge
goes reposter → original author.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from kolgraph.errors import InputError

__all__ = [
    "Account",
    "Action",
    "EdgeType",
    "Kind",
    "RepostEdge",
    "check_platform",
    "node_key",
    "split_key",
]

_PLATFORM_RE = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")


class Kind(str, Enum):
    """What an account is to a campaign."""

    KOL = "kol"
    MEDIA = "media"
    OWN = "own"
    #: co-branding partners and allied brands: their accounts carry the message at a
    #: negotiated price (their ``cost``) or for free (no price)
    PARTNER = "partner"
    USER = "user"

    @property
    def label(self) -> str:
        """The Neo4j label for this kind (a whitelist: never built from input)."""
        return {
            "kol": "KOL",
            "media": "Media",
            "own": "Own",
            "partner": "Partner",
            "user": "User",
        }[self.value]


class EdgeType(str, Enum):
    """The two edge families kolgraph stores."""

    FOLLOW = "follow"
    REPOST = "repost"


class Action(str, Enum):
    """What a reposter did to the author (Higgs distinguishes three)."""

    REPOST = "repost"
    MENTION = "mention"
    REPLY = "reply"


def check_platform(platform: str) -> str:
    """Validate a platform name (lowercase, ``[a-z][a-z0-9_-]*``) and return it."""
    if not _PLATFORM_RE.match(platform):
        raise InputError(
            f"invalid platform name {platform!r}",
            hint="use a short lowercase name such as weibo, x, bilibili or twitter",
        )
    return platform


def node_key(platform: str, account_id: str) -> str:
    """Return the node key ``"platform:account_id"``.

    Examples
    --------
    >>> node_key("weibo", "1669879400")
    'weibo:1669879400'
    """
    return f"{platform}:{account_id}"


def split_key(key: str) -> tuple[str, str]:
    """Split a node key into ``(platform, account_id)``.

    Raises
    ------
    InputError
        If the key has no ``platform:`` prefix.
    """
    platform, sep, account_id = key.partition(":")
    if not sep or not platform or not account_id:
        raise InputError(
            f"invalid account key {key!r}", hint="keys look like 'platform:id', e.g. 'x:12345'"
        )
    return platform, account_id


@dataclass(frozen=True, slots=True)
class Account:
    """A social account.

    Attributes
    ----------
    platform, account_id
        Where the account lives and its id there; ``key`` joins them.
    name
        Display name (may be empty when unknown).
    kind
        kol, media, own, partner or user.
    followers
        Follower count as the platform reports it (``None`` when unknown).
    cost
        Price of one post in the campaign currency (``None`` when unknown).
    """

    platform: str
    account_id: str
    name: str = ""
    kind: Kind = Kind.USER
    followers: int | None = None
    cost: float | None = None

    @property
    def key(self) -> str:
        return node_key(self.platform, self.account_id)


@dataclass(frozen=True, slots=True)
class RepostEdge:
    """``reposter`` reposted (or mentioned / replied to) ``author``'s post."""

    reposter: str
    author: str
    post_id: str
    ts: int
    action: Action = Action.REPOST
