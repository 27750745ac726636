"""``/v1/communities``: communities of the current rank run, largest first."""

from __future__ import annotations

from fastapi import APIRouter, Request

from kolgraph.api.deps import PageDep, StoreDep
from kolgraph.schemas.communities import CommunitiesPage, CommunityOut

__all__ = ["router"]

router = APIRouter(prefix="/v1/communities", tags=["communities"])


@router.get("", summary="List communities of the current run")
def list_communities(request: Request, store: StoreDep, page: PageDep) -> CommunitiesPage:
    records, total = store.list_communities(limit=page.limit, offset=page.offset)
    return CommunitiesPage(
        data=[CommunityOut.from_record(r) for r in records],
        count=total,
        next=page.next_url(request, total),
    )
