"""The FastAPI application: routers, error mapping and OpenAPI metadata.

Errors have one JSON shape. A :class:`~kolgraph.errors.KolgraphError` becomes
``{"detail": {"error": <class name>, "message": ..., "hint": ...}}`` with the
error's ``http_status`` (``InputError`` 422, ``NotFound`` 404, ``StoreError``
503, ...). Request validation errors stay 422 with FastAPI's ``detail`` list
and gain a ``message`` that names each bad field and what it accepts.
"""

from __future__ import annotations

import inspect
import logging
import types
from collections.abc import Sequence
from typing import Any, Union, get_args, get_origin

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel

from kolgraph import __version__
from kolgraph.api.routes import api_router
from kolgraph.errors import KolgraphError, RateLimited
from kolgraph.schemas.common import ErrorDetail, ErrorOut
from kolgraph.settings import Settings, get_settings

__all__ = ["create_app", "validation_message"]

log = logging.getLogger(__name__)

_DESCRIPTION = """\
Find the social accounts that really move a message, and plan campaigns through them.

Scores come from the store's current (published) rank run; run `kolgraph rank`
to produce one. Errors are JSON: `{"detail": {"error", "message", "hint"}}`.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the API app for ``settings`` (default: :func:`~kolgraph.settings.get_settings`)."""
    settings = settings or get_settings()
    app = FastAPI(
        title="kolgraph",
        version=__version__,
        description=_DESCRIPTION,
        docs_url="/docs",
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    app.include_router(api_router)

    @app.exception_handler(KolgraphError)
    async def kolgraph_error(request: Request, exc: KolgraphError) -> JSONResponse:
        if exc.http_status >= 500:
            log.error("%s %s failed: %s", request.method, request.url.path, exc)
        headers: dict[str, str] = {}
        if isinstance(exc, RateLimited) and exc.retry_after is not None:
            headers["Retry-After"] = str(max(0, round(exc.retry_after)))
        return JSONResponse(
            status_code=exc.http_status,
            content=ErrorOut(
                detail=ErrorDetail(error=type(exc).__name__, message=exc.message, hint=exc.hint)
            ).model_dump(mode="json"),
            headers=headers or None,
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        body_model = _body_model(request)
        return JSONResponse(
            status_code=422,
            content={
                "detail": jsonable_encoder([_without_input(e) for e in errors]),
                "message": validation_message(errors, body_model=body_model),
            },
        )

    return app


#: Characters of a bad value a validation error repeats back, at most.
ECHO_CHARS = 60


def _without_input(err: Any) -> dict[str, Any]:
    """A validation error safe to send back: a short prefix of the bad value, as text.

    The raw input can be huge (a 10 MB string) or not JSON at all (``inf``, ``nan``,
    bytes), and ``ctx`` may hold exception objects; both are turned into short text.
    """
    out = {k: v for k, v in dict(err).items() if k not in {"input", "ctx", "url"}}
    if "input" in err:
        text = repr(err["input"])
        out["input"] = text if len(text) <= ECHO_CHARS else text[:ECHO_CHARS] + "..."
    if err.get("ctx"):
        out["ctx"] = {k: str(v)[:ECHO_CHARS] for k, v in err["ctx"].items()}
    return out


# ----------------------------------------------------------------------------- messages
def validation_message(errors: Sequence[Any], *, body_model: type[BaseModel] | None = None) -> str:
    """One readable line per validation error: which field, what is wrong, what is allowed.

    >>> validation_message([{"loc": ("query", "limit"), "msg": "Input should be >= 1",
    ...                      "type": "greater_than_equal"}])
    "invalid request: query parameter 'limit': Input should be >= 1"
    """
    parts = []
    for err in errors:
        loc = tuple(err.get("loc", ()))
        text = f"{_where(loc)}: {err.get('msg', 'invalid value')}"
        if err.get("type") == "extra_forbidden" and body_model is not None:
            allowed = _allowed_fields(body_model, loc)
            if allowed:
                text += f" (allowed fields: {', '.join(allowed)})"
        parts.append(text)
    return "invalid request: " + "; ".join(parts)


def _where(loc: tuple[Any, ...]) -> str:
    if not loc:
        return "request"
    source, *path = loc
    name = ".".join(str(p) for p in path)
    if source == "body":
        return f"body field {name!r}" if name else "request body"
    if source in {"query", "path", "header", "cookie"}:
        return f"{source} parameter {name!r}"
    return ".".join(str(p) for p in loc)


def _body_model(request: Request) -> type[BaseModel] | None:
    """The pydantic model of the route's JSON body, when it has exactly one."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or len(route.dependant.body_params) != 1:
        return None
    return _find_model(route.dependant.body_params[0].field_info.annotation)


def _find_model(tp: Any) -> type[BaseModel] | None:
    if inspect.isclass(tp) and issubclass(tp, BaseModel):
        return tp
    if get_origin(tp) in {Union, types.UnionType}:
        for arg in get_args(tp):
            found = _find_model(arg)
            if found is not None:
                return found
    return None


def _allowed_fields(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """Field names accepted where ``loc`` (``("body", ..., <extra key>)``) points."""
    if loc[:1] != ("body",):
        return []
    current: type[BaseModel] | None = model
    for part in loc[1:-1]:
        if current is None or isinstance(part, int) or part not in current.model_fields:
            return []
        current = _find_model(current.model_fields[part].annotation)
    return [] if current is None else list(current.model_fields)
