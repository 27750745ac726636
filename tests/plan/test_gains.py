"""Kept reach gains (:mod:`kolgraph.plan.gains`) against counting them, and the plans they make."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from kolgraph.model import Kind
from kolgraph.plan.gains import CoverageGains, FrequencyGains, RowGains
from kolgraph.plan.objective import FrequencyObjective
from kolgraph.plan.planner import KindRange, PlanParams, plan_arrays
from kolgraph.plan.prepared import prepare
from kolgraph.settings import Settings

SETTINGS = Settings(cost_per_1k_audience=10.0, min_cost=5.0)


def world(seed: int, n: int = 300) -> tuple[sp.csr_matrix, pd.DataFrame, pd.DataFrame]:
    """A random audience matrix with KOLs, media, own accounts and users."""
    rng = np.random.default_rng(seed)
    kinds = rng.choice(["kol", "media", "own", "user"], size=n, p=[0.15, 0.05, 0.02, 0.78])
    size = np.where(kinds == "user", 2, 40) * rng.random(n)
    rows, cols = [], []
    for v in range(n):
        k = int(size[v]) + 1
        people = rng.choice(n, size=k, replace=False)
        people = people[people != v]
        rows += [v] * people.size
        cols += people.tolist()
    audience = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(n, n))
    accounts = pd.DataFrame(
        {
            "key": [f"t:{i}" for i in range(n)],
            "platform": np.where(rng.random(n) < 0.8, "t", "u"),
            "name": [f"Account {i}" for i in range(n)],
            "kind": kinds,
            "followers": np.where(rng.random(n) < 0.5, np.nan, rng.integers(0, 500, n)),
            "cost": np.where(rng.random(n) < 0.4, np.nan, rng.integers(1, 300, n)).astype(float),
        }
    )
    flags = [["hollow"] if rng.random() < 0.05 else None for _ in range(n)]
    scores = pd.DataFrame(
        {
            "pagerank": rng.random(n),
            "community": pd.array(rng.integers(0, 6, n), dtype="Int64"),
            "flags": pd.Series(flags, dtype=object),
        }
    )
    return audience, accounts, scores


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("everyone", [True, False])
def test_kept_gains_equal_counted_gains(seed: int, everyone: bool) -> None:
    audience, accounts, scores = world(seed)
    prep = prepare(audience, accounts, scores)
    rng = np.random.default_rng(seed)
    target = np.ones(prep.n, bool) if everyone else rng.random(prep.n) < 0.4
    cand = prep.candidates
    kept = CoverageGains(audience, prep, target, everyone)
    counted = RowGains.of(audience, cand, target, everyone)
    assert kept.audience_size(cand).tolist() == counted.audience_size(cand).tolist()
    for i in rng.permutation(cand)[:25].tolist():
        assert kept.gain(i) == counted.gain(i)
        assert kept.take(i) == counted.take(i)
        assert kept.gains(cand).tolist() == counted.gains(cand).tolist()
        assert (kept.covered() == counted.covered()).all()
    again = kept.fresh()  # a fresh one covers nobody and shares the counts
    assert again.gains(cand).tolist() == kept.audience_size(cand).tolist()
    assert not again.covered().any() if everyone else not (again.covered() & target).any()


def test_exact_frequency_gains_are_the_gains_bit_for_bit() -> None:
    audience, _, _ = world(4)
    obj = FrequencyObjective(audience, min_frequency=3)
    rng = np.random.default_rng(4)
    cand = np.arange(audience.shape[0], dtype=np.int64)
    for v in rng.choice(cand, size=12, replace=False).tolist():
        assert obj.exact_gains(cand).tolist() == [obj.gain(int(u)) for u in cand]
        obj.take(v)


@pytest.mark.parametrize("f", [1, 2, 3])
def test_kept_frequency_gains_are_the_objective_gains_bit_for_bit(f: int) -> None:
    audience, accounts, scores = world(6)
    prep = prepare(audience, accounts, scores)
    rng = np.random.default_rng(f)
    kept = FrequencyGains(audience, prep, f)
    plain = FrequencyObjective(audience, min_frequency=f)
    cand = prep.candidates
    for v in rng.choice(cand, size=20, replace=False).tolist():
        assert kept.exact_gains(cand).tolist() == [plain.gain(int(u)) for u in cand]
        assert [kept.gain(int(u)) for u in cand] == [plain.gain(int(u)) for u in cand]
        kept.take(v)
        plain.take(v)
        assert kept.value() == plain.value()


@pytest.mark.parametrize("f", [1, 2, 3])
def test_frequency_and_coverage_kept_in_one_pass(f: int) -> None:
    audience, accounts, scores = world(9)
    prep = prepare(audience, accounts, scores)
    everyone = np.ones(prep.n, bool)
    cand = prep.candidates
    both = FrequencyGains(audience, prep, f)
    cov = CoverageGains(audience, prep, everyone, True)
    plain = FrequencyObjective(audience, min_frequency=f)
    counted = RowGains.of(audience, cand, everyone, True)
    rng = np.random.default_rng(f)
    for v in rng.choice(cand, size=25, replace=False).tolist():
        assert both.take_with(cov, v) == counted.take(v)
        plain.take(v)
        assert both.exact_gains(cand).tolist() == [plain.gain(int(u)) for u in cand]
        assert cov.gains(cand).tolist() == counted.gains(cand).tolist()
        assert (cov.covered() == counted.covered()).all()
        assert both.value() == plain.value()


PARAMS = [
    PlanParams(budget=2_000, objective="reach"),
    PlanParams(budget=800, mix={Kind.KOL: KindRange(2, 6), Kind.MEDIA: KindRange(1, 2)}),
    PlanParams(budget=3_000, target_communities=(1, 2), max_per_community=2, objective="reach"),
    PlanParams(budget=1_500, objective="frequency", min_frequency=2, platform="t"),
    PlanParams(budget=1_500, objective="frequency", min_frequency=3, target_communities=(0, 3)),
    PlanParams(
        budget=2_500,
        include=("t:0",),
        exclude=("t:5", "t:7"),
        target_followers_of=("t:3",),
        new_audience_only=True,
        objective="reach",
    ),
]


@pytest.mark.parametrize("params", PARAMS)
@pytest.mark.parametrize("rule", ["ratio", "gain"])
def test_plans_with_kept_gains_are_the_counted_plans(
    params: PlanParams, rule: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    audience, accounts, scores = world(5)
    accounts.loc[[0, 3], "kind"] = ["kol", "media"]  # included and targeted accounts
    fast = plan_arrays(audience, accounts, scores, params, settings=SETTINGS, rule=rule)  # type: ignore[arg-type]
    monkeypatch.setattr(CoverageGains, "covers", staticmethod(lambda *_: False))
    slow = plan_arrays(audience, accounts, scores, params, settings=SETTINGS, rule=rule)  # type: ignore[arg-type]
    assert fast.accounts == slow.accounts
    assert (fast.unique_reach, fast.spent, fast.stop_reason, fast.value) == (
        slow.unique_reach,
        slow.spent,
        slow.stop_reason,
        slow.value,
    )
    assert fast.community_coverage == slow.community_coverage
    assert fast.accounts  # each case plans something


def test_plan_overlaps_are_audience_overlap_of_the_chosen_rows() -> None:
    from kolgraph.plan.finish import overlap_pairs
    from kolgraph.rank.overlap import audience_overlap

    audience, _, _ = world(7)
    rows = audience[np.arange(40, 70)]
    members = rows.astype(np.int32)
    shared = (members @ members.T).toarray()
    got = overlap_pairs(shared, np.diff(members.indptr).astype(np.int64))
    pd.testing.assert_frame_equal(got, audience_overlap(rows, np.arange(30)))
    assert len(got) > 10


@pytest.mark.parametrize("seed", [5, 8])
@pytest.mark.parametrize("budget", [300.0, 900.0, 5_000.0])
def test_counting_the_accounts_out_of_reach_at_once_changes_nothing(
    seed: int, budget: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    import kolgraph.plan.greedy as greedy

    audience, accounts, scores = world(seed)
    # every account costs 100 or more: the budget runs out with most candidates left
    accounts["cost"] = np.maximum(accounts["cost"].fillna(150.0), 100.0)
    cases = [
        PlanParams(budget=budget, objective="reach"),
        PlanParams(budget=budget, mix={Kind.KOL: KindRange(0, 3)}, objective="reach"),
        PlanParams(
            budget=budget,
            mix={Kind.KOL: KindRange(0, 1), Kind.MEDIA: KindRange(0, 0)},
            objective="reach",
        ),
        PlanParams(  # accounts taken for the minimums are in the last greedy's heap too
            budget=budget * 2,
            mix={Kind.KOL: KindRange(1, 2), Kind.MEDIA: KindRange(1, 1)},
            objective="reach",
        ),
        PlanParams(budget=budget, max_per_community=1, objective="frequency"),
    ]
    rules = ("ratio", "gain")
    at_once = [plan_arrays(audience, accounts, scores, p, rule=r) for p in cases for r in rules]  # type: ignore[arg-type]
    monkeypatch.setattr(greedy, "COUNT_THE_REST", False)
    popped = [plan_arrays(audience, accounts, scores, p, rule=r) for p in cases for r in rules]  # type: ignore[arg-type]
    for a, b in zip(at_once, popped, strict=True):
        assert (a.accounts, a.stop_reason, a.spent) == (b.accounts, b.stop_reason, b.spent)
    reasons = " / ".join(p.stop_reason for p in popped)
    if budget < 1_000:  # the budget binds, or the KOL cap: both counts matter
        assert "budget is spent" in reasons and "maximum count" in reasons, reasons


@pytest.mark.parametrize("at_once", [True, False])
def test_the_stop_reason_weighs_what_the_last_greedy_skipped(
    at_once: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """KOL k0 fills the KOL minimum (and maximum); the last greedy takes one media account
    and skips k1, k2 and m1 for the counts (k0 silently: it is in the plan) and the three
    partners for the budget: 3 against 3, so the budget is named."""
    import kolgraph.plan.greedy as greedy

    monkeypatch.setattr(greedy, "COUNT_THE_REST", at_once)
    keys = ["k0", "k1", "k2", "m0", "m1", "p0", "p1", "p2"] + [f"u{i}" for i in range(24)]
    kinds = ["kol"] * 3 + ["media"] * 2 + ["partner"] * 3 + ["user"] * 24
    costs = [10.0, 20.0, 30.0, 10.0, 10.0, 10_000.0, 10_000.0, 10_000.0] + [np.nan] * 24
    n = len(keys)
    rows, cols = [], []
    for v in range(8):  # each candidate reaches three users of its own
        rows += [v] * 3
        cols += [8 + 3 * v + j for j in range(3)]
    audience = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(n, n))
    accounts = pd.DataFrame(
        {
            "key": [f"t:{k}" for k in keys],
            "platform": "t",
            "name": keys,
            "kind": kinds,
            "followers": np.nan,
            "cost": costs,
        }
    )
    scores = pd.DataFrame(
        {"pagerank": np.linspace(1, 0, n), "community": pd.array([0] * n, dtype="Int64")}
    )
    params = PlanParams(
        budget=100.0,
        mix={Kind.KOL: KindRange(1, 1), Kind.MEDIA: KindRange(0, 1)},
        objective="reach",
    )
    plan = plan_arrays(audience, accounts, scores, params, settings=SETTINGS)
    assert sorted(a.key for a in plan.accounts) == ["t:k0", "t:m0"]
    assert plan.stop_reason == "the budget is spent: no remaining candidate fits what is left"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_adopter_index_counts_the_moved_users(seed: int) -> None:
    from kolgraph.plan.cascades import AdopterIndex, cascades_from_frame, moved_users

    rng = np.random.default_rng(seed)
    n, k = 200, 60
    cascade = np.repeat(np.arange(k), rng.integers(1, 15, k))
    user = rng.integers(0, n, cascade.size)
    ts = rng.integers(0, 10_000, cascade.size)
    c = cascades_from_frame(cascade, user, ts, n)
    index = AdopterIndex(c)
    for size in (0, 1, 3, 10, 40):
        chosen = rng.choice(n, size=size, replace=False)
        assert index.moved_users(chosen) == moved_users(c, chosen)
