"""Neo4j load and rank benchmark, against a real Neo4j 5.26.

Rows: relationships/s of the incremental load by batch size (``UNWIND $rows MERGE``), a
one-MERGE-per-edge baseline, the bulk CSV export, the bulk ``neo4j-admin database import
full`` itself, and the rank job on the demo graph from Neo4j (both engines) vs embedded.

Usage::

    .venv/bin/python bench/neo4j_load.py                      # 1M follows; rank on 50k demo
    .venv/bin/python bench/neo4j_load.py --edges 200000 --batch-sizes 1000,10000

Without ``KOLGRAPH_NEO4J_URI`` the benchmark starts its own server with
``tools/neo4j-server/neo4j.sh`` (home ``bench/out/neo4j-home``, free ports; needs Java 17 and
Maven) and measures the bulk import there. With it, that server's kolgraph data is cleared
between runs (use a scratch database) and the bulk import row is left out, since the import
replaces the database offline.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))  # the neo4j.sh driver shared with the test suite


def _network(edges: int) -> Any:
    from kolgraph.synth import generate_demo

    users = max(1_000, edges // 10)
    return generate_demo(users, seed=7, mean_follows=10.0)


def _bulk_row(net: Any, workdir: Path) -> dict[str, Any]:
    from kolgraph.demo import load_demo
    from kolgraph.store import SQLiteStore
    from kolgraph.store.bulk import export_neo4j_import

    store = SQLiteStore(workdir / "bench.db")
    load_demo(store, net)
    res = export_neo4j_import(store, workdir / "import")
    return {
        "method": "bulk CSV export (neo4j-admin input)",
        "batch": "-",
        "rows": res.rows,
        "seconds": res.seconds,
        "rate": res.rate,
        "note": "accounts + follows + reposts written as CSV",
    }


def _bulk_import_row(server: Any, workdir: Path) -> dict[str, Any]:
    """Export the store :func:`_bulk_row` filled, then time neo4j-admin's import into the
    stopped server's home."""
    from kolgraph.store import SQLiteStore
    from kolgraph.store.bulk import export_neo4j_import

    store = SQLiteStore(workdir / "bench.db")  # already holds the network (see _bulk_row)
    out = workdir / "admin-import"
    res = export_neo4j_import(store, out, container_dir=str(out))
    server.stop()
    t = time.perf_counter()
    done = server.admin(*shlex.split(res.command)[1:], timeout=3600)
    sec = time.perf_counter() - t
    server.start()
    if done.returncode != 0:
        return {"method": "neo4j-admin database import full", "note": done.stderr[-200:]}
    return {
        "method": "neo4j-admin database import full",
        "batch": "-",
        "rows": res.rows,
        "seconds": sec,
        "rate": res.rows / sec,
        "note": "offline, server stopped; includes the importer's JVM start",
    }


def _rank_rows(store: Any, users: int, workdir: Path) -> list[dict[str, Any]]:
    """The rank job on the ``users``-account demo graph: embedded vs Neo4j (both engines)."""
    from kolgraph.demo import load_demo
    from kolgraph.rank.job import RankParams, run_rank
    from kolgraph.store import SQLiteStore
    from kolgraph.synth import generate_demo

    net = generate_demo(users, seed=7)
    lite = SQLiteStore(workdir / "rank.db")
    load_demo(lite, net)
    store.clear()
    load_demo(store, net)
    rows = []
    for name, st, engine in (
        ("embedded (SQLite)", lite, "kolgraph"),
        ("Neo4j, in-process engine", store, "kolgraph"),
        ("Neo4j, GDS engine", store, "gds"),
    ):
        t = time.perf_counter()
        res = run_rank(st, params=RankParams(engine=engine))  # type: ignore[arg-type]
        sec = time.perf_counter() - t
        stages = ", ".join(f"{k} {v:.1f}" for k, v in res.timings.items() if v >= 0.05)
        rows.append(
            {
                "method": f"rank job: {name}",
                "batch": "-",
                "rows": res.counts.get("accounts", users),
                "seconds": sec,
                "rate": res.counts.get("accounts", users) / sec,
                "note": f"Q {res.quality.get('modularity', float('nan')):.4f}; {stages}",
            }
        )
    return rows


