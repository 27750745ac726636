"""The Spark rank engine: the rank job's graph stages computed on Apache Spark.

``kolgraph rank --engine spark`` (the ``[spark]`` extra) runs PageRank, communities,
the audience overlap of the top accounts, weighted in-degree and repost reach on a
Spark cluster (``local[*]`` by default) and hands the results back to the rank job,
which publishes them like every engine's.

:mod:`~kolgraph.rank.spark.session`
    The Spark session: master, configuration, the GraphFrames and Neo4j connector jars.
:mod:`~kolgraph.rank.spark.source`
    The graph as Spark DataFrames, read from a Parquet export or from Neo4j.
:mod:`~kolgraph.rank.spark.pagerank`, :mod:`~kolgraph.rank.spark.communities`,
:mod:`~kolgraph.rank.spark.overlap`, :mod:`~kolgraph.rank.spark.degrees`
    The algorithms, each a function of DataFrames.
:mod:`~kolgraph.rank.spark.engine`
    :class:`~kolgraph.rank.spark.engine.SparkEngine`, the rank engine.

Nothing here imports ``pyspark`` at module level except the algorithm modules, which
the engine imports once the session is up; the rest of kolgraph never needs it.
"""
