"""One error contract for the API: every error is ``{"error": {code, message, hint, field}}``.

* A :class:`~kolgraph.errors.KolgraphError` keeps its ``http_status`` and ``code``
  (``InputError`` 422 ``invalid_input``, ``NotFound`` 404 ``not_found``,
  ``StoreError`` 503 ``store_unavailable``, ``Unauthorized`` 401, ...).
* Request validation is 422 ``validation_error`` naming every bad field, with
  ``field`` the first of them (``body.budget``, ``query.limit``); a body that is
  not JSON is 400 ``malformed_json`` (where it breaks) and a body sent as
  another content type is 415 ``unsupported_media_type``.
* Starlette's own errors (an unknown path, a wrong method) and anything
  unexpected (500 ``internal_error``, logged with its traceback, never sent) use
  the same shape.

Bad input is never echoed back whole: at most :data:`ECHO_CHARS` characters of it.
"""

from __future__ import annotations

import inspect
import logging
import re
import types
from collections.abc import Sequence
from typing import Any, Union, get_args, get_origin

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from kolgraph.errors import KolgraphError, RateLimited, Unauthorized
from kolgraph.schemas.common import ErrorDetail, ErrorOut

__all__ = [
    "ECHO_CHARS",
    "ERROR_RESPONSES",
    "error_response",
    "install_error_handlers",
    "validation_message",
]

log = logging.getLogger(__name__)

#: Characters of a bad value an error repeats back, at most.
ECHO_CHARS = 60


def _doc(text: str) -> dict[str, Any]:
    return {"description": text, "model": ErrorOut}


#: Errors any ``/v1`` route may answer, documented on each of them.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _doc("The body is not valid JSON (malformed_json)."),
    401: _doc("No API key, or an unknown or revoked one (unauthorized)."),
    403: _doc("The key lacks the scope this route needs (forbidden)."),
    413: _doc("The request body is larger than the server accepts (payload_too_large)."),
    415: _doc("The body is not sent as application/json (unsupported_media_type)."),
    422: _doc("A field is invalid (validation_error) or the input cannot be used."),
    429: _doc("Too many requests for this key; see Retry-After (rate_limited)."),
    503: _doc("The store is missing, unreadable or has no published run."),
}

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


