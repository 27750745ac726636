r"""Learned influence: edge probabilities, Independent Cascade spread, IMM seeds.

Four steps share one graph type, :class:`InfluenceGraph` (directed influence
edges ``u → v`` with a probability :math:`p_{uv}` that ``v`` reposts what
``u`` shows it):

* :func:`edge_probabilities` learns :math:`p_{uv}` from repost history
  (reposts over exposures, smoothed by a Beta prior; restricted to one topic
  with ``mask``).
* :func:`ic_spread` estimates the expected spread of a seed set under the
  Independent Cascade (IC) model by Monte Carlo, with a confidence interval;
  :func:`ic_spread_exact` is the obviously-correct reference (enumeration of
  every live-edge world, tiny graphs only).
* :func:`ic_spread_many` estimates the spread of every node of a list as a
  single seed (for ranking accounts), by forward Monte Carlo or from
  reverse-reachable (RR) sets.
* :func:`influence_seeds` picks ``k`` seeds by IMM (reverse-reachable sets,
  greedy maximum coverage) with the ``(1 - 1/e - ε)`` guarantee at failure
  probability ``δ``; :func:`rr_sets` exposes the sampler.

Implementation
--------------
Every simulation (forward cascades and reverse-reachable sets alike) runs as
a level-synchronous breadth-first search over **many independent sets at
once** in numpy: the frontier of all sets is one array of ``set · n + node``
codes; the edges of all frontier nodes are gathered from a CSR in one
``repeat``/``arange`` (int32 when it fits), one float32 coin is drawn per
edge, and newly reached ``(set, node)`` codes are deduplicated by sorting
and checked against the visited pairs: a sorted code array merged level by
level while sets are small, a ``sets × n`` boolean table once they reach a
sizeable share of the graph. Each edge of a set is examined at most once,
exactly as in the IC model. Batches are sized from the work per set of the
previous batch (a few million elements), and blocks of sets run on a
thread pool (numpy releases the GIL in sorting, gathering and random
filling); each block draws from its own ``SeedSequence`` child, so results
depend on ``seed`` only, never on the number of threads.

Measured on 2 cores: about 45 million edge coin flips per second; IMM for
``k = 50, ε = 0.1`` on the 1M-account / 10M-edge demo network with learned
probabilities (RR sets of about 2 nodes) takes about 4 s. The cost of IMM
grows with the mean RR-set size, so a graph where a random account reaches a
sizeable share of the network (supercritical probabilities) needs far more
work: there, bound it with ``max_rr_sets`` or a larger ``epsilon``. A
compiled per-set BFS (numba) would be several times faster still; numpy
alone meets the target, so kolgraph does not depend on it.

The model
---------
IC: when ``u`` becomes active it gets one chance to activate each
out-neighbour ``v``, succeeding independently with probability
:math:`p_{uv}`. Equivalently (live-edge view) every edge is live with its
probability, independently, and the activated set is everything reachable
from the seeds over live edges. Parallel rows ``u → v`` are independent
edges.
"""

from __future__ import annotations

import math
import os
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from kolgraph.errors import InputError
from kolgraph.store.base import GraphArrays

__all__ = [
    "InfluenceGraph",
    "SeedSelection",
    "SpreadEstimate",
    "edge_probabilities",
    "ic_spread",
    "ic_spread_exact",
    "ic_spread_many",
    "influence_seeds",
    "rr_sets",
]

I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]
Bool = npt.NDArray[np.bool_]

_EXACT_MAX_EDGES = 20
_BLOCK_WORK = 1 << 22  # target elements (visited codes + examined edges) per batch
_THREAD_BLOCK = 1 << 16  # sets per thread-pool block
_DENSE_CELLS = 1 << 26  # largest dense visited table (sets × nodes, one byte each)
_SLICE = 1 << 20  # elements per slice of the in-place elementwise passes


def _unique_sorted(a: I64) -> I64:
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


# --------------------------------------------------------------------------- graph
@dataclass(frozen=True)
class InfluenceGraph:
    """Directed influence edges ``src → dst`` over ``n`` nodes with probabilities.

    ``prob[i]`` is the probability that ``dst[i]`` reposts what ``src[i]``
    shows it (an IC edge probability). Rows are independent edges; a pair may
    repeat.
    """

    n: int
    src: I32
    dst: I32
    prob: F64

    @property
    def m(self) -> int:
        """Number of edges (rows)."""
        return int(self.src.shape[0])

    def check(self) -> InfluenceGraph:
        """Validate the arrays (1-D, same lengths, ids in range, probabilities in [0, 1])."""
        if self.n < 0:
            raise InputError(f"node count must be >= 0, got {self.n}")
        if not (self.src.ndim == self.dst.ndim == self.prob.ndim == 1):
            raise InputError("src, dst and prob must be 1-D arrays")
        if not (self.src.shape == self.dst.shape == self.prob.shape):
            raise InputError(
                f"edge arrays have different lengths "
                f"(src {self.src.shape[0]}, dst {self.dst.shape[0]}, prob {self.prob.shape[0]})"
            )
        if self.m and (
            int(self.src.min()) < 0
            or int(self.dst.min()) < 0
            or int(self.src.max()) >= self.n
            or int(self.dst.max()) >= self.n
        ):
            raise InputError(f"edge endpoints must lie in [0, {self.n})")
        if self.m and not (
            np.isfinite(self.prob).all() and (self.prob >= 0).all() and (self.prob <= 1).all()
        ):
            raise InputError("edge probabilities must be finite and in [0, 1]")
        return self


