"""The FastAPI application: routers, security, limits, error mapping and OpenAPI metadata.

Every error has one JSON shape, ``{"error": {"code", "message", "hint", "field"}}``
(see :mod:`kolgraph.api.errors`); every list is ``{"data", "count", "next"}``.
"""

from __future__ import annotations

import ipaddress
import logging
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from kolgraph import __version__
from kolgraph.api import warmup
from kolgraph.api.deps import PAGE_SIZE_MARK
from kolgraph.api.docs import install_docs
from kolgraph.api.errors import install_error_handlers
from kolgraph.api.limits import BodyLimit
from kolgraph.api.observability import ObservedFastAPI
from kolgraph.api.routes import api_router
from kolgraph.api.security import install_security
from kolgraph.settings import Settings, get_settings

__all__ = ["auth_for", "create_app"]

log = logging.getLogger(__name__)

_DESCRIPTION = """\
Find the social accounts that really move a message, and plan campaigns through them.

Scores come from the store's current (published) rank run; run `kolgraph rank`
to produce one. Errors are JSON: `{"error": {"code", "message", "hint", "field"}}`;
lists are `{"data", "count", "next"}`.
"""


def auth_for(settings: Settings, host: str, *, no_auth: bool = False) -> bool:
    """Whether a server bound to ``host`` requires API keys.

    ``no_auth`` (``serve --no-auth``) and ``api_auth=off`` turn keys off, ``on``
    turns them on; ``auto`` requires them on every address but loopback.
    """
    if no_auth or settings.api_auth == "off":
        return False
    if settings.api_auth == "on":
        return True
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host != "localhost"


def create_app(settings: Settings | None = None, *, auth: bool | None = None) -> FastAPI:
    """Build the API app for ``settings`` (default: :func:`~kolgraph.settings.get_settings`).

    ``auth`` says whether ``/v1`` routes need an API key; by default they do unless
    ``settings.api_auth`` is ``off`` (``kolgraph serve`` decides ``auto`` by its address).

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
    app.state.auth = settings.api_auth != "off" if auth is None else auth
    install_security(app)
    app.include_router(api_router)
    app.include_router(warmup.router)
    install_docs(app)
    install_error_handlers(app)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    app.add_middleware(
        BodyLimit,
        limit=settings.api_max_body_bytes,
        upload_limit=settings.api_upload_max_bytes,
    )
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document, made once, saying exactly what the server does.

    * Every error response is JSON (``ErrorOut``), also on routes whose success is
      HTML or a workbook.
    * A page's ``limit`` has the maximum this server allows (``page_size_max``).
    """
    if app.openapi_schema is not None:
        return app.openapi_schema
    spec = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
    cap = app.state.settings.page_size_max
    for ops in spec.get("paths", {}).values():
        for op in ops.values():
            for status, response in op.get("responses", {}).items():
                if status.isdigit() and int(status) >= 400:
                    response["content"] = error
            for param in op.get("parameters", []):
                if param["name"] == "limit" and PAGE_SIZE_MARK in param.get("description", ""):
                    param["schema"]["maximum"] = cap
                    param["description"] = f"Page size, 1..{cap}."
    app.openapi_schema = spec
    return spec
