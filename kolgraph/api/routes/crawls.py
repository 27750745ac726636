"""``/v1/crawls``: crawl jobs and their progress (for operators and dashboards)."""

from __future__ import annotations

from fastapi import APIRouter

from kolgraph.api.deps import StoreDep
from kolgraph.api.schemas import CrawlOut
from kolgraph.errors import StoreError
from kolgraph.store.base import Store
from kolgraph.store.crawlstate import CrawlState

__all__ = ["router"]

router = APIRouter(prefix="/v1/crawls", tags=["crawls"])


def _state(store: Store) -> CrawlState:
    if not isinstance(store, CrawlState):
        raise StoreError(f"the {type(store).__name__} store keeps no crawl state")
    return store


@router.get("", summary="List crawls, most recently updated first")
def list_crawls(store: StoreDep) -> list[CrawlOut]:
    return [CrawlOut.from_info(c) for c in _state(store).list_crawls()]


@router.get("/{crawl_id}", summary="One crawl: parameters, tasks by status, running totals")
def get_crawl(crawl_id: str, store: StoreDep) -> CrawlOut:
    return CrawlOut.from_info(_state(store).crawl_info(crawl_id))
