"""``/v1/crawls``: crawl jobs and their progress (for operators and dashboards)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from kolgraph.api.deps import StoreDep
from kolgraph.schemas.crawls import CrawlOut, CrawlsPage

__all__ = ["router"]

router = APIRouter(prefix="/v1/crawls", tags=["crawls"])


@router.get("", summary="List crawls, most recently updated first")
def all(store: StoreDep) -> CrawlsPage:
    return CrawlsPage.from_infos(store.crawl.all())


@router.get(
    "/{crawl_id}",
    summary="One crawl: parameters, tasks by status, running totals",
    responses={404: {"description": "No crawl has this id."}},
)
def get_crawl(
    crawl_id: Annotated[str, Path(max_length=200, description="A crawl id.")], store: StoreDep
) -> CrawlOut:
    return CrawlOut.from_info(store.crawl.info(crawl_id))
