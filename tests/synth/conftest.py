"""Generator fixtures: one seeded 20,000-account network shared by the tests."""

from __future__ import annotations

import pytest

from kolgraph.synth import DemoNetwork, generate_demo

from .helpers import N


@pytest.fixture(scope="session")
def net() -> DemoNetwork:
    return generate_demo(N, seed=11)
