"""The demo generator: seeded, realistic in shape, consistent, and loadable."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kolgraph.demo import WINDOW_DAYS, DemoNetwork, generate_demo, load_demo
from kolgraph.errors import InputError
from kolgraph.store import SQLiteStore

START = 1_767_225_600
N = 20_000


@pytest.fixture(scope="module")
def net() -> DemoNetwork:
    return generate_demo(N, seed=11)


def _arrays(n: DemoNetwork) -> list[np.ndarray]:
    return [n.follow_src, n.follow_dst, n.repost_src, n.repost_dst, n.repost_post, n.repost_ts]


def _pair_codes(src: np.ndarray, dst: np.ndarray, n: int) -> np.ndarray:
    codes: np.ndarray = src.astype(np.int64) * n + dst
    return codes


# --------------------------------------------------------------------------- determinism
def test_same_seed_same_network() -> None:
    a, b = generate_demo(3_000, seed=5), generate_demo(3_000, seed=5)
    for x, y in zip(_arrays(a), _arrays(b), strict=True):
        np.testing.assert_array_equal(x, y)
    pd.testing.assert_frame_equal(a.accounts, b.accounts)
    pd.testing.assert_frame_equal(a.posts, b.posts)


def test_other_seed_other_network() -> None:
    a, b = generate_demo(3_000, seed=5), generate_demo(3_000, seed=6)
    assert not np.array_equal(a.accounts["followers"], b.accounts["followers"])
    assert a.n_follows != b.n_follows or not np.array_equal(a.follow_dst, b.follow_dst)
    assert a.n_reposts != b.n_reposts or not np.array_equal(a.repost_src, b.repost_src)


# --------------------------------------------------------------------------- accounts
def test_default_sizes_and_kinds() -> None:
    net = generate_demo()  # the default demo: 50k accounts
    kinds = net.accounts["kind"].value_counts()
    assert len(net.accounts) == 50_000
    assert 250 <= kinds["kol"] <= 350
    assert 20 <= kinds["media"] <= 40
    assert kinds["own"] == 5
    assert kinds["user"] == 50_000 - kinds["kol"] - kinds["media"] - 5
    assert 15 * 50_000 <= net.n_follows <= 25 * 50_000
    assert 0.5 * 50_000 <= net.n_reposts <= 5 * 50_000


def test_columns_dtypes_and_keys(net: DemoNetwork) -> None:
    acc = net.accounts
    assert list(acc.columns) == ["account_id", "name", "kind", "followers", "cost", "community"]
    assert net.platform == "demo"
    assert set(acc["kind"]) == {"kol", "media", "own", "user"}
    assert acc["account_id"].is_unique
    assert all(x.dtype == np.int32 for x in (net.follow_src, net.follow_dst))
    assert all(x.dtype == np.int32 for x in (net.repost_src, net.repost_dst))
    assert net.repost_ts.dtype == np.int64
    keys = net.keys()
    assert keys.dtype == object and len(keys) == len(acc)
    assert keys[0] == f"demo:{acc['account_id'].iloc[0]}"
    # equal-width ids: key order is account order (a fresh store's dense order)
    assert list(keys) == sorted(keys)


def test_readable_names(net: DemoNetwork) -> None:
    acc = net.accounts
    name = acc["name"]
    assert name[acc["kind"] == "own"].iloc[0] == "Brand Official"
    kol_name = r"[A-Z][a-z]+ [A-Z][a-z]+ \([a-z ]+\d*\)"  # "Ava Chen (beauty)"
    assert name[acc["kind"] == "kol"].str.fullmatch(kol_name).all()
    assert name[acc["kind"] == "media"].str.count(" ").ge(2).all()  # "Daily Tech Wire"
    users = acc["kind"] == "user"
    assert (name[users] == "user_" + acc["account_id"][users]).all()


def test_communities_planted_and_uneven(net: DemoNetwork) -> None:
    community = net.accounts["community"].to_numpy()
    assert community.min() == 0 and community.max() == 11
    sizes = np.bincount(community)
    assert sizes.max() > 2 * sizes.min()
    assert net.accounts.loc[net.accounts["kind"] == "own", "community"].nunique() == 1
    same = community[net.follow_src] == community[net.follow_dst]
    assert same.mean() > 0.6  # most follows stay inside the community


def test_more_communities_than_topics() -> None:
    net = generate_demo(3_000, n_communities=25)
    assert net.accounts["community"].max() == 24
    kols = net.accounts[net.accounts["kind"] == "kol"]
    assert kols["name"].str.endswith(")").all()


# --------------------------------------------------------------------------- follows
def test_follow_edges_simple(net: DemoNetwork) -> None:
    n = len(net.accounts)
    assert (net.follow_src != net.follow_dst).all()
    codes = _pair_codes(net.follow_src, net.follow_dst, n)
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


# --------------------------------------------------------------------------- cascades
def test_reposts_run_along_follow_edges(net: DemoNetwork) -> None:
    n = len(net.accounts)
    follows = _pair_codes(net.follow_src, net.follow_dst, n)
    reposts = _pair_codes(net.repost_src, net.repost_dst, n)
    assert np.isin(reposts, follows).all()


def test_cascades_are_trees_in_time(net: DemoNetwork) -> None:
    posts = net.posts.set_index("post_id")
    r = pd.DataFrame(
        {
            "post": net.repost_post,
            "src": net.repost_src,
            "dst": net.repost_dst,
            "ts": net.repost_ts,
        }
    )
    assert not r.duplicated(["post", "src"]).any()  # one repost per account and post
    author = posts.loc[r["post"], "author"].to_numpy()
    assert (r["src"].to_numpy() != author).all()
    # a parent is the author (posted earlier) or an earlier reposter of the same post
    parent = r.merge(
        r[["post", "src", "ts"]].rename(columns={"src": "dst", "ts": "parent_ts"}),
        on=["post", "dst"],
        how="left",
    )
    from_author = parent["dst"].to_numpy() == posts.loc[parent["post"], "author"].to_numpy()
    post_ts = posts.loc[parent["post"], "ts"].to_numpy()
    assert (parent.loc[from_author, "ts"].to_numpy() > post_ts[from_author]).all()
    relay = parent[~from_author]
    assert relay["parent_ts"].notna().all()
    assert (relay["ts"] > relay["parent_ts"]).all()
    assert (np.diff(net.repost_ts) >= 0).all()  # sorted by time
    assert net.repost_ts.min() >= START and net.repost_ts.max() < START + WINDOW_DAYS * 86_400


def test_cascade_sizes_heavy_tailed(net: DemoNetwork) -> None:
    sizes = net.posts["reposts"].to_numpy()
    assert len(sizes) == N // 25
    assert sizes.sum() == net.n_reposts
    assert sizes.max() > 10 * max(np.median(sizes), 1)
    assert (sizes <= 20).mean() > 0.5  # most cascades are small
    author_kind = net.accounts["kind"].to_numpy()[net.posts["author"].to_numpy()]
    assert (author_kind != "user").mean() > 0.7


def test_topic_phases(net: DemoNetwork) -> None:
    day = (net.posts["ts"].to_numpy() - START) // 86_400
    per_day = np.bincount(day, minlength=WINDOW_DAYS)
    assert per_day[2:5].sum() > 2 * per_day[:2].sum()  # explosion after the origin
    assert per_day[2:5].sum() > 2 * per_day[10:].sum()  # flattening at the end


# --------------------------------------------------------------------------- costs
def test_costs_grow_with_audience(net: DemoNetwork) -> None:
    acc = net.accounts
    kols = acc[acc["kind"] == "kol"]
    assert kols["followers"].corr(kols["cost"], method="spearman") > 0.5
    assert acc.loc[acc["kind"] == "user", "cost"].isna().all()
    priced = acc[acc["kind"] != "user"]
    assert priced["cost"].notna().all()
    assert (priced["cost"] == priced["cost"].round()).all() and (priced["cost"] > 0).all()
    own = acc.loc[acc["kind"] == "own", "cost"]
    assert own.between(20, 50).all()
    media = acc[acc["kind"] == "media"]
    assert _cost_per_follower(media) > _cost_per_follower(kols)


def _cost_per_follower(accounts: pd.DataFrame) -> float:
    return float((accounts["cost"] / accounts["followers"].clip(lower=1)).median())


# --------------------------------------------------------------------------- options
def test_custom_sizes() -> None:
    net = generate_demo(2_000, n_kol=40, n_media=8, n_own=2, n_posts=30, n_communities=4)
    kinds = net.accounts["kind"].value_counts()
    assert (kinds["kol"], kinds["media"], kinds["own"]) == (40, 8, 2)
    assert len(net.posts) == 30
    assert net.accounts["community"].max() == 3


def test_no_special_accounts_or_posts() -> None:
    net = generate_demo(1_000, n_kol=0, n_media=0, n_own=0, n_posts=0)
    assert set(net.accounts["kind"]) == {"user"}
    assert net.n_follows > 0 and net.n_reposts == 0
    assert net.repost_post.shape == (0,)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"n_users": 50},
        {"n_users": 1_000, "n_kol": -1},
        {"n_users": 1_000, "mean_follows": 0.0},
        {"n_users": 1_000, "mean_follows": float("nan")},
        {"n_users": 1_000, "n_communities": 0},
        {"n_users": 1_000, "n_posts": -1},
    ],
)
def test_bad_sizes_rejected(kwargs: dict[str, float]) -> None:
    with pytest.raises(InputError):
        generate_demo(**kwargs)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- load
def test_load_into_sqlite(tmp_path: Path) -> None:
    net = generate_demo(2_000, seed=3)
    seen: list[int] = []
    store = SQLiteStore(tmp_path / "k.db")
    try:
        counts = load_demo(store, net, batch_size=10_000, progress=seen.append)
        expected = {"accounts": 2_000, "follows": net.n_follows, "reposts": net.n_reposts}
        assert counts == expected
        stored = store.counts()
        assert (stored.accounts, stored.follows, stored.reposts) == tuple(expected.values())
        assert sum(seen) == sum(expected.values())

        # the store's dense order is the network's order
        frame = store.accounts_frame()
        assert list(frame["key"]) == list(net.keys())
        assert list(frame["kind"]) == list(net.accounts["kind"])
        np.testing.assert_array_equal(frame["followers"], net.accounts["followers"])
        np.testing.assert_array_equal(frame["cost"], net.accounts["cost"])
        arrays = store.graph_arrays()
        stored_follows = np.sort(_pair_codes(arrays.follow_src, arrays.follow_dst, 2_000))
        np.testing.assert_array_equal(
            stored_follows, _pair_codes(net.follow_src, net.follow_dst, 2_000)
        )

        again = load_demo(store, net)
        assert again == {"accounts": 0, "follows": 0, "reposts": 0}
        assert store.counts() == stored
    finally:
        store.close()


def test_load_rejects_bad_batch(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "k.db")
    try:
        with pytest.raises(InputError):
            load_demo(store, generate_demo(1_000), batch_size=0)
    finally:
        store.close()