def _neo4j_rows(store: Any, net: Any, batch_sizes: list[int], naive: int) -> list[dict[str, Any]]:
    from kolgraph.model import Account, Kind

    keys = net.keys()
    src = keys[net.follow_src].tolist()
    dst = keys[net.follow_dst].tolist()
    accounts = [
        Account("demo", str(a), kind=Kind(k))
        for a, k in zip(net.accounts["account_id"], net.accounts["kind"], strict=True)
    ]
    rows: list[dict[str, Any]] = []
    for bs in batch_sizes:
        store.clear()
        store.upsert_accounts(accounts)
        store.batch_size = bs
        t = time.perf_counter()
        created = store.add_follows(src, dst)
        sec = time.perf_counter() - t
        rows.append(
            {
                "method": "UNWIND $rows MERGE",
                "batch": f"{bs:,}",
                "rows": created,
                "seconds": sec,
                "rate": created / sec,
                "note": "relationships created",
            }
        )
    store.clear()
    store.upsert_accounts(accounts)
    idx = store.keys_to_index(src[:naive] + dst[:naive])
    s_idx, d_idx = idx[:naive].tolist(), idx[naive:].tolist()
    t = time.perf_counter()
    for a, b in zip(s_idx, d_idx, strict=True):
        store.query("bench/merge_one_follow", src=a, dst=b)
    sec = time.perf_counter() - t
    rows.append(
        {
            "method": "one MERGE per edge (baseline)",
            "batch": "1",
            "rows": naive,
            "seconds": sec,
            "rate": naive / sec,
            "note": f"first {naive:,} edges",
        }
    )
    store.clear()
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--edges", type=int, default=1_000_000, help="follow edges to load (about)")
    ap.add_argument("--batch-sizes", default="1000,10000,50000", help="comma-separated")
    ap.add_argument("--naive", type=int, default=20_000, help="edges for the per-edge baseline")
    ap.add_argument(
        "--rank-users", type=int, default=50_000, help="demo accounts for the rank rows (0: none)"
    )
    args = ap.parse_args()
    batch_sizes = [int(x) for x in args.batch_sizes.split(",") if x.strip()]

    net = _network(args.edges)
    print(
        f"network: {len(net.accounts):,} accounts, {len(net.follow_src):,} follows, "
        f"{len(net.repost_src):,} reposts"
    )
    from kolgraph.errors import KolgraphError
    from kolgraph.settings import Settings
    from kolgraph.store import open_store

    settings, server = Settings(), None
    if not settings.neo4j_uri:
        from neo4j_server import LocalNeo4j

        server = LocalNeo4j(REPO / "bench" / "out" / "neo4j-home", heap="4g", pagecache="2g")
        t = time.perf_counter()
        server.start()
        print(f"local Neo4j at {server.uri} (start {time.perf_counter() - t:.1f} s)")
        settings = Settings(neo4j_uri=server.uri, neo4j_user=None, neo4j_password=None)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            rows = [_bulk_row(net, Path(tmp))]
            if server is not None:
                rows.append(_bulk_import_row(server, Path(tmp)))
            try:
                store = open_store(settings, backend="neo4j")
            except KolgraphError as exc:
                rows.append({"method": "Neo4j rows", "note": f"skipped: {exc.message}"})
            else:
                naive = min(args.naive, len(net.follow_src))
                rows += _neo4j_rows(store, net, batch_sizes, naive)
                if args.rank_users:
                    rows += _rank_rows(store, args.rank_users, Path(tmp))
                store.clear()
    finally:
        if server is not None:
            server.stop()

    from rich.console import Console
    from rich.table import Table

    table = Table(title="kolgraph Neo4j load and rank benchmark")
    for col in ("method", "batch", "rows", "seconds", "rows/s", "note"):
        table.add_column(col, justify="right" if col in {"rows", "seconds", "rows/s"} else "left")
    for r in rows:
        table.add_row(
            r["method"],
            r.get("batch", "-"),
            f"{r['rows']:,}" if "rows" in r else "-",
            f"{r['seconds']:.2f}" if "seconds" in r else "-",
            f"{r['rate']:,.0f}" if "rate" in r else "-",
            r.get("note", ""),
        )
    Console(width=160).print(table)


if __name__ == "__main__":
    main()
