"""The shared HTTP layer: adaptive throttle, Retry-After parsing and the retrying client.

The client is exercised against a real HTTP server on 127.0.0.1 that answers
each path with a scripted sequence of replies. Time is fake: the client's
``sleep`` advances a fake clock, and the server records the fake time of
every request it receives, so waits between attempts are exact.
"""

from __future__ import annotations

import email.utils
import json
import random
import socket
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import pairwise
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from kolgraph.crawl.http import AdaptiveThrottle, Fetched, HttpClient, parse_retry_after
from kolgraph.crawl.simulator import local_settings
from kolgraph.errors import (
    AccessDenied,
    BadPage,
    InputError,
    NotFound,
    ParseError,
    QuotaExceeded,
    RateLimited,
    Unavailable,
)
from kolgraph.settings import Settings

NOW = 1_700_000_000.0  # a fixed wall-clock time for Retry-After dates


# --------------------------------------------------------------------------- helpers
def settings(**overrides: object) -> Settings:
    """Fast crawl settings (those of the simulator's ``local_settings``)."""
    return local_settings(**overrides)


class FakeTime:
    """A monotonic clock that only ``sleep`` moves; every sleep is recorded."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0, seconds
        self.sleeps.append(seconds)
        self.now += seconds

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Reply:
    """One scripted answer: a JSON ``body`` (or raw bytes), headers, a stall."""

    status: int = 200
    body: Any = field(default_factory=lambda: {"ok": True})
    headers: dict[str, str] = field(default_factory=dict)
    stall: float = 0.0

    def encode(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        return json.dumps(self.body).encode()


class ScriptedServer:
    """A 127.0.0.1 server answering each path with its scripted replies in turn
    (the last one repeats), recording the fake time of each request."""

    def __init__(self, fake: FakeTime) -> None:
        self.fake = fake
        self.script: dict[str, list[Reply]] = {}
        self.hits: dict[str, list[float]] = defaultdict(list)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    def url(self, path: str) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}{path}"

    def on(self, path: str, *replies: Reply) -> str:
        self.script[path] = list(replies)
        return self.url(path)

    def count(self, path: str) -> int:
        with self._lock:
            return len(self.hits[path])

    def gaps(self, path: str) -> list[float]:
        """Fake seconds between consecutive requests to ``path``."""
        with self._lock:
            times = list(self.hits[path])
        return [b - a for a, b in pairwise(times)]

    def __enter__(self) -> ScriptedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _next(self, path: str) -> Reply:
        with self._lock:
            self.hits[path].append(self.fake.now)
            n = len(self.hits[path])
        replies = self.script.get(path)
        if not replies:
            return Reply(404, {"error": "no script"})
        return replies[min(n, len(replies)) - 1]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()  # no Nagle: headers and body go out in two writes
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_GET(self) -> None:
                reply = server._next(urlsplit(self.path).path)
                if reply.stall:
                    time.sleep(reply.stall)
                body = reply.encode()
                try:
                    self.send_response(reply.status)
                    headers = {"Content-Type": "application/json", **reply.headers}
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client timed out and went away

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


@pytest.fixture
def fake() -> FakeTime:
    return FakeTime()


@pytest.fixture
def server(fake: FakeTime) -> Iterator[ScriptedServer]:
    with ScriptedServer(fake) as s:
        yield s


def client(fake: FakeTime, seed: int = 0, **overrides: object) -> HttpClient:
    return HttpClient(settings(**overrides), sleep=fake.sleep, clock=fake.clock, seed=seed)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


# --------------------------------------------------------------------------- throttle
def throttle(fake: FakeTime, **kw: Any) -> AdaptiveThrottle:
    args: dict[str, Any] = {"min_delay": 0.0, "max_delay": 60.0, "rpm": 0, "cooldown": 30.0}
    args.update(kw)
    return AdaptiveThrottle(clock=fake.clock, **args)


def test_throttle_starts_at_min_delay_and_paces_requests(fake: FakeTime) -> None:
    t = throttle(fake, min_delay=2.0)
    assert t.delay == 2.0
    assert t.acquire(fake.sleep) == 0.0  # the first request goes at once
    assert t.acquire(fake.sleep) == pytest.approx(2.0)
    fake.advance(0.5)
    assert t.acquire(fake.sleep) == pytest.approx(1.5)  # 2 s after the previous start
    fake.advance(5.0)
    assert t.acquire(fake.sleep) == 0.0
    assert fake.sleeps == pytest.approx([2.0, 1.5])


def test_delay_follows_latency_ewma(fake: FakeTime) -> None:
    t = throttle(fake)
    t.success(4.0)  # first latency: the average is that latency
    assert t.delay == pytest.approx(4.0)
    t.success(0.0)  # average 3.2, but the delay falls only by 10 %
    assert t.delay == pytest.approx(3.6)
    t.success(0.0)  # average 2.56; 0.9 * 3.6 = 3.24
    assert t.delay == pytest.approx(3.24)
    t.success(10.0)  # average 0.8 * 2.56 + 2 = 4.048 > 3.24: rises at once
    assert t.delay == pytest.approx(4.048)
    for _ in range(200):
        t.success(0.0)
    assert t.delay == pytest.approx(0.0, abs=1e-6)  # falls to min_delay in the end


def test_delay_falls_to_target_not_below(fake: FakeTime) -> None:
    t = throttle(fake)
    t.success(10.0)
    t.success(9.0)  # average 9.8 > 0.9 * 10: the delay falls to the target only
    assert t.delay == pytest.approx(9.8)


def test_delay_target_is_clipped_and_scaled(fake: FakeTime) -> None:
    t = throttle(fake, min_delay=1.0, max_delay=5.0, latency_factor=2.0)
    t.success(10.0)
    assert t.delay == 5.0
    t = throttle(fake, min_delay=1.0, max_delay=5.0, latency_factor=2.0)
    t.success(0.1)  # 2 * 0.1 < min_delay
    assert t.delay == 1.0
    t = throttle(fake, min_delay=0.0, max_delay=5.0, latency_factor=3.0)
    t.success(0.5)
    assert t.delay == pytest.approx(1.5)
    t.success(-1.0)  # a negative latency counts as 0: average 0.4
    assert t.delay == pytest.approx(1.35)


def test_delay_never_falls_within_cooldown_after_an_error(fake: FakeTime) -> None:
    t = throttle(fake, cooldown=30.0)
    t.success(4.0)
    t.failure()
    assert t.delay == pytest.approx(8.0)
    error_at = fake.now
    fake.advance(29.9)
    for _ in range(5):
        t.success(0.0)
    assert t.delay == pytest.approx(8.0)  # inside the cooldown: no fall
    t.success(100.0)  # ... but it still rises at once
    rising = t.delay
    assert rising > 8.0
    fake.now = error_at + 30.0  # the cooldown is over
    t.success(0.0)
    assert t.delay == pytest.approx(0.9 * rising)
    t.success(0.0)
    assert t.delay == pytest.approx(0.81 * rising)


def test_failure_doubles_the_delay_within_bounds(fake: FakeTime) -> None:
    t = throttle(fake, min_delay=0.5, max_delay=3.0)
    delays = []
    for _ in range(4):
        t.failure()
        delays.append(t.delay)
    assert delays == [1.0, 2.0, 3.0, 3.0]
    t = throttle(fake, min_delay=0.0, max_delay=3.0)
    t.failure()  # doubling 0 would never slow down: at least 0.05 s
    assert t.delay == 0.05
    t = throttle(fake, min_delay=0.0, max_delay=0.02)
    t.failure()  # ... but never above max_delay
    assert t.delay == 0.02


def test_retry_after_blocks_the_host(fake: FakeTime) -> None:
    t = throttle(fake)
    assert t.acquire(fake.sleep) == 0.0
    t.failure(retry_after=7.0)
    assert t.next_start() == pytest.approx(fake.now + 7.0)
    assert t.acquire(fake.sleep) == pytest.approx(7.0)
    # a shorter Retry-After does not shorten a block already in force
    start = fake.now
    t.failure(retry_after=10.0)
    t.failure(retry_after=2.0)
    assert t.next_start() == pytest.approx(start + 10.0)
    # no Retry-After (or 0): only the doubled delay
    t2 = throttle(fake)
    t2.acquire(fake.sleep)
    t2.failure(retry_after=0.0)
    t2.failure(retry_after=None)
    assert t2.acquire(fake.sleep) == pytest.approx(0.1)


def test_rpm_cap_waits_until_the_window_frees(fake: FakeTime) -> None:
    t = throttle(fake, rpm=3)
    t0 = fake.now
    waits = [t.acquire(fake.sleep)]
    fake.advance(10.0)
    waits.append(t.acquire(fake.sleep))
    fake.advance(10.0)
    waits.append(t.acquire(fake.sleep))  # starts at t0, t0 + 10, t0 + 20
    assert waits == [0.0, 0.0, 0.0]
    fake.advance(5.0)  # t0 + 25: the 4th request must wait for t0 + 60
    assert t.acquire(fake.sleep) == pytest.approx(35.0)
    assert fake.now == pytest.approx(t0 + 60.0)
    # now the window holds t0+10, t0+20, t0+60: the next may start at t0 + 70
    assert t.acquire(fake.sleep) == pytest.approx(10.0)
    assert t.acquire(fake.sleep) == pytest.approx(10.0)  # window t0+20, +60, +70 → t0 + 80
    fake.advance(200.0)
    assert t.acquire(fake.sleep) == 0.0
    assert fake.sleeps == pytest.approx([35.0, 10.0, 10.0])


def test_rpm_cap_counts_a_full_minute(fake: FakeTime) -> None:
    t = throttle(fake, rpm=2)
    t.acquire(fake.sleep)
    t.acquire(fake.sleep)
    fake.advance(59.999)
    assert t.acquire(fake.sleep) == pytest.approx(0.001)


def test_no_rpm_cap(fake: FakeTime) -> None:
    t = throttle(fake, rpm=0)
    assert sum(t.acquire(fake.sleep) for _ in range(500)) == 0.0
    assert fake.sleeps == []


@pytest.mark.parametrize(("lo", "hi"), [(-1.0, 5.0), (1.0, 0.0), (5.0, 1.0)])
def test_throttle_rejects_bad_delays(lo: float, hi: float) -> None:
    with pytest.raises(InputError, match="throttle delays"):
        AdaptiveThrottle(min_delay=lo, max_delay=hi)


# --------------------------------------------------------------------------- Retry-After
@pytest.mark.parametrize(
    ("value", "seconds"),
    [("7", 7.0), ("1.5", 1.5), (" 3 ", 3.0), ("0", 0.0), ("-4", 0.0)],
)
def test_retry_after_seconds(value: str, seconds: float) -> None:
    assert parse_retry_after({"retry-after": value}, now=NOW) == seconds


def test_retry_after_http_date() -> None:
    later = email.utils.formatdate(NOW + 120, usegmt=True)
    assert parse_retry_after({"retry-after": later}, now=NOW) == pytest.approx(120.0)
    earlier = email.utils.formatdate(NOW - 120, usegmt=True)
    assert parse_retry_after({"retry-after": earlier}, now=NOW) == 0.0


@pytest.mark.parametrize("zone", ["UTC", "Asia/Shanghai", "America/New_York"])
def test_retry_after_dates_are_utc_in_any_local_zone(
    zone: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """All three HTTP-date formats are UTC, including asctime's, which names no zone."""
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    try:
        later = time.gmtime(NOW + 120)
        for value in (
            email.utils.formatdate(NOW + 120, usegmt=True),  # IMF-fixdate
            time.strftime("%A, %d-%b-%y %H:%M:%S GMT", later),  # RFC 850
            time.asctime(later),  # asctime: no zone
            time.strftime("%a, %d %b %Y %H:%M:%S -0000", later),
        ):
            assert parse_retry_after({"retry-after": value}, now=NOW) == pytest.approx(120.0), value
    finally:
        monkeypatch.undo()
        time.tzset()


