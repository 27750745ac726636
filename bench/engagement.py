"""Memory and time of the rank job's engagement stage on a synthetic store.

Usage::

    .venv/bin/python bench/engagement.py --users 200000 --mean-follows 10
    .venv/bin/python bench/engagement.py --db /tmp/k1m.db      # a loaded store (not changed)

Runs what the ``engagement`` stage runs (:func:`kolgraph.plan.learned.learn_from_store`,
then :func:`kolgraph.plan.learned.to_bytes`) in a child process and prints each step's
time and peak resident memory (sampled every 20 ms; the whole child's peak is VmHWM), the
evidence pairs found and kept, and the size of the stored model. Run it under a memory cap
(``prlimit --as=...``) on a shared machine. Numbers are measurements, not assertions.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


class _Peak:
    """Peak RSS since the last :meth:`reset`, from a sampling thread."""

    def __init__(self) -> None:
        self.value = 0.0
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        while True:
            self.value = max(self.value, _status_mb("VmRSS"))
            time.sleep(0.02)

    def reset(self) -> None:
        self.value = _status_mb("VmRSS")


def child(db: str) -> dict[str, Any]:
    """The stage, step by step, in this process."""
    from kolgraph.plan.backtest import learn
    from kolgraph.plan.cascades import cascades_from_store
    from kolgraph.plan.learned import store_follows, to_bytes
    from kolgraph.store import SQLiteStore

    peak = _Peak()
    steps: dict[str, dict[str, float]] = {}
    store = SQLiteStore(db)
    out: dict[str, Any] = {}

    def step(name: str, fn: Any) -> Any:
        peak.reset()
        t = time.perf_counter()
        got = fn()
        steps[name] = {
            "seconds": round(time.perf_counter() - t, 1),
            "peak_mb": round(max(peak.value, _status_mb("VmRSS"))),
        }
        return got

    t0 = time.perf_counter()
    cascades = step("cascades", lambda: cascades_from_store(store))
    follows = step("follows", lambda: store_follows(store))
    planner = step("learn", lambda: learn(cascades, follows=follows))
    blob = step("to_bytes", lambda: to_bytes(planner))
    out["seconds"] = round(time.perf_counter() - t0, 1)
    out["peak_mb"] = round(_status_mb("VmHWM"))
    out["steps"] = steps
    out["cascades"] = cascades.n_cascades
    out["evidence_pairs_kept"] = planner.evidence.n_pairs
    out["notes"] = planner.notes[1:]
    out["artifact_mb"] = round(len(blob) / 1e6, 1)
    return out


def _build(users: int, mean_follows: float, path: Path) -> None:
    from kolgraph.demo import load_demo
    from kolgraph.store import SQLiteStore
    from kolgraph.synth import generate_demo

    with SQLiteStore(path) as store:
        load_demo(store, generate_demo(users, seed=7, mean_follows=mean_follows))
        store.graph_arrays()  # the edge snapshot, outside the measurement


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--users", type=int, default=200_000)
    ap.add_argument("--mean-follows", type=float, default=10.0)
    ap.add_argument("--db", default=None, help="a loaded SQLite store instead of a new one")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db
        if db is None:
            db = str(Path(tmp) / "demo.db")
            t = time.perf_counter()
            _build(args.users, args.mean_follows, Path(db))
            print(f"store of {args.users:,} accounts built in {time.perf_counter() - t:.0f} s")
        run = subprocess.run(
            [sys.executable, __file__, "--child", db], capture_output=True, text=True, cwd=ROOT
        )
        if run.returncode:
            sys.exit(run.stderr)
        res = json.loads(run.stdout.splitlines()[-1])
    print(f"{'step':10} {'seconds':>9} {'peak MB':>9}")
    for name, s in res["steps"].items():
        print(f"{name:10} {s['seconds']:9.1f} {s['peak_mb']:9,}")
    print(
        f"engagement stage: {res['seconds']:.0f} s, peak RSS {res['peak_mb']:,} MB; "
        f"{res['cascades']:,} cascades, {res['evidence_pairs_kept']:,} evidence pairs kept, "
        f"stored model {res['artifact_mb']:,} MB"
    )
    for note in res["notes"]:
        print(note)


if __name__ == "__main__":
    main()
