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
