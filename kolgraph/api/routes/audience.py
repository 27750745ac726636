"""Audience questions: ``POST /v1/overlap``, ``GET /v1/affinity/{key}``,
``GET /v1/lookalikes/{key}``.

Thin over :mod:`kolgraph.audience`; every answer is counted from the store's current
edges (lookalike candidates come from the current run's sketches when it has them).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from kolgraph.api.deps import StoreDep
from kolgraph.audience.affinity import brand_affinity
from kolgraph.audience.lookalike import lookalikes
from kolgraph.audience.overlap import set_overlap
from kolgraph.model import Kind
from kolgraph.schemas.audience import (
    AffinityResponse,
    LookalikeResponse,
    OverlapRequest,
    OverlapResponse,
)

__all__ = ["router"]

router = APIRouter(tags=["audience"])

KeyPath = Annotated[
    str, Path(max_length=300, description="Account key 'platform:account_id', e.g. 'x:12345'.")
]
LimitQuery = Annotated[int, Query(ge=1, le=1000, description="Rows returned.")]


@router.post(
    "/v1/overlap",
    summary="Exact audience overlap of 2 to 100 accounts: pairs, exclusive audiences, union",
    responses={422: {"description": "Fewer than 2 or more than 100 keys, or unknown keys."}},
)
def overlap(request: OverlapRequest, store: StoreDep) -> OverlapResponse:
    return OverlapResponse.from_report(set_overlap(store, request.keys))


@router.get(
    "/v1/affinity/{key:path}",
    summary="Accounts whose audiences over-index on a brand's (or competitor's) audience",
    responses={422: {"description": "Unknown key, or a brand with no audience."}},
)
def affinity(
    store: StoreDep,
    key: KeyPath,
    kind: Annotated[
        list[Kind] | None,
        Query(max_length=5, description="Kinds to score (repeatable; default kol)."),
    ] = None,
    min_support: Annotated[
        int, Query(ge=1, le=1_000_000_000, description="Fewest shared people a candidate needs.")
    ] = 5,
    confidence: Annotated[
        float, Query(ge=0.5, lt=1.0, description="Level of the Wilson bound used for ranking.")
    ] = 0.95,
    limit: LimitQuery = 20,
) -> AffinityResponse:
    rep = brand_affinity(
        store,
        key,
        kinds=kind or [Kind.KOL],
        min_support=min_support,
        confidence=confidence,
        limit=limit,
    )
    return AffinityResponse.from_report(rep)


@router.get(
    "/v1/lookalikes/{key:path}",
    summary="Accounts whose audiences most resemble one account's (exact Jaccard)",
    responses={422: {"description": "Unknown key."}},
)
def lookalike(
    store: StoreDep,
    key: KeyPath,
    kind: Annotated[
        list[Kind] | None,
        Query(
            max_length=5, description="Kinds to return (repeatable; default every kind but user)."
        ),
    ] = None,
    max_cost: Annotated[
        float | None, Query(ge=0, description="Only accounts with a known cost up to this.")
    ] = None,
    limit: LimitQuery = 20,
) -> LookalikeResponse:
    rep = lookalikes(store, key, kinds=kind, max_cost=max_cost, limit=limit)
    return LookalikeResponse.from_report(rep)
