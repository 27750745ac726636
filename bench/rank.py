"""Rank benchmark: kolgraph's pipeline against igraph, networkit and networkx, one table.

Usage::

    .venv/bin/python bench/rank.py              # 1M accounts / ~10M follows (+ reposts)
    .venv/bin/python bench/rank.py --users 200000
    .venv/bin/python bench/rank.py --real       # also the graphs in ../shared/data
    .venv/bin/python bench/rank.py --real --no-synthetic

Every contestant runs in its own process on the same edges (read from binary .npy files,
so nobody pays for text parsing) and does the same work: build its graph, PageRank
(damping 0.85, weighted), Leiden / Louvain communities (modularity). kolgraph's row also
does what the rank job adds: exact overlap among the top 1,000 accounts and audience
sketches when `kolgraph.rank.sketch` is available. networkx runs only up to --nx-max
nodes. Peak memory is the child's max RSS. Numbers are measurements, not assertions.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"


def _peak_mb() -> float:
    """Peak RSS of this process. VmHWM is reset by exec; ru_maxrss may carry the
    parent's peak across fork + exec, which hides small children."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _load(d: Path) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    meta = json.loads((d / "meta.json").read_text())
    return meta["n"], np.load(d / "src.npy"), np.load(d / "dst.npy"), np.load(d / "w.npy")


def _modularity_igraph(n: int, src: np.ndarray, dst: np.ndarray, w: np.ndarray, memb: Any) -> float:
    import igraph as ig

    g = ig.Graph(n=n, edges=np.column_stack([src, dst]), directed=False)
    return float(g.modularity(list(memb), weights=w.tolist()))


def run_kolgraph(d: Path) -> dict[str, Any]:
    import scipy.sparse as sp

    from kolgraph.rank.communities import leiden_communities
    from kolgraph.rank.graph import WeightedEdges
    from kolgraph.rank.job import RankParams
    from kolgraph.rank.overlap import audience_overlap
    from kolgraph.rank.pagerank import pagerank

    with contextlib.suppress(ImportError):  # peers import their library before the clock
        import networkit  # noqa: F401

    t0 = time.perf_counter()
    n, src, dst, w = _load(d)
    e = WeightedEdges(n, src.astype(np.int32), dst.astype(np.int32), w)
    t = {"build": time.perf_counter() - t0}
    t1 = time.perf_counter()
    pr = pagerank(e, damping=0.85, method=RankParams().pagerank_method)  # as the job does
    t["pagerank"] = time.perf_counter() - t1
    t1 = time.perf_counter()
    comm = leiden_communities(e, seed=42, n_iterations=RankParams().leiden_iterations)
    t["communities"] = time.perf_counter() - t1
    t1 = time.perf_counter()
    audience = sp.csr_matrix((np.ones(src.size, np.float32), (dst, src)), shape=(n, n))
    audience.sum_duplicates()
    audience.data[:] = 1
    top = np.argsort(-pr.scores)[:1000]
    audience_overlap(audience, top)
    t["overlap"] = time.perf_counter() - t1
    try:
        from kolgraph.rank.sketch.build import build_sketches

        t1 = time.perf_counter()
        build_sketches(audience, k=128, min_audience=1, seed=0)
        t["sketches"] = time.perf_counter() - t1
    except ImportError:
        pass
    return {"seconds": time.perf_counter() - t0, "modularity": comm.quality, "stages": t}


def run_igraph(d: Path) -> dict[str, Any]:
    import random

    import igraph as ig

    t0 = time.perf_counter()
    n, src, dst, w = _load(d)
    g = ig.Graph(n=n, edges=np.column_stack([src, dst]), directed=True)
    g.es["weight"] = w.tolist()
    t = {"build": time.perf_counter() - t0}
    t1 = time.perf_counter()
    g.pagerank(weights="weight", damping=0.85)
    t["pagerank"] = time.perf_counter() - t1
    t1 = time.perf_counter()
    u = g.as_undirected(combine_edges="sum")
    random.seed(42)
    part = u.community_leiden(objective_function="modularity", weights="weight", n_iterations=3)
    t["communities"] = time.perf_counter() - t1
    q = u.modularity(part.membership, weights="weight")
    return {"seconds": time.perf_counter() - t0, "modularity": q, "stages": t}


