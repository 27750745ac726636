"""Planner: budget and mix constraints, marginal reach, phases, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from kolgraph.errors import InputError
from kolgraph.model import Kind
from kolgraph.plan.planner import KindRange, PlanParams, plan_arrays
from kolgraph.settings import Settings

SETTINGS = Settings(cost_per_1k_audience=10.0, min_cost=5.0, auto_kol=0)


def _world(audiences: dict[int, list[int]], kinds: dict[int, str], costs: dict[int, float], n: int):
    rows, cols = [], []
    for v, aud in audiences.items():
        rows += [v] * len(aud)
        cols += aud
    mat = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(n, n))
    accounts = pd.DataFrame(
        {
            "key": [f"t:{i}" for i in range(n)],
            "platform": ["t"] * n,
            "account_id": [str(i) for i in range(n)],
            "name": [f"acc {i}" for i in range(n)],
            "kind": [kinds.get(i, "user") for i in range(n)],
            "followers": np.full(n, np.nan),
            "cost": [costs.get(i, np.nan) for i in range(n)],
        }
    )
    pr = np.array([len(audiences.get(i, [])) + 1.0 for i in range(n)])
    scores = pd.DataFrame(
        {
            "pagerank": pr / pr.sum(),
            "community": pd.array([i % 2 for i in range(n)], dtype="Int64"),
            "audience": [len(audiences.get(i, [])) for i in range(n)],
            "tier": ["tail"] * n,
        }
    )
    return mat, accounts, scores


# accounts 0-4 are plannable; 10..49 are the audience
AUD = {
    0: list(range(10, 30)),  # kol, big
    1: list(range(10, 28)),  # kol, almost the same audience as 0
    2: list(range(30, 40)),  # kol, disjoint
    3: list(range(35, 50)),  # media, overlaps 2 a little
    4: list(range(40, 45)),  # own
}
KINDS = {0: "kol", 1: "kol", 2: "kol", 3: "media", 4: "own"}
COSTS = {0: 100.0, 1: 90.0, 2: 60.0, 3: 80.0}


def test_greedy_avoids_overlapping_audiences() -> None:
    mat, acc, sc = _world(AUD, KINDS, COSTS, 50)
    plan = plan_arrays(mat, acc, sc, PlanParams(budget=250), settings=SETTINGS)
    keys = {a.key for a in plan.accounts}
    # 1 duplicates 0's audience: a reach-per-cost planner takes 0 or 1, not both
    assert not {"t:0", "t:1"} <= keys
    assert plan.spent <= 250
    assert plan.unique_reach == sum(a.marginal_reach for a in plan.accounts)
    assert plan.unique_reach <= plan.total_audience
    covered = set().union(*(AUD[int(a.key[2:])] for a in plan.accounts))
    assert plan.unique_reach == len(covered)


def test_own_accounts_without_price_are_free_and_open_the_campaign() -> None:
    mat, acc, sc = _world(AUD, KINDS, COSTS, 50)
    plan = plan_arrays(mat, acc, sc, PlanParams(budget=100), settings=SETTINGS)
    own = [a for a in plan.accounts if a.kind is Kind.OWN]
    assert own and own[0].cost == 0 and own[0].phase == "origin"
    assert plan.accounts[0].phase == "origin"  # sorted by phase


def test_mix_minimums_and_maximums() -> None:
    mat, acc, sc = _world(AUD, KINDS, COSTS, 50)
    params = PlanParams(
        budget=1000,
        mix={Kind.KOL: KindRange(3, 3), Kind.MEDIA: KindRange(0, 0), Kind.OWN: KindRange(0, 0)},
    )
    plan = plan_arrays(mat, acc, sc, params, settings=SETTINGS)
    kinds = [a.kind for a in plan.accounts]
    assert kinds.count(Kind.KOL) == 3
    assert Kind.MEDIA not in kinds and Kind.OWN not in kinds


def test_minimum_out_of_budget_is_a_clear_error() -> None:
    mat, acc, sc = _world(AUD, KINDS, COSTS, 50)
    with pytest.raises(InputError, match=r"minimum mix \(3 kol\).*costs 250") as info:
        plan_arrays(
            mat, acc, sc, PlanParams(budget=200, mix={Kind.KOL: KindRange(3)}), settings=SETTINGS
        )
    assert "budget" in (info.value.hint or "")
    with pytest.raises(InputError, match="only 1 media"):
        plan_arrays(
            mat, acc, sc, PlanParams(budget=9999, mix={Kind.MEDIA: KindRange(2)}), settings=SETTINGS
        )


def test_minimums_reserve_budget_for_the_open_slots() -> None:
    # A has the best reach per cost, but taking it leaves too little for a second KOL;
    # the cheapest pair (B, C) fits, so the planner must find it instead of failing.
    aud = {0: list(range(10, 110)), 1: list(range(110, 120)), 2: list(range(120, 130))}
    mat, acc, sc = _world(aud, {0: "kol", 1: "kol", 2: "kol"}, {0: 100.0, 1: 30.0, 2: 30.0}, 130)
    plan = plan_arrays(
        mat, acc, sc, PlanParams(budget=120, mix={Kind.KOL: KindRange(2)}), settings=SETTINGS
    )
    assert sorted(a.key for a in plan.accounts) == ["t:1", "t:2"]
    assert plan.spent == 60
    # without a minimum the same budget buys the single best account
    plan = plan_arrays(mat, acc, sc, PlanParams(budget=120), settings=SETTINGS)
    assert plan.accounts[0].key == "t:0"


def test_target_community_restricts_reach() -> None:
    mat, acc, sc = _world(AUD, KINDS, COSTS, 50)
    plan = plan_arrays(
        mat, acc, sc, PlanParams(budget=1000, target_communities=(0,)), settings=SETTINGS
    )
    assert plan.target_size == 25  # even indices
    for a in plan.accounts:
        assert a.audience == sum(1 for u in AUD[int(a.key[2:])] if u % 2 == 0)
    with pytest.raises(InputError, match="no members"):
        plan_arrays(mat, acc, sc, PlanParams(budget=10, target_communities=(7,)), settings=SETTINGS)


def test_include_exclude_and_estimated_costs() -> None:
    costs = {k: v for k, v in COSTS.items() if k != 2}  # account 2 has no price
    mat, acc, sc = _world(AUD, KINDS, costs, 50)
    params = PlanParams(budget=1000, include=("t:1",), exclude=("t:0",))
    plan = plan_arrays(mat, acc, sc, params, settings=SETTINGS)
    keys = [a.key for a in plan.accounts]
    assert "t:1" in keys and "t:0" not in keys
    est = next(a for a in plan.accounts if a.key == "t:2")
    assert est.cost_estimated and est.cost == 5.0  # 10 per 1k of 10 people, floored at min_cost
    assert any("estimated" in n for n in plan.notes)
    with pytest.raises(InputError, match="not in the store"):
        plan_arrays(mat, acc, sc, PlanParams(budget=10, include=("t:999",)), settings=SETTINGS)
    with pytest.raises(InputError, match="user"):
        plan_arrays(mat, acc, sc, PlanParams(budget=1000, include=("t:20",)), settings=SETTINGS)


def test_phases() -> None:
    mat, acc, sc = _world(AUD, KINDS, COSTS, 50)
    plan = plan_arrays(
        mat, acc, sc, PlanParams(budget=10_000, top_kol_share=0.34), settings=SETTINGS
    )
    phase = {a.key: a.phase for a in plan.accounts}
    assert phase["t:0"] == "explosion"  # the top KOL by PageRank
    assert phase["t:3"] == "mass_spread"  # media
    assert phase.get("t:2") == "mass_spread"  # a mid-tier KOL
    assert set(plan.by_phase()) == {"origin", "explosion", "mass_spread", "flattening"}


def test_auto_kol_when_nothing_is_labelled() -> None:
    mat, acc, sc = _world(AUD, {}, {}, 50)
    plan = plan_arrays(mat, acc, sc, PlanParams(budget=1000), settings=Settings(auto_kol=3))
    assert plan.accounts and all(a.kind is Kind.KOL for a in plan.accounts)
    assert any("stand in" in n for n in plan.notes)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2..5", KindRange(2, 5)),
        ("3", KindRange(3, 3)),
        ("..4", KindRange(0, 4)),
        ("1..", KindRange(1, None)),
    ],
)
def test_kind_range_parse(text: str, expected: KindRange) -> None:
    assert KindRange.parse(text) == expected


@pytest.mark.parametrize("text", ["", "a..b", "5..2", "-1..3"])
def test_kind_range_rejects(text: str) -> None:
    with pytest.raises(InputError):
        KindRange.parse(text, name="kol")


def test_budget_must_be_positive() -> None:
    mat, acc, sc = _world(AUD, KINDS, COSTS, 50)
    with pytest.raises(InputError, match="budget"):
        plan_arrays(mat, acc, sc, PlanParams(budget=0), settings=SETTINGS)


def test_skip_flagged_leaves_flagged_accounts_out() -> None:
    mat, acc, sc = _world(AUD, KINDS, COSTS, 50)
    sc = sc.assign(flags=[["62% of followers are hollow"] if i == 2 else None for i in range(50)])
    keep = plan_arrays(mat, acc, sc, PlanParams(budget=1000), settings=SETTINGS)
    assert "t:2" in {a.key for a in keep.accounts}
    skip = plan_arrays(mat, acc, sc, PlanParams(budget=1000, skip_flagged=True), settings=SETTINGS)
    assert "t:2" not in {a.key for a in skip.accounts}
    assert any("flagged" in n for n in skip.notes)


def test_every_plan_says_why_it_stopped() -> None:
    aud, accounts, scores = _stop_world()
    budget_bound = plan_arrays(aud, accounts, scores, PlanParams(budget=2.0, objective="reach"))
    assert "budget" in budget_bound.stop_reason and len(budget_bound.accounts) == 2
    capped = plan_arrays(
        aud, accounts, scores, PlanParams(budget=100.0, objective="reach", max_accounts=1)
    )
    assert len(capped.accounts) == 1 and "limit" in capped.stop_reason
    everyone = plan_arrays(aud, accounts, scores, PlanParams(budget=100.0, objective="reach"))
    assert everyone.stop_reason in {"no candidate adds anything", "every candidate is in the plan"}
    picky = plan_arrays(
        aud, accounts, scores, PlanParams(budget=100.0, objective="reach", min_gain=3.5)
    )
    assert [a.marginal_reach for a in picky.accounts] == [4] and "minimum gain" in picky.stop_reason


def _stop_world() -> tuple[sp.csr_matrix, pd.DataFrame, pd.DataFrame]:
    # four KOLs (cost 1 each) reaching 4, 3, 2 and 1 new people of ten
    rows = [[0, 1, 2, 3], [4, 5, 6], [7, 8], [9]]
    n = 10
    data = sp.lil_matrix((n, n))
    for v, r in enumerate(rows):
        for u in r:
            data[v, u] = 1
    accounts = pd.DataFrame(
        {
            "key": [f"t:{i}" for i in range(n)],
            "platform": "t",
            "name": [f"a{i}" for i in range(n)],
            "kind": ["kol"] * 4 + ["user"] * 6,
            "followers": [float(len(r)) for r in rows] + [0.0] * 6,
            "cost": [1.0] * 4 + [float("nan")] * 6,
        }
    )
    scores = pd.DataFrame({"pagerank": [0.1] * n, "community": pd.array([0] * n, dtype="Int64")})
    return data.tocsr(), accounts, scores


def test_when_counts_bind_gain_alone_beats_gain_per_cost() -> None:
    # two KOL slots; two cheap KOLs reach 2 people each (cost 1), two dear ones 6 each (cost 10)
    n = 20
    rows = [[0, 1], [2, 3], list(range(4, 10)), list(range(10, 16))]
    aud = sp.lil_matrix((n, n))
    for v, r in enumerate(rows):
        for u in r:
            aud[v, u] = 1
    accounts = pd.DataFrame(
        {
            "key": [f"t:{i}" for i in range(n)],
            "platform": "t",
            "name": [f"a{i}" for i in range(n)],
            "kind": ["kol"] * 4 + ["user"] * (n - 4),
            "followers": [2.0, 2.0, 6.0, 6.0] + [0.0] * (n - 4),
            "cost": [1.0, 1.0, 10.0, 10.0] + [float("nan")] * (n - 4),
        }
    )
    scores = pd.DataFrame({"pagerank": [0.1] * n, "community": pd.array([0] * n, dtype="Int64")})
    params = PlanParams(budget=100.0, mix={Kind.KOL: KindRange(0, 2)}, objective="reach")
    by_ratio = plan_arrays(aud.tocsr(), accounts, scores, params, rule="ratio")
    by_gain = plan_arrays(aud.tocsr(), accounts, scores, params, rule="gain")
    assert by_ratio.unique_reach == 4 and by_gain.unique_reach == 12
    assert {a.key for a in by_gain.accounts} == {"t:2", "t:3"}
    assert "maximum count" in by_gain.stop_reason
