"""Learned influence: edge probabilities, IC spread (Monte Carlo vs exact), RR sets, IMM."""

from __future__ import annotations

import itertools
import math
import os

import numpy as np
import pytest

from kolgraph.errors import InputError
from kolgraph.rank.influence.imm import influence_seeds, rr_sets
from kolgraph.rank.influence.learn import InfluenceGraph, edge_probabilities
from kolgraph.rank.influence.spread import ic_spread, ic_spread_exact, ic_spread_many
from kolgraph.store.base import GraphArrays


def _i32(*v: int) -> np.ndarray:
    return np.array(v, dtype=np.int32)


def _graph(n: int, edges: list[tuple[int, int, float]]) -> InfluenceGraph:
    return InfluenceGraph(
        n,
        np.array([e[0] for e in edges], dtype=np.int32),
        np.array([e[1] for e in edges], dtype=np.int32),
        np.array([e[2] for e in edges], dtype=np.float64),
    ).check()


def _random_graph(n: int, m: int, seed: int) -> InfluenceGraph:
    rng = np.random.default_rng(seed)
    return InfluenceGraph(
        n,
        rng.integers(0, n, m).astype(np.int32),
        rng.integers(0, n, m).astype(np.int32),
        rng.uniform(0.05, 0.95, m),
    ).check()


def _star(center: int, leaves: range, p: float) -> list[tuple[int, int, float]]:
    return [(center, leaf, p) for leaf in leaves]


def _pairs(g: InfluenceGraph) -> dict[tuple[int, int], float]:
    return {(int(u), int(v)): float(p) for u, v, p in zip(g.src, g.dst, g.prob, strict=True)}


# --------------------------------------------------------------------------- edge probabilities
def _arrays(weight: np.ndarray | None = None) -> GraphArrays:
    """Five accounts. 1, 2, 3 follow 0; 0 follows 4; 2 follows itself (ignored).

    Reposts (reposter → author): 1→0 twice, 2→0, 4→0 (4 does not follow 0),
    0→4.
    """
    rs = _i32(1, 1, 2, 4, 0)
    return GraphArrays(
        5,
        follow_src=_i32(1, 2, 3, 0, 2),
        follow_dst=_i32(0, 0, 0, 4, 2),
        repost_src=rs,
        repost_dst=_i32(0, 0, 0, 0, 4),
        repost_ts=np.arange(rs.size, dtype=np.int64),
        repost_weight=np.ones(rs.size, dtype=np.float32) if weight is None else weight,
    )


def test_edge_probabilities_by_hand() -> None:
    # exposures: E_0 = max(0 reposted once, 1 reposted 0 twice) = 2; E_4 = max(1, 1) = 1
    got = _pairs(edge_probabilities(_arrays()))
    assert got == pytest.approx(
        {
            (0, 1): (2 + 1) / (2 + 20),  # follower who reposted twice
            (0, 2): (1 + 1) / (2 + 20),
            (0, 3): (0 + 1) / (2 + 20),  # follower who never reposted
            (0, 4): (1 + 1) / (2 + 20),  # engagement without a follow edge
            (4, 0): (1 + 1) / (1 + 20),  # 0 follows 4 and reposted it once
        }
    )


def test_edge_probabilities_direction_and_order() -> None:
    g = edge_probabilities(_arrays())
    # influence runs author → follower, against the follow edge
    assert (0, 1) in _pairs(g) and (1, 0) not in _pairs(g)
    codes = g.src.astype(np.int64) * g.n + g.dst
    assert (np.diff(codes) > 0).all()  # sorted, one row per pair, no self-loops
    assert g.src.dtype == np.int32 and g.dst.dtype == np.int32


def test_edge_probabilities_priors_and_clipping() -> None:
    got = _pairs(edge_probabilities(_arrays(), prior_reposts=2.0, prior_exposures=10.0))
    assert got[(0, 3)] == pytest.approx(2 / 12)
    clipped = _pairs(edge_probabilities(_arrays(), min_prob=0.1, max_prob=0.12))
    assert clipped[(0, 1)] == pytest.approx(0.12)
    assert clipped[(0, 3)] == pytest.approx(0.1)
    assert all(0.1 <= p <= 0.12 for p in clipped.values())
    # without a prior, an edge with no reposts has probability 0 and is dropped
    no_prior = _pairs(edge_probabilities(_arrays(), prior_reposts=0.0))
    assert (0, 3) not in no_prior
    assert no_prior[(0, 1)] == pytest.approx(2 / 22)