def edge_probabilities(
    arrays: GraphArrays,
    *,
    prior_reposts: float = 1.0,
    prior_exposures: float = 20.0,
    min_prob: float = 0.0,
    max_prob: float = 1.0,
    mask: npt.ArrayLike | None = None,
    exposures: npt.ArrayLike | None = None,
) -> InfluenceGraph:
    r"""Learn IC edge probabilities from follow edges and repost history.

    Influence runs against the follow edge: when ``f`` follows ``a`` (follow
    edge ``f → a``), ``a``'s posts reach ``f``, so the influence edge is
    ``a → f``. A repost edge ``f → a`` (``f`` reposted what ``a`` showed) is
    one success on the influence edge ``a → f``.

    Parameters
    ----------
    arrays
        Follow and repost edges as dense index arrays.
    prior_reposts, prior_exposures
        Beta-prior pseudo-counts :math:`\alpha` (successes) and :math:`\beta`
        (exposures); an edge without history gets the prior mean
        :math:`\alpha / \beta` (default 0.05). ``prior_exposures`` must be
        positive.
    min_prob, max_prob
        Probabilities are clipped to ``[min_prob, max_prob]``
        (``0 <= min_prob <= max_prob <= 1``).
    mask
        Boolean array over the repost events: only events where it is true
        count, as successes and as activity. This is how a caller learns
        **per-topic** probabilities: pass the events of one topic (one
        hashtag, one community's posts, one campaign). Follow edges are kept
        whatever the mask, so every topic graph has the same edges and only
        the probabilities differ.
    exposures
        Optional number of posts each account showed its audience (length
        ``n_nodes``), for callers that know post ids, e.g. the number of
        distinct post ids where the account is the reposter or the author.
        Default: estimated from the repost events (see Notes).

    Returns
    -------
    InfluenceGraph
        One edge per distinct ``(a, f)`` pair with ``a != f`` that is a
        follow edge ``f → a`` or a (masked) repost edge ``f → a``; edges whose
        probability is 0 after clipping are dropped. Sorted by ``(src, dst)``.

    Raises
    ------
    InputError
        On a bad prior, clip range, mask or exposures array.

    Notes
    -----
    With :math:`c_{af}` the summed weight of (masked) repost events ``f → a``
    and :math:`E_a` the number of posts ``a`` showed,

    .. math::

        p_{af} = \operatorname{clip}\!\left(
            \frac{c_{af} + \alpha}{E_a + \beta},\ p_{\min},\ p_{\max}\right)

    the posterior mean of a Beta(:math:`\alpha`, :math:`\beta - \alpha`)
    prior after :math:`E_a` exposures with :math:`c_{af}` reposts. Repost
    pairs without a follow edge are included: engagement implies exposure.

    :class:`GraphArrays` has no post ids, so by default :math:`E_a` is the
    number of posts ``a`` is known to have shown, from repost events alone:

    .. math::

        E_a = \max\Big( \sum_{e:\ \mathrm{src}_e = a} w_e,\
                        \max_f c_{af} \Big)

    ``a`` showed every post it reposted, and, since an account reposts a
    given post at most once, at least as many posts as any single follower
    reposted from it. Counting every event where ``a`` is the *author* would
    instead divide each follower's reposts by the reposts of *all*
    followers, so accounts with many reposters would look less persuasive
    per follower the more they are reposted. The default is a lower bound on
    the true number of posts (originals that nobody reposted are invisible
    to it); pass ``exposures`` when post ids are known.

    Examples
    --------
    >>> import numpy as np
    >>> from kolgraph.store.base import GraphArrays
    >>> i32 = lambda *v: np.array(v, dtype=np.int32)
    >>> arrays = GraphArrays(3, follow_src=i32(1, 2), follow_dst=i32(0, 0),
    ...     repost_src=i32(1, 1), repost_dst=i32(0, 0),
    ...     repost_ts=np.zeros(2, dtype=np.int64),
    ...     repost_weight=np.ones(2, dtype=np.float32))
    >>> g = edge_probabilities(arrays)  # 0 showed 2 posts; 1 reposted both, 2 none
    >>> [(int(u), int(v), round(float(p), 4)) for u, v, p in zip(g.src, g.dst, g.prob)]
    [(0, 1, 0.1364), (0, 2, 0.0455)]

    References
    ----------
    .. [1] A. Goyal, F. Bonchi, L. V. S. Lakshmanan, "Learning influence
       probabilities in social networks", WSDM 2010.
    """
    alpha, beta = float(prior_reposts), float(prior_exposures)
    if not (math.isfinite(alpha) and alpha >= 0):
        raise InputError(f"prior_reposts must be finite and >= 0, got {prior_reposts}")
    if not (math.isfinite(beta) and beta > 0):
        raise InputError(f"prior_exposures must be finite and > 0, got {prior_exposures}")
    if not 0.0 <= min_prob <= max_prob <= 1.0:
        raise InputError(
            f"need 0 <= min_prob <= max_prob <= 1, got min_prob={min_prob}, max_prob={max_prob}"
        )
    n = int(arrays.n_nodes)
    rs = arrays.repost_src.astype(np.int64)
    rd = arrays.repost_dst.astype(np.int64)
    w = arrays.repost_weight.astype(np.float64)
    if mask is not None:
        sel = np.asarray(mask)
        if sel.dtype != np.bool_ or sel.shape != rs.shape:
            raise InputError(
                f"mask must be a boolean array with one entry per repost event "
                f"({rs.shape[0]}), got dtype {sel.dtype} and shape {sel.shape}"
            )
        rs, rd, w = rs[sel], rd[sel], w[sel]
    if w.size and not (np.isfinite(w).all() and (w >= 0).all()):
        raise InputError("repost weights must be finite and >= 0")

    # successes per influence pair (author a → reposter f), code a·n + f
    keep = rs != rd
    r_code = rd[keep] * n + rs[keep]
    order = np.argsort(r_code)  # equal codes only get summed, so stability is moot
    r_code, r_w = r_code[order], w[keep][order]
    first = np.flatnonzero(np.r_[True, r_code[1:] != r_code[:-1]]) if r_code.size else order
    pair_code = r_code[first]
    succ = np.add.reduceat(r_w, first) if r_code.size else np.zeros(0, dtype=np.float64)

    if exposures is None:
        shown = np.bincount(rs, weights=w, minlength=n).astype(np.float64)
        if pair_code.size:
            author = pair_code // n  # sorted, so each author's pairs are contiguous
            starts = np.flatnonzero(np.r_[True, author[1:] != author[:-1]])
            best = np.maximum.reduceat(succ, starts)
            np.maximum.at(shown, author[starts], best)
        expo = shown
    else:
        expo = np.asarray(exposures, dtype=np.float64)
        if expo.shape != (n,) or not (np.isfinite(expo).all() and (expo >= 0).all()):
            raise InputError(
                f"exposures must be {n} finite numbers >= 0 (one per account), "
                f"got shape {expo.shape}"
            )

    # Influence codes a·n + f of the follow edges f → a, then the repost pairs: built in
    # place (int64 copies of the 10M-row follow arrays would cost 80 MB each).
    f_keep = arrays.follow_src != arrays.follow_dst
    n_f = int(np.count_nonzero(f_keep))
    codes = np.empty(n_f + pair_code.size, dtype=np.int64)
    head = codes[:n_f]
    head[:] = arrays.follow_dst[f_keep]
    head *= n
    head += arrays.follow_src[f_keep]
    codes[n_f:] = pair_code
    del head, f_keep
    codes.sort()
    if codes.size > 1:
        codes = codes[np.r_[True, codes[1:] != codes[:-1]]]
    c = np.zeros(codes.size, dtype=np.float64)
    c[np.searchsorted(codes, pair_code)] = succ
    # author of each code (codes are sorted, so authors are runs): int32 straight away
    bounds = np.searchsorted(codes, np.arange(n + 1, dtype=np.int64) * n)
    a = np.repeat(np.arange(n, dtype=np.int32), np.diff(bounds))
    # prob = clip((c + alpha) / (expo[a] + beta)), elementwise in place, in slices
    c += alpha
    denom = expo + beta
    for lo in range(0, c.size, _SLICE):
        c[lo : lo + _SLICE] /= denom[a[lo : lo + _SLICE]]
    prob = np.clip(c, min_prob, max_prob, out=c)
    if n:
        np.remainder(codes, n, out=codes)
    live = prob > 0
    if live.all():
        return InfluenceGraph(n, a, codes.astype(np.int32), prob).check()
    return InfluenceGraph(n, a[live], codes[live].astype(np.int32), prob[live]).check()


