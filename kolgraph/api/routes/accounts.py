"""``/v1/accounts``: ranked accounts with filters, sort and paging; one account by key.

Both answer with an ``ETag`` (:mod:`kolgraph.api.caching`). From the embedded store a
ranked list takes its order and count from the process's per-run cache
(:class:`~kolgraph.plan.cache.AccountOrder`: sorting a million accounts in SQL takes
seconds) and reads the page's accounts from the store, so each row is as the store
holds it now.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from kolgraph.api.caching import NOT_MODIFIED, IfNoneMatch, RunCacheDep, etag_json
from kolgraph.api.deps import PageDep, StoreDep
from kolgraph.errors import NotFound
from kolgraph.model import Kind
from kolgraph.plan.cache import RunCache
from kolgraph.schemas.accounts import AccountOut, AccountsPage
from kolgraph.store import AccountQuery, AccountRecord, SQLiteStore, Store
from kolgraph.store.base import SortKey

__all__ = ["router"]

router = APIRouter(prefix="/v1/accounts", tags=["accounts"])


def ranked_page(
    store: Store, cache: RunCache, query: AccountQuery
) -> tuple[list[AccountRecord], int, str | None]:
    """One page of accounts, the number matching, and the run they were ranked in.

    For the embedded store the order and count come from the run's
    :class:`~kolgraph.plan.cache.AccountOrder` and the rows from
    :meth:`~kolgraph.store.base.Store.get_account` (SQLite sorts every account for a
    page; a row is one indexed read); when a row was read from another run (one was
    published meanwhile) or is gone, the store lists the page itself, as it does for
    other stores (Neo4j lists a page in one query).
    """
    order = cache.account_order(store) if isinstance(store, SQLiteStore) else None
    if order is not None:
        keys, total = order.page(query)
        try:
            records = [store.get_account(k) for k in keys]
        except NotFound:
            records = None
        if records is not None and all(r.run_id in (None, order.run_id) for r in records):
            return records, total, order.run_id
    records, total = store.list_accounts(query)
    run = next((r.run_id for r in records if r.run_id is not None), None)
    return records, total, run


@router.get(
    "",
    summary="List accounts with the current run's scores",
    response_model=AccountsPage,
    responses=NOT_MODIFIED,
)
def list_accounts(
    request: Request,
    store: StoreDep,
    page: PageDep,
    cache: RunCacheDep,
    kind: Annotated[Kind | None, Query(description="kol, media, own, partner or user.")] = None,
    platform: Annotated[str | None, Query(max_length=40, description="Only this platform.")] = None,
    community: Annotated[
        int | None, Query(ge=0, le=2**31 - 1, description="Only this community.")
    ] = None,
    sort: Annotated[SortKey, Query(description="Sort field.")] = "pagerank",
    order: Annotated[Literal["desc", "asc"], Query(description="Sort direction.")] = "desc",
    if_none_match: IfNoneMatch = None,
) -> Response:
    query = AccountQuery(
        kind=kind,
        platform=platform,
        community=community,
        sort=sort,
        descending=order == "desc",
        limit=page.limit,
        offset=page.offset,
    )
    records, total, run_id = ranked_page(store, cache, query)
    body = AccountsPage(
        data=[AccountOut.from_record(r) for r in records],
        count=total,
        next=page.next_url(request, total),
        limit=page.limit,
        offset=page.offset,
    )
    return etag_json(body, run_id=run_id, if_none_match=if_none_match)


@router.get(
    "/{key:path}",
    summary="One account by key",
    response_model=AccountOut,
    responses={404: {"description": "No account has this key."}, **NOT_MODIFIED},
)
def get_account(
    store: StoreDep,
    key: Annotated[
        str, Path(max_length=300, description="Node key 'platform:account_id', e.g. 'x:12345'.")
    ],
    if_none_match: IfNoneMatch = None,
) -> Response:
    record = store.get_account(key)
    return etag_json(
        AccountOut.from_record(record), run_id=record.run_id, if_none_match=if_none_match
    )
