"""``POST /v1/reach``: unique reach and overlap of any set of accounts.

Counted exactly from the store's edges when the audiences are small enough (the
same number a plan of those accounts reports), else estimated from the rank
run's audience sketches; ``unique_reach.method`` and ``note`` say which and why.
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from kolgraph.api.deps import StoreDep
from kolgraph.plan.reach import estimate_reach

__all__ = ["router"]

router = APIRouter(prefix="/v1/reach", tags=["reach"])


class ReachRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    keys: list[str] = Field(min_length=1, max_length=200, description="Account keys.")
    confidence: float = Field(0.95, gt=0.5, lt=1.0, description="Level of the intervals.")


class IntervalOut(BaseModel):
    value: float
    low: float
    high: float
    exact: bool
    method: str = Field(
        description="'counted' (exact, from the store's current edges, as a plan counts) or "
        "the sketch estimator: 'whole', 'ratio' or 'theta'."
    )


class PairOut(BaseModel):
    a: str
    b: str
    jaccard: float
    jaccard_low: float
    jaccard_high: float
    shared: float


class ReachResponse(BaseModel):
    run_id: str
    keys: list[str]
    audiences: list[int]
    unique_reach: IntervalOut
    summed_audience: int
    overlap_rate: float
    pairs: list[PairOut]
    not_sketched: list[str] = Field(
        description="Accounts below the sketch threshold, left out of a sketch estimate "
        "(empty when counted)."
    )
    note: str = Field(description="How the reach was obtained and, for an estimate, why.")


@router.post(
    "",
    summary="Unique reach of a set of accounts: counted, or estimated with an interval",
    responses={422: {"description": "Unknown keys, no rank run, or no sketches in the run."}},
)
def reach(request: ReachRequest, store: StoreDep) -> ReachResponse:
    rep = estimate_reach(store, request.keys, confidence=request.confidence)
    u = rep.unique_reach
    return ReachResponse(
        run_id=rep.run_id,
        keys=rep.keys,
        audiences=rep.audiences,
        unique_reach=IntervalOut(
            value=u.value, low=u.low, high=u.high, exact=u.exact, method=u.method
        ),
        summed_audience=rep.summed_audience,
        overlap_rate=rep.overlap_rate,
        pairs=[PairOut(**vars(p)) for p in rep.pairs],
        not_sketched=rep.not_sketched,
        note=rep.note,
    )
