"""The ``kolgraph`` command line.

Scripts depend on these command names and options; keep them stable. Every
command takes ``--db PATH`` (default from ``KOLGRAPH_DB``) and ``--store``.
Errors print what went wrong, where, and how to fix it, and exit with code 2.
"""

from __future__ import annotations

import functools
import json
import secrets
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar, cast

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
from rich.table import Table

from kolgraph import __version__
from kolgraph.crawl.importers import ImportReport, OnError
from kolgraph.errors import InputError, KolgraphError
from kolgraph.model import EdgeType, Kind
from kolgraph.settings import Settings, get_settings
from kolgraph.store import AccountQuery, Store, open_store
from kolgraph.store.base import SortKey

app = typer.Typer(
    name="kolgraph",
    help="Find the social accounts that really move a message, and plan campaigns through them.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)
import_app = typer.Typer(help="Import edges and accounts into the store.", no_args_is_help=True)
export_app = typer.Typer(help="Export scores from the store to stdout.", no_args_is_help=True)
runs_app = typer.Typer(help="Rank run history and comparisons.")
app.add_typer(import_app, name="import")
app.add_typer(runs_app, name="runs")
app.add_typer(export_app, name="export")

console = Console(stderr=True)
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
OnErrorOpt = Annotated[
    OnError,
    typer.Option("--on-error", help="fail: stop at the first bad row; skip: set bad rows aside."),
]
RejectsOpt = Annotated[
    Path | None,
    typer.Option(help="Where skipped rows go [default: ./<file>.rejects.tsv]."),
]


class OutFormat(str, Enum):
    table = "table"
    json = "json"


class Objective(str, Enum):
    auto = "auto"
    engagement = "engagement"
    reach = "reach"
    frequency = "frequency"
    past_engagers = "past-engagers"
    blend = "blend"
    active_engagers = "active-engagers"


class Engine(str, Enum):
    kolgraph = "kolgraph"
    gds = "gds"


class ExportFormat(str, Enum):
    csv = "csv"
    json = "json"


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


def _settings() -> Settings:
    try:
        return get_settings()
    except Exception as exc:  # pydantic ValidationError: show it as a KolgraphError
        raise InputError(f"invalid settings: {exc}", hint="check the KOLGRAPH_* variables") from exc


@contextmanager
def _open(db: Path | None, store: str | None) -> Iterator[Store]:
    s = _settings()
    st = open_store(s, db=db, backend=store)
    try:
        yield st
    finally:
        st.close()


def _bar(label: str) -> Progress:
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


def _cell(x: object) -> str:
    """A table cell: '-' for missing values."""
    return "-" if x is None or x is pd.NA or (isinstance(x, float) and np.isnan(x)) else str(x)


def _fmt(x: float | None, digits: int = 6) -> str:
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return "-"
    return f"{x:.{digits}f}"


# ------------------------------------------------------------------------ import
def _report(report: ImportReport) -> None:
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


def _import(
    importer: Callable[..., ImportReport],
    path: Path,
    label: str,
    db: Path | None,
    store: str | None,
    **options: Any,
) -> None:
    """Run one importer with a progress bar and print its report."""
    with _open(db, store) as st, _bar("import") as progress:
        task = progress.add_task(label, total=None)
        report = importer(
            st,
            path,
            batch_size=_settings().batch_size,
            progress=lambda n: progress.update(task, advance=n),
            **options,
        )
    _report(report)


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
    from kolgraph.crawl.importers import import_edges

    _import(
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
    platform: Annotated[str, typer.Option(help="Platform name for the accounts.")] = "twitter",
    actions: Annotated[
        str, typer.Option(help="Which actions to import (RT retweet, MT mention, RE reply).")
    ] = "RT,MT,RE",
    on_error: OnErrorOpt = OnError.FAIL,
    rejects: RejectsOpt = None,
    db: DbOpt = None,
    store: StoreOpt = None,
) -> None:
    """Import SNAP Higgs Twitter activity as repost / mention / reply edges."""
    from kolgraph.crawl.importers import import_higgs

    _import(
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
    platform: Annotated[str, typer.Option(help="Platform name for the accounts.")] = "douban",
    on_error: OnErrorOpt = OnError.FAIL,
    rejects: RejectsOpt = None,
    db: DbOpt = None,
    store: StoreOpt = None,
) -> None:
    """Import adoption cascades as repost edges (import follow edges first)."""
    from kolgraph.crawl.importers import import_cascades

    _import(
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
    """Import account names, kinds (kol/media/own/user), follower counts and prices."""
    from kolgraph.crawl.accounts import import_accounts

    with _open(db, store) as st:
        rows, new = import_accounts(st, path, platform=platform)
    out.print(f"{rows:,} accounts read, {new:,} new")


# ------------------------------------------------------------------------ rank
def _rank_with_progress(st: Store, **overrides: Any) -> Any:
    from kolgraph.rank.job import STAGES, RankParams, run_rank

    params = RankParams.from_settings(_settings(), **overrides)
    with _bar("rank") as progress:
        tasks = {s: progress.add_task(s, total=1, start=False) for s in STAGES}

        def cb(stage: str, done: int, total: int) -> None:
            if done == 0:
                progress.start_task(tasks[stage])
            else:
                progress.update(tasks[stage], completed=total)

        return run_rank(st, params=params, progress=cb)


def _print_rank(st: Store, result: Any, top: int = 10) -> None:
    run = result.run
    t = Table(title=f"rank run {run.id}", show_header=False)
    for k, v in result.counts.items():
        t.add_row(k.replace("_", " "), f"{v:,}")
    for k, v in result.quality.items():
        t.add_row(k.replace("_", " "), f"{v:.4f}")
    for k, v in result.timings.items():
        t.add_row(f"time: {k}", f"{v:.2f} s")
    t.add_row("time: total", f"{sum(result.timings.values()):.2f} s")
    out.print(t)
    _print_accounts(st, AccountQuery(limit=top), title=f"top {top} accounts by PageRank")


@app.command()
@handle_errors
def rank(
    damping: Annotated[float | None, typer.Option(help="PageRank damping (default 0.85).")] = None,
    repost_weight: Annotated[
        float | None, typer.Option(help="Weight of a repost edge relative to a follow.")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Leiden seed.")] = None,
    top_k: Annotated[
        int | None, typer.Option("--top-k", help="Accounts in the exact overlap matrix.")
    ] = None,
    engine: Annotated[
        Engine,
        typer.Option(
            help="kolgraph: in-process (scipy, networkit); gds: inside Neo4j with Graph Data "
            "Science."
        ),
    ] = Engine.kolgraph,
    only: Annotated[
        str | None,
        typer.Option(
            help="Recompute only these stages (comma-separated: pagerank, communities, "
            "overlap, quality, influence, sketches, engagement); the rest is kept from the "
            "current run."
        ),
    ] = None,
    half_life: Annotated[
        float | None,
        typer.Option("--half-life", help="Repost weight halves every this many days."),
    ] = None,
    threads: Annotated[
        int,
        typer.Option(
            help="Threads for Leiden: 1 gives the same communities for a seed every time; "
            "more is faster but not reproducible run to run."
        ),
    ] = 1,
    db: DbOpt = None,
    store: StoreOpt = None,
) -> None:
    """Run the ranking job (PageRank, communities, overlap, quality) and publish a new run."""
    overrides: dict[str, Any] = {"engine": engine.value}
    if only:
        overrides["only"] = tuple(s.strip() for s in only.split(",") if s.strip())
    if half_life is not None:
        overrides["half_life_days"] = half_life
    if damping is not None:
        overrides["damping"] = damping
    if repost_weight is not None:
        overrides["repost_weight"] = repost_weight
    if seed is not None:
        overrides["seed"] = seed
    if top_k is not None:
        overrides["overlap_top_k"] = top_k
    if threads < 1:
        raise InputError(f"--threads must be at least 1, got {threads}")
    if threads != 1:
        overrides["threads"] = threads
    with _open(db, store) as st:
        result = _rank_with_progress(st, **overrides)
        _print_rank(st, result)


@runs_app.callback(invoke_without_command=True)
@handle_errors
def runs(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(help="How many runs to list.")] = 20,
    db: DbOpt = None,
    store: StoreOpt = None,
) -> None:
    """List rank runs, newest first (`kolgraph runs diff A B` compares two)."""
    if ctx.invoked_subcommand is not None:
        return
    with _open(db, store) as st:
        rows = st.list_runs(limit)
    t = Table(title="rank runs")
    for col in ("id", "status", "started", "seconds", "accounts", "modularity", "error"):
        t.add_column(col)
    for r in rows:
        t.add_row(
            r.id,
            r.status,
            time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(r.started)),
            f"{r.finished - r.started:.1f}" if r.finished else "-",
            f"{r.counts.get('accounts', 0):,}" if r.counts else "-",
            f"{r.quality['modularity']:.4f}" if "modularity" in r.quality else "-",
            r.error or "",
        )
    out.print(t)


@runs_app.command("diff")
@handle_errors
def runs_diff(
    before: Annotated[str, typer.Argument(help="The earlier run id.")],
    after: Annotated[str, typer.Argument(help="The later run id.")],
    top: Annotated[int, typer.Option(help="Accounts in the top N of either run.")] = 100,
    show: Annotated[int, typer.Option(help="Risers and fallers to show.")] = 10,
    format: Annotated[OutFormat, typer.Option("--format", help="table or json.")] = OutFormat.table,
    db: DbOpt = None,
    store: StoreOpt = None,
) -> None:
    """Who rose and who fell between two rank runs (by PageRank position)."""
    from kolgraph.rank.diff import diff_runs

    with _open(db, store) as st:
        d = diff_runs(
            st.run_scores(before), st.run_scores(after), st.accounts_frame()["key"], top=top
        )
    if format is OutFormat.json:
        sys.stdout.write(d.to_json(orient="records") + "\n")
        return
    moved = d["moved"].fillna(0)
    for title, part in (
        (f"rose most ({before} → {after})", d[moved > 0].head(show)),
        ("fell most", d[moved < 0].sort_values("moved").head(show)),
        ("new in the top", d[d["rank_before"].isna()].head(show)),
    ):
        if part.empty:
            continue
        t = Table(title=title)
        for col in ("key", "rank before", "rank after", "moved", "PageRank ×", "community now"):
            t.add_column(col, justify="left" if col == "key" else "right")
        for rec in part.to_dict("records"):
            t.add_row(
                str(rec["key"]),
                _cell(rec["rank_before"]),
                _cell(rec["rank_after"]),
                "-" if pd.isna(rec["moved"]) else f"{int(rec['moved']):+d}",
                "-" if not np.isfinite(rec["ratio"]) else f"{rec['ratio']:.2f}",
                _cell(rec["community_after"]),
            )
        out.print(t)


# ------------------------------------------------------------------------ read
def _print_accounts(st: Store, q: AccountQuery, title: str) -> None:
    rows, total = st.list_accounts(q)
    t = Table(title=f"{title} ({total:,} matching)")
    for col in (
        "#",
        "key",
        "name",
        "kind",
        "pagerank",
        "community",
        "audience",
        "followers",
        "cost",
    ):
        t.add_column(
            col,
            justify="right"
            if col in {"#", "pagerank", "audience", "followers", "cost"}
            else "left",
        )
    for i, r in enumerate(rows, start=q.offset + 1):
        t.add_row(
            str(i),
            r.key,
            r.name or "",
            r.kind.value,
            _fmt(r.pagerank),
            "-" if r.community is None else str(r.community),
            "-" if r.audience is None else f"{r.audience:,}",
            "-" if r.followers is None else f"{r.followers:,}",
            "-" if r.cost is None else f"{r.cost:,.0f}",
        )
    out.print(t)


@app.command()
@handle_errors
def accounts(
    kind: Annotated[Kind | None, typer.Option(help="Only this kind.")] = None,
    platform: Annotated[str | None, typer.Option(help="Only this platform.")] = None,
    community: Annotated[int | None, typer.Option(help="Only this community.")] = None,
    sort: Annotated[
        str, typer.Option(help="pagerank, followers, audience, cost or key.")
    ] = "pagerank",
    limit: Annotated[int, typer.Option(help="Rows to show.")] = 20,
    db: DbOpt = None,
    store: StoreOpt = None,
) -> None:
    """Show accounts with their current scores."""
    from kolgraph.errors import InputError

    if sort not in {"pagerank", "followers", "audience", "cost", "key"}:
        raise InputError(
            f"cannot sort by {sort!r}", hint="use pagerank, followers, audience, cost or key"
        )
    with _open(db, store) as st:
        _print_accounts(
            st,
            AccountQuery(
                kind=kind,
                platform=platform,
                community=community,
                sort=cast(SortKey, sort),
                limit=limit,
                descending=sort != "key",
            ),
            title="accounts",
        )


def _print_flagged(st: Store, limit: int = 8) -> None:
    """Campaign candidates (kol/media) whose audience looks inauthentic, with the reasons."""
    acc = st.accounts_frame()
    sc = st.current_scores()
    if not len(sc):
        return
    flagged = [
        i
        for i, (kind, flags) in enumerate(zip(acc["kind"], sc["flags"], strict=True))
        if flags and kind in ("kol", "media")
    ]
    flagged.sort(key=lambda i: -float(np.nan_to_num(sc["pagerank"].iloc[i])))
    if not flagged:
        return
    t = Table(title=f"check before booking: {len(flagged):,} KOL / media accounts flagged")
    for col in ("key", "name", "kind", "anomaly", "reasons"):
        t.add_column(col)
    for i in flagged[:limit]:
        anomaly = sc["anomaly"].iloc[i]
        t.add_row(
            str(acc["key"].iloc[i]),
            str(acc["name"].iloc[i]),
            str(acc["kind"].iloc[i]),
            "-" if pd.isna(anomaly) else f"{anomaly:.2f}",
            "; ".join(sc["flags"].iloc[i]),
        )
    out.print(t)


def _print_communities(st: Store, limit: int) -> None:
    rows, total = st.list_communities(limit)
    t = Table(title=f"largest communities ({total:,} with 2+ members)")
    for col in ("community", "size", "internal edges", "density", "top accounts", "bridges"):
        t.add_column(col)
    for c in rows:
        t.add_row(
            str(c.community),
            f"{c.size:,}",
            f"{c.internal_edges:,}",
            f"{c.density:.3g}",
            ", ".join(c.top[:5]),
            ", ".join(c.bridges[:3]) if c.bridges else "-",
        )
    out.print(t)


@app.command()
@handle_errors
def communities(
    limit: Annotated[int, typer.Option(help="Rows to show.")] = 15,
    db: DbOpt = None,
    store: StoreOpt = None,
) -> None:
    """Show the communities of the current run, largest first."""
    with _open(db, store) as st:
        _print_communities(st, limit)


@export_app.command("scores")
@handle_errors
def export_scores(
    format: Annotated[
        ExportFormat, typer.Option("--format", help="csv or json.")
    ] = ExportFormat.csv,
    db: DbOpt = None,
    store: StoreOpt = None,
) -> None:
    """Print one row per account: key, kind, pagerank, community, followers, ... to stdout."""
    with _open(db, store) as st:
        acc = st.accounts_frame()
        sc = st.current_scores()
        run = st.current_run()
    df = pd.DataFrame(
        {
            "key": acc["key"],
            "platform": acc["platform"],
            "name": acc["name"],
            "kind": acc["kind"],
            "pagerank": sc["pagerank"],
            "community": sc["community"],
            "followers": acc["followers"].astype("Int64"),
            "audience": sc["audience"].astype("Int64"),
            "tier": sc["tier"],
            "engagement": sc["engagement"],
            "anomaly": sc["anomaly"],
            "spread": sc["spread"],
            "flags": [" | ".join(f) if f else "" for f in sc["flags"]],
            "cost": acc["cost"],
            "run_id": run.id if run else None,
        }
    )
    df = df.sort_values("pagerank", ascending=False, na_position="last", kind="stable")
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
    format: Annotated[
        ExportFormat, typer.Option("--format", help="csv or json.")
    ] = ExportFormat.csv,
    db: DbOpt = None,
    store: StoreOpt = None,
) -> None:
    """Print every stored edge: source, target, type; post id and timestamp for reposts."""
    types = [type] if type is not None else [EdgeType.FOLLOW, EdgeType.REPOST]
    cols = ["src", "dst", "type", "post_id", "ts", "action", "weight"]
    first = True
    if format is ExportFormat.json:
        sys.stdout.write("[")
    with _open(db, store) as st:
        for et in types:
            for batch in st.iter_edges(et):
                batch = batch.assign(type=et.value).reindex(columns=cols)
                if et is EdgeType.FOLLOW:
                    batch = batch.astype({"ts": "Int64", "weight": "Float64"})
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
        sys.stdout.write(",".join(cols) + "\n")


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

    with _open(db, store) as st, _bar("export") as progress:
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


