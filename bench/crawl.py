"""Crawler throughput against the local platform simulator, throttling off.

Usage::

    .venv/bin/python bench/crawl.py            # 3,000-account network, depth 2
    .venv/bin/python bench/crawl.py --quick    # 800 accounts

For each platform (weibo, x, bilibili) it crawls the simulator (in this
process, on 127.0.0.1, no faults, no pacing) into a fresh SQLite store and
reports:

* ``crawl``: the whole loop (fetch → archive → parse → checkpointed commit):
  pages/s, edges/s, and the share of the time spent in the store commit (the
  checkpoint: edges, task cursor and new tasks in one transaction);
* ``no archive``: the same without the raw page archive;
* ``fetch only``: the same pages fetched and parsed again with no store and
  no archive: the HTTP + parse floor the crawler's overhead is measured on;
* ``replay``: the archive written into a new store in large batches without
  per-page checkpoints: what the checkpoint costs against bulk writes.

Then one row with 10 % injected faults (weibo) to show what retries cost: after
an error the throttle keeps its raised delay for 30 s (``cooldown``), so a
faulty host is crawled at most at 1 / ``crawl_max_delay`` pages/s.

``edges`` counts new edges in the store; for ``fetch only`` it counts parsed
edges (each follow edge between two crawled accounts is seen from both ends).
The simulator runs in the same process and shares its CPU (and GIL), so all
rates include the server's work. Numbers are measurements on this machine,
not assertions.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from pathlib import Path
from typing import Any

from _table import print_table  # bench/_table.py (bench/ is on sys.path)

from kolgraph.crawl.budget import CrawlBudget
from kolgraph.crawl.http import HttpClient
from kolgraph.crawl.platforms import get_platform
from kolgraph.crawl.replay import replay
from kolgraph.crawl.runner import crawl
from kolgraph.crawl.simulator import local_settings
from kolgraph.crawl.simulator.app import PLATFORMS as SIM_PLATFORMS
from kolgraph.crawl.simulator.network import SimNetwork
from kolgraph.crawl.simulator.server import Simulator
from kolgraph.settings import Settings
from kolgraph.store import SQLiteStore

PLATFORMS = ("weibo", "x", "bilibili")


def _settings(**kw: Any) -> Settings:
    return local_settings(**{"crawl_max_delay": 0.01, "crawl_timeout": 5.0, **kw})


def _table(title: str, rows: list[dict[str, Any]]) -> None:
    print_table(title, rows, _fmt)


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:,.1f}" if abs(v) >= 10 else f"{v:.3f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


class _Timed:
    """Wrap a store's crawl-state commit to time it (a benchmark probe, not product code)."""

    def __init__(self, store: SQLiteStore) -> None:
        self.seconds = 0.0
        self._inner = store.crawl.commit

        def timed(*args: Any, **kw: Any) -> tuple[int, int]:
            t = time.perf_counter()
            try:
                return self._inner(*args, **kw)
            finally:
                self.seconds += time.perf_counter() - t

        store.crawl.commit = timed  # type: ignore[method-assign]


def _crawl(
    platform: str,
    sim: Simulator,
    seeds: list[str],
    budget: CrawlBudget,
    tmp: Path,
    tag: str,
    *,
    archive: bool,
    settings: Settings | None = None,
) -> tuple[dict[str, Any], Path, list[Any]]:
    store = SQLiteStore(tmp / f"{platform}-{tag}.db")
    probe = _Timed(store)
    arch = tmp / f"arch-{platform}-{tag}"
    t = time.perf_counter()
    report = crawl(
        store,
        platform,
        seeds,
        settings=settings or _settings(),
        base_url=sim.url,
        budget=budget,
        archive_dir=arch if archive else None,
    )
    wall = time.perf_counter() - t
    edges = report.new_follows + report.new_reposts
    tasks = store.crawl.tasks(report.crawl_id)
    store.close()
    row = {
        "platform": platform,
        "mode": tag,
        "pages": report.pages,
        "edges": edges,
        "seconds": wall,
        "pages/s": report.pages / wall,
        "edges/s": edges / wall,
        "commit share": f"{probe.seconds / wall:.0%}",
        "retries": report.http.get("retries", 0),
    }
    return row, arch, tasks


