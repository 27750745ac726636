"""``rank --engine gds`` against the in-process engine on the same graph, in a real Neo4j.

GDS's PageRank drops the rank of dangling accounts (no redistribution): here the same rule is
computed in NumPy from the job's own weighted edges and compared after normalisation to sum 1.
The graph has dangling accounts on purpose.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
import scipy.sparse as sp

from kolgraph.demo import load_demo
from kolgraph.errors import InputError
from kolgraph.model import Account
from kolgraph.rank.communities import modularity
from kolgraph.rank.graph import WeightedEdges, combine_edges
from kolgraph.rank.job import RankParams, run_rank
from kolgraph.store import Store
from kolgraph.store.gds import leiden_is_beta, require_gds
from kolgraph.synth import generate_demo

pytestmark = pytest.mark.neo4j


def pagerank_dropping_dangling(
    edges: WeightedEdges, *, damping: float, tol: float = 1e-13
) -> npt.NDArray[np.float64]:
    r"""GDS's rule: :math:`x = (1-d) + d\,M x`, dangling rank lost; then normalised to sum 1."""
    n = edges.n
    out = np.bincount(edges.src, weights=edges.weight, minlength=n)
    m = sp.csr_matrix(
        (edges.weight / out[edges.src], (edges.dst, edges.src)), shape=(n, n)
    )  # column-stochastic on non-dangling columns
    x = np.full(n, 1.0 - damping)
    for _ in range(10_000):
        new = (1.0 - damping) + damping * (m @ x)
        if np.abs(new - x).max() < tol:
            x = new
            break
        x = new
    return np.asarray(x / x.sum(), dtype=np.float64)


@pytest.fixture
def demo_neo(neo4j_store: Store) -> Store:
    """The 3,000-account demo plus 40 followed accounts that follow nobody (dangling)."""
    load_demo(neo4j_store, generate_demo(3_000, seed=7))
    keys = neo4j_store.accounts_frame()["key"].tolist()
    rng = np.random.default_rng(3)
    sinks = [Account("x", f"sink{i}") for i in range(40)]
    neo4j_store.upsert_accounts(sinks)
    followers = rng.choice(len(keys), size=(40, 5))
    neo4j_store.add_follows(
        [keys[j] for row in followers for j in row],
        [s.key for s, row in zip(sinks, followers, strict=True) for _ in row],
    )
    return neo4j_store


def test_gds_exposes_leiden_as_a_production_procedure(demo_neo: Store) -> None:
    from kolgraph.store.neo4j import Neo4jStore

    assert isinstance(demo_neo, Neo4jStore)
    version = require_gds(demo_neo)
    assert version.startswith("2.")
    names = {r["name"] for r in demo_neo.query("gds/procedures", read=True, prefix="gds.")}
    assert "gds.leiden.stream" in names and "gds.pageRank.stream" in names
    assert leiden_is_beta(demo_neo) is False


def test_gds_pagerank_matches_the_same_dangling_rule(demo_neo: Store) -> None:
    params = RankParams(engine="gds", overlap_top_k=50)
    res = run_rank(demo_neo, params=params)
    assert res.run.params["engine"] == "gds"
    got = demo_neo.current_scores()["pagerank"].to_numpy(dtype=np.float64)
    edges = combine_edges(
        demo_neo.graph_arrays(),
        follow_weight=params.follow_weight,
        repost_weight=params.repost_weight,
    )
    want = pagerank_dropping_dangling(edges, damping=params.damping)
    assert got.sum() == pytest.approx(1.0)
    assert np.abs(got - want).max() <= 1e-6
    # with uniform teleport, spreading dangling rank uniformly (the in-process engine) only
    # rescales the dropped-rank solution, so after normalisation the engines agree too
    default = run_rank(demo_neo, params=RankParams(overlap_top_k=50))
    assert default.run.params["engine"] == "kolgraph"
    other = demo_neo.current_scores()["pagerank"].to_numpy(dtype=np.float64)
    assert np.abs(other - got).max() <= 1e-6


def test_gds_leiden_quality_and_publishing_match_the_default_engine(demo_neo: Store) -> None:
    results = {}
    for engine in ("kolgraph", "gds"):
        res = run_rank(demo_neo, params=RankParams(engine=engine, overlap_top_k=50))  # type: ignore[arg-type]
        sc = demo_neo.current_scores()
        comms, total = demo_neo.list_communities(limit=1000)
        assert demo_neo.current_run() is not None
        assert demo_neo.current_run().id == res.run.id  # type: ignore[union-attr]
        membership = sc["community"].to_numpy()
        assert not np.isnan(membership.astype(float)).any()
        # labels are renumbered by size (0 = largest) and every community of 2+ is stored
        sizes = np.bincount(membership.astype(np.int64))
        assert (np.diff(sizes) <= 0).all()
        assert total == int((sizes >= 2).sum())
        assert [c.community for c in comms] == list(range(total))
        assert [c.size for c in comms] == sizes[:total].tolist()
        results[engine] = res.quality["modularity"]
        edges = combine_edges(demo_neo.graph_arrays())
        assert res.quality["modularity"] == pytest.approx(
            modularity(edges, membership.astype(np.int64)), abs=1e-6
        )
    assert results["gds"] == pytest.approx(results["kolgraph"], abs=0.01)
    assert results["gds"] > 0.2


def test_gds_engine_refuses_repost_decay(demo_neo: Store) -> None:
    with pytest.raises(InputError, match="half-life"):
        run_rank(demo_neo, params=RankParams(engine="gds", half_life_days=7.0))
