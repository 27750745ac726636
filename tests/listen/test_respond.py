"""Response plans: frontier, trust and timing against brute force; plans on the demo store."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import scipy.sparse as sp

from kolgraph.demo import load_demo
from kolgraph.errors import InputError
from kolgraph.listen.frontier import (
    AdoptionCurve,
    frontier_scores,
    reached_communities,
    trusted,
)
from kolgraph.listen.respond import ResponsePlan, response_plan, window_schedule
from kolgraph.model import Kind
from kolgraph.plan.cascades import cascades_from_frame, cascades_from_store
from kolgraph.plan.planner import KindRange, PlanParams, make_plan
from kolgraph.rank.graph import follower_matrix
from kolgraph.rank.job import RankParams, run_rank
from kolgraph.schemas.respond import ResponseRequest, ResponseResponse, parse_duration
from kolgraph.store import SQLiteStore
from kolgraph.synth import generate_demo

FAST = RankParams(overlap_top_k=50, influence_runs=2)
HOUR = 3600


# ----------------------------------------------------------------------------- pure parts
def _random_world(seed: int, n: int = 60, k: int = 5, p: float = 0.08):
    rng = np.random.default_rng(seed)
    dense = (rng.random((n, n)) < p) & ~np.eye(n, dtype=bool)
    community = rng.integers(-1, k, size=n)  # some accounts without a community
    return sp.csr_matrix(dense.astype(np.float32)), community, dense, rng


def _frontier_brute(dense, community, recent, adopters, *, barely, min_edges, min_lift, top):
    adopted = set(adopters) | set(recent)
    ids = sorted({int(c) for c in community if c >= 0})
    size, edges, unreached = {}, {}, []
    for c in ids:
        members = [u for u in range(len(community)) if community[u] == c]
        size[c] = len(members)
        edges[c] = sum(
            1
            for v in set(recent)
            for u in range(len(community))
            if dense[v, u] and community[u] == c and u not in adopted
        )
        if sum(1 for u in members if u in adopted) <= barely * len(members):
            unreached.append(c)
    e_all = sum(edges[c] for c in unreached)
    m_all = sum(size[c] for c in unreached)
    out = {}
    for c in unreached:
        lift = (edges[c] / e_all) / (size[c] / m_all) if e_all else 0.0
        if edges[c] >= max(1, min_edges) and lift >= min_lift - 1e-12:
            out[c] = edges[c] / size[c]
    best = sorted(out.items(), key=lambda cs: (-cs[1], cs[0]))[:top]
    return dict(best)


@pytest.mark.parametrize("seed", range(6))
def test_frontier_scores_match_brute_force(seed: int) -> None:
    audience, community, dense, rng = _random_world(seed)
    adopters = rng.choice(60, size=8, replace=False)
    recent = adopters[:4]
    cases = ((0.0, 1, 0.0, 5), (0.15, 2, 1.0, 3), (1.0, 1, 1.2, 10), (0.05, 1, 1.0, 5))
    for barely, min_edges, min_lift, top in cases:
        got = frontier_scores(
            audience,
            community,
            recent,
            adopters=adopters,
            barely_share=barely,
            min_edges=min_edges,
            min_lift=min_lift,
            top=top,
        )
        want = _frontier_brute(
            dense,
            community,
            recent.tolist(),
            adopters.tolist(),
            barely=barely,
            min_edges=min_edges,
            min_lift=min_lift,
            top=top,
        )
        assert list(got) == list(want)  # the same communities in the same order
        assert got == pytest.approx(want)


def test_frontier_leaves_out_reached_communities_and_counts_two_ways_in() -> None:
    # 0 adopted (community 0); its audience: 1 (community 0), 2 and 3 (community 1),
    # 4 (community 2, which also holds adopter 5); 6 follows 0 and 5 (two ways in)
    edges = {0: [1, 2, 3, 4, 6], 5: [6]}
    rows = [v for v, us in edges.items() for _ in us]
    cols = [u for us in edges.values() for u in us]
    audience = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(7, 7))
    community = np.array([0, 0, 1, 1, 2, 2, 1])
    got = frontier_scores(audience, community, [0, 5], adopters=[0, 5], min_edges=1)
    # community 1: edges 0→2, 0→3, 0→6, 5→6 = 4 over 3 members; 0 and 2 hold adopters
    assert got == {1: pytest.approx(4 / 3)}
    assert frontier_scores(audience, community, [], adopters=[0]) == {}


def test_reached_communities_count_each_adopter_once_most_first() -> None:
    community = np.array([3, 3, 1, -1, 1, 1, 0])
    assert reached_communities(community, [0, 1, 1, 2, 3, 4, 5, 6]) == {1: 3, 3: 2, 0: 1}
    assert list(reached_communities(community, [0, 1, 2, 4, 5])) == [1, 3]
    assert reached_communities(community, [3]) == {}


@pytest.mark.parametrize("seed", range(4))
def test_trusted_matches_brute_force(seed: int) -> None:
    audience, community, dense, _ = _random_world(seed, p=0.15)
    accounts = np.arange(0, 60, 3)
    targets = [0, 2]
    ok, share = trusted(audience, community, accounts, targets, min_share=0.4)
    for j, v in enumerate(accounts.tolist()):
        aud = np.flatnonzero(dense[v])
        inside = sum(1 for u in aud if community[u] in targets)
        want_share = inside / aud.size if aud.size else 0.0
        assert share[j] == pytest.approx(want_share)
        assert ok[j] == (community[v] in targets or want_share >= 0.4)


def _cascades(seed: int, k: int):
    rng = np.random.default_rng(seed)
    rows = []
    for c in range(k):
        size = int(rng.integers(2, 12))
        start = int(rng.integers(0, 10 * 86_400))
        delays = np.sort(rng.exponential(6 * HOUR, size=size - 1)).astype(np.int64)
        users = rng.choice(200, size=size, replace=False)
        rows.append((c, int(users[0]), start))
        rows += [(c, int(u), start + int(d)) for u, d in zip(users[1:], delays, strict=True)]
    c, u, t = zip(*rows, strict=True)
    return cascades_from_frame(c, u, t, 200)


def test_adoption_curve_matches_brute_force_and_grows() -> None:
    cascades = _cascades(0, 60)
    curve = AdoptionCurve.of_cascades(cascades, min_adopters=5, min_cascades=20)
    assert curve.basis == "cascades"
    timed = []
    for c in range(cascades.n_cascades):
        lo, hi = cascades.offsets[c], cascades.offsets[c + 1]
        if hi - lo >= 5:
            ts = cascades.ts[lo:hi]
            timed.append((ts[1:] - ts[0]) / HOUR)
    assert curve.cascades == len(timed)
    grid = [0.0, 0.5, 1.0, 3.0, 8.0, 24.0, 200.0]
    for t in grid:
        want = np.mean([np.mean(d <= t) for d in timed])
        assert float(curve.at(t)) == pytest.approx(want)
    values = curve.at(grid)
    assert np.all(np.diff(values) >= 0) and values[-1] == pytest.approx(1.0)
    assert float(curve.at(-1.0)) == 0.0


def test_adoption_curve_without_enough_cascades_is_the_default_calendar() -> None:
    curve = AdoptionCurve.of_cascades(_cascades(1, 10), min_adopters=5, min_cascades=20)
    assert curve.basis == "default"
    assert curve.cascades < 20
    # the default calendar: 10% of the adopters after a day, 50% after three days
    assert curve.at([12.0, 24.0, 72.0, 336.0]).tolist() == pytest.approx([0.05, 0.1, 0.5, 1.0])
    assert AdoptionCurve.of_cascades(None).basis == "default"


def test_share_within_weighs_posts_by_their_hour() -> None:
    curve = AdoptionCurve.default()
    h = 14 * 24.0
    assert curve.share_within(24.0, h) == pytest.approx(0.1)
    # posting 12 h late leaves 12 h of the window: 0.05; weights 3:1
    got = curve.share_within(24.0, h, offsets=[0.0, 12.0], weights=[3.0, 1.0])
    assert got == pytest.approx((3 * 0.1 + 1 * 0.05) / 4)
    assert curve.share_within(24.0, h, offsets=[0.0, 12.0], weights=[0.0, 0.0]) == (
        pytest.approx(0.075)
    )
    assert curve.share_within(1000.0, h) == 1.0
    assert curve.share_within(8.0, h, offsets=[]) == 0.0


def test_window_schedule_puts_own_first_media_in_the_first_hour_and_all_by_half() -> None:
    kinds = [Kind.KOL, Kind.OWN, Kind.MEDIA, Kind.KOL, Kind.PARTNER, Kind.OWN]
    acc = [SimpleNamespace(key=f"x:{i}", kind=k) for i, k in enumerate(kinds)]
    for w in (0.5, 2.0, 8.0, 48.0):
        sched = window_schedule(acc, w)  # type: ignore[arg-type]
        assert list(sched) == [a.key for a in acc]
        assert sched["x:1"] == sched["x:5"] == 0.0
        assert 0 < sched["x:2"] <= min(1.0, w / 2)
        later = [sched["x:0"], sched["x:3"], sched["x:4"]]
        assert later == sorted(later)  # in the plan's order
        assert min(later) >= sched["x:2"]
        assert max(later) <= w / 2 + 0.05


# ----------------------------------------------------------------------------- durations
@pytest.mark.parametrize(
    ("text", "hours"),
    [("8h", 8), ("90m", 1.5), ("90min", 1.5), ("1d", 24), (" 1.5H ", 1.5), ("6", 6), (2, 2)],
)
def test_parse_duration(text: str | float, hours: float) -> None:
    assert parse_duration(text) == pytest.approx(hours)


@pytest.mark.parametrize("bad", ["", "h", "8 hours", "-2h", "0", "0m", "1e3h", "31d", True])
def test_parse_duration_refuses_what_is_not_a_window(bad: str | bool) -> None:
    with pytest.raises(InputError) as err:
        parse_duration(bad)
    assert err.value.hint is not None and "8h" in err.value.hint


def test_response_request_reads_durations_and_mix() -> None:
    req = ResponseRequest.model_validate(
        {"budget": 500, "within": "90m", "mix": {"kol": {"min": 1, "max": 3}}}
    )
    assert req.within_hours == 1.5 and req.recent_hours == 6.0
    assert req.mix_ranges() == {Kind.KOL: KindRange(1, 3)}
    assert ResponseRequest(budget=1).within_hours == 8.0
    assert ResponseRequest(budget=1).mix_ranges() is None
    with pytest.raises(ValueError, match="not a duration"):
        ResponseRequest.model_validate({"budget": 500, "within": "soon"})
    with pytest.raises(ValueError):
        ResponseRequest.model_validate({"budget": 500, "mix": {"user": {"min": 1}}})


# ----------------------------------------------------------------------------- the demo store
@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ranked demo store of 1,500 accounts (cascades timed; no engagement model)."""
    path = tmp_path_factory.mktemp("respond") / "demo.db"
    with SQLiteStore(path) as st:
        load_demo(st, generate_demo(1_500, seed=5))
        run_rank(st, params=FAST)
    return path


