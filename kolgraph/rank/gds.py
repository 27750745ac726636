"""The GDS engine: PageRank and Leiden computed inside Neo4j by Graph Data Science.

``kolgraph rank --engine gds`` projects the combined follow + repost graph into the GDS
catalog (the same weights as the default engine), streams PageRank scores and Leiden
communities back by account ``idx`` and hands them to the normal publish path, so the
stored properties, run metadata and atomic publish are the same for both engines.

Differences from the default engine, by design of GDS: PageRank drops the rank of dangling
accounts instead of spreading it over all accounts. With a uniform teleport that only rescales
the solution, so once renormalized to sum to 1 (as here) the scores equal the default
engine's to GDS's tolerance (measured: at most 1e-6 apart, ``tests/rank/test_gds.py``).
Leiden is GDS's implementation (``gds.leiden`` from GDS 2.5, ``gds.beta.leiden`` before;
modularity, ``gamma`` = resolution, seeded with ``concurrency`` 1 so a seed gives one
answer). Repost time decay (``--half-life``) is not applied by the projection, so the job
refuses it with this engine.
"""

from __future__ import annotations

import contextlib
import secrets
from typing import Any

import numpy as np
import numpy.typing as npt

from kolgraph.errors import InputError, StoreError
from kolgraph.store.base import Store

__all__ = ["GdsSession", "gds_communities", "gds_pagerank", "leiden_is_beta", "require_gds"]


def _neo4j_store(store: Store) -> Any:
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


class GdsSession:
    """Project the graph twice (directed for PageRank, undirected for Leiden); drop on exit."""

    def __init__(self, store: Store, *, n: int, follow_weight: float, repost_weight: float) -> None:
        self.store = _neo4j_store(store)
        self.n = n
        self.tag = secrets.token_hex(4)
        self.directed = f"kolgraph-{self.tag}-directed"
        self.undirected = f"kolgraph-{self.tag}-undirected"
        self.weights = {"follow_weight": follow_weight, "repost_weight": repost_weight}

    def __enter__(self) -> GdsSession:
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
                    n=self.n,
                    follow_weight=self.weights["follow_weight"],
                    repost_weight=self.weights["repost_weight"],
                )
        except BaseException:
            self.__exit__()  # drop whatever was projected before the failure
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        for name in (self.directed, self.undirected):
            with contextlib.suppress(Exception):  # never mask the real error
                self.store.query("gds/drop", graph=name)


def _dense(n: int, rows: list[dict[str, Any]], key: str, dtype: Any) -> npt.NDArray[Any]:
    out = np.zeros(n, dtype=dtype)
    idx = np.fromiter((r["idx"] for r in rows), dtype=np.int64, count=len(rows))
    val = np.fromiter((r[key] for r in rows), dtype=dtype, count=len(rows))
    out[idx] = val
    return out


def gds_pagerank(
    session: GdsSession, n: int, *, damping: float, tol: float = 1e-7, max_iter: int = 100
) -> npt.NDArray[np.float64]:
    """PageRank scores by idx (normalized to sum to 1)."""
    rows = session.store.query(
        "gds/pagerank",
        graph=session.directed,
        config={
            "dampingFactor": damping,
            "maxIterations": max_iter,
            "tolerance": tol,
            "relationshipWeightProperty": "weight",
        },
    )
    scores = _dense(n, rows, "score", np.float64)
    total = scores.sum()
    return scores / total if total > 0 else np.full(n, 1.0 / max(n, 1))


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


def gds_communities(
    session: GdsSession, n: int, *, resolution: float, seed: int
) -> npt.NDArray[np.int64]:
    """Leiden community per idx (GDS ids, not yet renumbered)."""
    config = {
        "relationshipWeightProperty": "weight",
        "gamma": resolution,
        "randomSeed": seed,
        "concurrency": 1,
    }
    if leiden_is_beta(session.store):
        rows = session.store.query("gds/leiden_beta", graph=session.undirected, config=config)
    else:
        rows = session.store.query("gds/leiden", graph=session.undirected, config=config)
    return _dense(n, rows, "community", np.int64)
