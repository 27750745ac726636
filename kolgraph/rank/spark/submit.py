"""The ``spark-submit`` driver of ``kolgraph rank --engine spark``.

``spark-submit`` starts the Spark session (master, resources, ``--packages``) and runs this
file; it joins that session and runs the rank command with the arguments after it::

    spark-submit --master spark://HOST:7077 \\
        --packages io.graphframes:graphframes-spark3_2.12:0.11.0 \\
        "$(python -c 'import kolgraph.rank.spark.submit as m; print(m.__file__)')" \\
        --spark-source parquet:hdfs:///graphs/brand --store neo4j

The engine uses the active session as it is (its master and jars win over
``--spark-master``) and leaves it to ``spark-submit`` to stop.
"""

from __future__ import annotations

import sys

__all__ = ["main"]


def main(argv: list[str] | None = None) -> None:
    """Join (or start) the Spark session, then run ``kolgraph rank --engine spark ARGV``."""
    from pyspark.sql import SparkSession

    from kolgraph.cli import app

    SparkSession.builder.appName("kolgraph-rank").getOrCreate()
    args = sys.argv[1:] if argv is None else argv
    app(["rank", "--engine", "spark", *args], prog_name="kolgraph")


if __name__ == "__main__":
    main()