def test_x_rate_limit_reset() -> None:
    assert parse_retry_after({"x-rate-limit-reset": str(int(NOW) + 30)}, now=NOW) == 30.0
    assert parse_retry_after({"x-rate-limit-reset": str(int(NOW) - 30)}, now=NOW) == 0.0
    # Retry-After wins over the reset time; a garbage Retry-After falls back to it
    both = {"retry-after": "5", "x-rate-limit-reset": str(int(NOW) + 30)}
    assert parse_retry_after(both, now=NOW) == 5.0
    fallback = {"retry-after": "soon", "x-rate-limit-reset": str(int(NOW) + 30)}
    assert parse_retry_after(fallback, now=NOW) == 30.0


def test_retry_after_header_names_are_case_insensitive() -> None:
    assert parse_retry_after(httpx.Headers({"Retry-After": "5"}), now=NOW) == 5.0
    headers = httpx.Headers({"X-Rate-Limit-Reset": str(int(NOW) + 9)})
    assert parse_retry_after(headers, now=NOW) == 9.0


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"retry-after": ""},
        {"retry-after": "soon"},
        {"retry-after": "Wed, 99 Foo 2015"},
        {"retry-after": "inf"},
        {"retry-after": "nan"},
        {"retry-after": "1e999"},
        {"x-rate-limit-reset": "tomorrow"},
        {"x-rate-limit-reset": "inf"},
        {"x-rate-limit-reset": "nan"},
    ],
)
def test_garbage_is_none(headers: dict[str, str]) -> None:
    assert parse_retry_after(headers, now=NOW) is None


