"""The GDS rank engine: PageRank and Leiden computed inside Neo4j by Graph Data Science.

``kolgraph rank --engine gds`` builds a :class:`GdsEngine` for the run. It projects the
combined follow + repost graph into the GDS catalog (the same weights as the default
engine), streams PageRank scores and Leiden communities back by account ``idx`` and hands
them to the rank job, so the stored properties, run metadata and atomic publish are the
same for both engines. It implements :class:`kolgraph.rank.engine.RankEngine` and lives
here, with the Neo4j store, because it runs Cypher (``cypher/gds/``).

Differences from the default engine, by design of GDS: PageRank drops the rank of dangling
accounts instead of spreading it over all accounts. With a uniform teleport that only rescales
the solution, so once renormalized to sum to 1 (as here) the scores equal the default
engine's to GDS's tolerance (measured: at most 1e-6 apart, ``tests/store/test_gds.py``).
Leiden is GDS's implementation (``gds.leiden`` from GDS 2.5, ``gds.beta.leiden`` before;
modularity, ``gamma`` = resolution, seeded with ``concurrency`` 1 so a seed gives one
answer); its partition is numbered by size and scored with
:func:`kolgraph.rank.communities.modularity` like any other. Repost time decay
(``--half-life``) is not applied by the projection, so the job refuses it with this engine.
"""

from __future__ import annotations

import contextlib
import secrets
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from kolgraph.arrays import I64
from kolgraph.errors import InputError, StoreError
from kolgraph.rank.communities import CommunityResult, modularity, relabel_by_size
from kolgraph.rank.degrees import Degrees, degrees
from kolgraph.rank.overlap import audience_overlap
from kolgraph.rank.pagerank import PageRankResult
from kolgraph.store.base import GraphArrays, Store

if TYPE_CHECKING:
    import pandas as pd
    import scipy.sparse as sp

    from kolgraph.rank.graph import WeightedEdges
    from kolgraph.rank.job import RankParams
    from kolgraph.store.neo4j import Neo4jStore

__all__ = ["GdsEngine", "leiden_is_beta", "require_gds"]


def _neo4j_store(store: Store) -> Neo4jStore:
    from kolgraph.store.neo4j import Neo4jStore

    if not isinstance(store, Neo4jStore):
        raise InputError(
            f"--engine gds runs inside Neo4j, but the store is {store.name}",
            hint="use --store neo4j (KOLGRAPH_STORE=neo4j), or the default engine",
        )
    return store


def require_gds(store: Store) -> str:
    """The GDS version installed in the store's Neo4j; a clear error when there is none."""
    import neo4j

    st = _neo4j_store(store)
    try:
        return str(st.query("gds/version", read=True)[0]["version"])
    except StoreError as exc:
        # an unknown function is reported by the server as a syntax / client error
        if not isinstance(exc.__cause__, neo4j.exceptions.ClientError):
            raise
        raise InputError(
            "the Neo4j Graph Data Science plugin is not installed in this database "
            f"({exc.message})",
            hint="install GDS (docker-compose.yml does: NEO4J_PLUGINS includes "
            "graph-data-science) or run `kolgraph rank` with the default engine",
        ) from exc


def leiden_is_beta(store: Store) -> bool:
    """Whether this server's Leiden is ``gds.beta.leiden`` (GDS before 2.5) or ``gds.leiden``.

    Raises :class:`InputError` when the server has neither.
    """
    rows = _neo4j_store(store).query("gds/procedures", read=True, prefix="gds.")
    names = {r["name"] for r in rows}
    if "gds.leiden.stream" in names:
        return False
    if "gds.beta.leiden.stream" in names:
        return True
    raise InputError(
        "this Graph Data Science installation has no Leiden procedure",
        hint="install GDS 2.x (2.5 or newer names it gds.leiden), or use the default engine",
    )


def _dense(n: int, rows: list[dict[str, Any]], key: str, dtype: type[Any]) -> npt.NDArray[Any]:
    out = np.zeros(n, dtype=dtype)
    idx = np.fromiter((r["idx"] for r in rows), dtype=np.int64, count=len(rows))
    val = np.fromiter((r[key] for r in rows), dtype=dtype, count=len(rows))
    out[idx] = val
    return out


