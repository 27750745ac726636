"""Operations: request ids, access logs (text or JSON) and Prometheus metrics.

* :class:`RequestContextMiddleware` (pure ASGI) gives every HTTP request an id,
  echoed in ``X-Request-ID`` (a client's own id is kept when it is at most 64
  characters of ``[A-Za-z0-9._-]``), writes one access-log line per request and
  counts it. :class:`ObservedFastAPI` puts it *outside* Starlette's error
  middleware, so even a 500 carries the id and is counted.
* :func:`logging_config` / :func:`configure_logging` (from :mod:`kolgraph.logs`,
  which uvicorn's workers import before the app): one handler on stderr, text or
  one JSON object per line (``ts``, ``level``, ``logger``, ``message``,
  ``request_id``, ``method``, ``path``, ``status``, ``duration_ms``). Called by
  ``kolgraph serve``, never at import.
* Metrics (prometheus-client): ``kolgraph_http_requests_total`` and
  ``kolgraph_http_request_seconds`` by route *template* (``/v1/accounts/{key}``,
  never the raw path, so the number of series stays bounded), method and status;
  ``kolgraph_store_seconds`` by backend and store operation
  (:func:`instrument_store`); ``kolgraph_jobs_total`` and ``kolgraph_jobs_running``
  by job kind (:func:`job_started`, :func:`job_finished`, :func:`track_job`: the
  hooks job runners call). With several worker processes prometheus-client's
  multiprocess mode adds up every worker's files (see
  :func:`kolgraph.settings.export_environment`).
"""

from __future__ import annotations

import functools
import inspect
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final, ParamSpec, TypeVar

from fastapi import FastAPI
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kolgraph.logs import (
    ACCESS_LOGGER,
    UNMATCHED,
    JsonFormatter,
    TextFormatter,
    configure_logging,
    current_request_id,
    enter_request,
    leave_request,
    logging_config,
    route_template,
)
from kolgraph.settings import Settings
from kolgraph.store.base import Store

__all__ = [
    "ACCESS_LOGGER",
    "JOB_STATES",
    "REQUEST_ID_HEADER",
    "STORE_OPERATIONS",
    "UNMATCHED",
    "JobMetrics",
    "JsonFormatter",
    "ObservedFastAPI",
    "RequestContextMiddleware",
    "TextFormatter",
    "configure_logging",
    "current_request_id",
    "instrument_store",
    "job_finished",
    "job_started",
    "logging_config",
    "observe_store",
    "record_job",
    "render_metrics",
    "reset_metrics_dir",
    "route_template",
    "track_job",
]

#: The header that carries a request's id, both ways.
REQUEST_ID_HEADER: Final = "X-Request-ID"
#: States a job can be counted in (``kolgraph_jobs_total{state}``).
JOB_STATES: Final = frozenset(
    {"queued", "started", "succeeded", "failed", "cancelled", "interrupted"}
)

_SAFE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_JOB_KIND = re.compile(r"[a-z][a-z0-9_]{0,31}")
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
#: Seconds; 0.05 and 0.2 are the plan latency targets at 50k and 1M accounts.
_HTTP_BUCKETS = (0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
_STORE_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0)

access_log = logging.getLogger(ACCESS_LOGGER)

P = ParamSpec("P")
R = TypeVar("R")


def _incoming_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            text = value.decode("latin-1")
            return text if _SAFE_ID.fullmatch(text) else None
    return None


