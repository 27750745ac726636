"""The graph a Spark rank run reads: follow and repost edges as Spark DataFrames.

Three sources, named by ``--spark-source``:

``store`` (default)
    The run's own store, exported to a temporary Parquet directory
    (:func:`kolgraph.store.parquet.export_parquet`) that the Spark driver and local
    executors read. For a cluster, export once to shared storage and use ``parquet:``.
``parquet:DIR``
    A ``kolgraph export parquet`` directory (or URL Spark can read, such as
    ``s3a://bucket/graph``) whose manifest the driver can read. Its counts must match
    the store's: a run publishes results for the store's accounts.
``neo4j``
    The store's Neo4j through the Neo4j Connector for Apache Spark, running
    ``cypher/spark/*.cypher``.

:func:`combined_edges` merges follows and reposts into the one weighted graph of
:func:`kolgraph.rank.graph.combine_edges`, on Spark.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kolgraph.errors import InputError
from kolgraph.store import cypher
from kolgraph.store.base import StoreCounts

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["SparkGraph", "SparkSource", "combined_edges", "parquet_edges", "parse_source"]


@dataclass(frozen=True)
class SparkSource:
    """Where a Spark run reads its graph: ``kind`` is ``store``, ``parquet`` or ``neo4j``."""

    kind: str
    path: str = ""

    def __str__(self) -> str:
        return f"parquet:{self.path}" if self.kind == "parquet" else self.kind


def parse_source(text: str) -> SparkSource:
    """``--spark-source`` as a :class:`SparkSource`.

    Raises
    ------
    InputError
        If ``text`` is none of ``store``, ``neo4j``, ``parquet:DIR``.
    """
    if text in ("store", "neo4j"):
        return SparkSource(text)
    if text.startswith("parquet:") and len(text) > len("parquet:"):
        return SparkSource("parquet", text[len("parquet:") :])
    raise InputError(
        f"--spark-source {text!r} is not a graph source",
        hint="use store (default), neo4j, or parquet:DIR (a `kolgraph export parquet` DIR)",
    )


@dataclass
class SparkGraph:
    """The graph on Spark: ``n`` accounts (``idx`` 0..n-1) and their edges.

    ``follows`` has ``src, dst`` (follower, followed); ``reposts`` has ``src, dst,
    weight, ts`` (who reposted, whose post).
    """

    n: int
    follows: DataFrame
    reposts: DataFrame


def _local_manifest_dir(path: str) -> Path | None:
    if "://" in path and not path.startswith("file://"):
        return None
    return Path(path.removeprefix("file://"))


def check_counts(source: SparkSource, found: StoreCounts, expected: StoreCounts) -> None:
    """Raise :class:`InputError` unless a source holds the store's graph."""
    if found != expected:
        raise InputError(
            f"the graph at {source} ({found.accounts} accounts, {found.follows} follows, "
            f"{found.reposts} reposts) is not the store's ({expected.accounts}, "
            f"{expected.follows}, {expected.reposts})",
            hint="export it again (kolgraph export parquet DIR --overwrite), "
            "or use --spark-source store",
        )


def parquet_edges(spark: SparkSession, base: str) -> tuple[DataFrame, DataFrame]:
    """The ``follows`` and ``reposts`` tables under ``base`` (the export layout), typed."""
    from pyspark.sql import functions as F

    follows = spark.read.parquet(f"{base}/follows").select(
        F.col("src").cast("long"), F.col("dst").cast("long")
    )
    reposts = spark.read.parquet(f"{base}/reposts").select(
        F.col("src").cast("long"),
        F.col("dst").cast("long"),
        F.col("weight").cast("double"),
        F.col("ts").cast("long"),
    )
    return follows, reposts


def read_parquet(spark: SparkSession, path: str, expected: StoreCounts) -> SparkGraph:
    """The graph of a ``kolgraph export parquet`` directory, checked against the store.

    A local directory's manifest is checked before Spark reads it; a remote URL's
    counts are checked on the data Spark reads.
    """
    local = _local_manifest_dir(path)
    if local is not None:
        from kolgraph.store.parquet import read_manifest

        manifest = read_manifest(local)
        c = manifest.counts
        src = SparkSource("parquet", path)
        check_counts(src, StoreCounts(c["accounts"], c["follows"], c["reposts"]), expected)
        base = str(local.resolve())
    else:
        base = path.rstrip("/")
    follows, reposts = parquet_edges(spark, base)
    if local is None:
        n = spark.read.parquet(f"{base}/accounts").count()
        check_counts(
            SparkSource("parquet", path),
            StoreCounts(n, follows.count(), reposts.count()),
            expected,
        )
    return SparkGraph(expected.accounts, follows, reposts)


def read_neo4j(
    spark: SparkSession,
    *,
    url: str,
    user: str | None,
    password: str,
    database: str,
    expected: StoreCounts,
) -> SparkGraph:
    """The graph of the store's Neo4j, read by the Neo4j Connector for Apache Spark
    (basic authentication when ``user`` is given, none otherwise)."""

    def query(name: str) -> DataFrame:
        reader = spark.read.format("org.neo4j.spark.DataSource").option("url", url)
        if user:
            reader = (
                reader.option("authentication.type", "basic")
                .option("authentication.basic.username", user)
                .option("authentication.basic.password", password)
            )
        else:
            reader = reader.option("authentication.type", "none")
        return reader.option("database", database).option("query", cypher.load(name)).load()

    follows = query("spark/follows").selectExpr("CAST(src AS LONG) src", "CAST(dst AS LONG) dst")
    reposts = query("spark/reposts").selectExpr(
        "CAST(src AS LONG) src",
        "CAST(dst AS LONG) dst",
        "CAST(weight AS DOUBLE) weight",
        "CAST(ts AS LONG) ts",
    )
    follows, reposts = follows.cache(), reposts.cache()
    found = StoreCounts(expected.accounts, follows.count(), reposts.count())
    check_counts(SparkSource("neo4j"), found, expected)
    return SparkGraph(expected.accounts, follows, reposts)


def combined_edges(
    graph: SparkGraph,
    *,
    follow_weight: float,
    repost_weight: float,
    half_life_days: float | None = None,
) -> DataFrame:
    """Follows and reposts summed into one weighted edge per ``(src, dst)`` pair.

    The rule of :func:`kolgraph.rank.graph.combine_edges`: a follow adds
    ``follow_weight``; a repost adds ``repost_weight × weight``, times
    :math:`2^{-\\mathrm{age}/h}` with ``age`` counted in days back from the newest
    repost when ``half_life_days`` is ``h``; pairs whose sum is not positive are left out.
    Columns ``src, dst, weight``.
    """
    from pyspark.sql import functions as F

    rw = F.col("weight") * F.lit(repost_weight)
    if half_life_days is not None:
        newest = graph.reposts.agg(F.max("ts")).first()
        ref = int(newest[0]) if newest is not None and newest[0] is not None else 0
        age = F.greatest(F.lit(ref) - F.col("ts"), F.lit(0)) / F.lit(86_400.0)
        rw = rw * F.exp(-age / F.lit(half_life_days) * F.lit(math.log(2.0)))
    parts = graph.follows.select("src", "dst", F.lit(float(follow_weight)).alias("w")).unionByName(
        graph.reposts.select("src", "dst", rw.alias("w"))
    )
    return parts.where(F.col("w") > 0).groupBy("src", "dst").agg(F.sum("w").alias("weight"))