def test_retry_after_defaults_to_the_wall_clock() -> None:
    later = email.utils.formatdate(time.time() + 3600, usegmt=True)
    wait = parse_retry_after({"retry-after": later})
    assert wait is not None
    assert 3500 < wait <= 3600


# --------------------------------------------------------------------------- client
def test_success_after_two_retries(server: ScriptedServer, fake: FakeTime) -> None:
    url = server.on("/a", Reply(503), Reply(503), Reply(200, {"data": [1, 2]}))
    with client(fake) as http:
        fetched = http.request("GET", url, params={"page": 2})
    assert isinstance(fetched, Fetched)
    assert fetched.status == 200
    assert fetched.payload == {"data": [1, 2]}
    assert fetched.url == url + "?page=2"
    assert json.loads(fetched.text) == {"data": [1, 2]}
    assert server.count("/a") == 3
    assert http.stats.requests == 3
    assert http.stats.retries == 2
    assert http.stats.errors == {"Unavailable": 2}
    assert http.stats.bytes > 0
    assert http.stats.slept == pytest.approx(sum(fake.sleeps))


@pytest.mark.parametrize("status", [408, 500, 502, 504, 599])
def test_transient_statuses_are_retried(
    server: ScriptedServer, fake: FakeTime, status: int
) -> None:
    url = server.on("/t", Reply(status), Reply(200))
    with client(fake) as http:
        assert http.request("GET", url).payload == {"ok": True}
    assert server.count("/t") == 2
    assert http.stats.retries == 1


