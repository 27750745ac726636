"""What every command shares: options, consoles, error exits, settings, the store, cells.

Command modules import from here and never from each other's internals, so
the command groups stay independent of one another.
"""

from __future__ import annotations

import functools
import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, ParamSpec, TypeVar

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from kolgraph.errors import InputError, KolgraphError

if TYPE_CHECKING:
    from pydantic import BaseModel

    from kolgraph.settings import Settings
    from kolgraph.store import Store

__all__ = [
    "DbOpt",
    "FormatOpt",
    "OutFormat",
    "StoreOpt",
    "cell",
    "console",
    "fmt_float",
    "handle_errors",
    "load_settings",
    "opened_store",
    "out",
    "progress_bar",
    "utc_minutes",
    "write_json",
]

#: Messages, progress and errors: stderr, so stdout stays clean for data.
console = Console(stderr=True)
#: Tables and data: stdout (160 columns when piped, so rows do not wrap).
out = Console(width=None if sys.stdout.isatty() else 160)

P = ParamSpec("P")
R = TypeVar("R")

DbOpt = Annotated[
    Path | None,
    typer.Option("--db", help="Embedded database file [env: KOLGRAPH_DB; default kolgraph.db]."),
]
StoreOpt = Annotated[
    str | None,
    typer.Option("--store", help="Store backend: sqlite or neo4j [env: KOLGRAPH_STORE]."),
]


class OutFormat(str, Enum):
    """``--format`` of the commands that print a table or JSON."""

    table = "table"
    json = "json"


FormatOpt = Annotated[OutFormat, typer.Option("--format", help="table or json.")]


def handle_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Print a :class:`KolgraphError` as a clear message and exit with code 2."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except KolgraphError as exc:
            console.print(f"[bold red]error:[/] {exc.message}", highlight=False)
            if exc.hint:
                console.print(f"[yellow]fix:[/] {exc.hint}", highlight=False)
            raise typer.Exit(2) from None

    return wrapper


def load_settings() -> Settings:
    """The settings from the environment, with invalid values reported as an :class:`InputError`."""
    from kolgraph.settings import get_settings

    try:
        return get_settings()
    except Exception as exc:  # pydantic ValidationError: show it as a KolgraphError
        raise InputError(f"invalid settings: {exc}", hint="check the KOLGRAPH_* variables") from exc


@contextmanager
def opened_store(db: Path | None, store: str | None, *, create: bool = False) -> Iterator[Store]:
    """The store chosen by ``--db`` / ``--store`` (or the settings), closed on exit.

    Only commands that fill a store (``create``: import, crawl, demo) make a new embedded
    database; any other command run where none exists says so instead of reading an
    empty one it just created.
    """
    from kolgraph.store import open_store

    st = open_store(load_settings(), db=db, backend=store, create=create)
    try:
        yield st
    finally:
        st.close()


def progress_bar() -> Progress:
    """A progress display on stderr (silent when stderr is not a terminal)."""
    return Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
        disable=not console.is_terminal,
    )


def cell(x: object) -> str:
    """A table cell: '-' for missing values."""
    return "-" if x is None or x is pd.NA or (isinstance(x, float) and np.isnan(x)) else str(x)


def fmt_float(x: float | None, digits: int = 6) -> str:
    """``x`` with ``digits`` decimals, '-' when missing."""
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return "-"
    return f"{x:.{digits}f}"


def utc_minutes(ts: float) -> str:
    """A unix time as ``YYYY-MM-DD HH:MM`` (UTC)."""
    return time.strftime("%Y-%m-%d %H:%M", time.gmtime(ts))


def write_json(doc: BaseModel) -> None:
    """Write ``doc`` (a :mod:`kolgraph.schemas` model) to stdout as JSON indented by 2."""
    sys.stdout.write(json.dumps(doc.model_dump(mode="json"), indent=2) + "\n")
