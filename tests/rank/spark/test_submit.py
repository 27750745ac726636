"""``spark-submit`` runs the rank job through :mod:`kolgraph.rank.spark.submit`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ci_env import skip_or_fail

from kolgraph.demo import load_demo
from kolgraph.rank.spark import submit
from kolgraph.rank.spark.session import GRAPHFRAMES_PACKAGE
from kolgraph.store import SQLiteStore
from kolgraph.synth.network import generate_demo

pytestmark = pytest.mark.spark


def test_spark_submit_runs_the_rank_job_in_its_own_session(tmp_path: Path) -> None:
    spark_submit = Path(sys.executable).with_name("spark-submit")
    if not spark_submit.is_file() or shutil.which("java") is None:
        skip_or_fail("spark-submit (pyspark) or java is missing")
    db = tmp_path / "k.db"
    st = SQLiteStore(db)
    load_demo(st, generate_demo(300, seed=2))
    st.close()
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable, "PYSPARK_DRIVER_PYTHON": sys.executable}
    proc = subprocess.run(
        [
            str(spark_submit),
            "--master",
            "local[1]",
            "--packages",
            GRAPHFRAMES_PACKAGE,
            "--conf",
            "spark.sql.shuffle.partitions=2",
            str(Path(submit.__file__)),
            "--db",
            str(db),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    run = SQLiteStore(db).current_run()
    assert run is not None and run.params["engine"] == "spark"
    # the session spark-submit started: its master, not the engine's default local[*]
    assert run.params["spark_master_used"] == "local[1]"
    assert "top 10 accounts" in proc.stdout
