"""The FastAPI application: routers, security, limits, error mapping and OpenAPI metadata.

Every error has one JSON shape, ``{"error": {"code", "message", "hint", "field"}}``
(see :mod:`kolgraph.api.errors`); every list is ``{"data", "count", "next"}``.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI

from kolgraph import __version__
from kolgraph.api.docs import install_docs
from kolgraph.api.errors import install_error_handlers
from kolgraph.api.observability import ObservedFastAPI
from kolgraph.api.routes import api_router
from kolgraph.settings import Settings, get_settings

__all__ = ["create_app"]

log = logging.getLogger(__name__)

_DESCRIPTION = """\
Find the social accounts that really move a message, and plan campaigns through them.

Scores come from the store's current (published) rank run; run `kolgraph rank`
to produce one. Errors are JSON: `{"error": {"code", "message", "hint", "field"}}`;
lists are `{"data", "count", "next"}`.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the API app for ``settings`` (default: :func:`~kolgraph.settings.get_settings`).

    Also the factory of ``kolgraph serve --workers N`` (``kolgraph.api.app:create_app``),
    where each worker reads its settings from the environment. Every request passes
    first through :class:`~kolgraph.api.observability.RequestContextMiddleware`
    (request id, access log, metrics), outside any other middleware. ``/docs`` and
    ``/redoc`` are served from the package (:mod:`kolgraph.api.docs`).
    """
    settings = settings or get_settings()
    app = ObservedFastAPI(
        title="kolgraph",
        version=__version__,
        description=_DESCRIPTION,
        docs_url=None,  # served from the package by install_docs, not from a CDN
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    app.include_router(api_router)
    install_docs(app)
    install_error_handlers(app)
    return app