def test_edge_probabilities_mask_is_a_topic() -> None:
    mask = np.array([True, True, False, False, False])  # only 1's two reposts of 0
    got = _pairs(edge_probabilities(_arrays(), mask=mask))
    assert got == pytest.approx(
        {
            (0, 1): 3 / 22,
            (0, 2): 1 / 22,
            (0, 3): 1 / 22,
            (4, 0): 1 / 20,  # follow edge kept, no history in this topic
        }
    )


def test_edge_probabilities_weights_and_exposures() -> None:
    # one aggregated row of weight 2 counts like two rows
    w = np.array([2.0, 0.0, 1.0, 1.0, 1.0], dtype=np.float32)
    assert _pairs(edge_probabilities(_arrays(w))) == pytest.approx(
        _pairs(edge_probabilities(_arrays()))
    )
    expo = np.array([10.0, 0.0, 0.0, 0.0, 5.0])
    got = _pairs(edge_probabilities(_arrays(), exposures=expo))
    assert got[(0, 1)] == pytest.approx(3 / 30)
    assert got[(4, 0)] == pytest.approx(2 / 25)


def test_edge_probabilities_empty_graph() -> None:
    e = np.zeros(0, dtype=np.int32)
    arrays = GraphArrays(3, e, e, e, e, np.zeros(0, dtype=np.int64), np.zeros(0, np.float32))
    g = edge_probabilities(arrays)
    assert g.n == 3 and g.m == 0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"prior_exposures": 0.0},
        {"prior_reposts": -1.0},
        {"prior_reposts": math.nan},
        {"min_prob": 0.5, "max_prob": 0.4},
        {"max_prob": 1.5},
        {"mask": np.ones(4, dtype=bool)},
        {"mask": np.ones(5, dtype=np.int64)},
        {"exposures": np.ones(4)},
        {"exposures": -np.ones(5)},
    ],
)
def test_edge_probabilities_rejects_bad_options(kwargs: dict[str, object]) -> None:
    with pytest.raises(InputError):
        edge_probabilities(_arrays(), **kwargs)  # type: ignore[arg-type]


def test_graph_check() -> None:
    with pytest.raises(InputError, match="lie in"):
        _graph(2, [(0, 2, 0.5)])
    with pytest.raises(InputError, match=r"\[0, 1\]"):
        _graph(2, [(0, 1, 1.5)])
    with pytest.raises(InputError, match="lengths"):
        InfluenceGraph(2, _i32(0), _i32(1, 0), np.ones(1)).check()


# --------------------------------------------------------------------------- exact spread
def test_exact_path_and_star_known_values() -> None:
    path = _graph(3, [(0, 1, 0.5), (1, 2, 0.5)])
    assert ic_spread_exact(path, [0]) == pytest.approx(1 + 0.5 + 0.25)
    assert ic_spread_exact(path, [1]) == pytest.approx(1.5)
    assert ic_spread_exact(path, [0, 2]) == pytest.approx(2.5)
    assert ic_spread_exact(path, [0, 0]) == pytest.approx(1.75)  # duplicates count once
    assert ic_spread_exact(path, []) == 0.0
    star = _graph(4, _star(0, range(1, 4), 0.3))
    assert ic_spread_exact(star, [0]) == pytest.approx(1.9)
    # two routes to node 3: 1 - (1 - 0.5·0.5)^2
    diamond = _graph(4, [(0, 1, 0.5), (0, 2, 0.5), (1, 3, 0.5), (2, 3, 0.5)])
    assert ic_spread_exact(diamond, [0]) == pytest.approx(1 + 0.5 + 0.5 + (1 - 0.75**2))


def test_exact_limits() -> None:
    sure = _graph(26, [(i, i + 1, 1.0) for i in range(25)])  # certain edges are not enumerated
    assert ic_spread_exact(sure, [0]) == pytest.approx(26)
    with pytest.raises(InputError, match="at most 20"):
        ic_spread_exact(_graph(22, [(i, i + 1, 0.5) for i in range(21)]), [0])
    with pytest.raises(InputError):
        ic_spread_exact(sure, [26])


# --------------------------------------------------------------------------- Monte Carlo spread
@pytest.mark.parametrize(("n", "m", "gseed"), [(5, 8, 1), (6, 12, 2), (8, 14, 3), (7, 16, 4)])
def test_ic_spread_matches_exact(n: int, m: int, gseed: int) -> None:
    g = _random_graph(n, m, gseed)
    seeds = [0, n - 1]
    exact = ic_spread_exact(g, seeds)
    est = ic_spread(g, seeds, runs=4000, seed=gseed)
    assert est.stderr > 0
    assert abs(est.mean - exact) <= 4 * est.stderr
    assert est.low <= exact <= est.high
    assert est.runs == 4000 and est.confidence == 0.95
    assert isinstance(est.mean, float)


