"""``kolgraph serve``: the HTTP API, in one process or several workers sharing one store."""

from __future__ import annotations

import logging
import shutil
import tempfile
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from kolgraph.cli.common import DbOpt, StoreOpt, handle_errors, load_settings

__all__ = ["APP_FACTORY", "LogFormat", "serve"]

log = logging.getLogger(__name__)

#: The app factory each worker process calls (it reads its settings from the environment).
APP_FACTORY = "kolgraph.api.app:create_app"


class LogFormat(str, Enum):
    """``--log-format`` of ``serve``."""

    text = "text"
    json = "json"


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
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=64,
            help="Worker processes sharing the store [env: KOLGRAPH_WORKERS; default 1].",
        ),
    ] = None,
    log_format: Annotated[
        LogFormat | None,
        typer.Option(
            "--log-format",
            help="Logs on stderr: text, or one JSON object per line "
            "[env: KOLGRAPH_LOG_FORMAT; default text].",
        ),
    ] = None,
) -> None:
    """Serve the HTTP API (docs at /docs and /redoc, metrics at /metrics)."""
    import uvicorn

    from kolgraph.api.app import auth_for
    from kolgraph.settings import export_environment

    s = load_settings()
    updates: dict[str, object] = {}
    if db is not None:
        updates["db"] = db
    if store is not None:
        updates["store"] = store
    if workers is not None:
        updates["workers"] = workers
    if log_format is not None:
        updates["log_format"] = log_format.value
    made_dir: Path | None = None
    if (workers or s.workers) > 1 and s.metrics and s.metrics_dir is None:
        made_dir = Path(tempfile.mkdtemp(prefix="kolgraph-metrics-"))
        updates["metrics_dir"] = made_dir
    s = s.model_copy(update=updates)
    bind_host, bind_port = host or s.host, port or s.port
    auth = auth_for(s, bind_host, no_auth=no_auth)
    updates["api_auth"] = "on" if auth else "off"  # what every worker must do, decided here
    s = s.model_copy(update={"api_auth": updates["api_auth"]})
    if s.workers > 1:
        # workers are new processes: they get the command line's settings (and
        # PROMETHEUS_MULTIPROC_DIR) from the environment, set before anything imports
        # prometheus-client
        export_environment(s, updates)

    from kolgraph.api.observability import reset_metrics_dir
    from kolgraph.logs import configure_logging

    log_config = configure_logging(s)
    if not auth:
        why = "--no-auth" if no_auth else "KOLGRAPH_API_AUTH=off"
        if not no_auth and load_settings().api_auth != "off":
            why = "a loopback address"
        log.warning(
            "API keys are OFF (%s): anyone who can reach %s can call every /v1 route",
            why,
            bind_host,
        )
    try:
        if s.workers == 1:
            from kolgraph.api.app import create_app

            uvicorn.run(
                create_app(s),
                host=bind_host,
                port=bind_port,
                log_config=log_config,
                log_level=s.log_level,
                access_log=not s.access_log,  # ours replaces uvicorn's
            )
            return
        if s.metrics_dir is not None:
            reset_metrics_dir(s.metrics_dir)
        log.info("serving with %d workers on one %s store", s.workers, s.store)
        uvicorn.run(
            APP_FACTORY,
            factory=True,
            workers=s.workers,
            host=bind_host,
            port=bind_port,
            log_config=log_config,
            log_level=s.log_level,
            access_log=not s.access_log,
        )
    finally:
        if made_dir is not None:
            shutil.rmtree(made_dir, ignore_errors=True)