def _fetch_only(platform: str, sim: Simulator, archive: Path) -> dict[str, Any]:
    """Fetch and parse every archived page again: no store, no archive."""
    from kolgraph.crawl.archive import read_archive, task_from_dict

    adapter = get_platform(platform)
    tasks = [task_from_dict(r["task"]) for r in read_archive(archive)]
    with HttpClient(_settings()) as http:
        client = adapter.make_client(http, _settings(), sim.url)
        t = time.perf_counter()
        edges = 0
        for task in tasks:
            page = adapter.parse(task, client.fetch(task).payload)
            edges += len(page.follows) + len(page.reposts)
        wall = time.perf_counter() - t
    return {
        "platform": platform,
        "mode": "fetch only",
        "pages": len(tasks),
        "edges": edges,
        "seconds": wall,
        "pages/s": len(tasks) / wall,
        "edges/s": edges / wall,
        "commit share": "-",
        "retries": 0,
    }


def _replay(platform: str, archive: Path, tmp: Path) -> dict[str, Any]:
    store = SQLiteStore(tmp / f"{platform}-replay.db")
    t = time.perf_counter()
    r = replay(store, archive, settings=_settings())
    wall = time.perf_counter() - t
    store.close()
    edges = r.new_follows + r.new_reposts
    return {
        "platform": platform,
        "mode": "replay (bulk)",
        "pages": r.pages,
        "edges": edges,
        "seconds": wall,
        "pages/s": r.pages / wall,
        "edges/s": edges / wall,
        "commit share": "-",
        "retries": 0,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a smaller network")
    ap.add_argument("--accounts", type=int, default=None)
    args = ap.parse_args()
    logging.getLogger("kolgraph.crawl").setLevel(logging.ERROR)  # quarantine lines: not here
    n = args.accounts or (800 if args.quick else 3_000)
    net = SimNetwork(n, seed=7)
    seeds = net.top_accounts(5)
    budget = CrawlBudget(depth=2, max_posts=5)
    print(
        f"simulated network: {n:,} accounts, {net.n_follows():,} follow edges; "
        f"5 seeds, depth 2, 5 posts per account; throttling off"
    )
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as d, Simulator(net, SIM_PLATFORMS, retry_after=0.0) as sim:
        tmp = Path(d)
        for platform in PLATFORMS:
            row, arch, _ = _crawl(platform, sim, seeds, budget, tmp, "crawl", archive=True)
            rows.append(row)
            row2, _, _ = _crawl(platform, sim, seeds, budget, tmp, "no archive", archive=False)
            rows.append(row2)
            rows.append(_fetch_only(platform, sim, arch))
            rows.append(_replay(platform, arch, tmp))
        with Simulator(
            net, SIM_PLATFORMS, fault_rate=0.10, seed=3, retry_after=0.0, stall=0.3
        ) as faulty:
            row, _, _ = _crawl(
                "weibo",
                faulty,
                seeds,
                budget,
                tmp,
                "10% faults",
                archive=True,
                settings=_settings(crawl_timeout=0.2),
            )
            rows.append(row)
    _table("crawler throughput (SQLite store, simulator on 127.0.0.1)", rows)
    by = {(r["platform"], r["mode"]): r for r in rows}
    print()
    for p in PLATFORMS:
        full, floor = by[(p, "crawl")], by[(p, "fetch only")]
        over = full["seconds"] / floor["seconds"] - 1
        print(
            f"{p}: the crawl loop takes {over:+.0%} over fetch+parse alone; "
            f"checkpointed commits are {full['commit share']} of its time"
        )


if __name__ == "__main__":
    main()
