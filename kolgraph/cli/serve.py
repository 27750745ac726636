"""``kolgraph serve``: the HTTP API."""

from __future__ import annotations

from typing import Annotated

import typer

from kolgraph.cli.common import DbOpt, StoreOpt, handle_errors, load_settings

__all__ = ["serve"]


@handle_errors
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind [default 127.0.0.1].")] = None,
    port: Annotated[int | None, typer.Option(help="Port [default 8000].")] = None,
    db: DbOpt = None,
    store: StoreOpt = None,
) -> None:
    """Serve the HTTP API (OpenAPI docs at /docs)."""
    import uvicorn

    from kolgraph.api.app import create_app

    s = load_settings()
    updates: dict[str, object] = {}
    if db is not None:
        updates["db"] = db
    if store is not None:
        updates["store"] = store
    s = s.model_copy(update=updates)
    uvicorn.run(create_app(s), host=host or s.host, port=port or s.port, log_level="info")