# --------------------------------------------------------------------------- simulation core
@dataclass(frozen=True)
class _CSR:
    """Adjacency of one direction: for node ``v``, ``nbr[indptr[v]:indptr[v+1]]``."""

    n: int
    indptr: I64
    nbr: I32
    prob: F32


def _csr(g: InfluenceGraph, *, reverse: bool) -> _CSR:
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
    return _CSR(g.n, indptr, nbr, prob.astype(np.float32)[order])


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


def _expand(
    csr: _CSR,
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
    visited = _unique_sorted(start_sets * n + start_nodes)
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
            front = _unique_sorted(cand[~mark[cand]])
            mark[front] = True
            continue
        cand = _unique_sorted(cand)
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
    csr: _CSR,
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
        codes, examined = _expand(csr, sets, nodes, rng, dense_sets=hi - lo if dense else 0)
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


def _parallel_sets(
    csr: _CSR,
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


def _seed_list(g: InfluenceGraph, seeds: Sequence[int] | npt.ArrayLike) -> list[int]:
    arr = np.asarray(seeds)
    if arr.size == 0:
        return []
    if arr.ndim != 1 or not np.issubdtype(arr.dtype, np.integer):
        raise InputError("seeds must be a 1-D sequence of node indices (integers)")
    if int(arr.min()) < 0 or int(arr.max()) >= g.n:
        raise InputError(f"seed indices must lie in [0, {g.n})")
    return sorted({int(v) for v in arr.tolist()})


def _check_seed(seed: int) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise InputError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)


# --------------------------------------------------------------------------- spread
@dataclass(frozen=True)
class SpreadEstimate:
    """Monte Carlo estimate of an expected spread with its confidence interval."""

    mean: float
    low: float
    high: float
    runs: int
    confidence: float
    stderr: float


def ic_spread(
    g: InfluenceGraph,
    seeds: Sequence[int],
    *,
    runs: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
) -> SpreadEstimate:
    r"""Expected number of activated nodes (seeds included) under IC, by Monte Carlo.

    Parameters
    ----------
    g
        Influence graph.
    seeds
        Seed node indices; duplicates count once.
    runs
        Number of independent cascades simulated.
    seed
        Seed of the random generator.
    confidence
        Coverage of the interval ``[low, high]``, in ``(0, 1)``.

    Returns
    -------
    SpreadEstimate
        ``mean`` is the average cascade size over ``runs`` cascades;
        ``stderr`` its standard error; ``low`` and ``high`` the interval.

    Raises
    ------
    InputError
        If a seed is out of range, ``runs < 1`` or ``confidence`` is not in
        ``(0, 1)``.

    Notes
    -----
    With cascade sizes :math:`X_1, \dots, X_R` and sample standard deviation
    :math:`s`, the interval is the normal approximation

    .. math::

        \bar X \pm z_{(1+c)/2} \, \frac{s}{\sqrt{R}}

    clipped to ``[len(set(seeds)), n]``. Cascade sizes are bounded, so the
    central limit theorem applies; with few runs (below about 30) or a very
    skewed size distribution the coverage is only approximate. All cascades
    run together in numpy (see the module notes).

    Examples
    --------
    >>> import numpy as np
    >>> path = InfluenceGraph(3, np.array([0, 1], dtype=np.int32),
    ...                       np.array([1, 2], dtype=np.int32), np.array([0.5, 0.5]))
    >>> est = ic_spread(path, [0], runs=20_000, seed=1)
    >>> abs(est.mean - 1.75) < 4 * est.stderr  # exact: 1 + 0.5 + 0.25
    True
    """
    g.check()
    if runs < 1:
        raise InputError(f"runs must be >= 1, got {runs}")
    if not 0.0 < confidence < 1.0:
        raise InputError(f"confidence must be in (0, 1), got {confidence}")
    seed = _check_seed(seed)
    s = np.asarray(_seed_list(g, seeds), dtype=np.int64)
    if s.size == 0:
        return SpreadEstimate(0.0, 0.0, 0.0, int(runs), float(confidence), 0.0)
    csr = _csr(g, reverse=False)

    def starts(lo: int, hi: int) -> tuple[I64, I64]:
        b = hi - lo
        return np.repeat(np.arange(b, dtype=np.int64), s.size), np.tile(s, b)

    sizes, _ = _parallel_sets(csr, int(runs), starts, seed, 0, keep_members=False)
    x = sizes.astype(np.float64)
    mean = float(x.mean())
    stderr = float(x.std(ddof=1) / math.sqrt(x.size)) if x.size > 1 else 0.0
    z = statistics.NormalDist().inv_cdf((1.0 + confidence) / 2.0)
    low = max(float(s.size), mean - z * stderr)
    high = min(float(g.n), mean + z * stderr)
    return SpreadEstimate(mean, low, high, int(runs), float(confidence), stderr)


def ic_spread_exact(g: InfluenceGraph, seeds: Sequence[int]) -> float:
    """Exact expected spread by enumerating every live-edge world (reference).

    Plain Python, obviously correct, for tests: each edge with
    ``0 < p < 1`` is live or dead (``2^m`` worlds); edges with ``p = 1`` are
    always live and edges with ``p = 0`` never. The spread of a world is the
    number of nodes reachable from the seeds over its live edges; the result
    is the probability-weighted sum over worlds.

    Raises
    ------
    InputError
        If more than 20 edges have ``0 < p < 1`` (over a million worlds), or
        a seed is out of range.

    Examples
    --------
    >>> import numpy as np
    >>> path = InfluenceGraph(3, np.array([0, 1], dtype=np.int32),
    ...                       np.array([1, 2], dtype=np.int32), np.array([0.5, 0.5]))
    >>> ic_spread_exact(path, [0])
    1.75
    """
    g.check()
    seeds_l = _seed_list(g, seeds)
    if not seeds_l:
        return 0.0
    edges = list(zip(g.src.tolist(), g.dst.tolist(), g.prob.tolist(), strict=True))
    sure = [(u, v) for u, v, p in edges if p >= 1.0]
    uncertain = [(u, v, p) for u, v, p in edges if 0.0 < p < 1.0]
    if len(uncertain) > _EXACT_MAX_EDGES:
        raise InputError(
            f"exact enumeration needs at most {_EXACT_MAX_EDGES} edges with 0 < p < 1, "
            f"got {len(uncertain)}",
            hint="use ic_spread (Monte Carlo) on larger graphs",
        )
    total = 0.0
    for world in range(1 << len(uncertain)):
        weight = 1.0
        adj: dict[int, list[int]] = {}
        for u, v in sure:
            adj.setdefault(u, []).append(v)
        for i, (u, v, p) in enumerate(uncertain):
            if world >> i & 1:
                weight *= p
                adj.setdefault(u, []).append(v)
            else:
                weight *= 1.0 - p
        reached = set(seeds_l)
        stack = list(seeds_l)
        while stack:
            u = stack.pop()
            for v in adj.get(u, ()):
                if v not in reached:
                    reached.add(v)
                    stack.append(v)
        total += weight * len(reached)
    return total


def ic_spread_many(
    g: InfluenceGraph,
    nodes: npt.ArrayLike,
    *,
    runs: int = 200,
    seed: int = 0,
    method: Literal["auto", "mc", "rr"] = "auto",
) -> F64:
    r"""Expected spread of each node in ``nodes`` as the only seed.

    Parameters
    ----------
    g
        Influence graph.
    nodes
        Node indices (1-D integers); repeats are allowed.
    runs
        Precision budget :math:`R`: cascades per node (``mc``); for ``rr``,
        RR sets holding about :math:`R n` members in all (see Notes).
    seed
        Seed of the random generator.
    method
        ``"mc"``: forward Monte Carlo, ``runs`` cascades from each node.
        ``"rr"``: reverse-reachable sets shared by all nodes. ``"auto"``
        (default): whichever should cost less (see Notes).

    Returns
    -------
    numpy.ndarray
        float64 spread estimates in the order of ``nodes``; each at least 1.

    Raises
    ------
    InputError
        On out-of-range nodes, ``runs < 1`` or an unknown method.

    Notes
    -----
    ``mc`` averages cascade sizes: unbiased, variance
    :math:`\operatorname{Var}(X_v) / R` per node, cost about
    :math:`R \sum_{v \in \text{nodes}} \sigma(v)`.

    ``rr`` uses :math:`\sigma(v) = n \Pr[v \in \mathrm{RR}]` (Borgs et al.).
    A pilot of :math:`\min(R, 1000)` RR sets gives their mean size
    :math:`\bar s` (which is the mean spread of a random node); then
    :math:`N = \lceil R n / \bar s \rceil` fresh sets are drawn, about
    :math:`R n` members in all, whatever the spreads. With :math:`C_v` of
    them containing ``v``,

    .. math::

        \hat\sigma(v) = n \frac{C_v}{N}, \qquad
        \operatorname{Var}\hat\sigma(v) = \frac{\sigma(v)\,(n - \sigma(v))}{N}

    (binomial; unbiased, as :math:`N` depends only on the pilot), a relative
    error of about :math:`\sqrt{\bar s / (R\,\sigma(v))}`: better than
    ``mc``'s for nodes of above-average spread, worse below. A node in no
    set gets 1 (itself). ``auto`` picks ``rr`` when
    :math:`|\text{nodes}| \, \bar s \ge n` (``mc``'s cost, estimated with
    the mean spread, is then at least ``rr``'s) and ``mc`` otherwise.
    """
    g.check()
    if runs < 1:
        raise InputError(f"runs must be >= 1, got {runs}")
    if method not in ("auto", "mc", "rr"):
        raise InputError(f"unknown method {method!r}", hint="use auto, mc or rr")
    seed = _check_seed(seed)
    idx = np.asarray(nodes)
    if idx.size == 0:
        return np.zeros(0, dtype=np.float64)
    if idx.ndim != 1 or not np.issubdtype(idx.dtype, np.integer):
        raise InputError("nodes must be a 1-D array of node indices (integers)")
    idx = idx.astype(np.int64)
    if int(idx.min()) < 0 or int(idx.max()) >= g.n:
        raise InputError(f"node indices must lie in [0, {g.n})")
    uniq = _unique_sorted(idx)
    r = int(runs)
    if method in ("auto", "rr"):
        rev = _csr(g, reverse=True)
        pilot = min(r, 1000)
        mean_size = _rr_from_csr(rev, pilot, seed, 5)[1].size / pilot
        if method == "rr" or uniq.size * mean_size >= g.n:
            count = math.ceil(r * g.n / mean_size)
            counts = np.zeros(g.n, dtype=np.int64)  # sets per node, counted block by block
            _rr_from_csr(rev, count, seed, 6, hits=counts)
            del rev
            hits = counts.astype(np.float64)
            est: F64 = np.maximum(1.0, g.n * hits / count)[idx]
            return est
    back = np.searchsorted(uniq, idx)
    csr = _csr(g, reverse=False)

    def starts(lo: int, hi: int) -> tuple[I64, I64]:
        ids = np.arange(lo, hi, dtype=np.int64)
        return ids - lo, uniq[ids // r]

    sizes, _ = _parallel_sets(csr, uniq.size * r, starts, seed, 2, keep_members=False)
    means: F64 = sizes.astype(np.float64).reshape(uniq.size, r).mean(axis=1)
    return means[back]


# --------------------------------------------------------------------------- RR sets
def _rr_from_csr(
    csr: _CSR, count: int, seed: int, stream: int, *, hits: I64 | None = None
) -> tuple[I64, I32, I64]:
    """``count`` RR sets as CSR ``(indptr, members, roots)``; members sorted per set.

    With ``hits``, the sets are only counted into it (see :func:`_parallel_sets`)
    and ``indptr`` and ``members`` come back empty.
    """
    roots = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(stream,))).integers(
        0, max(csr.n, 1), size=count
    )

    def starts(lo: int, hi: int) -> tuple[I64, I64]:
        return np.arange(hi - lo, dtype=np.int64), roots[lo:hi]

    sizes, members = _parallel_sets(
        csr, count, starts, seed, stream, keep_members=hits is None, hits=hits
    )
    if hits is not None:
        return np.zeros(0, dtype=np.int64), members, roots
    indptr = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(sizes, out=indptr[1:])
    return indptr, members, roots


