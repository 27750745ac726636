"""``kolgraph listen``, ``topics``, ``respond`` and ``alerts`` as a strategist runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

T0 = 1_341_100_800


def _run(*args: str, db: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kolgraph", *args, "--db", str(db)],
        capture_output=True,
        text=True,
        check=check,
    )


def _stream(path: Path) -> None:
    rows: list[dict[str, Any]] = []
    for i in range(150):  # six an hour for 25 hours
        rows.append({"platform": "x", "type": "post", "author": f"q{i}", "ts": T0 + 600 * i})
    start = T0 + 600 * 150
    for i in range(1500):  # then twenty a minute
        rows.append(
            {
                "platform": "x",
                "type": "repost",
                "author": f"l{i}",
                "parent_author": f"q{i % 3}",
                "ts": start + 3 * i,
                "hashtags": ["storm"],
            }
        )
    rows.append({"platform": "x", "type": "post", "author": "z", "ts": start + 4 * 3600})
    lines = [json.dumps(r) for r in rows]
    lines.insert(10, '{"platform": "x", "type": "like"}')
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.slow
def test_listen_follows_topics_alerts_a_command_and_shows_the_state(tmp_path: Path) -> None:
    db = tmp_path / "kolgraph.db"
    events = tmp_path / "events.jsonl"
    _stream(events)
    got = tmp_path / "alerts.jsonl"
    script = f"import sys; open({str(got)!r}, 'a').write(sys.stdin.read() + chr(10))"
    hook = f'{sys.executable} -c "{script}"'
    assert _run("topics", "add", "everything", "--any", db=db).returncode == 0
    _run("topics", "add", "storm", "--hashtag", "#Storm", db=db)
    done = _run("listen", str(events), "--alert-cmd", hook, "--format", "json", db=db)
    report = json.loads(done.stdout)
    assert (report["new"], report["rejected"]) == (1651, 1)
    assert report["topics"] == {"everything": 1651, "storm": 1500}
    rejects = (tmp_path / "events.jsonl.rejects.tsv").read_text().splitlines()
    assert len(rejects) == 2 and "\t11\t" in rejects[1] and "not an event type" in rejects[1]
    shown = json.loads(_run("topics", "show", "everything", "--format", "json", db=db).stdout)
    assert shown["events"] == 1651 and shown["bursts"]
    assert {"start", "detected_at"} <= set(shown["bursts"][0])
    assert shown["phase"] in {"origin", "explosion", "mass_spread", "flattening"}
    assert shown["amplifiers"][0]["key"] in {"x:q0", "x:q1", "x:q2"}
    final = shown["forecast"]["final_size"]
    assert final["low"] <= final["expected"] <= final["high"] and final["low"] >= 1651
    alerts = [json.loads(line) for line in got.read_text().splitlines() if line.strip()]
    assert {"burst"} <= {a["kind"] for a in alerts}
    assert {a["topic"] for a in alerts} <= {"everything", "storm"}
    log = json.loads(_run("alerts", "deliveries", "--format", "json", db=db).stdout)["data"]
    assert log and all(d["status"] == "delivered" for d in log)
    assert json.loads(_run("alerts", "list", "--format", "json", db=db).stdout)["count"] == 0
    again = json.loads(_run("listen", str(events), "--format", "json", db=db).stdout)
    assert again["lines"] == 0  # resumed at the end: nothing read twice
    listed = _run("topics", "list", db=db).stdout
    assert "everything" in listed and "storm" in listed


def test_respond_and_topics_say_what_is_wrong(tmp_path: Path) -> None:
    db = tmp_path / "kolgraph.db"
    _run("topics", "add", "t", "--any", db=db)
    missing = _run("topics", "show", "nope", db=db, check=False)
    assert missing.returncode == 2 and "no topic named 'nope'" in missing.stderr
    empty = _run("respond", "t", "--budget", "100", db=db, check=False)
    assert empty.returncode == 2 and "has no events" in empty.stderr
    bad = _run("topics", "add", "x", db=db, check=False)
    assert bad.returncode == 2 and "matches nothing" in bad.stderr
    dup = _run("topics", "add", "t", "--any", db=db, check=False)
    assert dup.returncode == 2 and "already exists" in dup.stderr
    no_file = _run("listen", str(tmp_path / "none.jsonl"), db=db, check=False)
    assert no_file.returncode == 2 and "no file" in no_file.stderr
