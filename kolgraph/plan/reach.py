"""Unique reach and overlap of any set of accounts, from the current run's sketches."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from kolgraph.errors import InputError, NotFound
from kolgraph.rank.sketch import AudienceSketches, Estimate, estimate_overlaps, estimate_union
from kolgraph.store.base import Store

__all__ = ["PairOverlap", "ReachReport", "estimate_reach"]


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
    """Unique reach of a set with its interval, and the pairwise overlaps."""

    run_id: str
    keys: list[str]
    audiences: list[int]
    unique_reach: Estimate
    summed_audience: int
    pairs: list[PairOverlap]
    not_sketched: list[str]

    @property
    def overlap_rate(self) -> float:
        """Share of the summed audiences that is duplicated."""
        if not self.summed_audience:
            return 0.0
        return 1.0 - self.unique_reach.value / self.summed_audience


def estimate_reach(
    store: Store, keys: Sequence[str], *, confidence: float = 0.95, max_keys: int = 200
) -> ReachReport:
    """Unique reach of ``keys`` together (with a confidence interval) and pairwise overlap.

    Uses the audience sketches stored with the current rank run (exact when every
    audience fits in its sketch). Accounts below the sketch threshold are listed in
    ``not_sketched`` and left out of the estimate.
    """
    keys = list(dict.fromkeys(keys))
    if not keys:
        raise InputError("give at least one account key")
    if len(keys) > max_keys:
        raise InputError(f"at most {max_keys} accounts per request, got {len(keys)}")
    run = store.current_run()
    if run is None:
        raise InputError("there is no rank run yet", hint="run the rank job first (kolgraph rank)")
    try:
        sk = AudienceSketches.from_bytes(store.run_artifact(run.id, "sketches"))
    except NotFound as exc:
        raise InputError(
            f"rank run {run.id} has no audience sketches",
            hint="run the rank job with the sketches stage (kolgraph rank)",
        ) from exc
    idx = store.keys_to_index(keys)
    unknown = [k for k, i in zip(keys, idx.tolist(), strict=True) if i < 0]
    if unknown:
        raise InputError(f"unknown account(s): {', '.join(unknown[:5])}")
    pos = {int(v): i for i, v in enumerate(sk.nodes.tolist())}
    have = [(k, int(i)) for k, i in zip(keys, idx.tolist(), strict=True) if int(i) in pos]
    not_sketched = [k for k, i in zip(keys, idx.tolist(), strict=True) if int(i) not in pos]
    nodes = np.array([i for _, i in have], dtype=np.int64)
    sizes = [int(sk.sizes[pos[i]]) for _, i in have]
    union = estimate_union(sk, nodes, confidence=confidence)
    pairs: list[PairOverlap] = []
    if nodes.size >= 2:
        key_of = {i: k for k, i in have}
        df = estimate_overlaps(sk, nodes, confidence=confidence)
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
        run_id=run.id,
        keys=[k for k, _ in have],
        audiences=sizes,
        unique_reach=union,
        summed_audience=int(sum(sizes)),
        pairs=pairs,
        not_sketched=not_sketched,
    )
