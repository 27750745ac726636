"""``/v1/communities``: communities of the current rank run, largest first (with an ``ETag``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from kolgraph.api.caching import NOT_MODIFIED, IfNoneMatch, etag_json
from kolgraph.api.deps import PageDep, StoreDep
from kolgraph.schemas.communities import CommunitiesPage, CommunityOut

__all__ = ["router"]

router = APIRouter(prefix="/v1/communities", tags=["communities"])


@router.get(
    "",
    summary="List communities of the current run",
    response_model=CommunitiesPage,
    responses=NOT_MODIFIED,
)
def list_communities(
    request: Request, store: StoreDep, page: PageDep, if_none_match: IfNoneMatch = None
) -> Response:
    records, total = store.list_communities(limit=page.limit, offset=page.offset)
    body = CommunitiesPage(
        data=[CommunityOut.from_record(r) for r in records],
        count=total,
        next=page.next_url(request, total),
    )
    run_id = records[0].run_id if records else None
    return etag_json(body, run_id=run_id, if_none_match=if_none_match)