NOW = 1_767_225_600 + 5 * 86_400


def topic(st: SQLiteStore, communities: tuple[int, ...] = (3, 7), per: int = 20):
    """Adopters: ``per`` users of each community, the last half of them in the last 6 h."""
    acc = st.accounts_frame()
    comm = st.current_scores()["community"].to_numpy(dtype="float64", na_value=np.nan)
    rng = np.random.default_rng(1)
    out = []
    for c in communities:
        users = np.flatnonzero((comm == c) & (acc["kind"].to_numpy() == "user"))
        for j, i in enumerate(rng.choice(users, size=per, replace=False).tolist()):
            age = 20 - j  # hours before now: 20 .. 1
            out.append((str(acc["key"].iloc[i]), NOW - age * HOUR))
    return out


def union_of(audience: sp.csr_matrix, idx: list[int]) -> np.ndarray:
    return np.asarray(audience[idx].sum(axis=0)).ravel() > 0


def test_response_targets_the_topic_and_beats_a_plain_plan_there(db: Path) -> None:
    own_media = {Kind.OWN: KindRange(1, None), Kind.MEDIA: KindRange(1, None)}
    with SQLiteStore(db) as st:
        adopters = topic(st)
        comm = st.current_scores()["community"].to_numpy(dtype="float64", na_value=-1)
        audience = follower_matrix(st.graph_arrays())
        index = {k: i for i, k in enumerate(st.accounts_frame()["key"].tolist())}
        runs = []
        for budget, most in ((120, 6), (200, 6), (300, 8)):
            rp = response_plan(st, adopters=adopters, now=NOW, budget=budget, max_accounts=most)
            same_mix = make_plan(st, PlanParams(budget=budget, max_accounts=most, mix=own_media))
            plain = make_plan(st, PlanParams(budget=budget, max_accounts=most))
            runs.append((rp, same_mix, plain))
    rp = runs[1][0]
    assert isinstance(rp, ResponsePlan)
    assert rp.topic_communities == {3: 20, 7: 20}
    assert rp.frontier and set(rp.frontier).isdisjoint(rp.topic_communities)
    assert rp.plan.target_parts and set(rp.target_communities) == {3, 7, *rp.frontier}
    target = np.isin(comm, list(rp.target_communities))
    assert 0 < target.sum() < 0.8 * target.size

    def share(keys: list[str]) -> tuple[int, float]:
        """Target people reached, and their share of everyone reached."""
        reached = union_of(audience, [index[k] for k in keys])
        return int((reached & target).sum()), float((reached & target).sum() / reached.sum())

    for ours, same_mix, _ in runs:
        assert ours.plan.spent <= ours.plan.budget
        kinds = [a.kind for a in ours.plan.accounts]
        assert Kind.OWN in kinds and Kind.MEDIA in kinds  # the default mix
        mine = share(list(ours.schedule))
        assert ours.plan.unique_reach == mine[0]  # the plan counts the same people
        theirs = share([a.key for a in same_mix.accounts])
        assert mine[0] >= theirs[0] and mine[1] > theirs[1]
        for key, why in ours.dropped.items():
            assert key not in ours.schedule, why
    # at 200 the response also beats the plain plan with no mix at all
    mine = share(list(runs[1][0].schedule))
    plain_200 = share([a.key for a in runs[1][2].accounts])
    assert mine[0] > plain_200[0] and mine[1] > plain_200[1]


