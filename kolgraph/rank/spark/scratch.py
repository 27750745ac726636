"""Where the iterative Spark algorithms keep each round's result: Parquet in a work dir.

PageRank and local moving run many rounds, each reading the previous round's result.
Caching would let the query plan grow with every round; a local checkpoint cuts the plan
but (Spark 3.5) carries the plan's size estimate forward, and the estimate of a join is
the product of its inputs', so it compounds round after round until planning alone takes
minutes (measured: round 10 of local moving took 181 s, round 5 one second). Writing each
round to Parquet and reading it back cuts both: the plan starts again from files whose
size is known.

The work dir is ``spark.kolgraph.scratch`` from the Spark configuration (a path every
executor can reach, such as ``hdfs:///tmp/kolgraph`` on a cluster), else a temporary
local directory (local mode).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession

__all__ = ["SCRATCH_CONF", "Scratch", "scratch_for"]

#: The Spark configuration key naming the work dir.
SCRATCH_CONF = "spark.kolgraph.scratch"


class Scratch:
    """Two alternating Parquet slots per name under a work dir.

    A round reads slot ``k - 1`` and writes slot ``k`` (mod 2), so no job reads the
    files it overwrites.
    """

    def __init__(self, spark: SparkSession) -> None:
        self.spark = spark
        given = spark.conf.get(SCRATCH_CONF, None)
        self._local: Path | None = None
        if given:
            self.root = given.rstrip("/")
        else:
            self._local = Path(tempfile.mkdtemp(prefix="kolgraph-spark-scratch-"))
            self.root = self._local.as_uri()
        self._turn: dict[str, int] = {}

    def save(self, df: DataFrame, name: str) -> DataFrame:
        """Write ``df`` to the next slot of ``name`` and return it read back."""
        turn = self._turn.get(name, 0)
        self._turn[name] = turn + 1
        path = f"{self.root}/{name}-{turn % 2}"
        df.write.mode("overwrite").parquet(path)
        return self.spark.read.parquet(path)

    def close(self) -> None:
        """Remove a local work dir (a configured one is left to its owner)."""
        if self._local is not None:
            shutil.rmtree(self._local, ignore_errors=True)
            self._local = None


@contextmanager
def scratch_for(spark: SparkSession, given: Scratch | None) -> Iterator[Scratch]:
    """``given`` as it is, or a new :class:`Scratch` closed on exit."""
    if given is not None:
        yield given
        return
    work = Scratch(spark)
    try:
        yield work
    finally:
        work.close()
