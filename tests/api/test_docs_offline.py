"""``/docs`` (Swagger UI) and ``/redoc`` work with no network: their bundles come from the package.

The browser test loads both pages from a real uvicorn on 127.0.0.1 in Debian's
``/usr/bin/chromium`` (driven by Playwright, no browser downloaded) with every
request to any other host aborted, and checks that the UI drew the API's
operations. It skips with a reason when Chromium or Playwright is missing (a
failure under ``CI=true``).
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest
from ci_env import headless_chromium
from fastapi.testclient import TestClient

from kolgraph.api.app import create_app
from kolgraph.api.docs import ASSETS, docs_assets_dir, redoc_bundle

if TYPE_CHECKING:
    from conftest import World

#: Every URL an HTML page loads a script, stylesheet, icon or frame from.
_LOADED = re.compile(r"""<(?:script|link|img|iframe)\b[^>]*?\b(?:src|href)\s*=\s*["']([^"']+)""")


def test_docs_pages_reference_only_the_server(client: TestClient) -> None:
    for page, bundles in (
        ("/docs", {"swagger-ui-bundle.js", "swagger-ui.css", "favicon.png"}),
        ("/redoc", {"redoc.standalone.js", "favicon.png"}),
    ):
        r = client.get(page)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
        assert not re.search(r"https?://", r.text), page  # no CDN, no web fonts, no validator
        loaded = _LOADED.findall(r.text)
        assert {u.rsplit("/", 1)[-1] for u in loaded} == bundles, (page, loaded)
        assert all(u.startswith(f"{ASSETS}/") for u in loaded), (page, loaded)
        assert "/openapi.json" in r.text
        for url in loaded:
            asset = client.get(url)
            assert asset.status_code == 200 and len(asset.content) > 1000, url
            name = url.rsplit("/", 1)[-1]
            if name == "redoc.standalone.js":  # served without its one CDN image
                assert asset.content == redoc_bundle() and b"cdn.redoc.ly" not in asset.content
            else:
                assert asset.content == (docs_assets_dir() / name).read_bytes()
    types = {
        "swagger-ui-bundle.js": "javascript",
        "redoc.standalone.js": "javascript",
        "swagger-ui.css": "text/css",
    }
    for name, kind in types.items():
        assert kind in client.get(f"{ASSETS}/{name}").headers["content-type"]
    assert client.get(f"{ASSETS}/../../pyproject.toml").status_code == 404
    assert client.get("/docs/oauth2-redirect").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert not [p for p in paths if p.startswith(("/docs", "/redoc"))]


# ----------------------------------------------------------------------------- in a browser
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium (Debian's), shared by the module."""
    yield from headless_chromium()


@pytest.fixture(scope="module")
def server(world: World) -> Iterator[str]:
    """The real API app under uvicorn on 127.0.0.1, on a free port, in a thread."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    srv = uvicorn.Server(
        uvicorn.Config(create_app(world.settings), log_level="warning", lifespan="off")
    )
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


@pytest.fixture
def offline_page(browser: Any) -> Iterator[tuple[Any, list[str], list[str]]]:
    """A page that may reach 127.0.0.1 only: (page, blocked URLs, page errors)."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    blocked: list[str] = []
    errors: list[str] = []

    def only_loopback(route: Any) -> None:
        url = route.request.url
        if urlsplit(url).hostname == "127.0.0.1" or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            blocked.append(url)
            route.abort()

    ctx.route("**/*", only_loopback)
    pg = ctx.new_page()
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        yield pg, blocked, errors
    finally:
        ctx.close()


def test_swagger_ui_renders_offline(
    offline_page: tuple[Any, list[str], list[str]], server: str
) -> None:
    pg, blocked, errors = offline_page
    response = pg.goto(f"{server}/docs", wait_until="load")
    assert response is not None and response.status == 200
    operation = pg.locator(".opblock-summary-path", has_text=re.compile(r"^/v1/plans$"))
    operation.first.wait_for(state="visible", timeout=20_000)
    assert pg.locator(".opblock").count() >= 20  # every operation of the API is listed
    assert pg.locator(".info .title", has_text="kolgraph").count() == 1
    assert blocked == [] and errors == []


def test_redoc_renders_offline(offline_page: tuple[Any, list[str], list[str]], server: str) -> None:
    pg, blocked, errors = offline_page
    response = pg.goto(f"{server}/redoc", wait_until="load")
    assert response is not None and response.status == 200
    pg.get_by_text("/v1/plans", exact=True).first.wait_for(state="attached", timeout=20_000)
    assert pg.locator("h1", has_text="kolgraph").count() >= 1
    assert pg.locator("[data-section-id^='operation/']").count() >= 20
    assert blocked == [] and errors == []