class GdsEngine:
    """PageRank and Leiden in GDS on two projections of the store's graph.

    The graph is projected twice (directed for PageRank, undirected for Leiden) on the
    first call that needs it, and both projections are dropped by :meth:`close`.

    Parameters
    ----------
    store
        A :class:`~kolgraph.store.neo4j.Neo4jStore` with the GDS plugin.
    params
        ``follow_weight`` and ``repost_weight`` for the projection, ``damping`` for
        PageRank, ``resolution`` and ``seed`` for Leiden.

    Raises
    ------
    InputError
        If ``store`` is not a Neo4j store.
    """

    def __init__(self, store: Store, params: RankParams) -> None:
        self.store = _neo4j_store(store)
        self.params = params
        self.tag = secrets.token_hex(4)
        self.directed = f"kolgraph-{self.tag}-directed"
        self.undirected = f"kolgraph-{self.tag}-undirected"
        self._projected: int | None = None  # accounts projected, once projecting started

    def run_params(self) -> dict[str, str]:
        return {"gds_version": require_gds(self.store)}

    def _project(self, n: int) -> None:
        if self._projected is not None:
            return
        self._projected = n
        try:
            for name, config in (
                (self.directed, {}),
                (self.undirected, {"undirectedRelationshipTypes": ["*"]}),
            ):
                self.store.query(
                    "gds/project",
                    graph=name,
                    config=config,
                    follow_type="FOLLOWS",
                    n=n,
                    follow_weight=self.params.follow_weight,
                    repost_weight=self.params.repost_weight,
                )
        except BaseException:
            self.close()  # drop whatever was projected before the failure
            raise

    def degrees(self, arrays: GraphArrays, edges: WeightedEdges) -> Degrees:
        """In process, from the edges the job loaded (:func:`kolgraph.rank.degrees.degrees`)."""
        return degrees(arrays, edges)

    def pagerank(
        self, edges: WeightedEdges, *, tol: float = 1e-7, max_iter: int = 100
    ) -> PageRankResult:
        """PageRank by idx, normalized to sum to 1 (GDS drops dangling rank)."""
        n = edges.n
        self._project(n)
        rows = self.store.query(
            "gds/pagerank",
            graph=self.directed,
            config={
                "dampingFactor": self.params.damping,
                "maxIterations": max_iter,
                "tolerance": tol,
                "relationshipWeightProperty": "weight",
            },
        )
        scores = _dense(n, rows, "score", np.float64)
        total = scores.sum()
        scores = scores / total if total > 0 else np.full(n, 1.0 / max(n, 1))
        return PageRankResult(scores, 0, 0.0, "gds")

    def communities(self, edges: WeightedEdges) -> CommunityResult:
        """GDS Leiden communities numbered by size, scored by
        :func:`~kolgraph.rank.communities.modularity` on ``edges``."""
        n = edges.n
        self._project(n)
        p = self.params
        config = {
            "relationshipWeightProperty": "weight",
            "gamma": p.resolution,
            "randomSeed": p.seed,
            "concurrency": 1,
        }
        if leiden_is_beta(self.store):
            rows = self.store.query("gds/leiden_beta", graph=self.undirected, config=config)
        else:
            rows = self.store.query("gds/leiden", graph=self.undirected, config=config)
        membership = relabel_by_size(_dense(n, rows, "community", np.int64))
        return CommunityResult(
            membership,
            modularity(edges, membership, resolution=p.resolution),
            "modularity",
            p.resolution,
            p.seed,
        )

    def overlap(self, audience: sp.csr_matrix, nodes: I64) -> pd.DataFrame:
        """In process (:func:`kolgraph.rank.overlap.audience_overlap`)."""
        return audience_overlap(audience, nodes)

    def close(self) -> None:
        """Drop the projections, if any (never masking the error that made the job stop)."""
        if self._projected is None:
            return
        for name in (self.directed, self.undirected):
            with contextlib.suppress(Exception):
                self.store.query("gds/drop", graph=name)
        self._projected = None
