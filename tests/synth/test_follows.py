"""The follower graph: planted uneven communities, simple edges, heavy-tailed audiences."""

from __future__ import annotations

import numpy as np

from kolgraph.synth import DemoNetwork

from .helpers import pair_codes


def test_communities_planted_and_uneven(net: DemoNetwork) -> None:
    community = net.accounts["community"].to_numpy()
    assert community.min() == 0 and community.max() == 11
    sizes = np.bincount(community)
    assert sizes.max() > 2 * sizes.min()
    assert net.accounts.loc[net.accounts["kind"] == "own", "community"].nunique() == 1
    same = community[net.follow_src] == community[net.follow_dst]
    assert same.mean() > 0.6  # most follows stay inside the community


def test_follow_edges_simple(net: DemoNetwork) -> None:
    n = len(net.accounts)
    assert (net.follow_src != net.follow_dst).all()
    codes = pair_codes(net.follow_src, net.follow_dst, n)
    assert (np.diff(codes) > 0).all()  # sorted by (src, dst), hence no duplicates
    assert net.follow_src.min() >= 0 and net.follow_dst.max() < n
    followers = np.bincount(net.follow_dst, minlength=n)
    np.testing.assert_array_equal(net.accounts["followers"].to_numpy(), followers)
    assert abs(net.n_follows / n - 20.0) < 1.0


def test_followers_heavy_tailed(net: DemoNetwork) -> None:
    followers = net.accounts["followers"].to_numpy()
    kind = net.accounts["kind"].to_numpy()
    top = np.sort(followers)[::-1][: len(followers) // 100]
    assert top.sum() > 0.3 * followers.sum()  # the top 1 % hold a large share
    user_median = np.median(followers[kind == "user"])
    assert np.median(followers[kind == "kol"]) > 20 * user_median
    assert np.median(followers[kind == "media"]) > np.median(followers[kind == "kol"])
    assert followers[kind == "user"].max() > 20 * user_median  # users are heavy-tailed too
