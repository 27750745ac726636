"""Backtest kolgraph's plans against simple baselines on real, time-split cascades.

Usage::

    .venv/bin/python bench/recommend.py                 # every set found in ../shared/data
    .venv/bin/python bench/recommend.py --sets douban --k 10,25,50 --json bench/out/rec.json

Each set goes through the product path: the real importers fill a temporary
embedded (SQLite) store, :func:`kolgraph.plan.cascades.cascades_from_store` regroups
its repost edges into cascades, and :func:`kolgraph.plan.backtest.run_backtest` splits
them by start time (first 70% train), plans with every method on the training
part only and counts the moved users on the rest.

* **douban**: ``social_edges.txt.gz`` (follow edges ``a,b``: a follows b) and
  ``cascades.txt.gz`` (adoption cascades);
* **twitter-graph-cascades**: ``graph.txt`` as follow edges, ``train.txt`` and
  ``test.txt`` together as the cascades (the backtest does its own time split);
* **higgs-retweets**: ``higgs-activity_time.txt.gz``, retweets only; each original
  author's retweets are one cascade (the dump has no post ids and no follow graph).

The table shows each method's moved users as a ratio to the best baseline at each
k, then the default plan's forecast check (share of measured values inside the
80% interval; median expected / measured) and the planning times.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"


def _store_for(name: str, workdir: Path) -> Any:
    from kolgraph.crawl.importers import import_cascades, import_edges, import_higgs
    from kolgraph.store import SQLiteStore

    store = SQLiteStore(workdir / f"{name}.db")
    if name == "douban":
        d = DATA / "douban"
        import_edges(store, d / "social_edges.txt.gz", platform="douban", delimiter=",")
        import_cascades(store, d / "cascades.txt.gz", platform="douban", on_error="skip")  # last line cut
    elif name == "twitter-graph-cascades":
        d = DATA / "twitter-graph-cascades"
        import_edges(store, d / "graph.txt", platform="twitter")
        for part in ("train.txt", "test.txt"):
            import_cascades(store, d / part, platform="twitter")
    elif name == "higgs-retweets":
        import_higgs(store, DATA / "higgs-twitter" / "higgs-activity_time.txt.gz", actions=("RT",))
    else:
        raise SystemExit(f"unknown set {name!r}")
    return store


SETS = {
    "douban": DATA / "douban" / "cascades.txt.gz",
    "twitter-graph-cascades": DATA / "twitter-graph-cascades" / "train.txt",
    "higgs-retweets": DATA / "higgs-twitter" / "higgs-activity_time.txt.gz",
}


def run_set(name: str, ks: tuple[int, ...], workdir: Path) -> dict[str, Any]:
    from kolgraph.plan.backtest import BacktestParams, run_backtest
    from kolgraph.plan.cascades import cascades_from_store

    t = time.perf_counter()
    store = _store_for(name, workdir)
    load_s = time.perf_counter() - t
    cascades = cascades_from_store(store)
    g = store.graph_arrays()
    follows = (g.follow_src.astype(np.int64), g.follow_dst.astype(np.int64)) if g.n_follows else None
    t = time.perf_counter()
    res = run_backtest(cascades, follows=follows, params=BacktestParams(ks=ks))
    out = res.as_dict()
    out["set"] = name
    out["timings"]["import"] = load_s
    out["timings"]["backtest"] = time.perf_counter() - t
    store.close()
    return out


def _print(results: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=200)
    for r in results:
        ks = r["ks"]
        t = Table(
            title=f"{r['set']}: moved users / best baseline ({r['counts']['test_cascades']:,} test "
            f"cascades, {r['counts']['test_users']:,} users; auto = {r['objective']}, audience "
            f"= {r['audience']})"
        )
        t.add_column("method")
        for k in ks:
            t.add_column(f"k={k}", justify="right")
        for k in ks:
            t.add_column(f"moved k={k}", justify="right")
        for m, vals in r["ratio_to_best_baseline"].items():
            t.add_row(m, *(f"{v:.3f}" for v in vals), *(f"{v:,.0f}" for v in r["moved"][m]))
        console.print(t)
        f = r["forecast"]
        console.print(
            f"forecast: 80% interval coverage {f['coverage_80']:.2f} over {len(f['points'])} "
            f"(k, horizon) points; median expected/measured {f['median_expected_over_measured']:.2f}; "
            f"learn {r['timings']['learn']:.1f} s, engagement greedy {r['timings']['engagement'] * 1000:.0f} ms"
        )
        imp = {k: v for k, v in r["importances"].items() if k != "auc"}
        top = sorted(imp.items(), key=lambda kv: -kv[1])[:5]
        console.print(
            f"model AUC {r['importances'].get('auc', float('nan')):.3f}; top features: "
            + ", ".join(f"{k} {v:.3f}" for k, v in top)
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sets", default=",".join(SETS), help="comma-separated")
    ap.add_argument("--k", default="10,25,50")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    ks = tuple(int(x) for x in args.k.split(","))
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.sets.split(","):
            if not SETS[name].exists():
                print(f"skip {name}: {SETS[name]} is missing", file=sys.stderr)
                continue
            results.append(run_set(name, ks, Path(tmp)))
            _print(results[-1:])
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=1, default=float))


if __name__ == "__main__":
    main()