def test_ic_spread_interval_and_determinism() -> None:
    g = _random_graph(8, 14, 3)
    a = ic_spread(g, [0], runs=500, seed=7)
    assert a == ic_spread(g, [0], runs=500, seed=7)
    assert a != ic_spread(g, [0], runs=500, seed=8)
    wide = ic_spread(g, [0], runs=500, seed=7, confidence=0.99)
    assert wide.high - wide.low > a.high - a.low
    assert 1.0 <= a.low <= a.mean <= a.high <= 8.0
    assert ic_spread(g, [], runs=10).mean == 0.0


def test_ic_spread_deterministic_edges() -> None:
    chain = _graph(4, [(0, 1, 1.0), (1, 2, 1.0), (2, 3, 0.0)])
    est = ic_spread(chain, [0], runs=50)
    assert est.mean == est.low == est.high == 3.0


@pytest.mark.parametrize(
    ("seeds", "kwargs"),
    [([5], {}), ([0], {"runs": 0}), ([0], {"confidence": 1.0}), ([0], {"seed": -1})],
)
def test_ic_spread_rejects_bad_input(seeds: list[int], kwargs: dict[str, object]) -> None:
    with pytest.raises(InputError):
        ic_spread(_random_graph(5, 6, 0), seeds, **kwargs)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- RR sets
def test_rr_sets_shape_roots_and_frequencies() -> None:
    g = _random_graph(6, 12, 2)
    count = 60_000
    indptr, members = rr_sets(g, count, seed=1)
    assert indptr.shape == (count + 1,) and indptr[0] == 0 and indptr[-1] == members.size
    sizes = np.diff(indptr)
    assert (sizes >= 1).all()
    for i in range(200):  # root first, the rest increasing and without the root
        s = members[indptr[i] : indptr[i + 1]]
        assert (np.diff(s[1:]) > 0).all() and s[0] not in s[1:]
    # the roots are uniform over the nodes
    roots = members[indptr[:-1]]
    assert np.bincount(roots, minlength=6) / count == pytest.approx(np.full(6, 1 / 6), abs=0.01)
    # n · Pr[v ∈ RR] is v's expected spread
    freq = np.bincount(members, minlength=6) / count
    for v in range(6):
        p = ic_spread_exact(g, [v]) / 6
        assert abs(freq[v] - p) <= 4 * math.sqrt(p * (1 - p) / count) + 1e-9
    # the root of a set is the root the set was grown from: its in-neighbours only
    ind2, mem2 = rr_sets(_graph(3, [(0, 1, 1.0), (1, 2, 1.0)]), 300, seed=0)
    for i in range(300):
        s = mem2[ind2[i] : ind2[i + 1]].tolist()
        assert s == [s[0], *range(s[0])]  # everything upstream of the root


def test_rr_sets_deterministic_and_empty() -> None:
    g = _random_graph(6, 12, 2)
    a = rr_sets(g, 1000, seed=5)
    b = rr_sets(g, 1000, seed=5)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    indptr, members = rr_sets(g, 0)
    assert indptr.tolist() == [0] and members.size == 0
    with pytest.raises(InputError):
        rr_sets(g, -1)


# --------------------------------------------------------------------------- spread of many nodes
@pytest.mark.parametrize("method", ["mc", "rr"])
def test_ic_spread_many_ranks_star_center_first(method: str) -> None:
    g = _graph(7, [*_star(0, range(1, 6), 0.5), (6, 1, 0.2)])
    est = ic_spread_many(g, np.arange(7), runs=3000, method=method)  # type: ignore[arg-type]
    assert est.dtype == np.float64 and est.shape == (7,)
    assert int(np.argmax(est)) == 0
    assert est[0] > est[1:].max()
    exact = [ic_spread_exact(g, [v]) for v in range(7)]
    assert est == pytest.approx(exact, abs=0.15)


def test_ic_spread_many_order_repeats_and_errors() -> None:
    g = _random_graph(8, 14, 3)
    nodes = np.array([3, 0, 3])
    est = ic_spread_many(g, nodes, runs=2000, method="mc")
    assert est[0] == est[2]
    assert est == pytest.approx([ic_spread_exact(g, [v]) for v in nodes.tolist()], abs=0.15)
    assert ic_spread_many(g, np.zeros(0, dtype=np.int64)).size == 0
    with pytest.raises(InputError):
        ic_spread_many(g, np.array([8]))
    with pytest.raises(InputError):
        ic_spread_many(g, np.array([0]), method="magic")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- IMM