def _root_first(indptr: I64, members: I32, roots: I64) -> I32:
    """Rotate each sorted set so its root comes first, the rest staying in order."""
    sizes = np.diff(indptr)
    row = np.repeat(np.arange(sizes.size, dtype=np.int64), sizes)
    local = np.arange(members.size, dtype=np.int64) - indptr[row]
    hit = np.flatnonzero(members == roots[row])  # exactly one per set
    root_local = np.empty(sizes.size, dtype=np.int64)
    root_local[row[hit]] = local[hit]
    rl = root_local[row]
    new_local = np.where(local == rl, 0, np.where(local < rl, local + 1, local))
    out = np.empty_like(members)
    out[indptr[row] + new_local] = members
    return out


def rr_sets(g: InfluenceGraph, count: int, *, seed: int = 0) -> tuple[I64, I32]:
    """Reverse-reachable sets from uniformly random roots under IC.

    An RR set of root ``v`` is every node that reaches ``v`` over the live
    edges of one random world: a breadth-first search against edge
    direction that keeps each in-edge with its probability. A node's
    expected spread is ``n`` times the probability that it lies in a random
    RR set (Borgs et al. 2014).

    Parameters
    ----------
    g
        Influence graph.
    count
        Number of sets (``>= 0``).
    seed
        Seed of the random generator.

    Returns
    -------
    indptr, members
        Set ``i`` is ``members[indptr[i]:indptr[i+1]]`` (int64 ``indptr`` of
        length ``count + 1``, int32 ``members``). Its **root comes first**,
        the other members follow in increasing order.

    Raises
    ------
    InputError
        If ``count < 0``, or ``count > 0`` on an empty graph.

    Examples
    --------
    >>> import numpy as np
    >>> g = InfluenceGraph(2, np.array([0], dtype=np.int32),
    ...                    np.array([1], dtype=np.int32), np.array([1.0]))
    >>> indptr, members = rr_sets(g, 3, seed=0)
    >>> [members[a:b].tolist() for a, b in zip(indptr[:-1], indptr[1:])]
    [[1, 0], [0], [0]]
    """
    g.check()
    seed = _check_seed(seed)
    if count < 0:
        raise InputError(f"count must be >= 0, got {count}")
    if count and g.n == 0:
        raise InputError("cannot sample RR sets of an empty graph")
    indptr, members, roots = _rr_from_csr(_csr(g, reverse=True), int(count), seed, 3)
    return indptr, _root_first(indptr, members, roots)


