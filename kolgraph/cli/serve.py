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
    no_auth: Annotated[
        bool,
        typer.Option(
            "--no-auth", help="Serve /v1 without API keys (local use only: anyone can call it)."
        ),
    ] = False,
) -> None:
    """Serve the HTTP API (OpenAPI docs at /docs)."""
    import uvicorn

    from kolgraph.api.app import auth_for, create_app
    from kolgraph.cli.common import console

    s = load_settings()
    updates: dict[str, object] = {}
    if db is not None:
        updates["db"] = db
    if store is not None:
        updates["store"] = store
    s = s.model_copy(update=updates)
    bind = host or s.host
    auth = auth_for(s, bind, no_auth=no_auth)
    if not auth:
        console.print(
            f"[bold yellow]warning:[/] API keys are OFF: anyone who can reach {bind} can call "
            "every /v1 route" + ("" if no_auth or s.api_auth == "off" else " (loopback address)"),
            highlight=False,
        )
    uvicorn.run(create_app(s, auth=auth), host=bind, port=port or s.port, log_level="info")
