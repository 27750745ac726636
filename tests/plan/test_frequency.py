"""Reach and frequency on small audiences, against hand counts and brute force."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from kolgraph.errors import InputError
from kolgraph.plan.frequency import reach_frequency

# people 0..7; accounts a..e
#   a: 0 1 2 3
#   b: 2 3 4
#   c: 3 4 5
#   d: 6
#   e: (nobody)
TOY = sp.csr_matrix(
    np.array(
        [
            [1, 1, 1, 1, 0, 0, 0, 0],
            [0, 0, 1, 1, 1, 0, 0, 0],
            [0, 0, 0, 1, 1, 1, 0, 0],
            [0, 0, 0, 0, 0, 0, 1, 0],
            [0, 0, 0, 0, 0, 0, 0, 0],
        ],
        dtype=np.float32,
    )
)


def test_toy_by_hand() -> None:
    # exposures: p0 1, p1 1, p2 2, p3 3, p4 2, p5 1, p6 1, p7 0
    rf = reach_frequency(TOY)
    assert rf.unique_reach == 7
    assert rf.gross_impressions == 4 + 3 + 3 + 1  # 11
    assert rf.avg_frequency == round(11 / 7, 4)
    assert (rf.reach_1_plus, rf.reach_2_plus, rf.reach_3_plus) == (7, 3, 1)
    assert rf.distribution == [4, 2, 1]
    # a: p0 p1; b: none; c: p5; d: p6; e: none
    assert rf.exclusive == [2, 0, 1, 1, 0]
    assert rf.over == "audience"


def test_toy_over_a_target() -> None:
    target = np.array([False, True, True, True, False, False, True, True])
    # inside: p1 1, p2 2, p3 3, p6 1, p7 0
    rf = reach_frequency(TOY, target)
    assert rf.unique_reach == 4
    assert rf.gross_impressions == 7
    assert (rf.reach_1_plus, rf.reach_2_plus, rf.reach_3_plus) == (4, 2, 1)
    assert rf.exclusive == [1, 0, 0, 1, 0]
    assert rf.over == "target"


def test_empty_and_single() -> None:
    empty = reach_frequency(sp.csr_matrix((0, 5), dtype=np.float32))
    assert (empty.unique_reach, empty.gross_impressions, empty.avg_frequency) == (0, 0, 0.0)
    assert empty.exclusive == [] and empty.distribution == []
    one = reach_frequency(TOY[[0]])
    assert (one.unique_reach, one.reach_2_plus, one.exclusive) == (4, 0, [4])
    assert one.avg_frequency == 1.0


def test_bad_mask() -> None:
    with pytest.raises(InputError):
        reach_frequency(TOY, np.ones(3, dtype=bool))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_against_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    dense = (rng.random((6, 40)) < 0.3).astype(np.float32)
    target = rng.random(40) < 0.5
    for mask in (None, target):
        rf = reach_frequency(sp.csr_matrix(dense), mask)
        keep = np.ones(40, dtype=bool) if mask is None else mask
        people = [u for u in range(40) if keep[u]]
        exp = {u: sum(int(dense[j, u]) for j in range(6)) for u in people}
        assert rf.unique_reach == sum(1 for u in people if exp[u] >= 1)
        assert rf.gross_impressions == sum(exp.values())
        for f, got in ((1, rf.reach_1_plus), (2, rf.reach_2_plus), (3, rf.reach_3_plus)):
            assert got == sum(1 for u in people if exp[u] >= f)
        top = max(exp.values(), default=0)
        assert rf.distribution == [sum(1 for u in people if exp[u] == f) for f in range(1, top + 1)]
        assert rf.exclusive == [
            sum(1 for u in people if dense[j, u] and exp[u] == 1) for j in range(6)
        ]


def test_plan_reports_reach_and_frequency_over_the_whole_audience() -> None:
    import pandas as pd

    from kolgraph.plan.planner import PlanParams, plan_arrays
    from kolgraph.settings import Settings

    aud = {0: range(10, 30), 1: range(10, 28), 2: range(30, 40), 3: range(35, 50), 4: range(40, 45)}
    n = 50
    rows = [v for v, a in aud.items() for _ in a]
    cols = [u for a in aud.values() for u in a]
    mat = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(n, n))
    kinds = {0: "kol", 1: "kol", 2: "kol", 3: "media", 4: "own"}
    accounts = pd.DataFrame(
        {
            "key": [f"t:{i}" for i in range(n)],
            "platform": ["t"] * n,
            "name": [f"acc {i}" for i in range(n)],
            "kind": [kinds.get(i, "user") for i in range(n)],
            "followers": np.full(n, np.nan),
            "cost": [{0: 100.0, 1: 90.0, 2: 60.0, 3: 80.0}.get(i, np.nan) for i in range(n)],
        }
    )
    scores = pd.DataFrame(
        {
            "pagerank": np.full(n, 1.0 / n),
            "community": pd.array([u % 2 for u in range(n)], dtype="Int64"),
        }
    )
    settings = Settings(cost_per_1k_audience=10.0, min_cost=5.0, auto_kol=0)
    for target in ((), (0,)):
        params = PlanParams(budget=1000, target_communities=target, include=("t:1",))
        plan = plan_arrays(mat, accounts, scores, params, settings=settings)
        rf = plan.reach_frequency
        assert rf is not None and rf.over == "audience"
        chosen = [int(a.key[2:]) for a in plan.accounts]
        assert sorted(chosen) == [0, 1, 2, 3, 4]
        exp = {u: sum(u in aud[v] for v in chosen) for u in range(n)}
        assert rf.unique_reach == sum(e >= 1 for e in exp.values()) == 40
        assert rf.gross_impressions == sum(len(aud[v]) for v in chosen) == 68
        assert (rf.reach_2_plus, rf.reach_3_plus) == (28, 0)
        # 0 alone: 28, 29; 2 alone: 30..34; 3 alone: 45..49; 1 and 4: nobody
        by_key = {a.key: a.exclusive_reach for a in plan.accounts}
        assert by_key == {"t:0": 2, "t:1": 0, "t:2": 5, "t:3": 5, "t:4": 0}
        if not target:
            assert rf.unique_reach == plan.unique_reach
        else:
            assert plan.unique_reach < rf.unique_reach


def test_a_targeted_frequency_objective_counts_only_people_in_the_target() -> None:
    from kolgraph.plan.greedy import in_target
    from kolgraph.plan.objective import FrequencyObjective, ReachObjective

    rng = np.random.default_rng(3)
    A = sp.random(6, 40, density=0.4, format="csr", random_state=rng, dtype=np.float32)
    A.data[:] = 1.0
    target = rng.random(40) < 0.5
    restricted = in_target(A, target)
    assert not restricted[:, ~target].nnz and (restricted.toarray() == A.toarray() * target).all()
    dense = restricted.toarray() > 0
    reach, freq = ReachObjective(restricted), FrequencyObjective(restricted, min_frequency=2)
    for v in range(6):  # a first pick gains exactly its audience inside the target
        assert reach.gain(v) == dense[v].sum()
    reach.take(0)
    freq.take(0)
    freq.take(1)
    assert reach.value() == dense[0].sum()
    assert freq.value() == ((dense[0].astype(int) + dense[1]) >= 2).sum()
