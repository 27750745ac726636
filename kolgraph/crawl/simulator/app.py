"""Every platform the simulator plays: pass :data:`PLATFORMS` to a
:class:`~kolgraph.crawl.simulator.server.Simulator` to serve Weibo, X and
Bilibili at once."""

from __future__ import annotations

from kolgraph.crawl.bilibili.sim import SIM as BILIBILI
from kolgraph.crawl.simulator.routes import SimPlatform
from kolgraph.crawl.weibo.sim import SIM as WEIBO
from kolgraph.crawl.x.sim import SIM as X

__all__ = ["PLATFORMS"]

#: The simulated Weibo, X and Bilibili, in the order their routes are matched.
PLATFORMS: tuple[SimPlatform, ...] = (WEIBO, X, BILIBILI)
