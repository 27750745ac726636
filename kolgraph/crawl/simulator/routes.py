"""What a simulated platform is made of: requests, responses and routes.

A platform's ``sim.py`` (e.g. :mod:`kolgraph.crawl.weibo.sim`) provides a
:class:`SimPlatform`: its :class:`Route` table (a path pattern and a
:data:`Handler` each) and its way of refusing credentials and saying "too
many requests". The :class:`~kolgraph.crawl.simulator.server.Simulator` is
given these platforms and dispatches requests to their routes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from kolgraph.crawl.simulator.network import SimNetwork

__all__ = ["Handler", "Route", "SimPlatform", "SimRequest", "SimResponse"]


@dataclass(frozen=True, slots=True)
class SimRequest:
    """A request as a route sees it: query values are the first of each name."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]

    def int_arg(self, name: str, default: int) -> int:
        """The query value ``name`` as an integer; ``default`` when absent or not a number."""
        try:
            return int(self.query.get(name, default))
        except ValueError:
            return default


@dataclass(slots=True)
class SimResponse:
    """A JSON (``body``) or raw (``raw``) answer."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None

    def encode(self) -> bytes:
        """The response body as bytes: ``raw`` if set, else ``body`` as compact JSON."""
        if self.raw is not None:
            return self.raw
        return json.dumps(self.body, ensure_ascii=False, separators=(",", ":")).encode()


#: A route's handler: the network, the request and the match of the route's pattern.
Handler = Callable[[SimNetwork, SimRequest, "re.Match[str]"], SimResponse]


@dataclass(frozen=True, slots=True)
class Route:
    """``GET`` requests whose path fully matches ``pattern`` go to ``handler``."""

    pattern: re.Pattern[str]
    handler: Handler


class SimPlatform(Protocol):
    """What an adapter's ``sim.py`` provides to the simulator."""

    name: str

    def routes(self) -> Iterable[Route]:
        """The platform's endpoints."""
        ...

    def authorized(self, req: SimRequest) -> bool:
        """Whether the request carries acceptable credentials (the literal
        credential ``expired`` must be refused)."""
        ...

    def rate_limited(self, retry_after: float) -> SimResponse:
        """How the platform says "too many requests"."""
        ...

    def expired(self) -> SimResponse:
        """How the platform answers a request with expired credentials."""
        ...