def test_429_waits_for_retry_after(server: ScriptedServer, fake: FakeTime) -> None:
    url = server.on("/r", Reply(429, headers={"Retry-After": "7"}), Reply(200))
    with client(fake) as http:  # backoff_max 0.01: the throttle's block does the waiting
        http.request("GET", url)
    assert server.count("/r") == 2
    assert server.gaps("/r") == [pytest.approx(7.0)]
    assert http.stats.errors == {"RateLimited": 1}
    assert http.stats.slept == pytest.approx(7.0)


def test_429_retry_after_with_jitter(server: ScriptedServer, fake: FakeTime) -> None:
    url = server.on("/r", Reply(429, headers={"Retry-After": "7"}), Reply(200))
    with client(fake, crawl_backoff_max=60.0) as http:
        http.request("GET", url)
    (gap,) = server.gaps("/r")
    assert 7.0 <= gap <= 7.7  # up to 10 % jitter on top


def test_503_with_retry_after_is_honoured(server: ScriptedServer, fake: FakeTime) -> None:
    url = server.on("/r", Reply(503, headers={"Retry-After": "4"}), Reply(200))
    with client(fake) as http:
        http.request("GET", url)
    assert server.gaps("/r") == [pytest.approx(4.0)]


def test_x_rate_limit_reset_is_honoured(server: ScriptedServer, fake: FakeTime) -> None:
    reset = str(int(time.time()) + 30)  # unix seconds: 29 to 30 s from now
    url = server.on("/r", Reply(429, headers={"x-rate-limit-reset": reset}), Reply(200))
    with client(fake) as http:
        http.request("GET", url)
    (gap,) = server.gaps("/r")
    assert 20.0 < gap <= 30.0


