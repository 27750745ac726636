"""Posts and their repost cascades, spread along follow edges over a 14-day window.

The *Cascades* part of the model in :mod:`kolgraph.synth`.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import scipy.sparse as sp

from kolgraph.arrays import F64, I32, I64
from kolgraph.synth.accounts import padded_numbers
from kolgraph.synth.codes import insert_sorted, sorted_unique

__all__ = ["DAY", "WINDOW_DAYS", "spread_cascades"]

DAY = 86_400
WINDOW_DAYS = 14

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


def _earliest_first(key: I64, rel_ts: I64, key_bits: int) -> I64:
    """Stable order by ``(key, rel_ts)``; one sort of a packed code when it fits."""
    ts_bits = 22  # 48 days; later times are past the window and dropped anyway
    if key_bits + ts_bits > 62:
        return np.lexsort((rel_ts, key))
    code = key << ts_bits | np.minimum(rel_ts, (1 << ts_bits) - 1)
    return np.argsort(code, kind="stable")


def spread_cascades(
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
    post_ids = np.char.add("p", padded_numbers(n_posts)).astype(object)

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

    seen = sorted_unique(np.sort(np.arange(n_posts, dtype=np.int64) * n + author))
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
        seen, new = insert_sorted(seen, key)
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
