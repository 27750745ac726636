"""Validate learned influence on held-out cascades, and time IMM seed selection at 1M accounts.

Usage::

    .venv/bin/python bench/influence_validation.py             # both datasets + 1M synthetic
    .venv/bin/python bench/influence_validation.py --no-synthetic
    .venv/bin/python bench/influence_validation.py --reverse-douban  # also "a,b" = b follows a

For each cascade dataset in ``../shared/data`` (a missing one is skipped):

* **douban**: ``social_edges.txt.gz`` as follow edges; ``cascades.txt.gz``
  split by time (the lines are in order of their first adoption): the first
  80 % are training cascades, the last 20 % held out.
* **twitter-graph-cascades**: ``graph.txt`` as follow edges, ``train.txt``
  for training and ``test.txt`` held out.

Follow edges and the **training** cascades go through the real importers
(``import_edges``, ``import_cascades``) into a temporary SQLite store; edge
probabilities are learned from its arrays. Every account that starts a
held-out cascade (its first adopter) and is known to the store is scored by
each method, and the scores are compared with the mean size (distinct
adopters) of the held-out cascades it started:

* ``spearman``: Spearman rank correlation of score and observed size;
* ``top10%``: of the 10 % of roots scored highest, the share whose observed
  size is in the top 10 % (at or above the 90th-percentile size; ties in
  the observed sizes make this threshold inclusive).

Methods: learned IC spread (``ic_spread_many``, Monte Carlo) with the default
exposure estimate and with exposures counted from post ids; IC with the prior
probability on every edge (no learning); and the baselines follower count
(in-degree on follow edges), PageRank on follows + reposts, and past reposts
received in the training cascades.

The synthetic part generates ``generate_demo(1_000_000, seed=7,
mean_follows=10.0)`` (about 10M follow edges), builds the arrays directly and
times ``edge_probabilities`` and ``influence_seeds(k=50, epsilon=0.1)``
(all accounts, and KOL + media accounts only), then checks the IMM spread
estimate against ``ic_spread`` of the chosen seeds. Numbers are measurements
on this machine, not assertions.
"""

from __future__ import annotations

import argparse
import gzip
import math
import os
import resource
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from scipy.stats import spearmanr

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kolgraph.ingest.cascades import import_cascades  # noqa: E402
from kolgraph.ingest.edges import import_edges  # noqa: E402
from kolgraph.model import EdgeType  # noqa: E402
from kolgraph.rank.graph import combine_edges  # noqa: E402
from kolgraph.rank.influence.imm import influence_seeds  # noqa: E402
from kolgraph.rank.influence.learn import edge_probabilities  # noqa: E402
from kolgraph.rank.influence.spread import ic_spread, ic_spread_many  # noqa: E402
from kolgraph.rank.pagerank import pagerank  # noqa: E402
from kolgraph.store import SQLiteStore  # noqa: E402
from kolgraph.store.base import GraphArrays  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
F64 = npt.NDArray[np.float64]


@dataclass
class Dataset:
    name: str
    platform: str
    follows: Path
    follow_delimiter: str | None
    train_lines: list[str]
    test_lines: list[str]


def _read_lines(path: Path) -> list[str]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        return [line.rstrip("\n") for line in fh if line.strip()]


def _datasets() -> list[Dataset]:
    out: list[Dataset] = []
    douban = DATA / "douban"
    if (douban / "social_edges.txt.gz").exists() and (douban / "cascades.txt.gz").exists():
        lines = _read_lines(douban / "cascades.txt.gz")
        cut = int(0.8 * len(lines))
        out.append(
            Dataset(
                "douban", "douban", douban / "social_edges.txt.gz", ",", lines[:cut], lines[cut:]
            )
        )
    else:
        print(f"skip douban: {douban} is missing", file=sys.stderr)
    tw = DATA / "twitter-graph-cascades"
    if all((tw / f).exists() for f in ("graph.txt", "train.txt", "test.txt")):
        out.append(
            Dataset(
                "twitter-cascades",
                "twitter",
                tw / "graph.txt",
                None,
                _read_lines(tw / "train.txt"),
                _read_lines(tw / "test.txt"),
            )
        )
    else:
        print(f"skip twitter-graph-cascades: {tw} is missing", file=sys.stderr)
    return out