def test_frontier_of_a_plan_is_the_frontier_of_the_store_arrays(db: Path) -> None:
    with SQLiteStore(db) as st:
        adopters = topic(st)
        rp = response_plan(st, adopters=adopters, now=NOW, budget=120, recent_hours=6)
        audience = follower_matrix(st.graph_arrays())
        comm = st.current_scores()["community"].to_numpy(dtype="float64", na_value=-1)
        idx = st.keys_to_index([k for k, _ in adopters])
    recent = idx[[t >= NOW - 6 * HOUR for _, t in adopters]]
    assert recent.size == 2 * 6  # six of each community in the last six hours
    want = frontier_scores(audience, comm.astype(np.int64), recent, adopters=idx)
    assert rp.frontier == want and want


def test_amplifiers_are_never_chosen_even_when_they_are_the_best(db: Path) -> None:
    with SQLiteStore(db) as st:
        adopters = topic(st)
        first = response_plan(st, adopters=adopters, now=NOW, budget=120, max_accounts=6)
        best = [a.key for a in first.plan.accounts]
        again = response_plan(
            st,
            adopters=adopters,
            amplifiers=[*best, "demo:not-there"],
            now=NOW,
            budget=120,
            max_accounts=6,
        )
    chosen = {a.key for a in again.plan.accounts}
    assert chosen and chosen.isdisjoint(best)
    for key in best:
        assert again.dropped[key] == "amplifies the topic"
    assert again.dropped["demo:not-there"] == "amplifies the topic (not in the store)"


