"""``/v1/jobs`` and ``/v1/uploads`` on a real SQLite store: start, poll, cancel, import, restart."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from fastapi.testclient import TestClient
from job_records import running_job
from pydantic import SecretStr
from typer.testing import CliRunner

from kolgraph.api.app import create_app
from kolgraph.cli import app as cli_app
from kolgraph.settings import Settings
from kolgraph.store import SQLiteStore

if TYPE_CHECKING:
    from conftest import World

FINAL = {"succeeded", "failed", "cancelled", "interrupted"}


def _settings(world: World, tmp_path: Path) -> Settings:
    return world.settings.model_copy(
        update={
            "jobs_dir": tmp_path / "jobs",
            "job_heartbeat_seconds": 0.2,
            "job_stale_seconds": 3.0,
            "overlap_top_k": 20,
        }
    )


@pytest.fixture
def jobs_client(own_world: World, tmp_path: Path) -> Iterator[TestClient]:
    """A client whose app runs jobs on a ranked store of the test's own."""
    with TestClient(create_app(_settings(own_world, tmp_path))) as c:
        yield c


@pytest.fixture
def busy_client(tmp_path: Path) -> Iterator[TestClient]:
    """A client over the synthetic demo at 1,200 accounts: a rank job lasts a few hundred
    milliseconds there (on the test graph it takes about ten), long enough to be caught."""
    from kolgraph.demo import load_demo
    from kolgraph.rank.job import RankParams, run_rank
    from kolgraph.synth import generate_demo

    db = tmp_path / "busy.db"
    with SQLiteStore(db) as st:
        load_demo(st, generate_demo(1200, seed=3))
        run_rank(st, params=RankParams(overlap_top_k=20))
    settings = Settings(
        db=db, jobs_dir=tmp_path / "jobs", job_heartbeat_seconds=0.2, job_stale_seconds=3.0
    )
    with TestClient(create_app(settings)) as c:
        yield c


