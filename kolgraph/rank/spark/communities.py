"""Communities on Spark: Louvain's local moving on the cluster, then on the coarse graph.

GraphFrames (0.11) offers label propagation but neither Louvain nor Leiden, and label
propagation collapses the kolgraph demo graphs (hubs followed across communities) into
one label: modularity 0 where Leiden finds 0.53-0.58. The engine therefore runs
modularity optimisation itself, on DataFrames:

1. **Local moving** (Louvain's first phase, in parallel): every account starts alone;
   each round every account computes the modularity gain of joining each neighbouring
   community and a random half of them (a hash of the account, the round and the seed)
   move to their best one, so neighbours do not swap back and forth. Rounds repeat
   until fewer than 0.1% of the nodes move.
2. **Coarsening**: one node per community, weights summed, the weight inside a
   community kept as a self-loop (modularity is unchanged by it). Levels 1-2 repeat on
   Spark while the coarse graph has more than ``driver_nodes`` nodes.
3. **Louvain** on the coarse graph in the driver (igraph's multilevel, which counts
   self-loops right: its Leiden does not, see :func:`_louvain`), merging communities
   where modularity rises.
4. The partition is mapped back to the accounts, numbered by size, and its modularity
   computed on Spark over the full graph (:func:`spark_modularity`).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.window import Window

from kolgraph.rank.communities import CommunityResult, relabel_by_size
from kolgraph.rank.spark.scratch import Scratch, scratch_for

__all__ = ["local_moving", "spark_communities", "spark_modularity", "undirected"]


def undirected(edges: DataFrame) -> DataFrame:
    """``src, dst, weight`` as ``lo, hi, w``: ``u → v`` and ``v → u`` summed into one row."""
    return (
        edges.select(
            F.least("src", "dst").alias("lo"), F.greatest("src", "dst").alias("hi"), "weight"
        )
        .groupBy("lo", "hi")
        .agg(F.sum("weight").alias("w"))
    )


def _degrees(und: DataFrame) -> DataFrame:
    """``v, k``: weighted degree, a self-loop counted twice (igraph's convention)."""
    ends = und.select(F.col("lo").alias("v"), "w").unionByName(
        und.select(F.col("hi").alias("v"), "w")
    )
    return ends.groupBy("v").agg(F.sum("w").alias("k"))


def spark_modularity(edges: DataFrame, labels: DataFrame, *, resolution: float = 1.0) -> float:
    r"""Newman modularity of a partition of the undirected weighted graph, on Spark.

    .. math::
        Q = \sum_c \left[\frac{e_c}{m} - \gamma \left(\frac{K_c}{2m}\right)^2\right]

    with :math:`e_c` the weight inside community :math:`c`, :math:`K_c` the summed
    weighted degree of its nodes and :math:`m` the total weight after ``u → v`` and
    ``v → u`` merge, as :func:`kolgraph.rank.communities.modularity` computes with
    igraph. ``labels`` has columns ``v, community``.
    """
    return _modularity(undirected(edges), labels, resolution)


def _modularity(und: DataFrame, labels: DataFrame, resolution: float) -> float:
    lab = labels.select("v", "community")
    tagged = und.join(lab.select(F.col("v").alias("lo"), F.col("community").alias("cl")), "lo")
    tagged = tagged.join(lab.select(F.col("v").alias("hi"), F.col("community").alias("ch")), "hi")
    degree = tagged.select(F.col("cl").alias("c"), "w").unionByName(
        tagged.select(F.col("ch").alias("c"), "w")
    )
    ksq = degree.groupBy("c").agg(F.sum("w").alias("k")).agg(F.sum(F.col("k") * F.col("k")))
    row = tagged.agg(
        F.sum("w"), F.sum(F.when(F.col("cl") == F.col("ch"), F.col("w")).otherwise(0.0))
    ).first()
    k_row = ksq.first()
    assert row is not None and k_row is not None
    m, e_in = float(row[0] or 0.0), float(row[1] or 0.0)
    if m == 0:
        return float("nan")
    return e_in / m - resolution * float(k_row[0] or 0.0) / (4.0 * m * m)


def local_moving(
    und: DataFrame,
    n: int,
    *,
    resolution: float = 1.0,
    seed: int = 42,
    max_rounds: int = 12,
    min_moved: float = 0.001,
    scratch: Scratch,
) -> DataFrame:
    r"""Louvain's local moving phase, in parallel rounds (module docstring, step 1).

    Parameters
    ----------
    und
        Undirected weighted edges ``lo, hi, w`` on nodes ``[0, n)``; ``lo == hi`` is a
        self-loop.
    n
        Number of nodes.
    resolution
        :math:`\gamma`.
    seed
        Picks which half of the nodes may move in each round.
    max_rounds, min_moved
        Stop after ``max_rounds`` rounds, or once a round moves fewer than
        ``min_moved · n`` nodes.
    scratch
        Where each round's communities are written.

    Returns
    -------
    DataFrame
        ``v, c``: each node's community (the id of one of its members).

    Notes
    -----
    Moving node :math:`v` (weighted degree :math:`k_v`) from community :math:`a` to
    :math:`c` changes modularity by

    .. math::
        \Delta Q = \frac{w_{v,c} - w_{v,a}}{m}
                   - \gamma \frac{k_v (K_c - K_a + k_v)}{2 m^2}

    with :math:`w_{v,c}` the weight between :math:`v` and the members of :math:`c`
    (self-loop excluded) and :math:`K_c` the summed degree of :math:`c`.
    """
    spark: SparkSession = und.sparkSession
    total = und.agg(F.sum("w")).first()
    m = float(total[0] or 0.0) if total is not None else 0.0
    nodes = spark.range(n).withColumnRenamed("id", "v")
    deg = nodes.join(_degrees(und), "v", "left").select("v", F.coalesce("k", F.lit(0.0)).alias("k"))
    comm = scratch.save(deg.select("v", F.col("v").alias("c"), "k"), "moving")
    if m == 0:
        return comm.select("v", "c")
    adj = (
        und.where(F.col("lo") != F.col("hi"))
        .select(F.col("lo").alias("v"), F.col("hi").alias("u"), "w")
        .unionByName(
            und.where(F.col("lo") != F.col("hi")).select(
                F.col("hi").alias("v"), F.col("lo").alias("u"), "w"
            )
        )
        .repartition("u")
        .cache()
    )
    best_first = Window.partitionBy("v").orderBy(F.col("gain").desc(), F.col("cand"))
    for rnd in range(max_rounds):
        tot = comm.groupBy("c").agg(F.sum("k").alias("ktot"))
        links = (
            adj.join(comm.select(F.col("v").alias("u"), F.col("c").alias("cand")), "u")
            .groupBy("v", "cand")
            .agg(F.sum("w").alias("wc"))
        )
        me = comm.join(tot, "c")  # v, c, k, ktot (own community's total, v included)
        own = links.join(me.select("v", F.col("c").alias("cand")), ["v", "cand"]).select(
            "v", F.col("wc").alias("wa")
        )
        cands = (
            links.join(me, "v")
            .where(F.col("cand") != F.col("c"))
            .join(tot.select(F.col("c").alias("cand"), F.col("ktot").alias("kcand")), "cand")
            .join(own, "v", "left")
            .select(
                "v",
                "cand",
                (
                    (F.col("wc") - F.coalesce("wa", F.lit(0.0))) / m
                    - resolution
                    * F.col("k")
                    * (F.col("kcand") - F.col("ktot") + F.col("k"))
                    / (2 * m * m)
                ).alias("gain"),
            )
        )
        mover = F.abs(F.xxhash64("v", F.lit(rnd), F.lit(seed))) % 2 == 0
        best = (
            cands.where((F.col("gain") > 1e-12) & mover)
            .withColumn("r", F.row_number().over(best_first))
            .where(F.col("r") == 1)
            .select("v", F.col("cand").alias("to"))
        )
        new = scratch.save(
            comm.join(best, "v", "left").select(
                "v", F.coalesce("to", "c").alias("c"), "k", F.col("to").isNotNull().alias("moved")
            ),
            "moving",
        )
        moved_row = new.agg(F.sum(F.col("moved").cast("long"))).first()
        moved = int(moved_row[0] or 0) if moved_row is not None else 0
        comm = new.select("v", "c", "k")
        if moved < max(1.0, min_moved * n):
            break
    adj.unpersist()
    return comm.select("v", "c")


def _louvain(
    coarse: pd.DataFrame, size: int, *, resolution: float, seed: int
) -> npt.NDArray[np.int64]:
    """Louvain (igraph's multilevel) on the coarse graph ``lo, hi, w`` with its self-loops.

    igraph's ``community_leiden`` mis-scores self-loops under the modularity objective
    (measured on a coarse demo graph: modularity 0.05 where keeping every node apart
    already scores 0.52), so the driver's step is Louvain, which counts them right.
    """
    import random

    import igraph as ig

    g = ig.Graph(n=size, edges=coarse[["lo", "hi"]].to_numpy(np.int64).tolist(), directed=False)
    ig.set_random_number_generator(random.Random(seed))
    try:
        part = g.community_multilevel(weights=coarse["w"].tolist(), resolution=resolution)
    finally:
        ig.set_random_number_generator(random)
    return np.asarray(part.membership, dtype=np.int64)


def _coarsen(
    und: DataFrame, labels: DataFrame, scratch: Scratch
) -> tuple[DataFrame, DataFrame, int]:
    """The graph of communities: ``(lo, hi, w)`` on dense ids, ``v, cid`` and its size."""
    spark = und.sparkSession
    ids = np.sort(labels.select("c").distinct().toPandas()["c"].to_numpy(np.int64))
    dense = spark.createDataFrame(pd.DataFrame({"c": ids, "cid": np.arange(ids.size)}))
    lab = labels.join(dense, "c").select("v", "cid")
    coarse = (
        und.join(lab.select(F.col("v").alias("lo"), F.col("cid").alias("a")), "lo")
        .join(lab.select(F.col("v").alias("hi"), F.col("cid").alias("b")), "hi")
        .select(F.least("a", "b").alias("lo"), F.greatest("a", "b").alias("hi"), "w")
        .groupBy("lo", "hi")
        .agg(F.sum("w").alias("w"))
    )
    return scratch.save(coarse, "coarse"), scratch.save(lab, "labels"), int(ids.size)


def spark_communities(
    edges: DataFrame,
    n: int,
    *,
    resolution: float = 1.0,
    seed: int = 42,
    driver_nodes: int = 2_000_000,
    max_levels: int = 5,
    max_rounds: int = 12,
    scratch: Scratch | None = None,
) -> tuple[CommunityResult, list[int]]:
    """Communities of the weighted graph ``edges`` on ``n`` nodes (module docstring).

    Parameters
    ----------
    edges
        Columns ``src, dst, weight``; direction is dropped.
    n
        Number of nodes; a node without edges is a community of its own.
    resolution, seed
        The modularity resolution :math:`\\gamma` and the seed of both phases.
    driver_nodes
        Coarsen on Spark until the graph has at most this many nodes (at least once).
    max_levels
        At most this many coarsening levels on Spark.
    max_rounds
        At most this many local moving rounds per level.
    scratch
        Where the rounds and levels are written (a temporary local one if None).

    Returns
    -------
    tuple[CommunityResult, list[int]]
        The partition (numbered by size, largest first; ``quality`` is its modularity
        on the full graph) and the node count after each Spark level.
    """
    with scratch_for(edges.sparkSession, scratch) as work:
        return _communities(
            edges,
            n,
            resolution=resolution,
            seed=seed,
            driver_nodes=driver_nodes,
            max_levels=max_levels,
            max_rounds=max_rounds,
            scratch=work,
        )


def _communities(
    edges: DataFrame,
    n: int,
    *,
    resolution: float,
    seed: int,
    driver_nodes: int,
    max_levels: int,
    max_rounds: int,
    scratch: Scratch,
) -> tuple[CommunityResult, list[int]]:
    spark = edges.sparkSession
    und = scratch.save(undirected(edges), "undirected")
    # maps every account to its node at the current level
    mapping = spark.range(n).select(F.col("id").alias("v"), F.col("id").alias("cid"))
    graph, size, sizes = und, n, []
    for level in range(max_levels):
        labels = local_moving(
            graph,
            size,
            resolution=resolution,
            seed=seed + level,
            max_rounds=max_rounds,
            scratch=scratch,
        )
        graph, lab, new_size = _coarsen(graph, labels, scratch)
        mapping = scratch.save(
            mapping.join(
                lab.select(F.col("v").alias("cid"), F.col("cid").alias("next")), "cid"
            ).select("v", F.col("next").alias("cid")),
            "mapping",
        )
        sizes.append(new_size)
        if new_size <= driver_nodes or new_size >= size:
            size = new_size
            break
        size = new_size
    top = _louvain(graph.toPandas(), size, resolution=resolution, seed=seed)
    mapped = mapping.toPandas()
    node_of = np.zeros(n, dtype=np.int64)
    node_of[mapped["v"].to_numpy(np.int64)] = mapped["cid"].to_numpy(np.int64)
    membership = relabel_by_size(top[node_of])
    frame = pd.DataFrame({"v": np.arange(n, dtype=np.int64), "community": membership})
    q = _modularity(und, spark.createDataFrame(frame), resolution)
    return CommunityResult(membership, q, "modularity", resolution, seed), sizes
