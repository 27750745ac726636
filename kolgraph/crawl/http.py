"""The shared HTTP layer of every platform client.

One pooled :class:`httpx.Client` per process (:func:`get_http`), one request
method (:meth:`HttpClient.request`) that

* paces each host with an :class:`AdaptiveThrottle`: the pause between two
  requests follows the host's observed latency, never drops right after an
  error, and a hard cap on requests per minute (``KOLGRAPH_CRAWL_RPM``)
  always holds;
* retries only what is transient: transport errors (connect, read, timeouts,
  a body garbled in its Content-Encoding), HTTP 408, 429 and 5xx, and a
  :class:`~kolgraph.errors.RateLimited` raised by a platform's business-code
  check. Retries wait an exponential backoff with jitter, or what
  ``Retry-After`` (or ``x-rate-limit-reset``) says;
* does not retry a rate-limit answer whose body the platform's check reads as a
  spent quota (:class:`~kolgraph.errors.QuotaExceeded`, e.g. X's monthly cap);
* maps everything else to a typed error without retrying: 401/403 →
  :class:`~kolgraph.errors.AccessDenied`, 404/410 →
  :class:`~kolgraph.errors.NotFound`, a body that is not JSON →
  :class:`~kolgraph.errors.BadPage`, other 4xx → :class:`~kolgraph.errors.InputError`.

After the last retry the error of the last attempt is raised
(:class:`~kolgraph.errors.RateLimited` or :class:`~kolgraph.errors.Unavailable`).
"""

from __future__ import annotations

import datetime
import email.utils
import json
import math
import random
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import httpx

from kolgraph import __version__
from kolgraph.errors import (
    AccessDenied,
    BadPage,
    InputError,
    KolgraphError,
    NotFound,
    QuotaExceeded,
    RateLimited,
    Unavailable,
)
from kolgraph.settings import Settings, get_settings

__all__ = [
    "AdaptiveThrottle",
    "Fetched",
    "HttpClient",
    "HttpStats",
    "get_http",
    "parse_retry_after",
]

USER_AGENT = f"kolgraph/{__version__} (+https://github.com/kolgraph/kolgraph)"
RETRY_STATUSES = frozenset({408, 429, *range(500, 600)})


@dataclass(frozen=True, slots=True)
class Fetched:
    """A fetched page: where it came from, its HTTP status, decoded JSON and raw body."""

    url: str
    status: int
    payload: Any
    text: str
    elapsed: float


Check = Callable[[Fetched], None]