def _adopters(line: str) -> list[tuple[str, int]]:
    """``[(uid, ts), ...]`` of a cascade line in either format; bad items are dropped."""
    pairs: list[tuple[str, str]] = []
    if "," in line:
        for item in line.split(","):
            bits = item.split()
            if len(bits) == 2:
                pairs.append((bits[0], bits[1]))
    else:
        bits = line.split()
        start = 1 if len(bits) % 2 == 1 else 0  # topo-lstm lines start with a query id
        pairs = [(bits[i], bits[i + 1]) for i in range(start, len(bits) - 1, 2)]
    out = []
    for uid, ts in pairs:
        try:
            out.append((uid, int(float(ts))))
        except ValueError:
            continue
    return out


def _held_out(lines: list[str]) -> dict[str, list[int]]:
    """Root uid → sizes (distinct adopters) of the held-out cascades it started."""
    sizes: dict[str, list[int]] = {}
    for line in lines:
        adopters = _adopters(line)
        if not adopters:
            continue
        root = min(adopters, key=lambda p: p[1])[0]
        sizes.setdefault(root, []).append(len({u for u, _ in adopters}))
    return sizes


def _top_precision(score: F64, observed: F64, share: float = 0.1) -> float:
    k = max(1, math.ceil(share * score.size))
    threshold = np.sort(observed)[::-1][k - 1]
    top = np.argsort(-score, kind="stable")[:k]
    return float((observed[top] >= threshold).mean())


def _post_exposures(store: SQLiteStore, n: int) -> F64:
    """Distinct post ids each account showed (as reposter or author), from the store."""
    pairs: set[tuple[str, str]] = set()
    for frame in list(store.iter_edges(EdgeType.REPOST)):
        for col in ("src", "dst"):
            pairs.update(zip(frame[col].tolist(), frame["post_id"].tolist(), strict=True))
    keys = [k for k, _ in pairs]
    idx = store.keys_to_index(keys)
    return np.bincount(idx[idx >= 0], minlength=n).astype(np.float64)


def _store(
    ds: Dataset, lines: list[str], *, reverse: bool, workdir: Path, tag: str
) -> tuple[SQLiteStore, int]:
    """A fresh store with the follow edges and the cascades in ``lines``; rejected rows."""
    name = f"{ds.name}-{tag}{'-reversed' if reverse else ''}"
    store = SQLiteStore(workdir / f"{name}.db")
    follows = ds.follows
    if reverse:
        follows = workdir / f"{name}-follows.txt"
        with follows.open("w", encoding="utf-8") as fh:
            for line in _read_lines(ds.follows):
                a, b = line.split(ds.follow_delimiter)[:2]
                fh.write(f"{b.strip()} {a.strip()}\n")
    import_edges(
        store,
        follows,
        platform=ds.platform,
        delimiter=None if reverse else ds.follow_delimiter,
        on_error="skip",
        rejects_path=workdir / f"{name}-follows.rejects.tsv",
    )
    cascades = workdir / f"{name}-cascades.txt"
    cascades.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rep = import_cascades(
        store,
        cascades,
        platform=ds.platform,
        on_error="skip",
        rejects_path=workdir / f"{name}-cascades.rejects.tsv",
    )
    return store, rep.rejected


