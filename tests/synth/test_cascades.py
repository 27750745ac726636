"""Repost cascades: along follow edges, trees in time, heavy-tailed, in the topic's phases."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kolgraph.synth import WINDOW_DAYS, DemoNetwork

from .helpers import START, N, pair_codes


def test_reposts_run_along_follow_edges(net: DemoNetwork) -> None:
    n = len(net.accounts)
    follows = pair_codes(net.follow_src, net.follow_dst, n)
    reposts = pair_codes(net.repost_src, net.repost_dst, n)
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
