"""Unique reach and overlap of any set of accounts: counted exactly, or from sketches.

A set whose audiences are small enough (summed audience at most
:data:`EXACT_MEMBERSHIPS`) is counted exactly from the store's current edges,
with the same audience definition as the planner (followers and engagers,
:func:`kolgraph.rank.graph.follower_matrix`): ``POST /v1/reach`` then reports
the same unique reach as a plan of the same accounts (a plan with target
communities counts only their members). Larger sets are estimated from the
audience sketches stored with the current rank run; the report says so in
``note`` and ``unique_reach.exact`` is false unless the sketches held every
audience whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from kolgraph.errors import InputError, NotFound
from kolgraph.rank.graph import audience_rows
from kolgraph.rank.overlap import audience_overlap
from kolgraph.rank.sketch.pairs import estimate_overlaps
from kolgraph.rank.sketch.sketches import AudienceSketches, Estimate
from kolgraph.rank.sketch.union import estimate_union
from kolgraph.store.base import GraphArrays, Store

__all__ = ["EXACT_MEMBERSHIPS", "PairOverlap", "ReachReport", "estimate_reach"]

#: Largest summed audience (account-member pairs) counted exactly. Counting reads
#: the store's edge arrays once, as a plan does; beyond this the sketches answer.
EXACT_MEMBERSHIPS = 2_000_000


@dataclass(frozen=True)
class PairOverlap:
    a: str
    b: str
    jaccard: float
    jaccard_low: float
    jaccard_high: float
    shared: float


@dataclass(frozen=True)
class ReachReport:
    """Unique reach of a set with its interval, and the pairwise overlaps.

    Attributes
    ----------
    unique_reach
        ``method`` ``"counted"`` (exact, from the store's current edges) or a
        sketch method (``"whole"``, ``"ratio"``, ``"theta"``, see
        :func:`kolgraph.rank.sketch.union.estimate_union`).
    not_sketched
        Accounts below the sketch threshold, left out of a sketch estimate
        (always empty when counted).
    note
        How the numbers were obtained and, for an estimate, why.
    """

    run_id: str
    keys: list[str]
    audiences: list[int]
    unique_reach: Estimate
    summed_audience: int
    pairs: list[PairOverlap]
    not_sketched: list[str]
    note: str = ""

    @property
    def overlap_rate(self) -> float:
        """Share of the summed audiences that is duplicated."""
        if not self.summed_audience:
            return 0.0
        return 1.0 - self.unique_reach.value / self.summed_audience


def estimate_reach(
    store: Store,
    keys: Sequence[str],
    *,
    confidence: float = 0.95,
    max_keys: int = 200,
    exact_limit: int = EXACT_MEMBERSHIPS,
) -> ReachReport:
    """Unique reach of ``keys`` together and their pairwise overlap.

    Parameters
    ----------
    store
        A store with a current rank run.
    keys
        Account keys (duplicates are dropped, order kept).
    confidence
        Level of the sketch intervals.
    max_keys
        At most this many keys.
    exact_limit
        Count exactly when the accounts' audiences (as the run's sketches know
        them) sum to at most this many members, or when the run has no sketches.

    Returns
    -------
    ReachReport

    Raises
    ------
    InputError
        No keys, too many, unknown keys, or no rank run.
    """
    keys = list(dict.fromkeys(keys))
    if not keys:
        raise InputError("give at least one account key")
    if len(keys) > max_keys:
        raise InputError(f"at most {max_keys} accounts per request, got {len(keys)}")
    run = store.current_run()
    if run is None:
        raise InputError("there is no rank run yet", hint="run the rank job first (kolgraph rank)")
    idx = store.keys_to_index(keys)
    unknown = [k for k, i in zip(keys, idx.tolist(), strict=True) if i < 0]
    if unknown:
        raise InputError(f"unknown account(s): {', '.join(unknown[:5])}")
    try:
        sk: AudienceSketches | None = AudienceSketches.from_bytes(
            store.run_artifact(run.id, "sketches")
        )
    except NotFound:
        sk = None
    nodes = idx.astype(np.int64)
    if sk is None:
        why = "the run has no audience sketches"
        return _counted(store.graph_arrays(), run.id, keys, nodes, confidence, why)
    bound = _summed_audience_bound(sk, nodes)
    if bound <= exact_limit:
        why = f"the audiences sum to about {bound:,} members"
        return _counted(store.graph_arrays(), run.id, keys, nodes, confidence, why)
    rep = _sketched(sk, run.id, keys, nodes, confidence)
    note = (
        f"estimated from the audience sketches of run {run.id}: the audiences sum to about "
        f"{bound:,} members, more than the {exact_limit:,} counted exactly"
    )
    if rep.unique_reach.exact:
        note += " (every audience fits its sketch, so the value is exact for that run's graph)"
    if rep.not_sketched:
        note += (
            f"; {len(rep.not_sketched)} account(s) below the sketch threshold of "
            f"{sk.min_audience} are left out"
        )
    return replace(rep, note=note)


def _summed_audience_bound(sk: AudienceSketches, nodes: npt.NDArray[np.int64]) -> int:
    """Summed audience of ``nodes`` as the sketches know it (unsketched: below the threshold)."""
    pos = np.searchsorted(sk.nodes, nodes)
    pos = np.minimum(pos, max(len(sk) - 1, 0))
    have = (sk.nodes[pos] == nodes) if len(sk) else np.zeros(nodes.size, dtype=bool)
    below = max(sk.min_audience - 1, 0)
    return int(sk.sizes[pos[have]].sum()) + below * int((~have).sum())


def _counted(
    arrays: GraphArrays,
    run_id: str,
    keys: list[str],
    nodes: npt.NDArray[np.int64],
    confidence: float,
    why: str,
) -> ReachReport:
    """Exact unique reach and pair overlaps from the store's current edges."""
    mat = audience_rows(arrays, nodes)
    sizes = np.diff(mat.indptr).astype(np.int64)
    union = int(np.unique(mat.indices).size)
    ov = audience_overlap(mat, np.arange(nodes.size))
    ov = ov.sort_values(["jaccard", "a", "b"], ascending=[False, True, True])
    pairs = [
        PairOverlap(keys[int(a)], keys[int(b)], float(j), float(j), float(j), float(s))
        for a, b, j, s in zip(
            ov["a"].tolist(), ov["b"].tolist(), ov["jaccard"], ov["shared"], strict=True
        )
    ]
    return ReachReport(
        run_id=run_id,
        keys=keys,
        audiences=sizes.tolist(),
        unique_reach=Estimate(
            float(union), float(union), float(union), True, confidence, union, "counted"
        ),
        summed_audience=int(sizes.sum()),
        pairs=pairs,
        not_sketched=[],
        note=f"counted exactly from the store's current edges ({why}), as a plan counts",
    )


