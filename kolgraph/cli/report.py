"""``kolgraph report``: a kept plan as a page to send (HTML) or a workbook (xlsx)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kolgraph.cli.common import DbOpt, StoreOpt, handle_errors, opened_store, out
from kolgraph.errors import InputError

__all__ = ["FORMATS", "report", "report_format"]

#: ``--format`` → the file suffixes that mean it.
FORMATS = {"html": (".html", ".htm"), "xlsx": (".xlsx",)}


def report_format(path: Path | None, format: str | None) -> str:
    """The format asked for: ``--format``, else the suffix of ``-o``, else html.

    Raises
    ------
    InputError
        An unknown ``--format``, a suffix that names no format (without ``--format``),
        or a ``--format`` that contradicts the suffix.
    """
    names = ", ".join(FORMATS)
    if format is not None and format.lower() not in FORMATS:
        raise InputError(f"unknown report format {format!r}", hint=f"use --format {names}")
    suffix = path.suffix.lower() if path is not None else ""
    by_suffix = next((f for f, sx in FORMATS.items() if suffix in sx), None)
    if format is None:
        if by_suffix is None and suffix:
            raise InputError(
                f"cannot tell the report format from {path} (suffix {suffix})",
                hint=f"end the file name in .html or .xlsx, or pass --format {names}",
            )
        return by_suffix or "html"
    format = format.lower()
    if by_suffix is not None and by_suffix != format:
        raise InputError(
            f"-o {path} names an {by_suffix} file but --format is {format}",
            hint=f"write to a .{format} file, or leave --format out",
        )
    return format


def _size(n: int) -> str:
    """A file size for people: ``512 B``, ``12.3 KB``, ``4.9 MB``."""
    if n < 1000:
        return f"{n} B"
    if n < 1_000_000:
        return f"{n / 1000:.1f} KB"
    return f"{n / 1_000_000:.1f} MB"


@handle_errors
def report(
    plan_id: Annotated[str, typer.Argument(help="The kept plan's id (`kolgraph plans`).")],
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            help="File to write (default: PLAN_ID.html, or PLAN_ID.xlsx with --format xlsx).",
        ),
    ] = None,
    format: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="html (one self-contained page: open it, mail it, print it) or xlsx "
            "(accounts, overlap matrix and pairs, summary); default from the -o suffix, "
            "html if it has none.",
        ),
    ] = None,
    db: DbOpt = None,
    store: StoreOpt = None,
) -> None:
    """Write the report of a kept plan: a page for a client, or a workbook.

    The page holds the summary, the account table and charts of the phases, the budget
    curve, the audience overlap, community coverage, reach at frequency and the forecast,
    with plotly.js inside it: it opens with no network. Nothing in the store changes.
    """
    from kolgraph.report import write_plan_html, write_plan_xlsx

    fmt = report_format(output, format)
    path = output if output is not None else Path(f"{plan_id}.{fmt}")
    with opened_store(db, store) as st:
        st.get_plan(plan_id)  # an unknown id is reported before anything is made
        write = write_plan_html if fmt == "html" else write_plan_xlsx
        size = write(st, plan_id, path)
    out.print(f"wrote {path} ({_size(size)}, {fmt})", highlight=False, soft_wrap=True)
