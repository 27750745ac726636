"""Request ids, JSON logs and Prometheus metrics of the real app over a real store.

Metrics live in the process's registry, shared by every app a test makes, so each
check compares a scrape after its requests with one before them.
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from kolgraph.api.app import create_app
from kolgraph.api.observability import (
    JOB_STATES,
    JobMetrics,
    job_finished,
    job_started,
    record_job,
    track_job,
)
from kolgraph.logs import ACCESS_LOGGER, JsonFormatter, TextFormatter, configure_logging
from kolgraph.settings import Settings, export_environment

if TYPE_CHECKING:
    from conftest import World

GENERATED = re.compile(r"[0-9a-f]{32}")
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(client: TestClient) -> Samples:
    """Every sample of ``/metrics``, by name and labels."""
    r = client.get("/metrics")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(r.text)
        for s in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def _failing_app(settings: Settings) -> FastAPI:
    """The real app plus one route that fails unexpectedly (nothing in the product does)."""
    app = create_app(settings)

    @app.get("/v1/boom")
    def boom() -> None:
        raise RuntimeError("boom")

    return app


@pytest.fixture
def records() -> Iterator[io.StringIO]:
    """JSON log lines of everything logged at INFO and above during the test."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(JsonFormatter())
    root, access = logging.getLogger(), logging.getLogger(ACCESS_LOGGER)
    saved = root.level, access.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    access.setLevel(logging.INFO)
    try:
        yield buffer
    finally:
        root.removeHandler(handler)
        root.setLevel(saved[0])
        access.setLevel(saved[1])


def lines(buffer: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]


# ----------------------------------------------------------------------------- request ids
def test_every_response_carries_a_request_id(client: TestClient) -> None:
    for path in ("/livez", "/v1/accounts", "/v1/accounts/demo:nobody", "/no/such/route"):
        r = client.get(path)
        assert GENERATED.fullmatch(r.headers["x-request-id"]), path
    r = client.get("/v1/accounts", params={"limit": 0})
    assert r.status_code == 422 and GENERATED.fullmatch(r.headers["x-request-id"])
    assert set(r.json()) == {"error"} and r.json()["error"]["field"] == "query.limit"
    ids = {client.get("/livez").headers["x-request-id"] for _ in range(5)}
    assert len(ids) == 5


def test_a_safe_incoming_request_id_is_kept_and_any_other_replaced(client: TestClient) -> None:
    for safe in ("abc", "req-1.2_X", "a" * 64):
        r = client.get("/livez", headers={"X-Request-ID": safe})
        assert r.headers["x-request-id"] == safe
    for unsafe in ("a" * 65, "has space", "semi;colon", "new\\nline", "<script>", ""):
        r = client.get("/livez", headers={"X-Request-ID": unsafe})
        assert r.status_code == 200
        assert GENERATED.fullmatch(r.headers["x-request-id"]), unsafe
    echoed = client.get("/livez", headers={"X-Request-ID": "x1"})
    assert echoed.headers.get_list("x-request-id") == ["x1"]  # once, not added twice


def test_a_500_keeps_the_error_shape_carries_the_id_and_is_logged_with_it(
    world: World, records: io.StringIO
) -> None:
    with TestClient(_failing_app(world.settings), raise_server_exceptions=False) as c:
        r = c.get("/v1/boom", headers={"X-Request-ID": "trace-500"})
    assert r.status_code == 500
    assert r.headers["x-request-id"] == "trace-500"
    assert r.json()["error"]["code"] == "internal_error"
    assert set(r.json()["error"]) == {"code", "message", "hint", "field"}
    mine = [rec for rec in lines(records) if rec["request_id"] == "trace-500"]
    failure = next(rec for rec in mine if rec.get("exception"))
    assert "RuntimeError: boom" in str(failure["exception"]) and failure["level"] == "error"
    assert failure["path"] == "/v1/boom" and failure["method"] == "GET"
    access = next(rec for rec in mine if rec["logger"] == ACCESS_LOGGER)
    assert access["status"] == 500 and access["path"] == "/v1/boom"


