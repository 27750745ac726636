"""``/v1/plans``: plan a campaign from the current rank run, read kept plans, evaluate one.

Plans are made from the current run's inputs kept by the process
(:class:`~kolgraph.plan.cache.RunCache`: read once per run, not per plan); a kept
plan is answered with an ``ETag`` (:mod:`kolgraph.api.caching`).
"""

from __future__ import annotations

from typing import Annotated

import pandas as pd
from fastapi import APIRouter, Path, Query
from fastapi.responses import HTMLResponse, Response

from kolgraph.api.caching import NOT_MODIFIED, IfNoneMatch, RunCacheDep, etag_json, json_response
from kolgraph.api.deps import SettingsDep, StoreDep
from kolgraph.model import Kind, check_platform
from kolgraph.plan.compare import MAX_PLANS, compare_plans, kept_plans
from kolgraph.plan.curve import budget_range
from kolgraph.plan.evaluate import evaluate_plan, make_and_keep, reposts_frame
from kolgraph.plan.planner import KindRange, PlanParams
from kolgraph.report import XLSX_MEDIA_TYPE, plan_report_html, plan_xlsx_bytes
from kolgraph.schemas.compare import PlanComparisonOut
from kolgraph.schemas.evaluation import EvaluationOut, EvaluationRequest
from kolgraph.schemas.plans import PlanRequest, PlanResponse, PlansPage

__all__ = ["router"]

router = APIRouter(prefix="/v1/plans", tags=["plans"])

PlanId = Annotated[str, Path(min_length=1, max_length=64, description="A plan id (pl-...).")]


def _plan_params(request: PlanRequest) -> PlanParams:
    """The planner's parameters for a plan request."""
    ranges = (
        (Kind.KOL, request.kol),
        (Kind.MEDIA, request.media),
        (Kind.OWN, request.own),
        (Kind.PARTNER, request.partner),
    )
    return PlanParams(
        budget=request.budget,
        mix={kind: KindRange(r.min, r.max) for kind, r in ranges if r is not None},
        target_communities=tuple(request.target_communities),
        platform=request.platform,
        include=tuple(request.include),
        exclude=tuple(request.exclude),
        skip_flagged=not request.include_flagged,
        objective=request.objective,
        min_frequency=request.min_frequency,
        horizon_days=request.horizon_days,
        max_accounts=request.max_accounts,
        min_gain=request.min_gain,
        target_followers_of=tuple(request.target_followers_of),
        target_users=tuple(request.target_users),
        new_audience_only=request.new_audience_only,
        max_per_community=request.max_per_community,
    )


@router.post(
    "",
    summary="Plan a campaign",
    response_model=PlanResponse,
    responses={
        422: {
            "description": "Invalid request, no rank run yet, or the mix cannot be met "
            "within the budget (the message and hint say which)."
        }
    },
)
def create_plan(
    request: PlanRequest, store: StoreDep, settings: SettingsDep, cache: RunCacheDep
) -> Response:
    if request.platform is not None:
        check_platform(request.platform)
    curve = request.budget_curve
    budgets = None if curve is None else budget_range(curve.low, curve.high, curve.step)
    params = _plan_params(request)
    inputs = cache.plan_inputs(store)
    doc = make_and_keep(store, params, settings=settings, curve=budgets, inputs=inputs)[1]
    return json_response(doc)


@router.get("", summary="The most recent kept plans")
def list_plans(store: StoreDep, limit: Annotated[int, Query(ge=1, le=500)] = 20) -> PlansPage:
    return PlansPage.from_records(store.list_plans(limit))


@router.get(
    "/compare",
    summary="Kept plans side by side",
    responses={
        404: {"description": "Some ids have no kept plan (all of them are named)."},
        422: {"description": f"Fewer than 2 or more than {MAX_PLANS} ids, or an id twice."},
    },
)
def compare(
    store: StoreDep,
    ids: Annotated[
        str,
        Query(
            max_length=1000,
            description=f"2 to {MAX_PLANS} kept plan ids, comma-separated.",
        ),
    ],
) -> PlanComparisonOut:
    return PlanComparisonOut.from_comparison(compare_plans(kept_plans(store, [ids])))


@router.get(
    "/{plan_id}",
    summary="A kept plan",
    response_model=PlanResponse,
    responses={404: {"description": "No such plan."}, **NOT_MODIFIED},
)
def get_plan(plan_id: PlanId, store: StoreDep, if_none_match: IfNoneMatch = None) -> Response:
    record = store.get_plan(plan_id)
    body = PlanResponse.model_validate(record.body)
    return etag_json(body, run_id=record.run_id, if_none_match=if_none_match)


@router.post(
    "/{plan_id}/evaluation",
    summary="Evaluate a campaign that ran against its plan",
    responses={
        404: {"description": "No such plan."},
        422: {"description": "Bad reposts, or none of them names a planned account."},
    },
)
def evaluate(plan_id: PlanId, request: EvaluationRequest, store: StoreDep) -> EvaluationOut:
    store.get_plan(plan_id)  # an unknown plan is a 404 whatever the reposts
    if request.platform is not None:
        check_platform(request.platform)
    rows = pd.DataFrame(
        [r.model_dump() for r in request.reposts], columns=["src", "dst", "ts", "post"]
    )
    rows["ts"] = rows["ts"].astype(str)
    frame = reposts_frame(rows, platform=request.platform, where="reposts")
    return EvaluationOut.from_evaluation(evaluate_plan(store, plan_id, frame))


@router.get(
    "/{plan_id}/report.html",
    summary="A kept plan's report: one self-contained HTML page",
    response_class=HTMLResponse,
    responses={404: {"description": "No such plan."}},
)
def plan_report(plan_id: PlanId, store: StoreDep) -> HTMLResponse:
    return HTMLResponse(plan_report_html(store, plan_id))


@router.get(
    "/{plan_id}/report.xlsx",
    summary="A kept plan as a workbook: summary, accounts, overlap matrix and pairs",
    response_class=Response,
    responses={
        200: {"content": {XLSX_MEDIA_TYPE: {}}, "description": "The workbook, as a download."},
        404: {"description": "No such plan."},
    },
)
def plan_report_xlsx(plan_id: PlanId, store: StoreDep) -> Response:
    data = plan_xlsx_bytes(store, plan_id)
    name = "".join(c if c.isalnum() or c in "._-" else "_" for c in plan_id)
    return Response(
        content=data,
        media_type=XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
    )
