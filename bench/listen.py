"""Listening on the real Higgs week: ingest rate, memory, event-to-state time, the 4 July
burst's alert, and the early size forecast's error. One command, printed tables.

Usage::

    .venv/bin/python bench/listen.py                 # embedded store, and a local Neo4j
    .venv/bin/python bench/listen.py --no-neo4j      # embedded store only
    .venv/bin/python bench/listen.py --neo4j-events 100000   # fewer events into Neo4j

Cases:

* **ingest**: ``kolgraph listen FILE --higgs`` replays the SNAP Higgs activity
  (563,069 retweets, mentions and replies of 1-7 July 2012, in time order) into a
  fresh store with one topic (``--any``), as its own process; events/s is the
  command's own count over its run (parse, store, graph edges, topic state), ``peak
  MB`` the listener process's high-water resident memory (GNU time's ``%M``; on Neo4j
  the server's own memory is not in it).
* **event to state**: a listener follows a file (``--follow``); one event at a time is
  appended and the time until the topic's stored state counts it is measured (wall
  clock, 30 events, 0.3 s apart).
* **4 July burst**: the bursts in the replayed topic's stored state, each judged
  against Kleinberg's automaton run offline on the week
  (:func:`kolgraph.listen.burst_eval.evaluate_higgs`): the alert delay of the 4 July
  burst in simulated minutes, and the alarms before it that no offline burst backs.
* **forecast**: :func:`kolgraph.listen.early_eval.evaluate` (fit on the earliest 70% of
  each real cascade set, tested on the latest 30%) at 1, 2 and 6 hours.

Numbers are measurements on this machine, not assertions.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _table import print_table

ROOT = Path(__file__).resolve().parents[1]
DATA = (ROOT / ".." / "shared" / "data").resolve()
HIGGS = DATA / "higgs-twitter" / "higgs-activity_time.txt.gz"
sys.path.insert(0, str(ROOT / "tests"))  # the neo4j.sh driver shared with the test suite


def _fmt(x: Any) -> str:
    if isinstance(x, float):
        return f"{x:,.2f}" if abs(x) < 100 else f"{x:,.0f}"
    if isinstance(x, int):
        return f"{x:,}"
    return str(x)


def _kolgraph(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kolgraph", *args],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )


def _ingest(store_args: list[str], env: dict[str, str], higgs: Path, label: str) -> dict[str, Any]:
    _kolgraph("topics", "add", "higgs", "--any", *store_args, env=env)
    # GNU time reports the command's own peak resident memory (%M, KB)
    timed = ["/usr/bin/time", "-f", "peak_kb=%M"] if Path("/usr/bin/time").exists() else []
    t = time.perf_counter()
    done = subprocess.run(
        [
            *timed,
            sys.executable,
            "-m",
            "kolgraph",
            "listen",
            str(higgs),
            "--higgs",
            "--format",
            "json",
            *store_args,
        ],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - t
    peak = [line for line in done.stderr.splitlines() if line.startswith("peak_kb=")]
    report = json.loads(done.stdout)
    return {
        "store": label,
        "events": report["events"],
        "new": report["new"],
        "seconds": wall,
        "events/s (listen)": report["events_per_second"],
        "events/s (wall, with start)": report["events"] / wall,
        "peak MB (listener)": int(peak[-1].split("=")[1]) / 1024 if peak else float("nan"),
    }


def _latency(db: Path, env: dict[str, str], samples: int = 30) -> dict[str, Any]:
    from kolgraph.store import SQLiteStore

    path = db.with_suffix(".follow.jsonl")
    path.write_text("")
    _kolgraph("topics", "add", "live", "--hashtag", "live", "--db", str(db), env=env)
    proc = subprocess.Popen(
        [sys.executable, "-m", "kolgraph", "listen", str(path), "--follow", "--db", str(db)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    waits: list[float] = []
    try:
        time.sleep(3.0)  # the listener loads its topics
        ts = 1_341_800_000
        for i in range(samples):
            with SQLiteStore(db) as st:
                before = st.listening.get_topic("live").state or {}
            seen = int(before.get("events", 0))
            row = {
                "platform": "twitter",
                "type": "post",
                "author": f"u{i}",
                "ts": ts + i,
                "hashtags": ["live"],
            }
            t = time.perf_counter()
            with path.open("a") as fh:
                fh.write(json.dumps(row) + "\n")
            while time.perf_counter() - t < 10:
                with SQLiteStore(db) as st:
                    state = st.listening.get_topic("live").state or {}
                if int(state.get("events", 0)) > seen:
                    waits.append(time.perf_counter() - t)
                    break
                time.sleep(0.01)
            time.sleep(0.3)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    waits.sort()
    return {
        "samples": len(waits),
        "median s": waits[len(waits) // 2] if waits else float("nan"),
        "p95 s": waits[int(0.95 * (len(waits) - 1))] if waits else float("nan"),
        "max s": waits[-1] if waits else float("nan"),
    }


def _bursts(db: Path) -> list[dict[str, Any]]:
    from kolgraph.listen.burst_eval import evaluate_higgs
    from kolgraph.listen.tracker import iso
    from kolgraph.store import SQLiteStore

    with SQLiteStore(db) as st:
        state = st.listening.get_topic("higgs").state or {}
    ref = evaluate_higgs(HIGGS)
    verdicts = {a.burst.start: a for a in ref.alarms}
    print(
        f"\noffline reference (Kleinberg's automaton on the week): 4 July burst "
        f"{iso(ref.reference_start)} .. {iso(ref.reference_end)}; detector threshold "
        f"{ref.threshold:.2f} (at most {ref.false_alarms_per_day_bound:.3f} false alarms/day "
        "under a stationary Poisson rate)"
    )
    rows = []
    for b in state.get("bursts", []):
        alarm = verdicts.get(b["start"])
        verdict = alarm.verdict if alarm is not None else "?"
        ref_start = (
            ref.reference_start if verdict == "target" else (alarm and alarm.reference_start)
        )
        rows.append(
            {
                "burst start": iso(b["start"]),
                "alert": iso(b["detected_at"]),
                "delay min": (b["detected_at"] - b["start"]) / 60,
                "reference start": iso(ref_start) or "-",
                "alert - reference min": (b["detected_at"] - ref_start) / 60 if ref_start else "-",
                "verdict": verdict,
                "peak /h": b["peak_rate"],
                "baseline /h": b["baseline_rate"],
            }
        )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--no-neo4j", action="store_true", help="skip the Neo4j ingest row")
    ap.add_argument("--neo4j-events", type=int, default=0, help="events into Neo4j (0: all)")
    args = ap.parse_args()
    if not HIGGS.is_file():
        raise SystemExit(f"no Higgs data at {HIGGS}")
    env = {**os.environ, "KOLGRAPH_API_AUTH": "off"}
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "listen.db"
        rows.append(_ingest(["--db", str(db)], env, HIGGS, "embedded (SQLite)"))
        burst_rows = _bursts(db)
        latency = _latency(Path(tmp) / "latency.db", env)
        if not args.no_neo4j:
            rows.append(_neo4j_row(env, Path(tmp), args.neo4j_events))
    print_table("Ingest: the Higgs week replayed by `kolgraph listen --higgs`", rows, _fmt)
    print_table("Event to updated topic state (`listen --follow`, embedded store)", [latency], _fmt)
    if burst_rows:
        print_table("Bursts in the replayed topic's state (event time, UTC)", burst_rows, _fmt)
    from kolgraph.listen.early_eval import evaluate

    report = evaluate(DATA)
    print("\n## Early size forecast on held-back real cascades\n")
    print(report.table())


def _neo4j_row(env: dict[str, str], tmp: Path, limit: int) -> dict[str, Any]:
    from kolgraph.settings import Settings

    settings, server = Settings(), None
    if not settings.neo4j_uri:
        from neo4j_server import LocalNeo4j

        server = LocalNeo4j(ROOT / "bench" / "out" / "neo4j-home", heap="4g", pagecache="2g")
        server.start()
        settings = Settings(neo4j_uri=server.uri, neo4j_user=None, neo4j_password=None)
    try:
        from kolgraph.store import open_store

        with open_store(settings, backend="neo4j") as st:
            st.clear()
            for t in st.listening.topics():
                st.listening.remove_topic(t.name)
        higgs = HIGGS
        if limit:
            import gzip

            higgs = tmp / "higgs-head.txt"
            with gzip.open(HIGGS, "rt") as fh, higgs.open("w") as out:
                rows = sorted(
                    (line for line in fh if line.strip()), key=lambda r: int(r.split()[2])
                )
                out.writelines(rows[:limit])
        neo_env = {**env, "KOLGRAPH_STORE": "neo4j", "KOLGRAPH_NEO4J_URI": settings.neo4j_uri or ""}
        neo_env.pop("KOLGRAPH_NEO4J_USER", None)
        neo_env.pop("KOLGRAPH_NEO4J_PASSWORD", None)
        return _ingest([], neo_env, higgs, "Neo4j" + (f" (first {limit:,})" if limit else ""))
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