def _two_stars() -> InfluenceGraph:
    # star A: 0 → 1..8, star B: 10 → 11..16, plus a chain 20 → 21 → 22
    edges = [*_star(0, range(1, 9), 0.8), *_star(10, range(11, 17), 0.8)]
    edges += [(20, 21, 0.9), (21, 22, 0.9)]
    return _graph(23, edges)


def test_influence_seeds_picks_both_star_centers() -> None:
    res = influence_seeds(_two_stars(), 2, epsilon=0.2, seed=1)
    assert res.seeds == [0, 10]  # the larger star first
    assert res.epsilon == 0.2 and res.delta == pytest.approx(1 / 23)
    assert res.rr_sets > 0 and res.seconds >= 0 and not res.capped
    est = ic_spread(_two_stars(), res.seeds, runs=4000, seed=2)
    assert res.spread == pytest.approx(est.mean, rel=0.05)
    assert res.spread == pytest.approx(1 + 8 * 0.8 + 1 + 6 * 0.8, rel=0.05)


def test_influence_seeds_candidates_and_determinism() -> None:
    g = _two_stars()
    res = influence_seeds(g, 2, epsilon=0.2, seed=3, candidates=np.array([10, 20, 21, 5]))
    assert res.seeds == [10, 20]
    mask = np.zeros(23, dtype=bool)
    mask[[10, 20, 21, 5]] = True
    assert influence_seeds(g, 2, epsilon=0.2, seed=3, candidates=mask).seeds == [10, 20]
    a = influence_seeds(g, 3, epsilon=0.2, seed=4)
    b = influence_seeds(g, 3, epsilon=0.2, seed=4)
    assert (a.seeds, a.spread, a.rr_sets) == (b.seeds, b.spread, b.rr_sets)


def test_influence_seeds_near_optimal_on_a_tiny_graph() -> None:
    g = _random_graph(7, 12, 11)
    res = influence_seeds(g, 2, epsilon=0.1, seed=0)
    best = max(ic_spread_exact(g, list(pair)) for pair in itertools.combinations(range(7), 2))
    got = ic_spread_exact(g, res.seeds)
    assert got >= (1 - 1 / math.e - 0.1) * best
    assert got == pytest.approx(best, rel=0.05)  # greedy is usually optimal this small
    assert res.spread == pytest.approx(got, rel=0.05)


def test_influence_seeds_cap() -> None:
    res = influence_seeds(_two_stars(), 2, epsilon=0.1, max_rr_sets=500)
    assert res.capped and res.rr_sets == 500


@pytest.mark.parametrize(
    ("k", "kwargs"),
    [
        (0, {}),
        (2.5, {}),
        (24, {}),
        (3, {"candidates": np.array([0, 1])}),
        (1, {"candidates": np.array([23])}),
        (1, {"candidates": np.ones(5, dtype=bool)}),
        (1, {"epsilon": 0.0}),
        (1, {"epsilon": 1.0}),
        (1, {"delta": 0.0}),
        (1, {"delta": 1.0}),
        (1, {"max_rr_sets": 0}),
        (1, {"seed": -3}),
    ],
)
def test_influence_seeds_rejects_bad_parameters(k: int, kwargs: dict[str, object]) -> None:
    with pytest.raises(InputError):
        influence_seeds(_two_stars(), k, **kwargs)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- engine
def test_visited_table_and_sorted_merge_agree() -> None:
    # both bookkeeping modes draw the same coins, so with one seed they reach the same pairs
    from kolgraph.rank.influence.cascade import adjacency as _csr
    from kolgraph.rank.influence.cascade import expand as _expand

    g = _random_graph(300, 1500, 9)
    csr = _csr(g, reverse=True)
    sets = np.arange(40, dtype=np.int64)
    nodes = np.random.default_rng(0).integers(0, 300, 40)
    merged, ex1 = _expand(csr, sets, nodes, np.random.default_rng(1))
    table, ex2 = _expand(csr, sets, nodes, np.random.default_rng(1), dense_sets=40)
    assert ex1 == ex2 > 0
    assert np.array_equal(merged, table)
    assert np.array_equal(merged, np.unique(merged))


def test_results_do_not_depend_on_thread_count(monkeypatch: pytest.MonkeyPatch) -> None:
    g = _random_graph(200, 900, 4)
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    one = rr_sets(g, 5000, seed=2), ic_spread(g, [0, 1], runs=3000, seed=2)
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    four = rr_sets(g, 5000, seed=2), ic_spread(g, [0, 1], runs=3000, seed=2)
    assert np.array_equal(one[0][0], four[0][0]) and np.array_equal(one[0][1], four[0][1])
    assert one[1] == four[1]
