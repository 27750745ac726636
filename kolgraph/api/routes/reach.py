"""``POST /v1/reach``: unique reach and overlap of any set of accounts.

Counted exactly from the store's edges when the audiences are small enough (the
same number a plan of those accounts reports), else estimated from the rank
run's audience sketches; ``unique_reach.method`` and ``note`` say which and why.
"""

from __future__ import annotations

from fastapi import APIRouter

from kolgraph.api.deps import StoreDep
from kolgraph.plan.reach import estimate_reach
from kolgraph.schemas.reach import ReachRequest, ReachResponse

__all__ = ["router"]

router = APIRouter(prefix="/v1/reach", tags=["reach"])


@router.post(
    "",
    summary="Unique reach of a set of accounts: counted, or estimated with an interval",
    responses={422: {"description": "Unknown keys, no rank run, or no sketches in the run."}},
)
def reach(request: ReachRequest, store: StoreDep) -> ReachResponse:
    rep = estimate_reach(store, request.keys, confidence=request.confidence)
    return ReachResponse.from_report(rep)