def error_response(
    status: int,
    code: str,
    message: str,
    *,
    hint: str | None = None,
    field: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """A JSON error response in the one documented shape."""
    body = ErrorOut(error=ErrorDetail(code=code, message=message, hint=hint, field=field))
    return JSONResponse(status_code=status, content=body.model_dump(mode="json"), headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """Map every error the app can meet to :func:`error_response`."""

    @app.exception_handler(KolgraphError)
    async def kolgraph_error(request: Request, exc: KolgraphError) -> JSONResponse:
        if exc.http_status >= 500:
            log.error("%s %s failed: %s", request.method, request.url.path, exc)
        headers: dict[str, str] = {}
        if isinstance(exc, RateLimited) and exc.retry_after is not None:
            headers["Retry-After"] = str(max(1, round(exc.retry_after)))
        if isinstance(exc, Unauthorized):
            headers["WWW-Authenticate"] = "Bearer"
        return error_response(
            exc.http_status,
            exc.code,
            exc.message,
            hint=exc.hint,
            field=exc.field,
            headers=headers or None,
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        return validation_response(request, exc.errors())

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        message = str(exc.detail) if exc.detail else code.replace("_", " ")
        if exc.status_code == 404 and message == "Not Found":
            message = f"no route {request.url.path!r}"[: ECHO_CHARS + 12]
            hint = "see /docs for the routes this API has"
        elif exc.status_code == 405:
            allowed = _allowed_methods(request)
            message = f"{request.method} is not allowed on {request.url.path[:ECHO_CHARS]!r}"
            hint = f"use {', '.join(allowed)}" if allowed else "see /docs for the methods"
            exc.headers = {**(exc.headers or {}), "Allow": ", ".join(allowed)}
        else:
            hint = None
        headers = dict(exc.headers) if exc.headers else None
        return error_response(exc.status_code, code, message, hint=hint, headers=headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("%s %s failed", request.method, request.url.path)
        return error_response(
            500,
            "internal_error",
            "the server failed on this request; it was logged",
            hint="retry; if it keeps failing, report it with the X-Request-ID header's value",
        )


def _allowed_methods(request: Request) -> list[str]:
    """Every method the OpenAPI document gives for the request's path."""
    methods: set[str] = set()
    for template, ops in request.app.openapi().get("paths", {}).items():
        pattern = re.sub(r"\{[^}:]+:path\}", ".+", template)
        pattern = re.sub(r"\{[^}]+\}", "[^/]+", pattern)
        if re.fullmatch(pattern, request.url.path):
            methods |= {m.upper() for m in ops}
    return sorted(methods)


def validation_response(request: Request, errors: Sequence[Any]) -> JSONResponse:
    """400, 415 or 422 for the validation ``errors`` of ``request`` (see the module docs)."""
    bad_json = next((e for e in errors if e.get("type") == "json_invalid"), None)
    if bad_json is not None:
        where = bad_json.get("loc", ())[-1:]
        at = f" at character {where[0]}" if where and isinstance(where[0], int) else ""
        reason = str((bad_json.get("ctx") or {}).get("error", ""))[:ECHO_CHARS]
        return error_response(
            400,
            "malformed_json",
            f"the request body is not valid JSON{at}" + (f": {reason}" if reason else ""),
            hint="send one JSON object, as the route's schema in /docs shows",
            field="body",
        )
    if any(tuple(e.get("loc", ()))[:1] == ("body",) for e in errors) and not _is_json(request):
        kind = request.headers.get("content-type", "none")[:ECHO_CHARS]
        return error_response(
            415,
            "unsupported_media_type",
            f"the request body must be JSON, not {kind!r}",
            hint="send the body with 'Content-Type: application/json'",
            field="body",
        )
    first = tuple(errors[0].get("loc", ())) if errors else ()
    return error_response(
        422,
        "validation_error",
        validation_message(errors, body_model=_body_model(request)),
        hint=_hint(errors),
        field=".".join(str(p) for p in first) or None,
    )


def _is_json(request: Request) -> bool:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return kind == "application/json" or kind.endswith("+json")


def _hint(errors: Sequence[Any]) -> str:
    allowed = [f"{_where(tuple(e.get('loc', ())))} {_ctx_rule(e)}" for e in errors if _ctx_rule(e)]
    if allowed:
        return "use " + "; ".join(allowed[:5])
    return "see the route's schema in /docs for the fields and values it accepts"


def _ctx_rule(err: Any) -> str:
    ctx = err.get("ctx") or {}
    names = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<"}
    rules = [f"{sym} {str(ctx[k])[:20]}" for k, sym in names.items() if k in ctx]
    if "max_length" in ctx:
        rules.append(f"at most {ctx['max_length']} long")
    if "min_length" in ctx:
        rules.append(f"at least {ctx['min_length']} long")
    if "expected" in ctx:
        rules.append(f"one of {str(ctx['expected'])[:ECHO_CHARS]}")
    return ", ".join(rules)


# ----------------------------------------------------------------------------- messages
def validation_message(errors: Sequence[Any], *, body_model: type[BaseModel] | None = None) -> str:
    """One readable line per validation error: which field, what is wrong, what is allowed.

    The bad value itself is never repeated (it may be huge, or not text at all).

    >>> validation_message([{"loc": ("query", "limit"), "msg": "Input should be >= 1",
    ...                      "type": "greater_than_equal"}])
    "invalid request: query parameter 'limit': Input should be >= 1"
    """
    parts = []
    for err in errors:
        loc = tuple(err.get("loc", ()))
        text = f"{_where(loc)}: {str(err.get('msg', 'invalid value'))[: ECHO_CHARS * 2]}"
        if err.get("type") == "extra_forbidden" and body_model is not None:
            allowed = _allowed_fields(body_model, loc)
            if allowed:
                text += f" (allowed fields: {', '.join(allowed)})"
        parts.append(text)
    return "invalid request: " + "; ".join(parts[:20]) + ("; ..." if len(parts) > 20 else "")


def _where(loc: tuple[Any, ...]) -> str:
    if not loc:
        return "request"
    source, *path = loc
    name = ".".join(str(p)[:ECHO_CHARS] for p in path)
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
