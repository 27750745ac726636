"""Plan targets beyond communities: followers of accounts, listed users, new audience only,
the per-community cap, and the target's coverage, on a graph small enough to count by hand."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from kolgraph.errors import InputError
from kolgraph.plan.planner import PlanParams, plan_arrays
from kolgraph.plan.target import read_keys_file, target_of
from kolgraph.settings import Settings

SETTINGS = Settings(cost_per_1k_audience=10.0, min_cost=5.0, auto_kol=0)
N = 30
# 0: competitor (user-kind brand), 1-3 KOLs, 4 media, 5 own; 10..29 the audience
AUD = {
    0: [10, 11, 12, 13, 14, 15],  # the competitor's followers
    1: [10, 11, 12, 20, 21],  # reaches 3 of them
    2: [13, 14, 22, 23, 24, 25],  # reaches 2 of them
    3: [10, 11, 12, 13],  # reaches 4 of them, but 10, 11 also follow own
    4: [26, 27, 28, 29],  # none of them
    5: [10, 11],  # own
}
KINDS = {0: "user", 1: "kol", 2: "kol", 3: "kol", 4: "media", 5: "own"}
COSTS = {1: 10.0, 2: 10.0, 3: 10.0, 4: 10.0}
# communities: accounts 1 and 3 in 0, 2 and 4 in 1; people 10-19 in 0, 20-29 in 1
COMMUNITY = [0, 0, 1, 0, 1, 2] + [0] * 4 + [0] * 10 + [1] * 10


def _world(kinds: dict[int, str] = KINDS) -> tuple[sp.csr_matrix, pd.DataFrame, pd.DataFrame]:
    rows = [v for v, aud in AUD.items() for _ in aud]
    cols = [u for aud in AUD.values() for u in aud]
    mat = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(N, N))
    accounts = pd.DataFrame(
        {
            "key": [f"t:{i}" for i in range(N)],
            "platform": ["t"] * N,
            "name": [f"acc {i}" for i in range(N)],
            "kind": [kinds.get(i, "user") for i in range(N)],
            "followers": np.full(N, np.nan),
            "cost": [COSTS.get(i, np.nan) for i in range(N)],
        }
    )
    scores = pd.DataFrame(
        {
            "pagerank": np.full(N, 1.0 / N),
            "community": pd.array(COMMUNITY, dtype="Int64"),
            "audience": [len(AUD.get(i, [])) for i in range(N)],
            "tier": ["tail"] * N,
        }
    )
    return mat, accounts, scores


def _members(mask: np.ndarray) -> set[int]:
    return set(np.flatnonzero(mask).tolist())


def test_target_filters_intersect_as_documented() -> None:
    mat, acc, sc = _world()
    comm = sc["community"]
    assert _members(target_of(mat, acc, comm, followers_of=["t:0"]).mask) == set(range(10, 16))
    t = target_of(mat, acc, comm, followers_of=["t:0"], new_audience_only=True)
    assert _members(t.mask) == {12, 13, 14, 15} and t.size == 4
    assert len(t.parts) == 2 and t.parts[1].startswith("new audience only: 2 left out")
    t = target_of(mat, acc, comm, followers_of=["t:0", "t:4"], users=["t:12", "t:27", "t:29"])
    assert _members(t.mask) == {12, 27, 29}
    t = target_of(mat, acc, comm, communities=[1], followers_of=["t:2"])
    assert _members(t.mask) == {22, 23, 24, 25}  # 13 and 14 are in community 0
    assert target_of(mat, acc, comm).everyone


def test_unknown_accounts_are_named_at_once_with_the_closest_key() -> None:
    mat, acc, sc = _world()
    with pytest.raises(InputError) as err:
        target_of(mat, acc, sc["community"], followers_of=["t:0", "t:1000", "x:zz"])
    msg = err.value.message
    assert "2 unknown account(s)" in msg and "t:1000 (did you mean t:10" in msg
    assert "x:zz" in msg and msg.startswith("target followers of")
    with pytest.raises(InputError, match="target users: 1 unknown"):
        target_of(mat, acc, sc["community"], users=["t:5", "t:nope"])


def test_empty_target_and_no_own_account_are_clear_errors() -> None:
    mat, acc, sc = _world()
    with pytest.raises(InputError, match="the target is empty") as err:
        target_of(mat, acc, sc["community"], followers_of=["t:4"], users=["t:10"])
    assert "followers of t:4: 4 people" in err.value.message
    no_own = {k: v for k, v in KINDS.items() if v != "own"}
    mat, acc, sc = _world(no_own)
    with pytest.raises(InputError, match="no own account"):
        target_of(mat, acc, sc["community"], new_audience_only=True)


def test_plan_for_a_competitors_new_audience_counts_only_that_target() -> None:
    mat, acc, sc = _world()
    params = PlanParams(budget=10, target_followers_of=("t:0",), new_audience_only=True)
    plan = plan_arrays(mat, acc, sc, params, settings=SETTINGS)
    # target {12,13,14,15}: KOL 1 reaches {12}, 2 reaches {13,14}, 3 reaches {12,13}
    assert [a.key for a in plan.accounts] == ["t:2"]
    assert plan.target_size == 4 and plan.unique_reach == 2
    assert plan.target_coverage == pytest.approx(0.5)
    rf = plan.reach_frequency_target
    assert rf is not None and rf.unique_reach == 2 and rf.over == "target"
    assert plan.reach_frequency is not None and plan.reach_frequency.unique_reach == 6
    assert plan.accounts[0].audience == 2 and plan.accounts[0].marginal_reach == 2
    assert plan.accounts[0].exclusive_target_reach == 2 and plan.accounts[0].exclusive_reach == 6
    # the competitor itself is no candidate even if it were labelled kol
    kinds = {**KINDS, 0: "kol"}
    mat, acc, sc = _world(kinds)
    COSTS[0] = 1.0
    try:
        plan = plan_arrays(mat, acc, sc, params, settings=SETTINGS)
    finally:
        del COSTS[0]
    assert "t:0" not in {a.key for a in plan.accounts}
    assert any("t:0 left out of the candidates" in n for n in plan.notes)


def test_full_target_plan_covers_the_target_and_reports_community_coverage() -> None:
    mat, acc, sc = _world()
    params = PlanParams(budget=100, target_followers_of=("t:0",))
    plan = plan_arrays(mat, acc, sc, params, settings=SETTINGS)
    # target 10..15; nobody but the competitor reaches 15
    assert plan.target_size == 6 and plan.unique_reach == 5
    assert plan.target_coverage == pytest.approx(5 / 6)
    assert plan.community_coverage == ((0, 6, 5),)  # all six are in community 0
    everyone = plan_arrays(mat, acc, sc, PlanParams(budget=100), settings=SETTINGS)
    assert everyone.reach_frequency_target is None and everyone.target_parts == ()
    # community 0: accounts 0, 1, 3, 6-9 and people 10-19, of whom 10-14 are reached;
    # community 1: accounts 2, 4 and people 20-29, all of those reached
    by_comm = {c: (people, hit) for c, people, hit in everyone.community_coverage}
    assert by_comm == {0: (17, 5), 1: (12, 10), 2: (1, 0)}


def test_max_per_community_caps_the_chosen_accounts() -> None:
    mat, acc, sc = _world()
    community = list(COMMUNITY)
    community[1] = community[2] = community[4] = 0  # KOLs 1, 2 and media 4 in one community
    sc["community"] = pd.array(community, dtype="Int64")
    free = plan_arrays(mat, acc, sc, PlanParams(budget=100), settings=SETTINGS)
    assert {"t:1", "t:2", "t:4"} <= {a.key for a in free.accounts}
    capped = plan_arrays(
        mat, acc, sc, PlanParams(budget=100, max_per_community=1), settings=SETTINGS
    )
    counts: dict[int | None, int] = {}
    for a in capped.accounts:
        counts[a.community] = counts.get(a.community, 0) + 1
    assert counts[0] == 1 and capped.unique_reach < free.unique_reach
    with pytest.raises(InputError, match="max per community"):
        PlanParams(budget=1, max_per_community=0).check()


def test_read_keys_file(tmp_path: Path) -> None:
    f = tmp_path / "segment.csv"
    f.write_text("key,score\n# a comment\nt:1,3\n\n12,1\nt:1,4\n", encoding="utf-8")
    assert read_keys_file(f, platform="t") == ("t:1", "t:12")
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing\n\n", encoding="utf-8")
    with pytest.raises(InputError, match="holds no account key"):
        read_keys_file(empty)
    with pytest.raises(InputError, match="cannot read"):
        read_keys_file(tmp_path / "missing.txt")