def run_networkit(d: Path) -> dict[str, Any]:
    import networkit as nk

    nk.setNumberOfThreads(2)
    t0 = time.perf_counter()
    n, src, dst, w = _load(d)
    g = nk.Graph(n, weighted=True, directed=True)
    g.addEdges((w.astype(np.float64), (src.astype(np.uint64), dst.astype(np.uint64))))
    t = {"build": time.perf_counter() - t0}
    t1 = time.perf_counter()
    nk.centrality.PageRank(g, damp=0.85, tol=1e-7).run()
    t["pagerank"] = time.perf_counter() - t1
    t1 = time.perf_counter()
    u = nk.graphtools.toUndirected(g)
    algo = nk.community.ParallelLeiden(u, iterations=3, randomize=True)
    algo.run()
    t["communities"] = time.perf_counter() - t1
    q = nk.community.Modularity().getQuality(algo.getPartition(), u)
    return {"seconds": time.perf_counter() - t0, "modularity": q, "stages": t}


def run_networkx(d: Path) -> dict[str, Any]:
    import networkx as nx

    t0 = time.perf_counter()
    n, src, dst, w = _load(d)
    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    g.add_weighted_edges_from(zip(src.tolist(), dst.tolist(), w.tolist(), strict=True))
    t = {"build": time.perf_counter() - t0}
    t1 = time.perf_counter()
    nx.pagerank(g, alpha=0.85, weight="weight", tol=1e-7)
    t["pagerank"] = time.perf_counter() - t1
    t1 = time.perf_counter()
    u = g.to_undirected()
    comms = nx.community.louvain_communities(u, weight="weight", seed=42)
    t["communities"] = time.perf_counter() - t1
    q = nx.community.modularity(u, comms, weight="weight")
    return {"seconds": time.perf_counter() - t0, "modularity": q, "stages": t}


RUNNERS = {
    "kolgraph": run_kolgraph,
    "igraph": run_igraph,
    "networkit": run_networkit,
    "networkx": run_networkx,
}


def _prepare_synthetic(users: int, d: Path) -> str:
    from kolgraph.rank.graph import combine_edges
    from kolgraph.store.base import GraphArrays
    from kolgraph.synth import generate_demo

    net = generate_demo(users, seed=7, mean_follows=10.0)
    arrays = GraphArrays(
        len(net.accounts),
        net.follow_src.astype(np.int32),
        net.follow_dst.astype(np.int32),
        net.repost_src.astype(np.int32),
        net.repost_dst.astype(np.int32),
        net.repost_ts.astype(np.int64),
        np.ones(len(net.repost_src), np.float32),
    )
    _save(d, combine_edges(arrays))
    return f"synthetic {users:,} ({arrays.n_follows:,} follows, {arrays.n_reposts:,} reposts)"


def _save(d: Path, e: Any) -> None:
    d.mkdir(parents=True, exist_ok=True)
    np.save(d / "src.npy", e.src)
    np.save(d / "dst.npy", e.dst)
    np.save(d / "w.npy", e.weight)
    (d / "meta.json").write_text(json.dumps({"n": int(e.n), "m": int(e.m)}))


