"""The Spark session of a rank run: where it runs, its configuration and its jars.

The jars come from Maven Central through ``spark.jars.packages`` (Ivy resolves them
once into ``~/.ivy2``): GraphFrames always, the Neo4j Connector for Apache Spark when
the graph is read from Neo4j. Their coordinates are pinned to the installed Spark
(:data:`GRAPHFRAMES_PACKAGE`, :data:`NEO4J_CONNECTOR_PACKAGE`).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from kolgraph.errors import InputError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = [
    "GRAPHFRAMES_PACKAGE",
    "NEO4J_CONNECTOR_PACKAGE",
    "SPARK_LINE",
    "parse_conf",
    "redact_conf",
    "require_pyspark",
    "spark_session",
]

#: The Spark line the coordinates below are built for (Scala 2.12 jars).
SPARK_LINE = "3.5"
#: GraphFrames for Spark 3.5 / Scala 2.12 on Maven Central (graphframes-py 0.11.0 is its Python).
GRAPHFRAMES_PACKAGE = "io.graphframes:graphframes-spark3_2.12:0.11.0"
#: The Neo4j Connector for Apache Spark 3 / Scala 2.12 on Maven Central.
NEO4J_CONNECTOR_PACKAGE = "org.neo4j:neo4j-connector-apache-spark_2.12:5.0.0_for_spark_3"

#: Configuration the engine sets unless ``--spark-conf`` gives the key.
DEFAULT_CONF: Mapping[str, str] = {
    "spark.ui.showConsoleProgress": "false",
    "spark.ui.enabled": "false",
    # the rank job's shuffles are small next to Spark's default of 200 partitions in
    # local mode; adaptive execution coalesces them further
    "spark.sql.shuffle.partitions": "16",
    "spark.sql.adaptive.enabled": "true",
    "spark.driver.memory": "4g",
    # driver <-> Spark frames (scores, labels) through Arrow rather than pickled rows
    "spark.sql.execution.arrow.pyspark.enabled": "true",
}

_SECRET_WORDS = ("password", "secret", "token", "credential", "key")


def require_pyspark() -> str:
    """The installed pyspark's version; a clear error when pyspark or Java is missing.

    Raises
    ------
    InputError
        If pyspark is not installed, is not of the :data:`SPARK_LINE`, or no ``java``
        is on the PATH.
    """
    try:
        import pyspark
    except ImportError as exc:
        raise InputError(
            "--engine spark needs pyspark, which is not installed",
            hint="pip install -e '.[spark]' (pyspark and graphframes-py)",
        ) from exc
    version = str(pyspark.__version__)
    if not version.startswith(SPARK_LINE + "."):
        raise InputError(
            f"--engine spark is built for Spark {SPARK_LINE}.x, but pyspark {version} is installed",
            hint=f"pip install 'pyspark>={SPARK_LINE},<3.6' (the [spark] extra pins it)",
        )
    if shutil.which("java") is None:
        raise InputError(
            "--engine spark needs Java (17) on the PATH to start Spark, and there is none",
            hint="install a JDK 17 (apt-get install openjdk-17-jdk-headless) or set JAVA_HOME",
        )
    return version


def parse_conf(items: Iterable[str]) -> dict[str, str]:
    """``["k=v", ...]`` (``--spark-conf``) as a dict.

    Raises
    ------
    InputError
        If an item has no ``=`` or an empty key.
    """
    out: dict[str, str] = {}
    for item in items:
        key, eq, value = item.partition("=")
        if not eq or not key.strip():
            raise InputError(
                f"--spark-conf {item!r} is not KEY=VALUE",
                hint="e.g. --spark-conf spark.executor.memory=8g",
            )
        out[key.strip()] = value.strip()
    return out


def redact_conf(conf: Mapping[str, str]) -> dict[str, str]:
    """``conf`` with the values of secret-looking keys replaced, for the run's record."""
    return {
        k: ("***" if any(w in k.lower() for w in _SECRET_WORDS) else v) for k, v in conf.items()
    }


def spark_session(
    master: str, conf: Mapping[str, str], *, packages: Iterable[str] = (GRAPHFRAMES_PACKAGE,)
) -> tuple[SparkSession, bool]:
    """A Spark session on ``master`` with ``conf`` and the Maven ``packages``.

    Returns the session and whether this call started it (an active session, as under
    ``spark-submit`` or in a notebook, is reused as it is: its master and jars win).

    Raises
    ------
    InputError
        If Spark cannot start (no Java, a bad master URL, an unresolvable package).
    """
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active, False
    builder = SparkSession.builder.master(master).appName("kolgraph-rank")
    wanted = list(dict.fromkeys(packages))
    given = conf.get("spark.jars.packages", "")
    if given:
        wanted += [p for p in given.split(",") if p and p not in wanted]
    settings = {**DEFAULT_CONF, **conf, "spark.jars.packages": ",".join(wanted)}
    for key, value in settings.items():
        builder = builder.config(key, value)
    try:
        spark = builder.getOrCreate()
    except Exception as exc:  # py4j / JVM start-up errors have no common base
        raise InputError(
            f"Spark could not start on master {master!r}: {str(exc).splitlines()[0][:300]}",
            hint="check --spark-master, Java 17 and that Maven Central is reachable "
            f"for {', '.join(wanted)}",
        ) from exc
    spark.sparkContext.setLogLevel("ERROR")
    return spark, True
