"""Leiden communities: planted structure, determinism, modularity agrees with networkx."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from kolgraph.errors import InputError
from kolgraph.rank.communities import leiden_communities, modularity, undirected
from kolgraph.rank.graph import WeightedEdges


def _planted(
    k: int, size: int, p_in: float, p_out: float, seed: int
) -> tuple[WeightedEdges, np.ndarray]:
    g = nx.planted_partition_graph(k, size, p_in, p_out, seed=seed, directed=True)
    src, dst = zip(*g.edges(), strict=True)
    e = WeightedEdges(
        k * size, np.array(src, np.int32), np.array(dst, np.int32), np.ones(len(src))
    ).check()
    truth = np.repeat(np.arange(k), size)
    return e, truth


def test_recovers_planted_partition() -> None:
    e, truth = _planted(4, 50, 0.3, 0.005, seed=1)
    res = leiden_communities(e, seed=3)
    assert res.n_communities == 4
    # every planted group maps to exactly one found community
    for c in range(4):
        assert np.unique(res.membership[truth == c]).size == 1
    assert res.quality > 0.6


def test_modularity_matches_networkx() -> None:
    e, _ = _planted(3, 40, 0.2, 0.02, seed=2)
    res = leiden_communities(e, seed=1)
    u = undirected(e)
    g = nx.Graph()
    g.add_nodes_from(range(e.n))
    g.add_weighted_edges_from(zip(u.src.tolist(), u.dst.tolist(), u.weight.tolist(), strict=True))
    comms = [set(np.flatnonzero(res.membership == c).tolist()) for c in range(res.n_communities)]
    expected = nx.community.modularity(g, comms, weight="weight")
    assert res.quality == pytest.approx(expected, abs=1e-9)
    assert modularity(e, res.membership) == pytest.approx(expected, abs=1e-9)


def test_seeded_and_deterministic() -> None:
    e, _ = _planted(6, 30, 0.15, 0.03, seed=4)
    a = leiden_communities(e, seed=11)
    b = leiden_communities(e, seed=11)
    assert np.array_equal(a.membership, b.membership)


def test_numbered_largest_first() -> None:
    e, _ = _planted(5, 30, 0.3, 0.01, seed=5)
    sizes = leiden_communities(e, seed=2).sizes()
    assert list(sizes) == sorted(sizes, reverse=True)


def test_cpm_objective_and_validation() -> None:
    e, _ = _planted(3, 30, 0.3, 0.01, seed=6)
    res = leiden_communities(e, objective="CPM", resolution=0.05, seed=1)
    assert res.objective == "CPM" and res.n_communities >= 3
    with pytest.raises(InputError):
        leiden_communities(e, objective="louvain")  # type: ignore[arg-type]
    with pytest.raises(InputError):
        leiden_communities(e, resolution=0)


@pytest.mark.parametrize("method", ["networkit", "igraph"])
def test_both_methods_recover_the_planted_partition(method: str) -> None:
    pytest.importorskip(method)
    e, truth = _planted(4, 60, 0.3, 0.004, seed=7)
    res = leiden_communities(e, seed=5, method=method)  # type: ignore[arg-type]
    assert res.n_communities == 4
    for c in range(4):
        assert np.unique(res.membership[truth == c]).size == 1
    # the reported quality is the library's own modularity of that partition
    assert res.quality == pytest.approx(modularity(e, res.membership), abs=1e-12)


def test_networkit_is_deterministic_for_a_seed() -> None:
    pytest.importorskip("networkit")
    e, _ = _planted(8, 40, 0.12, 0.02, seed=9)
    a = leiden_communities(e, seed=3, method="networkit")
    b = leiden_communities(e, seed=3, method="networkit")
    assert np.array_equal(a.membership, b.membership)
    with pytest.raises(InputError, match="modularity only"):
        leiden_communities(e, objective="CPM", method="networkit")
