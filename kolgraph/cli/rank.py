"""``kolgraph rank``, ``kolgraph runs`` and ``kolgraph runs diff``."""

from __future__ import annotations

import json
import sys
import time
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import numpy as np
import pandas as pd
import typer
from rich.table import Table

from kolgraph.cli.common import (
    DbOpt,
    FormatOpt,
    OutFormat,
    StoreOpt,
    cell,
    handle_errors,
    load_settings,
    opened_store,
    out,
    progress_bar,
)
from kolgraph.cli.read import print_accounts
from kolgraph.errors import InputError
from kolgraph.rank.job import COMPUTE_STAGES

if TYPE_CHECKING:
    from kolgraph.rank.job import JobResult
    from kolgraph.store import Store

__all__ = ["print_rank", "rank", "rank_with_progress", "runs_app"]

runs_app = typer.Typer(help="Rank run history and comparisons.")


class Engine(str, Enum):
    """``rank --engine``: where the graph algorithms run."""

    kolgraph = "kolgraph"
    gds = "gds"
    spark = "spark"


def rank_with_progress(st: Store, **overrides: object) -> JobResult:
    """Run the rank job with the settings' parameters and ``overrides``, one bar per stage."""
    from kolgraph.jobs.runner import live_job
    from kolgraph.rank.job import STAGES, RankParams, run_rank

    settings = load_settings()
    running = live_job(st, settings, "rank")
    if running is not None:  # one rank job at a time per store, from the API or here
        raise running.busy()
    params = RankParams.from_settings(settings, **overrides)
    with progress_bar() as progress:
        tasks = {s: progress.add_task(s, total=1, start=False) for s in STAGES}

        def cb(stage: str, done: int, total: int) -> None:
            if done == 0:
                progress.start_task(tasks[stage])
            else:
                progress.update(tasks[stage], completed=total)

        return run_rank(st, params=params, progress=cb)


def print_rank(st: Store, result: JobResult, top: int = 10) -> None:
    """A run's counts, quality and timings, then its top accounts."""
    from kolgraph.store import AccountQuery

    run = result.run
    t = Table(title=f"rank run {run.id}", show_header=False)
    for k, n in result.counts.items():
        t.add_row(k.replace("_", " "), f"{n:,}")
    for k, q in result.quality.items():
        t.add_row(k.replace("_", " "), f"{q:.4f}")
    for k, sec in result.timings.items():
        t.add_row(f"time: {k}", f"{sec:.2f} s")
    t.add_row("time: total", f"{sum(result.timings.values()):.2f} s")
    out.print(t)
    print_accounts(st, AccountQuery(limit=top), title=f"top {top} accounts by PageRank")


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
            "Science; spark: on Apache Spark (pip install -e '.[spark]')."
        ),
    ] = Engine.kolgraph,
    spark_master: Annotated[
        str | None,
        typer.Option(
            help="With --engine spark: the Spark master (default local[*]; spark://HOST:7077, "
            "k8s://https://HOST:443, yarn)."
        ),
    ] = None,
    spark_conf: Annotated[
        list[str] | None,
        typer.Option(
            help="With --engine spark: a Spark setting KEY=VALUE (repeatable), e.g. "
            "spark.executor.memory=8g."
        ),
    ] = None,
    spark_source: Annotated[
        str | None,
        typer.Option(
            help="With --engine spark: where Spark reads the graph: store (exported for it, "
            "the default), neo4j (the Neo4j Connector for Apache Spark) or parquet:DIR "
            "(a `kolgraph export parquet` directory or URL)."
        ),
    ] = None,
    only: Annotated[
        str | None,
        typer.Option(
            help=f"Recompute only these stages (comma-separated: {', '.join(COMPUTE_STAGES)}); "
            "the rest is kept from the current run."
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
    overrides: dict[str, object] = {"engine": engine.value}
    given = {
        "--spark-master": spark_master,
        "--spark-conf": spark_conf,
        "--spark-source": spark_source,
    }
    if engine is not Engine.spark and any(v for v in given.values()):
        raise InputError(
            f"{', '.join(k for k, v in given.items() if v)} only apply with --engine spark"
        )
    if spark_conf:
        from kolgraph.rank.spark.session import parse_conf

        conf = {**load_settings().spark_conf, **parse_conf(spark_conf)}
        overrides["spark_conf"] = tuple(f"{k}={v}" for k, v in sorted(conf.items()))
    if spark_master is not None:
        overrides["spark_master"] = spark_master
    if spark_source is not None:
        overrides["spark_source"] = spark_source
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
    with opened_store(db, store) as st:
        result = rank_with_progress(st, **overrides)
        print_rank(st, result)


@runs_app.callback(invoke_without_command=True)
@handle_errors
def runs(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(min=1, help="How many runs to list.")] = 20,
    db: DbOpt = None,
    store: StoreOpt = None,
) -> None:
    """List rank runs, newest first (`kolgraph runs diff A B` compares two)."""
    if ctx.invoked_subcommand is not None:
        return
    with opened_store(db, store) as st:
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
    top: Annotated[int, typer.Option(min=1, help="Accounts in the top N of either run.")] = 100,
    show: Annotated[int, typer.Option(min=1, help="Risers and fallers to show.")] = 10,
    format: FormatOpt = OutFormat.table,
    db: DbOpt = None,
    store: StoreOpt = None,
) -> None:
    """Who rose and who fell between two rank runs (by PageRank position)."""
    from kolgraph.rank.diff import diff_runs

    with opened_store(db, store) as st:
        d = diff_runs(
            st.run_scores(before), st.run_scores(after), st.accounts_frame()["key"], top=top
        )
    if format is OutFormat.json:
        from kolgraph.schemas.runs import RunDiffRow

        rows = [r.model_dump(mode="json") for r in RunDiffRow.from_frame(d)]
        sys.stdout.write(json.dumps(rows, separators=(",", ":")) + "\n")
        return
    moved = d["moved"].fillna(0)
    shown = 0
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
                cell(rec["rank_before"]),
                cell(rec["rank_after"]),
                "-" if pd.isna(rec["moved"]) else f"{int(rec['moved']):+d}",
                "-" if not np.isfinite(rec["ratio"]) else f"{rec['ratio']:.2f}",
                cell(rec["community_after"]),
            )
        out.print(t)
        shown += 1
    if not shown:
        same = " (the same run twice)" if before == after else ""
        out.print(
            f"no account of the top {top} moved between {before} and {after}{same}",
            highlight=False,
        )
