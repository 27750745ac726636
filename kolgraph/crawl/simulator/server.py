"""A local HTTP server that plays the platforms, with injectable faults.

:class:`Simulator` serves the endpoints of the platforms it is given (each
adapter's ``sim.py``; :data:`kolgraph.crawl.simulator.app.PLATFORMS` holds
them all) from one :class:`~kolgraph.crawl.simulator.network.SimNetwork` on
127.0.0.1. With ``fault_rate > 0`` each platform request fails, with that
probability, in one of the ways real platforms fail:

``429``
    The platform's "slow down" answer (HTTP 429 with ``Retry-After``, or the
    platform's own equivalent, e.g. Bilibili's code -412).
``500`` / ``503``
    Server errors.
``timeout``
    The server stalls ``stall`` seconds before answering 504.
``truncated``
    HTTP 200 with the real JSON body cut short.
``malformed``
    HTTP 200 with an HTML error page instead of JSON.
``expired``
    The platform's "credentials expired" answer (not in the default mix: a
    crawl cannot recover from it without new credentials).

The fault draw is seeded, so a single-threaded crawl meets the same faults
in the same places every time. ``GET /__sim/stats`` returns request and
fault counters (never faulted).
"""

from __future__ import annotations

import random
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from kolgraph.crawl.simulator.network import SimNetwork
from kolgraph.crawl.simulator.routes import Route, SimPlatform, SimRequest, SimResponse
from kolgraph.errors import InputError

__all__ = ["DEFAULT_FAULTS", "FAULT_KINDS", "Simulator"]

FAULT_KINDS = ("429", "500", "503", "timeout", "truncated", "malformed", "expired")
DEFAULT_FAULTS = ("429", "500", "503", "timeout", "truncated", "malformed")


class Simulator:
    """Serve the platforms' endpoints from a seeded network on 127.0.0.1.

    Parameters
    ----------
    network
        The network to serve.
    platforms
        The platforms to play (each a :class:`~kolgraph.crawl.simulator.routes.SimPlatform`,
        e.g. :data:`kolgraph.crawl.simulator.app.PLATFORMS` for all of them).
    host, port
        Where to listen; port 0 picks a free port (see :attr:`url`).
    fault_rate
        Probability that a platform request fails.
    faults
        Which faults to draw from (uniformly); see the module docstring.
    seed
        Seed of the fault draw.
    retry_after
        Seconds announced by a 429.
    stall
        Seconds a ``timeout`` fault stalls before answering 504.
    latency
        Seconds every request takes (a sleep), to simulate a real host.
    """

    def __init__(
        self,
        network: SimNetwork,
        platforms: Iterable[SimPlatform],
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        fault_rate: float = 0.0,
        faults: Iterable[str] = DEFAULT_FAULTS,
        seed: int = 0,
        retry_after: float = 1.0,
        stall: float = 5.0,
        latency: float = 0.0,
    ) -> None:
        if not 0.0 <= fault_rate <= 1.0:
            raise InputError(f"fault rate must be in [0, 1], got {fault_rate}")
        self.faults = tuple(faults)
        bad = sorted(set(self.faults) - set(FAULT_KINDS))
        if bad or not self.faults:
            raise InputError(
                f"unknown fault kinds {bad}" if bad else "no fault kinds given",
                hint=f"choose from {', '.join(FAULT_KINDS)}",
            )
        self.network = network
        self.fault_rate = float(fault_rate)
        self.retry_after = float(retry_after)
        self.stall = float(stall)
        self.latency = float(latency)
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self.counts: Counter[str] = Counter()
        self._routes: list[tuple[SimPlatform, Route]] = [
            (p, r) for p in platforms for r in p.routes()
        ]
        self._server = ThreadingHTTPServer((host, port), self._handler_class())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None
        self._serving = False  # shutdown() of a server that never served waits for ever

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    # lifecycle -----------------------------------------------------------------
    def start(self) -> Simulator:
        """Serve in a background thread; returns ``self``."""
        self._serving = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until :meth:`stop` (or Ctrl-C)."""
        self._serving = True
        self._server.serve_forever()

    def stop(self) -> None:
        if self._serving:
            self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # dispatch ------------------------------------------------------------------
    def _draw_fault(self) -> str | None:
        with self._lock:
            self.counts["requests"] += 1
            if self.fault_rate and self._rng.random() < self.fault_rate:
                kind = self._rng.choice(self.faults)
                self.counts[f"fault:{kind}"] += 1
                return kind
            return None

    def handle(self, req: SimRequest) -> tuple[SimResponse, float]:
        """Answer one request: ``(response, seconds to stall before sending)``."""
        if req.path == "/__sim/stats":
            with self._lock:
                return SimResponse(body=dict(self.counts)), 0.0
        for platform, route in self._routes:
            m = route.pattern.fullmatch(req.path)
            if m is None:
                continue
            fault = self._draw_fault()
            if fault == "expired" or not platform.authorized(req):
                return platform.expired(), 0.0
            if fault == "429":
                return platform.rate_limited(self.retry_after), 0.0
            if fault in ("500", "503"):
                return SimResponse(int(fault), {"error": "server error"}), 0.0
            if fault == "timeout":
                return SimResponse(504, {"error": "gateway timeout"}), self.stall
            if fault == "malformed":
                raw = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
                return SimResponse(200, raw=raw, headers={"Content-Type": "text/html"}), 0.0
            resp = route.handler(self.network, req, m)
            if fault == "truncated":
                body = resp.encode()
                resp = SimResponse(resp.status, raw=body[: max(1, len(body) // 2)])
            return resp, 0.0
        with self._lock:
            self.counts["not_found"] += 1
        return SimResponse(404, {"error": f"no route for {req.path}"}), 0.0

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        sim = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                # headers and body go out in two writes: without this, Nagle's algorithm
                # and delayed ACKs add ~40 ms to every response
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                req = SimRequest(
                    method="GET",
                    path=parts.path,
                    query=dict(parse_qsl(parts.query, keep_blank_values=True)),
                    headers={k.lower(): v for k, v in self.headers.items()},
                )
                resp, stall = sim.handle(req)
                if sim.latency:
                    time.sleep(sim.latency)
                if stall:
                    time.sleep(stall)
                body = resp.encode()
                try:
                    self.send_response(resp.status)
                    headers = {"Content-Type": "application/json; charset=utf-8", **resp.headers}
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout fault)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return _Handler
