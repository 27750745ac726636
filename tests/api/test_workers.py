"""``kolgraph serve --workers 2``: two processes share one SQLite store while a rank job publishes.

The real command runs on a free 127.0.0.1 port against a small ranked store. Two
clients send ``GET /v1/accounts`` and ``POST /v1/plans`` (a new connection each
time, so both workers serve) while the rank job publishes a new run. Every
answer must be a 200 for the old or the new run, every answer after the publish
for the new run; ``/metrics`` must add up both workers' counts (prometheus-client's
multiprocess mode); the logs must be JSON lines, one access line per request.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
from prometheus_client.parser import text_string_to_metric_families

from kolgraph.rank.job import RankParams, run_rank
from kolgraph.store import SQLiteStore

if TYPE_CHECKING:
    from conftest import World

STARTUP_SECONDS = 90  # two workers import the API on a shared, busy machine


@dataclass(frozen=True)
class Answer:
    """One request a client made: when it was sent, and what came back."""

    sent: float
    method: str
    status: int
    run_id: str | None
    request_id: str


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def _log(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _wait_for_workers(proc: subprocess.Popen[bytes], log: Path, n: int) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        assert proc.poll() is None, f"serve exited early: {log.read_text()[-2000:]}"
        started = [r for r in _log(log) if r["message"] == "Application startup complete."]
        if len(started) >= n:
            return
        assert time.monotonic() < deadline, f"workers did not start: {log.read_text()[-2000:]}"
        time.sleep(0.2)


def _client(base: str, name: str, stop: threading.Event, answers: list[Answer]) -> None:
    limits = httpx.Limits(max_keepalive_connections=0)  # a new connection each request
    with httpx.Client(base_url=base, timeout=30, limits=limits) as c:
        i = 0
        while not stop.is_set():
            rid = f"{name}-{i}"
            sent = time.monotonic()
            if i % 2:
                r = c.post("/v1/plans", json={"budget": 500}, headers={"X-Request-ID": rid})
                run = r.json().get("run_id") if r.status_code == 200 else None
            else:
                r = c.get("/v1/accounts", params={"limit": 20}, headers={"X-Request-ID": rid})
                rows = r.json().get("data", []) if r.status_code == 200 else []
                runs = {row["run_id"] for row in rows}
                assert len(runs) <= 1, runs  # one page is one run
                run = runs.pop() if runs else None
            assert r.headers["x-request-id"] == rid
            answers.append(Answer(sent, r.request.method, r.status_code, run, rid))
            i += 1


def _requests_total(base: str, route: str, method: str) -> float:
    text = httpx.get(f"{base}/metrics", timeout=10).text
    return sum(
        s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == "kolgraph_http_requests_total"
        and s.labels == {"route": route, "method": method, "status": "200"}
    )


def test_two_workers_share_one_store_while_a_rank_job_publishes(
    own_world: World, tmp_path: Path
) -> None:
    world = own_world
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    (metrics_dir / "counter_1.db").write_bytes(b"left by an earlier server")  # must go
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    # the store comes from --db only; the environment names the metrics directory (and lifts
    # the rate limit)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KOLGRAPH_", "PROMETHEUS"))}
    env["KOLGRAPH_METRICS_DIR"] = str(metrics_dir)
    env["KOLGRAPH_API_RATE_PER_MINUTE"] = "0"  # two busy clients from one address
    log = tmp_path / "server.log"
    with log.open("wb") as err:
        command = [sys.executable, "-m", "kolgraph", "serve", "--workers", "2"]
        proc = subprocess.Popen(
            [*command, "--port", str(port), "--db", str(world.db), "--log-format", "json"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
            start_new_session=True,
        )
    try:
        _wait_for_workers(proc, log, 2)
        stop = threading.Event()
        answers: list[Answer] = []
        clients = [
            threading.Thread(target=_client, args=(base, f"c{i}", stop, answers)) for i in (1, 2)
        ]
        for t in clients:
            t.start()
        time.sleep(1.0)
        with SQLiteStore(world.db) as store:
            new_run = run_rank(store, params=RankParams(overlap_top_k=20)).run.id
        published = time.monotonic()
        time.sleep(1.5)
        stop.set()
        for t in clients:
            t.join(timeout=60)
        assert not any(t.is_alive() for t in clients)

        assert new_run != world.run_id
        assert answers and {a.status for a in answers} == {200}
        before = [a for a in answers if a.sent < published]
        after = [a for a in answers if a.sent > published]
        assert {a.method for a in before} == {"GET", "POST"}
        assert {a.method for a in after} == {"GET", "POST"}
        assert {a.run_id for a in before} <= {world.run_id, new_run}
        assert {a.run_id for a in after} == {new_run}
        for _ in range(6):  # new connections: whichever worker answers knows the new run
            assert httpx.get(f"{base}/healthz", timeout=10).json()["current_run"] == new_run

        gets = sum(a.method == "GET" for a in answers)
        posts = sum(a.method == "POST" for a in answers)
        deadline = time.monotonic() + 5  # a worker counts a request just after answering it
        while _requests_total(base, "/v1/accounts", "GET") != gets:
            assert time.monotonic() < deadline, (_requests_total(base, "/v1/accounts", "GET"), gets)
            time.sleep(0.1)
        assert _requests_total(base, "/v1/plans", "POST") == posts
        pids = {p.stem.rsplit("_", 1)[-1] for p in metrics_dir.glob("counter_*.db")}
        assert len(pids) == 2 and "1" not in pids, pids  # both workers counted; stale file gone
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    assert proc.returncode == 0

    records = _log(log)  # every line, the parent's and the workers', is one JSON object
    access = [r for r in records if r["logger"] == "kolgraph.access"]
    sent = {a.request_id for a in answers}
    assert sent <= {r["request_id"] for r in access}
    mine = [r for r in access if r["request_id"] in sent]
    assert len(mine) == len(answers)
    assert {r["path"] for r in mine} == {"/v1/accounts", "/v1/plans"}
    assert all(r["status"] == 200 and float(str(r["duration_ms"])) > 0 for r in mine)
    assert not [r for r in records if r["logger"] == "uvicorn.access"]  # ours replaces it
    assert not [r for r in records if r["level"] in {"error", "critical"}]
