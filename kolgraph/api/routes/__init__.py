"""Route modules, one ``APIRouter`` each; :data:`api_router` joins them."""

from fastapi import APIRouter

from kolgraph.api.routes import accounts, audience, communities, crawls, health, plans, reach

__all__ = ["api_router"]

api_router = APIRouter()
api_router.include_router(health.router)
api_router.include_router(accounts.router)
api_router.include_router(communities.router)
api_router.include_router(plans.router)
api_router.include_router(reach.router)
api_router.include_router(audience.router)
api_router.include_router(crawls.router)
