"""``kolgraph rank`` and ``kolgraph runs``."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from job_records import running_job

from kolgraph.store import SQLiteStore

from .helpers import kolgraph, kolgraph_joined


def test_gds_engine_needs_neo4j(world: Path) -> None:
    code, _, err = kolgraph("rank", "--engine", "gds", "--db", str(world))
    assert code == 2
    assert "runs inside Neo4j" in err and "--store neo4j" in err
    from kolgraph.store import SQLiteStore

    assert SQLiteStore(world).list_runs() == []  # refused before a run was started


def test_runs_diff(world: Path) -> None:
    db = str(world)
    assert kolgraph("rank", "--db", db)[0] == 0
    assert kolgraph("rank", "--repost-weight", "50", "--db", db)[0] == 0
    from kolgraph.store import SQLiteStore

    after, before = (r.id for r in SQLiteStore(world).list_runs(2))
    code, out, err = kolgraph("runs", "diff", before, after, "--format", "json", "--db", db)
    assert code == 0, err
    rows = json.loads(out)
    moved = {r["key"]: r["moved"] for r in rows}
    # heavier reposts lift the reposted accounts x:100 / x:101 relative to the others
    assert moved["x:100"] >= 0
    code, out, _ = kolgraph("runs", "diff", before, after, "--db", db)
    assert code == 0 and "rank before" in out
    code, _, err = kolgraph("runs", "diff", "nope", after, "--db", db)
    assert code == 2 and "nope" in err


def test_rank_only_and_half_life(world: Path) -> None:
    db = str(world)
    code, _, err = kolgraph("rank", "--only", "pagerank", "--db", db)
    assert code == 2 and "no current run" in err
    assert kolgraph("rank", "--half-life", "7", "--db", db)[0] == 0
    code, _, err = kolgraph("rank", "--only", "pagerank,quality", "--db", db)
    assert code == 0, err
    code, _, err = kolgraph("rank", "--only", "magic", "--db", db)
    assert code == 2 and "unknown stage" in err
    code, out, _ = kolgraph("export", "scores", "--db", db)
    assert {"engagement", "anomaly", "spread", "flags"} <= set(out.splitlines()[0].split(","))
    code, _, err = kolgraph("rank", "--threads", "2", "--db", db)
    assert code == 0, err
    (run,) = SQLiteStore(db).list_runs(limit=1)
    assert run.params["threads"] == 2
    code, _, err = kolgraph("rank", "--threads", "0", "--db", db)
    assert code == 2 and "--threads must be at least 1" in err


def test_rank_only_help_names_every_stage() -> None:
    from kolgraph.rank.job import COMPUTE_STAGES

    code, out, _ = kolgraph("rank", "--help")
    assert code == 0
    text = " ".join(out.split())
    assert f"comma-separated: {', '.join(COMPUTE_STAGES)})" in text


def test_rank_refuses_while_a_rank_job_is_live(world: Path) -> None:
    now = time.time()
    with SQLiteStore(world) as st:
        st.jobs.create(running_job("job-live", at=now, owner="api:1:abc"))
    code, _, err = kolgraph_joined("rank", "--db", str(world))
    assert code == 2 and "rank job job-live is already running" in err
    assert "kolgraph jobs cancel job-live" in err
    with SQLiteStore(world) as st:
        assert st.list_runs() == []  # nothing ran
        st.jobs.finish("job-live", status="cancelled", now=now)
    assert kolgraph("rank", "--db", str(world))[0] == 0


def test_spark_options_need_the_spark_engine(world: Path) -> None:
    code, _, err = kolgraph("rank", "--spark-master", "local[1]", "--db", str(world))
    assert code == 2 and "only apply with --engine spark" in err
    code, _, err = kolgraph(
        "rank", "--engine", "spark", "--spark-conf", "no-equals", "--db", str(world)
    )
    assert code == 2 and "KEY=VALUE" in err
    assert SQLiteStore(world).list_runs() == []


@pytest.mark.spark
def test_rank_on_spark_publishes_a_run(world: Path, spark: object) -> None:
    code, out, err = kolgraph(
        "rank", "--engine", "spark", "--spark-master", "local[2]", "--db", str(world)
    )
    assert code == 0, err
    run = SQLiteStore(world).current_run()
    assert run is not None and run.params["engine"] == "spark"
    assert run.params["spark_version"].startswith("3.5") and "top 10 accounts" in out
