"""The plan report in a real browser: the file opened from disk and the page the API serves.

Debian's ``/usr/bin/chromium`` is driven by Playwright (no browser is downloaded). Each page
must load with no console error, no page error, no dialog and no request leaving it; every
chart must have drawn its marks; the numbers the page carries must be the plan's. A
full-page screenshot is written to ``tests/.artifacts/report.png``.

Skips with a reason when Chromium or Playwright is missing (a failure under ``CI=true``).
"""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from ci_env import headless_chromium

from kolgraph.report import write_plan_html
from kolgraph.schemas.plans import PlanResponse
from kolgraph.settings import Settings
from kolgraph.store import SQLiteStore

from .conftest import HOSTILE, HOSTILE_KEY, ReportWorld

ARTIFACTS = Path(__file__).resolve().parents[1] / ".artifacts"
BARS = "g.trace.bars g.point path"
#: chart id → (selector of its drawn marks, at least this many of them)
MARKS: dict[str, tuple[str, int]] = {
    "chart-timeline": (BARS, 4),
    "chart-budget-curve": ("g.trace.scatter path.point", 2),
    "chart-overlap": ("g.hm image", 1),
    "chart-communities": (BARS, 2),
    "chart-frequency": (BARS, 1),
    "chart-forecast": ("g.errorbar path", 2),
}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium (Debian's), shared by the module."""
    yield from headless_chromium()


@dataclass
class Watch:
    """What a page did besides drawing: console errors, page errors, dialogs, requests."""

    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


@pytest.fixture
def page(browser: Any) -> Iterator[tuple[Any, Watch]]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = ctx.new_page()
    watch = Watch()
    pg.on("console", lambda m: watch.errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: watch.errors.append(str(e)))

    def dialog(d: Any) -> None:
        watch.dialogs.append(d.message)
        d.dismiss()

    pg.on("dialog", dialog)
    pg.on("request", lambda r: watch.requests.append(r.url))
    try:
        yield pg, watch
    finally:
        ctx.close()


@pytest.fixture(scope="module")
def server(report_world: ReportWorld) -> Iterator[str]:
    """The real API app under uvicorn on 127.0.0.1, on a free port, in a thread."""
    import uvicorn

    from kolgraph.api.app import create_app

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    app = create_app(Settings(db=report_world.db))
    srv = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not srv.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=10)
        sock.close()


def _plan(world: ReportWorld, plan_id: str) -> PlanResponse:
    with SQLiteStore(world.db) as st:
        return PlanResponse.model_validate(st.get_plan(plan_id).body)


def _check_drawn(pg: Any, charts: list[str]) -> None:
    for chart in charts:
        selector, at_least = MARKS[chart]
        pg.wait_for_selector(
            f"#{chart}.js-plotly-plot {selector}", state="attached", timeout=15_000
        )
        drawn = pg.locator(f"#{chart} {selector}").count()
        assert drawn >= at_least, (chart, drawn)
    assert pg.locator(".js-plotly-plot").count() == len(charts)


def _check_numbers(pg: Any, doc: PlanResponse) -> None:
    values = pg.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('#summary [data-field]')]
              .map(e => [e.dataset.field, e.dataset.value]))"""
    )
    assert float(values["budget"]) == doc.budget
    assert float(values["spent"]) == doc.spent
    assert int(values["unique_reach"]) == doc.unique_reach
    assert int(values["target_size"]) == doc.target_size
    assert int(values["accounts"]) == len(doc.accounts)
    if doc.target is not None:
        assert float(values["target_coverage"]) == doc.target.coverage
    if doc.forecast is not None:
        mv = doc.forecast.moved_users
        assert float(values["forecast_expected"]) == mv.expected
        assert (float(values["forecast_low"]), float(values["forecast_high"])) == (mv.low, mv.high)
    rows = pg.evaluate(
        """() => [...document.querySelectorAll('#account-table tbody tr')].map(tr => [
              tr.dataset.key,
              tr.querySelector('[data-field=cost]').dataset.value,
              tr.querySelector('[data-field=marginal_reach]').dataset.value,
              tr.querySelector('.name').textContent])"""
    )
    assert [r[0] for r in rows] == [a.key for a in doc.accounts]
    for (_, cost, reach, name), a in zip(rows, doc.accounts, strict=True):
        assert (float(cost), int(reach), name) == (a.cost, a.marginal_reach, a.name)


def test_report_file_opens_offline_and_draws_every_chart(
    page: tuple[Any, Watch], report_world: ReportWorld, tmp_path: Path
) -> None:
    pg, watch = page
    doc = _plan(report_world, report_world.forecast)
    path = tmp_path / "report.html"
    with SQLiteStore(report_world.db) as st:
        write_plan_html(st, doc.id, path)
    pg.goto(path.as_uri(), wait_until="load")
    _check_drawn(pg, list(MARKS))
    _check_numbers(pg, doc)
    # the hostile name is shown as text, in the table and on the chart axes, and never runs
    assert HOSTILE in [a.name for a in doc.accounts if a.key == HOSTILE_KEY]
    assert pg.locator("#chart-overlap text", has_text="<script>").count() >= 1
    assert watch.dialogs == []
    assert watch.errors == []
    assert [u for u in watch.requests if not u.startswith(("file:", "data:", "blob:"))] == []
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)


def test_report_served_by_the_api(
    page: tuple[Any, Watch], report_world: ReportWorld, server: str
) -> None:
    pg, watch = page
    doc = _plan(report_world, report_world.plain)  # made without a budget curve
    url = f"{server}/v1/plans/{doc.id}/report.html"
    response = pg.goto(url, wait_until="load")
    assert response is not None and response.status == 200
    _check_drawn(pg, ["chart-timeline", "chart-overlap", "chart-communities", "chart-frequency"])
    _check_numbers(pg, doc)
    assert pg.locator("#no-budget-curve").is_visible()
    assert "--budget-curve LOW..HIGH:STEP" in pg.locator("#no-budget-curve").inner_text()
    assert watch.errors == [] and watch.dialogs == []
    assert [u for u in watch.requests if u != url] == []


def test_unknown_plan_over_http(server: str) -> None:
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(f"{server}/v1/plans/pl-nope/report.html", timeout=10)
    assert err.value.code == 404
    assert json.loads(err.value.read())["error"]["code"] == "not_found"
