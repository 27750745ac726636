"""``GET /healthz``: is the store reachable, what does it hold, which run is current."""

from __future__ import annotations

from fastapi import APIRouter

from kolgraph import __version__
from kolgraph.api.deps import StoreDep
from kolgraph.schemas.common import Health

__all__ = ["router"]

router = APIRouter(tags=["health"])


@router.get(
    "/healthz",
    summary="Service and store health",
    responses={503: {"description": "The store cannot be opened or read."}},
)
def healthz(store: StoreDep) -> Health:
    counts = store.counts()
    run = store.current_run()
    return Health(
        store=store.name,
        accounts=counts.accounts,
        follows=counts.follows,
        reposts=counts.reposts,
        current_run=None if run is None else run.id,
        version=__version__,
    )
