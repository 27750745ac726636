"""Weighted PageRank by power iteration on Spark DataFrames.

GraphFrames' own ``pageRank`` is GraphX's: unweighted, and with its own dangling-node
handling. The rank job's PageRank is weighted and spreads the rank of dangling accounts
over all accounts, so this module runs that iteration itself, as the joins and
aggregations GraphFrames' ``aggregateMessages`` is made of.
"""

from __future__ import annotations

import numpy as np
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from kolgraph.errors import ConvergenceError
from kolgraph.rank.pagerank import PageRankResult
from kolgraph.rank.spark.scratch import Scratch, scratch_for

__all__ = ["spark_pagerank"]


def spark_pagerank(
    edges: DataFrame,
    n: int,
    *,
    damping: float = 0.85,
    tol: float = 1e-10,
    max_iter: int = 1000,
    scratch: Scratch | None = None,
) -> PageRankResult:
    r"""PageRank of a weighted edge DataFrame on ``n`` nodes, by power iteration.

    Parameters
    ----------
    edges
        Columns ``src, dst, weight`` (node ids in ``[0, n)``, one row per pair,
        weights positive), as :func:`kolgraph.rank.spark.source.combined_edges` gives.
    n
        Number of nodes; nodes without edges take part (they receive the teleport).
    damping
        :math:`d`, the probability of following an edge.
    tol
        Stops when the L1 change between iterates is below ``n * tol`` (the
        in-process engine's criterion, networkx's).
    max_iter
        At most this many iterations.
    scratch
        Where each iteration's ranks are written (a temporary local one if None).

    Returns
    -------
    PageRankResult
        Scores in node order, summing to 1, method ``"spark"``.

    Notes
    -----
    With :math:`s_u = \sum_v w_{uv}` and :math:`D` the dangling nodes
    (:math:`s_u = 0`),

    .. math::
        x'_v = d \sum_{u \to v} \frac{w_{uv}}{s_u} x_u
               + \frac{(1 - d) + d \sum_{u \in D} x_u}{n}

    the rule of :func:`kolgraph.rank.pagerank.pagerank_scipy`. Each iteration is one
    join of the transition table with the ranks, one aggregation by target and one
    pass for the residual and the dangling mass; the ranks are written to ``scratch``
    every iteration (:mod:`kolgraph.rank.spark.scratch` says why).

    Raises
    ------
    ConvergenceError
        If the residual is still above ``n * tol`` after ``max_iter`` iterations.
    """
    if n == 0:
        return PageRankResult(np.zeros(0), 0, 0.0, "spark")
    with scratch_for(edges.sparkSession, scratch) as work:
        return _power_iteration(edges, n, damping, tol, max_iter, work)


def _power_iteration(
    edges: DataFrame, n: int, damping: float, tol: float, max_iter: int, work: Scratch
) -> PageRankResult:
    spark = edges.sparkSession
    strength = edges.groupBy("src").agg(F.sum("weight").alias("s"))
    trans = (
        edges.join(strength, "src")
        .select("src", "dst", (F.col("weight") / F.col("s")).alias("p"))
        .repartition("src")
        .cache()
    )
    has_out = strength.select(F.col("src").alias("v"), F.lit(False).alias("dangling"))
    x = (
        spark.range(n)
        .withColumnRenamed("id", "v")
        .join(has_out, "v", "left")
        .select("v", F.coalesce("dangling", F.lit(True)).alias("dangling"))
        .withColumn("x", F.lit(1.0 / n))
    )
    x = work.save(x, "pagerank")
    first = x.agg(F.sum(F.when(F.col("dangling"), F.col("x")).otherwise(0.0))).first()
    dangling_mass = float(first[0] or 0.0) if first is not None else 0.0
    residual = float("inf")
    try:
        for it in range(1, max_iter + 1):
            contrib = (
                trans.join(x.select(F.col("v").alias("src"), "x"), "src")
                .groupBy("dst")
                .agg(F.sum(F.col("p") * F.col("x")).alias("c"))
            )
            teleport = ((1.0 - damping) + damping * dangling_mass) / n
            new = x.join(contrib, x["v"] == contrib["dst"], "left").select(
                "v",
                "dangling",
                (F.lit(damping) * F.coalesce("c", F.lit(0.0)) + F.lit(teleport)).alias("x"),
                F.col("x").alias("old"),
            )
            new = work.save(new, "pagerank")
            stats = new.agg(
                F.sum(F.abs(F.col("x") - F.col("old"))),
                F.sum(F.when(F.col("dangling"), F.col("x")).otherwise(0.0)),
            ).first()
            assert stats is not None
            residual, dangling_mass = float(stats[0]), float(stats[1] or 0.0)
            x = new.select("v", "dangling", "x")
            if residual < n * tol:
                rows = x.select("v", "x").toPandas()
                scores = np.zeros(n)
                scores[rows["v"].to_numpy(dtype=np.int64)] = rows["x"].to_numpy(np.float64)
                return PageRankResult(scores / scores.sum(), it, residual, "spark")
    finally:
        trans.unpersist()
    raise ConvergenceError(
        f"PageRank did not converge in {max_iter} iterations (residual {residual:.3g})",
        iterations=max_iter,
        residual=residual,
    )