def test_other_4xx_is_retried_only_as_a_rate_limit_status(
    server: ScriptedServer, fake: FakeTime
) -> None:
    teapot = (Reply(418, {"error": "slow down"}), Reply(200))
    url = server.on("/plain", *teapot)
    with client(fake) as http, pytest.raises(InputError, match="HTTP 418"):
        http.request("GET", url)
    assert server.count("/plain") == 1
    url = server.on("/weibo", *teapot)
    with client(fake) as http:
        fetched = http.request("GET", url, rate_limit_statuses=frozenset({418}))
    assert fetched.payload == {"ok": True}
    assert server.count("/weibo") == 2
    assert http.stats.errors == {"RateLimited": 1}
    assert http.stats.retries == 1


def test_429_is_a_rate_limit_even_with_other_rate_limit_statuses(
    server: ScriptedServer, fake: FakeTime
) -> None:
    url = server.on("/r", Reply(429))
    with client(fake, crawl_retries=1) as http, pytest.raises(RateLimited):
        http.request("GET", url, rate_limit_statuses=frozenset({412}))
    assert server.count("/r") == 2


@pytest.mark.parametrize("status", [404, 410])
def test_not_found_is_not_retried(server: ScriptedServer, fake: FakeTime, status: int) -> None:
    url = server.on("/gone", Reply(status, {"error": "gone"}))
    with client(fake) as http, pytest.raises(NotFound, match=f"HTTP {status}"):
        http.request("GET", url)
    assert server.count("/gone") == 1
    assert http.stats.retries == 0
    assert http.stats.errors == {"NotFound": 1}


@pytest.mark.parametrize("status", [401, 403])
def test_access_denied_carries_the_auth_hint(
    server: ScriptedServer, fake: FakeTime, status: int
) -> None:
    url = server.on("/private", Reply(status, {"detail": "Unauthorized"}))
    with client(fake) as http:
        with pytest.raises(AccessDenied) as info:
            http.request("GET", url, auth_hint="set KOLGRAPH_X_BEARER_TOKEN")
        assert info.value.hint == "set KOLGRAPH_X_BEARER_TOKEN"
        assert f"HTTP {status}" in info.value.message
        assert "Unauthorized" in info.value.message  # the body says why
        with pytest.raises(AccessDenied) as info:
            http.request("GET", url)
        assert info.value.hint is not None
        assert "credentials" in info.value.hint
    assert server.count("/private") == 2  # once per call: never retried
    assert http.stats.retries == 0


def test_bad_request_is_an_input_error_without_retry(
    server: ScriptedServer, fake: FakeTime
) -> None:
    url = server.on("/bad", Reply(400, {"title": "Invalid Request"}))
    with client(fake) as http, pytest.raises(InputError, match="Invalid Request") as info:
        http.request("GET", url)
    assert not isinstance(info.value, BadPage)
    assert server.count("/bad") == 1
    assert http.stats.retries == 0