def _follow_pair_rate(arrays: GraphArrays) -> float:
    """Training reposts per exposure over follow pairs (an empirical-Bayes prior mean).

    Successes: repost events ``f → a`` where ``f`` follows ``a``. Exposures: for
    every follow pair, the author's exposure estimate ``E_a`` as documented in
    :func:`kolgraph.rank.influence.learn.edge_probabilities` (posts ``a`` reposted,
    or the most any one account reposted from ``a`` if larger).
    """
    n = arrays.n_nodes
    rs = arrays.repost_src.astype(np.int64)
    rd = arrays.repost_dst.astype(np.int64)
    w = arrays.repost_weight.astype(np.float64)
    pair, inverse = np.unique(rd * n + rs, return_inverse=True)
    c = np.bincount(inverse, weights=w, minlength=pair.size)
    exposure = np.bincount(rs, weights=w, minlength=n).astype(np.float64)
    np.maximum.at(exposure, pair // n, c)
    follow = np.unique(arrays.follow_dst.astype(np.int64) * n + arrays.follow_src)
    successes = float(c[np.isin(pair, follow)].sum())
    exposures = float(exposure[follow // n].sum())
    return successes / exposures if exposures > 0 else 0.0


def _spearman(score: F64, observed: F64) -> float:
    if score.size < 3 or np.ptp(score) == 0 or np.ptp(observed) == 0:
        return float("nan")
    return float(spearmanr(score, observed).statistic)


def validate(ds: Dataset, *, runs: int, reverse: bool, workdir: Path) -> list[dict[str, object]]:
    t = time.perf_counter()
    store, rejected = _store(ds, ds.train_lines, reverse=reverse, workdir=workdir, tag="train")
    arrays = store.graph_arrays()
    n = arrays.n_nodes

    # task A: roots of held-out cascades, observed = mean size of the cascades they started
    held = _held_out(ds.test_lines)
    roots_uid = sorted(held)
    idx = store.keys_to_index([f"{ds.platform}:{u}" for u in roots_uid])
    known = idx >= 0
    roots = idx[known]
    root_size = np.array(
        [float(np.mean(held[u])) for u, k in zip(roots_uid, known, strict=True) if k]
    )

    # task B: accounts active in held-out cascades, observed = held-out reposts they
    # received (adopters the importer links to them) per held-out cascade they joined
    test_store, _ = _store(ds, ds.test_lines, reverse=reverse, workdir=workdir, tag="test")
    ta = test_store.graph_arrays()
    t_keys = test_store.accounts_frame()["key"].tolist()
    joined = np.zeros(ta.n_nodes)
    pairs: set[tuple[str, str]] = set()  # (account, post)
    for frame in list(test_store.iter_edges(EdgeType.REPOST)):
        pairs |= set(zip(frame["src"], frame["post_id"], strict=True))
        pairs |= set(zip(frame["dst"], frame["post_id"], strict=True))
    np.add.at(joined, test_store.keys_to_index([k for k, _ in pairs]), 1.0)
    received = np.bincount(ta.repost_dst, minlength=ta.n_nodes).astype(np.float64)
    active = np.flatnonzero(joined > 0)
    a_idx = store.keys_to_index([t_keys[i] for i in active.tolist()])
    a_known = a_idx >= 0
    accounts = a_idx[a_known]
    per_cascade = (received / np.maximum(joined, 1.0))[active[a_known]]
    test_store.close()
    import_s = time.perf_counter() - t
    label = ds.name + (" (reversed)" if reverse else "")
    print(
        f"\n{label}: {n:,} accounts, {arrays.n_follows:,} follows, "
        f"{arrays.n_reposts:,} training reposts from {len(ds.train_lines):,} cascades "
        f"({rejected} rejected rows); {len(ds.test_lines):,} held-out cascades from "
        f"{len(roots_uid):,} roots ({int(known.sum()):,} known to the store), "
        f"{active.size:,} active accounts ({int(a_known.sum()):,} known) [import {import_s:.1f}s]"
    )

    followers = np.bincount(arrays.follow_dst, minlength=n).astype(np.float64)
    reposted = np.bincount(
        arrays.repost_dst, weights=arrays.repost_weight.astype(np.float64), minlength=n
    ).astype(np.float64)
    expo = _post_exposures(store, n)
    no_history = np.zeros(arrays.n_reposts, dtype=bool)
    t = time.perf_counter()
    pr = pagerank(combine_edges(arrays)).scores
    pr_s = time.perf_counter() - t
    rate = _follow_pair_rate(arrays)
    graphs = {
        "IC learned (event exposures)": edge_probabilities(arrays),
        "IC learned (post-id exposures)": edge_probabilities(arrays, exposures=expo),
        f"IC learned, EB prior {rate:.4f}": edge_probabilities(
            arrays, prior_reposts=20.0 * rate, prior_exposures=20.0
        ),
        "IC prior only (p=0.05)": edge_probabilities(arrays, mask=no_history),
    }
    learned = graphs["IC learned (event exposures)"]
    one_hop = np.bincount(learned.src, weights=learned.prob, minlength=n).astype(np.float64)
    rows: list[dict[str, object]] = []
    for task, nodes, observed in (
        ("A roots: size", roots, root_size),
        ("B active: reposts/casc", accounts, per_cascade),
    ):
        scores: list[tuple[str, F64, float]] = []
        for name, g in graphs.items():
            t = time.perf_counter()
            pred = ic_spread_many(g, nodes, runs=runs, seed=0)
            scores.append((name, pred, time.perf_counter() - t))
        scores += [
            ("learned p, one hop (sum_f p_af)", one_hop[nodes], 0.0),
            ("followers", followers[nodes], 0.0),
            ("PageRank", pr[nodes], pr_s),
            ("past reposts received", reposted[nodes], 0.0),
        ]
        for name, score, secs in scores:
            m = int(nodes.size)
            rows.append(
                {
                    "dataset": label,
                    "task": task,
                    "method": name,
                    "n": m,
                    "spearman": _spearman(score, observed),
                    "ci": 1.96 / math.sqrt(m - 3) if m > 3 else float("nan"),
                    "top10%": _top_precision(score, observed) if m else float("nan"),
                    "seconds": secs,
                }
            )
    store.close()
    return rows


def synthetic(users: int) -> None:
    from kolgraph.synth import generate_demo

    t = time.perf_counter()
    net = generate_demo(users, seed=7, mean_follows=10.0)
    gen_s = time.perf_counter() - t
    arrays = GraphArrays(
        net.n_accounts,
        net.follow_src,
        net.follow_dst,
        net.repost_src,
        net.repost_dst,
        net.repost_ts,
        np.ones(net.n_reposts, dtype=np.float32),
    )
    kind = net.accounts["kind"].to_numpy(dtype=str)
    del net
    print(
        f"\nsynthetic: {arrays.n_nodes:,} accounts, {arrays.n_follows:,} follows, "
        f"{arrays.n_reposts:,} reposts (generated in {gen_s:.1f}s); "
        f"{os.cpu_count()} cores"
    )
    t = time.perf_counter()
    g = edge_probabilities(arrays)
    print(f"  edge_probabilities: {g.m:,} influence edges in {time.perf_counter() - t:.1f}s")
    cand = np.flatnonzero((kind == "kol") | (kind == "media"))
    header = f"  {'influence_seeds k=50 eps=0.1':<34}{'seconds':>9}{'RR sets':>12}"
    print(header + f"{'IMM spread':>12}{'MC spread (95% CI, 100 runs)':>34}")
    for label, c in (("all accounts", None), (f"KOL+media ({cand.size:,})", cand)):
        res = influence_seeds(g, 50, epsilon=0.1, seed=0, candidates=c)
        mc = ic_spread(g, res.seeds, runs=100, seed=1)
        ci = f"{mc.mean:,.0f} [{mc.low:,.0f}, {mc.high:,.0f}]"
        print(f"  {label:<34}{res.seconds:>9.1f}{res.rr_sets:>12,}{res.spread:>12,.0f}{ci:>34}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak RSS {peak:,.0f} MB")


def _print_table(rows: list[dict[str, object]]) -> None:
    print(
        f"\n{'dataset':<20}{'task':<24}{'method':<32}{'n':>6}"
        f"{'spearman':>10}{'(95% ±)':>8}{'top10%':>8}{'seconds':>9}"
    )
    for r in rows:
        print(
            f"{r['dataset']!s:<20}{r['task']!s:<24}{r['method']!s:<32}{r['n']:>6}"
            f"{r['spearman']:>10.3f}{r['ci']:>8.2f}{r['top10%']:>8.2f}{r['seconds']:>9.1f}"
        )
    print("(95% ±: half-width of a Fisher-z interval for the Spearman coefficient, 1.96/sqrt(n-3))")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=500, help="Monte Carlo cascades per root")
    ap.add_argument("--no-synthetic", action="store_true", help="skip the 1M-account timing")
    ap.add_argument("--users", type=int, default=1_000_000, help="synthetic accounts")
    ap.add_argument(
        "--reverse-douban",
        action="store_true",
        help='also run douban reading "a,b" as "b follows a"',
    )
    args = ap.parse_args()
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(prefix="kolgraph-influence-") as tmp:
        for ds in _datasets():
            rows += validate(ds, runs=args.runs, reverse=False, workdir=Path(tmp))
            if args.reverse_douban and ds.name == "douban":
                rows += validate(ds, runs=args.runs, reverse=True, workdir=Path(tmp))
    if rows:
        _print_table(rows)
    if not args.no_synthetic:
        synthetic(args.users)


if __name__ == "__main__":
    main()