# ------------------------------------------------------------------------ plan
def _plan_params(
    budget: float,
    kol: str | None,
    media: str | None,
    own: str | None,
    community: list[int] | None,
    platform: str | None,
    include: list[str] | None,
    exclude: list[str] | None,
    include_flagged: bool = False,
    objective: str = "auto",
    min_frequency: int = 2,
    horizon: float = 14.0,
    max_accounts: int | None = None,
    min_gain: float = 0.0,
) -> Any:
    from kolgraph.plan import KindRange, PlanParams

    mix = {}
    for kind, text in ((Kind.KOL, kol), (Kind.MEDIA, media), (Kind.OWN, own)):
        if text is not None:
            mix[kind] = KindRange.parse(text, name=kind.value)
    return PlanParams(
        budget=budget,
        mix=mix,
        target_communities=tuple(community or ()),
        platform=platform,
        include=tuple(include or ()),
        exclude=tuple(exclude or ()),
        skip_flagged=not include_flagged,
        objective=objective,  # type: ignore[arg-type]
        min_frequency=min_frequency,
        horizon_days=horizon,
        max_accounts=max_accounts,
        min_gain=min_gain,
    )


def _forecast_cell(f: dict[str, Any]) -> str:
    return (
        f"{f['expected']:,.0f} (80% interval {f['low']:,.0f}..{f['high']:,.0f}, measured "
        f"on {f['calibrated_on']} points of this store's history"
        + (", extrapolated" if f["extrapolated"] else "")
        + ")"
    )