def test_flagged_accounts_are_dropped_and_said_why(db: Path) -> None:
    with SQLiteStore(db) as st:
        flags = st.current_scores()["flags"]
        keys = st.accounts_frame()["key"]
        kinds = st.accounts_frame()["kind"]
        rp = response_plan(st, adopters=topic(st), now=NOW, budget=5_000)
    flagged = {keys[i] for i in range(len(keys)) if flags[i] and kinds[i] != "user"}
    assert flagged, "the demo flags some KOLs"
    assert flagged.isdisjoint(rp.schedule)
    for key in flagged:
        assert rp.dropped[key].startswith("flagged audience: ")
    untrusted = [k for k, why in rp.dropped.items() if why.startswith("not trusted")]
    assert untrusted and set(untrusted).isdisjoint(rp.schedule)


def test_reach_within_grows_with_the_window_up_to_the_full_horizon(db: Path) -> None:
    with SQLiteStore(db) as st:
        adopters = topic(st)
        plans = [
            response_plan(st, adopters=adopters, now=NOW, within_hours=w, budget=300)
            for w in (1.0, 8.0, 24.0)
        ]
        curve = AdoptionCurve.of_cascades(cascades_from_store(st))
    assert [[a.key for a in p.plan.accounts] for p in plans[1:]] == [
        [a.key for a in plans[0].plan.accounts]
    ] * 2  # the window changes the clock, not the accounts
    r1, r8, r24 = (p.reach_within for p in plans)
    assert r1.basis == r8.basis == "cascades" == curve.basis
    assert r8.measure == "unique_reach" and r8.full_expected == plans[1].plan.unique_reach
    assert r1.expected <= r8.expected <= r24.expected <= r24.full_expected
    assert 0 < r1.share <= r8.share <= r24.share <= 1
    assert r8.low == r8.expected == r8.high  # no engagement model: no interval
    # the share is the curve's, at the hours left to each account after its post
    p8 = plans[1]
    w = [float(a.marginal_reach) for a in p8.plan.accounts]
    left = [8.0 - p8.schedule[a.key] for a in p8.plan.accounts]
    want = float(np.dot(w, curve.at(left)) / sum(w) / curve.at(14 * 24.0))
    assert r8.share == pytest.approx(want, abs=1e-6)


