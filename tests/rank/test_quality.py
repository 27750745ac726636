"""Quality signals: features computed by hand and by a plain-Python reference, flags, anomaly."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest

from kolgraph.errors import InputError
from kolgraph.rank.quality import (
    FEATURE_COLUMNS,
    QualityReport,
    account_features,
    quality_signals,
)
from kolgraph.store.base import GraphArrays
from kolgraph.synth import generate_demo

DAY = 86_400
Repost = tuple[int, int, int, float]  # reposter, author, ts, weight


def _arrays(
    n: int, follows: Sequence[tuple[int, int]], reposts: Sequence[Repost] = ()
) -> GraphArrays:
    f = np.array(follows, dtype=np.int64).reshape(-1, 2)
    r = [(s, d, t, w) for s, d, t, w in reposts]
    return GraphArrays(
        n,
        f[:, 0].astype(np.int32),
        f[:, 1].astype(np.int32),
        np.array([x[0] for x in r], dtype=np.int32),
        np.array([x[1] for x in r], dtype=np.int32),
        np.array([x[2] for x in r], dtype=np.int64),
        np.array([x[3] for x in r], dtype=np.float32),
    )


def _engagement_flags(report: QualityReport, i: int) -> list[str]:
    return [f for f in report.flags[i] if f.startswith("engagement")]


# --------------------------------------------------------------------------- by hand
def _farm_graph() -> GraphArrays:
    """Three accounts with 50-60 followers each, built so every number is easy to count.

    * 0: a bot farm; its 60 followers 10..69 follow only it and do nothing else.
    * 1: healthy; its 60 followers 70..129 are each followed by 130; 70, 71 and
      72 repost it (72's repost weighs 2), on days 0, 0 and 1.
    * 2: half-bought; 31 of its 50 followers (200..230) are hollow, the other 19
      (231..249) are followed by 131.
    """
    follows = [(u, 0) for u in range(10, 70)]
    follows += [(u, 1) for u in range(70, 130)]
    follows += [(130, u) for u in range(70, 130)]
    follows += [(u, 2) for u in range(200, 250)]
    follows += [(131, u) for u in range(231, 250)]
    reposts: list[Repost] = [(70, 1, 100, 1.0), (71, 1, 5_000, 1.0), (72, 1, DAY + 7, 2.0)]
    return _arrays(250, follows, reposts)


def test_features_by_hand() -> None:
    f = account_features(_farm_graph())
    assert list(f.columns) == list(FEATURE_COLUMNS)
    assert len(f) == 250
    assert f.loc[[0, 1, 2, 70, 130, 10], "followers_observed"].tolist() == [60, 60, 50, 1, 0, 0]
    assert f.loc[[0, 10, 130, 131], "following"].tolist() == [0, 1, 60, 19]
    # the healthy account: 1 + 1 + 2 reposts on two distinct days
    assert f.loc[1, "reposts_received"] == 4.0
    assert f.loc[1, "posts"] == 2
    assert f.loc[1, "engagement"] == pytest.approx(4 / 2 / 60)
    assert f.loc[[70, 72, 1], "reposts_made"].tolist() == [1.0, 2.0, 0.0]
    # the bot farm has no reposts: engagement 0, posts 0
    assert f[["reposts_received", "posts", "engagement"]].iloc[0].tolist() == [0.0, 0.0, 0.0]
    # hollow shares: all of the farm's followers, none of the healthy account's
    assert f.loc[0, "hollow_follower_share"] == 1.0
    assert f.loc[1, "hollow_follower_share"] == 0.0
    assert f.loc[2, "hollow_follower_share"] == pytest.approx(31 / 50)
    assert f.loc[70, "hollow_follower_share"] == 1.0  # its only follower, 130, is hollow
    assert math.isnan(f["hollow_follower_share"].iloc[130])  # no followers
    assert f["coverage"].isna().all()
    assert f["follower_jump"].isna().all()


def test_hollow_flag() -> None:
    rep = quality_signals(_farm_graph(), min_followers=50)
    hollow = "of followers are hollow (no followers, no activity)"
    assert f"100% {hollow}" in rep.flags[0]
    assert f"62% {hollow}" in rep.flags[2]
    assert not any(hollow in r for r in rep.flags[1])
    # accounts under min_followers are never flagged, however hollow their audience
    assert rep.flags[70] == []
    assert rep.eligible[[0, 1, 2]].all()
    assert int(rep.eligible.sum()) == 3
    # a stricter threshold drops the 62 % account
    strict = quality_signals(_farm_graph(), hollow_threshold=0.7)
    assert not any(hollow in r for r in strict.flags[2])
    assert any(hollow in r for r in strict.flags[0])
    # and small accounts are judged when min_followers allows it
    assert f"100% {hollow}" in quality_signals(_farm_graph(), min_followers=1).flags[70]


# --------------------------------------------------------------------------- reference
def _reference(
    n: int,
    follows: Sequence[tuple[int, int]],
    reposts: Sequence[Repost],
    declared: Sequence[float],
    history: Sequence[tuple[int, int, float]],
) -> pd.DataFrame:
    """The features, one account at a time, straight from the definitions."""
    followers_of: list[list[int]] = [[] for _ in range(n)]
    following = [0] * n
    for u, v in follows:
        followers_of[v].append(u)
        following[u] += 1
    received = [0.0] * n
    made = [0.0] * n
    days: list[set[int]] = [set() for _ in range(n)]
    for u, v, t, w in reposts:
        received[v] += w
        made[u] += w
        if w > 0:
            days[v].add(t // DAY)
    hollow = [not followers_of[u] and received[u] == 0 and made[u] == 0 for u in range(n)]
    by_account: dict[int, list[tuple[int, float]]] = {}
    for i, d, c in history:
        by_account.setdefault(i, []).append((d, c))
    rows = []
    for v in range(n):
        fo = len(followers_of[v])
        posts = len(days[v])
        rows_v = sorted(by_account.get(v, []))
        rates = [
            (b / max(a, 1.0)) ** (1.0 / (d2 - d1)) - 1.0
            for (d1, a), (d2, b) in itertools.pairwise(rows_v)
        ]
        rows.append(
            {
                "followers_observed": fo,
                "following": following[v],
                "reposts_received": received[v],
                "posts": posts,
                "engagement": received[v] / max(posts, 1) / max(fo, 1),
                "reposts_made": made[v],
                "hollow_follower_share": (
                    sum(hollow[u] for u in followers_of[v]) / fo if fo else math.nan
                ),
                "coverage": fo / declared[v] if declared[v] > 0 else math.nan,
                "follower_jump": max(0.0, *rates) if rates else math.nan,
            }
        )
    return pd.DataFrame(rows)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_reference(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 60
    follows = [(int(u), int(v)) for u, v in rng.integers(0, n, size=(300, 2))]
    reposts = [
        (int(u), int(v), int(t), float(w))
        for u, v, t, w in zip(
            rng.integers(0, n, 150),
            rng.integers(0, n // 3, 150),
            rng.integers(1_700_000_000, 1_700_000_000 + 10 * DAY, 150),
            rng.choice([0.0, 1.0, 1.0, 3.0], 150),
            strict=True,
        )
    ]
    declared = np.where(rng.random(n) < 0.3, np.nan, rng.integers(0, 40, n).astype(float))
    history = []
    for i in rng.choice(n, 20, replace=False).tolist():
        for d in sorted(rng.choice(30, int(rng.integers(1, 5)), replace=False).tolist()):
            history.append((int(i), int(d), float(rng.integers(0, 500))))
    hist = pd.DataFrame(history, columns=["index", "day", "followers"]).sample(
        frac=1.0, random_state=seed
    )  # order does not matter
    got = account_features(
        _arrays(n, follows, reposts), declared_followers=declared, follower_history=hist
    )
    want = _reference(n, follows, reposts, declared.tolist(), history)
    pd.testing.assert_frame_equal(got, want, check_dtype=False, check_exact=False, rtol=1e-9)


# --------------------------------------------------------------------------- engagement
def _engagement_graph() -> GraphArrays:
    """Accounts 0..6 share 60 followers (100..159); 7 has 150 followers (100..249).

    0..4 get 30 reposts over 2 days (engagement 30 / 2 / 60 = 0.25), 5 gets one
    repost (1 / 1 / 60), 6 gets none; 7 gets one repost (1 / 1 / 150) but is
    alone in the 100-999 bucket.
    """
    follows = [(u, a) for a in range(7) for u in range(100, 160)]
    follows += [(u, 7) for u in range(100, 250)]
    reposts: list[Repost] = [
        (100 + k, a, (k % 2) * DAY + k, 1.0) for a in range(5) for k in range(30)
    ]
    reposts += [(100, 5, 3 * DAY, 1.0), (101, 7, 3 * DAY, 1.0)]
    return _arrays(250, follows, reposts)


def test_engagement_relative_flag() -> None:
    g = _engagement_graph()
    rep = quality_signals(g)
    eng = rep.features["engagement"]
    assert eng[:5].tolist() == pytest.approx([0.25] * 5)
    assert eng[5] == pytest.approx(1 / 60)
    assert eng[7] == pytest.approx(1 / 150)
    assert all(_engagement_flags(rep, a) == [] for a in range(5))
    assert _engagement_flags(rep, 5) == [
        "engagement 0.017 per post per follower is 15x below the median of "
        "similar-size accounts (0.25, 50-99 followers)"
    ]
    assert _engagement_flags(rep, 6) == [
        "engagement 0 per post per follower (no reposts received) while similar-size "
        "accounts have a median of 0.25 (50-99 followers)"
    ]
    # 7 is judged only against accounts of its own size, and there are too few
    assert _engagement_flags(rep, 7) == []
    # a looser ratio keeps 5 (1/15 of the median) and still flags the zero
    loose = quality_signals(g, engagement_ratio=0.05)
    assert _engagement_flags(loose, 5) == []
    assert len(_engagement_flags(loose, 6)) == 1


# --------------------------------------------------------------------------- history
def _sized(n: int, sizes: dict[int, int]) -> GraphArrays:
    """``n`` accounts; account ``a`` gets ``sizes[a]`` followers from a pool after them."""
    pool = max(sizes)
    follows = [(pool + 1 + k, a) for a, s in sizes.items() for k in range(s)]
    return _arrays(max(n, pool + 1 + max(sizes.values())), follows)


def test_follower_jump() -> None:
    g = _sized(5, {0: 60, 1: 60, 2: 60, 3: 60})
    hist = pd.DataFrame(
        [
            (0, 2, 540),
            (0, 0, 100),
            (0, 1, 120),  # +20 %, then +350 %
            (1, 10, 100),
            (1, 12, 400),  # x4 in two days: +100 % a day
            (2, 0, 100),
            (2, 1, 90),
            (2, 2, 0),  # only losses
            (3, 5, 1_000),  # one row: no day-over-day change
        ],
        columns=["index", "day", "followers"],
    )
    rep = quality_signals(g, follower_history=hist)
    jump = rep.features["follower_jump"]
    assert jump[0] == pytest.approx(3.5)
    assert jump[1] == pytest.approx(1.0)
    assert jump[2] == 0.0
    assert math.isnan(jump[3]) and math.isnan(jump[4])
    assert "followers jumped +350% in one day" in rep.flags[0]
    assert "followers jumped +100% in one day" in rep.flags[1]
    assert not any("jumped" in r for r in rep.flags[2] + rep.flags[3])
    assert not any(
        "jumped" in r for r in quality_signals(g, follower_history=hist, jump_threshold=4).flags[0]
    )

    # datetimes are UTC days
    as_dates = hist.assign(
        day=pd.Timestamp("2026-01-01", tz="Asia/Shanghai") + pd.to_timedelta(hist["day"], unit="D")
    )
    dated = account_features(g, follower_history=as_dates)["follower_jump"]
    pd.testing.assert_series_equal(dated, jump)


def test_follower_history_validation() -> None:
    g = _sized(3, {0: 5})
    good = pd.DataFrame({"index": [0, 0], "day": [0, 1], "followers": [1, 2]})
    assert account_features(g, follower_history=good.iloc[:0])["follower_jump"].isna().all()
    bad = [
        good.drop(columns="day"),
        good.assign(day=[0, 0]),  # repeated (index, day)
        good.assign(index=[0, 99]),
        good.assign(index=[0, -1]),
        good.assign(followers=[1, -2]),
        good.assign(followers=[1.0, np.nan]),
        good.assign(day=["a", "b"]),
    ]
    for frame in bad:
        with pytest.raises(InputError):
            account_features(g, follower_history=frame)


# --------------------------------------------------------------------------- coverage
def test_coverage() -> None:
    g = _sized(6, {0: 60, 1: 60, 2: 60, 3: 60, 4: 10})
    declared = np.full(g.n_nodes, np.nan)
    declared[:5] = [100, np.nan, 0, 1_000, 1_000]
    rep = quality_signals(g, declared_followers=declared)
    cov = rep.features["coverage"]
    assert cov[0] == pytest.approx(0.6)
    assert math.isnan(cov[1]) and math.isnan(cov[2])
    assert cov[3] == pytest.approx(0.06)
    assert cov[4] == pytest.approx(0.01)
    assert "only 6% of declared followers seen (coverage: 60 of 1,000)" in rep.flags[3]
    assert not any("coverage" in r for r in rep.flags[0] + rep.flags[1] + rep.flags[2])
    assert rep.flags[4] == []  # too small to judge
    off = quality_signals(g, declared_followers=declared, min_coverage=0.0)
    assert not any("coverage" in r for r in off.flags[3])
    # a Series (accounts_frame()["followers"]) works as well as an array
    as_series = account_features(g, declared_followers=pd.Series(declared))["coverage"]
    pd.testing.assert_series_equal(as_series, cov)
    with pytest.raises(InputError):
        account_features(g, declared_followers=declared[:-1])
    with pytest.raises(InputError):
        account_features(g, declared_followers=np.where(np.isnan(declared), -1.0, declared))


# --------------------------------------------------------------------------- anomaly
def _demo_with_bot_farm(n_fake: int = 300) -> tuple[GraphArrays, int]:
    """The 5 000-account demo plus a bot farm: ``n_fake`` hollow accounts follow one account."""
    net = generate_demo(5_000, seed=3)
    n = net.n_accounts
    bot = n
    fakes = np.arange(n + 1, n + 1 + n_fake)
    follow_src = np.concatenate([net.follow_src, fakes, np.full(5, bot)])
    follow_dst = np.concatenate([net.follow_dst, np.full(n_fake, bot), np.arange(10, 15)])
    g = GraphArrays(
        n + 1 + n_fake,
        follow_src.astype(np.int32),
        follow_dst.astype(np.int32),
        net.repost_src,
        net.repost_dst,
        net.repost_ts,
        np.ones(net.n_reposts, dtype=np.float32),
    )
    return g, bot


@pytest.fixture(scope="module")
def farm() -> tuple[GraphArrays, int]:
    return _demo_with_bot_farm()


def test_anomaly_planted_bot_farm(farm: tuple[GraphArrays, int]) -> None:
    g, bot = farm
    rep = quality_signals(g, seed=0)
    elig = rep.eligible
    assert elig[bot]
    assert int(elig.sum()) > 100
    scores = rep.anomaly[elig]
    assert np.isfinite(scores).all() and (scores >= 0).all() and (scores <= 1).all()
    assert np.isnan(rep.anomaly[~elig]).all()
    typical = float(np.median(scores))
    assert 0.3 < typical < 0.55  # ordinary accounts score about 0.5 or below
    assert rep.anomaly[bot] > np.percentile(scores, 98)
    assert rep.anomaly[bot] > typical + 0.15
    assert "100% of followers are hollow (no followers, no activity)" in rep.flags[bot]

    # the anomaly flag follows the threshold, with the score in the reason
    low = quality_signals(g, seed=0, anomaly_threshold=0.6)
    for i in np.flatnonzero(elig).tolist():
        has = any(r.startswith("anomalous feature mix") for r in low.flags[i])
        assert has == (low.anomaly[i] >= 0.6)
    assert f"anomalous feature mix (score {low.anomaly[bot]:.2f})" in low.flags[bot]

    # fitting on a sample still scores every eligible account
    sampled = quality_signals(g, seed=0, max_fit_rows=60)
    assert np.isfinite(sampled.anomaly[elig]).all()
    assert sampled.anomaly[bot] > np.percentile(sampled.anomaly[elig], 95)


def test_deterministic_for_a_seed(farm: tuple[GraphArrays, int]) -> None:
    g, _ = farm
    a = quality_signals(g, seed=5, max_fit_rows=100)
    b = quality_signals(g, seed=5, max_fit_rows=100)
    np.testing.assert_array_equal(a.anomaly, b.anomaly)
    assert a.flags == b.flags
    pd.testing.assert_frame_equal(a.features, b.features)
    c = quality_signals(g, seed=6, max_fit_rows=100)
    assert not np.array_equal(a.anomaly, c.anomaly, equal_nan=True)


def test_too_few_eligible_accounts_have_no_anomaly_score() -> None:
    rep = quality_signals(_farm_graph())
    assert np.isnan(rep.anomaly).all()


# --------------------------------------------------------------------------- edges
def test_empty_graph() -> None:
    rep = quality_signals(_arrays(0, []))
    assert list(rep.features.columns) == list(FEATURE_COLUMNS)
    assert len(rep.features) == 0
    assert rep.anomaly.shape == (0,)
    assert rep.flags == []
    assert rep.flagged() == []

    lonely = quality_signals(_arrays(4, []))
    f = lonely.features
    assert f[["followers_observed", "following", "posts"]].to_numpy().sum() == 0
    assert f["hollow_follower_share"].isna().all()
    assert lonely.flags == [[], [], [], []]


def test_argument_validation() -> None:
    g = _farm_graph()
    bad_options: list[dict[str, object]] = [
        {"min_followers": 0},
        {"min_followers": 2.5},
        {"hollow_threshold": 0.0},
        {"hollow_threshold": 1.5},
        {"jump_threshold": -1.0},
        {"jump_threshold": math.inf},
        {"engagement_ratio": 0.0},
        {"engagement_ratio": 2.0},
        {"min_coverage": 1.5},
        {"anomaly_threshold": 1.2},
        {"seed": -1},
        {"seed": 1.5},
        {"max_fit_rows": 1},
    ]
    for options in bad_options:
        with pytest.raises(InputError):
            quality_signals(g, **options)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        quality_signals(g, hollow=0.5)  # type: ignore[call-arg]

    def i32(*v: int) -> npt.NDArray[np.int32]:
        return np.array(v, dtype=np.int32)

    ts = np.zeros(1, dtype=np.int64)
    one = np.ones(1, dtype=np.float32)
    bad_arrays = [
        GraphArrays(2, i32(0), i32(5), i32(0), i32(1), ts, one),  # endpoint out of range
        GraphArrays(2, i32(0, 1), i32(1), i32(0), i32(1), ts, one),  # lengths differ
        GraphArrays(2, i32(0), i32(1), i32(0), i32(1), ts, -one),  # negative weight
        GraphArrays(2, i32(0), i32(1), i32(0), i32(1), ts, one * np.nan),
        GraphArrays(2, i32(0), i32(1), i32(0), i32(-1), ts, one),
    ]
    for arrays in bad_arrays:
        with pytest.raises(InputError):
            account_features(arrays)
