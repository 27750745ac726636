"""Audience overlap of the top accounts on Spark: an exact join, or MinHash LSH beyond it."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from kolgraph.rank.spark.source import SparkGraph

__all__ = ["audience_pairs", "spark_overlap", "spark_overlap_lsh"]

_COLUMNS = ["a", "b", "shared", "jaccard", "overlap"]


def audience_pairs(graph: SparkGraph) -> DataFrame:
    """``v, u`` once per account ``u`` in the audience of ``v``.

    The audience of :func:`kolgraph.rank.graph.follower_matrix`: followers, and everyone
    who reposted, mentioned or replied to ``v``; nobody is in their own audience.
    """
    pairs = graph.follows.select(F.col("dst").alias("v"), F.col("src").alias("u")).unionByName(
        graph.reposts.select(F.col("dst").alias("v"), F.col("src").alias("u"))
    )
    return pairs.where(F.col("u") != F.col("v")).distinct()


def _frame(pairs: pd.DataFrame, sizes: dict[int, int]) -> pd.DataFrame:
    if not len(pairs):
        return pd.DataFrame({c: [] for c in _COLUMNS})
    a = pairs["a"].to_numpy(np.int64)
    b = pairs["b"].to_numpy(np.int64)
    s = pairs["shared"].to_numpy(np.int64)
    sa = np.array([sizes[int(x)] for x in a], dtype=np.int64)
    sb = np.array([sizes[int(x)] for x in b], dtype=np.int64)
    df = pd.DataFrame(
        {
            "a": a,
            "b": b,
            "shared": s,
            "jaccard": s / (sa + sb - s),
            "overlap": s / np.minimum(sa, sb),
        }
    )
    return df.sort_values(["jaccard", "a", "b"], ascending=[False, True, True], ignore_index=True)


def _top(audience: DataFrame, nodes: npt.NDArray[np.int64]) -> tuple[DataFrame, dict[int, int]]:
    spark = audience.sparkSession
    top = spark.createDataFrame(pd.DataFrame({"v": nodes.astype(np.int64)}))
    rows = audience.join(F.broadcast(top), "v").cache()
    counts = rows.groupBy("v").count().toPandas()
    sizes = dict(zip(counts["v"].astype(int), counts["count"].astype(int), strict=True))
    return rows, sizes


def spark_overlap(audience: DataFrame, nodes: npt.ArrayLike) -> pd.DataFrame:
    r"""Exact audience overlap among ``nodes``, by a self-join of the audience on its members.

    The result of :func:`kolgraph.rank.overlap.audience_overlap`: one row per pair
    ``a < b`` sharing at least one audience member, with ``shared``
    (:math:`|N_a \cap N_b|`), ``jaccard`` and ``overlap``, sorted by Jaccard.
    Its cost is :math:`\sum_u d_u^2` over audience members :math:`u`, with
    :math:`d_u` how many of ``nodes`` :math:`u` is in the audience of: fine for a
    few thousand top accounts.

    Parameters
    ----------
    audience
        ``v, u`` pairs (:func:`audience_pairs`).
    nodes
        The accounts to compare (distinct).
    """
    idx = np.asarray(nodes, dtype=np.int64)
    if idx.size < 2:
        return pd.DataFrame({c: [] for c in _COLUMNS})
    rows, sizes = _top(audience, idx)
    left = rows.select(F.col("v").alias("a"), "u")
    right = rows.select(F.col("v").alias("b"), "u")
    pairs = (
        left.join(right, "u")
        .where(F.col("a") < F.col("b"))
        .groupBy("a", "b")
        .agg(F.count("*").alias("shared"))
        .toPandas()
    )
    rows.unpersist()
    return _frame(pairs, sizes)


def spark_overlap_lsh(
    audience: DataFrame,
    nodes: npt.ArrayLike,
    n: int,
    *,
    min_jaccard: float = 0.01,
    hash_tables: int = 20,
    seed: int = 42,
) -> pd.DataFrame:
    r"""Audience overlap among ``nodes`` by Spark ML's ``MinHashLSH.approxSimilarityJoin``.

    For more top accounts than the exact join (:func:`spark_overlap`) serves: each
    account's audience is a sparse binary vector, MinHash LSH with ``hash_tables``
    tables proposes the pairs likely to have Jaccard at least ``min_jaccard``, and the
    join computes their Jaccard exactly. So every pair returned is exact (``shared``
    follows from the Jaccard and the two sizes); the error is the pairs it misses, a
    pair of Jaccard :math:`J` being found with probability :math:`1 - (1 - J)^{T}` for
    :math:`T` tables (one MinHash per table). ``bench/spark.py`` measures the recall
    of the top pairs against the exact join.
    """
    from pyspark.ml.feature import CountVectorizer, MinHashLSH

    idx = np.asarray(nodes, dtype=np.int64)
    if idx.size < 2:
        return pd.DataFrame({c: [] for c in _COLUMNS})
    rows, sizes = _top(audience, idx)
    members = rows.groupBy("v").agg(F.collect_list(F.col("u").cast("string")).alias("m"))
    # binary sparse vectors, built in the JVM (one column per audience member)
    vectorizer = CountVectorizer(
        inputCol="m", outputCol="features", binary=True, vocabSize=max(n, 1)
    )
    vectors = vectorizer.fit(members).transform(members).select("v", "features")
    model = MinHashLSH(
        inputCol="features", outputCol="hashes", numHashTables=hash_tables, seed=seed
    )
    fitted = model.fit(vectors)
    joined = fitted.approxSimilarityJoin(vectors, vectors, 1.0 - min_jaccard, distCol="d")
    pairs = (
        joined.select(
            F.col("datasetA.v").alias("a"),
            F.col("datasetB.v").alias("b"),
            (1.0 - F.col("d")).alias("j"),
        )
        .where(F.col("a") < F.col("b"))
        .toPandas()
    )
    rows.unpersist()
    if not len(pairs):
        return pd.DataFrame({c: [] for c in _COLUMNS})
    sa = np.array([sizes[int(x)] for x in pairs["a"]], dtype=np.float64)
    sb = np.array([sizes[int(x)] for x in pairs["b"]], dtype=np.float64)
    j = pairs["j"].to_numpy(np.float64)
    pairs["shared"] = np.rint(j * (sa + sb) / (1.0 + j)).astype(np.int64)
    return _frame(pairs[["a", "b", "shared"]], sizes)
