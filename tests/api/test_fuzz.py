"""The API fuzzed against its own OpenAPI document by schemathesis, with every check.

A real uvicorn serves the test store on a loopback port with API keys on; schemathesis
(``--checks all``, a fixed seed, enough examples for every route and its stateful
phase) must find nothing. ``fuzz.toml`` beside this file says why a schema-valid request
may be answered 422.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import build_world
from neo4j_server import free_port

from kolgraph.keys import create_key
from kolgraph.store import SQLiteStore

pytestmark = pytest.mark.slow

SEED = 42
EXAMPLES = 25


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(base URL, admin key) of a uvicorn serving a ranked test store with keys on."""
    world = build_world(tmp_path_factory.mktemp("fuzz") / "kolgraph.db")
    with SQLiteStore(world.db) as st:
        key = create_key(st, "fuzzer", "admin").key
    port = free_port()
    env = {
        **os.environ,
        "KOLGRAPH_DB": str(world.db),
        "KOLGRAPH_API_AUTH": "on",
        "KOLGRAPH_API_RATE_PER_MINUTE": "0",
        "KOLGRAPH_JOBS_DIR": str(tmp_path_factory.mktemp("jobs")),
    }
    cmd = [sys.executable, "-m", "uvicorn", "--factory", "kolgraph.api:create_app"]
    server = subprocess.Popen(
        [*cmd, "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/livez").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"uvicorn did not start: {server.stderr.read()!r}")  # type: ignore[union-attr]
            time.sleep(0.2)
        yield base, key
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_schemathesis_finds_nothing(served: tuple[str, str], tmp_path: Path) -> None:
    base, key = served
    schemathesis = Path(sys.executable).with_name("schemathesis")
    config = Path(__file__).with_name("fuzz.toml")
    run = subprocess.run(
        [
            str(schemathesis),
            "--config-file",
            str(config),
            "run",
            f"{base}/openapi.json",
            "--checks",
            "all",
            "--seed",
            str(SEED),
            "--max-examples",
            str(EXAMPLES),
            "--header",
            f"Authorization: Bearer {key}",
            "--workers",
            "1",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=600,
    )
    report = run.stdout + run.stderr
    assert run.returncode == 0, report[-6000:]
    assert "Operations:       22 selected / 22 total" in report or "Tested: " in report
    tested = next(line for line in report.splitlines() if line.strip().startswith("Tested:"))
    selected = next(line for line in report.splitlines() if line.strip().startswith("Selected:"))
    assert tested.split()[-1] == selected.split()[-1].split("/")[0], (tested, selected)
    assert " passed" in report and "failures" not in report.split("SUMMARY")[-1]
