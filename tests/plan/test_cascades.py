"""Cascade layout, time split, and the moved-users counts against brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from kolgraph.errors import InputError
from kolgraph.plan.cascades import (
    cascades_from_frame,
    early_later_pairs,
    moved_users,
    pair_blocks,
    path_moved_users,
    unique_pair_keys,
)


def _random_cascades(seed: int, n_nodes: int = 30, n_casc: int = 12):
    rng = np.random.default_rng(seed)
    rows = []
    for c in range(n_casc):
        size = int(rng.integers(1, 10))
        users = rng.choice(n_nodes, size=size, replace=False)
        t0 = int(rng.integers(0, 10_000))
        for i, u in enumerate(users):
            rows.append((c, int(u), t0 + 10 * i))
    c, u, t = zip(*rows, strict=True)
    return cascades_from_frame(c, u, t, n_nodes), rows


def _brute_moved(rows, chosen: set[int]) -> int:
    by: dict[int, list[tuple[int, int]]] = {}
    for c, u, t in rows:
        by.setdefault(c, []).append((t, u))
    moved: set[int] = set()
    for adopters in by.values():
        adopters.sort()
        seen_chosen = False
        for _, u in adopters:
            if seen_chosen and u not in chosen:
                moved.add(u)
            if u in chosen:
                seen_chosen = True
    return len(moved)


def test_layout_orders_by_time_and_keeps_first_adoption() -> None:
    c = cascades_from_frame([7, 7, 7, 7, 3], [2, 1, 2, 0, 5], [30, 10, 40, 20, 5], 6)
    assert c.n_cascades == 2
    assert c.user.tolist() == [5, 1, 0, 2]  # cascade 3 starts first; 2's second adoption dropped
    assert c.offsets.tolist() == [0, 1, 4]
    assert c.position.tolist() == [0, 0, 1, 2]


@pytest.mark.parametrize("seed", range(5))
def test_moved_users_matches_brute_force(seed: int) -> None:
    c, rows = _random_cascades(seed)
    rng = np.random.default_rng(100 + seed)
    for _ in range(5):
        chosen = set(rng.choice(30, size=4, replace=False).tolist())
        assert moved_users(c, sorted(chosen)) == _brute_moved(rows, chosen)


@pytest.mark.parametrize("early", [1, 3, 50])
def test_early_later_pairs_are_every_ordered_pair(early: int) -> None:
    c, _ = _random_cascades(3)
    v, u, i, j = early_later_pairs(c, early=early)
    want = set()
    for k in range(c.n_cascades):
        members = c.user[c.offsets[k] : c.offsets[k + 1]].tolist()
        for a, b in itertools.combinations(range(len(members)), 2):
            if a < early:
                want.add((members[a], members[b], k))
    cid = c.cascade_of
    got = set(zip(v.tolist(), u.tolist(), cid[i].tolist(), strict=True))
    assert got == want
    assert (cid[i] == cid[j]).all() and (i < j).all()


def test_split_is_by_start_and_cuts_training_at_the_first_test_start() -> None:
    # cascade A starts at 0 and lasts to 100; B starts at 50
    c = cascades_from_frame(["A", "A", "A", "B", "B"], [0, 1, 2, 3, 4], [0, 40, 100, 50, 60], 5)
    train, test = c.split(0.5)
    assert train.n_cascades == 1 and test.n_cascades == 1
    assert train.user.tolist() == [0, 1]  # user 2 adopted after the cut: unknown at planning
    assert test.user.tolist() == [3, 4]
    with pytest.raises(InputError):
        c.split(1.0)


def test_path_variant_needs_a_follow_path_from_a_chosen_account() -> None:
    # cascade: 0 (t0), 1 (t1), 2 (t2), 3 (t3); 1 follows 0, 3 follows 1, 2 follows nobody
    c = cascades_from_frame([0, 0, 0, 0], [0, 1, 2, 3], [0, 1, 2, 3], 4)
    follows = (np.array([1, 3]), np.array([0, 1]))  # (follower, followed)
    assert moved_users(c, [0]) == 3
    assert path_moved_users(c, [0], follows) == 2  # 1 and 3, not 2
    assert path_moved_users(c, [2], follows) == 0
    assert path_moved_users(c, [1], follows) == 1


@pytest.mark.parametrize("block_pairs", [1, 7, 10_000])
def test_pair_blocks_split_the_pairs_by_account_and_keep_their_order(block_pairs: int) -> None:
    c, _ = _random_cascades(4, n_casc=30)
    v, u, i, j = early_later_pairs(c, early=3)
    groups = pair_blocks(c, early=3, block_pairs=block_pairs)
    assert groups[0][0] == 0 and groups[-1][1] == c.n_nodes
    assert all(a[1] == b[0] for a, b in itertools.pairwise(groups))
    for lo, hi, rows in groups:
        bv, bu, bi, bj = early_later_pairs(c, early=3, rows=rows)
        want = (v >= lo) & (v < hi)
        for got, full in ((bv, v), (bu, u), (bi, i), (bj, j)):
            assert got.tolist() == full[want].tolist()
    n = c.n_nodes
    assert unique_pair_keys(c, early=3).tolist() == np.unique(v * n + u).tolist()