def _sketched(
    sk: AudienceSketches,
    run_id: str,
    keys: list[str],
    nodes: npt.NDArray[np.int64],
    confidence: float,
) -> ReachReport:
    """Unique reach with its interval and pair overlaps from the run's sketches."""
    pos = {int(v): i for i, v in enumerate(sk.nodes.tolist())}
    have = [(k, int(i)) for k, i in zip(keys, nodes.tolist(), strict=True) if int(i) in pos]
    not_sketched = [k for k, i in zip(keys, nodes.tolist(), strict=True) if int(i) not in pos]
    found = np.array([i for _, i in have], dtype=np.int64)
    sizes = [int(sk.sizes[pos[i]]) for _, i in have]
    union = estimate_union(sk, found, confidence=confidence)
    pairs: list[PairOverlap] = []
    if found.size >= 2:
        key_of = {i: k for k, i in have}
        df = estimate_overlaps(sk, found, confidence=confidence)
        for r in df.to_dict("records"):
            pairs.append(
                PairOverlap(
                    a=key_of[int(r["a"])],
                    b=key_of[int(r["b"])],
                    jaccard=float(r["jaccard"]),
                    jaccard_low=float(r["jaccard_low"]),
                    jaccard_high=float(r["jaccard_high"]),
                    shared=float(r["shared"]),
                )
            )
    return ReachReport(
        run_id=run_id,
        keys=[k for k, _ in have],
        audiences=sizes,
        unique_reach=union,
        summed_audience=int(sum(sizes)),
        pairs=pairs,
        not_sketched=not_sketched,
    )