def test_non_json_is_a_bad_page_with_the_body(server: ScriptedServer, fake: FakeTime) -> None:
    html = b"<html><body>502 Bad Gateway</body></html>"
    url = server.on("/html", Reply(200, html, {"Content-Type": "text/html"}))
    with client(fake) as http, pytest.raises(BadPage) as info:
        http.request("GET", url)
    assert info.value.raw == html.decode()
    assert info.value.url == url
    assert "not JSON" in info.value.message
    assert server.count("/html") == 1
    assert http.stats.errors == {"BadPage": 1}


def test_truncated_json_is_a_bad_page(server: ScriptedServer, fake: FakeTime) -> None:
    url = server.on("/cut", Reply(200, b'{"data": [1, 2'))
    with client(fake) as http, pytest.raises(BadPage) as info:
        http.request("GET", url)
    assert info.value.raw == '{"data": [1, 2'


def test_check_rate_limited_is_retried(server: ScriptedServer, fake: FakeTime) -> None:
    url = server.on("/biz", Reply(200, {"code": -412}), Reply(200, {"code": 0}))
    seen: list[Any] = []

    def check(fetched: Fetched) -> None:
        seen.append(fetched.payload["code"])
        if fetched.payload["code"] != 0:
            raise RateLimited("code -412", retry_after=3.0)

    with client(fake) as http:
        fetched = http.request("GET", url, check=check)
    assert fetched.payload == {"code": 0}
    assert seen == [-412, 0]
    assert server.gaps("/biz") == [pytest.approx(3.0)]
    assert http.stats.retries == 1
    assert http.stats.errors == {"RateLimited": 1}


def test_check_other_errors_are_not_retried(server: ScriptedServer, fake: FakeTime) -> None:
    url = server.on("/biz", Reply(200, {"code": -101}))

    def check(fetched: Fetched) -> None:
        raise AccessDenied("code -101: not logged in")

    with client(fake) as http, pytest.raises(AccessDenied, match="-101"):
        http.request("GET", url, check=check)
    assert server.count("/biz") == 1


def test_exhausted_retries_raise_unavailable(server: ScriptedServer, fake: FakeTime) -> None:
    url = server.on("/down", Reply(500, {"error": "boom"}))
    with client(fake, crawl_retries=3) as http, pytest.raises(Unavailable, match="HTTP 500"):
        http.request("GET", url)
    assert server.count("/down") == 4
    assert http.stats.requests == 4
    assert http.stats.retries == 3
    assert http.stats.errors == {"Unavailable": 4}


def test_no_retries(server: ScriptedServer, fake: FakeTime) -> None:
    url = server.on("/down", Reply(503))
    with client(fake, crawl_retries=0) as http, pytest.raises(Unavailable):
        http.request("GET", url)
    assert server.count("/down") == 1


def test_exhausted_rate_limits_raise_the_last_rate_limited(
    server: ScriptedServer, fake: FakeTime
) -> None:
    url = server.on("/slow", Reply(429, headers={"Retry-After": "2"}))
    with client(fake, crawl_retries=2) as http, pytest.raises(RateLimited) as info:
        http.request("GET", url)
    assert info.value.retry_after == 2.0
    assert server.count("/slow") == 3
    assert server.gaps("/slow") == [pytest.approx(2.0), pytest.approx(2.0)]


def test_read_timeout_is_retried_then_unavailable(server: ScriptedServer, fake: FakeTime) -> None:
    url = server.on("/stall", Reply(200, stall=0.3))
    with (
        client(fake, crawl_timeout=0.1, crawl_retries=1) as http,
        pytest.raises(Unavailable, match="Timeout") as info,
    ):
        http.request("GET", url)
    assert info.value.hint is not None
    assert "KOLGRAPH_CRAWL_TIMEOUT" in info.value.hint
    assert server.count("/stall") == 2
    assert http.stats.retries == 1


def test_timeout_then_success(server: ScriptedServer, fake: FakeTime) -> None:
    url = server.on("/stall", Reply(200, stall=0.3), Reply(200, {"late": False}))
    with client(fake, crawl_timeout=0.1) as http:
        assert http.request("GET", url).payload == {"late": False}
    assert server.count("/stall") == 2


