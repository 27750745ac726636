"""The strategist's toolkit on a big store: each command's time and peak memory, one table.

Usage::

    .venv/bin/python bench/toolkit.py                       # seeded 1M-account store
    .venv/bin/python bench/toolkit.py --users 200000        # a smaller one
    .venv/bin/python bench/toolkit.py --db /tmp/k1m.db      # reuse a ranked store

The store is the seeded synthetic network (``generate_demo(N, seed=7)``), imported and
ranked once (the full rank job; kept at ``--db`` when given, so a second run skips it).
Every command then runs as ``kolgraph ...`` in its own process, as a strategist runs
it; the table shows its wall time and its peak resident memory (``ru_maxrss`` of that
process). The store is prepared and read in worker processes, so this script stays small
(a child's ``ru_maxrss`` starts from its parent's size at the fork). Numbers are
measurements on this machine, not assertions.
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
KOLGRAPH = [sys.executable, "-m", "kolgraph"]


def _prepare(db: Path, users: int) -> dict[str, float]:
    """Generate, import and rank the store unless ``db`` already holds a ranked one."""
    from kolgraph.demo import load_demo
    from kolgraph.rank.job import run_rank
    from kolgraph.store import SQLiteStore
    from kolgraph.synth import generate_demo

    store = SQLiteStore(db)
    try:
        if store.current_run() is not None:
            return {}
        t = time.perf_counter()
        net = generate_demo(users, seed=7, mean_follows=10.0 if users >= 500_000 else 20.0)
        load_demo(store, net)
        del net
        made = time.perf_counter() - t
        t = time.perf_counter()
        run_rank(store)
        return {"generate_and_import_s": made, "rank_s": time.perf_counter() - t}
    finally:
        store.close()


def _run(args: list[str], db: Path) -> tuple[float, float, str]:
    """``kolgraph ARGS --db DB`` in its own process: (seconds, peak MB, stdout)."""
    t = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen([*KOLGRAPH, *args, "--db", str(db)], stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t
        out.seek(0)
        err.seek(0)
        text, problem = out.read().decode(), err.read().decode()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"kolgraph {' '.join(args[:3])} failed:\n{problem[-2000:]}")
    return seconds, usage.ru_maxrss / 1024, text


def _keys(db: Path) -> dict[str, list[str]]:
    """Keys by kind, largest audience first (from the current run's scores)."""
    from kolgraph.store import SQLiteStore

    store = SQLiteStore(db)
    try:
        acc = store.accounts_frame()
        acc["audience"] = store.current_scores()["audience"].to_numpy()
        acc = acc.sort_values("audience", ascending=False)
        return {k: acc.loc[acc["kind"] == k, "key"].astype(str).tolist() for k in ("kol", "media")}
    finally:
        store.close()


def _worker(what: str, db: Path, users: int) -> Any:
    """Run ``--worker WHAT`` of this script in a child process; its JSON result."""
    cmd = [sys.executable, __file__, "--worker", what, "--db", str(db), "--users", str(users)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{what} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=1_000_000)
    ap.add_argument("--db", type=Path, help="keep (or reuse) the ranked store here")
    ap.add_argument("--json", type=Path, help="also write the rows as JSON")
    ap.add_argument("--worker", choices=["prepare", "keys"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker is not None:  # run in a child process: print JSON, exit
        db = args.db
        result = _prepare(db, args.users) if args.worker == "prepare" else _keys(db)
        print(json.dumps(result))
        return
    work = Path(tempfile.mkdtemp(prefix="kolgraph-toolkit-"))
    db = args.db or work / "toolkit.db"
    prep = _worker("prepare", db, args.users)
    keys = _worker("keys", db, args.users)
    kols, media = keys["kol"], keys["media"]
    rival, brand_kol = media[0], kols[0]
    mix = ["--kol", "3..15", "--media", "0..4"]
    cases: list[tuple[str, list[str]]] = [
        ("overlap of 100 KOLs -> xlsx", ["overlap", *kols[:100], "-o", str(work / "ov.xlsx")]),
        ("affinity to a media account", ["affinity", rival, "--format", "json"]),
        ("lookalikes of the top KOL", ["lookalike", brand_kol, "--format", "json"]),
        ("plan (everyone)", ["plan", "--budget", "50000", *mix, "--format", "json"]),
        (
            "plan for a rival's new audience",
            [
                *["plan", "--budget", "50000", *mix, "--target-followers-of", rival],
                *["--new-audience-only", "--max-per-community", "3", "--format", "json"],
            ],
        ),
        (
            "plan with a 10-point budget curve",
            ["plan", "--budget-curve", "10000..100000:10000", *mix, "--format", "json"],
        ),
    ]
    rows: list[dict[str, Any]] = []
    ids: list[str] = []
    for name, cmd in cases:
        seconds, mb, text = _run(cmd, db)
        if cmd[0] == "plan":
            ids.append(json.loads(text)["id"])
        rows.append({"command": name, "seconds": seconds, "peak MB": mb})
        print(f"{name}: {seconds:.1f} s, {mb:,.0f} MB", file=sys.stderr)
    tail: list[tuple[str, list[str]]] = [
        ("plans compare (3 plans)", ["plans", "compare", *ids[-3:], "--format", "json"]),
        ("report -> html", ["report", ids[-1], "-o", str(work / "plan.html")]),
        ("report -> xlsx", ["report", ids[-1], "-o", str(work / "plan.xlsx")]),
    ]
    for name, cmd in tail:
        seconds, mb, _ = _run(cmd, db)
        rows.append({"command": name, "seconds": seconds, "peak MB": mb})
        print(f"{name}: {seconds:.1f} s, {mb:,.0f} MB", file=sys.stderr)
    html = work / "plan.html"
    title = f"toolkit commands on the seeded {args.users:,}-account store (own process each)"
    print_table(title, rows, lambda v: f"{v:,.1f}" if isinstance(v, float) else str(v))
    if prep:
        print(
            f"\nstore: generated and imported in {prep['generate_and_import_s']:.0f} s, "
            f"ranked in {prep['rank_s']:.0f} s"
        )
    if html.exists():
        print(f"report: {html.stat().st_size / 1e6:.1f} MB of self-contained HTML")
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "prepare": prep}, indent=2))


if __name__ == "__main__":
    main()
