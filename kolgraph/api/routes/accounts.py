"""``/v1/accounts``: ranked accounts with filters, sort and paging; one account by key."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request

from kolgraph.api.deps import PageDep, StoreDep
from kolgraph.model import Kind
from kolgraph.schemas.accounts import AccountOut, AccountsPage
from kolgraph.store import AccountQuery
from kolgraph.store.base import SortKey

__all__ = ["router"]

router = APIRouter(prefix="/v1/accounts", tags=["accounts"])


@router.get("", summary="List accounts with the current run's scores")
def list_accounts(
    request: Request,
    store: StoreDep,
    page: PageDep,
    kind: Annotated[Kind | None, Query(description="kol, media, own, partner or user.")] = None,
    platform: Annotated[str | None, Query(max_length=40, description="Only this platform.")] = None,
    community: Annotated[
        int | None, Query(ge=0, le=2**31 - 1, description="Only this community.")
    ] = None,
    sort: Annotated[SortKey, Query(description="Sort field.")] = "pagerank",
    order: Annotated[Literal["desc", "asc"], Query(description="Sort direction.")] = "desc",
) -> AccountsPage:
    records, total = store.list_accounts(
        AccountQuery(
            kind=kind,
            platform=platform,
            community=community,
            sort=sort,
            descending=order == "desc",
            limit=page.limit,
            offset=page.offset,
        )
    )
    return AccountsPage(
        data=[AccountOut.from_record(r) for r in records],
        count=total,
        next=page.next_url(request, total),
        limit=page.limit,
        offset=page.offset,
    )


@router.get(
    "/{key:path}",
    summary="One account by key",
    responses={404: {"description": "No account has this key."}},
)
def get_account(
    store: StoreDep,
    key: Annotated[
        str, Path(max_length=300, description="Node key 'platform:account_id', e.g. 'x:12345'.")
    ],
) -> AccountOut:
    return AccountOut.from_record(store.get_account(key))