def test_schema_serialises_a_response_plan(db: Path) -> None:
    with SQLiteStore(db) as st:
        rp = response_plan(st, adopters=topic(st), now=NOW, budget=120, max_accounts=6)
    doc = ResponseResponse.from_response(rp).model_dump(mode="json")
    assert doc["within_hours"] == 8.0
    assert [c["community"] for c in doc["topic_communities"]] == [3, 7]
    assert [f["community"] for f in doc["frontier"]] == list(rp.frontier)
    assert [a["key"] for a in doc["plan"]["accounts"]] == [a.key for a in rp.plan.accounts]
    assert [s["key"] for s in doc["schedule"]] == list(rp.schedule)
    assert doc["reach_within"]["expected"] == rp.reach_within.expected
    assert ResponseResponse.model_validate(doc).plan.id == rp.plan.id


# ----------------------------------------------------------------------------- errors
def test_errors_say_what_and_how_to_fix(db: Path, tmp_path: Path) -> None:
    with SQLiteStore(tmp_path / "empty.db") as st:
        with pytest.raises(InputError, match="no rank run") as err:
            response_plan(st, adopters=[("x:1", NOW)], now=NOW, budget=100)
        assert err.value.hint and "kolgraph rank" in err.value.hint
    with SQLiteStore(db) as st:
        with pytest.raises(InputError, match="none of the topic's 2 adopters") as err:
            response_plan(st, adopters=[("x:1", NOW), ("demo:zz", NOW)], now=NOW, budget=100)
        assert err.value.hint and "rank again" in err.value.hint
        adopters = topic(st)
        with pytest.raises(InputError, match="cannot place the minimum mix"):
            response_plan(
                st,
                adopters=adopters,
                now=NOW,
                budget=10,
                mix={Kind.KOL: KindRange(3, None), Kind.MEDIA: KindRange(2, None)},
            )
        with pytest.raises(InputError, match="response window"):
            response_plan(st, adopters=adopters, now=NOW, budget=100, within_hours=0)
        with pytest.raises(InputError, match="budget"):
            response_plan(st, adopters=adopters, now=NOW, budget=-1)


@pytest.mark.slow  # a rank job with the engagement stage: ~40 s
def test_reach_within_scales_the_forecast_and_its_measured_interval(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    path = tmp_path_factory.mktemp("respond-model") / "demo.db"
    with SQLiteStore(path) as st:
        load_demo(st, generate_demo(4_000, seed=3))
        run_rank(st)
        adopters = topic(st, communities=(2, 5))
        plans = [
            response_plan(st, adopters=adopters, now=NOW, within_hours=w, budget=500)
            for w in (1.0, 8.0, 24.0)
        ]
    for rp in plans:
        r, fc = rp.reach_within, rp.plan.forecast
        assert fc is not None and r.measure == "moved_users" and r.basis == "cascades"
        mu = fc["moved_users"]
        assert (r.full_low, r.full_expected, r.full_high) == (mu["low"], mu["expected"], mu["high"])
        assert r.low <= r.expected <= r.high
        for part, full in (
            (r.low, r.full_low),
            (r.expected, r.full_expected),
            (r.high, r.full_high),
        ):
            assert part == pytest.approx(r.share * full, abs=0.051)
    r1, r8, r24 = (rp.reach_within for rp in plans)
    assert r1.share < r8.share <= r24.share <= 1
    assert r1.expected <= r8.expected <= r24.expected <= r24.full_expected
    assert r1.high <= r8.high <= r24.high <= r24.full_high
