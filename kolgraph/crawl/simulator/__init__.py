"""A local platform simulator for tests, demos and benchmarks."""

from __future__ import annotations

from typing import Any

from kolgraph.settings import Settings

__all__ = ["local_settings"]


def local_settings(**overrides: Any) -> Settings:
    """Settings for crawling a simulator on 127.0.0.1: no pacing, quick retries,
    placeholder credentials (the simulator accepts any). ``overrides`` win."""
    values: dict[str, Any] = {
        "crawl_rpm": 0,
        "crawl_min_delay": 0.0,
        "crawl_max_delay": 0.02,
        "crawl_timeout": 2.0,
        "crawl_retries": 8,
        "crawl_backoff": 0.001,
        "crawl_backoff_max": 0.01,
        "weibo_cookie": "SUB=simulator",
        "x_bearer_token": "simulator",
        "bilibili_cookie": "SESSDATA=simulator",
    }
    values.update(overrides)
    return Settings(**values)
