"""The crawl command line contract: simulate, crawl, status, replay, export edges."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kolgraph.cli import app

runner = CliRunner()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """``kolgraph simulate`` in a subprocess on a free port: (url, seeds file)."""
    seeds = tmp_path / "seeds.txt"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kolgraph",
            "simulate",
            "--port",
            "0",
            "--accounts",
            "300",
            "--seed",
            "4",
            "--seeds-out",
            str(seeds),
            "--seeds-count",
            "2",
            "--retry-after",
            "0",
        ],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        m = re.search(r"(http://127\.0\.0\.1:\d+)", line)
        assert m, line
        yield m.group(1), seeds
    finally:
        proc.send_signal(signal.SIGINT)  # Ctrl-C stops it cleanly
        assert proc.wait(timeout=10) == 0


def _env() -> dict[str, str]:
    return {
        **os.environ,
        "KOLGRAPH_WEIBO_COOKIE": "SUB=t",
        "KOLGRAPH_CRAWL_RETRIES": "3",
    }


def test_simulate_crawl_status_export_replay(served: tuple[str, Path], tmp_path: Path) -> None:
    url, seeds = served
    ids = seeds.read_text().split()
    assert len(ids) == 2 and all(i.isdigit() for i in ids)
    db = tmp_path / "k.db"
    base = ["--db", str(db)]
    args = ["crawl", "weibo", "--seeds", str(seeds), "--base-url", url, "--no-throttle"]
    archive = ["--archive", str(tmp_path / "arch")]
    res = runner.invoke(app, [*args, *archive, "--format", "json", *base], env=_env())
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    assert report["status"] == "done" and report["pages"] > 20
    assert report["new_follows"] > 0 and report["new_reposts"] > 0

    # the same command again resumes the same crawl: nothing left to do
    again = runner.invoke(app, [*args, *archive, "--format", "json", *base], env=_env())
    assert json.loads(again.stdout)["pages"] == 0

    status = runner.invoke(app, ["crawl", "status", "--format", "json", *base])
    assert status.exit_code == 0, status.output
    (info,) = json.loads(status.stdout)["data"]
    assert info["crawl_id"] == report["crawl_id"] and info["platform"] == "weibo"
    assert info["stats"]["new_follows"] == report["new_follows"]

    export = runner.invoke(app, ["export", "edges", "--format", "json", *base])
    rows = json.loads(export.stdout)
    follows = [r for r in rows if r["type"] == "follow"]
    reposts = [r for r in rows if r["type"] == "repost"]
    assert len(follows) == report["new_follows"] and len(reposts) == report["new_reposts"]
    assert all(r["post_id"] and r["ts"] > 1_700_000_000 for r in reposts)
    assert all(r["src"].startswith("weibo:") for r in rows)

    rebuilt = ["--db", str(tmp_path / "r.db")]
    res = runner.invoke(
        app, ["crawl", "replay", str(tmp_path / "arch"), "--format", "json", *rebuilt]
    )
    assert res.exit_code == 0, res.output
    replayed = json.loads(res.stdout)
    assert replayed["new_follows"] == report["new_follows"]
    assert replayed["new_reposts"] == report["new_reposts"]


def test_crawl_errors_are_clear(tmp_path: Path) -> None:
    res = runner.invoke(
        app, ["crawl", "x", "--seeds", str(tmp_path / "none.txt"), "--db", str(tmp_path / "d.db")]
    )
    assert res.exit_code == 2
    assert "cannot read seeds file" in res.output and "fix:" in res.output
    seeds = tmp_path / "s.txt"
    seeds.write_text("123\n")
    env = {k: v for k, v in os.environ.items() if k != "KOLGRAPH_X_BEARER_TOKEN"}
    res = runner.invoke(
        app,
        ["crawl", "x", "--seeds", str(seeds), "--no-archive", "--db", str(tmp_path / "d.db")],
        env={**env, "KOLGRAPH_X_BEARER_TOKEN": ""},
    )
    assert res.exit_code == 2
    assert "KOLGRAPH_X_BEARER_TOKEN" in res.output
    res = runner.invoke(app, ["crawl", "replay", str(tmp_path / "nothing")])
    assert res.exit_code == 2 and "no crawl archive" in res.output


def test_simulate_on_a_busy_port_is_a_clear_error() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(app, ["simulate", "--port", str(port), "--accounts", "200"])
    assert result.exit_code == 2, result.output
    assert "error:" in result.output and str(port) in result.output
