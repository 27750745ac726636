"""Server logs: text or one JSON object per line, each naming the request it belongs to.

Kept to the standard library (and :mod:`kolgraph.settings` for types only) so
uvicorn's worker processes can build their log handlers from
:func:`logging_config` quickly, before they import the app: a worker that does
not answer its supervisor's health check within a few seconds is killed.

The request being served lives in a context variable that
:class:`kolgraph.api.observability.RequestContextMiddleware` sets
(:func:`enter_request`); every record logged while it is served (the access
line, an error with its traceback) carries its id, method and route template.
"""

from __future__ import annotations

import json
import logging
import logging.config
from collections.abc import MutableMapping
from contextvars import ContextVar, Token
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from kolgraph.settings import Settings

__all__ = [
    "ACCESS_LOGGER",
    "LOG_FIELDS",
    "UNMATCHED",
    "JsonFormatter",
    "TextFormatter",
    "configure_logging",
    "current_request_id",
    "enter_request",
    "leave_request",
    "logging_config",
    "route_template",
]

#: Logger of the access log (one record per request).
ACCESS_LOGGER: Final = "kolgraph.access"
#: The route of a request no route matched (a 404): raw paths are never logged as routes.
UNMATCHED: Final = "<unmatched>"
#: The request fields of every JSON line (``null`` outside a request).
LOG_FIELDS: Final = ("request_id", "method", "path", "status", "duration_ms")

Scope = MutableMapping[str, Any]


def route_template(scope: Scope) -> str:
    """The template of the route that matched ``scope`` (``/v1/accounts/{key}``).

    A mounted app's requests are ``<mount>/{path}`` (``/docs/assets/{path}``); a
    request no route matched is :data:`UNMATCHED`: raw paths never become metric
    labels or log fields, so their number stays bounded.
    """
    path = getattr(scope.get("route"), "path_format", None)
    if isinstance(path, str):
        return path
    if "app_root_path" in scope:  # only a Mount sets it; root_path then ends with its prefix
        app_root, root = str(scope["app_root_path"]), str(scope.get("root_path", ""))
        if len(root) > len(app_root) and root.startswith(app_root):
            return root[len(app_root) :] + "/{path}"
    return UNMATCHED


@dataclass(frozen=True, slots=True)
class _RequestInfo:
    """The request being served (its route is known once the router has matched it)."""

    id: str
    method: str
    scope: Scope

    @property
    def route(self) -> str:
        return route_template(self.scope)


_REQUEST: ContextVar[_RequestInfo | None] = ContextVar("kolgraph_request", default=None)


def enter_request(request_id: str, method: str, scope: Scope) -> Token[_RequestInfo | None]:
    """Mark the current context as serving a request; undo with :func:`leave_request`."""
    return _REQUEST.set(_RequestInfo(request_id, method, scope))


def leave_request(token: Token[_RequestInfo | None]) -> None:
    """Undo :func:`enter_request`."""
    _REQUEST.reset(token)


def current_request_id() -> str | None:
    """The id of the request being served in this context, if any."""
    info = _REQUEST.get()
    return None if info is None else info.id


def _context_fields(record: logging.LogRecord) -> dict[str, Any]:
    """The request fields of ``record``: its own (access log) or the current request's."""
    info = _REQUEST.get()
    context = {
        "request_id": None if info is None else info.id,
        "method": None if info is None else info.method,
        "path": None if info is None else info.route,
    }
    return {k: getattr(record, k, context.get(k)) for k in LOG_FIELDS}


def _timestamp(record: logging.LogRecord) -> str:
    ts = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
    return ts.replace("+00:00", "Z")


class JsonFormatter(logging.Formatter):
    """One JSON object per record: ``ts`` (UTC), ``level``, ``logger``, ``message``,
    the request fields (:data:`LOG_FIELDS`, ``null`` outside a request) and
    ``exception`` when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {
            "ts": _timestamp(record),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **_context_fields(record),
        }
        if record.exc_info:
            doc["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            doc["exception"] = record.exc_text
        return json.dumps(doc, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """``TIME LEVEL LOGGER [REQUEST-ID] MESSAGE`` (``-`` outside a request)."""

    def format(self, record: logging.LogRecord) -> str:
        request_id = _context_fields(record)["request_id"] or "-"
        line = (
            f"{_timestamp(record)} {record.levelname:<7} {record.name} [{request_id}] "
            f"{record.getMessage()}"
        )
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def logging_config(settings: Settings) -> dict[str, Any]:
    """A :func:`logging.config.dictConfig` for the API server (and each of its workers).

    One stderr handler on the root logger, with :class:`JsonFormatter` or
    :class:`TextFormatter` (``settings.log_format``) at ``settings.log_level``;
    uvicorn's loggers hand their records to it. The caller turns uvicorn's own
    access log off (``uvicorn.run(access_log=False)``) when ours
    (``settings.access_log``) is on.
    """
    level = settings.log_level.upper()
    formatter = JsonFormatter if settings.log_format == "json" else TextFormatter
    relay = {"handlers": [], "level": level, "propagate": True}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"kolgraph": {"()": f"{__name__}.{formatter.__name__}"}},
        "handlers": {
            "kolgraph": {
                "class": "logging.StreamHandler",
                "formatter": "kolgraph",
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            "uvicorn": relay,
            "uvicorn.error": relay,
            "uvicorn.access": relay,
            ACCESS_LOGGER: {"level": "INFO" if settings.access_log else "WARNING"},
        },
        "root": {"handlers": ["kolgraph"], "level": level},
    }


def configure_logging(settings: Settings) -> dict[str, Any]:
    """Apply :func:`logging_config` to this process and return it (for uvicorn's workers)."""
    config = logging_config(settings)
    logging.config.dictConfig(config)
    return config