def _poll(client: TestClient, job_id: str, timeout: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        res = client.get(f"/v1/jobs/{job_id}")
        assert res.status_code == 200, res.text
        doc: dict[str, Any] = res.json()
        if doc["status"] in FINAL:
            return doc
        assert time.monotonic() < deadline, f"job {job_id} still {doc['status']}: {doc}"
        time.sleep(0.05)


def _error(res: Any, status: int, code: str) -> dict[str, Any]:
    assert res.status_code == status, res.text
    err: dict[str, Any] = res.json()["error"]
    assert err["code"] == code and set(err) == {"code", "message", "hint", "field"}
    return err


def test_rank_job_runs_to_the_same_run_as_the_cli(
    jobs_client: TestClient, own_world: World
) -> None:
    res = jobs_client.post("/v1/jobs", json={"kind": "rank"})
    assert res.status_code == 202, res.text
    doc = res.json()
    assert doc["status"] == "queued" and doc["kind"] == "rank"
    assert res.headers["location"] == f"/v1/jobs/{doc['id']}"
    done = _poll(jobs_client, doc["id"])
    assert done["status"] == "succeeded", done["error"]
    assert done["progress"]["stage"] == "write"
    assert done["progress"]["done"] == done["progress"]["total"] == 9
    assert done["log"] and done["finished"] and done["elapsed_seconds"] > 0
    result = done["result"]
    assert jobs_client.get("/healthz").json()["current_run"] == result["run_id"]
    # `kolgraph rank` with the same (default) parameters publishes the same results
    cli = CliRunner().invoke(cli_app, ["rank", "--top-k", "20", "--db", str(own_world.db)])
    assert cli.exit_code == 0, cli.output
    with SQLiteStore(own_world.db) as st:
        runs = st.list_runs(3)
        assert runs[1].id == result["run_id"]
        assert runs[0].counts == result["counts"] and runs[0].quality == result["quality"]
    listed = jobs_client.get("/v1/jobs").json()
    assert listed["count"] == 1 and listed["next"] is None
    assert listed["data"][0]["id"] == doc["id"]


def test_a_second_rank_job_is_409_and_cancel_stops_the_first(busy_client: TestClient) -> None:
    jobs_client = busy_client
    first = jobs_client.post("/v1/jobs", json={"kind": "rank"}).json()
    err = _error(jobs_client.post("/v1/jobs", json={"kind": "rank"}), 409, "conflict")
    assert first["id"] in err["message"] and "cancel" in err["hint"]
    res = jobs_client.post(f"/v1/jobs/{first['id']}/cancel")
    assert res.status_code == 202 and res.json()["cancel_requested"] is True
    done = _poll(jobs_client, first["id"])
    assert done["status"] == "cancelled" and done["error"]["code"] == "cancelled"
    _error(jobs_client.post(f"/v1/jobs/{first['id']}/cancel"), 409, "conflict")
    # the store is free again
    second = jobs_client.post("/v1/jobs", json={"kind": "rank"})
    assert second.status_code == 202
    assert _poll(jobs_client, second.json()["id"])["status"] == "succeeded"


def test_unknown_jobs_and_bad_requests(jobs_client: TestClient) -> None:
    _error(jobs_client.get("/v1/jobs/job-nope"), 404, "not_found")
    _error(jobs_client.post("/v1/jobs/job-nope/cancel"), 404, "not_found")
    for body, field in (
        ({"kind": "sleep"}, "body"),
        ({"kind": "rank", "damping": 2}, "body.rank.damping"),
        ({"kind": "rank", "dampening": 0.5}, "body.rank.dampening"),
        ({"kind": "crawl", "platform": "x", "seeds": []}, "body.crawl.seeds"),
        ({"kind": "import", "upload": "../../etc/passwd"}, "body.import.upload"),
        ({"kind": "crawl", "platform": "x", "seeds": ["1"], "retry_failed": 1}, None),
        ({"kind": "crawl", "platform": "x", "seeds": ["1"], "max_accounts": False}, None),
        ({"kind": "rank", "seed": "7"}, "body.rank.seed"),
    ):
        err = _error(jobs_client.post("/v1/jobs", json=body), 422, "validation_error")
        assert field is None or (err["field"] or "").startswith(field), (body, err)
    err = _error(
        jobs_client.post("/v1/jobs", json={"kind": "rank", "only": ["nope"]}), 422, "invalid_input"
    )
    assert "nope" in err["message"]
    assert jobs_client.get("/v1/jobs").json()["count"] == 0  # nothing was recorded


def test_import_of_an_uploaded_csv_counts_as_the_cli_import(
    tmp_path: Path, unranked_world: World
) -> None:
    from conftest import build_world

    lines = ["follower,followed"] + [f"{i},{(i * 7) % 40 + 1}" for i in range(1, 60)]
    lines += ["3,8", "3,8", "oops,1", "12,200"]  # a repeat and a bad row
    csv = ("\n".join(lines) + "\n").encode()
    path = tmp_path / "edges.csv"
    path.write_bytes(csv)
    (tmp_path / "cli").mkdir()
    cli_world = build_world(tmp_path / "cli" / "kolgraph.db", rank=False)
    cli = CliRunner().invoke(
        cli_app,
        [
            "import",
            "edges",
            str(path),
            "--platform",
            "demo",
            "--on-error",
            "skip",
            "--rejects",
            str(tmp_path / "rejects.tsv"),
            "--db",
            str(cli_world.db),
        ],
    )
    assert cli.exit_code == 0, cli.output
    table = {
        label: int(line.replace("│", " ").split()[-1].replace(",", ""))
        for line in cli.output.splitlines()
        for label in ("rows read", "new edges", "new accounts", "rejected rows")
        if label in line
    }
    with TestClient(create_app(_settings(unranked_world, tmp_path))) as client:
        up = client.put(
            "/v1/uploads?name=edges.csv", content=csv, headers={"content-type": "text/csv"}
        )
        assert up.status_code == 201, up.text
        info = up.json()
        assert (
            info["id"].startswith("up-")
            and info["bytes"] == len(csv)
            and info["name"] == "edges.csv"
        )
        res = client.post(
            "/v1/jobs",
            json={"kind": "import", "upload": info["id"], "platform": "demo", "on_error": "skip"},
        )
        assert res.status_code == 202, res.text
        done = _poll(client, res.json()["id"])
    assert done["status"] == "succeeded", done["error"]
    result = done["result"]
    assert result["upload"] == info["id"] and result["format"] == "edges"
    assert table == {
        "rows read": result["rows"],
        "new edges": result["new_edges"],
        "new accounts": result["new_accounts"],
        "rejected rows": result["rejected"],
    }
    assert result["rejected"] == 1 and result["new_edges"] > 0
    with SQLiteStore(cli_world.db) as a, SQLiteStore(unranked_world.db) as b:
        assert a.counts() == b.counts()
    assert done["progress"]["done"] == result["edges"]


def test_upload_and_import_errors(jobs_client: TestClient) -> None:
    err = _error(
        jobs_client.put("/v1/uploads", content=b"{}", headers={"content-type": "application/json"}),
        415,
        "unsupported_media_type",
    )
    assert "text/csv" in err["hint"]
    _error(
        jobs_client.put("/v1/uploads", content=b"", headers={"content-type": "text/csv"}),
        422,
        "invalid_input",
    )
    err = _error(
        jobs_client.post("/v1/jobs", json={"kind": "import", "upload": "up-0123456789abcdef"}),
        404,
        "not_found",
    )
    assert err["field"] == "body.upload"
    up = jobs_client.put("/v1/uploads", content=b"a b\n", headers={"content-type": "text/plain"})
    body = {"kind": "import", "upload": up.json()["id"], "format": "accounts", "type": "repost"}
    err = _error(jobs_client.post("/v1/jobs", json=body), 422, "invalid_input")
    assert err["field"] == "body.type"
    # a file the importer refuses fails the job, naming the upload, not the server's path
    res = jobs_client.post("/v1/jobs", json={"kind": "import", "upload": up.json()["id"]})
    done = _poll(jobs_client, res.json()["id"])
    assert done["status"] == "failed" and done["error"]["code"] == "invalid_input"
    assert (
        up.json()["id"] in done["error"]["message"]
        and "jobs/uploads" not in done["error"]["message"]
    )


def test_a_job_left_running_by_a_dead_server_is_interrupted(
    own_world: World, tmp_path: Path
) -> None:
    old = time.time() - 600
    with SQLiteStore(own_world.db) as st:
        st.jobs.create(running_job("job-left", at=old, owner="old-host:1:abc"))
    # a new server (the app's lifespan) marks it, and lets a new rank job start
    with TestClient(create_app(_settings(own_world, tmp_path))) as client:
        doc = client.get("/v1/jobs/job-left").json()
        assert doc["status"] == "interrupted" and doc["error"]["code"] == "interrupted"
        assert doc["finished"] is not None
        res = client.post("/v1/jobs", json={"kind": "rank"})
        assert res.status_code == 202
        job_id = res.json()["id"]
    # the server stopped while the job ran: its record says so
    with SQLiteStore(own_world.db) as st:
        rec = st.jobs.get(job_id)
    assert rec.status in {"succeeded", "interrupted"}
    if rec.status == "interrupted":
        assert rec.error is not None and "shut down" in rec.error["message"]


def test_two_workers_on_one_store_share_the_records(own_world: World, tmp_path: Path) -> None:
    """What one worker runs, another sees, refuses to duplicate and can cancel."""
    from kolgraph.crawl.simulator.app import PLATFORMS
    from kolgraph.crawl.simulator.network import SimNetwork
    from kolgraph.crawl.simulator.server import Simulator

    settings = _settings(own_world, tmp_path).model_copy(
        update={
            "job_stale_seconds": 1.0,
            "crawl_rpm": 0,
            "crawl_min_delay": 0.0,
            "crawl_max_delay": 0.02,
            "x_bearer_token": SecretStr("simulator"),  # the simulator takes any
        }
    )
    now = time.time()
    with SQLiteStore(own_world.db) as st:  # a rank job another worker runs right now
        st.jobs.create(running_job("job-elsewhere", at=now, owner="worker-2:42:abc"))
    net = SimNetwork(200, seed=3)
    with (
        Simulator(net, PLATFORMS, retry_after=0.0, latency=0.05) as sim,
        TestClient(create_app(settings)) as a,
        TestClient(create_app(settings)) as b,
    ):
        for client in (a, b):
            err = _error(client.post("/v1/jobs", json={"kind": "rank"}), 409, "conflict")
            assert "job-elsewhere" in err["message"]
        # its worker stops beating: once stale it is interrupted and no longer blocks
        time.sleep(1.2)
        rank = b.post("/v1/jobs", json={"kind": "rank"})
        assert rank.status_code == 202, rank.text
        assert a.get("/v1/jobs/job-elsewhere").json()["status"] == "interrupted"
        assert _poll(a, rank.json()["id"])["status"] == "succeeded"
        body = {
            "kind": "crawl",
            "platform": "x",
            "seeds": net.top_accounts(2),
            "base_url": sim.url,
            "max_pages": 2,
            "max_posts": 3,
            "archive": False,
        }
        crawl = a.post("/v1/jobs", json=body).json()
        deadline = time.monotonic() + 30
        while True:
            seen = b.get(f"/v1/jobs/{crawl['id']}").json()
            assert seen["status"] in ("queued", "running"), seen
            if (seen["progress"]["done"] or 0) >= 2:
                break
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert b.post(f"/v1/jobs/{crawl['id']}/cancel").status_code == 202  # b does not run it
        done = _poll(a, crawl["id"], timeout=10)
        assert done["status"] == "cancelled" and done["cancel_requested"]