def test_connection_refused_is_unavailable(fake: FakeTime) -> None:
    url = f"http://127.0.0.1:{free_port()}/nobody"
    with client(fake, crawl_retries=2) as http, pytest.raises(Unavailable, match="ConnectError"):
        http.request("GET", url)
    assert http.stats.requests == 3
    assert http.stats.errors == {"Unavailable": 3}


def test_undecodable_body_is_retried_as_unavailable(server: ScriptedServer, fake: FakeTime) -> None:
    """A body whose Content-Encoding cannot be decoded is a typed, transient error."""
    broken = Reply(200, b"this is not gzip", {"Content-Encoding": "gzip"})
    url = server.on("/gz", broken, Reply(200, {"ok": 1}))
    with client(fake) as http:
        assert http.request("GET", url).payload == {"ok": 1}
    assert server.count("/gz") == 2
    with client(fake, crawl_retries=1) as http, pytest.raises(Unavailable):
        http.request("GET", server.on("/gz2", broken))
    assert server.count("/gz2") == 2


def test_backoff_grows_exponentially_with_jitter_and_is_capped(
    server: ScriptedServer, fake: FakeTime
) -> None:
    url = server.on("/down", Reply(500))
    with (
        client(fake, seed=11, crawl_backoff=1.0, crawl_backoff_max=5.0, crawl_retries=6) as http,
        pytest.raises(Unavailable),
    ):
        http.request("GET", url)
    gaps = server.gaps("/down")
    caps = [1.0, 2.0, 4.0, 5.0, 5.0, 5.0]
    assert len(gaps) == len(caps)
    for gap, cap in zip(gaps, caps, strict=True):
        assert 0.5 * cap <= gap <= cap
    # exactly "equal jitter" with the seeded generator
    rng = random.Random(11)
    assert gaps == pytest.approx([cap * (0.5 + 0.5 * rng.random()) for cap in caps])


def test_backoff_function(fake: FakeTime) -> None:
    with client(fake, seed=5, crawl_backoff=2.0, crawl_backoff_max=100.0) as http:
        for attempt in range(1, 12):
            cap = min(100.0, 2.0 * 2 ** (attempt - 1))
            assert 0.5 * cap <= http.backoff(attempt, None) <= cap
        for _ in range(20):
            assert 7.0 <= http.backoff(1, 7.0) <= 7.7
        assert http.backoff(1, 1000.0) == 100.0  # Retry-After is capped too
        assert http.backoff(1, 0.0) == 0.0
        # a huge retry budget ("retry for ever") must not overflow
        assert 50.0 <= http.backoff(5000, None) <= 100.0


def test_same_seed_same_backoff(fake: FakeTime) -> None:
    with client(fake, seed=3, crawl_backoff=1.0) as a, client(fake, seed=3, crawl_backoff=1.0) as b:
        assert [a.backoff(n, None) for n in range(1, 8)] == [
            b.backoff(n, None) for n in range(1, 8)
        ]


def test_one_throttle_per_host(server: ScriptedServer, fake: FakeTime) -> None:
    with client(fake, crawl_min_delay=0.5, crawl_max_delay=5.0, crawl_rpm=30) as http:
        a = http.throttle("example.com:443")
        assert http.throttle("example.com:443") is a
        assert http.throttle("example.org:443") is not a
        assert (a.min_delay, a.max_delay, a.rpm) == (0.5, 5.0, 30)
        url = server.on("/p", Reply(200))
        http.request("GET", url)
        http.request("GET", url)
        host = httpx.URL(url).netloc.decode()
        assert http.throttle(host).delay == 0.5
    assert server.gaps("/p") == [pytest.approx(0.5)]  # the second waited for min_delay


def test_failures_slow_the_host_down(server: ScriptedServer, fake: FakeTime) -> None:
    url = server.on("/p", Reply(500), Reply(500), Reply(200))
    with client(fake, crawl_max_delay=10.0) as http:
        http.request("GET", url)
        host = httpx.URL(url).netloc.decode()
        assert http.throttle(host).delay == pytest.approx(0.1)  # 0.05, doubled


