"""``kolgraph import edges|higgs|cascades|accounts``: load dump files into the store."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from kolgraph.cli.common import (
    DbOpt,
    StoreOpt,
    handle_errors,
    load_settings,
    opened_store,
    out,
    progress_bar,
)
from kolgraph.ingest.report import OnError
from kolgraph.model import EdgeType

if TYPE_CHECKING:
    from kolgraph.ingest.report import ImportReport

__all__ = ["import_app"]

import_app = typer.Typer(help="Import edges and accounts into the store.", no_args_is_help=True)

OnErrorOpt = Annotated[
    OnError,
    typer.Option("--on-error", help="fail: stop at the first bad row; skip: set bad rows aside."),
]
RejectsOpt = Annotated[
    Path | None,
    typer.Option(help="Where skipped rows go [default: ./<file>.rejects.tsv]."),
]
PlatformOpt = Annotated[str, typer.Option(help="Platform name for the accounts.")]


def _print_report(report: ImportReport) -> None:
    """The counts, rejects and speed of one import, as a table."""
    table = Table(title=f"import: {report.kind}", show_header=False)
    table.add_row("file", report.path)
    table.add_row("rows read", f"{report.rows:,}")
    table.add_row("edges", f"{report.edges:,}")
    table.add_row("new edges", f"{report.new_edges:,}")
    table.add_row("new accounts", f"{report.new_accounts:,}")
    table.add_row("rejected rows", f"{report.rejected:,}")
    if report.rejects_path:
        table.add_row("rejects file", report.rejects_path)
    table.add_row("time", f"{report.seconds:.2f} s ({report.rate:,.0f} edges/s)")
    for note in report.notes:
        table.add_row("note", note)
    out.print(table)


def _run_import(
    importer: Callable[..., ImportReport],
    path: Path,
    label: str,
    db: Path | None,
    store: str | None,
    **options: object,
) -> None:
    """Run one importer with a progress bar and print its report."""
    with opened_store(db, store, create=True) as st, progress_bar() as progress:
        task = progress.add_task(label, total=None)
        report = importer(
            st,
            path,
            batch_size=load_settings().batch_size,
            progress=lambda n: progress.update(task, advance=n),
            **options,
        )
    _print_report(report)


@import_app.command("edges")
@handle_errors
def import_edges_cmd(
    path: Annotated[Path, typer.Argument(help="Edge list: CSV, TSV or whitespace; gzip or plain.")],
    type: Annotated[
        EdgeType,
        typer.Option("--type", help="follow: src follows dst; repost: src reposted dst."),
    ] = EdgeType.FOLLOW,
    platform: Annotated[
        str, typer.Option(help="Platform of the accounts (keys become platform:id).")
    ] = "twitter",
    delimiter: Annotated[
        str, typer.Option(help="One character, tab, comma, space or auto.")
    ] = "auto",
    columns: Annotated[
        str | None,
        typer.Option(
            help="Field order, e.g. src,dst,ts or _,src,dst or src=follower,dst=followed."
        ),
    ] = None,
    header: Annotated[
        bool | None,
        typer.Option("--header/--no-header", help="First row is a header (default: detect)."),
    ] = None,
    text_ids: Annotated[
        bool, typer.Option("--text-ids", help="Allow non-numeric account ids.")
    ] = False,
    on_error: OnErrorOpt = OnError.FAIL,
    rejects: RejectsOpt = None,
    db: DbOpt = None,
    store: StoreOpt = None,
) -> None:
    """Import a follower or repost edge list."""
    from kolgraph.ingest.edges import import_edges

    _run_import(
        import_edges,
        path,
        f"writing {type.value} edges",
        db,
        store,
        edge_type=type,
        platform=platform,
        delimiter=delimiter,
        columns=columns,
        header=header,
        numeric_ids=not text_ids,
        on_error=on_error,
        rejects_path=rejects,
    )


@import_app.command("higgs")
@handle_errors
def import_higgs_cmd(
    path: Annotated[
        Path, typer.Argument(help="SNAP Higgs activity file: userA userB unix_ts RT|MT|RE.")
    ],
    platform: PlatformOpt = "twitter",
    actions: Annotated[
        str, typer.Option(help="Which actions to import (RT retweet, MT mention, RE reply).")
    ] = "RT,MT,RE",
    on_error: OnErrorOpt = OnError.FAIL,
    rejects: RejectsOpt = None,
    db: DbOpt = None,
    store: StoreOpt = None,
) -> None:
    """Import SNAP Higgs Twitter activity as repost / mention / reply edges."""
    from kolgraph.ingest.higgs import import_higgs

    _run_import(
        import_higgs,
        path,
        "writing activity edges",
        db,
        store,
        platform=platform,
        actions=tuple(a.strip().upper() for a in actions.split(",") if a.strip()),
        on_error=on_error,
        rejects_path=rejects,
    )


@import_app.command("cascades")
@handle_errors
def import_cascades_cmd(
    path: Annotated[
        Path,
        typer.Argument(help="Cascades: 'uid ts,uid ts,...' or 'query uid ts uid ts ...' per line."),
    ],
    platform: PlatformOpt = "douban",
    on_error: OnErrorOpt = OnError.FAIL,
    rejects: RejectsOpt = None,
    db: DbOpt = None,
    store: StoreOpt = None,
) -> None:
    """Import adoption cascades as repost edges (import follow edges first)."""
    from kolgraph.ingest.cascades import import_cascades

    _run_import(
        import_cascades,
        path,
        "writing cascade edges",
        db,
        store,
        platform=platform,
        on_error=on_error,
        rejects_path=rejects,
    )


@import_app.command("accounts")
@handle_errors
def import_accounts_cmd(
    path: Annotated[
        Path,
        typer.Argument(help="CSV with header: key (or platform,id), name, kind, followers, cost."),
    ],
    platform: Annotated[
        str | None, typer.Option(help="Platform when the file has an id column but no platform.")
    ] = None,
    db: DbOpt = None,
    store: StoreOpt = None,
) -> None:
    """Import account names, kinds (kol/media/own/partner/user), follower counts and prices."""
    from kolgraph.ingest.accounts import import_accounts

    with opened_store(db, store, create=True) as st:
        rows, new = import_accounts(st, path, platform=platform)
    out.print(f"{rows:,} accounts read, {new:,} new")
