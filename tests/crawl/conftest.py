"""Crawl fixtures: a seeded platform simulator on 127.0.0.1 and fast HTTP settings."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from kolgraph.crawl.http import HttpClient
from kolgraph.crawl.simulator import local_settings
from kolgraph.crawl.simulator.app import PLATFORMS
from kolgraph.crawl.simulator.network import SimNetwork
from kolgraph.crawl.simulator.server import Simulator
from kolgraph.settings import Settings

SIM_ACCOUNTS = 400
SIM_SEED = 3


def fast_settings(**overrides: object) -> Settings:
    """Settings for crawling a local simulator: no throttle, quick retries."""
    return local_settings(**overrides)


@pytest.fixture(scope="session")
def sim_network() -> SimNetwork:
    """A seeded 400-account network (the same in every test)."""
    return SimNetwork(SIM_ACCOUNTS, seed=SIM_SEED)


@pytest.fixture
def simulator(sim_network: SimNetwork) -> Iterator[Simulator]:
    """A fault-free simulator serving :func:`sim_network` on a free port."""
    with Simulator(sim_network, PLATFORMS, retry_after=0.0, stall=0.5) as sim:
        yield sim


@pytest.fixture
def http() -> Iterator[HttpClient]:
    """An :class:`HttpClient` with :func:`fast_settings`."""
    with HttpClient(fast_settings(), seed=0) as client:
        yield client


@pytest.fixture
def settings_for() -> Callable[..., Settings]:
    """:func:`fast_settings` as a fixture (test modules cannot import conftest)."""
    return fast_settings
