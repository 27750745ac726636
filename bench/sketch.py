"""Audience sketches at scale: build cost, union error, recall of the most-overlapping pairs.

Usage::

    .venv/bin/python bench/sketch.py             # 1M accounts, ~10M audience edges
    .venv/bin/python bench/sketch.py --quick     # 100k accounts

Prints one table per part:

1. build time, peak traced memory and stored size of the sketches for k = 128
   and 256 (the synthetic demo network, follow edges only);
2. unique reach of random sets of 10 and 50 accounts from the 10,000 largest
   audiences, estimated (``method="auto"``, ``"ratio"``, ``"theta"``) vs the
   exact union: median and 95th-percentile relative error, share of exact
   values inside the 95 % interval;
3. recall of the 100 most-overlapping pairs (exact Jaccard by sparse products,
   :func:`kolgraph.rank.overlap.audience_overlap`) among the 1,000 largest
   audiences, ranked by the sketch Jaccard, next to classic k-hash MinHash with
   the same number of hashes (the issue measured 54-63 % for MinHash-128).

Numbers are measurements on this machine, not assertions.
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from _table import print_table  # bench/_table.py (bench/ is on sys.path)

from kolgraph.rank.overlap import audience_overlap, union_size
from kolgraph.rank.sketch.build import build_sketches
from kolgraph.rank.sketch.hashing import hash_members
from kolgraph.rank.sketch.pairs import estimate_overlaps
from kolgraph.rank.sketch.sketches import AudienceSketches
from kolgraph.rank.sketch.union import estimate_union
from kolgraph.synth import generate_demo

KS = (128, 256)
TOP_PAIRS = 100


def _table(title: str, rows: list[dict[str, Any]]) -> None:
    print_table(title, rows, _fmt)


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.3f}" if abs(v) < 100 else f"{v:,.0f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def _audience(users: int) -> sp.csr_matrix:
    net = generate_demo(users, seed=7, mean_follows=10.0)
    n = len(net.accounts)
    a = sp.csr_matrix(
        (np.ones(len(net.follow_src), dtype=np.float32), (net.follow_dst, net.follow_src)),
        shape=(n, n),
    )
    a.sum_duplicates()
    return a


def _build(a: sp.csr_matrix, k: int) -> tuple[AudienceSketches, dict[str, Any]]:
    build_sketches(a, k=k)  # warm-up
    times = []
    for _ in range(3):
        t = time.perf_counter()
        sk = build_sketches(a, k=k)
        times.append(time.perf_counter() - t)
    tracemalloc.start()
    build_sketches(a, k=k)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    row = {
        "k": k,
        "accounts": a.shape[0],
        "edges": a.nnz,
        "sketched": len(sk),
        "truncated (>k)": int((sk.sizes > k).sum()),
        "build_s (best of 3)": min(times),
        "peak_build_MB": peak / 1e6,
        "stored_MB": sk.nbytes / 1e6,
        "hashes_MB": sk.hashes.nbytes / 1e6,
        "dense_k_MB": len(sk) * k * 4 / 1e6,
    }
    return sk, row


def _union_rows(
    a: sp.csr_matrix, sks: dict[int, AudienceSketches], pool: npt.NDArray[np.int64]
) -> list[dict[str, Any]]:
    rng = np.random.default_rng(11)
    rows = []
    for m in (10, 50):
        sets = [rng.choice(pool, size=m, replace=False) for _ in range(200)]
        truth = np.array([union_size(a, s) for s in sets], dtype=np.float64)
        for k, sk in sks.items():
            for method in ("auto", "ratio", "theta"):
                t = time.perf_counter()
                ests = [estimate_union(sk, s, method=method) for s in sets]
                per_call = (time.perf_counter() - t) / len(sets)
                err = np.array([e.value for e in ests]) / truth - 1
                inside = np.mean([e.low <= u <= e.high for e, u in zip(ests, truth, strict=True)])
                rows.append(
                    {
                        "set size": m,
                        "k": k,
                        "method": method,
                        "median |err|": float(np.median(np.abs(err))),
                        "p95 |err|": float(np.quantile(np.abs(err), 0.95)),
                        "mean err": float(err.mean()),
                        "in 95% CI": float(inside),
                        "mean ± width": float(np.mean([e.relative_error for e in ests])),
                        "ms/call": per_call * 1e3,
                    }
                )
    return rows


def _minhash_jaccard(
    a: sp.csr_matrix, nodes: npt.NDArray[np.int64], k: int
) -> npt.NDArray[np.float64]:
    """Classic MinHash: k seeded hash functions, Jaccard = share of equal minima."""
    sub = a[nodes]
    starts = sub.indptr[:-1]
    cols = np.arange(a.shape[1], dtype=np.int64)
    sig = np.empty((len(nodes), k), dtype=np.uint32)
    for j in range(k):
        h = hash_members(cols, seed=10_000 + j)[sub.indices]
        sig[:, j] = np.minimum.reduceat(h, starts)
    jac = np.zeros((len(nodes), len(nodes)))
    for i in range(len(nodes)):
        jac[i] = (sig == sig[i]).mean(axis=1)
    return jac


def _recall_rows(
    a: sp.csr_matrix, sks: dict[int, AudienceSketches], top: npt.NDArray[np.int64]
) -> list[dict[str, Any]]:
    t = time.perf_counter()
    exact = audience_overlap(a, top)
    exact_s = time.perf_counter() - t
    truth = exact.head(TOP_PAIRS)
    true_pairs = set(zip(truth["a"].tolist(), truth["b"].tolist(), strict=True))
    jac_at = dict(
        zip(
            zip(exact["a"].tolist(), exact["b"].tolist(), strict=True),
            exact["jaccard"].tolist(),
            strict=True,
        )
    )
    rows = []
    order = np.argsort(top)
    top_sorted = top[order]
    for k, sk in sks.items():
        t = time.perf_counter()
        est = estimate_overlaps(sk, top)
        est_s = time.perf_counter() - t
        got = est.head(TOP_PAIRS)
        got_pairs = set(zip(got["a"].tolist(), got["b"].tolist(), strict=True))
        # interval coverage on the top pairs of both rankings
        both = est[[(int(x), int(y)) in true_pairs for x, y in zip(est.a, est.b, strict=True)]]
        inside = float(
            np.mean(
                [
                    lo <= jac_at[(int(x), int(y))] <= hi
                    for x, y, lo, hi in zip(
                        both.a, both.b, both.jaccard_low, both.jaccard_high, strict=True
                    )
                ]
            )
        )
        rows.append(
            {
                "k": k,
                "estimator": "bottom-k (theta) sketch",
                "recall@100": len(true_pairs & got_pairs) / TOP_PAIRS,
                "top-100 J in CI": inside,
                "pairs_s": est_s,
                "exact_s": exact_s,
            }
        )
        t = time.perf_counter()
        jac = _minhash_jaccard(a, top_sorted, k)
        mh_s = time.perf_counter() - t
        iu = np.triu_indices(len(top_sorted), 1)
        vals = jac[iu]
        best = np.argsort(-vals, kind="stable")[:TOP_PAIRS]
        mh_pairs = {(int(top_sorted[iu[0][i]]), int(top_sorted[iu[1][i]])) for i in best.tolist()}
        rows.append(
            {
                "k": k,
                "estimator": "k-hash MinHash",
                "recall@100": len(true_pairs & mh_pairs) / TOP_PAIRS,
                "top-100 J in CI": "-",
                "pairs_s": mh_s,
                "exact_s": exact_s,
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100k accounts instead of 1M")
    args = parser.parse_args()
    users = 100_000 if args.quick else 1_000_000
    t = time.perf_counter()
    a = _audience(users)
    print(
        f"demo network: {a.shape[0]:,} accounts, {a.nnz:,} audience edges "
        f"({time.perf_counter() - t:.1f} s to generate)"
    )
    sks: dict[int, AudienceSketches] = {}
    build_rows = []
    for k in KS:
        sks[k], row = _build(a, k)
        build_rows.append(row)
    _table("build", build_rows)
    sizes = np.diff(a.indptr)
    by_size = np.argsort(-sizes, kind="stable").astype(np.int64)
    _table(
        "unique reach of random sets from the 10,000 largest audiences",
        _union_rows(a, sks, by_size[:10_000]),
    )
    _table(
        f"recall of the {TOP_PAIRS} most-overlapping pairs among the 1,000 largest audiences",
        _recall_rows(a, sks, by_size[:1_000]),
    )
    print(f"\nmax RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")


if __name__ == "__main__":
    main()