# --------------------------------------------------------------------------- IMM
@dataclass(frozen=True)
class SeedSelection:
    """Seeds chosen by :func:`influence_seeds` and how they were chosen.

    ``spread`` estimates the seeds' expected spread (``n`` times the share of
    the final RR sets they cover); ``rr_sets`` is the number of those sets;
    ``capped`` is true when ``max_rr_sets`` cut the sampling short, in which
    case the approximation guarantee does not hold.
    """

    seeds: list[int]
    spread: float
    rr_sets: int
    epsilon: float
    delta: float
    seconds: float
    capped: bool = False


def _greedy_cover(
    indptr: I64, members: I32, n: int, k: int, allowed: Bool | None
) -> tuple[list[int], int]:
    """Greedy maximum coverage of RR sets by ``k`` nodes (among ``allowed``).

    Exact greedy with vectorized updates: node gains are a ``bincount`` of
    the members; after a node is chosen, the sets it newly covers are found
    through an inverted index (node → sets, a counting-sort transpose) and
    their members' gains are decremented with one more ``bincount``. Ties go
    to the lower index. Returns the seeds and the number of sets covered.
    """
    count = indptr.size - 1
    gain = np.bincount(members, minlength=n).astype(np.int64)
    set_of = np.repeat(np.arange(count, dtype=np.int64), np.diff(indptr))
    # node-major codes: one int64 sort gives every node's sets
    inv_sets = np.sort(members.astype(np.int64) * max(count, 1) + set_of) % max(count, 1)
    inv_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(gain, out=inv_ptr[1:])
    covered = np.zeros(count, dtype=bool)
    score = gain.copy()
    if allowed is not None:
        score[~allowed] = -1
    seeds: list[int] = []
    n_covered = 0
    for _ in range(k):
        u = int(np.argmax(score))
        seeds.append(u)
        sets = inv_sets[inv_ptr[u] : inv_ptr[u + 1]]
        new = sets[~covered[sets]]
        covered[new] = True
        n_covered += int(new.size)
        if new.size:
            lens = indptr[new + 1] - indptr[new]
            ends = np.cumsum(lens)
            pos = np.repeat(indptr[new] - (ends - lens), lens) + np.arange(
                int(ends[-1]), dtype=np.int64
            )
            dec = np.bincount(members[pos], minlength=n)
            score -= dec
        score[u] = -(1 << 62)
    return seeds, n_covered


