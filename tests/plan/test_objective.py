"""Objectives against brute force, and the greedy against exhaustive search."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import scipy.sparse as sp

from kolgraph.plan.objective import (
    EngagementInputs,
    EngagementObjective,
    FrequencyObjective,
    ReachObjective,
    cost_aware_select,
    expected_engaged,
    greedy_select,
)


def _brute_expectation(P: np.ndarray, S: list[int]) -> float:
    """E[# distinct engaged] by enumerating every outcome of the independent (v, u) coins."""
    cells = [(v, u) for v in S for u in range(P.shape[1]) if P[v, u] > 0]
    total = 0.0
    for outcome in itertools.product([0, 1], repeat=len(cells)):
        prob = 1.0
        engaged = set()
        for (v, u), hit in zip(cells, outcome, strict=True):
            prob *= P[v, u] if hit else 1 - P[v, u]
            if hit:
                engaged.add(u)
        total += prob * len(engaged)
    return total


def test_expected_engaged_equals_brute_force_expectation() -> None:
    P = np.array([[0.0, 0.5, 0.2, 0.0], [0.0, 0.5, 0.0, 0.9], [0.3, 0.1, 0.0, 0.0]])
    inputs = EngagementInputs.pairs_only(sp.csr_matrix(P))
    for S in ([0], [0, 1], [0, 1, 2], [2, 1]):
        assert expected_engaged(inputs, S) == pytest.approx(_brute_expectation(P, S))
        obj = EngagementObjective(inputs)
        for v in S:
            obj.take(v)
        assert obj.value() == pytest.approx(_brute_expectation(P, S))


def test_new_people_saturate_in_the_pool() -> None:
    P = sp.csr_matrix((2, 2))
    inputs = EngagementInputs(P, np.array([50.0, 50.0]), pool=100.0)
    assert expected_engaged(inputs, [0]) == pytest.approx(100 * (1 - math.exp(-0.5)))
    assert expected_engaged(inputs, [0, 1]) == pytest.approx(100 * (1 - math.exp(-1.0)))
    unbounded = EngagementInputs(P, np.array([50.0, 50.0]))
    assert expected_engaged(unbounded, [0, 1]) == pytest.approx(100.0)


def _exhaustive(make, n: int, k: int) -> float:
    best = 0.0
    for S in itertools.combinations(range(n), k):
        obj = make()
        for v in S:
            obj.take(v)
        best = max(best, obj.value())
    return best


@pytest.mark.parametrize("seed", range(8))
def test_greedy_reaches_one_minus_one_over_e_of_the_optimum(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, m, k = 9, 14, 3
    P = sp.csr_matrix(rng.random((n, m)) * (rng.random((n, m)) < 0.35))
    inputs = EngagementInputs(P, rng.random(n) * 2, pool=8.0)
    got = greedy_select(EngagementObjective(inputs), np.arange(n), k=k).value
    opt = _exhaustive(lambda: EngagementObjective(inputs), n, k)
    assert got >= (1 - 1 / math.e) * opt - 1e-9
    A = sp.csr_matrix((rng.random((n, m)) < 0.3).astype(float))
    got_r = greedy_select(ReachObjective(A), np.arange(n), k=k).value
    assert got_r >= (1 - 1 / math.e) * _exhaustive(lambda: ReachObjective(A), n, k) - 1e-9


def test_greedy_finds_the_known_optimum() -> None:
    # account 0 reaches {0..3}; 1 reaches {0, 1}; 2 reaches {4, 5}; 3 reaches {2, 3, 4}
    rows = [[0, 1, 2, 3], [0, 1], [4, 5], [2, 3, 4]]
    A = sp.csr_matrix(
        (
            np.ones(sum(map(len, rows))),
            ([i for i, r in enumerate(rows) for _ in r], [c for r in rows for c in r]),
        ),
        shape=(4, 6),
    )
    sel = greedy_select(ReachObjective(A), np.arange(4), k=2)
    assert sorted(sel.accounts) == [0, 2] and sel.value == 6
    assert sel.gains == [4, 2]


def test_lazy_greedy_equals_a_full_scan() -> None:
    rng = np.random.default_rng(5)
    P = sp.csr_matrix(rng.random((30, 40)) * (rng.random((30, 40)) < 0.2))
    inputs = EngagementInputs.pairs_only(P)
    lazy = greedy_select(EngagementObjective(inputs), np.arange(30), k=8).accounts
    obj, scan = EngagementObjective(inputs), []
    for _ in range(8):
        gains = [obj.gain(v) if v not in scan else -1 for v in range(30)]
        best = int(np.argmax(gains))
        obj.take(best)
        scan.append(best)
    assert lazy == scan


def test_cost_aware_rule_takes_the_expensive_account_when_it_wins() -> None:
    # a cheap account (cost 1, 2 people: ratio 2) and a big one (cost 10, 15 people: ratio 1.5)
    A = sp.csr_matrix((np.ones(17), ([0, 0, *([1] * 15)], [0, 1, *range(2, 17)])), shape=(2, 17))
    cost = np.array([1.0, 10.0])
    ratio = greedy_select(ReachObjective(A), np.arange(2), cost=cost, budget=10.0)
    assert ratio.accounts == [0] and ratio.value == 2  # the big one no longer fits
    best = cost_aware_select(lambda: ReachObjective(A), np.arange(2), cost=cost, budget=10.0)
    assert best.accounts == [1] and best.value == 15
    assert best.rule in {"gain-greedy", "single best account"}


def test_frequency_counts_people_reached_often_enough() -> None:
    A = sp.csr_matrix(np.array([[1, 1, 0], [1, 0, 1], [1, 1, 1]], dtype=float))
    obj = FrequencyObjective(A, 2)
    for v in (0, 1):
        obj.take(v)
    assert obj.value() == 1  # only person 0 is reached twice
    obj.take(2)
    assert obj.value() == 3


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_vectorized_gains_equal_one_by_one(seed: int) -> None:
    from kolgraph.plan.objective import (
        BlendObjective,
        EngagementInputs,
        EngagementObjective,
        FrequencyObjective,
        ReachObjective,
        initial_gains,
    )

    rng = np.random.default_rng(seed)
    dense = (rng.random((12, 30)) < 0.3) * rng.random((12, 30))
    P = sp.csr_matrix(dense)
    A = sp.csr_matrix((dense > 0).astype(float))
    novel = rng.random(12) * 5
    objectives = [
        EngagementObjective(EngagementInputs(P, novel, 20.0)),
        EngagementObjective(EngagementInputs(P, novel)),
        ReachObjective(A),
        FrequencyObjective(A, 2),
        BlendObjective(
            [(0.5, EngagementObjective(EngagementInputs(P, novel))), (2.0, ReachObjective(A))]
        ),
    ]
    cand = np.arange(12)
    for obj in objectives:
        for v in (3, 7):  # after some picks too
            fast = obj.gains(cand)  # type: ignore[attr-defined]
            slow = np.array([obj.gain(int(u)) for u in cand])
            assert np.allclose(fast, slow), type(obj).__name__
            assert np.allclose(initial_gains(obj, cand), slow)
            obj.take(v)
