"""The Spark rank engine (``rank --engine spark``): a :class:`~kolgraph.rank.engine.RankEngine`.

The job loads the store's graph as usual (the stages that stay in process need it); the
engine starts or joins a Spark session on first use, reads the graph from its source
(:mod:`kolgraph.rank.spark.source`), checks it is the store's graph (the same accounts
and, once combined, the same weighted edge count as the job's), and computes degrees,
PageRank, communities and the audience overlap of the top accounts there. The results
come back as arrays in account order and are published by the job like every engine's.

A Spark failure inside a stage is an :class:`~kolgraph.errors.EngineError`: the run is
marked failed and the previous run stays current.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from kolgraph.errors import EngineError, InputError, KolgraphError
from kolgraph.rank.communities import CommunityResult
from kolgraph.rank.degrees import Degrees
from kolgraph.rank.graph import WeightedEdges
from kolgraph.rank.pagerank import PageRankResult
from kolgraph.rank.spark.session import (
    GRAPHFRAMES_PACKAGE,
    NEO4J_CONNECTOR_PACKAGE,
    parse_conf,
    redact_conf,
    require_pyspark,
    spark_session,
)
from kolgraph.rank.spark.source import SparkGraph, check_counts, parse_source
from kolgraph.settings import get_settings
from kolgraph.store.base import GraphArrays, Store, StoreCounts

if TYPE_CHECKING:
    import scipy.sparse as sp
    from pyspark.sql import DataFrame, SparkSession

    from kolgraph.rank.job import RankParams

__all__ = ["SparkEngine"]


class SparkEngine:
    """Degrees, PageRank, communities and overlap of one rank run on Spark.

    Parameters
    ----------
    store
        The run's store (the ``store`` and ``neo4j`` sources read it).
    params
        ``spark_master``, ``spark_conf`` and ``spark_source``; ``follow_weight``,
        ``repost_weight`` and ``half_life_days`` for the combined graph; ``damping``
        for PageRank; ``resolution`` and ``seed`` for communities.
    """

    def __init__(self, store: Store, params: RankParams) -> None:
        self.store = store
        self.params = params
        self.conf = parse_conf(params.spark_conf)
        self.source = parse_source(params.spark_source)
        self.spark: SparkSession | None = None
        self._started = False
        self._tmp: Path | None = None
        self._graph: SparkGraph | None = None
        self._edges: DataFrame | None = None
        self.level_sizes: list[int] = []

    # -- RankEngine ------------------------------------------------------------------
    def run_params(self) -> dict[str, str]:
        version = require_pyspark()
        if self.params.objective != "modularity":
            raise InputError(
                "--engine spark optimises modularity; it has no CPM objective",
                hint="drop the CPM objective, or use the default engine",
            )
        if self.source.kind == "neo4j":
            self._neo4j_settings()
        if self.source.kind == "parquet" and "://" not in self.source.path:
            from kolgraph.store.parquet import read_manifest

            c = read_manifest(Path(self.source.path)).counts
            found = StoreCounts(c["accounts"], c["follows"], c["reposts"])
            check_counts(self.source, found, self.store.counts())
        from pyspark.sql import SparkSession

        active = SparkSession.getActiveSession()  # spark-submit's, a notebook's: it wins
        return {
            "spark_version": version,
            "spark_master_used": str(active.sparkContext.master)
            if active
            else self.params.spark_master,
            "spark_packages": ",".join(self._packages()),
            "spark_conf": json.dumps(redact_conf(self.conf), sort_keys=True),
        }

    def degrees(self, arrays: GraphArrays, edges: WeightedEdges) -> Degrees:
        from kolgraph.rank.spark.degrees import spark_degrees

        graph, combined = self._load(edges)
        with self._errors("load"):
            return spark_degrees(graph, combined)

    def pagerank(self, edges: WeightedEdges) -> PageRankResult:
        from kolgraph.rank.spark.pagerank import spark_pagerank

        graph, combined = self._load(edges)
        with self._errors("pagerank"):
            return spark_pagerank(combined, graph.n, damping=self.params.damping)

    def communities(self, edges: WeightedEdges) -> CommunityResult:
        from kolgraph.rank.spark.communities import spark_communities

        graph, combined = self._load(edges)
        p = self.params
        with self._errors("communities"):
            result, self.level_sizes = spark_communities(
                combined,
                graph.n,
                resolution=p.resolution,
                seed=p.seed,
            )
        return result

    def overlap(self, audience: sp.csr_matrix, nodes: npt.NDArray[np.int64]) -> pd.DataFrame:
        from kolgraph.rank.spark.overlap import audience_pairs, spark_overlap

        assert self._graph is not None, "the engine's graph is loaded by its first stage"
        with self._errors("overlap"):
            return spark_overlap(audience_pairs(self._graph), nodes)

    def close(self) -> None:
        if self._edges is not None:
            self._edges.unpersist()
            self._edges = None
        self._graph = None
        if self.spark is not None and self._started:
            self.spark.stop()
        self.spark = None
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    # -- internals -------------------------------------------------------------------
    def _packages(self) -> list[str]:
        if self.source.kind == "neo4j":
            return [GRAPHFRAMES_PACKAGE, NEO4J_CONNECTOR_PACKAGE]
        return [GRAPHFRAMES_PACKAGE]

    def _neo4j_settings(self) -> dict[str, Any]:
        from kolgraph.store.neo4j import Neo4jStore

        if not isinstance(self.store, Neo4jStore):
            raise InputError(
                "--spark-source neo4j reads the graph from Neo4j, "
                f"but the store is {self.store.name}",
                hint="use --store neo4j, or --spark-source store",
            )
        s = get_settings()
        return {
            "url": self.store.uri,
            "user": s.neo4j_user,
            "password": s.neo4j_password.get_secret_value() if s.neo4j_password else "",
            "database": self.store.database,
        }

    def _load(self, edges: WeightedEdges) -> tuple[SparkGraph, DataFrame]:
        if self._graph is not None and self._edges is not None:
            return self._graph, self._edges
        with self._errors("load"):
            return self._read(edges)

    @contextmanager
    def _errors(self, stage: str) -> Iterator[None]:
        """Spark's errors in ``stage`` as :class:`EngineError` (kolgraph's pass through)."""
        try:
            yield
        except KolgraphError:
            raise
        except Exception as exc:  # py4j and pyspark errors share no base class
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise EngineError(
                f"Spark failed in the {stage} stage: {first[:400]}",
                hint="check --spark-source and the Spark driver log; "
                "the previous run stays current",
            ) from exc

    def _read(self, edges: WeightedEdges) -> tuple[SparkGraph, DataFrame]:
        from kolgraph.rank.spark.source import combined_edges, read_neo4j, read_parquet

        p = self.params
        self.spark, self._started = spark_session(
            p.spark_master, self.conf, packages=self._packages()
        )
        counts = self.store.counts()
        if self.source.kind == "neo4j":
            graph = read_neo4j(self.spark, expected=counts, **self._neo4j_settings())
        else:
            path = self.source.path
            if self.source.kind == "store":
                from kolgraph.store.parquet import export_parquet

                self._tmp = Path(tempfile.mkdtemp(prefix="kolgraph-spark-"))
                export_parquet(self.store, self._tmp / "graph")
                path = str(self._tmp / "graph")
            graph = read_parquet(self.spark, path, counts)
        combined = combined_edges(
            graph,
            follow_weight=p.follow_weight,
            repost_weight=p.repost_weight,
            half_life_days=p.half_life_days,
        ).localCheckpoint()
        m = combined.count()
        if graph.n != edges.n or m != edges.m:
            raise InputError(
                f"the graph Spark read ({graph.n} accounts, {m} weighted edges) is not "
                f"the store's ({edges.n}, {edges.m})",
                hint="export the store again, or use --spark-source store",
            )
        self._graph, self._edges = graph, combined
        return graph, combined
