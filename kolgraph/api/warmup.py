"""Load the per-run cache when the server starts, so the first plan does not wait for it.

At a million accounts a serving process needs about 12 s to read what plans need
(:mod:`kolgraph.plan.cache`); this lifespan starts that in a background thread
as the server starts (``KOLGRAPH_API_WARM_CACHE``, on by default). Requests do
not wait for it: one that arrives first loads the same values (once) itself. A
store without a published run, or none at all, is left for later, quietly.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from kolgraph.errors import KolgraphError
from kolgraph.plan.cache import serving_cache

__all__ = ["router", "warm"]

log = logging.getLogger(__name__)


def warm(app: FastAPI) -> bool:
    """Load the current run's plan inputs and account order; whether there was a run."""
    from kolgraph.store import open_store

    try:
        store = open_store(app.state.settings, create=False)
    except KolgraphError as exc:
        log.info("cache not warmed: %s", exc.message)
        return False
    try:
        cache = serving_cache(app.state)
        order = cache.account_order(store)
        if order is None:
            log.info("cache not warmed: the store has no published rank run yet")
            return False
        cache.plan_inputs(store)
        log.info("cache warmed for run %s", order.run_id)
        return True
    except KolgraphError as exc:
        log.warning("cache not warmed: %s", exc.message)
        return False
    finally:
        store.close()


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    if app.state.settings.api_warm_cache:
        threading.Thread(target=warm, args=(app,), name="kolgraph-warmup", daemon=True).start()
    yield


router = APIRouter(lifespan=_lifespan)
