"""The simulation core shared by spread estimates and RR sets: many BFS sets at once in numpy.

See :mod:`kolgraph.rank.influence` for how a batch of sets expands level by level.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from kolgraph.arrays import F32, I32, I64
from kolgraph.errors import InputError
from kolgraph.rank.influence.learn import InfluenceGraph

__all__ = [
    "Adjacency",
    "StartFn",
    "adjacency",
    "check_seed",
    "expand",
    "parallel_sets",
    "rr_from_csr",
    "unique_sorted",
]

_BLOCK_WORK = 1 << 22  # target elements (visited codes + examined edges) per batch
_THREAD_BLOCK = 1 << 16  # sets per thread-pool block
_DENSE_CELLS = 1 << 26  # largest dense visited table (sets × nodes, one byte each)


def unique_sorted(a: I64) -> I64:
    """Sorted distinct values (``np.unique`` without its slow hash path in numpy 2.3+)."""
    a = np.sort(a)
    if a.size > 1:
        a = a[np.r_[True, a[1:] != a[:-1]]]
    return a


def _stable_order(key: npt.NDArray[np.integer], bound: int) -> I64:
    """Indices that sort ``key`` (values in ``[0, bound)``) stably, via one int64 sort."""
    m = key.size
    if m == 0:
        return np.zeros(0, dtype=np.int64)
    if bound * m >= 1 << 62:  # codes would overflow: numpy's (slower) stable sort
        slow: I64 = np.argsort(key, kind="stable")
        return slow
    order: I64 = key.astype(np.int64)  # codes key·m + i, sorted and reduced in place
    order *= m
    order += np.arange(m, dtype=np.int64)
    order.sort()
    np.remainder(order, m, out=order)
    return order


@dataclass(frozen=True)
class Adjacency:
    """CSR adjacency of one direction: for node ``v``, ``nbr[indptr[v]:indptr[v+1]]``."""

    n: int
    indptr: I64
    nbr: I32
    prob: F32


def adjacency(g: InfluenceGraph, *, reverse: bool) -> Adjacency:
    """Out-edges (forward cascades) or in-edges (reverse-reachable sets) of every node.

    Edges with probability 0 can never fire and are left out.
    """
    key, other = (g.dst, g.src) if reverse else (g.src, g.dst)
    live = g.prob > 0
    prob = g.prob
    if not live.all():  # copies only when some edge can never fire
        key, other, prob = key[live], other[live], prob[live]
    del live
    order = _stable_order(key, g.n)
    indptr = np.zeros(g.n + 1, dtype=np.int64)
    np.cumsum(np.bincount(key, minlength=g.n), out=indptr[1:])
    nbr = other[order].astype(np.int32, copy=False)
    return Adjacency(g.n, indptr, nbr, prob.astype(np.float32)[order])


def _edge_ranges(first: I64, deg: I64, total: int) -> npt.NDArray[np.integer]:
    """Concatenated ``first[i] .. first[i] + deg[i] - 1`` (int32 when small: half the traffic)."""
    ends = np.cumsum(deg)
    base = first - (ends - deg)
    if total < 2**31 and int(first.max()) + int(deg.max()) < 2**31:
        edge32 = np.repeat(base.astype(np.int32), deg)
        edge32 += np.arange(total, dtype=np.int32)
        return edge32
    edge64: I64 = np.repeat(base, deg) + np.arange(total, dtype=np.int64)
    return edge64


def expand(
    csr: Adjacency,
    start_sets: I64,
    start_nodes: I64,
    rng: np.random.Generator,
    *,
    dense_sets: int = 0,
) -> tuple[I64, int]:
    """Everything each set reaches over live edges, from its start nodes.

    Returns the sorted unique codes ``set · n + node`` of every reached
    ``(set, node)`` pair (start nodes included) and the number of edges
    examined. Each ``(set, node)`` enters the frontier once, so each edge is
    flipped at most once per set.

    Visited pairs are kept as a sorted code array, merged level by level
    (memory proportional to what is reached), or, with ``dense_sets > 0``
    (the number of sets), as a ``dense_sets · n`` boolean table: faster when
    sets reach a sizeable share of the graph.
    """
    n = csr.n
    visited = unique_sorted(start_sets * n + start_nodes)
    mark = None
    if dense_sets:
        mark = np.zeros(dense_sets * n, dtype=np.bool_)
        mark[visited] = True
    front = visited
    examined = 0
    while front.size:
        f_set, f_node = np.divmod(front, n)
        first = csr.indptr[f_node]
        deg = csr.indptr[f_node + 1] - first
        total = int(deg.sum())
        if total == 0:
            break
        examined += total
        edge = _edge_ranges(first, deg, total)
        live = np.flatnonzero(rng.random(total, dtype=np.float32) < csr.prob[edge])
        if live.size == 0:
            break
        if live.size * 8 > total:
            owner = np.repeat(f_set * n, deg)[live]
        else:  # few live edges: find their frontier entry by bisection
            owner = f_set[np.searchsorted(np.cumsum(deg), live, side="right")] * n
        cand = owner + csr.nbr[edge[live]]
        if mark is not None:
            front = unique_sorted(cand[~mark[cand]])
            mark[front] = True
            continue
        cand = unique_sorted(cand)
        pos = np.searchsorted(visited, cand)
        seen = visited[np.minimum(pos, visited.size - 1)] == cand
        front = cand[~seen]
        visited = np.insert(visited, pos[~seen], front)
    if mark is not None:
        return np.flatnonzero(mark), examined
    return visited, examined


StartFn = Callable[[int, int], tuple[I64, I64]]
"""``starts(lo, hi)`` → (local set ids in ``[0, hi - lo)``, start nodes) for sets lo..hi-1."""


def _run_sets(
    csr: Adjacency,
    count: int,
    starts: StartFn,
    rng: np.random.Generator,
    *,
    keep_members: bool,
    hits: I64 | None = None,
) -> tuple[I64, I32]:
    """Simulate ``count`` sets in memory-bounded batches.

    Returns ``(sizes, members)``: the size of every set and, with
    ``keep_members``, the reached nodes set after set (each set's nodes in
    increasing order); otherwise ``members`` is empty. A first batch of 16
    sets measures the work per set; later batches aim at ``_BLOCK_WORK``
    elements and use the dense visited table when sets reach at least 1/64
    of the graph. With ``hits`` (length ``n``), the number of sets each node
    lies in is added to it, batch by batch.
    """
    n = csr.n
    sizes: list[I64] = []
    members: list[I32] = []
    lo = 0
    batch = min(count, 16)
    dense = False
    while lo < count:
        hi = min(count, lo + batch)
        sets, nodes = starts(lo, hi)
        codes, examined = expand(csr, sets, nodes, rng, dense_sets=hi - lo if dense else 0)
        set_of = codes // n if n else codes
        sizes.append(np.bincount(set_of, minlength=hi - lo).astype(np.int64))
        if keep_members or hits is not None:
            nodes_of = (codes - set_of * n).astype(np.int32)
            if hits is not None:
                hits += np.bincount(nodes_of, minlength=n)
            if keep_members:
                members.append(nodes_of)
        work = (codes.size + examined) / (hi - lo)
        batch = int(min(max(1, _BLOCK_WORK / max(work, 1.0)), 1 << 20))
        dense = n * (hi - lo) <= 64 * codes.size and n <= _DENSE_CELLS
        if dense:
            batch = max(1, min(batch, _DENSE_CELLS // max(n, 1)))
        lo = hi
    size_arr = np.concatenate(sizes) if sizes else np.zeros(0, dtype=np.int64)
    member_arr = np.concatenate(members) if members else np.zeros(0, dtype=np.int32)
    return size_arr, member_arr


def parallel_sets(
    csr: Adjacency,
    count: int,
    starts: StartFn,
    seed: int,
    stream: int,
    *,
    keep_members: bool,
    hits: I64 | None = None,
) -> tuple[I64, I32]:
    """:func:`_run_sets` over fixed blocks of sets on a thread pool.

    The blocks depend on ``count`` only (``B`` sets each, at least 8 blocks
    when there are 2048 sets or more); block ``j`` draws from the generator
    seeded by ``SeedSequence(seed, spawn_key=(stream, j))``. So the result
    depends on ``seed`` and ``stream``, never on the number of threads.

    With ``hits`` (length ``n``), the number of sets each node lies in is
    added to it block by block and the returned sizes are empty: memory then
    stays flat however many sets there are.
    """
    size = min(_THREAD_BLOCK, max(256, -(-count // 8)))
    blocks = [(lo, min(count, lo + size)) for lo in range(0, count, size)]

    def one(j: int) -> tuple[I64, I32, I64 | None]:
        lo, hi = blocks[j]
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(stream, j)))
        local = None if hits is None else np.zeros(csr.n, dtype=np.int64)  # no shared writes
        sizes, members = _run_sets(
            csr,
            hi - lo,
            lambda a, b: starts(lo + a, lo + b),
            rng,
            keep_members=keep_members,
            hits=local,
        )
        if local is not None:
            sizes = sizes[:0]
        return sizes, members, local

    def collect(results: Iterable[tuple[I64, I32, I64 | None]]) -> list[tuple[I64, I32]]:
        out = []
        for sizes, members, local in results:  # in block order, one block at a time
            if hits is not None and local is not None:
                np.add(hits, local, out=hits)
            out.append((sizes, members))
        return out

    workers = min(len(blocks), os.cpu_count() or 1)
    if workers <= 1:
        parts = collect(one(j) for j in range(len(blocks)))
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            parts = collect(pool.map(one, range(len(blocks))))
    if not parts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int32)
    return (
        np.concatenate([p[0] for p in parts]),
        np.concatenate([p[1] for p in parts]),
    )


def check_seed(seed: int) -> int:
    """``seed`` as an ``int``; :class:`InputError` unless it is a non-negative integer."""
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise InputError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)


def rr_from_csr(
    csr: Adjacency, count: int, seed: int, stream: int, *, hits: I64 | None = None
) -> tuple[I64, I32, I64]:
    """``count`` RR sets as CSR ``(indptr, members, roots)``; members sorted per set.

    With ``hits``, the sets are only counted into it (see :func:`parallel_sets`)
    and ``indptr`` and ``members`` come back empty.
    """
    roots = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(stream,))).integers(
        0, max(csr.n, 1), size=count
    )

    def starts(lo: int, hi: int) -> tuple[I64, I64]:
        return np.arange(hi - lo, dtype=np.int64), roots[lo:hi]

    sizes, members = parallel_sets(
        csr, count, starts, seed, stream, keep_members=hits is None, hits=hits
    )
    if hits is not None:
        return np.zeros(0, dtype=np.int64), members, roots
    indptr = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(sizes, out=indptr[1:])
    return indptr, members, roots
