"""Swagger UI (``/docs``) and ReDoc (``/redoc``) served from the package, never a CDN.

FastAPI's own pages load their scripts and styles from a CDN, so they are blank
offline or behind a strict proxy. Here the pages are FastAPI's
(:func:`~fastapi.openapi.docs.get_swagger_ui_html`, :func:`~fastapi.openapi.docs.get_redoc_html`)
pointed at the bundles the ``fastapi-offline`` package ships
(``swagger-ui-bundle.js``, ``swagger-ui.css``, ``redoc.standalone.js``,
``favicon.png``), mounted at :data:`ASSETS`. Nothing else of that package is used.
Swagger UI's online validator and ReDoc's web fonts are off, and the one image
ReDoc's bundle loads from its CDN (the "API docs by Redocly" logo) is replaced by
an empty ``data:`` URL (ReDoc then hides it), so the pages make no request that
leaves the server.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Final

from fastapi import FastAPI, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from kolgraph.errors import NotFound

__all__ = [
    "ASSETS",
    "DOCS",
    "OAUTH2_REDIRECT",
    "REDOC",
    "docs_assets_dir",
    "install_docs",
    "redoc_bundle",
]

#: Where the pages are served, and where their scripts and styles are.
DOCS: Final = "/docs"
REDOC: Final = "/redoc"
OAUTH2_REDIRECT: Final = "/docs/oauth2-redirect"
ASSETS: Final = "/docs/assets"

_FILES = ("swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js", "favicon.png")
#: The attribution logo ReDoc's sidebar loads from a CDN (in the bundle as a string).
_REDOC_CDN_LOGO = b"https://cdn.redoc.ly/redoc/logo-mini.svg"


@cache
def docs_assets_dir() -> Path:
    """The directory of the Swagger UI and ReDoc bundles (in ``fastapi-offline``).

    Raises
    ------
    NotFound
        If the package or one of its bundles is missing.
    """
    try:
        directory = Path(str(resources.files("fastapi_offline") / "static"))
    except ModuleNotFoundError as exc:
        raise NotFound(
            "the offline docs bundles (package fastapi-offline) are not installed",
            hint="reinstall kolgraph (pip install kolgraph) to get its dependencies",
        ) from exc
    missing = [name for name in _FILES if not (directory / name).is_file()]
    if missing:
        raise NotFound(
            f"the offline docs bundles lack {', '.join(missing)} in {directory}",
            hint="reinstall fastapi-offline",
        )
    return directory


@cache
def redoc_bundle() -> bytes:
    """``redoc.standalone.js`` with its CDN logo replaced by an empty ``data:`` URL."""
    return (
        (docs_assets_dir() / "redoc.standalone.js").read_bytes().replace(_REDOC_CDN_LOGO, b"data:,")
    )


def install_docs(app: FastAPI) -> None:
    """Serve ``/docs``, ``/docs/oauth2-redirect``, ``/redoc`` and their assets on ``app``.

    Create ``app`` with ``docs_url=None, redoc_url=None`` so FastAPI does not add
    its CDN pages first. The pages follow the app's ``root_path`` (behind a proxy)
    and are left out of the OpenAPI document.
    """
    title = app.title

    @app.get(f"{ASSETS}/redoc.standalone.js", include_in_schema=False)
    def redoc_js() -> Response:  # before the mount, which would serve the file as it is
        return Response(
            redoc_bundle(),
            media_type="text/javascript",
            headers={"Cache-Control": "public, max-age=3600"},
        )

    app.mount(ASSETS, StaticFiles(directory=docs_assets_dir()), name="docs-assets")

    def base(request: Request) -> str:
        return str(request.scope.get("root_path", "")).rstrip("/")

    @app.get(DOCS, include_in_schema=False)
    def swagger_ui(request: Request) -> HTMLResponse:
        root = base(request)
        return get_swagger_ui_html(
            openapi_url=root + (app.openapi_url or "/openapi.json"),
            title=f"{title} - Swagger UI",
            swagger_js_url=f"{root}{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS}/favicon.png",
            oauth2_redirect_url=root + OAUTH2_REDIRECT,
            swagger_ui_parameters={"validatorUrl": None},
        )

    @app.get(OAUTH2_REDIRECT, include_in_schema=False)
    def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get(REDOC, include_in_schema=False)
    def redoc(request: Request) -> HTMLResponse:
        root = base(request)
        return get_redoc_html(
            openapi_url=root + (app.openapi_url or "/openapi.json"),
            title=f"{title} - ReDoc",
            redoc_js_url=f"{root}{ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{ASSETS}/favicon.png",
            with_google_fonts=False,
        )
