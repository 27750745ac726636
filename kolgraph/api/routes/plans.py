"""``POST /v1/plans``: plan a campaign under a budget from the current rank run."""

from __future__ import annotations

from fastapi import APIRouter

from kolgraph.api.deps import SettingsDep, StoreDep
from kolgraph.api.schemas import PlanRequest, PlanResponse
from kolgraph.model import check_platform
from kolgraph.plan.planner import make_plan

__all__ = ["router"]

router = APIRouter(prefix="/v1/plans", tags=["plans"])


@router.post(
    "",
    summary="Plan a campaign",
    responses={
        422: {
            "description": "Invalid request, no rank run yet, or the mix cannot be met "
            "within the budget (the message and hint say which)."
        }
    },
)
def create_plan(request: PlanRequest, store: StoreDep, settings: SettingsDep) -> PlanResponse:
    if request.platform is not None:
        check_platform(request.platform)
    plan = make_plan(store, request.to_params(), settings=settings)
    return PlanResponse.from_plan(plan)