def _explanation(a: Any) -> list[str]:
    """Engaged people an account adds, its cost per engaged person, and the evidence."""
    g = a.marginal_engaged
    if g is None:
        return ["-", "-", "-"]
    per = f"{a.cost / g:,.2f}" if g > 0 else "-"
    if not a.evidence_cascades:
        seen = "no past cascade"
    else:
        last = a.evidence_last_days
        seen = f"{a.evidence_cascades:,} cascades" + (
            "" if last is None else f", last {last:,.1f} d ago"
        )
    return [f"{g:,.1f}", per, seen]


def _print_plan(plan: Any) -> None:
    from kolgraph.plan.phases import PHASES

    warned = any(a.warnings for a in plan.accounts)
    explained = any(a.marginal_engaged is not None for a in plan.accounts)
    cols = ["phase", "days", "key", "name", "kind", "marginal reach", "audience", "cost"]
    if explained:
        cols += ["engaged +", "cost / engaged", "evidence"]
    numeric = {"marginal reach", "audience", "cost", "engaged +", "cost / engaged"}
    t = Table(title=f"campaign plan: budget {plan.budget:,.0f}, spent {plan.spent:,.0f}")
    for col in cols + (["warnings"] if warned else []):
        t.add_column(col, justify="right" if col in numeric else "left")
    for a in plan.accounts:
        row = [
            a.phase.replace("_", " "),
            f"{a.day_from}-{a.day_to}",
            a.key,
            a.name,
            a.kind.value,
            f"{a.marginal_reach:,}",
            f"{a.audience:,}",
            f"{a.cost:,.0f}" + ("*" if a.cost_estimated else ""),
        ]
        if explained:
            row += _explanation(a)
        t.add_row(*row, *([", ".join(a.warnings) or "-"] if warned else []))
    out.print(t)
    s = Table(show_header=False, title="plan totals")
    if plan.id:
        s.add_row("plan id", plan.id)
    s.add_row("accounts", f"{len(plan.accounts)}")
    s.add_row("expected unique reach", f"{plan.unique_reach:,} of {plan.target_size:,} targeted")
    s.add_row("summed audiences", f"{plan.total_audience:,}")
    s.add_row("overlap (duplicated share)", f"{plan.overlap_rate:.1%}")
    s.add_row("objective", plan.objective)
    s.add_row("stopped because", plan.stop_reason)
    if plan.forecast:
        s.add_row(
            f"people moved within {plan.forecast['horizon_days']:g} days",
            _forecast_cell(plan.forecast["moved_users"]),
        )
        if plan.forecast.get("per_message"):
            s.add_row(
                "people engaged per message (each account posts once)",
                _forecast_cell(plan.forecast["per_message"]),
            )
    if len(plan.overlap):
        r = plan.overlap.iloc[0]
        s.add_row("most overlapping pair", f"{r['a']} / {r['b']}: Jaccard {r['jaccard']:.3f}")
    quiet = [p for p in PHASES if not any(a.phase == p for a in plan.accounts)]
    if quiet:
        s.add_row("phases with no account", ", ".join(q.replace("_", " ") for q in quiet))
    out.print(s)
    for note in plan.notes:
        out.print(f"[dim]note: {note}[/]")
    if plan.id:
        out.print(
            f"evaluate it later: kolgraph evaluate {plan.id} --cascades FILE", highlight=False
        )


