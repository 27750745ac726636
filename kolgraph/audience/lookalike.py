r"""Accounts whose audiences most resemble one account's: sketch candidates, exact Jaccard.

The Jaccard similarity of two audiences is
:math:`J(a, b) = |N_a \cap N_b| / |N_a \cup N_b|` (followers and engagers,
:func:`kolgraph.rank.graph.follower_matrix`).

With the rank run's bottom-``k`` sketches (:mod:`kolgraph.rank.sketch`) the
candidates are the sketched accounts whose stored hashes share at least one hash with
the target's; each gets the estimate :func:`sketch_jaccard`, the best ``pool`` by
estimate are counted exactly from the store's edges, and the answer is ranked by
exact Jaccard. An account whose sketch shares no hash with the target's has an
estimated Jaccard of 0 and is not a candidate (its true Jaccard is small: about
:math:`1/k` or less with high probability). Without sketches (no run, no
``sketches`` artifact, or a target the run did not sketch) every account sharing at
least one audience member is counted exactly, by one sparse product.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from kolgraph.arrays import F64, I64
from kolgraph.audience.keys import account_labels, resolve_keys
from kolgraph.errors import InputError, NotFound
from kolgraph.model import Kind
from kolgraph.rank.graph import audience_rows
from kolgraph.rank.sketch.hashing import HASH_SPACE
from kolgraph.rank.sketch.sketches import AudienceSketches
from kolgraph.store.base import Store

__all__ = ["LookalikeReport", "LookalikeRow", "lookalikes", "sketch_jaccard"]


def sketch_jaccard(sk: AudienceSketches, node: int) -> tuple[I64, F64]:
    r"""Estimated Jaccard of ``node``'s audience with every sketched account sharing a hash.

    Parameters
    ----------
    sk
        Sketches from :func:`kolgraph.rank.sketch.build.build_sketches`.
    node
        A sketched node index.

    Returns
    -------
    (nodes, jaccard)
        Node indices (``node`` left out) and their estimates, in node order.

    Raises
    ------
    InputError
        ``node`` has no sketch.

    Notes
    -----
    With :math:`\theta = \min(\tau_a, \tau_b)` (each sketch's ``k``-th smallest
    hash, :math:`2^{32}` when stored whole), both sketches hold every member of
    :math:`N_a \cup N_b` whose hash is at most :math:`\theta`: a uniform sample
    :math:`S` of the union. :math:`\hat J = |S \cap N_a \cap N_b| / |S|`, exact
    when both audiences are stored whole.
    """
    pos = int(np.searchsorted(sk.nodes, node))
    if pos >= len(sk) or int(sk.nodes[pos]) != node:
        raise InputError(f"node {node} has no sketch")
    target = sk.hashes[sk.indptr[pos] : sk.indptr[pos + 1]]
    if target.size == 0 or sk.hashes.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    at = np.minimum(np.searchsorted(target, sk.hashes), target.size - 1)
    hit = np.flatnonzero(target[at] == sk.hashes)
    hit_row = np.searchsorted(sk.indptr, hit, side="right").astype(np.int64) - 1
    rows = np.unique(hit_row)
    rows = rows[rows != pos]
    if rows.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    tau = sk.tau(np.concatenate([[pos], rows]).astype(np.int64))
    theta = np.minimum(tau[0], tau[1:])
    # shared hashes at most theta, per candidate row
    sel = hit_row != pos
    h_row, h_val = hit_row[sel], sk.hashes[hit[sel]].astype(np.int64)
    where = np.searchsorted(rows, h_row)
    shared = np.bincount(where, weights=h_val <= theta[where], minlength=rows.size)
    # each sketch's hashes at most theta
    in_target = np.searchsorted(target, np.minimum(theta, HASH_SPACE - 1), side="right")
    h, member = sk.gather(rows)
    in_row = np.bincount(member, weights=h.astype(np.int64) <= theta[member], minlength=rows.size)
    n = in_target + in_row - shared
    jac: F64 = shared / np.maximum(n, 1)
    return sk.nodes[rows].astype(np.int64), jac


@dataclass(frozen=True)
class LookalikeRow:
    """A lookalike: its audience, what it shares with the target, and the Jaccard."""

    key: str
    name: str
    kind: str
    cost: float | None
    audience: int
    shared: int
    jaccard: float
    estimated_jaccard: float | None


@dataclass(frozen=True)
class LookalikeReport:
    """The accounts most like ``key`` by audience, ranked by exact Jaccard.

    ``method`` is ``"sketch"`` (sketch candidates, exact on the best ``pool``)
    or ``"exact"`` (every account sharing a member, counted); ``candidates``
    is how many eligible accounts were scored; ``note`` says how and why.
    """

    key: str
    audience: int
    kinds: list[str]
    max_cost: float | None
    method: str
    run_id: str | None
    candidates: int
    rows: list[LookalikeRow]
    note: str


def _sketches(store: Store) -> tuple[str | None, AudienceSketches | None]:
    run = store.current_run()
    if run is None:
        return None, None
    try:
        return run.id, AudienceSketches.from_bytes(store.run_artifact(run.id, "sketches"))
    except NotFound:
        return run.id, None


def lookalikes(
    store: Store,
    key: str,
    *,
    kinds: Sequence[Kind] | None = None,
    max_cost: float | None = None,
    limit: int = 20,
    pool: int | None = None,
) -> LookalikeReport:
    """Accounts whose audiences most resemble ``key``'s (see the module docstring).

    Parameters
    ----------
    store
        Any store; its current run's sketches are used when there are any.
    key
        The account to match.
    kinds
        Kinds of account to return; by default every kind but ``user``.
    max_cost
        Only accounts with a known cost of at most this much.
    limit
        Rows returned.
    pool
        Candidates counted exactly after the sketch step (default
        ``max(5 · limit, 200)``).

    Raises
    ------
    InputError
        An unknown key (named with the closest key), ``limit < 1``,
        ``max_cost < 0`` or ``pool < limit``.
    """
    if limit < 1:
        raise InputError(f"limit must be at least 1, got {limit}")
    if max_cost is not None and not max_cost >= 0:
        raise InputError(f"max_cost must be zero or more, got {max_cost}")
    pool = max(5 * limit, 200) if pool is None else pool
    if pool < limit:
        raise InputError(f"pool ({pool}) must be at least limit ({limit})")
    wanted = sorted(
        {Kind(k).value for k in kinds} if kinds else {k.value for k in Kind if k != Kind.USER}
    )
    node = int(resolve_keys(store, [key])[0])
    frame = store.accounts_frame()
    cost = frame["cost"].to_numpy(dtype=np.float64)
    eligible = frame["kind"].isin(wanted).to_numpy().copy()
    if max_cost is not None:
        eligible &= ~np.isnan(cost) & (cost <= max_cost)
    eligible[node] = False
    arrays = store.graph_arrays()
    run_id, sk = _sketches(store)
    est: F64 | None = None
    if sk is not None and node < sk.n and _sketched(sk, node):
        cand, jac = sketch_jaccard(sk, node)
        ok = (cand < eligible.size) & (jac > 0)
        cand, jac = cand[ok], jac[ok]
        ok = eligible[cand]
        cand, jac = cand[ok], jac[ok]
        candidates = int(cand.size)
        order = np.lexsort((cand, -jac))[:pool]
        cand, est = cand[order], jac[order]
        rows = audience_rows(arrays, np.concatenate([[node], cand]))
        target = rows[0]
        sizes = np.diff(rows.indptr)[1:].astype(np.int64)
        shared = np.rint((rows[1:] @ target.T).toarray().ravel()).astype(np.int64)
        size_t = int(target.nnz)
        method = "sketch"
        note = (
            f"candidates: the {candidates:,} eligible accounts whose audience sketches in run "
            f"{run_id} share a hash with {key}'s; the best {cand.size:,} by estimated Jaccard "
            "counted exactly from the store's current edges"
        )
    else:
        from kolgraph.rank.graph import follower_matrix

        mat = follower_matrix(arrays)
        target = mat[node]
        size_t = int(target.nnz)
        all_shared = np.rint((mat @ target.T).toarray().ravel()).astype(np.int64)
        cand = np.flatnonzero((all_shared > 0) & eligible).astype(np.int64)
        shared = all_shared[cand]
        sizes = np.diff(mat.indptr)[cand].astype(np.int64)
        candidates = int(cand.size)
        method = "exact"
        why = (
            "there is no rank run"
            if run_id is None
            else f"run {run_id} has no audience sketches"
            if sk is None
            else f"run {run_id} did not sketch {key} (audience below its sketch threshold "
            "or added after the run)"
        )
        note = f"counted exactly over every account sharing an audience member with {key} ({why})"
    union = size_t + sizes - shared
    exact = np.where(union > 0, shared / np.maximum(union, 1), 0.0)
    order = np.lexsort((cand, -shared, -exact))[:limit]
    if max_cost is not None:
        note += f"; only accounts with a known cost of at most {max_cost:,.0f}"
    lab = account_labels(frame, cand[order])
    out = [
        LookalikeRow(
            key=lab.keys[r],
            name=lab.names[r],
            kind=lab.kinds[r],
            cost=lab.costs[r],
            audience=int(sizes[o]),
            shared=int(shared[o]),
            jaccard=float(exact[o]),
            estimated_jaccard=None if est is None else float(est[o]),
        )
        for r, o in enumerate(order.tolist())
    ]
    return LookalikeReport(
        key=key,
        audience=size_t,
        kinds=wanted,
        max_cost=max_cost,
        method=method,
        run_id=run_id,
        candidates=candidates,
        rows=out,
        note=note,
    )


def _sketched(sk: AudienceSketches, node: int) -> bool:
    pos = int(np.searchsorted(sk.nodes, node))
    return pos < len(sk) and int(sk.nodes[pos]) == node
