"""SimNetwork: a seeded network with consistent follower lists, timelines and reposts."""

from __future__ import annotations

import numpy as np
import pytest

from kolgraph.crawl.simulator.network import ID_BASE, POST_BASE, SimNetwork


def test_same_seed_same_network(sim_network: SimNetwork) -> None:
    again = SimNetwork(sim_network.n, seed=sim_network.seed)
    assert again.names == sim_network.names
    assert again.kinds == sim_network.kinds
    assert again.posts == sim_network.posts
    for i in range(sim_network.n):
        assert np.array_equal(again.followers(i), sim_network.followers(i))
    other = SimNetwork(sim_network.n, seed=sim_network.seed + 1)
    assert [list(other.followers(i)) for i in range(50)] != [
        list(sim_network.followers(i)) for i in range(50)
    ]


def test_ids_round_trip(sim_network: SimNetwork) -> None:
    net = sim_network
    assert net.account_id(0) == str(ID_BASE)
    for i in (0, 1, net.n - 1):
        assert net.index(net.account_id(i)) == i
        assert net.index(int(net.account_id(i))) == i
    for bad in (str(ID_BASE - 1), str(ID_BASE + net.n), "abc", "", "12.5"):
        assert net.index(bad) is None, bad


def test_follower_and_following_lists_agree(sim_network: SimNetwork) -> None:
    net = sim_network
    followers = {(int(j), i) for i in range(net.n) for j in net.followers(i)}
    following = {(i, int(j)) for i in range(net.n) for j in net.following(i)}
    assert followers == following  # (follower, followed) pairs
    assert len(followers) == net.n_follows()  # no duplicate pairs
    assert all(a != b for a, b in followers)  # no self-follows
    assert int(net.following_count.sum()) == net.n_follows()
    for i in range(net.n):
        assert net.following_count[i] == len(net.following(i))


def test_lists_are_newest_first(sim_network: SimNetwork) -> None:
    """Newest is the highest position, so pages never shift during a crawl."""
    net = sim_network
    for i in range(net.n):
        for ids in (net.followers(i), net.following(i)):
            assert list(ids) == sorted(ids, reverse=True)


def test_timelines_and_reposts(sim_network: SimNetwork) -> None:
    net = sim_network
    assert net.posts, "the network has posts"
    assert [p.post_id for p in net.posts] == [str(POST_BASE + k) for k in range(len(net.posts))]
    seen = 0
    for i in range(net.n):
        line = net.timeline(i)
        assert all(p.author == i for p in line)
        assert [p.ts for p in line] == sorted((p.ts for p in line), reverse=True)
        seen += len(line)
    assert seen == len(net.posts)
    assert net.timeline(10**6) == []
    any_reposts = False
    for post in net.posts:
        assert net.post(post.post_id) == post
        assert net.post(int(post.post_id)) == post
        users, ts = net.reposts(post.post_id)
        assert len(users) == len(ts)
        assert list(ts) == sorted(ts, reverse=True)
        assert all(t >= post.ts for t in ts)  # a repost comes after its post
        assert all(0 <= u < net.n for u in users)
        any_reposts = any_reposts or len(users) > 0
    assert any_reposts
    assert net.post("123") is None
    with pytest.raises(KeyError):
        net.reposts("123")


def test_verified_and_top_accounts(sim_network: SimNetwork) -> None:
    net = sim_network
    for i in range(net.n):
        expected = {"kol": "person", "media": "org", "own": "org"}.get(net.kinds[i])
        assert net.verified(i) == expected
    assert {net.verified(i) for i in range(net.n)} == {"person", "org", None}
    top = net.top_accounts(20)
    assert len(top) == 20 == len(set(top))
    counts = [int(net.followers_count[net.index(a) or 0]) for a in top]
    assert counts == sorted(counts, reverse=True)
    assert counts[0] == int(net.followers_count.max())
    assert net.top_accounts(20) == top  # ties broken by position: stable
