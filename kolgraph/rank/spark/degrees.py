"""Weighted in-degree and repost reach of every account, on Spark."""

from __future__ import annotations

import numpy as np
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from kolgraph.rank.degrees import Degrees
from kolgraph.rank.spark.source import SparkGraph

__all__ = ["spark_degrees"]


def spark_degrees(graph: SparkGraph, edges: DataFrame) -> Degrees:
    """:class:`~kolgraph.rank.degrees.Degrees` of ``graph`` (its rules), computed on Spark.

    Parameters
    ----------
    graph
        The follows and reposts.
    edges
        The combined weighted edges (``src, dst, weight``).
    """
    n = graph.n
    win = edges.groupBy("dst").agg(F.sum("weight").alias("x")).toPandas()
    reach = (
        graph.reposts.where(F.col("src") != F.col("dst"))
        .select("src", "dst")
        .distinct()
        .groupBy("dst")
        .count()
        .toPandas()
    )
    weighted_in = np.zeros(n)
    weighted_in[win["dst"].to_numpy(np.int64)] = win["x"].to_numpy(np.float64)
    repost_reach = np.zeros(n, dtype=np.int64)
    repost_reach[reach["dst"].to_numpy(np.int64)] = reach["count"].to_numpy(np.int64)
    return Degrees(weighted_in, repost_reach)
