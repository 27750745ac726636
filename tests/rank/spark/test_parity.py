"""The Spark engine against the in-process one, in local mode, on seeded graphs.

PageRank, degrees and the exact overlap equal the in-process results; communities reach
the in-process Leiden's modularity within 0.02 and its number of large communities
within 10%; a rank run on Spark publishes a run of the same shape; a Spark stage that
fails leaves the previous run current.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest

from kolgraph.demo import load_demo
from kolgraph.errors import EngineError, InputError
from kolgraph.rank.communities import leiden_communities, modularity
from kolgraph.rank.degrees import Degrees, degrees
from kolgraph.rank.graph import WeightedEdges, combine_edges, follower_matrix
from kolgraph.rank.job import RankParams, run_rank
from kolgraph.rank.overlap import audience_overlap
from kolgraph.rank.pagerank import pagerank_scipy
from kolgraph.store import SQLiteStore
from kolgraph.store.base import GraphArrays
from kolgraph.store.parquet import export_parquet
from kolgraph.synth.network import generate_demo

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

pytestmark = pytest.mark.spark


def _arrays(users: int, seed: int) -> GraphArrays:
    """A seeded demo graph with repost weights that are not all 1."""
    net = generate_demo(users, seed=seed)
    rng = np.random.default_rng(seed)
    m = net.repost_src.size
    return GraphArrays(
        n_nodes=len(net.accounts),
        follow_src=net.follow_src,
        follow_dst=net.follow_dst,
        repost_src=net.repost_src,
        repost_dst=net.repost_dst,
        repost_ts=net.repost_ts.astype(np.int64),
        repost_weight=rng.uniform(0.5, 3.0, m).astype(np.float32),
    )


def _edges_frame(spark: SparkSession, e: WeightedEdges) -> DataFrame:
    return spark.createDataFrame(
        pd.DataFrame(
            {"src": e.src.astype(np.int64), "dst": e.dst.astype(np.int64), "weight": e.weight}
        )
    )


@pytest.fixture(scope="module")
def graph() -> GraphArrays:
    return _arrays(2500, seed=11)


@pytest.fixture(scope="module")
def weighted(graph: GraphArrays) -> WeightedEdges:
    return combine_edges(graph, follow_weight=1.0, repost_weight=2.0)


def test_pagerank_equals_the_in_process_one(spark: SparkSession, weighted: WeightedEdges) -> None:
    from kolgraph.rank.spark.pagerank import spark_pagerank

    ref = pagerank_scipy(weighted, damping=0.85)
    got = spark_pagerank(_edges_frame(spark, weighted), weighted.n, damping=0.85)
    assert got.scores.shape == ref.scores.shape
    assert abs(got.scores.sum() - 1.0) < 1e-12
    assert np.abs(got.scores - ref.scores).max() <= 1e-6
    assert got.iterations == ref.iterations  # the same stopping rule


def test_pagerank_spreads_dangling_rank_and_reaches_isolated_accounts(
    spark: SparkSession,
) -> None:
    from kolgraph.rank.pagerank import pagerank_reference
    from kolgraph.rank.spark.pagerank import spark_pagerank

    # 0 -> 1 -> 2 (dangling), 3 -> 2, and 4 isolated
    rows = [(0, 1, 1.0), (1, 2, 2.0), (3, 2, 0.5), (0, 2, 1.0)]
    frame = spark.createDataFrame(rows, "src long, dst long, weight double")
    got = spark_pagerank(frame, 5, damping=0.85, tol=1e-12)
    ref = pagerank_reference(5, rows, damping=0.85, tol=1e-12)
    assert np.allclose(got.scores, np.array(ref) / sum(ref), atol=1e-9)
    assert got.scores[4] > 0


def test_degrees_equal_the_in_process_ones(spark: SparkSession, graph: GraphArrays) -> None:
    from kolgraph.rank.spark.degrees import spark_degrees
    from kolgraph.rank.spark.source import SparkGraph, combined_edges

    sg = _spark_graph(spark, graph)
    combined = combined_edges(sg, follow_weight=1.0, repost_weight=2.0)
    got = spark_degrees(sg, combined)
    ref = degrees(graph, combine_edges(graph, follow_weight=1.0, repost_weight=2.0))
    assert np.allclose(got.weighted_in, ref.weighted_in, rtol=1e-12)
    assert np.array_equal(got.repost_reach, ref.repost_reach)
    assert ref.repost_reach.sum() > 0
    back = Degrees.from_bytes(got.to_bytes())
    assert np.array_equal(back.repost_reach, got.repost_reach)
    assert isinstance(sg, SparkGraph)


def _spark_graph(spark: SparkSession, g: GraphArrays):  # type: ignore[no-untyped-def]
    from kolgraph.rank.spark.source import SparkGraph

    follows = spark.createDataFrame(
        pd.DataFrame({"src": g.follow_src.astype(np.int64), "dst": g.follow_dst.astype(np.int64)})
    )
    reposts = spark.createDataFrame(
        pd.DataFrame(
            {
                "src": g.repost_src.astype(np.int64),
                "dst": g.repost_dst.astype(np.int64),
                "weight": g.repost_weight.astype(np.float64),
                "ts": g.repost_ts,
            }
        )
    )
    return SparkGraph(g.n_nodes, follows, reposts)


def test_combined_edges_equal_the_in_process_graph_with_a_half_life(
    spark: SparkSession, graph: GraphArrays
) -> None:
    from kolgraph.rank.spark.source import combined_edges

    ref = combine_edges(graph, follow_weight=0.5, repost_weight=2.0, half_life_days=3.0)
    got = (
        combined_edges(
            _spark_graph(spark, graph), follow_weight=0.5, repost_weight=2.0, half_life_days=3.0
        )
        .toPandas()
        .sort_values(["src", "dst"])
    )
    assert len(got) == ref.m
    assert np.array_equal(got["src"].to_numpy(), ref.src)
    assert np.array_equal(got["dst"].to_numpy(), ref.dst)
    assert np.allclose(got["weight"].to_numpy(), ref.weight, rtol=1e-12)


def test_communities_reach_leiden_s_modularity(
    spark: SparkSession, weighted: WeightedEdges
) -> None:
    from kolgraph.rank.spark.communities import spark_communities

    ref = leiden_communities(weighted, seed=42, n_iterations=2)
    got, levels = spark_communities(_edges_frame(spark, weighted), weighted.n, seed=42)
    assert got.membership.shape == (weighted.n,)
    # the modularity computed on Spark is igraph's, on the same partition
    assert got.quality == pytest.approx(modularity(weighted, got.membership), abs=1e-9)
    assert got.quality >= ref.quality - 0.02
    large = 0.01 * weighted.n
    n_ref = int((ref.sizes() >= large).sum())
    n_got = int((got.sizes() >= large).sum())
    assert abs(n_got - n_ref) <= max(1, round(0.1 * n_ref))
    assert levels and levels[0] < weighted.n  # local moving coarsened the graph


def test_exact_overlap_equals_the_in_process_one(
    spark: SparkSession, graph: GraphArrays, weighted: WeightedEdges
) -> None:
    from kolgraph.rank.spark.overlap import audience_pairs, spark_overlap

    top = np.argsort(-pagerank_scipy(weighted).scores, kind="stable")[:120]
    ref = audience_overlap(follower_matrix(graph), top)
    got = spark_overlap(audience_pairs(_spark_graph(spark, graph)), top)
    assert len(ref) >= 1000
    head_ref, head_got = ref.head(1000), got.head(1000)
    assert np.array_equal(
        head_got[["a", "b", "shared"]].to_numpy(), head_ref[["a", "b", "shared"]].to_numpy()
    )
    assert np.allclose(head_got["jaccard"], head_ref["jaccard"], rtol=1e-12)
    assert len(got) == len(ref)


def test_lsh_overlap_finds_the_similar_pairs_with_exact_jaccard(
    spark: SparkSession, graph: GraphArrays, weighted: WeightedEdges
) -> None:
    from kolgraph.rank.spark.overlap import audience_pairs, spark_overlap_lsh

    top = np.argsort(-pagerank_scipy(weighted).scores, kind="stable")[:120]
    ref = audience_overlap(follower_matrix(graph), top)
    got = spark_overlap_lsh(
        audience_pairs(_spark_graph(spark, graph)), top, graph.n_nodes, min_jaccard=0.05
    )
    strong = ref[ref["jaccard"] >= 0.2]
    assert len(strong) >= 20
    key = lambda df: set(zip(df["a"], df["b"], strict=True))  # noqa: E731
    # a pair of Jaccard J is missed with probability (1 - J)^20 <= 0.8^20 ~ 1.2%
    recall = len(key(strong) & key(got)) / len(strong)
    assert recall >= 0.95
    merged = got.merge(ref, on=["a", "b"], suffixes=("", "_ref"))
    assert len(merged) == len(got)  # every pair found shares audience
    assert np.allclose(merged["jaccard"], merged["jaccard_ref"], rtol=1e-9)
    assert np.array_equal(merged["shared"], merged["shared_ref"])


@pytest.fixture
def demo_store(tmp_path: Path) -> SQLiteStore:
    st = SQLiteStore(tmp_path / "k.db")
    load_demo(st, generate_demo(1500, seed=4))
    return st


def _spark_params(**kw: object) -> RankParams:
    return RankParams(engine="spark", spark_master="local[2]", **kw)  # type: ignore[arg-type]


def test_a_spark_run_publishes_a_run_of_the_same_shape(
    spark: SparkSession, demo_store: SQLiteStore
) -> None:
    ref = run_rank(demo_store, params=RankParams())
    got = run_rank(demo_store, params=_spark_params())
    assert demo_store.current_run().id == got.run.id  # type: ignore[union-attr]
    assert got.run.params["spark_version"].startswith("3.5")
    assert set(got.counts) == set(ref.counts)
    assert got.counts["accounts"] == ref.counts["accounts"]
    assert set(got.quality) == set(ref.quality)
    assert got.quality["modularity"] >= ref.quality["modularity"] - 0.02
    a, b = demo_store.run_scores(ref.run.id), demo_store.run_scores(got.run.id)
    assert list(a.columns) == list(b.columns)
    assert np.abs(a["pagerank"].to_numpy() - b["pagerank"].to_numpy()).max() <= 1e-6
    x = Degrees.from_bytes(demo_store.run_artifact(ref.run.id, "degrees"))
    y = Degrees.from_bytes(demo_store.run_artifact(got.run.id, "degrees"))
    assert np.array_equal(x.repost_reach, y.repost_reach)
    assert np.allclose(x.weighted_in, y.weighted_in, rtol=1e-12)
    for name in ("edge_probabilities", "sketches"):
        assert demo_store.run_artifact(got.run.id, name) == demo_store.run_artifact(
            ref.run.id, name
        )
    assert got.counts["overlap_pairs"] == ref.counts["overlap_pairs"]
    assert list(got.top["index"]) == list(ref.top["index"])


def test_a_failed_spark_stage_leaves_the_previous_run_current(
    spark: SparkSession, demo_store: SQLiteStore, tmp_path: Path
) -> None:
    before = run_rank(demo_store, params=RankParams()).run.id
    export = tmp_path / "graph"
    export_parquet(demo_store, export)
    part = sorted((export / "follows").glob("*.parquet"))[0]
    part.write_bytes(b"not parquet at all" * 100)  # the manifest still matches the store
    with pytest.raises(EngineError) as err:
        run_rank(demo_store, params=_spark_params(spark_source=f"parquet:{export}"))
    assert "Spark failed" in err.value.message
    assert demo_store.current_run().id == before  # type: ignore[union-attr]
    failed = demo_store.list_runs(limit=1)[0]
    assert failed.status == "failed" and failed.id != before


def test_a_stale_parquet_source_is_refused_before_the_run_starts(
    spark: SparkSession, demo_store: SQLiteStore, tmp_path: Path
) -> None:
    from kolgraph.model import Account

    export = tmp_path / "graph"
    export_parquet(demo_store, export)
    demo_store.upsert_accounts([Account("demo", "newcomer")])
    runs = len(demo_store.list_runs())
    with pytest.raises(InputError, match="is not the store's"):
        run_rank(demo_store, params=_spark_params(spark_source=f"parquet:{export}"))
    assert len(demo_store.list_runs()) == runs


def test_spark_parameters_are_checked_and_secrets_not_recorded() -> None:
    with pytest.raises(InputError, match="KEY=VALUE"):
        _spark_params(spark_conf=("spark.executor.memory",)).check()
    with pytest.raises(InputError, match="spark-source"):
        _spark_params(spark_source="hdfs").check()
    rec = _spark_params(
        spark_conf=("spark.hadoop.fs.s3a.secret.key=abc", "spark.executor.memory=8g")
    ).recorded()
    assert rec["spark_conf"] == ["spark.hadoop.fs.s3a.secret.key=***", "spark.executor.memory=8g"]
