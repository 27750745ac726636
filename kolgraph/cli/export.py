"""``kolgraph export scores|edges|neo4j-import|parquet``: the store's contents as files."""

from __future__ import annotations

import secrets
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from kolgraph.cli.common import (
    DbOpt,
    FormatOpt,
    OutFormat,
    StoreOpt,
    handle_errors,
    opened_store,
    out,
    progress_bar,
    write_json,
)
from kolgraph.model import EdgeType

__all__ = ["export_app"]

export_app = typer.Typer(
    help="Export the store: scores and edges to stdout, or files (neo4j-admin CSV, Parquet).",
    no_args_is_help=True,
)


class ExportFormat(str, Enum):
    """``export --format``."""

    csv = "csv"
    json = "json"


ExportFormatOpt = Annotated[ExportFormat, typer.Option("--format", help="csv or json.")]


@export_app.command("scores")
@handle_errors
def export_scores(
    format: ExportFormatOpt = ExportFormat.csv,
    db: DbOpt = None,
    store: StoreOpt = None,
) -> None:
    """Print one row per account: key, kind, pagerank, community, followers, ... to stdout."""
    from kolgraph.store.export import scores_frame

    with opened_store(db, store) as st:
        df = scores_frame(st)
    if format is ExportFormat.csv:
        df.to_csv(sys.stdout, index=False)
    else:
        sys.stdout.write(df.to_json(orient="records", double_precision=15))
        sys.stdout.write("\n")


@export_app.command("edges")
@handle_errors
def export_edges(
    type: Annotated[
        EdgeType | None, typer.Option("--type", help="follow or repost (default: both).")
    ] = None,
    format: ExportFormatOpt = ExportFormat.csv,
    db: DbOpt = None,
    store: StoreOpt = None,
) -> None:
    """Print every stored edge: source, target, type; post id and timestamp for reposts."""
    from kolgraph.store.export import EDGE_COLUMNS, edge_frames

    types = [type] if type is not None else [EdgeType.FOLLOW, EdgeType.REPOST]
    first = True
    if format is ExportFormat.json:
        sys.stdout.write("[")
    with opened_store(db, store) as st:
        for batch in edge_frames(st, types):
            if format is ExportFormat.csv:
                batch.to_csv(sys.stdout, index=False, header=first)
            else:
                body = batch.to_json(orient="records")[1:-1]
                if body:
                    sys.stdout.write(("" if first else ",") + body)
            first = False
    if format is ExportFormat.json:
        sys.stdout.write("]\n")
    elif first:
        sys.stdout.write(",".join(EDGE_COLUMNS) + "\n")


@export_app.command("neo4j-import")
@handle_errors
def export_neo4j_import_cmd(
    directory: Annotated[Path, typer.Argument(help="Directory for the CSV files (created).")],
    database: Annotated[str, typer.Option(help="Database the import command targets.")] = "neo4j",
    compress: Annotated[bool, typer.Option("--gzip", help="Write gzipped data files.")] = False,
    container_dir: Annotated[
        str | None,
        typer.Option(
            "--container-dir",
            help="Where neo4j-admin sees DIRECTORY: default /import/NAME (docker-compose.yml); "
            "pass the absolute directory itself for tools/neo4j-server/neo4j.sh.",
        ),
    ] = None,
    db: DbOpt = None,
    store: StoreOpt = None,
) -> None:
    """Write header + data CSVs for `neo4j-admin database import full` and print the command."""
    from kolgraph.store.bulk import export_neo4j_import

    with opened_store(db, store) as st, progress_bar() as progress:
        task = progress.add_task("writing CSV", total=None)
        res = export_neo4j_import(
            st,
            directory,
            database=database,
            compress=compress,
            container_dir=container_dir,
            epoch=secrets.randbits(48),  # a fresh epoch: cached idx maps elsewhere are stale
            progress=lambda n: progress.update(task, advance=n),
        )
    t = Table(title=f"neo4j-admin import files in {res.out_dir}", show_header=False)
    for group, n in res.counts.items():
        t.add_row(group, f"{n:,} rows", ", ".join(p.name for p in res.files.get(group, [])))
    t.add_row("time", f"{res.seconds:.2f} s", f"{res.rate:,.0f} rows/s")
    out.print(t)
    out.print("Run (see README.txt in the directory for the steps around it):")
    sys.stdout.write(res.command + "\n")


@export_app.command("parquet")
@handle_errors
def export_parquet_cmd(
    directory: Annotated[
        Path, typer.Argument(help="Directory for the export (created; replaced with --overwrite).")
    ],
    rows_per_file: Annotated[
        int, typer.Option("--rows-per-file", min=1, help="Rows per Parquet part file at most.")
    ] = 5_000_000,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace an earlier export in DIRECTORY.")
    ] = False,
    format: FormatOpt = OutFormat.table,
    db: DbOpt = None,
    store: StoreOpt = None,
) -> None:
    """Write the graph as Parquet (accounts, follows, reposts + manifest.json) for Spark,
    pandas or DuckDB."""
    from kolgraph.store.parquet import export_parquet

    with opened_store(db, store) as st, progress_bar() as progress:
        c = st.counts()
        task = progress.add_task("writing Parquet", total=c.accounts + c.follows + c.reposts)
        manifest = export_parquet(
            st,
            directory,
            rows_per_file=rows_per_file,
            overwrite=overwrite,
            progress=lambda n: progress.update(task, advance=n),
        )
    if format is OutFormat.json:
        from kolgraph.schemas.exports import ParquetManifestOut

        write_json(ParquetManifestOut.from_manifest(manifest))
        return
    t = Table(title=f"Parquet export {manifest.export_id} in {directory}")
    t.add_column("table")
    t.add_column("rows", justify="right")
    t.add_column("files")
    for name, tf in manifest.tables.items():
        shown = tf.files if len(tf.files) <= 3 else (tf.files[0], "...", tf.files[-1])
        t.add_row(name, f"{tf.rows:,}", f"{len(tf.files)}: " + ", ".join(shown))
    out.print(t)
