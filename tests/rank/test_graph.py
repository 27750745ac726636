"""Combining follow and repost edges, decay, and the audience matrix."""

from __future__ import annotations

import numpy as np
import pytest

from kolgraph.errors import InputError
from kolgraph.rank.graph import combine_edges, follower_matrix, repost_decay
from kolgraph.store.base import GraphArrays

DAY = 86_400


def _arrays() -> GraphArrays:
    i32 = np.int32
    return GraphArrays(
        4,
        np.array([0, 1, 2], i32),  # 0→1, 1→2, 2→1 follow
        np.array([1, 2, 1], i32),
        np.array([0, 0, 3], i32),  # 0 reposted 1 twice (old and new), 3 reposted 1
        np.array([1, 1, 1], i32),
        np.array([0, 10 * DAY, 10 * DAY], np.int64),
        np.array([1.0, 1.0, 2.0], np.float32),
    )


def test_combine_sums_parallel_edges() -> None:
    e = combine_edges(_arrays(), follow_weight=1.0, repost_weight=0.5)
    got = {(int(s), int(d)): float(w) for s, d, w in zip(e.src, e.dst, e.weight, strict=True)}
    assert got == {(0, 1): 1.0 + 0.5 + 0.5, (1, 2): 1.0, (2, 1): 1.0, (3, 1): 1.0}


def test_decay_halves_per_half_life() -> None:
    f = repost_decay(np.array([0, 5 * DAY, 10 * DAY, 20 * DAY]), half_life_days=5.0, now=10 * DAY)
    assert f == pytest.approx([0.25, 0.5, 1.0, 1.0])  # the future counts as fresh
    e = combine_edges(_arrays(), follow_weight=0.0, repost_weight=1.0, half_life_days=10.0)
    got = {(int(s), int(d)): float(w) for s, d, w in zip(e.src, e.dst, e.weight, strict=True)}
    assert got[(0, 1)] == pytest.approx(0.5 + 1.0)  # one repost 10 days old, one fresh
    with pytest.raises(InputError):
        repost_decay(np.array([1]), half_life_days=0)


def test_audience_matrix() -> None:
    a = follower_matrix(_arrays())
    assert sorted(a[1].indices.tolist()) == [0, 2, 3]  # followers 0, 2 and reposter 3
    assert a[1].data.max() == 1.0  # binary even with repeated reposts
    assert sorted(follower_matrix(_arrays(), include_reposts=False)[1].indices.tolist()) == [0, 2]


def _combine_reference(
    arrays: GraphArrays, follow_weight: float, repost_weight: float, half_life_days: float | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The obvious version: ``np.unique`` of pair codes and a bincount in input order."""
    n = arrays.n_nodes
    src = np.concatenate([arrays.follow_src, arrays.repost_src]).astype(np.int64)
    dst = np.concatenate([arrays.follow_dst, arrays.repost_dst]).astype(np.int64)
    rw = arrays.repost_weight.astype(np.float64) * repost_weight
    if half_life_days is not None:
        rw = rw * repost_decay(arrays.repost_ts, half_life_days=half_life_days)
    w = np.concatenate([np.full(arrays.n_follows, follow_weight), rw])
    keep = w > 0
    uniq, inverse = np.unique(src[keep] * n + dst[keep], return_inverse=True)
    return uniq // n, uniq % n, np.bincount(inverse, weights=w[keep], minlength=uniq.size)


@pytest.mark.parametrize("half_life_days", [None, 3.7])
@pytest.mark.parametrize("weights", [(1.0, 1.0), (0.3, 0.71), (0.0, 1.3)])
def test_combine_matches_unique_reference_bit_for_bit(
    half_life_days: float | None, weights: tuple[float, float]
) -> None:
    rng = np.random.default_rng(5)
    n, m, r = 50, 400, 900  # many parallel edges, unsorted input
    arrays = GraphArrays(
        n,
        rng.integers(0, n, m).astype(np.int32),
        rng.integers(0, n, m).astype(np.int32),
        rng.integers(0, n, r).astype(np.int32),
        rng.integers(0, n, r).astype(np.int32),
        rng.integers(0, 30 * DAY, r).astype(np.int64),
        rng.uniform(0.1, 5.0, r).astype(np.float32),
    )
    fw, rw = weights
    e = combine_edges(arrays, follow_weight=fw, repost_weight=rw, half_life_days=half_life_days)
    src, dst, w = _combine_reference(arrays, fw, rw, half_life_days)
    assert np.array_equal(e.src, src) and np.array_equal(e.dst, dst)
    assert np.array_equal(e.weight, w)  # same additions in the same order: identical floats
    assert e.src.dtype == e.dst.dtype == np.int32 and e.weight.dtype == np.float64
