"""The generator as a whole: seeded, sized as asked, with the documented columns and types."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kolgraph.errors import InputError
from kolgraph.synth import DemoNetwork, generate_demo

from .helpers import arrays


def test_same_seed_same_network() -> None:
    a, b = generate_demo(3_000, seed=5), generate_demo(3_000, seed=5)
    for x, y in zip(arrays(a), arrays(b), strict=True):
        np.testing.assert_array_equal(x, y)
    pd.testing.assert_frame_equal(a.accounts, b.accounts)
    pd.testing.assert_frame_equal(a.posts, b.posts)


def test_other_seed_other_network() -> None:
    a, b = generate_demo(3_000, seed=5), generate_demo(3_000, seed=6)
    assert not np.array_equal(a.accounts["followers"], b.accounts["followers"])
    assert a.n_follows != b.n_follows or not np.array_equal(a.follow_dst, b.follow_dst)
    assert a.n_reposts != b.n_reposts or not np.array_equal(a.repost_src, b.repost_src)


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