@app.command()
@handle_errors
def plan(
    budget: Annotated[
        float, typer.Option(help="Campaign budget, in the currency of account costs.")
    ],
    kol: Annotated[str | None, typer.Option(help="KOL count range MIN..MAX, e.g. 3..10.")] = None,
    media: Annotated[str | None, typer.Option(help="Media count range MIN..MAX.")] = None,
    own: Annotated[str | None, typer.Option(help="Own-account count range MIN..MAX.")] = None,
    community: Annotated[
        list[int] | None, typer.Option(help="Target community (repeatable); default everyone.")
    ] = None,
    platform: Annotated[str | None, typer.Option(help="Only accounts on this platform.")] = None,
    include: Annotated[
        list[str] | None, typer.Option(help="Account key that must be in the plan (repeatable).")
    ] = None,
    exclude: Annotated[
        list[str] | None, typer.Option(help="Account key to leave out (repeatable).")
    ] = None,
    include_flagged: Annotated[
        bool,
        typer.Option(
            "--include-flagged",
            help="Also plan with accounts whose audience the rank run flagged (left out by "
            "default; kept ones are marked 'flagged audience').",
        ),
    ] = False,
    _skip_flagged: Annotated[
        bool, typer.Option("--skip-flagged", hidden=True, help="The default now; no effect.")
    ] = False,
    objective: Annotated[
        Objective,
        typer.Option(
            help="engagement: expected engaged people; reach: unique audience; frequency: "
            "people reached at least --min-frequency times; past-engagers: distinct people "
            "who engaged after the accounts before; blend: engagement and past engagers; "
            "active-engagers: past engagers of accounts likely to act within the horizon; "
            "auto: the best of them on this store's own history (reach without timestamped "
            "cascades)."
        ),
    ] = Objective.auto,
    min_frequency: Annotated[
        int, typer.Option(min=1, help="Exposures that count for --objective frequency.")
    ] = 2,
    horizon: Annotated[
        float, typer.Option(help="Forecast horizon in days (a hot topic lives 7-14).")
    ] = 14.0,
    max_accounts: Annotated[
        int | None, typer.Option(help="At most this many accounts in the plan.")
    ] = None,
    min_gain: Annotated[
        float, typer.Option(help="Stop when the next account adds less than this.")
    ] = 0.0,
    format: Annotated[OutFormat, typer.Option("--format", help="table or json.")] = OutFormat.table,
    db: DbOpt = None,
    store: StoreOpt = None,
) -> None:
    """Choose accounts under a budget for the objective, with phase roles and a forecast.

    The plan is kept under the id it prints: evaluate the campaign later with
    ``kolgraph evaluate ID --cascades FILE``.
    """
    from kolgraph.plan.evaluate import make_and_keep

    params = _plan_params(
        budget,
        kol,
        media,
        own,
        community,
        platform,
        include,
        exclude,
        include_flagged,
        objective.value,
        min_frequency,
        horizon,
        max_accounts,
        min_gain,
    )
    with _open(db, store) as st:
        result, doc = make_and_keep(st, params, settings=_settings())
    if format is OutFormat.json:
        sys.stdout.write(json.dumps(doc.model_dump(mode="json"), indent=2) + "\n")
    else:
        _print_plan(result)


