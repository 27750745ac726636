"""Dependencies shared by the route modules: settings, a store per request, paging."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.exceptions import RequestValidationError

from kolgraph.api.observability import instrument_store, observe_store
from kolgraph.errors import InputError, StoreError
from kolgraph.settings import Settings
from kolgraph.store import Store, open_store

__all__ = [
    "Page",
    "PageDep",
    "SettingsDep",
    "StoreDep",
    "get_page",
    "get_settings_dep",
    "get_store",
]


def get_settings_dep(request: Request) -> Settings:
    """The settings the app was created with (``app.state.settings``)."""
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


def get_store(settings: SettingsDep) -> Iterator[Store]:
    """Open the configured store for one request and close it afterwards.

    A store that cannot be opened is a :class:`~kolgraph.errors.StoreError`
    (HTTP 503), including a backend this build does not support. With metrics on,
    opening it and each of its operations are timed (``kolgraph_store_seconds``).
    """
    started = time.perf_counter()
    try:
        store = open_store(settings, create=False)  # never serve (or make) an empty store
    except InputError as exc:  # a misconfigured backend is the server's problem, not the client's
        raise StoreError(exc.message, hint=exc.hint) from exc
    if settings.metrics:
        observe_store(store.name, "open", time.perf_counter() - started)
        instrument_store(store)
    try:
        yield store
    finally:
        store.close()


StoreDep = Annotated[Store, Depends(get_store)]


#: The largest page size a setting may allow, and the largest offset (both in the schema,
#: so a huge number is a 422 before it reaches a store).
MAX_PAGE_SIZE = 10_000
#: The description of a page's ``limit``; the OpenAPI replaces it by the server's own cap.
PAGE_SIZE_MARK = "Page size, 1..KOLGRAPH_PAGE_SIZE_MAX (500 by default)."
MAX_OFFSET = 1_000_000_000


@dataclass(frozen=True, slots=True)
class Page:
    """A validated page request."""

    limit: int
    offset: int

    def next_url(self, request: Request, total: int) -> str | None:
        """Path and query of the page after this one, or ``None`` when this is the last.

        The request's other query parameters are kept; only ``offset`` moves.
        """
        offset = self.offset + self.limit
        if offset >= total:
            return None
        query = request.url.include_query_params(limit=self.limit, offset=offset).query
        return f"{request.url.path}?{query}"


def get_page(
    settings: SettingsDep,
    limit: Annotated[
        int,
        Query(
            ge=1,
            le=MAX_PAGE_SIZE,
            description=PAGE_SIZE_MARK,
        ),
    ] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="How many rows to skip.")] = 0,
) -> Page:
    """``limit`` and ``offset`` query parameters, ``limit`` capped by ``page_size_max``.

    The cap is a setting, so it is checked here rather than in the signature;
    a violation is reported exactly like any other validation error (422).
    """
    cap = settings.page_size_max
    if limit > cap:
        raise RequestValidationError(
            [
                {
                    "type": "less_than_equal",
                    "loc": ("query", "limit"),
                    "msg": f"Input should be less than or equal to {cap}",
                    "input": limit,
                    "ctx": {"le": cap},
                }
            ]
        )
    return Page(limit=limit, offset=offset)


PageDep = Annotated[Page, Depends(get_page)]
