"""The generated network (:class:`DemoNetwork`) and :func:`generate_demo`, which draws it."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd

from kolgraph.arrays import I32, I64
from kolgraph.errors import InputError
from kolgraph.model import Kind, node_key
from kolgraph.synth.accounts import accounts_frame, post_costs
from kolgraph.synth.cascades import spread_cascades
from kolgraph.synth.follows import community_sizes, draw_fitness, draw_follows, plant_communities

__all__ = ["PLATFORM", "DemoNetwork", "generate_demo"]

Obj = npt.NDArray[np.object_]

PLATFORM = "demo"


@dataclass(frozen=True)
class DemoNetwork:
    """A generated network: accounts, follow edges and repost cascades.

    Edges are ``int32`` positions into :attr:`accounts`.

    Attributes
    ----------
    platform
        Always ``"demo"``.
    accounts
        One row per account: ``account_id`` (str), ``name`` (str), ``kind``
        (kol, media, own or user), ``followers`` (int, the in-degree on follow
        edges), ``cost`` (float, NaN for users) and ``community`` (int, the
        planted community).
    follow_src, follow_dst
        Follower → followed, sorted by ``(src, dst)``; no self-loops or
        duplicates.
    repost_src, repost_dst
        Reposter → the account whose post or repost it saw (its parent in the
        cascade); the reposter always follows the parent.
    repost_post
        Post id of each repost (``"p000123"``), object array.
    repost_ts
        Unix seconds (int64); reposts are sorted by time.
    posts
        One row per post: ``post_id``, ``author`` (position), ``ts`` (when
        it was posted) and ``reposts`` (cascade size).
    """

    platform: str
    accounts: pd.DataFrame
    follow_src: I32
    follow_dst: I32
    repost_src: I32
    repost_dst: I32
    repost_post: Obj
    repost_ts: I64
    posts: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def n_accounts(self) -> int:
        """Number of accounts."""
        return len(self.accounts)

    @property
    def n_follows(self) -> int:
        """Number of follow edges."""
        return self.follow_src.size

    @property
    def n_reposts(self) -> int:
        """Number of repost edges."""
        return self.repost_src.size

    def keys(self) -> Obj:
        """Node keys ``"demo:<account_id>"`` in account order (object array)."""
        ids = self.accounts["account_id"].to_numpy(dtype=np.str_)
        keys: Obj = np.char.add(node_key(self.platform, ""), ids).astype(object)
        return keys


def generate_demo(
    n_users: int = 50_000,
    *,
    seed: int = 7,
    n_kol: int | None = None,
    n_media: int | None = None,
    n_own: int = 5,
    n_communities: int = 12,
    mean_follows: float = 20.0,
    n_posts: int | None = None,
    start_ts: int = 1_767_225_600,
) -> DemoNetwork:
    """Generate a seeded synthetic social network.

    Parameters
    ----------
    n_users
        Number of accounts, KOL, media and own accounts included.
    seed
        Seed of :func:`numpy.random.default_rng`; the same seed and sizes
        give identical arrays.
    n_kol
        Number of KOLs; default ``max(20, 0.6 % of n_users)``.
    n_media
        Number of media accounts; default ``max(5, 0.06 % of n_users)``.
    n_own
        Number of brand-own accounts.
    n_communities
        Number of planted communities (topics).
    mean_follows
        Mean number of accounts an account follows. Pairs drawn twice are
        redrawn, so the realised mean is within about 1 % of this (a few %
        lower in networks of a few thousand accounts, whose pools saturate).
    n_posts
        Number of posts that start cascades; default ``max(1, n_users // 25)``.
    start_ts
        Unix time of the start of the 14-day window (default 2026-01-01 UTC).

    Returns
    -------
    DemoNetwork

    Raises
    ------
    InputError
        If a size is negative or the special accounts do not leave room for
        ordinary users.

    Notes
    -----
    See :mod:`kolgraph.synth` for the model. Time grows about linearly with
    the number of follow edges (1M accounts with 10M follow edges take a few
    seconds). Drawing the follows peaks at about 25 bytes per edge; the result
    holds 8 bytes per follow edge, about 24 per repost and about 150 per
    account (its strings).

    Examples
    --------
    >>> net = generate_demo(2_000, seed=1)
    >>> int((net.accounts["kind"] == "kol").sum())
    20
    >>> bool((net.follow_src != net.follow_dst).all())
    True
    """
    n = int(n_users)
    n_kol = max(20, round(0.006 * n)) if n_kol is None else int(n_kol)
    n_media = max(5, round(0.0006 * n)) if n_media is None else int(n_media)
    n_posts = max(1, n // 25) if n_posts is None else int(n_posts)
    _check_sizes(n, n_kol, n_media, n_own, n_communities, mean_follows, n_posts)
    rng = np.random.default_rng(seed)

    n_special = n_own + n_media + n_kol
    kind = np.empty(n, dtype=object)
    kind[:n_own] = Kind.OWN.value
    kind[n_own : n_own + n_media] = Kind.MEDIA.value
    kind[n_own + n_media : n_special] = Kind.KOL.value
    kind[n_special:] = Kind.USER.value

    sizes = community_sizes(rng, n_communities)
    community = plant_communities(rng, sizes, n_own, n_media, n)
    fitness, cross_share = draw_fitness(rng, n, n_own, n_media, n_kol)
    follow_src, follow_dst = draw_follows(
        rng, community, fitness, cross_share, sizes, n_cross=n_own + n_media, mean=mean_follows
    )
    followers = np.bincount(follow_dst, minlength=n).astype(np.int64)

    posts, reposts = spread_cascades(
        rng,
        follow_src,
        follow_dst,
        followers,
        fitness,
        n_cross=n_own + n_media,
        n_special=n_special,
        n_posts=n_posts,
        start_ts=start_ts,
    )
    cost = post_costs(rng, followers, n_own, n_media, n_kol)
    accounts = accounts_frame(rng, kind, followers, cost, community, n_own, n_media, n_kol)
    r_src, r_dst, r_post, r_ts = reposts
    return DemoNetwork(
        platform=PLATFORM,
        accounts=accounts,
        follow_src=follow_src,
        follow_dst=follow_dst,
        repost_src=r_src,
        repost_dst=r_dst,
        repost_post=posts["post_id"].to_numpy(dtype=object)[r_post],
        repost_ts=r_ts,
        posts=posts,
    )


def _check_sizes(
    n: int,
    n_kol: int,
    n_media: int,
    n_own: int,
    n_communities: int,
    mean_follows: float,
    n_posts: int,
) -> None:
    for name, value in (("n_kol", n_kol), ("n_media", n_media), ("n_own", n_own)):
        if value < 0:
            raise InputError(f"{name} must be >= 0, got {value}")
    if n_communities < 1:
        raise InputError(f"n_communities must be >= 1, got {n_communities}")
    if n_posts < 0:
        raise InputError(f"n_posts must be >= 0, got {n_posts}")
    if not (math.isfinite(mean_follows) and mean_follows > 0):
        raise InputError(f"mean_follows must be a positive number, got {mean_follows}")
    n_special = n_kol + n_media + n_own
    if n < 2 * n_special or n - n_special < 10 * n_communities:
        raise InputError(
            f"n_users={n} leaves too few ordinary users for {n_special} KOL, media and own "
            f"accounts in {n_communities} communities",
            hint="raise n_users or lower n_kol / n_media / n_communities",
        )
