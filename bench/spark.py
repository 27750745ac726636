"""Spark rank engine benchmark: in-process stages against the same stages on Spark local mode.

Usage::

    .venv/bin/python bench/spark.py --quick                       # 100k/1M only (smoke check)
    .venv/bin/python bench/spark.py --sizes 100k/1M,300k/3M,1M/10M
    .venv/bin/python bench/spark.py --sizes 3M/30M --driver-memory 12g --timeout 3600
    .venv/bin/python bench/spark.py --sizes 3M/30M --engines inprocess --out /tmp/s.json
    .venv/bin/python bench/spark.py --report                      # bench/out/spark.json again

Graphs: :func:`kolgraph.synth.generate_demo` (the power-law demo network ``bench/rank.py``
benchmarks on; planted communities, KOLs with heavy-tailed audiences, reposts), seeded,
at each ``ACCOUNTS/FOLLOWS`` size of ``--sizes`` (``mean_follows`` = follows / accounts; the
repost count follows from the generator). It is written once per size as ``.npy`` arrays
(the in-process engine's input) and as Parquet in the ``kolgraph export parquet`` layout
(``follows/``, ``reposts/``; the Spark engine's input); the Parquet write is timed
separately as "to parquet".

Each (engine, size) runs in its own process with ``--timeout`` seconds, so its memory is
its own and a case that runs out of time is reported as such:

* **in-process**: ``combine_edges`` (load), ``pagerank_scipy``, ``leiden_communities``
  (networkit, ``n_iterations=2``, as the job), ``audience_overlap`` of the top 300 by
  PageRank, ``degrees``. Peak MB: the process's VmHWM.
* **spark** (``local[2]``, session from :func:`kolgraph.rank.spark.session.spark_session`):
  read the Parquet and combine the edges (load: ``combined_edges().localCheckpoint()``
  and its count), ``spark_pagerank``, ``spark_communities``, ``spark_overlap`` of the
  same 300 accounts (the in-process top 300; Spark's own when the in-process case did not
  finish), ``spark_degrees``. Peak MB: the JVM's VmHWM (read at the end) plus the Python
  driver's.

Quality beside time: PageRank max |diff| against in-process, the modularity of both
partitions, whether the overlap pairs (a, b, shared) are equal, and at the smallest size
only ``spark_overlap_lsh`` over the top 2,000 (``min_jaccard`` 0.05): its time and its
recall of the exact pairs with Jaccard >= 0.2. Results go to ``bench/out/spark.json``
(rewritten after every size). Numbers are measurements on this machine, not assertions.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _table import print_table

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out" / "spark.json"
TOP_K = 300
LSH_TOP = 2000
LSH_MIN_JACCARD = 0.05
RECALL_JACCARD = 0.2
STAGES = ("load", "pagerank", "communities", "overlap", "degrees")


# -- memory -------------------------------------------------------------------------------
def _hwm_mb(pid: int | str = "self") -> float:
    """VmHWM (peak resident memory) of a process, MB; 0 when it cannot be read."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(d.name))
    out, todo = [], [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def _jvm_hwm_mb() -> float:
    """Peak RSS of the java processes this process started (the Spark driver JVM)."""
    total = 0.0
    for pid in _descendants(os.getpid()):
        try:
            comm = Path(f"/proc/{pid}/comm").read_text().strip()
        except OSError:
            continue
        if comm == "java":
            total += _hwm_mb(pid)
    return total


# -- graphs -------------------------------------------------------------------------------
def _parse_size(text: str) -> tuple[int, int]:
    def num(s: str) -> int:
        s = s.strip().lower()
        mult = {"k": 1_000, "m": 1_000_000, "b": 1_000_000_000}.get(s[-1:], 1)
        return int(float(s[:-1] if s[-1:] in "kmb" else s) * mult)

    a, _, e = text.partition("/")
    return num(a), num(e)


def prepare(label: str, d: Path) -> dict[str, Any]:
    """Generate the graph of size ``label`` into ``d`` (npy arrays + Parquet)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from kolgraph.synth import generate_demo

    n, m = _parse_size(label)
    d.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    net = generate_demo(n, seed=7, mean_follows=m / n)
    arrays = {
        "follow_src": net.follow_src.astype(np.int32),
        "follow_dst": net.follow_dst.astype(np.int32),
        "repost_src": net.repost_src.astype(np.int32),
        "repost_dst": net.repost_dst.astype(np.int32),
        "repost_ts": net.repost_ts.astype(np.int64),
        "repost_weight": np.ones(len(net.repost_src), np.float32),
    }
    n_nodes = len(net.accounts)
    del net
    for k, v in arrays.items():
        np.save(d / f"{k}.npy", v)
    generate_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for table, cols in (
        ("follows", {"src": "follow_src", "dst": "follow_dst"}),
        (
            "reposts",
            {
                "src": "repost_src",
                "dst": "repost_dst",
                "weight": "repost_weight",
                "ts": "repost_ts",
            },
        ),
    ):
        (d / table).mkdir(exist_ok=True)
        pq.write_table(
            pa.table({c: arrays[a] for c, a in cols.items()}), d / table / "part-0.parquet"
        )
    meta = {
        "label": label,
        "accounts": n_nodes,
        "follows": int(arrays["follow_src"].size),
        "reposts": int(arrays["repost_src"].size),
        "generate_s": generate_s,
        "to_parquet_s": time.perf_counter() - t0,
    }
    (d / "meta.json").write_text(json.dumps(meta))
    return meta


def _arrays(d: Path) -> Any:
    from kolgraph.store.base import GraphArrays

    meta = json.loads((d / "meta.json").read_text())
    a = {k: np.load(d / f"{k}.npy") for k in ("follow_src", "follow_dst", "repost_src")}
    a |= {k: np.load(d / f"{k}.npy") for k in ("repost_dst", "repost_ts", "repost_weight")}
    return GraphArrays(
        meta["accounts"],
        a["follow_src"],
        a["follow_dst"],
        a["repost_src"],
        a["repost_dst"],
        a["repost_ts"],
        a["repost_weight"],
    )


def _save_pairs(df: Any, path: Path) -> None:
    df[["a", "b", "shared", "jaccard"]].to_csv(path, index=False)


# -- cases --------------------------------------------------------------------------------
def run_inprocess(d: Path, lsh: bool) -> dict[str, Any]:
    import networkit  # noqa: F401  (imported before the clock)

    from kolgraph.rank.communities import leiden_communities
    from kolgraph.rank.degrees import degrees
    from kolgraph.rank.graph import combine_edges, follower_matrix
    from kolgraph.rank.job import RankParams
    from kolgraph.rank.overlap import audience_overlap
    from kolgraph.rank.pagerank import pagerank_scipy

    p = RankParams()
    arrays = _arrays(d)
    t: dict[str, float] = {}
    t0 = time.perf_counter()
    edges = combine_edges(
        arrays,
        follow_weight=p.follow_weight,
        repost_weight=p.repost_weight,
        half_life_days=p.half_life_days,
    )
    t["load"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    pr = pagerank_scipy(edges, damping=p.damping)
    t["pagerank"] = time.perf_counter() - t0
    np.save(d / "inprocess_pagerank.npy", pr.scores)
    t0 = time.perf_counter()
    comm = leiden_communities(
        edges, seed=p.seed, n_iterations=p.leiden_iterations, method="networkit"
    )
    t["communities"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    audience = follower_matrix(arrays)
    top = np.argsort(-pr.scores, kind="stable")[:TOP_K]
    ov = audience_overlap(audience, top)
    t["overlap"] = time.perf_counter() - t0
    np.save(d / "top.npy", top)
    _save_pairs(ov, d / "inprocess_overlap.csv")
    t0 = time.perf_counter()
    degrees(arrays, edges)
    t["degrees"] = time.perf_counter() - t0
    res: dict[str, Any] = {
        "stages": t,
        "modularity": float(comm.quality),
        "communities_found": int(comm.membership.max() + 1),
        "pagerank_iterations": int(pr.iterations),
    }
    if lsh:
        top2 = np.argsort(-pr.scores, kind="stable")[:LSH_TOP]
        t0 = time.perf_counter()
        exact = audience_overlap(audience, top2)
        res["exact_top2000_s"] = time.perf_counter() - t0
        np.save(d / "top2000.npy", top2)
        _save_pairs(exact[exact["jaccard"] >= RECALL_JACCARD], d / "exact_top2000.csv")
    res["peak_mb"] = _hwm_mb()
    return res


def run_spark(d: Path, lsh: bool, driver_memory: str) -> dict[str, Any]:

    from kolgraph.rank.job import RankParams
    from kolgraph.rank.spark.communities import spark_communities
    from kolgraph.rank.spark.degrees import spark_degrees
    from kolgraph.rank.spark.overlap import audience_pairs, spark_overlap, spark_overlap_lsh
    from kolgraph.rank.spark.pagerank import spark_pagerank
    from kolgraph.rank.spark.session import spark_session
    from kolgraph.rank.spark.source import SparkGraph, combined_edges, parquet_edges

    p = RankParams()
    meta = json.loads((d / "meta.json").read_text())
    n = meta["accounts"]
    t: dict[str, float] = {}
    t0 = time.perf_counter()
    spark, _ = spark_session("local[2]", {"spark.driver.memory": driver_memory})
    session_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    follows, reposts = parquet_edges(spark, str(d))
    graph = SparkGraph(n, follows, reposts)
    combined = combined_edges(
        graph,
        follow_weight=p.follow_weight,
        repost_weight=p.repost_weight,
        half_life_days=p.half_life_days,
    ).localCheckpoint()
    m = combined.count()
    t["load"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    pr = spark_pagerank(combined, n, damping=p.damping)
    t["pagerank"] = time.perf_counter() - t0
    np.save(d / "spark_pagerank.npy", pr.scores)
    t0 = time.perf_counter()
    comm, levels = spark_communities(combined, n, resolution=p.resolution, seed=p.seed)
    t["communities"] = time.perf_counter() - t0
    top_file = d / "top.npy"
    top = np.load(top_file) if top_file.exists() else np.argsort(-pr.scores)[:TOP_K]
    audience = audience_pairs(graph)
    t0 = time.perf_counter()
    ov = spark_overlap(audience, top)
    t["overlap"] = time.perf_counter() - t0
    _save_pairs(ov, d / "spark_overlap.csv")
    t0 = time.perf_counter()
    spark_degrees(graph, combined)
    t["degrees"] = time.perf_counter() - t0
    res: dict[str, Any] = {
        "stages": t,
        "session_s": session_s,
        "weighted_edges": int(m),
        "modularity": float(comm.quality),
        "communities_found": int(comm.membership.max() + 1),
        "pagerank_iterations": int(pr.iterations),
        "level_sizes": levels,
    }
    top2_file = d / "top2000.npy"
    if lsh and top2_file.exists():
        import pandas as pd

        top2 = np.load(top2_file)
        t0 = time.perf_counter()
        approx = spark_overlap_lsh(audience, top2, n, min_jaccard=LSH_MIN_JACCARD)
        res["lsh_s"] = time.perf_counter() - t0
        exact = pd.read_csv(d / "exact_top2000.csv")
        want = set(zip(exact["a"], exact["b"], strict=True))
        got = set(zip(approx["a"], approx["b"], strict=True))
        res["lsh_exact_pairs"] = len(want)
        res["lsh_recall"] = len(want & got) / len(want) if want else None
    res["jvm_peak_mb"] = _jvm_hwm_mb()
    res["python_peak_mb"] = _hwm_mb()
    res["peak_mb"] = res["jvm_peak_mb"] + res["python_peak_mb"]
    spark.stop()
    return res


# -- parent -------------------------------------------------------------------------------
def _run_case(
    engine: str, d: Path, lsh: bool, driver_memory: str, timeout: float
) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--one", engine, str(d), "--driver-memory", driver_memory]
    if lsh:
        cmd.append("--lsh")
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the child and its JVM
        proc.communicate()
        return {"error": f"timed out after {timeout:.0f} s", "wall_s": time.perf_counter() - t0}
    if proc.returncode != 0:
        lines = [ln for ln in err.strip().splitlines() if ln.strip()] or ["failed"]
        return {"error": lines[-1][:200], "wall_s": time.perf_counter() - t0}
    res = json.loads(out.strip().splitlines()[-1])
    res["wall_s"] = time.perf_counter() - t0
    return res


def _quality(d: Path, res: dict[str, Any]) -> None:
    import pandas as pd

    sp_res = res["spark"]
    if "error" in sp_res or "error" in res["inprocess"]:
        return
    a = np.load(d / "inprocess_pagerank.npy")
    b = np.load(d / "spark_pagerank.npy")
    sp_res["pagerank_max_abs_diff"] = float(np.abs(a - b).max())
    x = pd.read_csv(d / "inprocess_overlap.csv").sort_values(["a", "b"], ignore_index=True)
    y = pd.read_csv(d / "spark_overlap.csv").sort_values(["a", "b"], ignore_index=True)
    sp_res["overlap_pairs"] = len(y)
    sp_res["overlap_equal"] = bool(
        len(x) == len(y)
        and (x[["a", "b", "shared"]].to_numpy() == y[["a", "b", "shared"]].to_numpy()).all()
    )


def _rows(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for r in results:
        for engine in ("inprocess", "spark"):
            c = r.get(engine)
            if c is None:
                continue
            st = c.get("stages", {})
            row: dict[str, Any] = {
                "graph (accounts/follows)": r["label"],
                "weighted edges": r.get("weighted_edges", "-"),
                "engine": "in-process" if engine == "inprocess" else "spark local[2]",
            }
            for s in STAGES:
                row[f"{s} s"] = st.get(s, "-")
            row["total s"] = sum(st.values()) if st else "-"
            row["peak MB"] = c.get("peak_mb", "-")
            row["modularity"] = c.get("modularity", "-")
            row["PR max abs diff"] = c.get("pagerank_max_abs_diff", "-")
            row["overlap equal"] = (
                ("yes" if c["overlap_equal"] else "no") if "overlap_equal" in c else "-"
            )
            row["note"] = c.get("error", "")
            rows.append(row)
    return rows


def _fmt(v: Any) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        if v == 0 or abs(v) >= 100:
            return f"{v:,.0f}"
        if abs(v) < 0.01:
            return f"{v:.1e}"
        return f"{v:.2f}" if abs(v) >= 1 else f"{v:.4f}"
    return str(v)


def _report(results: list[dict[str, Any]], out: Path) -> None:
    print_table(
        "Spark local[2] against in-process, per stage (seconds, peak MB)", _rows(results), _fmt
    )
    lsh_rows = [
        {
            "graph": r["label"],
            "LSH top": LSH_TOP,
            "min_jaccard": LSH_MIN_JACCARD,
            "LSH s": r["spark"].get("lsh_s", "-"),
            "exact in-process s": r["inprocess"].get("exact_top2000_s", "-"),
            f"exact pairs J>={RECALL_JACCARD}": r["spark"].get("lsh_exact_pairs", "-"),
            "recall": r["spark"].get("lsh_recall", "-"),
        }
        for r in results
        if "spark" in r and "inprocess" in r and "lsh_s" in r["spark"]
    ]
    if lsh_rows:
        print_table("spark_overlap_lsh against the exact overlap", lsh_rows, _fmt)
    print(f"\nwritten {out}")


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--sizes", default="100k/1M,300k/3M,1M/10M,3M/30M")
    ap.add_argument("--quick", action="store_true", help="only 100k/1M")
    ap.add_argument("--timeout", type=float, default=1800.0, help="seconds per case")
    ap.add_argument(
        "--driver-memory", default="", help="spark.driver.memory (default: by size, 4g-12g)"
    )
    ap.add_argument("--engines", default="inprocess,spark")
    ap.add_argument("--work", default="/tmp/kolgraph-bench-spark", help="graphs are written here")
    ap.add_argument("--out", default=str(OUT))
    ap.add_argument(
        "--report", action="store_true", help="print the tables of --out again, run nothing"
    )
    ap.add_argument("--one", nargs=2, help=argparse.SUPPRESS)
    ap.add_argument("--lsh", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        engine, d = args.one[0], Path(args.one[1])
        if engine == "inprocess":
            res = run_inprocess(d, args.lsh)
        else:
            res = run_spark(d, args.lsh, args.driver_memory or "8g")
        print(json.dumps(res))
        return

    out = Path(args.out)
    if args.report:
        _report(json.loads(out.read_text())["cases"], out)
        return
    sizes = ["100k/1M"] if args.quick else [s for s in args.sizes.split(",") if s]
    smallest = min(sizes, key=lambda s: _parse_size(s)[1])
    engines = [e for e in args.engines.split(",") if e]
    out.parent.mkdir(parents=True, exist_ok=True)
    results: list[dict[str, Any]] = []
    for label in sizes:
        d = Path(args.work) / label.replace("/", "_")
        print(f"{label}: generating ...", file=sys.stderr, flush=True)
        meta = prepare(label, d)
        e = _parse_size(label)[1]
        mem = args.driver_memory or ("4g" if e <= 1_000_000 else "8g" if e <= 10_000_000 else "12g")
        res: dict[str, Any] = {**meta, "driver_memory": mem}
        lsh = label == smallest
        for engine in engines:
            print(f"{label}: {engine} ...", file=sys.stderr, flush=True)
            res[engine] = _run_case(engine, d, lsh, mem, args.timeout)
            print(f"{label}: {engine}: {json.dumps(res[engine])}", file=sys.stderr, flush=True)
        if "spark" in res and "weighted_edges" in res["spark"]:
            res["weighted_edges"] = res["spark"]["weighted_edges"]
        if "inprocess" in res and "spark" in res:
            _quality(d, res)
        results.append(res)
        out.write_text(
            json.dumps(
                {
                    "measured_on": f"{os.cpu_count()} cores, Spark local[2]",
                    "top_k": TOP_K,
                    "cases": results,
                },
                indent=2,
            )
        )
        shutil.rmtree(d, ignore_errors=True)
    _report(results, out)


if __name__ == "__main__":
    main()
