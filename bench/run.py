"""kolgraph benchmark: import, snapshot, rank and plan throughput, one table.

Usage::

    .venv/bin/python bench/run.py            # synthetic 50k, 200k and 1M accounts + Higgs
    .venv/bin/python bench/run.py --quick    # synthetic 50k + Higgs
    .venv/bin/python bench/run.py --api      # and the HTTP API under load (bench/api.py)

Each case runs in its own process so its peak memory (max RSS) is its own.
Numbers are measurements on this machine, not assertions.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
HIGGS = ROOT.parent / "shared" / "data" / "higgs-twitter" / "higgs-activity_time.txt.gz"


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rank_and_plan(store: Any, row: dict[str, Any]) -> None:
    from kolgraph.model import Kind
    from kolgraph.plan import KindRange, PlanParams, make_plan
    from kolgraph.rank.job import RankParams, run_rank

    t = time.perf_counter()
    arrays = store.graph_arrays()
    row["snapshot_cold_s"] = time.perf_counter() - t
    t = time.perf_counter()
    for _ in range(3):
        arrays = store.graph_arrays()
    warm = (time.perf_counter() - t) / 3
    n_edges = arrays.n_follows + arrays.n_reposts
    row["snapshot_warm_medges_s"] = n_edges / warm / 1e6 if warm > 0 else float("inf")
    res = run_rank(store, params=RankParams(overlap_top_k=300))
    for k, v in res.timings.items():
        row[f"rank_{k}_s"] = v
    row["rank_total_s"] = sum(res.timings.values())
    row["modularity"] = res.quality["modularity"]
    t = time.perf_counter()
    make_plan(
        store,
        PlanParams(budget=50_000, mix={Kind.KOL: KindRange(3, 15), Kind.MEDIA: KindRange(0, 4)}),
    )
    row["plan_s"] = time.perf_counter() - t


def case_synthetic(users: int, workdir: Path) -> dict[str, Any]:
    from kolgraph.demo import load_demo
    from kolgraph.store import SQLiteStore
    from kolgraph.synth import generate_demo

    row: dict[str, Any] = {"case": f"synthetic {users:,}"}
    t = time.perf_counter()
    net = generate_demo(users, seed=7, mean_follows=10.0 if users >= 500_000 else 20.0)
    row["generate_s"] = time.perf_counter() - t
    row["accounts"] = len(net.accounts)
    row["follows"] = len(net.follow_src)
    row["reposts"] = len(net.repost_src)
    store = SQLiteStore(workdir / "bench.db")
    t = time.perf_counter()
    load_demo(store, net)
    row["import_s"] = time.perf_counter() - t
    row["import_edges_s"] = (row["follows"] + row["reposts"]) / row["import_s"]
    del net
    _rank_and_plan(store, row)
    row["peak_mb"] = _peak_mb()
    return row


def case_higgs(workdir: Path) -> dict[str, Any]:
    from kolgraph.ingest.higgs import import_higgs
    from kolgraph.store import SQLiteStore

    row: dict[str, Any] = {"case": "higgs activity"}
    store = SQLiteStore(workdir / "higgs.db")
    rep = import_higgs(store, HIGGS)
    c = store.counts()
    row.update(accounts=c.accounts, follows=c.follows, reposts=c.reposts)
    row["import_s"] = rep.seconds
    row["import_edges_s"] = rep.rate
    t = time.perf_counter()
    rep2 = import_higgs(store, HIGGS)
    row["reimport_s"] = time.perf_counter() - t
    assert rep2.new_edges == 0
    _rank_and_plan(store, row)
    row["peak_mb"] = _peak_mb()
    return row


COLUMNS = [
    ("case", "case", "{}"),
    ("accounts", "accounts", "{:,}"),
    ("follows", "follows", "{:,}"),
    ("reposts", "reposts", "{:,}"),
    ("import_s", "import s", "{:.1f}"),
    ("import_edges_s", "import edges/s", "{:,.0f}"),
    ("snapshot_cold_s", "snapshot cold s", "{:.2f}"),
    ("snapshot_warm_medges_s", "snapshot M edges/s", "{:,.0f}"),
    ("rank_load_s", "rank load s", "{:.2f}"),
    ("rank_pagerank_s", "pagerank s", "{:.2f}"),
    ("rank_communities_s", "leiden s", "{:.2f}"),
    ("rank_overlap_s", "overlap s", "{:.2f}"),
    ("rank_write_s", "write s", "{:.2f}"),
    ("rank_total_s", "rank total s", "{:.2f}"),
    ("modularity", "Q", "{:.3f}"),
    ("plan_s", "plan s", "{:.2f}"),
    ("peak_mb", "peak MB", "{:,.0f}"),
]


def print_table(rows: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="kolgraph benchmark (embedded store, this machine)")
    for _, title, _ in COLUMNS:
        table.add_column(title, justify="left" if title == "case" else "right")
    for r in rows:
        table.add_row(*(fmt.format(r[k]) if k in r else "-" for k, _, fmt in COLUMNS))
    Console(width=250).print(table)


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--quick", action="store_true", help="only the 50k synthetic case and Higgs")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    ap.add_argument("--json", type=Path, help="also write the rows as JSON here")
    ap.add_argument(
        "--api",
        action="store_true",
        help="then bench/api.py: plan and read latency over HTTP (50k only with --quick)",
    )
    args = ap.parse_args()
    if args.one:
        with tempfile.TemporaryDirectory() as tmp:
            kind, _, size = args.one.partition(":")
            row = case_higgs(Path(tmp)) if kind == "higgs" else case_synthetic(int(size), Path(tmp))
        print(json.dumps(row))
        return
    cases = (
        ["synthetic:50000"]
        if args.quick
        else ["synthetic:50000", "synthetic:200000", "synthetic:1000000"]
    )
    if HIGGS.exists():
        cases.append("higgs")
    rows = []
    for case in cases:
        print(f"running {case} ...", file=sys.stderr, flush=True)
        proc = subprocess.run(
            [sys.executable, __file__, "--one", case], capture_output=True, text=True, check=False
        )
        if proc.returncode != 0:
            print(proc.stderr, file=sys.stderr)
            rows.append({"case": f"{case} FAILED"})
            continue
        rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    print_table(rows)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    if args.api:
        api = [sys.executable, str(Path(__file__).with_name("api.py"))]
        subprocess.run([*api, *(["--quick"] if args.quick else [])], check=False)


if __name__ == "__main__":
    main()