def _prepare_real(name: str, d: Path) -> str | None:
    from kolgraph.ingest.edges import import_edges
    from kolgraph.ingest.higgs import import_higgs
    from kolgraph.rank.graph import combine_edges
    from kolgraph.store import SQLiteStore

    d.mkdir(parents=True, exist_ok=True)
    store = SQLiteStore(d / "real.db")
    if name == "higgs":
        path = DATA / "higgs-twitter" / "higgs-activity_time.txt.gz"
        if not path.exists():
            return None
        import_higgs(store, path)
    elif name == "douban":
        path = DATA / "douban" / "social_edges.txt.gz"
        if not path.exists():
            return None
        import_edges(store, path, platform="douban")
    elif name == "pheme":
        path = DATA / "pheme-follows" / "who-follows-whom.dat"
        if not path.exists():
            return None
        import_edges(store, path, platform="pheme")
    _save(d, combine_edges(store.graph_arrays()))
    c = store.counts()
    return f"{name} ({c.accounts:,} accounts, {c.follows + c.reposts:,} edges)"


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--users", type=int, default=1_000_000)
    ap.add_argument("--real", action="store_true", help="also the real graphs in ../shared/data")
    ap.add_argument(
        "--no-synthetic", action="store_true", help="skip the synthetic graph (with --real)"
    )
    ap.add_argument("--nx-max", type=int, default=60_000, help="largest graph networkx runs on")
    ap.add_argument("--one", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        res = RUNNERS[args.one[0]](Path(args.one[1]))
        res["peak_mb"] = _peak_mb()
        print(json.dumps(res))
        return

    from rich.console import Console
    from rich.table import Table

    table = Table(title="kolgraph rank benchmark (2 cores; one process per contestant)")
    for col in (
        "graph",
        "contestant",
        "wall s",
        "× best peer",
        "build",
        "PageRank",
        "communities",
        "overlap",
        "sketches",
        "modularity",
        "peak MB",
    ):
        table.add_column(col, justify="left" if col in ("graph", "contestant") else "right")
    with tempfile.TemporaryDirectory() as tmp:
        cases: list[tuple[str, Path]] = []
        d = Path(tmp) / "synthetic"
        if not args.no_synthetic:
            print("generating the synthetic graph ...", file=sys.stderr, flush=True)
            cases.append((_prepare_synthetic(args.users, d), d))
        if args.real:
            for name in ("higgs", "douban", "pheme"):
                rd = Path(tmp) / name
                label = _prepare_real(name, rd)
                if label:
                    cases.append((label, rd))
        for label, case_dir in cases:
            n = json.loads((case_dir / "meta.json").read_text())["n"]
            rows: dict[str, dict[str, Any]] = {}
            for who in RUNNERS:
                if who == "networkx" and n > args.nx_max:
                    continue
                print(f"{label}: {who} ...", file=sys.stderr, flush=True)
                proc = subprocess.run(
                    [sys.executable, __file__, "--one", who, str(case_dir)],
                    capture_output=True,
                    text=True,
                    check=False,
                )
                if proc.returncode != 0:
                    err = (proc.stderr.strip().splitlines() or ["failed"])[-1]
                    rows[who] = {"error": err[:60]}
                    continue
                rows[who] = json.loads(proc.stdout.strip().splitlines()[-1])
            peers = [r["seconds"] for k, r in rows.items() if k != "kolgraph" and "seconds" in r]
            best = min(peers) if peers else None
            for who, r in rows.items():
                if "error" in r:
                    table.add_row(label, who, "-", "-", "-", "-", "-", "-", "-", "-", r["error"])
                    continue
                st = r["stages"]

                def fmt(k: str, st: dict[str, float] = st) -> str:
                    return f"{st[k]:.2f}" if k in st else "-"

                table.add_row(
                    label,
                    who,
                    f"{r['seconds']:.2f}",
                    f"{r['seconds'] / best:.2f}" if best else "-",
                    fmt("build"),
                    fmt("pagerank"),
                    fmt("communities"),
                    fmt("overlap"),
                    fmt("sketches"),
                    f"{r['modularity']:.4f}",
                    f"{r['peak_mb']:,.0f}",
                )
    Console(width=220).print(table)


if __name__ == "__main__":
    main()
