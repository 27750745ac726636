"""The Spark engine reading the graph straight from Neo4j (the Neo4j Connector for Spark)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pytest

from kolgraph.demo import load_demo
from kolgraph.rank.job import RankParams, run_rank
from kolgraph.store.base import Store
from kolgraph.synth.network import generate_demo

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytestmark = [pytest.mark.neo4j, pytest.mark.spark]


def test_a_spark_run_reads_neo4j_and_matches_the_in_process_run(
    spark: SparkSession, neo4j_store: Store
) -> None:
    load_demo(neo4j_store, generate_demo(400, seed=9))
    ref = run_rank(neo4j_store, params=RankParams())
    got = run_rank(
        neo4j_store,
        params=RankParams(engine="spark", spark_master="local[2]", spark_source="neo4j"),
    )
    assert got.run.params["spark_source"] == "neo4j"
    assert neo4j_store.current_run().id == got.run.id  # type: ignore[union-attr]
    a, b = neo4j_store.run_scores(ref.run.id), neo4j_store.run_scores(got.run.id)
    assert np.abs(a["pagerank"].to_numpy() - b["pagerank"].to_numpy()).max() <= 1e-6
    assert got.counts["overlap_pairs"] == ref.counts["overlap_pairs"]
