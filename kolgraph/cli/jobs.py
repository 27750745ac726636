"""``kolgraph jobs [list] | show ID | cancel ID``: the jobs started through the API.

Jobs run inside the server that accepted them (``POST /v1/jobs``); these commands
read and cancel their records in the store, from any machine that reaches it.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from kolgraph.cli.common import (
    DbOpt,
    FormatOpt,
    OutFormat,
    StoreOpt,
    handle_errors,
    load_settings,
    opened_store,
    out,
    utc_minutes,
    write_json,
)

if TYPE_CHECKING:
    from kolgraph.store.jobstate import JobRecord

__all__ = ["jobs_app"]

jobs_app = typer.Typer(help="Jobs started through the API: list, show, cancel.")

JobIdArg = Annotated[str, typer.Argument(help="The job's id (job-...).")]


def _progress(r: JobRecord) -> str:
    p = r.progress
    text = p.stage or "-"
    if p.done is not None:
        text += f" {p.done:,}" + (f"/{p.total:,}" if p.total is not None else "")
    if r.active and p.eta is not None:
        text += f", ~{p.eta:.0f} s left"
    return text


def _list(limit: int, format: OutFormat, db: Path | None, store: str | None) -> None:
    from kolgraph.jobs import list_jobs

    with opened_store(db, store) as st:
        records, total = list_jobs(st, load_settings(), limit=limit)
    if format is OutFormat.json:
        from kolgraph.schemas.jobs import JobsPage

        write_json(JobsPage.from_records(records, total))
        return
    t = Table(title=f"jobs ({len(records)} of {total})", title_justify="left")
    for col in ("id", "kind", "status", "created (UTC)", "progress", "error"):
        t.add_column(col)
    for r in records:
        error = (r.error or {}).get("message") or ""
        t.add_row(r.id, r.kind, r.status, utc_minutes(r.created), _progress(r), error[:80])
    out.print(t)


LimitOpt = Annotated[int, typer.Option(min=1, max=10_000, help="How many jobs to list.")]


@jobs_app.callback(invoke_without_command=True)
@handle_errors
def jobs(
    ctx: typer.Context,
    limit: LimitOpt = 20,
    format: FormatOpt = OutFormat.table,
    db: DbOpt = None,
    store: StoreOpt = None,
) -> None:
    """List jobs, newest first (`kolgraph jobs show ID` for one)."""
    if ctx.invoked_subcommand is None:
        _list(limit, format, db, store)


@jobs_app.command("list")
@handle_errors
def list_cmd(
    limit: LimitOpt = 20,
    format: FormatOpt = OutFormat.table,
    db: DbOpt = None,
    store: StoreOpt = None,
) -> None:
    """List jobs, newest first."""
    _list(limit, format, db, store)


@jobs_app.command("show")
@handle_errors
def show(
    job_id: JobIdArg,
    format: FormatOpt = OutFormat.table,
    db: DbOpt = None,
    store: StoreOpt = None,
) -> None:
    """One job: state, progress, log tail and result."""
    from kolgraph.jobs import get_job
    from kolgraph.schemas.jobs import JobOut

    with opened_store(db, store) as st:
        doc = JobOut.from_record(get_job(st, load_settings(), job_id), now=time.time())
    if format is OutFormat.json:
        write_json(doc)
        return
    t = Table(title=f"job {doc.id}", show_header=False, title_justify="left")
    t.add_row("kind", doc.kind)
    t.add_row("status", doc.status + (" (cancel requested)" if doc.cancel_requested else ""))
    for label, value in (
        ("created", doc.created),
        ("started", doc.started),
        ("finished", doc.finished),
    ):
        t.add_row(label, value or "-")
    t.add_row("elapsed", f"{doc.elapsed_seconds:.1f} s")
    p = doc.progress
    t.add_row("stage", p.stage or "-")
    if p.done is not None:
        t.add_row("done", f"{p.done:,}" + (f" of {p.total:,}" if p.total is not None else ""))
    if p.eta_seconds is not None and doc.status in ("queued", "running"):
        t.add_row("time left", f"~{p.eta_seconds:.0f} s")
    if doc.error is not None:
        t.add_row("error", f"{doc.error.code}: {doc.error.message}")
        if doc.error.hint:
            t.add_row("fix", doc.error.hint)
    for key, value in (doc.result or {}).items():
        if not isinstance(value, dict | list):
            t.add_row(f"result: {key}", str(value))
    out.print(t)
    if doc.log:
        out.print("\n".join(doc.log), highlight=False)


@jobs_app.command("cancel")
@handle_errors
def cancel(
    job_id: JobIdArg,
    db: DbOpt = None,
    store: StoreOpt = None,
) -> None:
    """Ask a job to stop; the server running it stops it at its next step."""
    from kolgraph.jobs import cancel_job

    with opened_store(db, store) as st:
        record = cancel_job(st, load_settings(), job_id)
    out.print(f"cancel requested for {record.kind} job {record.id} (it was {record.status})")