class AdaptiveThrottle:
    """Pacing of the requests to one host.

    The pause ``delay`` between the starts of two requests adapts:

    * after a success with latency :math:`\\ell`, an exponential moving
      average :math:`\\bar\\ell \\leftarrow 0.8\\,\\bar\\ell + 0.2\\,\\ell` gives
      the target :math:`t = \\mathrm{clip}(f\\,\\bar\\ell,\\ d_{min},\\ d_{max})`.
      The delay rises to :math:`t` at once but falls only by 10 % per
      success, and not at all within ``cooldown`` seconds of an error;
    * after an error the delay doubles (at least ``max(d_min, 0.05)`` s, at
      most ``d_max``) and a ``Retry-After`` blocks the host until it passes;
    * at most ``rpm`` requests start in any 60-second window (0: no cap).

    Parameters
    ----------
    min_delay, max_delay
        Bounds of the delay in seconds.
    rpm
        Hard cap on requests per minute; 0 disables it.
    latency_factor
        :math:`f`, how many latencies to wait between requests.
    cooldown
        Seconds after an error during which the delay does not fall.
    clock
        Monotonic clock (injectable for tests).
    """

    def __init__(
        self,
        *,
        min_delay: float = 1.0,
        max_delay: float = 60.0,
        rpm: int = 60,
        latency_factor: float = 1.0,
        cooldown: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if min_delay < 0 or max_delay <= 0 or min_delay > max_delay:
            raise InputError(
                f"throttle delays must satisfy 0 <= min ({min_delay}) <= max ({max_delay})",
                hint="check KOLGRAPH_CRAWL_MIN_DELAY and KOLGRAPH_CRAWL_MAX_DELAY",
            )
        self.min_delay = float(min_delay)
        self.max_delay = float(max_delay)
        self.rpm = int(rpm)
        self.latency_factor = float(latency_factor)
        self.cooldown = float(cooldown)
        self.delay = self.min_delay
        self._clock = clock
        self._latency: float | None = None
        self._last_start = -math.inf
        self._last_error = -math.inf
        self._blocked_until = -math.inf
        self._window: deque[float] = deque()
        self._lock = threading.Lock()

    def next_start(self) -> float:
        """The earliest clock time at which the next request may start."""
        now = self._clock()
        while self._window and self._window[0] <= now - 60.0:
            self._window.popleft()
        t = max(self._last_start + self.delay, self._blocked_until)
        if self.rpm and len(self._window) >= self.rpm:
            t = max(t, self._window[-self.rpm] + 60.0)
        return t

    def acquire(self, sleep: Callable[[float], None]) -> float:
        """Wait until a request may start, record its start; return seconds slept."""
        with self._lock:
            slept = 0.0
            while (wait := self.next_start() - self._clock()) > 0:
                sleep(wait)
                slept += wait
            start = self._clock()
            self._last_start = start
            self._window.append(start)
            return slept

    def success(self, latency: float) -> None:
        """Adapt the delay to a successful request that took ``latency`` seconds."""
        with self._lock:
            lat = max(0.0, float(latency))
            self._latency = lat if self._latency is None else 0.8 * self._latency + 0.2 * lat
            target = min(self.max_delay, max(self.min_delay, self.latency_factor * self._latency))
            if target >= self.delay:
                self.delay = target
            elif self._clock() - self._last_error >= self.cooldown:
                self.delay = max(target, 0.9 * self.delay)

    def failure(self, retry_after: float | None = None) -> None:
        """Slow down after a failed request; block until ``retry_after`` seconds pass."""
        with self._lock:
            now = self._clock()
            self._last_error = now
            self.delay = min(self.max_delay, max(2.0 * self.delay, self.min_delay, 0.05))
            if retry_after is not None and retry_after > 0:
                self._blocked_until = max(self._blocked_until, now + retry_after)


def parse_retry_after(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """Seconds to wait from ``Retry-After`` (seconds or an HTTP date) or
    ``x-rate-limit-reset`` (unix time, X API); ``None`` if neither is usable."""
    wall = time.time() if now is None else now
    value = headers.get("retry-after")
    if value:
        value = value.strip()
        try:
            seconds = float(value)
        except ValueError:
            seconds = math.nan
        if math.isfinite(seconds):  # "inf" or "nan" would block the host for ever
            return max(0.0, seconds)
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            when = None
        if when is not None:
            if when.tzinfo is None:  # asctime or "-0000" dates: HTTP dates are in UTC
                when = when.replace(tzinfo=datetime.UTC)
            return max(0.0, when.timestamp() - wall)
    reset = headers.get("x-rate-limit-reset")
    if reset:
        try:
            at = float(reset)
        except ValueError:
            return None
        return max(0.0, at - wall) if math.isfinite(at) else None
    return None


@dataclass
class HttpStats:
    """Counters of one :class:`HttpClient`: requests sent, retries, errors by type."""

    requests: int = 0
    retries: int = 0
    bytes: int = 0
    slept: float = 0.0
    errors: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "retries": self.retries,
            "bytes": self.bytes,
            "slept": round(self.slept, 3),
            "errors": dict(self.errors),
        }


class HttpClient:
    """Pooled HTTP with per-host adaptive throttling and transient-only retries.

    Parameters
    ----------
    settings
        Throttle, timeout and retry settings (``KOLGRAPH_CRAWL_*``).
    sleep, clock
        Injectable for tests; default :func:`time.sleep` and :func:`time.monotonic`.
    seed
        Seed of the backoff jitter.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        seed: int | None = None,
    ) -> None:
        self.settings = settings or get_settings()
        self._sleep = sleep
        self._clock = clock
        self._rng = random.Random(seed)
        self._client = httpx.Client(
            timeout=self.settings.crawl_timeout,
            follow_redirects=True,
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            limits=httpx.Limits(max_connections=20, max_keepalive_connections=10),
        )
        self._throttles: dict[str, AdaptiveThrottle] = {}
        self._lock = threading.Lock()
        self.stats = HttpStats()

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def throttle(self, host: str) -> AdaptiveThrottle:
        """The throttle of ``host`` (``name:port``), created on first use."""
        with self._lock:
            t = self._throttles.get(host)
            if t is None:
                s = self.settings
                t = AdaptiveThrottle(
                    min_delay=s.crawl_min_delay,
                    max_delay=s.crawl_max_delay,
                    rpm=s.crawl_rpm,
                    clock=self._clock,
                )
                self._throttles[host] = t
            return t

    def backoff(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before retry number ``attempt`` (1-based).

        ``Retry-After`` is honoured with up to 10 % jitter added; otherwise
        "equal jitter" exponential backoff:
        :math:`b\\,2^{a-1}\\,u,\\ u \\sim U(0.5, 1)`, capped at ``crawl_backoff_max``.
        """
        s = self.settings
        if retry_after is not None:
            return min(s.crawl_backoff_max, retry_after * (1.0 + 0.1 * self._rng.random()))
        # the exponent is bounded: 2.0 ** 1024 overflows a float with a large retry budget
        base = min(s.crawl_backoff_max, s.crawl_backoff * 2.0 ** min(attempt - 1, 64))
        return base * (0.5 + 0.5 * self._rng.random())

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str | int] | None = None,
        headers: Mapping[str, str] | None = None,
        check: Check | None = None,
        auth_hint: str | None = None,
        rate_limit_statuses: frozenset[int] = frozenset({429}),
        auth_statuses: frozenset[int] = frozenset({401, 403}),
    ) -> Fetched:
        """Send one request (with throttle and retries) and return the decoded page.

        Parameters
        ----------
        method, url, params, headers
            As for :meth:`httpx.Client.request`.
        check
            The platform's business-code check, called on every decoded page;
            it raises a typed error (a :class:`~kolgraph.errors.RateLimited`
            is retried like an HTTP 429).
        auth_hint
            How to fix credentials, used in :class:`~kolgraph.errors.AccessDenied`.
        rate_limit_statuses
            HTTP statuses by which the platform says "slow down" (Weibo uses
            418, Bilibili 412); treated like 429.
        auth_statuses
            HTTP statuses that mean "credentials missing or refused" (Weibo
            adds 432). When such an answer has a JSON body, ``check`` sees it
            first, so a platform that sends its throttling code with a 403
            is retried rather than reported as a credentials problem.

        Raises
        ------
        AccessDenied, NotFound, BadPage, InputError
            Not retried.
        RateLimited, Unavailable
            After ``crawl_retries`` retries.
        """
        host = httpx.URL(url).netloc.decode("ascii")
        throttle = self.throttle(host)
        attempt = 0
        while True:
            self.stats.slept += throttle.acquire(self._sleep)
            self.stats.requests += 1
            t0 = self._clock()
            error: KolgraphError
            retry_after: float | None = None
            try:
                resp = self._client.request(method, url, params=params, headers=headers)
                body = resp.content
            except (httpx.TransportError, httpx.DecodingError) as exc:
                # a DecodingError is a body garbled in its Content-Encoding: transient too
                error = Unavailable(
                    f"{method} {url}: {type(exc).__name__}: {exc}",
                    hint="the host is unreachable or slow; check the network or raise "
                    "KOLGRAPH_CRAWL_TIMEOUT",
                )
            else:
                elapsed = self._clock() - t0
                self.stats.bytes += len(body)
                status = resp.status_code
                where = f"{method} {resp.request.url}"
                if status in RETRY_STATUSES or status in rate_limit_statuses:
                    retry_after = parse_retry_after(resp.headers)
                    if status == 429 or status in rate_limit_statuses:
                        error = RateLimited(f"{where}: HTTP {status}", retry_after=retry_after)
                        self._final(resp, body, elapsed, check)  # a spent quota: no retry
                    else:
                        error = Unavailable(f"{where}: HTTP {status}")
                else:
                    try:
                        fetched = self._decode(
                            resp, body, elapsed, where, auth_hint, auth_statuses, check
                        )
                        if check is not None:
                            check(fetched)
                    except RateLimited as exc:
                        error, retry_after = exc, exc.retry_after
                    except KolgraphError as exc:
                        self.stats.errors[type(exc).__name__] += 1
                        if isinstance(exc, BadPage | NotFound):
                            throttle.success(elapsed)  # the host answered; not its load
                        else:
                            throttle.failure()
                        raise
                    else:
                        throttle.success(elapsed)
                        return fetched
            self.stats.errors[type(error).__name__] += 1
            throttle.failure(retry_after)
            attempt += 1
            if attempt > self.settings.crawl_retries:
                raise error
            self.stats.retries += 1
            wait = self.backoff(attempt, retry_after)
            self.stats.slept += wait
            self._sleep(wait)

    def _final(
        self, resp: httpx.Response, body: bytes, elapsed: float, check: Check | None
    ) -> None:
        """Let the platform's check read a rate-limit answer's JSON body: if it says
        the limit will not pass by waiting (:class:`~kolgraph.errors.QuotaExceeded`),
        raise that instead of retrying."""
        if check is None:
            return
        page = _json_page(resp, body.decode(resp.encoding or "utf-8", errors="replace"), elapsed)
        if page is None:
            return
        try:
            check(page)
        except QuotaExceeded:
            self.stats.errors["QuotaExceeded"] += 1
            raise
        except KolgraphError:
            pass  # anything else: the status decides (retried)

    @staticmethod
    def _decode(
        resp: httpx.Response,
        body: bytes,
        elapsed: float,
        where: str,
        auth_hint: str | None,
        auth_statuses: frozenset[int] = frozenset({401, 403}),
        check: Check | None = None,
    ) -> Fetched:
        status = resp.status_code
        text = body.decode(resp.encoding or "utf-8", errors="replace")
        if status in auth_statuses:
            page = None if check is None else _json_page(resp, text, elapsed)
            if check is not None and page is not None:
                # the platform's own code may say more (e.g. "slow down")
                try:
                    check(page)
                except (RateLimited, AccessDenied, NotFound):
                    raise
                except KolgraphError:
                    pass  # not a shape the check knows: report the status below
            raise AccessDenied(
                f"{where}: HTTP {status} {text[:200]!r}",
                hint=auth_hint or "check the platform credentials in your settings",
            )
        if status in (404, 410):
            raise NotFound(f"{where}: HTTP {status}")
        if status >= 400:
            raise InputError(
                f"{where}: HTTP {status} {text[:200]!r}",
                hint="the request was rejected as malformed; this is a kolgraph bug, "
                "please report it with the URL",
            )
        try:
            payload = json.loads(text)
        except json.JSONDecodeError as exc:
            raise BadPage(
                f"HTTP {status} body is not JSON ({exc.msg} at char {exc.pos} of {len(text)})",
                url=str(resp.request.url),
                raw=text,
            ) from None
        return Fetched(
            url=str(resp.request.url), status=status, payload=payload, text=text, elapsed=elapsed
        )


def _json_page(resp: httpx.Response, text: str, elapsed: float) -> Fetched | None:
    """The answer as a :class:`Fetched` page if its body is JSON, else ``None``."""
    try:
        payload = json.loads(text)
    except json.JSONDecodeError:
        return None
    return Fetched(
        url=str(resp.request.url),
        status=resp.status_code,
        payload=payload,
        text=text,
        elapsed=elapsed,
    )


@lru_cache(maxsize=1)
def get_http() -> HttpClient:
    """The process-wide :class:`HttpClient` (one connection pool per process)."""
    return HttpClient(get_settings())
