"""A listener killed with SIGKILL mid-stream resumes where it stopped: nothing lost or doubled."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kolgraph.listen.sources import Position
from kolgraph.store import SQLiteStore
from tests.listen.test_listener import stream

pytestmark = pytest.mark.slow

N = 120_000


def _kolgraph(*args: str, db: Path) -> list[str]:
    return [sys.executable, "-m", "kolgraph", *args, "--db", str(db)]


def _checkpoint(db: Path, source: str) -> Position:
    try:
        with SQLiteStore(db) as st:
            return Position.parse(st.listening.checkpoint(source))
    except Exception:
        return Position()


def test_kill_9_mid_stream_then_resume_loses_and_doubles_nothing(tmp_path: Path) -> None:
    db = tmp_path / "kolgraph.db"
    path = tmp_path / "events.jsonl"
    rows = stream(N, seed=11)
    rows += rows[:500]  # the stream itself repeats some events
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    env = {**os.environ, "KOLGRAPH_LISTEN_BATCH_SIZE": "2000"}
    subprocess.run(_kolgraph("topics", "add", "all", "--any", db=db), check=True, env=env)
    subprocess.run(
        _kolgraph("topics", "add", "brand", "--hashtag", "brand", db=db), check=True, env=env
    )
    source = f"file:{path.resolve()}"
    proc = subprocess.Popen(_kolgraph("listen", str(path), db=db), env=env, stderr=subprocess.PIPE)
    killed_at = Position()
    while proc.poll() is None:
        pos = _checkpoint(db, source)
        if pos.line > N // 5:
            proc.send_signal(signal.SIGKILL)
            killed_at = pos
            break
        time.sleep(0.05)
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, "the listener ended before it could be killed"
    assert 0 < killed_at.line < len(rows)
    done = subprocess.run(
        _kolgraph("listen", str(path), "--format", "json", db=db),
        check=True,
        env=env,
        capture_output=True,
        text=True,
    )
    report = json.loads(done.stdout)
    assert report["lines"] < len(rows)  # it resumed instead of reading everything again
    with SQLiteStore(db) as st:
        assert st.listening.count_events() == N
        assert st.listening.count_events(topic="all") == N
        assert st.listening.count_events(topic="brand") == len(range(0, N, 3))
        assert _checkpoint(db, source) == Position(path.stat().st_size, len(rows))
        live = st.listening.get_topic("all").state
    assert live is not None and live["events"] == N
    subprocess.run(_kolgraph("topics", "show", "all", "--recompute", db=db), check=True, env=env)
    with SQLiteStore(db) as st:
        rebuilt = st.listening.get_topic("all").state
    assert rebuilt is not None
    for key in ("events", "adopters", "bursts", "amplifiers", "communities", "curve"):
        assert rebuilt[key] == live[key], key
