"""Health: ``/livez`` (the process answers), ``/readyz`` (it can serve plans), ``/healthz``.

Each answers ``GET`` and ``HEAD`` (load balancers probe with either).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from kolgraph import __version__
from kolgraph.api.deps import StoreDep
from kolgraph.errors import StoreError
from kolgraph.schemas.common import Health, Live

__all__ = ["router"]

router = APIRouter(tags=["health"])


@router.head("/livez", operation_id="livez_head", summary="The process is up (HEAD)")
@router.get("/livez", operation_id="livez", summary="The process is up")
def livez() -> Live:
    return Live(version=__version__)


def _health(store: StoreDep) -> Health:
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


_NO_STORE: dict[int | str, dict[str, Any]] = {
    503: {"description": "The store is missing, cannot be opened or read."}
}
_NOT_READY: dict[int | str, dict[str, Any]] = {
    503: {"description": "No store, an unreadable one, or no rank run yet."}
}


@router.head("/healthz", operation_id="healthz_head", summary="Health (HEAD)", responses=_NO_STORE)
@router.get(
    "/healthz", operation_id="healthz", summary="Service and store health", responses=_NO_STORE
)
def healthz(store: StoreDep) -> Health:
    return _health(store)


@router.head("/readyz", operation_id="readyz_head", summary="Ready (HEAD)", responses=_NOT_READY)
@router.get(
    "/readyz",
    operation_id="readyz",
    summary="Ready to serve: the store is reachable and holds a published rank run",
    responses=_NOT_READY,
)
def readyz(store: StoreDep) -> Health:
    health = _health(store)
    if health.current_run is None:
        raise StoreError(
            "the store has no published rank run: plans cannot be made yet",
            hint="run the rank job (kolgraph rank)",
        )
    return health
