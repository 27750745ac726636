"""Route modules, one ``APIRouter`` each; :data:`api_router` joins them.

Health routes are public. Every ``/v1`` route documents the errors any of them
may answer (:data:`~kolgraph.api.errors.ERROR_RESPONSES`).
"""

from fastapi import APIRouter

from kolgraph.api.errors import ERROR_RESPONSES
from kolgraph.api.routes import (
    accounts,
    audience,
    communities,
    crawls,
    health,
    jobs,
    plans,
    reach,
)

__all__ = ["api_router"]

api_router = APIRouter()
api_router.include_router(health.router)
for _module in (accounts, communities, plans, reach, audience, crawls, jobs):
    api_router.include_router(_module.router, responses=ERROR_RESPONSES)
