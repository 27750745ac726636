"""Rank engines: where the rank job computes PageRank and communities.

The rank job (:mod:`kolgraph.rank.job`) hands its ``pagerank`` and ``communities``
stages to a :class:`RankEngine` chosen by ``RankParams.engine`` from :data:`ENGINES`:

``kolgraph`` (:class:`InProcessEngine`, the default)
    In this process: :func:`~kolgraph.rank.pagerank.pagerank` (the scipy power
    iteration unless ``pagerank_method`` says igraph) and
    :func:`~kolgraph.rank.communities.leiden_communities` (networkit's Leiden when
    installed, else igraph's).
``gds`` (:class:`~kolgraph.store.gds.GdsEngine`)
    Inside Neo4j by the Graph Data Science library. It lives with the Neo4j store
    (:mod:`kolgraph.store.gds`), the only place that may run Cypher; this package
    knows it through the :class:`RankEngine` interface only.
``spark`` (:class:`~kolgraph.rank.spark.engine.SparkEngine`)
    On Apache Spark (the ``[spark]`` extra): degrees, PageRank, communities and the
    audience overlap of the top accounts.

An engine is built for one run from the store and the run's parameters, so the job
can check it (:meth:`RankEngine.run_params`) before the run starts, and releases
whatever it holds (:meth:`RankEngine.close`) once its stages are done.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Protocol

import pandas as pd
import scipy.sparse as sp

from kolgraph.arrays import I64
from kolgraph.rank.communities import CommunityResult, leiden_communities
from kolgraph.rank.degrees import Degrees, degrees
from kolgraph.rank.graph import WeightedEdges
from kolgraph.rank.overlap import audience_overlap
from kolgraph.rank.pagerank import PageRankResult, pagerank
from kolgraph.store.base import GraphArrays, Store
from kolgraph.store.gds import GdsEngine

if TYPE_CHECKING:
    from kolgraph.rank.job import RankParams

__all__ = ["ENGINES", "EngineFactory", "InProcessEngine", "RankEngine"]


class RankEngine(Protocol):
    """What the rank job delegates to an engine: PageRank and communities of one graph."""

    def run_params(self) -> dict[str, str]:
        """Parameters recorded with the run beside :class:`~kolgraph.rank.job.RankParams`.

        Called before the run starts.

        Raises
        ------
        InputError
            If the engine cannot run on this store.
        """
        ...

    def degrees(self, arrays: GraphArrays, edges: WeightedEdges) -> Degrees:
        """Weighted in-degree and repost reach of every account (the ``load`` stage)."""
        ...

    def pagerank(self, edges: WeightedEdges) -> PageRankResult:
        """PageRank of ``edges`` (the job's combined follow + repost graph), summing to 1."""
        ...

    def communities(self, edges: WeightedEdges) -> CommunityResult:
        """Communities of ``edges`` numbered by size, largest first, with their modularity."""
        ...

    def overlap(self, audience: sp.csr_matrix, nodes: I64) -> pd.DataFrame:
        """Exact audience overlap among ``nodes``, the columns and order of
        :func:`~kolgraph.rank.overlap.audience_overlap` (``audience`` is its matrix)."""
        ...

    def close(self) -> None:
        """Release what the engine holds; the job calls it once its stages are done
        (and when the run fails). Calling it again does nothing."""
        ...


#: Builds the engine of one run from the store and the run's parameters.
EngineFactory = Callable[[Store, "RankParams"], RankEngine]


class InProcessEngine:
    """The default engine: PageRank and Leiden in this process.

    Parameters
    ----------
    store
        Unused: the in-process engine works on the edges the job loaded.
    params
        ``damping`` and ``pagerank_method`` for PageRank; ``objective``,
        ``resolution``, ``seed``, ``leiden_iterations`` and ``threads`` for Leiden.
    """

    def __init__(self, store: Store, params: RankParams) -> None:
        self.params = params

    def run_params(self) -> dict[str, str]:
        return {}

    def degrees(self, arrays: GraphArrays, edges: WeightedEdges) -> Degrees:
        return degrees(arrays, edges)

    def pagerank(self, edges: WeightedEdges) -> PageRankResult:
        return pagerank(edges, damping=self.params.damping, method=self.params.pagerank_method)

    def communities(self, edges: WeightedEdges) -> CommunityResult:
        p = self.params
        return leiden_communities(
            edges,
            objective=p.objective,
            resolution=p.resolution,
            seed=p.seed,
            n_iterations=p.leiden_iterations,
            threads=p.threads,
        )

    def overlap(self, audience: sp.csr_matrix, nodes: I64) -> pd.DataFrame:
        return audience_overlap(audience, nodes)

    def close(self) -> None:
        pass


def _spark_engine(store: Store, params: RankParams) -> RankEngine:
    # imported here: the Spark engine is an optional extra
    from kolgraph.rank.spark.engine import SparkEngine

    return SparkEngine(store, params)


#: The engines ``RankParams.engine`` names.
ENGINES: Mapping[str, EngineFactory] = {
    "kolgraph": InProcessEngine,
    "gds": GdsEngine,
    "spark": _spark_engine,
}
