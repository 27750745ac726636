"""The follower graph: community sizes and members, account fitness, follow edges.

The *Communities* and *Follows* parts of the model in :mod:`kolgraph.synth`.
"""

from __future__ import annotations

import math

import numpy as np

from kolgraph.arrays import F64, I32, I64
from kolgraph.synth.codes import insert_sorted, sorted_unique

__all__ = ["community_sizes", "draw_fitness", "draw_follows", "plant_communities"]

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


def community_sizes(rng: np.random.Generator, n_communities: int) -> F64:
    """Uneven community shares: Zipf-like, in random order."""
    w: F64 = np.arange(1, n_communities + 1, dtype=np.float64) ** -_COMMUNITY_ZIPF
    rng.shuffle(w)
    shares: F64 = w / w.sum()
    return shares


def plant_communities(
    rng: np.random.Generator, sizes: F64, n_own: int, n_media: int, n: int
) -> I32:
    """Community of every account; own accounts share one (the brand's)."""
    k = len(sizes)
    community = rng.choice(k, size=n, p=sizes).astype(np.int32)
    community[:n_own] = rng.choice(k, p=sizes)
    # media desks: spread over topics, bigger topics first
    community[n_own : n_own + n_media] = rng.permutation(np.resize(np.argsort(-sizes), n_media))
    return community


def draw_fitness(
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


def draw_follows(
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
        new = sorted_unique(new)
        pairs = insert_sorted(pairs, new)[0] if round_ else new
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
