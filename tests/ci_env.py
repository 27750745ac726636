"""Whether the suite runs in CI, where a tool that cannot be set up is a failure, not a skip;
and the headless browser the browser tests share."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest


def in_ci() -> bool:
    """``True`` when ``CI`` is set to a true value (as CI services do)."""
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def skip_or_fail(reason: str) -> NoReturn:
    """Skip with ``reason`` on a developer's machine; fail with it under ``CI=true``."""
    if in_ci():
        pytest.fail(f"CI=true and this test cannot run: {reason}", pytrace=False)
    pytest.skip(reason)


#: Debian's Chromium, driven by Playwright (never ``playwright install``: no download here).
CHROMIUM = "/usr/bin/chromium"


def headless_chromium() -> Iterator[Any]:
    """A headless Debian Chromium for a fixture to yield from, closed afterwards.

    Skips (fails under ``CI=true``) without Debian's chromium or without Playwright.
    """
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        skip_or_fail(f"Debian's chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()