def _utc(ts: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.gmtime(ts))


@app.command()
@handle_errors
def plans(
    limit: Annotated[int, typer.Option(min=1, help="Show this many, newest first.")] = 20,
    format: Annotated[OutFormat, typer.Option("--format", help="table or json.")] = OutFormat.table,
    db: DbOpt = None,
    store: StoreOpt = None,
) -> None:
    """The most recent kept plans (every `kolgraph plan` and API plan is kept)."""
    from kolgraph.api.schemas import PlansPage, PlanSummary

    with _open(db, store) as st:
        rows = [PlanSummary.from_record(r) for r in st.list_plans(limit)]
    if format is OutFormat.json:
        doc = PlansPage(data=rows, count=len(rows)).model_dump(mode="json")
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
        return
    if not rows:
        out.print("no kept plans yet: make one with `kolgraph plan --budget ...`")
        return
    t = Table(title=f"kept plans (newest {len(rows)})")
    for col in ("id", "created (UTC)", "objective", "accounts", "budget", "spent", "evaluated"):
        t.add_column(col, justify="right" if col in {"accounts", "budget", "spent"} else "left")
    for r in rows:
        t.add_row(
            r.id,
            _utc(r.created),
            r.objective,
            str(r.accounts),
            f"{r.budget:,.0f}",
            f"{r.spent:,.0f}",
            "yes" if r.evaluated else "no",
        )
    out.print(t)


