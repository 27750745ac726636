"""A seeded synthetic social network for demos, tests and scale benchmarks.

:func:`generate_demo` plants communities, KOLs, media and brand-own accounts
in a follower graph with heavy-tailed audiences, spreads posts along follower
edges as repost cascades, and prices every KOL, media and own account by its
audience. :func:`load_demo` writes the network to a :class:`~kolgraph.store.base.Store`.

Everything is vectorized with numpy: the follower graph is drawn per
community by inverse-CDF sampling and the cascades of all posts advance
together, one generation at a time. The same ``seed`` always gives identical
arrays.

The model
---------
Accounts
    ``n_users`` accounts in total, laid out as own, media, KOL, then ordinary
    users. Account ids are zero-padded numbers of equal width (``"000123"``),
    so sorting keys keeps this order and a fresh store's dense index equals the
    position in :attr:`DemoNetwork.accounts`.
Communities
    ``n_communities`` topics of Zipf-like uneven sizes. Users, KOLs and media
    each have one; all own accounts share the brand's community.
Follows
    Each account follows a lognormal number of accounts (mean
    ``mean_follows``). A target is drawn from the follower's community with
    probability 0.8 and otherwise from a community chosen by size; within a
    community it is drawn in proportion to a fitness: Lomax (power-law) for
    users, lognormal and much larger for KOLs. Media and own accounts take a
    fixed share of every community's draws (media 12 % in all, each own
    account about a quarter of a typical KOL's, three times that for "Brand
    Official"), so their audiences cross communities. Self-loops and duplicate
    pairs are dropped and redrawn.
Cascades
    About ``n_users / 25`` posts, 85 % by KOL, media or own accounts. Post times
    follow the phases of a topic over 14 days (origin, explosion, mass spread,
    flattening). Each reposter exposes its followers; a follower reposts with a
    per-post probability (lognormal virality, damped per generation), seeing
    the post from whichever followed account showed it first. Every repost
    edge therefore runs along a follow edge, each generation is later than the
    one before, and reposts after the 14-day window are dropped.
Costs
    A post costs about ``0.08 · followers^0.9`` for a KOL and twice that per
    follower for media, with lognormal noise, rounded to whole units (at least
    5 and 20); own accounts cost 20-50; users have no price.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from kolgraph.errors import InputError
from kolgraph.model import Account, Action, Kind, node_key
from kolgraph.store.base import Store

__all__ = ["DemoNetwork", "generate_demo", "load_demo"]

I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
Obj = npt.NDArray[np.object_]

PLATFORM = "demo"
DAY = 86_400
WINDOW_DAYS = 14

# follow graph
_P_LOCAL = 0.8  # share of follows drawn inside the follower's community
_COMMUNITY_ZIPF = 0.7  # community sizes ∝ rank^-0.7
_OUTDEG_SIGMA = 1.0  # lognormal sigma of the number of follows
_USER_ALPHA = 1.8  # Lomax shape of user fitness: in-degree tail ~ k^-1.8
_KOL_SHARE = 0.4  # share of a community's own draws that go to its KOLs
_KOL_SIGMA = 1.1
_MEDIA_SHARE = 0.12  # share of every community's draws that go to media
_MEDIA_SIGMA = 0.9
_OWN_VS_KOL = 0.25  # an own account's audience relative to a typical KOL's
_FOLLOW_ROUNDS = 4  # rounds of redrawing follows lost as duplicates

# cascades
_AUTHOR_SPECIAL = 0.85  # share of posts written by KOL, media or own accounts
_R0 = 0.3  # expected reposts a reposter triggers in generation 1 (ordinary post)
_VIRALITY_SIGMA = 0.75
_DECAY = 0.75  # repost probability shrinks by this factor per generation
_MAX_P = 0.5
_MAX_GENERATIONS = 64
_DELAY_MEDIAN = 1800.0  # seconds between a repost and the reposts it triggers
_DELAY_SIGMA = 1.3
#: relative number of new posts per day: origin, explosion, mass spread, flattening
_DAY_PROFILE = np.array(
    [0.3, 0.6, 2.5, 3.0, 2.2, 1.8, 1.5, 1.2, 0.9, 0.7, 0.5, 0.4, 0.3, 0.2], dtype=np.float64
)

# costs
_KOL_CPF = 0.08  # cost ≈ cpf · followers^0.9
_MEDIA_CPF = 0.16
_COST_EXP = 0.9
_COST_SIGMA = 0.3

_TOPICS = (
    "beauty", "tech", "food", "travel", "gaming", "finance", "fitness", "parenting",
    "fashion", "auto", "music", "sports", "pets", "film", "books", "education",
    "health", "home", "outdoors", "art",
)  # fmt: skip
_FIRST = (
    "Ava", "Liam", "Mia", "Noah", "Zoe", "Ethan", "Lily", "Lucas", "Chloe", "Leo",
    "Emma", "Ryan", "Grace", "Owen", "Ivy", "Jack", "Ruby", "Max", "Nora", "Sam",
    "Wei", "Yuki", "Aria", "Kai",
)  # fmt: skip
_LAST = (
    "Chen", "Smith", "Wang", "Garcia", "Kim", "Patel", "Lee", "Brown", "Nguyen", "Lopez",
    "Zhang", "Silva", "Tanaka", "Muller", "Rossi", "Khan", "Li", "Martin", "Park", "Liu",
    "Cohen", "Novak", "Sato", "Wu",
)  # fmt: skip
_MEDIA_PREFIX = ("Daily", "Global", "Metro", "Morning", "Weekly", "National", "City", "Evening")
_MEDIA_SUFFIX = ("Wire", "Times", "Post", "Journal", "Report", "Digest", "Insider", "Herald")
_OWN_NAMES = ("Brand Official", "Brand Support", "Brand Store", "Brand Club", "Brand News")


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
        return len(self.accounts)

    @property
    def n_follows(self) -> int:
        return int(self.follow_src.shape[0])

    @property
    def n_reposts(self) -> int:
        return int(self.repost_src.shape[0])

    def keys(self) -> Obj:
        """Node keys ``"demo:<account_id>"`` in account order (object array)."""
        ids = self.accounts["account_id"].to_numpy(dtype=np.str_)
        keys: Obj = np.char.add(node_key(self.platform, ""), ids).astype(object)
        return keys


# --------------------------------------------------------------------------- generate
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
    See the module docstring for the model. Time grows about linearly with
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

    sizes = _community_sizes(rng, n_communities)
    community = _plant_communities(rng, sizes, n_own, n_media, n)
    fitness, cross_share = _fitness(rng, n, n_own, n_media, n_kol)
    follow_src, follow_dst = _follows(
        rng, community, fitness, cross_share, sizes, n_cross=n_own + n_media, mean=mean_follows
    )
    followers = np.bincount(follow_dst, minlength=n).astype(np.int64)

    posts, reposts = _cascades(
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
    cost = _costs(rng, followers, n_own, n_media, n_kol)
    accounts = _accounts_frame(rng, kind, followers, cost, community, n_own, n_media, n_kol)
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


def _community_sizes(rng: np.random.Generator, n_communities: int) -> F64:
    """Uneven community shares: Zipf-like, in random order."""
    w: F64 = np.arange(1, n_communities + 1, dtype=np.float64) ** -_COMMUNITY_ZIPF
    rng.shuffle(w)
    shares: F64 = w / w.sum()
    return shares


def _plant_communities(
    rng: np.random.Generator, sizes: F64, n_own: int, n_media: int, n: int
) -> I32:
    """Community of every account; own accounts share one (the brand's)."""
    k = len(sizes)
    community = rng.choice(k, size=n, p=sizes).astype(np.int32)
    community[:n_own] = rng.choice(k, p=sizes)
    # media desks: spread over topics, bigger topics first
    community[n_own : n_own + n_media] = rng.permutation(np.resize(np.argsort(-sizes), n_media))
    return community


def _fitness(
    rng: np.random.Generator, n: int, n_own: int, n_media: int, n_kol: int
) -> tuple[F64, F64]:
    """Attractiveness of every account and the draw share of cross-community ones.

    Returns
    -------
    fitness
        Weight of an account in its community's draws (users and KOLs; 0 for
        media and own).
    cross_share
        Share of every community's draws that goes to each media and own
        account (own first, as in the account layout).
    """
    n_special = n_own + n_media + n_kol
    fitness = np.zeros(n, dtype=np.float64)
    n_plain = n - n_special
    fitness[n_special:] = rng.pareto(_USER_ALPHA, n_plain) + 1.0
    user_mean = _USER_ALPHA / (_USER_ALPHA - 1.0)
    if n_kol:
        kol_mean = _KOL_SHARE / (1.0 - _KOL_SHARE) * user_mean * n_plain / n_kol
        kol_median = kol_mean * math.exp(-(_KOL_SIGMA**2) / 2)
        fitness[n_own + n_media : n_special] = rng.lognormal(
            math.log(kol_median), _KOL_SIGMA, n_kol
        )
    media = rng.lognormal(0.0, _MEDIA_SIGMA, n_media)
    media = _MEDIA_SHARE * media / media.sum() if n_media else media
    typical_kol = _KOL_SHARE * (1.0 - _MEDIA_SHARE) / max(1.0, 0.006 * n_plain)
    own = _OWN_VS_KOL * typical_kol * rng.lognormal(0.0, 0.4, n_own)
    if n_own:
        own[0] *= 3.0  # "Brand Official" is the brand's main account
    return fitness, np.concatenate([own, media])


def _follows(
    rng: np.random.Generator,
    community: I32,
    fitness: F64,
    cross_share: F64,
    sizes: F64,
    *,
    n_cross: int,
    mean: float,
) -> tuple[I32, I32]:
    """Draw follow edges: local or by community size, then by fitness.

    Pairs drawn twice (and self-loops) are dropped and the missing follows
    drawn again, a few rounds, so out-degrees keep their drawn values.
    """
    n = len(community)
    mu = math.log(mean) - _OUTDEG_SIGMA**2 / 2
    outdeg = np.rint(rng.lognormal(mu, _OUTDEG_SIGMA, n))
    outdeg = np.clip(outdeg, 1, max(1, min(n - 1, 100 * mean))).astype(np.int64)
    sampler = _TargetSampler(community, fitness, cross_share, sizes, n_cross)

    pairs = np.zeros(0, dtype=np.int64)
    need = outdeg
    for round_ in range(_FOLLOW_ROUNDS):
        src, dst = sampler.draw(rng, need)
        keep = src != dst
        src, dst = src[keep], dst[keep]
        del keep
        new = src.astype(np.int64)
        del src
        new *= n
        new += dst
        del dst
        new.sort()
        new = _sorted_unique(new)
        pairs = _insert_sorted(pairs, new) if round_ else new
        del new
        need = outdeg - np.bincount(pairs // n, minlength=n)
        if need.sum() <= 0.001 * outdeg.sum():
            break
    follow_src = np.empty(pairs.size, dtype=np.int32)
    follow_dst = np.empty(pairs.size, dtype=np.int32)
    step = 1 << 20  # in chunks: no full-size int64 temporaries
    for lo in range(0, pairs.size, step):
        q, r = np.divmod(pairs[lo : lo + step], n)
        follow_src[lo : lo + step] = q
        follow_dst[lo : lo + step] = r
    return follow_src, follow_dst


class _TargetSampler:
    """Draws followed accounts: community first, then in proportion to fitness.

    Every account is a possible follower, grouped by its community. Media and
    own accounts are candidates in every community's pool with a fixed share
    of the draws; users and KOLs only in their own community's.
    """

    def __init__(
        self, community: I32, fitness: F64, cross_share: F64, sizes: F64, n_cross: int
    ) -> None:
        n = len(community)
        k = len(sizes)
        self.n = n
        self.size_cdf = np.cumsum(sizes)
        by_c = np.argsort(community, kind="stable").astype(np.int32)
        bounds = np.zeros(k + 1, dtype=np.int64)
        np.cumsum(np.bincount(community, minlength=k), out=bounds[1:])
        self.followers_of_c = [by_c[bounds[c] : bounds[c + 1]] for c in range(k)]
        cross = np.arange(n_cross, dtype=np.int32)
        cross_total = float(cross_share.sum())
        self.pools: list[I32] = []
        self.tables: list[_CdfTable] = []
        for group in self.followers_of_c:
            members = group[group >= n_cross]
            w_members = fitness[members]
            mass = float(w_members.sum())
            self.pools.append(np.concatenate([members, cross]))
            weights = np.concatenate([w_members, cross_share * mass / (1.0 - cross_total)])
            self.tables.append(_CdfTable(weights))

    def draw(self, rng: np.random.Generator, need: I64) -> tuple[I32, I32]:
        """``need[i]`` follows of every account ``i`` (duplicates possible)."""
        k = len(self.pools)
        local = rng.binomial(need, _P_LOCAL)
        far_src = np.repeat(np.arange(self.n, dtype=np.int32), need - local)
        u = rng.random(far_src.size) * self.size_cdf[-1]
        far_c = np.minimum(np.searchsorted(self.size_cdf, u, side="right"), k - 1)
        del u
        small = np.int16 if k <= np.iinfo(np.int16).max else np.int32
        far_src = far_src[np.argsort(far_c.astype(small), kind="stable")]  # radix sort
        far_bounds = np.zeros(k + 1, dtype=np.int64)
        np.cumsum(np.bincount(far_c, minlength=k), out=far_bounds[1:])
        del far_c
        total = int(need.sum())
        src = np.empty(total, dtype=np.int32)
        dst = np.empty(total, dtype=np.int32)
        at = 0
        for c, (group, pool, table) in enumerate(
            zip(self.followers_of_c, self.pools, self.tables, strict=True)
        ):
            if not pool.size or table.total <= 0:
                continue  # nothing to follow in this community
            n_local = int(local[group].sum())
            n_far = int(far_bounds[c + 1] - far_bounds[c])
            src[at : at + n_local] = np.repeat(group, local[group])
            src[at + n_local : at + n_local + n_far] = far_src[far_bounds[c] : far_bounds[c + 1]]
            dst[at : at + n_local + n_far] = pool[table.sample(rng, n_local + n_far)]
            at += n_local + n_far
        return src[:at], dst[:at]


class _CdfTable:
    """Inverse-CDF sampling with a guide table (same result as ``searchsorted``).

    The guide table maps each of ``m`` equal slices of the total weight to the
    first item that reaches into it, so a draw starts next to its answer and
    walks forward a step or two instead of bisecting the whole CDF.
    """

    def __init__(self, weights: F64) -> None:
        self.cdf = np.cumsum(weights)
        self.total = float(self.cdf[-1]) if self.cdf.size else 0.0
        self.m = max(1, self.cdf.size)
        cuts = np.arange(self.m, dtype=np.float64) * (self.total / self.m)
        self.guide = np.searchsorted(self.cdf, cuts, side="right")

    def sample(self, rng: np.random.Generator, size: int) -> I64:
        """``size`` item indices drawn in proportion to their weights."""
        cdf = self.cdf
        u = rng.random(size) * self.total
        np.minimum(u, np.nextafter(cdf[-1], 0.0), out=u)
        bucket = (u * (self.m / self.total)).astype(np.int64)
        np.minimum(bucket, self.m - 1, out=bucket)
        idx = self.guide[bucket]
        todo = np.flatnonzero(cdf[idx] <= u)
        while todo.size:
            idx[todo] += 1
            todo = todo[cdf[idx[todo]] <= u[todo]]
        return idx


def _earliest_first(key: I64, rel_ts: I64, key_bits: int) -> I64:
    """Stable order by ``(key, rel_ts)``; one sort of a packed code when it fits."""
    ts_bits = 22  # 48 days; later times are past the window and dropped anyway
    if key_bits + ts_bits > 62:
        return np.lexsort((rel_ts, key))
    code = key << ts_bits | np.minimum(rel_ts, (1 << ts_bits) - 1)
    return np.argsort(code, kind="stable")


def _insert_sorted(into: I64, values: I64) -> I64:
    """Merge sorted distinct ``values`` into sorted distinct ``into``, skipping repeats."""
    pos = np.searchsorted(into, values)
    found = np.zeros(values.size, dtype=bool)
    inside = pos < into.size
    found[inside] = into[pos[inside]] == values[inside]
    return np.insert(into, pos[~found], values[~found])


def _sorted_unique(a: I64) -> I64:
    """Distinct values of a sorted array (``np.unique`` without its sort)."""
    if a.size < 2:
        return a
    lead = np.empty(a.size, dtype=bool)
    lead[0] = True
    np.not_equal(a[1:], a[:-1], out=lead[1:])
    return a[lead]


def _cascades(
    rng: np.random.Generator,
    follow_src: I32,
    follow_dst: I32,
    followers: I64,
    fitness: F64,
    *,
    n_cross: int,
    n_special: int,
    n_posts: int,
    start_ts: int,
) -> tuple[pd.DataFrame, tuple[I32, I32, I64, I64]]:
    """Spread posts along follower edges, all posts together, one generation at a time.

    Returns
    -------
    posts
        ``post_id, author, ts, reposts`` per post.
    reposts
        ``(src, dst, post index, ts)`` sorted by time.
    """
    n = followers.shape[0]
    post_ids = np.char.add("p", _padded_numbers(n_posts)).astype(object)

    # authors: mostly KOL / media / own (media and own post more often), some users
    special_w = np.ones(n_special, dtype=np.float64)
    special_w[:n_cross] = 3.0
    by_special = rng.random(n_posts) < (_AUTHOR_SPECIAL if n_special else 0.0)
    n_sp = int(np.count_nonzero(by_special))
    author = np.empty(n_posts, dtype=np.int32)
    if n_sp:
        author[by_special] = rng.choice(n_special, size=n_sp, p=special_w / special_w.sum())
    user_w = fitness[n_special:] / fitness[n_special:].sum()
    author[~by_special] = n_special + rng.choice(n - n_special, size=n_posts - n_sp, p=user_w)

    # post times follow the topic's phases; virality peaks with them
    profile = _DAY_PROFILE / _DAY_PROFILE.sum()
    day = rng.choice(WINDOW_DAYS, size=n_posts, p=profile)
    post_ts = start_ts + day.astype(np.int64) * DAY + rng.integers(0, DAY, n_posts)
    virality = rng.lognormal(-(_VIRALITY_SIGMA**2) / 2, _VIRALITY_SIGMA, n_posts)
    virality *= np.sqrt(_DAY_PROFILE[day] / _DAY_PROFILE.mean())
    mean_in = follow_src.shape[0] / max(n, 1)
    p_post = np.minimum(_R0 / max(mean_in, 1.0) * virality, _MAX_P)
    end_ts = start_ts + WINDOW_DAYS * DAY

    # followers of each account, CSR by followed account
    by_src = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(follow_src, minlength=n), out=by_src[1:])
    marks = np.ones(follow_src.shape[0], dtype=np.bool_)
    csc = sp.csr_matrix((marks, follow_dst, by_src), shape=(n, n)).tocsc()
    fol: I32 = csc.indices.astype(np.int32, copy=False)
    indptr: I64 = csc.indptr.astype(np.int64, copy=False)
    del marks, csc, by_src

    seen = _sorted_unique(np.sort(np.arange(n_posts, dtype=np.int64) * n + author))
    key_bits = max(1, int(n_posts) * n - 1).bit_length()
    f_post = np.arange(n_posts, dtype=np.int32)
    f_node, f_ts = author, post_ts.astype(np.int64)
    out: list[tuple[I32, I32, I32, I64]] = []
    for gen in range(_MAX_GENERATIONS):
        if not f_node.size:
            break
        deg = followers[f_node]
        k = rng.binomial(deg, p_post[f_post] * _DECAY**gen)
        total = int(k.sum())
        if not total:
            break
        parent = np.repeat(np.arange(f_node.size, dtype=np.int64), k)
        offset = (rng.random(total) * deg[parent]).astype(np.int64)
        child = fol[indptr[f_node[parent]] + offset]
        delay = np.maximum(1, np.rint(rng.lognormal(math.log(_DELAY_MEDIAN), _DELAY_SIGMA, total)))
        ts = f_ts[parent] + delay.astype(np.int64)
        key = f_post[parent].astype(np.int64) * n + child
        # a follower reposts once, from whichever parent showed it the post first
        first = _earliest_first(key, ts - start_ts, key_bits)
        key, ts, parent, child = key[first], ts[first], parent[first], child[first]
        lead = np.ones(key.size, dtype=bool)
        lead[1:] = key[1:] != key[:-1]
        key, ts, parent, child = key[lead], ts[lead], parent[lead], child[lead]
        pos = np.searchsorted(seen, key)
        new = np.ones(key.size, dtype=bool)
        inside = pos < seen.size
        new[inside] = seen[pos[inside]] != key[inside]
        seen = np.insert(seen, pos[new], key[new])
        new &= ts < end_ts
        post = f_post[parent[new]]
        out.append((child[new], f_node[parent[new]], post, ts[new]))
        f_post, f_node, f_ts = post, child[new], ts[new]

    del fol, indptr, seen
    if out:
        r_src = np.concatenate([o[0] for o in out])
        r_dst = np.concatenate([o[1] for o in out])
        r_post = np.concatenate([o[2] for o in out])
        r_ts = np.concatenate([o[3] for o in out])
        out.clear()
    else:
        r_src = r_dst = r_post = np.zeros(0, dtype=np.int32)
        r_ts = np.zeros(0, dtype=np.int64)
    # by time, ties in the order generated: sort unique (time, position) codes
    # (times are < 2^21 s after start_ts, positions < 2^32)
    code = (r_ts - start_ts).astype(np.int64) << 32 | np.arange(r_ts.size, dtype=np.int64)
    code.sort()
    by_time = code & 0xFFFFFFFF
    del code
    posts = pd.DataFrame(
        {
            "post_id": post_ids,
            "author": author,
            "ts": post_ts.astype(np.int64),
            "reposts": np.bincount(r_post, minlength=n_posts).astype(np.int64),
        }
    )
    return posts, (
        r_src[by_time].astype(np.int32),
        r_dst[by_time].astype(np.int32),
        r_post[by_time].astype(np.int64),
        r_ts[by_time].astype(np.int64),
    )


def _costs(rng: np.random.Generator, followers: I64, n_own: int, n_media: int, n_kol: int) -> F64:
    """Price of one post: grows sub-linearly with audience; NaN for users."""
    n = followers.shape[0]
    cost = np.full(n, np.nan, dtype=np.float64)
    cost[:n_own] = rng.integers(20, 51, n_own)
    media = slice(n_own, n_own + n_media)
    kol = slice(n_own + n_media, n_own + n_media + n_kol)
    for part, cpf, floor in ((media, _MEDIA_CPF, 20.0), (kol, _KOL_CPF, 5.0)):
        f = followers[part].astype(np.float64)
        noise = rng.lognormal(0.0, _COST_SIGMA, f.size)
        cost[part] = np.maximum(floor, np.rint(cpf * f**_COST_EXP * noise))
    return cost


def _accounts_frame(
    rng: np.random.Generator,
    kind: Obj,
    followers: I64,
    cost: F64,
    community: I32,
    n_own: int,
    n_media: int,
    n_kol: int,
) -> pd.DataFrame:
    """Ids and readable names of every account."""
    n = kind.shape[0]
    ids = _padded_numbers(n)
    topics = [_topic(int(c)) for c in range(int(community.max()) + 1)]

    own = [_OWN_NAMES[i] if i < len(_OWN_NAMES) else f"Brand Account {i + 1}" for i in range(n_own)]
    pre = rng.integers(0, len(_MEDIA_PREFIX), n_media)
    suf = rng.integers(0, len(_MEDIA_SUFFIX), n_media)
    media = [
        f"{_MEDIA_PREFIX[p]} {topics[c].title()} {_MEDIA_SUFFIX[s]}"
        for p, s, c in zip(
            pre.tolist(), suf.tolist(), community[n_own : n_own + n_media].tolist(), strict=True
        )
    ]
    first = rng.integers(0, len(_FIRST), n_kol)
    last = rng.integers(0, len(_LAST), n_kol)
    n_special = n_own + n_media + n_kol
    kols = [
        f"{_FIRST[a]} {_LAST[b]} ({topics[c]})"
        for a, b, c in zip(
            first.tolist(),
            last.tolist(),
            community[n_own + n_media : n_special].tolist(),
            strict=True,
        )
    ]
    names = np.char.add("user_", ids).astype(object)
    names[:n_special] = own + media + kols
    return pd.DataFrame(
        {
            "account_id": ids,
            "name": names,
            "kind": kind,
            "followers": followers,
            "cost": cost,
            "community": community.astype(np.int64),
        }
    )


def _padded_numbers(n: int) -> npt.NDArray[np.str_]:
    """``"000000", "000001", ...``: ``n`` zero-padded numbers of one width (at least 6)."""
    width = max(6, len(str(max(n - 1, 0))))
    digits = np.empty((n, width), dtype=np.uint8)
    rest = np.arange(n, dtype=np.int64)
    for j in range(width - 1, -1, -1):
        digits[:, j] = rest % 10 + ord("0")
        rest //= 10
    return digits.view(f"S{width}").ravel().astype(f"U{width}")


def _topic(c: int) -> str:
    base = _TOPICS[c % len(_TOPICS)]
    return base if c < len(_TOPICS) else f"{base} {c // len(_TOPICS) + 1}"


# --------------------------------------------------------------------------- load
def load_demo(
    store: Store,
    net: DemoNetwork,
    *,
    batch_size: int = 200_000,
    progress: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Write a demo network to a store: accounts, then follows, then reposts.

    Parameters
    ----------
    store
        Any :class:`~kolgraph.store.base.Store`.
    net
        The network from :func:`generate_demo`.
    batch_size
        Rows per store call.
    progress
        Called after each batch with the number of rows (accounts or edges) it
        held.

    Returns
    -------
    dict
        ``{"accounts", "follows", "reposts"}``: how many were new. Loading the
        same network twice adds nothing the second time.

    Raises
    ------
    InputError
        If ``batch_size`` is not positive.
    """
    if batch_size < 1:
        raise InputError(f"batch_size must be >= 1, got {batch_size}")
    keys = net.keys()
    acc = net.accounts
    ids = acc["account_id"].tolist()
    names = acc["name"].tolist()
    kinds = [Kind(k) for k in acc["kind"].tolist()]
    followers = acc["followers"].astype(np.int64).tolist()
    cost = [None if math.isnan(c) else c for c in acc["cost"].astype(np.float64).tolist()]

    def step(done: int) -> None:
        if progress is not None:
            progress(done)

    counts = {"accounts": 0, "follows": 0, "reposts": 0}
    for lo in range(0, len(ids), batch_size):
        hi = min(len(ids), lo + batch_size)
        counts["accounts"] += store.upsert_accounts(
            Account(net.platform, ids[i], names[i], kinds[i], followers[i], cost[i])
            for i in range(lo, hi)
        )
        step(hi - lo)
    for lo in range(0, net.n_follows, batch_size):
        hi = min(net.n_follows, lo + batch_size)
        counts["follows"] += store.add_follows(
            keys[net.follow_src[lo:hi]].tolist(), keys[net.follow_dst[lo:hi]].tolist()
        )
        step(hi - lo)
    for lo in range(0, net.n_reposts, batch_size):
        hi = min(net.n_reposts, lo + batch_size)
        counts["reposts"] += store.add_reposts(
            keys[net.repost_src[lo:hi]].tolist(),
            keys[net.repost_dst[lo:hi]].tolist(),
            net.repost_post[lo:hi].tolist(),
            net.repost_ts[lo:hi].tolist(),
            [Action.REPOST.value] * (hi - lo),
        )
        step(hi - lo)
    return counts