def test_sends_user_agent_and_headers(fake: FakeTime) -> None:
    got: dict[str, str] = {}

    class Echo(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            got.update({k.lower(): v for k, v in self.headers.items()})
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    srv.daemon_threads = True
    th = threading.Thread(target=srv.serve_forever, args=(0.01,), daemon=True)
    th.start()
    try:
        host, port = srv.server_address[:2]
        with client(fake) as http:
            http.request("GET", f"http://{host!s}:{port}/", headers={"Authorization": "Bearer t"})
    finally:
        srv.shutdown()
        srv.server_close()
    assert got["user-agent"].startswith("kolgraph/")
    assert got["authorization"] == "Bearer t"
    assert got["accept"] == "application/json"


def test_stats_as_dict(server: ScriptedServer, fake: FakeTime) -> None:
    replies = (Reply(503, {"error": "busy"}), Reply(200, {"x": 1}))
    url = server.on("/s", *replies)
    with client(fake) as http:
        http.request("GET", url)
    d = http.stats.as_dict()
    assert d["requests"] == 2
    assert d["retries"] == 1
    assert d["errors"] == {"Unavailable": 1}
    assert d["bytes"] == sum(len(r.encode()) for r in replies)
    assert d["slept"] == round(http.stats.slept, 3)
    assert d["slept"] > 0
    json.dumps(d)  # plain values


def test_a_throttle_code_sent_with_403_is_retried(server: ScriptedServer, fake: FakeTime) -> None:
    url = server.on("/w", Reply(403, {"ok": 0, "errno": "100005"}), Reply(200, {"ok": 1}))

    def check(fetched: Fetched) -> None:
        if fetched.payload.get("errno") == "100005":
            raise RateLimited("errno 100005: too frequent", retry_after=2.0)

    with client(fake) as http:
        assert http.request("GET", url, check=check).payload == {"ok": 1}
    assert server.count("/w") == 2
    assert server.gaps("/w") == [pytest.approx(2.0, rel=0.11)]


def test_an_unknown_body_with_403_is_still_access_denied(
    server: ScriptedServer, fake: FakeTime
) -> None:
    url = server.on("/w", Reply(403, {"something": "else"}))

    def check(fetched: Fetched) -> None:
        raise ParseError("no 'ok' field")

    with client(fake) as http, pytest.raises(AccessDenied, match="HTTP 403"):
        http.request("GET", url, check=check, auth_hint="set the cookie")
    assert server.count("/w") == 1


def test_extra_auth_statuses(server: ScriptedServer, fake: FakeTime) -> None:
    url = server.on("/w", Reply(432, b"blocked"))
    with client(fake) as http:
        with pytest.raises(InputError) as plain:
            http.request("GET", url)
        assert not isinstance(plain.value, AccessDenied)
        with pytest.raises(AccessDenied, match="HTTP 432"):
            http.request("GET", url, auth_statuses=frozenset({401, 403, 432}))


def test_a_spent_quota_behind_a_429_is_not_retried(server: ScriptedServer, fake: FakeTime) -> None:
    capped = {"title": "UsageCapExceeded", "type": "https://api.x.com/2/problems/usage-capped"}
    url = server.on("/q", Reply(429, capped), Reply(200, {"data": []}))
    plain = server.on("/p", Reply(429, {"title": "Too Many Requests"}), Reply(200, {"ok": 1}))

    def check(fetched: Fetched) -> None:
        if "usage-capped" in str(fetched.payload.get("type")):
            raise QuotaExceeded("monthly cap spent")
        if fetched.status == 429:
            raise RateLimited("slow down")

    with client(fake) as http:
        with pytest.raises(QuotaExceeded, match="monthly cap"):
            http.request("GET", url, check=check)
        assert http.request("GET", plain, check=check).payload == {"ok": 1}
    assert server.count("/q") == 1  # not retried
    assert server.count("/p") == 2  # an ordinary 429 still is