def _print_evaluation(ev: Any) -> None:
    s = Table(show_header=False, title=f"campaign of plan {ev.plan_id}")
    s.add_row("first post of a planned account", _utc(ev.start) + " UTC")
    s.add_row("cascades", f"{ev.cascades:,}")
    s.add_row("people engaged (actual)", f"{ev.engaged:,}")
    within = f"{ev.engaged_within_horizon:,}"
    s.add_row(f"  of them within {ev.horizon_days:g} days", within)
    if ev.predicted is not None:
        p = ev.predicted
        verdict = "inside" if ev.inside_interval else "outside"
        s.add_row(
            f"predicted within {ev.horizon_days:g} days",
            f"{p['expected']:,.0f} (80% interval {p['low']:,.0f}..{p['high']:,.0f}): actual "
            f"{within} is {verdict}",
        )
    else:
        s.add_row("predicted", "- (the plan had no forecast)")
    if ev.peak_day is not None:
        s.add_row(
            "peak day",
            f"day {ev.peak_day}"
            + (
                ""
                if ev.explosion_on_time is None
                else " (explosion on time)"
                if ev.explosion_on_time
                else " (not in the planned explosion days)"
            ),
        )
    out.print(s)
    t = Table(title="per account (people credited to the planned account they engaged after)")
    for col in ("key", "kind", "phase", "planned days", "posted day", "expected", "moved"):
        t.add_column(col, justify="right" if col in {"posted day", "expected", "moved"} else "left")
    t.add_column("incremental", justify="right")
    t.add_column("lesson")
    for a in ev.accounts:
        t.add_row(
            a.key,
            a.kind,
            a.phase.replace("_", " "),
            f"{a.planned_days[0]}-{a.planned_days[1]}",
            "-" if a.first_day is None else f"{a.first_day:.1f}",
            "-" if a.predicted is None else f"{a.predicted:,.0f}",
            f"{a.engaged:,}",
            f"{a.incremental:,}",
            a.lesson,
        )
    out.print(t)
    ph = Table(title="per phase (people moved on the plan's phase days)")
    for col in ("phase", "days", "planned accounts", "posted", "moved"):
        ph.add_column(col, justify="left" if col in {"phase", "days"} else "right")
    for p in ev.phases:
        ph.add_row(
            p.phase.replace("_", " "),
            f"{p.day_from}-{p.day_to}",
            str(p.planned_accounts),
            str(p.posted_accounts),
            f"{p.engaged:,}",
        )
    out.print(ph)
    for note in ev.notes:
        out.print(f"[dim]note: {note}[/]", highlight=False)