# ----------------------------------------------------------------------------- logs
def test_json_access_log_one_object_per_request(client: TestClient, records: io.StringIO) -> None:
    r = client.get("/v1/accounts/demo:k1", headers={"X-Request-ID": "log-1"})
    assert r.status_code == 200
    client.get("/v1/accounts/demo:nobody", headers={"X-Request-ID": "log-2"})
    access = {rec["request_id"]: rec for rec in lines(records) if rec["logger"] == ACCESS_LOGGER}
    first = access["log-1"]
    assert set(first) == {
        "ts",
        "level",
        "logger",
        "message",
        "request_id",
        "method",
        "path",
        "status",
        "duration_ms",
    }
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", str(first["ts"]))
    assert first["level"] == "info" and first["method"] == "GET" and first["status"] == 200
    assert first["path"] == "/v1/accounts/{key}"  # the template, never the account key
    assert isinstance(first["duration_ms"], float) and first["duration_ms"] >= 0
    assert "demo:k1" not in json.dumps(first)
    assert access["log-2"]["status"] == 404


def test_configure_logging_writes_json_or_text_lines_to_stderr(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    root = logging.getLogger()
    names = ("uvicorn", "uvicorn.error", "uvicorn.access", ACCESS_LOGGER)
    saved = (root.handlers[:], root.level, {n: logging.getLogger(n).__dict__.copy() for n in names})
    try:
        configure_logging(world.settings.model_copy(update={"log_format": "json"}))
        with TestClient(create_app(world.settings)) as c:
            c.get("/livez", headers={"X-Request-ID": "cfg-json"})
        logging.getLogger("uvicorn.error").info("outside any request")
        out = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
        assert any(r["request_id"] == "cfg-json" and r["path"] == "/livez" for r in out)
        assert any(r["message"] == "outside any request" and r["request_id"] is None for r in out)

        configure_logging(world.settings.model_copy(update={"log_format": "text"}))
        with TestClient(create_app(world.settings)) as c:
            c.get("/livez", headers={"X-Request-ID": "cfg-text"})
        text = capsys.readouterr().err
        assert re.search(r"INFO +kolgraph\.access \[cfg-text\] GET /livez 200 [\d.]+ ms", text)
        assert len(root.handlers) == 1  # configuring twice does not double every line
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        for n in names:
            logging.getLogger(n).__dict__.update(saved[2][n])


def test_formatters_outside_a_request() -> None:
    record = logging.LogRecord("kolgraph.x", logging.WARNING, __file__, 1, "a %s", ("b",), None)
    doc = json.loads(JsonFormatter().format(record))
    assert doc["message"] == "a b" and doc["level"] == "warning" and doc["request_id"] is None
    assert TextFormatter().format(record).endswith("WARNING kolgraph.x [-] a b")


# ----------------------------------------------------------------------------- metrics
def test_metrics_count_requests_by_route_template_and_status(client: TestClient) -> None:
    before = scrape(client)
    for key in ("demo:k1", "demo:k2"):
        assert client.get(f"/v1/accounts/{key}").status_code == 200
    assert client.get("/v1/accounts/demo:nobody").status_code == 404
    assert client.get("/not/a/route-xyz").status_code == 404
    assert client.get("/docs/assets/swagger-ui.css").status_code == 200
    assert client.request("BREW", "/livez").status_code == 405
    after = scrape(client)
    text = client.get("/metrics").text
    for raw in ("demo:k1", "demo:nobody", "route-xyz", "swagger-ui.css", "BREW"):
        assert raw not in text, raw  # raw paths and methods never become labels

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    route = {"route": "/v1/accounts/{key}", "method": "GET"}
    assert delta("kolgraph_http_requests_total", status="200", **route) == 2
    assert delta("kolgraph_http_requests_total", status="404", **route) == 1
    assert delta("kolgraph_http_request_seconds_count", status="200", **route) == 2
    assert delta("kolgraph_http_request_seconds_bucket", status="200", le="+Inf", **route) == 2
    assert delta("kolgraph_http_request_seconds_sum", status="200", **route) > 0
    unmatched = {"route": "<unmatched>", "method": "GET", "status": "404"}
    assert delta("kolgraph_http_requests_total", **unmatched) == 1
    assets = {"route": "/docs/assets/{path}", "method": "GET", "status": "200"}
    assert delta("kolgraph_http_requests_total", **assets) == 1
    other = {"route": "/livez", "method": "other", "status": "405"}
    assert delta("kolgraph_http_requests_total", **other) == 1
    store = {"backend": "sqlite"}
    assert delta("kolgraph_store_seconds_count", operation="get_account", **store) == 3
    assert delta("kolgraph_store_seconds_count", operation="open", **store) >= 3


def test_metrics_is_public_plain_text_and_not_in_the_openapi(client: TestClient) -> None:
    r = client.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    assert "# TYPE kolgraph_http_requests_total counter" in r.text
    assert "# TYPE kolgraph_http_request_seconds histogram" in r.text
    assert "/metrics" not in client.get("/openapi.json").json()["paths"]


def test_metrics_off(world: World) -> None:
    settings = world.settings.model_copy(update={"metrics": False})
    with TestClient(create_app(settings)) as off, TestClient(create_app(world.settings)) as on:
        r = off.get("/metrics")
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
        assert off.get("/livez").headers["x-request-id"]  # ids and logs stay
        before = scrape(on)
        off.get("/v1/accounts/demo:k1")
        after = scrape(on)
    labels = {"route": "/v1/accounts/{key}", "method": "GET", "status": "200"}
    assert value(after, "kolgraph_http_requests_total", **labels) == value(
        before, "kolgraph_http_requests_total", **labels
    )


def test_job_hooks(client: TestClient) -> None:
    before = scrape(client)
    job_started("rank")
    job_finished("rank", "succeeded")
    record_job("crawl", "queued")
    with pytest.raises(RuntimeError), track_job("backtest"):
        raise RuntimeError("the job failed")
    with track_job("backtest"):
        job_running = scrape(client)
    after = scrape(client)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("kolgraph_jobs_total", kind="rank", state="started") == 1
    assert delta("kolgraph_jobs_total", kind="rank", state="succeeded") == 1
    assert delta("kolgraph_jobs_total", kind="crawl", state="queued") == 1
    assert delta("kolgraph_jobs_total", kind="backtest", state="failed") == 1
    assert delta("kolgraph_jobs_total", kind="backtest", state="succeeded") == 1
    assert value(job_running, "kolgraph_jobs_running", kind="backtest") == 1
    assert value(after, "kolgraph_jobs_running", kind="backtest") == 0
    assert value(after, "kolgraph_jobs_running", kind="rank") == 0
    assert "failed" in JOB_STATES
    with pytest.raises(ValueError, match="job state"):
        job_finished("rank", "exploded")
    with pytest.raises(ValueError, match="job kind"):
        job_started("Rank Job!")


def test_job_metrics_follow_a_runners_states(client: TestClient) -> None:
    hook = JobMetrics()
    before = scrape(client)
    hook("j1", "import", "queued")
    hook("j1", "import", "started")
    during = scrape(client)
    hook("j1", "import", "succeeded")
    hook("j2", "import", "interrupted")  # a stale job this process never ran
    after = scrape(client)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert value(during, "kolgraph_jobs_running", kind="import") == 1
    assert value(after, "kolgraph_jobs_running", kind="import") == 0
    for state in ("queued", "started", "succeeded", "interrupted"):
        assert delta("kolgraph_jobs_total", kind="import", state=state) == 1, state


# ----------------------------------------------------------------------------- settings
def test_export_environment_hands_settings_to_child_processes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = ("KOLGRAPH_DB", "KOLGRAPH_WORKERS", "KOLGRAPH_METRICS", "KOLGRAPH_METRICS_DIR")
    for name in (*names, "KOLGRAPH_NEO4J_URI", "PROMETHEUS_MULTIPROC_DIR"):
        monkeypatch.delenv(name, raising=False)  # restored after the test
    monkeypatch.setenv("KOLGRAPH_NEO4J_URI", "bolt://example.invalid:7687")
    settings = Settings(
        db=tmp_path / "x.db", workers=3, metrics=False, metrics_dir=tmp_path / "m", neo4j_uri=None
    )
    exported = export_environment(settings, ["db", "workers", "metrics", "neo4j_uri"])
    assert exported["KOLGRAPH_DB"] == str(tmp_path / "x.db")
    assert exported["KOLGRAPH_METRICS"] == "false"
    assert exported["KOLGRAPH_NEO4J_URI"] is None  # None unsets
    assert exported["PROMETHEUS_MULTIPROC_DIR"] == str(tmp_path / "m")
    child = Settings()  # what a worker process reads
    assert (child.db, child.workers, child.metrics, child.neo4j_uri) == (
        tmp_path / "x.db",
        3,
        False,
        None,
    )
    one = Settings(workers=1, metrics_dir=tmp_path / "m")
    assert "PROMETHEUS_MULTIPROC_DIR" not in export_environment(one, ["workers"])
    with pytest.raises(ValueError, match="not a kolgraph setting"):
        export_environment(settings, ["no_such_setting"])
