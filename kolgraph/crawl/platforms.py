"""The platform adapters kolgraph can crawl, by name."""

from __future__ import annotations

import importlib

from kolgraph.crawl.adapter import Platform
from kolgraph.errors import InputError

__all__ = ["PLATFORM_NAMES", "get_platform"]

PLATFORM_NAMES = ("weibo", "x", "bilibili")


def get_platform(name: str) -> Platform:
    """The :class:`~kolgraph.crawl.adapter.Platform` of ``name`` (weibo, x or bilibili)."""
    if name not in PLATFORM_NAMES:
        raise InputError(
            f"no crawler for platform {name!r}",
            hint=f"choose one of {', '.join(PLATFORM_NAMES)}",
        )
    platform: Platform = importlib.import_module(f"kolgraph.crawl.{name}").PLATFORM
    return platform
