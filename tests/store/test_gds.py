"""``rank --engine gds`` against the in-process engine on the same graph, in a real Neo4j.

GDS's PageRank drops the rank of dangling accounts (no redistribution): here the same rule is
computed in NumPy from the job's own weighted edges and compared after normalisation to sum 1.
The graph has dangling accounts on purpose.

The graph is loaded and ranked once per engine for the whole module: each test reads what
a run published (kept right after that run), so no test depends on another's order.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest
import scipy.sparse as sp

from kolgraph.demo import load_demo
from kolgraph.errors import InputError
from kolgraph.model import Account
from kolgraph.rank.communities import modularity
from kolgraph.rank.graph import WeightedEdges, combine_edges
from kolgraph.rank.job import JobResult, RankParams, run_rank
from kolgraph.settings import Settings
from kolgraph.store import CommunityRecord, GraphArrays, Store, open_store
from kolgraph.store.gds import leiden_is_beta, require_gds
from kolgraph.synth import generate_demo

ENGINES = ("kolgraph", "gds")

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


@pytest.fixture(scope="module")
def demo_neo(neo4j_settings: Settings) -> Iterator[Store]:
    """The 3,000-account demo plus 40 followed accounts that follow nobody (dangling).

    40 posts: reposts enough to weigh in the graph, but fewer cascades than the rank job's
    engagement model needs, so the runs skip fitting a model that these tests do not compare.
    """
    st = open_store(neo4j_settings, backend="neo4j")
    st.clear()
    try:
        load_demo(st, generate_demo(3_000, seed=7, n_posts=40))
        assert st.counts().reposts > 0
        keys = st.accounts_frame()["key"].tolist()
        rng = np.random.default_rng(3)
        sinks = [Account("x", f"sink{i}") for i in range(40)]
        st.upsert_accounts(sinks)
        followers = rng.choice(len(keys), size=(40, 5))
        st.add_follows(
            [keys[j] for row in followers for j in row],
            [s.key for s, row in zip(sinks, followers, strict=True) for _ in row],
        )
        yield st
    finally:
        st.clear()
        st.close()


@dataclass(frozen=True)
class Published:
    """A rank run and what the store served right after it was published."""

    result: JobResult
    current_run_id: str | None
    scores: pd.DataFrame
    communities: list[CommunityRecord]
    total: int
    graph: GraphArrays


@pytest.fixture(scope="module")
def published(demo_neo: Store) -> dict[str, Published]:
    """One run of each engine on the same graph, the in-process engine first."""
    out = {}
    for engine in ENGINES:
        res = run_rank(demo_neo, params=RankParams(engine=engine, overlap_top_k=50))  # type: ignore[arg-type]
        comms, total = demo_neo.list_communities(limit=1000)
        run = demo_neo.current_run()
        out[engine] = Published(
            result=res,
            current_run_id=run.id if run is not None else None,
            scores=demo_neo.current_scores(),
            communities=comms,
            total=total,
            graph=demo_neo.graph_arrays(),
        )
    return out


def test_gds_exposes_leiden_as_a_production_procedure(demo_neo: Store) -> None:
    from kolgraph.store.neo4j import Neo4jStore

    assert isinstance(demo_neo, Neo4jStore)
    version = require_gds(demo_neo)
    assert version.startswith("2.")
    names = {r["name"] for r in demo_neo.query("gds/procedures", read=True, prefix="gds.")}
    assert "gds.leiden.stream" in names and "gds.pageRank.stream" in names
    assert leiden_is_beta(demo_neo) is False


def test_gds_pagerank_matches_the_same_dangling_rule(published: dict[str, Published]) -> None:
    gds = published["gds"]
    params = gds.result.params
    assert gds.result.run.params["engine"] == "gds"
    got = gds.scores["pagerank"].to_numpy(dtype=np.float64)
    edges = combine_edges(
        gds.graph,
        follow_weight=params.follow_weight,
        repost_weight=params.repost_weight,
    )
    assert edges.n == got.size
    want = pagerank_dropping_dangling(edges, damping=params.damping)
    assert got.sum() == pytest.approx(1.0)
    assert np.abs(got - want).max() <= 1e-6
    # with uniform teleport, spreading dangling rank uniformly (the in-process engine) only
    # rescales the dropped-rank solution, so after normalisation the engines agree too
    default = published["kolgraph"]
    assert default.result.run.params["engine"] == "kolgraph"
    other = default.scores["pagerank"].to_numpy(dtype=np.float64)
    assert np.abs(other - got).max() <= 1e-6


@pytest.mark.parametrize("engine", ENGINES)
def test_gds_leiden_quality_and_publishing_match_the_default_engine(
    published: dict[str, Published], engine: str
) -> None:
    pub = published[engine]
    res = pub.result
    assert res.run.params["engine"] == engine
    assert pub.current_run_id == res.run.id
    membership = pub.scores["community"].to_numpy()
    assert not np.isnan(membership.astype(float)).any()
    # labels are renumbered by size (0 = largest) and every community of 2+ is stored
    sizes = np.bincount(membership.astype(np.int64))
    assert (np.diff(sizes) <= 0).all()
    assert pub.total == int((sizes >= 2).sum())
    assert [c.community for c in pub.communities] == list(range(pub.total))
    assert [c.size for c in pub.communities] == sizes[: pub.total].tolist()
    edges = combine_edges(pub.graph)
    assert res.quality["modularity"] == pytest.approx(
        modularity(edges, membership.astype(np.int64)), abs=1e-6
    )
    quality = {e: published[e].result.quality["modularity"] for e in ENGINES}
    assert quality["gds"] == pytest.approx(quality["kolgraph"], abs=0.01)
    assert quality["gds"] > 0.2


def test_gds_engine_refuses_repost_decay(demo_neo: Store) -> None:
    with pytest.raises(InputError, match="half-life"):
        run_rank(demo_neo, params=RankParams(engine="gds", half_life_days=7.0))