def _log_comb(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def influence_seeds(
    g: InfluenceGraph,
    k: int,
    *,
    epsilon: float = 0.1,
    delta: float | None = None,
    seed: int = 0,
    candidates: npt.ArrayLike | None = None,
    max_rr_sets: int | None = None,
) -> SeedSelection:
    r"""Choose ``k`` seeds of near-maximal expected IC spread (IMM).

    Parameters
    ----------
    g
        Influence graph.
    k
        Number of seeds, ``1 <= k <= `` number of candidates.
    epsilon
        Approximation slack :math:`\varepsilon \in (0, 1)`: with probability
        at least :math:`1 - \delta` the seeds' spread is at least
        :math:`(1 - 1/e - \varepsilon)` times the best possible.
    delta
        Failure probability in ``(0, 1)``; default ``1 / n``.
    seed
        Seed of the random generator.
    candidates
        Restrict seeds to these nodes (an index array, or a boolean mask of
        length ``n``), e.g. only KOL and media accounts; default all nodes.
        The guarantee is then relative to the best ``k`` candidates.
    max_rr_sets
        Upper bound on the RR sets sampled in each phase; when it binds,
        ``capped`` is set and the guarantee is void.

    Returns
    -------
    SeedSelection
        Seeds in the order greedy picked them, with the spread estimate.

    Raises
    ------
    InputError
        If ``k``, ``epsilon``, ``delta``, ``candidates`` or ``max_rr_sets``
        is invalid.

    Notes
    -----
    IMM [1]_ with :math:`\ell = \ln(1/\delta) / \ln n`, raised to
    :math:`\ell (1 + \ln 2 / \ln n)` so both phases together fail with
    probability at most :math:`\delta`. With :math:`N` candidates and
    :math:`\varepsilon' = \sqrt 2 \varepsilon`,

    .. math::

        \lambda' = \frac{(2 + \tfrac23 \varepsilon')
            \left(\ln\binom{N}{k} + \ell \ln n + \ln\log_2 n\right) n}{\varepsilon'^2},
        \qquad
        \lambda^* = \frac{2n\left((1 - 1/e)\alpha + \beta\right)^2}{\varepsilon^2}

    with :math:`\alpha = \sqrt{\ell \ln n + \ln 2}` and
    :math:`\beta = \sqrt{(1 - 1/e)(\ln\binom{N}{k} + \ell \ln n + \ln 2)}`.
    *Sampling*: for :math:`x = n/2, n/4, \dots` draw :math:`\lambda'/x` RR
    sets and run greedy; the first time the greedy seeds cover a share
    :math:`F` with :math:`nF \ge (1+\varepsilon')x`, set the lower bound
    :math:`LB = nF / (1 + \varepsilon')` of the optimum. *Selection*: greedy
    maximum coverage over :math:`\theta = \lambda^*/LB` RR sets. Following
    Chen's correction [2]_ the selection sets are drawn afresh rather than
    reusing the sampling phase's sets, whose number depends on their own
    content. The cost is :math:`O(\theta)` RR sets, i.e. it grows like
    :math:`n / \mathrm{OPT}`: graphs where even the best seeds reach few
    accounts need many sets (use ``max_rr_sets`` to bound the work).

    References
    ----------
    .. [1] Y. Tang, Y. Shi, X. Xiao, "Influence maximization in near-linear
       time: a martingale approach", SIGMOD 2015.
    .. [2] W. Chen, "An issue in the martingale analysis of the influence
       maximization algorithm IMM", arXiv:1808.09363, 2018.
    """
    t0 = time.perf_counter()
    g.check()
    n = g.n
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise InputError(f"k must be an integer >= 1, got {k!r}")
    k = int(k)
    if not (math.isfinite(epsilon) and 0.0 < epsilon < 1.0):
        raise InputError(f"epsilon must be in (0, 1), got {epsilon}")
    if delta is None:
        delta = 1.0 / max(n, 2)
    if not (math.isfinite(delta) and 0.0 < delta < 1.0):
        raise InputError(f"delta must be in (0, 1), got {delta}")
    if max_rr_sets is not None and max_rr_sets < 1:
        raise InputError(f"max_rr_sets must be >= 1, got {max_rr_sets}")
    seed = _check_seed(seed)
    allowed = _candidate_mask(n, candidates)
    n_cand = n if allowed is None else int(allowed.sum())
    if k > n_cand:
        raise InputError(
            f"k={k} exceeds the number of candidate nodes ({n_cand})",
            hint="lower k or widen candidates",
        )

    csr = _csr(g, reverse=True)
    ln_n = math.log(max(n, 2))
    ell = math.log(1.0 / delta) / ln_n
    ell *= 1.0 + math.log(2.0) / ln_n
    log_ck = _log_comb(n_cand, k)
    eps_p = math.sqrt(2.0) * epsilon
    lam_p = (
        (2.0 + 2.0 / 3.0 * eps_p)
        * (log_ck + ell * ln_n + math.log(max(math.log2(max(n, 2)), 1.0)))
        * n
        / eps_p**2
    )
    e1 = 1.0 - 1.0 / math.e
    a = math.sqrt(ell * ln_n + math.log(2.0))
    b = math.sqrt(e1 * (log_ck + ell * ln_n + math.log(2.0)))
    lam_star = 2.0 * n * (e1 * a + b) ** 2 / epsilon**2
    cap = max_rr_sets if max_rr_sets is not None else None
    capped = False

    # sampling phase: a lower bound LB of the optimum (OPT >= k: seeds count themselves)
    lb = 1.0
    parts: list[tuple[I64, I32]] = []
    have = 0
    for i in range(1, int(math.log2(max(n, 2)))):
        x = n / 2.0**i
        want = math.ceil(lam_p / x)
        if cap is not None and want > cap:
            want, capped = cap, True
        if want > have:
            indptr, members, _ = _rr_from_csr(csr, want - have, seed, 10 + i)
            parts.append((indptr, members))
            have = want
        indptr, members = _concat_rr(parts)
        _, cov = _greedy_cover(indptr, members, n, k, allowed)
        if n * cov / have >= (1.0 + eps_p) * x or capped:
            lb = n * cov / have / (1.0 + eps_p)
            break
    parts.clear()
    lb = max(lb, float(k))

    # node selection on fresh sets (Chen 2018)
    theta = max(1, math.ceil(lam_star / lb))
    if cap is not None and theta > cap:
        theta, capped = cap, True
    indptr, members, _ = _rr_from_csr(csr, theta, seed, 4)
    seeds, cov = _greedy_cover(indptr, members, n, k, allowed)
    return SeedSelection(
        seeds=seeds,
        spread=float(n * cov / theta),
        rr_sets=int(theta),
        epsilon=float(epsilon),
        delta=float(delta),
        seconds=time.perf_counter() - t0,
        capped=capped,
    )


def _concat_rr(parts: list[tuple[I64, I32]]) -> tuple[I64, I32]:
    """Join RR-set batches into one CSR (and keep only the joined copy in ``parts``)."""
    if len(parts) == 1:
        return parts[0]
    members = np.concatenate([p[1] for p in parts])
    sizes = np.concatenate([np.diff(p[0]) for p in parts])
    indptr = np.zeros(sizes.size + 1, dtype=np.int64)
    np.cumsum(sizes, out=indptr[1:])
    parts[:] = [(indptr, members)]
    return indptr, members


def _candidate_mask(n: int, candidates: npt.ArrayLike | None) -> Bool | None:
    if candidates is None:
        return None
    c = np.asarray(candidates)
    if c.dtype == np.bool_:
        if c.shape != (n,):
            raise InputError(f"a boolean candidates mask must have length n={n}, got {c.shape}")
        return c.copy()
    if c.ndim != 1 or (c.size and not np.issubdtype(c.dtype, np.integer)):
        raise InputError("candidates must be node indices (1-D integers) or a boolean mask")
    if c.size and (int(c.min()) < 0 or int(c.max()) >= n):
        raise InputError(f"candidate indices must lie in [0, {n})")
    mask = np.zeros(n, dtype=bool)
    mask[c.astype(np.int64)] = True
    return mask
