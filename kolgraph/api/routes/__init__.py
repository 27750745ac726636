"""Route modules, one ``APIRouter`` each; :data:`api_router` joins them.

Health routes and ``/metrics`` are public. Every ``/v1`` route is authorized (key, scope,
rate: :func:`~kolgraph.api.security.authorize`) and documents the errors any of them
may answer (:data:`~kolgraph.api.errors.ERROR_RESPONSES`).
"""

from fastapi import APIRouter

from kolgraph.api.errors import ERROR_RESPONSES
from kolgraph.api.routes import (
    accounts,
    alerts,
    audience,
    communities,
    crawls,
    health,
    jobs,
    listen,
    metrics,
    plans,
    reach,
)
from kolgraph.api.security import AuthorizeDep

__all__ = ["api_router"]

api_router = APIRouter()
api_router.include_router(health.router)
api_router.include_router(metrics.router)
for _module in (accounts, communities, plans, reach, audience, crawls, jobs, listen, alerts):
    api_router.include_router(
        _module.router, responses=ERROR_RESPONSES, dependencies=[AuthorizeDep]
    )
