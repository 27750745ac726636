"""Neo4j load benchmark: relationships/s by batch size, a one-MERGE-per-edge baseline,
and the bulk CSV export rate (for ``neo4j-admin database import full``).

Usage::

    .venv/bin/python bench/neo4j_load.py                     # 1M follow edges
    .venv/bin/python bench/neo4j_load.py --edges 200000 --batch-sizes 1000,10000

The Neo4j rows need ``KOLGRAPH_NEO4J_URI`` (and ``_USER`` / ``_PASSWORD``); the database's
kolgraph data is cleared between runs, so use a scratch database. Without it, only the
bulk export is measured and the table says so.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any


def _network(edges: int) -> Any:
    from kolgraph.demo import generate_demo

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


def _neo4j_rows(net: Any, batch_sizes: list[int], naive: int) -> list[dict[str, Any]]:
    from kolgraph.errors import KolgraphError
    from kolgraph.model import Account, Kind
    from kolgraph.settings import Settings
    from kolgraph.store import open_store
    from kolgraph.store.neo4j import Neo4jStore

    settings = Settings()
    if not settings.neo4j_uri:
        return [{"method": "Neo4j loads", "note": "skipped: KOLGRAPH_NEO4J_URI is not set"}]
    try:
        store = open_store(settings, backend="neo4j")
    except KolgraphError as exc:
        return [{"method": "Neo4j loads", "note": f"skipped: {exc.message}"}]
    assert isinstance(store, Neo4jStore)
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
    args = ap.parse_args()
    batch_sizes = [int(x) for x in args.batch_sizes.split(",") if x.strip()]

    net = _network(args.edges)
    print(
        f"network: {len(net.accounts):,} accounts, {len(net.follow_src):,} follows, "
        f"{len(net.repost_src):,} reposts"
    )
    with tempfile.TemporaryDirectory() as tmp:
        rows = [_bulk_row(net, Path(tmp))]
    rows += _neo4j_rows(net, batch_sizes, min(args.naive, len(net.follow_src)))

    from rich.console import Console
    from rich.table import Table

    table = Table(title="kolgraph Neo4j load benchmark")
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
