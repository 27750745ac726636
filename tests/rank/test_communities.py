"""Leiden communities: planted structure, determinism, modularity agrees with networkx;
community summaries agree with a plain Python count."""

from __future__ import annotations

import doctest
from typing import Any

import networkx as nx
import numpy as np
import pytest

import kolgraph.rank.communities as communities_module
from kolgraph.errors import InputError
from kolgraph.rank.communities import (
    community_summary,
    leiden_communities,
    modularity,
    undirected,
)
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


def test_undirected_sums_reciprocal_edges_exactly_as_np_unique_does() -> None:
    rng = np.random.default_rng(3)
    for _ in range(20):
        n, m = int(rng.integers(1, 300)), int(rng.integers(1, 3000))
        e = WeightedEdges(
            n,
            rng.integers(0, n, m).astype(np.int32),
            rng.integers(0, n, m).astype(np.int32),
            rng.random(m) * rng.integers(1, 5, m),
        )
        lo = np.minimum(e.src, e.dst).astype(np.int64)
        hi = np.maximum(e.src, e.dst).astype(np.int64)
        uniq, inverse = np.unique(lo * n + hi, return_inverse=True)
        weight = np.bincount(inverse, weights=e.weight, minlength=uniq.size)
        u = undirected(e)
        assert np.array_equal(u.src, uniq // n) and np.array_equal(u.dst, uniq % n)
        assert np.array_equal(u.weight, weight)  # bit for bit: same summation order


def test_threads_run_networkit_in_parallel_and_restore_its_setting() -> None:
    nk = pytest.importorskip("networkit")
    e, truth = _planted(4, 60, 0.3, 0.004, seed=7)
    before = nk.getMaxNumberOfThreads()
    res = leiden_communities(e, seed=5, method="networkit", threads=2)
    assert nk.getMaxNumberOfThreads() == before
    assert res.n_communities == 4
    for c in range(4):
        assert np.unique(res.membership[truth == c]).size == 1
    assert res.quality == pytest.approx(modularity(e, res.membership), abs=1e-12)
    with pytest.raises(InputError, match="threads must be at least 1"):
        leiden_communities(e, threads=0)


# ----------------------------------------------------------------------------- summary
def _summary_by_hand(
    n: int,
    pairs: list[tuple[int, int]],
    membership: list[int],
    scores: list[float],
    *,
    top: int,
    bridges: int,
    min_size: int,
) -> list[dict[str, Any]]:
    """The definitions of ``community_summary``, one edge and one node at a time."""
    edges = {(u, v) for u, v in pairs if u != v}
    rows = []
    for c in sorted(set(membership)):
        members = [i for i in range(n) if membership[i] == c]
        if len(members) < min_size:
            continue
        internal = sum(1 for u, v in edges if membership[u] == c and membership[v] == c)
        external = sum(1 for u, v in edges if (membership[u] == c) != (membership[v] == c))
        size = len(members)
        b = {
            i: sum(1 for u, v in edges if i in (u, v) and membership[u] != membership[v])
            for i in members
        }
        rows.append(
            {
                "community": c,
                "size": size,
                "internal_edges": internal,
                "external_edges": external,
                "density": internal / (size * (size - 1)) if size > 1 else 0.0,
                "external_share": external / (internal + external) if internal + external else 0.0,
                "top": sorted(members, key=lambda i: (-scores[i], i))[:top],
                "bridges": sorted(
                    (i for i in members if b[i] > 0), key=lambda i: (-b[i], -scores[i], i)
                )[:bridges],
            }
        )
    return rows


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize(("top", "bridges", "min_size"), [(5, 5, 1), (2, 3, 2), (0, 1, 4)])
def test_community_summary_matches_a_plain_count(
    seed: int, top: int, bridges: int, min_size: int
) -> None:
    rng = np.random.default_rng(seed)
    n = 60
    # communities 0..7 (one id unused so sizes have a gap), uneven; scores with ties
    membership = rng.choice([0, 0, 0, 1, 1, 2, 2, 3, 4, 6], size=n).tolist()
    membership[-1] = 7  # a singleton
    scores = np.round(rng.random(n), 1).tolist()
    raw = rng.integers(0, n, size=(400, 2)).tolist()
    pairs = sorted({(int(u), int(v)) for u, v in raw} | {(5, 5), (9, 9)})  # with self-loops
    e = WeightedEdges(
        n,
        np.array([u for u, _ in pairs], np.int32),
        np.array([v for _, v in pairs], np.int32),
        rng.random(len(pairs)) + 0.5,  # weights do not matter
    ).check()

    got = community_summary(
        e, np.array(membership), np.array(scores), top=top, bridges=bridges, min_size=min_size
    )
    expected = _summary_by_hand(
        n, pairs, membership, scores, top=top, bridges=bridges, min_size=min_size
    )
    assert got.to_dict("records") == [
        {
            **r,
            "density": pytest.approx(r["density"]),
            "external_share": pytest.approx(r["external_share"]),
        }
        for r in expected
    ]
    if min_size == 1:  # every cross edge counts once for each of its two communities
        crossing = sum(1 for u, v in pairs if membership[u] != membership[v])
        assert got["external_edges"].sum() == 2 * crossing
    assert all(0 <= d <= 1 for d in got["density"])
    # native Python ints in the lists, so they serialise as they are
    assert all(type(i) is int for lst in got["top"].tolist() + got["bridges"].tolist() for i in lst)


def test_community_summary_complete_and_isolated_communities() -> None:
    # community 0: a complete digraph on 3 nodes (density 1); community 1: two nodes, no edges
    pairs = [(u, v) for u in range(3) for v in range(3) if u != v]
    e = WeightedEdges(
        5,
        np.array([u for u, _ in pairs], np.int32),
        np.array([v for _, v in pairs], np.int32),
        np.ones(len(pairs)),
    )
    s = community_summary(e, np.array([0, 0, 0, 1, 1]), np.array([0.1, 0.5, 0.2, 0.1, 0.1]))
    assert s["density"].tolist() == [1.0, 0.0]
    assert s["external_edges"].tolist() == [0, 0]
    assert s["external_share"].tolist() == [0.0, 0.0]
    assert s["top"].tolist() == [[1, 2, 0], [3, 4]]
    assert s["bridges"].tolist() == [[], []]


def test_community_summary_empty_graph() -> None:
    empty = np.zeros(0, dtype=np.int32)
    s = community_summary(WeightedEdges(0, empty, empty, np.zeros(0)), [], [])
    assert len(s) == 0
    assert list(s.columns) == [
        "community",
        "size",
        "internal_edges",
        "external_edges",
        "density",
        "external_share",
        "top",
        "bridges",
    ]
    lonely = community_summary(WeightedEdges(3, empty, empty, np.zeros(0)), [0, 1, 1], [1, 2, 3])
    assert lonely["size"].tolist() == [1, 2] and lonely["bridges"].tolist() == [[], []]
    assert (
        len(
            community_summary(
                WeightedEdges(3, empty, empty, np.zeros(0)), [0, 1, 2], [0, 0, 0], min_size=2
            )
        )
        == 0
    )


@pytest.mark.parametrize(
    ("membership", "scores", "kwargs", "match"),
    [
        ([0, 1], [0.1, 0.2, 0.3], {}, "one value per node"),
        ([0, 1, 1], [0.1, 0.2], {}, "one value per node"),
        ([0, -1, 1], [0.1, 0.2, 0.3], {}, ">= 0"),
        ([0.0, 1.0, 1.0], [0.1, 0.2, 0.3], {}, "integer"),
        ([0, 1, 1], [0.1, np.nan, 0.3], {}, "finite"),
        ([0, 1, 1], [0.1, 0.2, 0.3], {"top": -1}, "top >= 0"),
        ([0, 1, 1], [0.1, 0.2, 0.3], {"min_size": 0}, "min_size >= 1"),
    ],
)
def test_community_summary_validates_its_input(
    membership: list[float], scores: list[float], kwargs: dict[str, int], match: str
) -> None:
    e = WeightedEdges(3, np.array([0], np.int32), np.array([1], np.int32), np.ones(1))
    with pytest.raises(InputError, match=match):
        community_summary(e, membership, scores, **kwargs)


def test_community_summary_docstring_example() -> None:
    outcome = doctest.testmod(communities_module)
    assert outcome.attempted > 0 and outcome.failed == 0
