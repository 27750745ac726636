"""``kolgraph jobs``: list, show and cancel the records of jobs started through the API."""

from __future__ import annotations

import json
import time
from pathlib import Path

from kolgraph.store import SQLiteStore
from kolgraph.store.jobstate import JobProgress, JobRecord

from .helpers import kolgraph, kolgraph_joined


def _record(job_id: str, status: str, *, at: float, **kw: object) -> JobRecord:
    return JobRecord(
        id=job_id,
        kind="crawl",
        status=status,  # type: ignore[arg-type]
        params={"platform": "x"},
        created=at,
        owner="host:1:abc",
        heartbeat=at,
        **kw,  # type: ignore[arg-type]
    )


def test_list_show_and_cancel(world: Path) -> None:
    now = time.time()
    with SQLiteStore(world) as st:
        st.jobs.create(
            _record(
                "job-run",
                "running",
                at=now,
                started=now,
                progress=JobProgress(stage="crawl", done=12, total=40, eta=30.0, log=("a", "b")),
            )
        )
        st.jobs.create(_record("job-old", "running", at=now - 3600))  # its server died
        st.jobs.create(_record("job-ok", "queued", at=now - 60))
        st.jobs.finish("job-ok", status="succeeded", now=now - 50, result={"pages": 7})
    code, out, _ = kolgraph("jobs", "--db", str(world))
    assert code == 0 and "job-run" in out and "12/40" in out and "interrupted" in out
    code, out, _ = kolgraph("jobs", "list", "--format", "json", "--db", str(world))
    page = json.loads(out)
    assert page["count"] == 3 and [j["id"] for j in page["data"]] == [
        "job-run",
        "job-ok",
        "job-old",
    ]
    code, out, _ = kolgraph("jobs", "show", "job-ok", "--db", str(world))
    assert code == 0 and "succeeded" in out and "result: pages" in out
    code, out, _ = kolgraph("jobs", "show", "job-run", "--format", "json", "--db", str(world))
    doc = json.loads(out)
    assert doc["status"] == "running" and doc["progress"]["eta_seconds"] is not None
    assert doc["log"] == ["a", "b"]
    code, out, _ = kolgraph("jobs", "cancel", "job-run", "--db", str(world))
    assert code == 0 and "cancel requested" in out
    with SQLiteStore(world) as st:
        assert st.jobs.get("job-run").cancel
    code, _, err = kolgraph_joined("jobs", "cancel", "job-ok", "--db", str(world))
    assert code == 2 and "already ended (succeeded)" in err
    code, _, err = kolgraph_joined("jobs", "show", "job-nope", "--db", str(world))
    assert code == 2 and "no job 'job-nope'" in err