class RequestContextMiddleware:
    """Request id, access log and HTTP metrics for every HTTP request (pure ASGI).

    Parameters
    ----------
    app
        The application to wrap.
    metrics
        Count requests and time them (``kolgraph_http_*``).
    access_log
        Write one :data:`ACCESS_LOGGER` record per request.
    """

    def __init__(self, app: ASGIApp, *, metrics: bool = True, access_log: bool = True) -> None:
        self.app = app
        self.metrics = metrics
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_id(scope) or uuid.uuid4().hex
        method = str(scope.get("method", "GET"))
        scope.setdefault("state", {})["request_id"] = request_id  # request.state.request_id
        token = enter_request(request_id, method, scope)
        header = (b"x-request-id", request_id.encode("ascii"))
        status = 500  # unless a response starts: an exception before it is a server error
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = [h for h in message.get("headers", ()) if h[0].lower() != header[0]]
                message = {**message, "headers": [*headers, header]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self._done(scope, method, status, time.perf_counter() - started)
            leave_request(token)

    def _done(self, scope: Scope, method: str, status: int, seconds: float) -> None:
        route = route_template(scope)
        if self.metrics:
            m = _metrics()
            labels = (route, method if method in _METHODS else "other", str(status))
            m.requests.labels(*labels).inc()
            m.latency.labels(*labels).observe(seconds)
        if self.access_log:
            ms = round(seconds * 1000, 2)
            access_log.log(
                logging.ERROR if status >= 500 else logging.INFO,
                "%s %s %d %.1f ms",
                method,
                route,
                status,
                ms,
                extra={"method": method, "path": route, "status": status, "duration_ms": ms},
            )


class ObservedFastAPI(FastAPI):
    """A FastAPI app whose outermost layer is :class:`RequestContextMiddleware`.

    Middleware added with ``add_middleware`` sits inside Starlette's error
    middleware, which answers unexpected exceptions with a 500 that such
    middleware never sees. Wrapping the whole stack instead gives that 500 (and
    every 401, 413 or 429 from middleware added later) a request id, an access
    log line and a count. Reads ``self.state.settings`` (``metrics``,
    ``access_log``) when the stack is first built.
    """

    def build_middleware_stack(self) -> ASGIApp:
        settings: Settings | None = getattr(self.state, "settings", None)
        return RequestContextMiddleware(
            super().build_middleware_stack(),
            metrics=True if settings is None else settings.metrics,
            access_log=True if settings is None else settings.access_log,
        )


# ----------------------------------------------------------------------------- metrics
@dataclass(frozen=True, slots=True)
class _Metrics:
    requests: Counter
    latency: Histogram
    store: Histogram
    jobs: Counter
    jobs_running: Gauge


@functools.cache
def _metrics() -> _Metrics:
    """The process's metrics, made on first use (after ``PROMETHEUS_MULTIPROC_DIR`` is set)."""
    http = ("route", "method", "status")
    return _Metrics(
        requests=Counter("kolgraph_http_requests", "HTTP requests answered.", http),
        latency=Histogram(
            "kolgraph_http_request_seconds",
            "Time to answer an HTTP request, in seconds.",
            http,
            buckets=_HTTP_BUCKETS,
        ),
        store=Histogram(
            "kolgraph_store_seconds",
            "Time of one store operation made for a request (open, current_run, ...).",
            ("backend", "operation"),
            buckets=_STORE_BUCKETS,
        ),
        jobs=Counter("kolgraph_jobs", "Jobs that reached a state.", ("kind", "state")),
        jobs_running=Gauge(
            "kolgraph_jobs_running",
            "Jobs running now.",
            ("kind",),
            multiprocess_mode="livesum",
        ),
    )


def _multiprocess() -> bool:
    """Whether prometheus-client keeps this process's values in multiprocess files."""
    from prometheus_client import values

    return values.ValueClass is not values.MutexValue


def render_metrics() -> tuple[bytes, str]:
    """The metrics in Prometheus' text format, and its content type.

    In multiprocess mode every worker's files are added up; otherwise the
    process's default registry (with the process and platform collectors) is used.
    """
    _metrics()
    if _multiprocess():
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def reset_metrics_dir(directory: Path) -> None:
    """Create ``directory`` or empty it of a previous server's metric files.

    prometheus-client's multiprocess files must not outlive the server that
    wrote them, or the counters of a new server would start from the old values.
    """
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()


def observe_store(backend: str, operation: str, seconds: float) -> None:
    """Count one store ``operation`` of ``seconds`` (``kolgraph_store_seconds``)."""
    _store_histogram(backend, operation).observe(seconds)


#: The store operations :func:`instrument_store` times: the public methods of the contract.
STORE_OPERATIONS: Final = tuple(
    sorted(
        name
        for name, member in vars(Store).items()
        if inspect.isfunction(member)
        and not name.startswith("_")
        and name != "close"
        and not inspect.isgeneratorfunction(member)
    )
)
_in_store = threading.local()


@functools.cache
def _store_histogram(backend: str, operation: str) -> Histogram:
    """The ``kolgraph_store_seconds`` series of one backend and operation (looked up once)."""
    return _metrics().store.labels(backend, operation)


def _timed(backend: str, operation: str, fn: Callable[P, R]) -> Callable[P, R]:
    histogram = _store_histogram(backend, operation)

    @functools.wraps(fn)
    def timed(*args: P.args, **kwargs: P.kwargs) -> R:
        if getattr(_in_store, "busy", False):  # inside another timed call: counted there
            return fn(*args, **kwargs)
        _in_store.busy = True
        started = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            histogram.observe(time.perf_counter() - started)
            _in_store.busy = False

    return timed


def instrument_store(store: Store) -> Store:
    """Time every operation of ``store`` (this instance only) in ``kolgraph_store_seconds``.

    A call made from inside another timed call (a store method using another)
    is counted once, as the outer operation. Returns ``store`` itself.
    """
    for name in STORE_OPERATIONS:
        if not inspect.isgeneratorfunction(getattr(type(store), name, None)):
            setattr(store, name, _timed(store.name, name, getattr(store, name)))
    return store


def _job_labels(kind: str, state: str) -> tuple[str, str]:
    if not _JOB_KIND.fullmatch(kind):
        raise ValueError(f"job kind {kind!r} is not a short lower-case name")
    if state not in JOB_STATES:
        raise ValueError(f"job state {state!r} is not one of {sorted(JOB_STATES)}")
    return kind, state


def job_started(kind: str) -> None:
    """A job of ``kind`` (``rank``, ``crawl``, ...) started: counted and running."""
    _metrics().jobs.labels(*_job_labels(kind, "started")).inc()
    _metrics().jobs_running.labels(kind).inc()


def job_finished(kind: str, state: str) -> None:
    """A job of ``kind`` that :func:`job_started` counted ended in ``state``.

    ``state`` is one of :data:`JOB_STATES` (``succeeded``, ``failed``,
    ``cancelled``, ``interrupted``).
    """
    _metrics().jobs.labels(*_job_labels(kind, state)).inc()
    _metrics().jobs_running.labels(kind).dec()


def record_job(kind: str, state: str) -> None:
    """Count a job of ``kind`` reaching ``state`` (e.g. ``queued``) without running it."""
    _metrics().jobs.labels(*_job_labels(kind, state)).inc()


@contextmanager
def track_job(kind: str) -> Iterator[None]:
    """Count the job run in the ``with`` block: started, then succeeded or failed."""
    job_started(kind)
    try:
        yield
    except BaseException:
        job_finished(kind, "failed")
        raise
    job_finished(kind, "succeeded")


class JobMetrics:
    """A job runner's ``on_state`` hook feeding the job metrics.

    ``started`` counts a job as running; its final state then ends it
    (:func:`job_finished`); any other state (``queued``, or a final state of a job
    this process never started) is only counted (:func:`record_job`).
    """

    def __init__(self) -> None:
        self._running: set[str] = set()
        self._lock = threading.Lock()

    def __call__(self, job_id: str, kind: str, state: str) -> None:
        with self._lock:
            started = state == "started"
            was_running = job_id in self._running
            if started:
                self._running.add(job_id)
            else:
                self._running.discard(job_id)
        if started:
            job_started(kind)
        elif was_running:
            job_finished(kind, state)
        else:
            record_job(kind, state)
