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

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"


def _store_for(name: str, workdir: Path) -> Any:
    from kolgraph.ingest.cascades import import_cascades
    from kolgraph.ingest.edges import import_edges
    from kolgraph.ingest.higgs import import_higgs
    from kolgraph.store import SQLiteStore

    store = SQLiteStore(workdir / f"{name}.db")
    if name == "douban":
        d = DATA / "douban"
        import_edges(store, d / "social_edges.txt.gz", platform="douban", delimiter=",")
        import_cascades(
            store, d / "cascades.txt.gz", platform="douban", on_error="skip"
        )  # last line cut
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


def run_set(name: str, ks: tuple[int, ...], workdir: Path) -> tuple[Any, dict[str, float]]:
    from kolgraph.plan.backtest import BacktestParams
    from kolgraph.plan.learned import backtest_store

    t = time.perf_counter()
    store = _store_for(name, workdir)
    load_s = time.perf_counter() - t
    t = time.perf_counter()
    res = backtest_store(store, params=BacktestParams(ks=ks))
    store.close()
    return res, {"import": load_s, "backtest": time.perf_counter() - t}


def _print(name: str, res: Any, times: dict[str, float]) -> None:
    from rich.console import Console

    from kolgraph.plan.report import backtest_table, calibration_line

    console = Console(width=200)
    console.print(backtest_table(res, title=name))
    console.print(calibration_line(res))
    imp = {k: v for k, v in res.importances.items() if k != "auc"}
    top = sorted(imp.items(), key=lambda kv: -kv[1])[:5]
    console.print(
        f"pair model ROC AUC {res.importances.get('auc', float('nan')):.3f}; features that "
        "mattered most (AUC drop when permuted): " + ", ".join(f"{k} {v:.3f}" for k, v in top)
    )
    console.print(
        f"times: import {times['import']:.1f} s, backtest {times['backtest']:.1f} s (learn "
        f"{res.timings['learn']:.1f} s, engagement plan of {max(res.ks)} accounts "
        f"{res.timings['engagement'] * 1000:.0f} ms)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--sets", default=",".join(SETS), help="comma-separated")
    ap.add_argument("--k", default="10,25,50")
    ap.add_argument("--json", type=Path, default=None, help="write every result as JSON")
    ap.add_argument("--markdown", type=Path, default=None, help="write the tables as markdown")
    args = ap.parse_args()
    ks = tuple(int(x) for x in args.k.split(","))
    from kolgraph.plan.report import backtest_markdown
    from kolgraph.schemas.backtest import BacktestOut

    results, markdown = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.sets.split(","):
            if not SETS[name].exists():
                print(f"skip {name}: {SETS[name]} is missing", file=sys.stderr)
                continue
            res, times = run_set(name, ks, Path(tmp))
            _print(name, res, times)
            doc = BacktestOut.from_result(res).model_dump(mode="json")
            results.append({"set": name, **doc, "times": times})
            markdown.append(backtest_markdown(res, title=name))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=1, default=float))
    if args.markdown:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text("\n".join(markdown), encoding="utf-8")


if __name__ == "__main__":
    main()