@app.command()
@handle_errors
def evaluate(
    plan_id: Annotated[str, typer.Argument(help="The kept plan's id (`kolgraph plans`).")],
    cascades: Annotated[
        Path,
        typer.Option(
            "--cascades",
            help="The campaign's reposts: CSV or TSV with a header src,dst,ts[,post] "
            "(src reposted dst at ts: unix seconds or ISO 8601).",
        ),
    ],
    platform: Annotated[
        str | None, typer.Option(help="Platform of keys written without a platform: prefix.")
    ] = None,
    format: Annotated[OutFormat, typer.Option("--format", help="table or json.")] = OutFormat.table,
    db: DbOpt = None,
    store: StoreOpt = None,
) -> None:
    """Compare a campaign that ran with its kept plan: engaged people predicted vs actual.

    The evaluation is kept with the plan; nothing is stored when it fails.
    """
    from kolgraph.api.schemas import EvaluationOut
    from kolgraph.model import check_platform
    from kolgraph.plan.evaluate import evaluate_plan, read_campaign_reposts

    if platform is not None:
        check_platform(platform)
    with _open(db, store) as st:
        st.get_plan(plan_id)  # an unknown id is reported before the file is read
        reposts = read_campaign_reposts(cascades, platform=platform)
        ev = evaluate_plan(st, plan_id, reposts)
    if format is OutFormat.json:
        doc = EvaluationOut.from_evaluation(ev).model_dump(mode="json")
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
    else:
        _print_evaluation(ev)


@app.command()
@handle_errors
def backtest(
    k: Annotated[str, typer.Option(help="Plan sizes to compare, comma-separated.")] = "10,25,50",
    train_share: Annotated[
        float, typer.Option(help="Share of cascades (by start time) to plan from.")
    ] = 0.7,
    markdown: Annotated[
        Path | None, typer.Option(help="Also write the table as markdown to this file.")
    ] = None,
    format: Annotated[OutFormat, typer.Option("--format", help="table or json.")] = OutFormat.table,
    db: DbOpt = None,
    store: StoreOpt = None,
) -> None:
    """Plan on the past, count who moved after: kolgraph's objectives against baselines."""
    from kolgraph.plan.backtest import BacktestParams
    from kolgraph.plan.learned import backtest_store
    from kolgraph.plan.report import backtest_markdown, backtest_table, calibration_line

    try:
        ks = tuple(int(x) for x in k.split(",") if x.strip())
    except ValueError:
        raise InputError(f"--k {k!r} is not a list of numbers", hint="e.g. --k 10,25,50") from None
    params = BacktestParams(ks=ks, train_share=train_share).check()
    status = out.status("backtest: fitting on the past, planning, counting moved users")
    with _open(db, store) as st, status:
        result = backtest_store(st, params=params)
    if markdown is not None:
        markdown.write_text(backtest_markdown(result), encoding="utf-8")
    if format is OutFormat.json:
        sys.stdout.write(json.dumps(result.as_dict(), indent=2, default=float) + "\n")
        return
    out.print(backtest_table(result))
    out.print(calibration_line(result))
    for note in result.notes:
        out.print(f"[dim]note: {note}[/]")


