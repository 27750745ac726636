"""Reverse-reachable sets and influence maximization by IMM."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from kolgraph.arrays import I32, I64, Bool
from kolgraph.errors import InputError
from kolgraph.rank.influence.cascade import adjacency, check_seed, rr_from_csr
from kolgraph.rank.influence.learn import InfluenceGraph

__all__ = ["SeedSelection", "influence_seeds", "rr_sets"]


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
    seed = check_seed(seed)
    if count < 0:
        raise InputError(f"count must be >= 0, got {count}")
    if count and g.n == 0:
        raise InputError("cannot sample RR sets of an empty graph")
    indptr, members, roots = rr_from_csr(adjacency(g, reverse=True), int(count), seed, 3)
    return indptr, _root_first(indptr, members, roots)


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
    seed = check_seed(seed)
    allowed = _candidate_mask(n, candidates)
    n_cand = n if allowed is None else int(allowed.sum())
    if k > n_cand:
        raise InputError(
            f"k={k} exceeds the number of candidate nodes ({n_cand})",
            hint="lower k or widen candidates",
        )

    csr = adjacency(g, reverse=True)
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
            indptr, members, _ = rr_from_csr(csr, want - have, seed, 10 + i)
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
    indptr, members, _ = rr_from_csr(csr, theta, seed, 4)
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
