"""Who may call a ``/v1`` route: API keys, scopes and per-key rate limits.

Requests send ``Authorization: Bearer kg_...`` (a key from ``kolgraph keys
create``). No key, or an unknown, wrong or revoked one, is 401; a key whose scope
is too weak is 403. The scope a route needs comes from one table,
:func:`required_scope`: ``admin`` for jobs and uploads, ``plan`` to make or
evaluate plans (``POST /v1/plans...``), ``read`` for everything else. Scopes
nest: ``admin`` ⊇ ``plan`` ⊇ ``read``.

Each key (each client address when auth is off) has a token bucket of
``api_rate_burst`` requests refilled at ``api_rate_per_minute``; an empty
bucket is 429 with ``Retry-After``. Buckets live in the serving process, so
with ``N`` workers a key may reach ``N`` times the rate at most.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, FastAPI, Request, Security
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from kolgraph.api.deps import StoreDep
from kolgraph.errors import AccessDenied, RateLimited, Unauthorized
from kolgraph.keys import verify_key
from kolgraph.store import Store
from kolgraph.store.crawlstate import now_iso
from kolgraph.store.keystate import KeyRecord, Scope

__all__ = ["Caller", "TokenBucket", "authorize", "install_security", "required_scope"]

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="apiKey",
    description="An API key from `kolgraph keys create`, sent as 'Authorization: Bearer kg_...'.",
)

#: Seconds between two writes of a key's last-use time.
TOUCH_EVERY = 60.0


def required_scope(path: str, method: str) -> Scope:
    """The scope a request to route ``path`` (its template) with ``method`` needs.

    >>> required_scope("/v1/plans", "POST"), required_scope("/v1/plans/{plan_id}", "GET")
    ('plan', 'read')
    >>> required_scope("/v1/jobs/{job_id}", "GET")
    'admin'
    >>> required_scope("/v1/events", "POST"), required_scope("/v1/topics/{name}/respond", "POST")
    ('admin', 'plan')
    """
    if path.startswith(("/v1/jobs", "/v1/uploads")):
        return "admin"
    writes = method not in {"GET", "HEAD"}
    if path.endswith("/respond") and writes:
        return "plan"
    if path.startswith(("/v1/events", "/v1/topics", "/v1/subscriptions")) and writes:
        return "admin"
    if path.startswith("/v1/plans") and writes:
        return "plan"
    return "read"


@dataclass(frozen=True, slots=True)
class Caller:
    """Who sent a request: a key's id and name, or an address when auth is off."""

    id: str
    name: str
    scope: Scope | None


class TokenBucket:
    r"""Per-caller token buckets: ``burst`` tokens, refilled at ``rate`` per second.

    A caller's tokens after :math:`\Delta t` seconds are
    :math:`\min(b, t + r\,\Delta t)`; a request takes one, and with none left it
    must wait :math:`(1 - t) / r` seconds.
    """

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = burst
        self._state: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, who: str, now: float | None = None) -> float:
        """Take a token for ``who``: 0.0 if granted, else the seconds to wait for one."""
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._state.get(who, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._state[who] = (tokens - 1.0, now)
                return 0.0
            self._state[who] = (tokens, now)
            return (1.0 - tokens) / self.rate


class KeyCache:
    """Checked keys, trusted for ``ttl`` seconds before the store is read again."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._checked: dict[str, tuple[KeyRecord, float]] = {}
        self._touched: dict[str, float] = {}
        self._lock = threading.Lock()

    def lookup(self, key: str, now: float) -> KeyRecord | None:
        with self._lock:
            hit = self._checked.get(key)
        if hit is None or now - hit[1] > self.ttl:
            return None
        return hit[0]

    def keep(self, key: str, record: KeyRecord, now: float) -> None:
        with self._lock:
            if len(self._checked) > 10_000:  # many distinct keys: start over
                self._checked.clear()
            self._checked[key] = (record, now)

    def due_touch(self, key_id: str, now: float) -> bool:
        with self._lock:
            if now - self._touched.get(key_id, -TOUCH_EVERY) < TOUCH_EVERY:
                return False
            self._touched[key_id] = now
            return True


def install_security(app: FastAPI) -> None:
    """Give ``app`` its key cache and rate buckets (from ``app.state.settings``)."""
    settings = app.state.settings
    app.state.key_cache = KeyCache(settings.api_key_cache_seconds)
    rate = settings.api_rate_per_minute
    app.state.rate_buckets = TokenBucket(rate / 60.0, settings.api_rate_burst) if rate else None


def _check_key(store: Store, key: str, cache: KeyCache) -> KeyRecord:
    now = time.monotonic()
    record = cache.lookup(key, now)
    if record is None:
        record = verify_key(store, key)  # a malformed key is refused before the store is read
        if cache.due_touch(record.id, now):
            store.keys.touch(record.id, now_iso())
        cache.keep(key, record, now)
    return record


def authorize(
    request: Request,
    store: StoreDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
) -> Caller:
    """Check the request's key and scope, then take a token from its rate bucket.

    The key is read through the request's own store (the one its route uses).
    """
    state = request.app.state
    if state.auth:
        if credentials is None:
            raise Unauthorized(
                "this route needs an API key",
                hint="send 'Authorization: Bearer kg_...' with a key from `kolgraph keys create`",
            )
        record = _check_key(store, credentials.credentials, state.key_cache)
        route = request.scope.get("route")
        path = route.path if isinstance(route, APIRoute) else request.url.path
        scope = required_scope(path, request.method)
        if not record.allows(scope):
            raise AccessDenied(
                f"key {record.name!r} has scope {record.scope!r}; this route needs {scope!r}",
                hint=f"use a key with scope {scope} (kolgraph keys create --scope {scope})",
            )
        caller = Caller(id=record.id, name=record.name, scope=record.scope)
    else:
        host = request.client.host if request.client else "unknown"
        caller = Caller(id=f"addr:{host}", name=host, scope=None)
    if state.rate_buckets is not None:
        wait = state.rate_buckets.take(caller.id)
        if wait > 0:
            raise RateLimited(
                f"too many requests for {caller.name!r}: "
                f"{state.settings.api_rate_per_minute} a minute at most",
                retry_after=wait,
            )
    request.state.caller = caller
    return caller


AuthorizeDep = Depends(authorize)