# ------------------------------------------------------------------------ serve / demo
@app.command()
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

    s = _settings()
    updates: dict[str, Any] = {}
    if db is not None:
        updates["db"] = db
    if store is not None:
        updates["store"] = store
    s = s.model_copy(update=updates)
    uvicorn.run(create_app(s), host=host or s.host, port=port or s.port, log_level="info")


@app.command()
@handle_errors
def demo(
    users: Annotated[int, typer.Option(help="Accounts in the synthetic network.")] = 50_000,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same network).")] = 7,
    budget: Annotated[float, typer.Option(help="Budget of the demo plan.")] = 1_000.0,
    fresh: Annotated[bool, typer.Option("--fresh", help="Wipe the store first.")] = False,
    db: DbOpt = None,
    store: StoreOpt = None,
) -> None:
    """Generate a seeded synthetic network, rank it, plan a campaign and print the results."""
    from kolgraph.demo import generate_demo, load_demo
    from kolgraph.errors import InputError
    from kolgraph.plan import KindRange, PlanParams
    from kolgraph.plan.evaluate import make_and_keep

    if users < 100:
        raise InputError(
            f"--users {users} is too small for a meaningful demo", hint="use 100 or more"
        )
    t0 = time.perf_counter()
    with _open(db, store) as st:
        console.print(f"[bold]kolgraph {__version__} demo[/]: {users:,} accounts, seed {seed}")
        with _bar("demo") as progress:
            task = progress.add_task("generating network", total=None)
            net = generate_demo(users, seed=seed)
            progress.update(task, completed=1, total=1)
        if fresh:
            st.clear()
        counts = st.counts()
        if counts.accounts:
            keys = net.keys()
            known = st.keys_to_index(list(keys))
            same = counts.accounts == len(keys) and bool((known >= 0).all())
            if same:  # same accounts: is it the same network? (counts and a sample of edges)
                g = st.graph_arrays()
                stored = set((g.follow_src.astype(np.int64) * g.n_nodes + g.follow_dst).tolist())
                sample = np.linspace(0, net.n_follows - 1, min(500, net.n_follows)).astype(int)
                wanted = known[net.follow_src[sample]] * g.n_nodes + known[net.follow_dst[sample]]
                same = (
                    counts.follows == net.n_follows
                    and counts.reposts == net.n_reposts
                    and all(int(c) in stored for c in wanted)
                )
            if not same:
                raise InputError(
                    f"the store already holds {counts.accounts:,} accounts that are not this demo",
                    hint="run the demo on another file (--db demo.db) or pass --fresh to wipe it",
                )
        with _bar("demo") as progress:
            total = net.n_accounts + net.n_follows + net.n_reposts
            task = progress.add_task("loading the store", total=total)
            load_demo(st, net, progress=lambda n: progress.update(task, advance=n))
        result = _rank_with_progress(st)
        _print_rank(st, result, top=10)
        _print_accounts(st, AccountQuery(kind=Kind.KOL, limit=10), title="top KOLs")
        _print_communities(st, 8)
        _print_flagged(st)
        params = PlanParams(
            budget=budget,
            mix={
                Kind.KOL: KindRange(3, 15),
                Kind.MEDIA: KindRange(1, 4),
                Kind.OWN: KindRange(1, 3),
            },
        )
        _print_plan(make_and_keep(st, params, settings=_settings())[0])
        where = st.path if hasattr(st, "path") else st.name
    console.print(f"[green]demo finished in {time.perf_counter() - t0:.1f} s[/] (store: {where})")
    console.print(
        "next: [bold]kolgraph accounts --kind media[/], "
        "[bold]kolgraph plan --budget 2000 --kol 5..20 --format json[/], "
        "[bold]kolgraph serve[/] then http://127.0.0.1:8000/docs"
    )


@app.callback(invoke_without_command=True)
def _root(
    version: Annotated[bool, typer.Option("--version", help="Show the version and exit.")] = False,
) -> None:
    if version:
        out.print(f"kolgraph {__version__}")
        raise typer.Exit()


# The crawl commands live in kolgraph.crawl.cli, which imports the helpers above. Run as
# ``python -m kolgraph.cli`` this file is ``__main__``; the block at the end then imports
# the real ``kolgraph.cli`` module, which registers them.
def _register_crawl_commands() -> None:
    from kolgraph.crawl.cli import crawl_app, simulate

    app.add_typer(crawl_app, name="crawl")
    app.command("simulate")(simulate)


if __name__ != "__main__":
    _register_crawl_commands()


def main() -> None:
    """Entry point of the ``kolgraph`` console script."""
    app()


if __name__ == "__main__":
    from kolgraph.cli import main as _main

    _main()
