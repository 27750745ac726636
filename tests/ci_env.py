"""Whether the suite runs in CI, where a tool that cannot be set up is a failure, not a skip."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def in_ci() -> bool:
    """``True`` when ``CI`` is set to a true value (as CI services do)."""
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def skip_or_fail(reason: str) -> NoReturn:
    """Skip with ``reason`` on a developer's machine; fail with it under ``CI=true``."""
    if in_ci():
        pytest.fail(f"CI=true and this test cannot run: {reason}", pytrace=False)
    pytest.skip(reason)
