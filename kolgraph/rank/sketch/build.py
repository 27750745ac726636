"""Building audience sketches: vectorized, plain-Python reference, crawl coverage."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from kolgraph.errors import InputError
from kolgraph.rank.sketch.hashing import (
    HASH_SPACE,
    check_seed,
    hash_members,
    hash_reference,
    seed_keys,
)
from kolgraph.rank.sketch.sketches import AudienceSketches

__all__ = ["adjust_for_coverage", "build_sketches", "build_sketches_reference"]


def _check_build(k: int, min_audience: int, seed: int) -> tuple[int, int, int]:
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 2:
        raise InputError(f"k must be an integer >= 2, got {k!r}")
    if isinstance(min_audience, bool) or not isinstance(min_audience, int | np.integer):
        raise InputError(f"min_audience must be an integer, got {min_audience!r}")
    if min_audience < 1:
        raise InputError(f"min_audience must be >= 1, got {min_audience}")
    return int(k), int(min_audience), check_seed(seed)


def _as_audience(audience: sp.spmatrix | sp.sparray) -> sp.csr_matrix:
    if not sp.issparse(audience) or len(audience.shape) != 2:
        raise InputError("audience must be a 2-d scipy sparse matrix (see follower_matrix)")
    if audience.shape[1] > HASH_SPACE:
        raise InputError(f"audience has {audience.shape[1]} columns; at most 2**32 are hashed")
    mat = sp.csr_matrix(audience)  # no copy when it already is a csr_matrix
    if not mat.has_canonical_format:
        mat = mat.copy()
        mat.sum_duplicates()
    if mat.nnz and not mat.data.all():
        mat = mat.copy()
        mat.eliminate_zeros()
    return mat


def build_sketches(
    audience: sp.spmatrix | sp.sparray,
    *,
    k: int = 128,
    min_audience: int = 1,
    seed: int = 0,
) -> AudienceSketches:
    r"""Bottom-``k`` sketch of every audience with at least ``min_audience`` members.

    Parameters
    ----------
    audience
        Binary ``n × n`` sparse matrix, ``audience[v, u] != 0`` when ``u`` is in
        ``v``'s audience (see :func:`kolgraph.rank.graph.follower_matrix`).
        Duplicates and explicit zeros are handled; the input is not modified.
    k
        Hashes kept per account, at least 2. The single-account relative
        standard error is :math:`1/\sqrt{k-2}`; memory is at most
        ``4 · k`` bytes per account (less for small audiences).
    min_audience
        Accounts with smaller audiences get no sketch (at least 1: empty
        audiences are never stored, and count as empty in estimates).
    seed
        Seed of the member hash (:func:`hash_members`).

    Returns
    -------
    AudienceSketches
        Coverage 1 for every account; see :func:`adjust_for_coverage`.

    Raises
    ------
    InputError
        ``k < 2``, ``min_audience < 1``, a negative seed, or ``audience`` is not
        a 2-d sparse matrix.

    Notes
    -----
    Every member id is hashed once; the ``(row, hash)`` pairs are packed into
    one 64-bit key :math:`2^{32} \cdot \mathrm{row} + h` and sorted, after which
    each row's ``k`` smallest hashes are its first ``k`` entries, found by
    ``indptr`` arithmetic. Cost: one sort of ``nnz`` 64-bit keys.

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> a = sp.random(50, 50, density=0.3, random_state=1, format="csr")
    >>> sk = build_sketches(a, k=8, seed=3)
    >>> len(sk) == int((a.getnnz(axis=1) > 0).sum()), sk.k
    (True, 8)
    """
    k, min_audience, seed = _check_build(k, min_audience, seed)
    mat = _as_audience(audience)
    n_rows, n_cols = (int(d) for d in mat.shape)
    counts = np.diff(mat.indptr).astype(np.int64)
    selected = counts >= min_audience
    nodes = np.flatnonzero(selected).astype(np.int64)
    sizes = counts[selected]
    members = mat.indices if selected.all() else mat.indices[np.repeat(selected, counts)]
    col_hash = hash_members(np.arange(n_cols, dtype=np.int64), seed=seed)
    key = np.repeat(np.arange(nodes.size, dtype=np.uint64) << np.uint64(32), sizes)
    np.bitwise_or(key, col_hash[members], out=key)
    del members
    key.sort()
    starts = np.zeros(nodes.size + 1, dtype=np.int64)
    np.cumsum(sizes, out=starts[1:])
    kept = np.minimum(sizes, k)
    indptr = np.zeros(nodes.size + 1, dtype=np.int64)
    np.cumsum(kept, out=indptr[1:])
    # positions of each row's first `kept` keys in the sorted array
    take = np.arange(int(indptr[-1]), dtype=np.int64) + np.repeat(starts[:-1] - indptr[:-1], kept)
    hashes = (key[take] & np.uint64(HASH_SPACE - 1)).astype(np.uint32)
    return AudienceSketches(
        nodes=nodes,
        sizes=sizes,
        indptr=indptr,
        hashes=hashes,
        coverage=np.ones(nodes.size, dtype=np.float64),
        k=k,
        seed=seed,
        n=n_rows,
        min_audience=min_audience,
    )


def build_sketches_reference(
    audience: sp.spmatrix | sp.sparray,
    *,
    k: int = 128,
    min_audience: int = 1,
    seed: int = 0,
) -> AudienceSketches:
    """Plain-Python :func:`build_sketches` (dicts, sets and sorted lists), for tests.

    Same parameters, result and errors as :func:`build_sketches`; slow.
    """
    k, min_audience, seed = _check_build(k, min_audience, seed)
    if not sp.issparse(audience) or len(audience.shape) != 2:
        raise InputError("audience must be a 2-d scipy sparse matrix (see follower_matrix)")
    s1, s2 = seed_keys(seed)
    coo = sp.coo_matrix(audience)
    n_rows = int(coo.shape[0])
    totals: list[dict[int, float]] = [{} for _ in range(n_rows)]
    for r, c, v in zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist(), strict=True):
        totals[r][c] = totals[r].get(c, 0.0) + v
    nodes: list[int] = []
    sizes: list[int] = []
    indptr = [0]
    hashes: list[int] = []
    for r in range(n_rows):
        members = [c for c, v in totals[r].items() if v != 0]
        if len(members) < min_audience:
            continue
        row = sorted(hash_reference(c, s1, s2) for c in members)[:k]
        nodes.append(r)
        sizes.append(len(members))
        hashes.extend(row)
        indptr.append(len(hashes))
    return AudienceSketches(
        nodes=np.array(nodes, dtype=np.int64),
        sizes=np.array(sizes, dtype=np.int64),
        indptr=np.array(indptr, dtype=np.int64),
        hashes=np.array(hashes, dtype=np.uint32),
        coverage=np.ones(len(nodes), dtype=np.float64),
        k=k,
        seed=seed,
        n=n_rows,
        min_audience=min_audience,
    )


def adjust_for_coverage(sk: AudienceSketches, coverage: float | npt.ArrayLike) -> AudienceSketches:
    r"""Sketches whose estimates refer to the true audiences, given crawl coverage.

    Parameters
    ----------
    sk
        Sketches of the crawled audiences.
    coverage
        Fraction :math:`p_i \in (0, 1]` of each account's true audience that the
        crawl saw (e.g. crawled followers / the follower count the platform
        reports): one number for every account, an array aligned with
        ``sk.nodes``, or an array over all ``sk.n`` nodes.

    Returns
    -------
    AudienceSketches
        The same sketches with ``coverage`` set (replacing any earlier one).
        :func:`estimate_union`, :func:`estimate_jaccard`,
        :func:`estimate_overlap` and :func:`estimate_overlaps` then apply the
        model in the notes of :mod:`kolgraph.rank.sketch`: each true audience
        member of account :math:`i` was crawled independently with probability
        :math:`p_i`.

    Raises
    ------
    InputError
        A coverage outside ``(0, 1]``, not finite, or an array of another length.

    Notes
    -----
    Under the model, :math:`|N_i| = |\tilde N_i|/p_i`,
    :math:`|N_a \cap N_b| = |\tilde N_a \cap \tilde N_b|/(p_a p_b)` and the true
    union is :math:`\sum_x w(C_x)` over crawled members, with
    :math:`w(C) = 1 - \prod_{i \in C}(1 - 1/p_i)`. Jaccard and overlap
    coefficients are recomputed from the adjusted counts.

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> from kolgraph.rank.sketch.union import estimate_union
    >>> a = sp.csr_matrix(([1.0] * 4, ([0, 0, 1, 1], [2, 3, 3, 4])), shape=(5, 5))
    >>> half = adjust_for_coverage(build_sketches(a, k=4), 0.5)
    >>> estimate_union(half, [0]).value
    4.0
    """
    m = len(sk)
    arr = np.asarray(coverage, dtype=np.float64)
    if arr.ndim == 0:
        cov = np.full(m, float(arr))
    elif arr.ndim == 1 and arr.shape[0] == m:
        cov = arr.copy()
    elif arr.ndim == 1 and arr.shape[0] == sk.n:
        cov = arr[sk.nodes]
    else:
        raise InputError(
            f"coverage must be a number or an array of length {m} (sketched nodes) "
            f"or {sk.n} (all nodes), got shape {arr.shape}"
        )
    if cov.size and not (np.isfinite(cov).all() and (cov > 0).all() and (cov <= 1).all()):
        raise InputError("coverage must lie in (0, 1]")
    return replace(sk, coverage=cov)
