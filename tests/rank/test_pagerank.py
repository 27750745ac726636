"""PageRank agrees with networkx, with the reference, and igraph with scipy."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from kolgraph.errors import ConvergenceError, InputError
from kolgraph.rank.graph import WeightedEdges
from kolgraph.rank.pagerank import pagerank, pagerank_reference, pagerank_scipy


def _edges(n: int, pairs: list[tuple[int, int, float]]) -> WeightedEdges:
    src = np.array([p[0] for p in pairs], dtype=np.int32)
    dst = np.array([p[1] for p in pairs], dtype=np.int32)
    w = np.array([p[2] for p in pairs], dtype=np.float64)
    return WeightedEdges(n, src, dst, w).check()


def _nx(n: int, pairs: list[tuple[int, int, float]], damping: float = 0.85) -> np.ndarray:
    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    for u, v, w in pairs:
        if g.has_edge(u, v):
            g[u][v]["weight"] += w
        else:
            g.add_edge(u, v, weight=w)
    pr = nx.pagerank(g, alpha=damping, weight="weight", tol=1e-13, max_iter=10_000)
    return np.array([pr[i] for i in range(n)])


def _random_pairs(n: int, m: int, seed: int) -> list[tuple[int, int, float]]:
    rng = np.random.default_rng(seed)
    src = rng.integers(0, max(1, (n * 4) // 5), m)  # the last fifth stays dangling
    # heavy-tailed targets, so some nodes are hubs and many are dangling
    dst = np.minimum((rng.pareto(1.2, m) * 3).astype(int), n - 1)
    w = rng.uniform(0.5, 3.0, m)
    return [(int(a), int(b), float(c)) for a, b, c in zip(src, dst, w, strict=True)]


def test_published_chain_example() -> None:
    # 0 -> 1 -> 2, node 2 dangling; networkx gives the same values
    e = _edges(3, [(0, 1, 1.0), (1, 2, 1.0)])
    r = pagerank(e)
    assert r.scores == pytest.approx([0.18441678, 0.34117105, 0.47441217], abs=1e-8)
    assert r.scores.sum() == pytest.approx(1.0)


@pytest.mark.parametrize("method", ["igraph", "scipy"])
@pytest.mark.parametrize(("n", "m", "seed"), [(30, 80, 1), (500, 3000, 2), (5000, 40_000, 3)])
def test_agrees_with_networkx(method: str, n: int, m: int, seed: int) -> None:
    pairs = _random_pairs(n, m, seed)
    pairs += [(5, 5, 2.0), (7, 7, 1.0)]  # self-loops count like other edges
    e = _edges(n, pairs)
    expected = _nx(n, pairs)
    got = pagerank(e, method=method, tol=1e-13).scores  # type: ignore[arg-type]
    assert np.abs(got - expected).max() < 1e-6
    # dangling nodes exist in these graphs, so the dangling rule is exercised
    assert (np.bincount(e.src, minlength=n) == 0).any()


@pytest.mark.parametrize("damping", [0.5, 0.85, 0.95])
def test_reference_igraph_scipy_agree(damping: float) -> None:
    pairs = _random_pairs(60, 200, 4)
    e = _edges(60, pairs)
    ref = np.array(pagerank_reference(60, pairs, damping=damping))
    assert np.abs(pagerank(e, damping=damping).scores - ref).max() < 1e-9
    assert np.abs(pagerank_scipy(e, damping=damping, tol=1e-14).scores - ref).max() < 1e-9


def test_float32_fast_path_close() -> None:
    pairs = _random_pairs(2000, 15_000, 5)
    e = _edges(2000, pairs)
    exact = pagerank(e).scores
    fast = pagerank_scipy(e, dtype=np.float32, tol=1e-8).scores
    assert np.abs(fast - exact).max() < 1e-5


def test_weights_matter() -> None:
    light = pagerank(_edges(3, [(0, 1, 1.0), (0, 2, 1.0)])).scores
    heavy = pagerank(_edges(3, [(0, 1, 1.0), (0, 2, 9.0)])).scores
    assert light[1] == pytest.approx(light[2])
    assert heavy[2] > heavy[1]


def test_empty_and_edgeless() -> None:
    empty = WeightedEdges(0, np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0))
    assert pagerank(empty).scores.size == 0
    lonely = WeightedEdges(4, np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0))
    assert pagerank(lonely).scores == pytest.approx([0.25] * 4)


def test_bad_arguments() -> None:
    e = _edges(2, [(0, 1, 1.0)])
    with pytest.raises(InputError, match="damping"):
        pagerank(e, damping=1.0)
    with pytest.raises(InputError, match="method"):
        pagerank(e, method="magic")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="endpoints"):
        WeightedEdges(2, np.array([0], np.int32), np.array([5], np.int32), np.ones(1)).check()
    with pytest.raises(InputError, match="positive"):
        WeightedEdges(2, np.array([0], np.int32), np.array([1], np.int32), -np.ones(1)).check()


def test_non_convergence_is_named() -> None:
    e = _edges(50, _random_pairs(50, 200, 6))
    with pytest.raises(ConvergenceError) as info:
        pagerank_scipy(e, max_iter=2, tol=1e-15)
    assert info.value.iterations == 2
    assert info.value.residual > 0


def _nx_personalized(
    n: int, pairs: list[tuple[int, int, float]], pers: dict[int, float]
) -> np.ndarray:
    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    for u, v, w in pairs:
        if g.has_edge(u, v):
            g[u][v]["weight"] += w
        else:
            g.add_edge(u, v, weight=w)
    pr = nx.pagerank(g, weight="weight", personalization=pers, tol=1e-13, max_iter=10_000)
    return np.array([pr[i] for i in range(n)])


@pytest.mark.parametrize("method", ["igraph", "scipy"])
def test_personalized_agrees_with_networkx(method: str) -> None:
    n = 400
    pairs = _random_pairs(n, 2500, 8)
    e = _edges(n, pairs)
    pers = np.zeros(n)
    pers[[3, 17, 250]] = [1.0, 2.0, 1.0]  # a "target community" of three accounts
    expected = _nx_personalized(n, pairs, {i: float(pers[i]) for i in range(n)})
    got = pagerank(e, method=method, personalization=pers, tol=1e-13).scores  # type: ignore[arg-type]
    assert np.abs(got - expected).max() < 1e-6
    ref = pagerank_reference(n, pairs, personalization=pers.tolist())
    assert np.abs(np.array(ref) - expected).max() < 1e-8
    # the personalization pulls rank towards the targets
    assert got[17] > pagerank(e).scores[17]


def test_reordering_changes_nothing_but_speed() -> None:
    e = _edges(3000, _random_pairs(3000, 20_000, 9))
    plain = pagerank_scipy(e, tol=1e-13).scores
    fast = pagerank_scipy(e, tol=1e-13, reorder=True).scores
    assert np.abs(plain - fast).max() < 1e-12
    pers = np.arange(3000, dtype=float)
    assert (
        np.abs(
            pagerank_scipy(e, personalization=pers, tol=1e-13).scores
            - pagerank_scipy(e, personalization=pers, tol=1e-13, reorder=True).scores
        ).max()
        < 1e-12
    )


def test_personalization_validation() -> None:
    e = _edges(3, [(0, 1, 1.0)])
    with pytest.raises(InputError, match="one weight per node"):
        pagerank(e, personalization=[1.0, 2.0])
    with pytest.raises(InputError, match="not all 0"):
        pagerank(e, personalization=[0.0, 0.0, 0.0])
