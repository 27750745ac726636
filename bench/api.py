"""The HTTP API under load: latency percentiles and throughput of plans and reads, one table.

Usage::

    .venv/bin/python bench/api.py                     # the 50k demo store and the seeded 1M store
    .venv/bin/python bench/api.py --quick             # the 50k demo store only
    .venv/bin/python bench/api.py --db50k D --db1m M  # reuse ranked stores (plans are kept in them)
    .venv/bin/python bench/api.py --soak 60           # and 60 s of 8 mixed clients at 1M

Each store is served by a real server (``python -m kolgraph serve`` on 127.0.0.1, its
own process) and driven by httpx clients with keep-alive from this process: first
one client (sequential), then 8 clients at once, each on its own connection. Cases:

* **plan**: ``POST /v1/plans`` with the README's example request (budget 50,000, 3-15
  KOLs, 1-4 media, at least 1 own account); each plan is also kept in the store;
* **one account**: ``GET /v1/accounts/{key}``, keys spread over the whole store;
* **top 100**: ``GET /v1/accounts?limit=100`` (the best 100 by PageRank).

The first plan and the first list of a run load the run's cache
(:mod:`kolgraph.plan.cache`); that time is reported apart (``first plan s``) and is
not in the percentiles. ``RSS MB`` is the server's resident memory after the runs
and ``peak MB`` its high-water mark (``VmRSS``, ``VmHWM``). Client and server share the
machine's cores, so the 8-client rows include the clients' own work; ``server CPU
ms/req`` (the server's user and system time over the case, per request) depends
less on what else runs on the machine than the latencies do. The 50k store
is made by ``kolgraph demo``, the 1M store as ``bench/toolkit.py`` makes it (the full
rank job: about half an hour). Numbers are measurements on this machine, not assertions.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from _table import print_table

ROOT = Path(__file__).resolve().parents[1]
README_PLAN: dict[str, Any] = {
    "budget": 50000,
    "kol": {"min": 3, "max": 15},
    "media": {"min": 1, "max": 4},
    "own": {"min": 1},
}
CLIENTS = 8


@dataclass
class Sample:
    """Latencies (seconds) and errors of one case, and the wall time they took."""

    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    wall: float = 0.0
    #: CPU seconds the server spent meanwhile (all its threads)
    server_cpu: float = float("nan")

    def add(self, other: Sample) -> None:
        self.latencies += other.latencies
        self.errors += other.errors

    def row(self, store: str, case: str, clients: int) -> dict[str, Any]:
        ms = np.asarray(self.latencies) * 1000.0
        n = len(self.latencies) + len(self.errors)
        p50, p95, p99 = (np.percentile(ms, q) if ms.size else float("nan") for q in (50, 95, 99))
        return {
            "store": store,
            "case": case,
            "clients": clients,
            "requests": n,
            "p50 ms": p50,
            "p95 ms": p95,
            "p99 ms": p99,
            "req/s": n / self.wall if self.wall else float("nan"),
            "server CPU ms/req": self.server_cpu / n * 1000.0 if n else float("nan"),
            "errors": len(self.errors),
        }


Request = Callable[[httpx.Client, int], httpx.Response]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``python -m kolgraph serve`` on a free loopback port, logs to a file."""

    def __init__(self, db: Path, log: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = log.open("wb")
        env = {**os.environ, "KOLGRAPH_DB": str(db), "KOLGRAPH_STORE": "sqlite"}
        # the server is measured, not its per-client rate limit (builds that have one)
        env |= {"KOLGRAPH_API_RATE_PER_MINUTE": "0", "KOLGRAPH_API_AUTH": "off"}
        cmd = [sys.executable, "-m", "kolgraph", "serve", "--host", "127.0.0.1"]
        self.proc = subprocess.Popen(
            [*cmd, "--port", str(self.port), "--db", str(db)],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=db.parent,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"the server exited ({self.proc.returncode}); see {log}")
            try:
                if httpx.get(self.url + "/healthz", timeout=2).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise SystemExit(f"the server did not answer within 120 s; see {log}")

    def cpu_seconds(self) -> float:
        """CPU time the server process has used so far (user and system, all threads)."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def measure(self, run: Callable[[], Sample]) -> Sample:
        """``run()`` with the server's CPU time over it."""
        before = self.cpu_seconds()
        out = run()
        out.server_cpu = self.cpu_seconds() - before
        return out

    def memory_mb(self) -> tuple[float, float]:
        """Resident and peak resident memory of the server process (MB)."""
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        kb = {
            line.split(":")[0]: float(line.split()[1])
            for line in status.splitlines()
            if line.startswith(("VmRSS", "VmHWM"))
        }
        return kb["VmRSS"] / 1024, kb["VmHWM"] / 1024

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._log.close()


def _client(url: str) -> httpx.Client:
    return httpx.Client(base_url=url, timeout=600.0, limits=httpx.Limits(max_connections=1))


def _call(client: httpx.Client, request: Request, i: int, out: Sample) -> None:
    t = time.perf_counter()
    try:
        r = request(client, i)
    except httpx.HTTPError as exc:
        out.errors.append(f"{type(exc).__name__}: {exc}")
        return
    dt = time.perf_counter() - t
    if r.status_code >= 400:
        out.errors.append(f"{r.status_code}: {r.text[:200]}")
    else:
        out.latencies.append(dt)


def sequential(url: str, request: Request, n: int) -> Sample:
    out = Sample()
    with _client(url) as c:
        t = time.perf_counter()
        for i in range(n):
            _call(c, request, i, out)
        out.wall = time.perf_counter() - t
    return out


def concurrent(url: str, requests: list[Request], *, n: int = 0, seconds: float = 0.0) -> Sample:
    """:data:`CLIENTS` clients at once, each ``n`` requests or for ``seconds``.

    Client ``k`` cycles through ``requests`` starting at ``k`` (a mixed load when
    there are several).
    """
    parts = [Sample() for _ in range(CLIENTS)]
    start = threading.Barrier(CLIENTS + 1)

    def run(k: int) -> None:
        with _client(url) as c:
            start.wait()
            end = time.perf_counter() + seconds
            i = 0
            while (i < n) if n else (time.perf_counter() < end):
                _call(c, requests[(k + i) % len(requests)], k * 1_000_003 + i, parts[k])
                i += 1

    threads = [threading.Thread(target=run, args=(k,)) for k in range(CLIENTS)]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    out = Sample(wall=time.perf_counter() - t0)
    for p in parts:
        out.add(p)
    return out


def _keys(url: str, count: int = 400) -> list[str]:
    """Account keys spread over the store (pages of the key order at several offsets)."""
    keys: list[str] = []
    with _client(url) as c:
        total = c.get("/v1/accounts", params={"limit": 1}).json()["count"]
        for off in np.linspace(0, max(0, total - 50), num=count // 50).astype(int).tolist():
            page = c.get("/v1/accounts", params={"sort": "key", "limit": 50, "offset": off})
            page.raise_for_status()
            keys += [a["key"] for a in page.json()["data"]]
    return keys


def bench_store(
    name: str, db: Path, work: Path, *, plans: int, reads: int, seconds: float, soak: float
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Every case against ``db``; the rows and the server's memory and first-request times."""
    server = Server(db, work / f"server-{db.stem}.log")
    rows: list[dict[str, Any]] = []
    try:
        with _client(server.url) as c:  # the run's cache is loaded by the first requests
            t = time.perf_counter()
            first = c.post("/v1/plans", json=README_PLAN)
            first_plan = time.perf_counter() - t
            if first.status_code != 200:
                raise SystemExit(f"{name}: the first plan failed: {first.text[:500]}")
            t = time.perf_counter()
            c.get("/v1/accounts", params={"limit": 100}).raise_for_status()
            first_list = time.perf_counter() - t
        keys = _keys(server.url)

        def plan(c: httpx.Client, i: int) -> httpx.Response:
            return c.post("/v1/plans", json=README_PLAN)

        def account(c: httpx.Client, i: int) -> httpx.Response:
            return c.get(f"/v1/accounts/{keys[i % len(keys)]}")

        def top(c: httpx.Client, i: int) -> httpx.Response:
            return c.get("/v1/accounts", params={"limit": 100})

        cases: list[tuple[str, Request, int]] = [
            ("plan (README request)", plan, plans),
            ("one account", account, reads),
            ("top 100 accounts", top, reads),
        ]
        for case, request, n in cases:
            sequential(server.url, request, 3)  # warm the connection and the pages
            print(f"{name}: {case}, 1 client ...", file=sys.stderr, flush=True)
            one = server.measure(lambda r=request, k=n: sequential(server.url, r, k))
            rows.append(one.row(name, case, 1))
            print(f"{name}: {case}, {CLIENTS} clients ...", file=sys.stderr, flush=True)
            many = server.measure(lambda r=request: concurrent(server.url, [r], seconds=seconds))
            rows.append(many.row(name, case, CLIENTS))
        if soak:
            print(f"{name}: {soak:g} s soak, {CLIENTS} mixed clients ...", file=sys.stderr)
            mix = [plan, account, account, top, account, account, top, account]
            mixed = server.measure(lambda: concurrent(server.url, mix, seconds=soak))
            rows.append(mixed.row(name, f"soak {soak:g} s: plan, account, top 100", CLIENTS))
        rss, peak = server.memory_mb()
    finally:
        server.stop()
    extra = {
        "store": name,
        "first plan s": first_plan,
        "first top-100 s": first_list,
        "RSS MB": rss,
        "peak MB": peak,
    }
    return rows, extra


def _prepare_demo(db: Path) -> None:
    """The demo store, as ``kolgraph demo`` makes it (50,000 accounts, seed 7)."""
    report = db.with_suffix(".html")
    cmd = [sys.executable, "-m", "kolgraph", "demo", "--db", str(db), "--report", str(report)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"kolgraph demo failed:\n{done.stderr[-2000:]}")


def _prepare_1m(db: Path) -> None:
    """The seeded 1M-account store, ranked, as ``bench/toolkit.py`` makes it."""
    cmd = [sys.executable, str(ROOT / "bench" / "toolkit.py"), "--worker", "prepare"]
    cmd += ["--db", str(db), "--users", "1000000"]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"preparing the 1M store failed:\n{done.stderr[-2000:]}")


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return "-" if np.isnan(v) else f"{v:,.1f}"
    return f"{v:,}" if isinstance(v, int) else str(v)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="only the 50k demo store")
    ap.add_argument("--db50k", type=Path, help="a ranked demo store to reuse")
    ap.add_argument("--db1m", type=Path, help="a ranked 1M store to reuse (bench/toolkit.py --db)")
    ap.add_argument("--seconds", type=float, default=15.0, help="length of each 8-client run")
    ap.add_argument("--soak", type=float, default=0.0, help="seconds of 8 mixed clients at 1M")
    ap.add_argument("--json", type=Path, help="also write the rows as JSON")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="kolgraph-api-bench-"))
    stores: list[tuple[str, Path, int, int, float]] = []
    db50 = args.db50k or work / "demo.db"
    if args.db50k is None:
        print("making the 50k demo store (kolgraph demo) ...", file=sys.stderr, flush=True)
        _prepare_demo(db50)
    stores.append(("demo 50k", db50.resolve(), 200, 1_000, 0.0))
    if not args.quick:
        db1m = args.db1m or work / "k1m.db"
        if args.db1m is None:
            print("making the seeded 1M store (about half an hour) ...", file=sys.stderr)
            _prepare_1m(db1m)
        stores.append(("seeded 1M", db1m.resolve(), 100, 1_000, args.soak))
    rows: list[dict[str, Any]] = []
    extras: list[dict[str, Any]] = []
    for name, db, plans, reads, soak in stores:
        r, e = bench_store(
            name, db, work, plans=plans, reads=reads, seconds=args.seconds, soak=soak
        )
        rows += r
        extras.append(e)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print_table(
        f"HTTP API on this machine ({os.cpu_count()} cores, client and server share them; "
        f"load average at the end {load})",
        rows,
        _fmt,
    )
    print_table("serving process: first requests (cache loads) and memory", extras, _fmt)
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "servers": extras}, indent=2))


if __name__ == "__main__":
    main()
