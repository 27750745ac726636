"""``kolgraph crawl PLATFORM|replay|status`` and ``kolgraph simulate``.

Scripts depend on these names (see the README):

* ``kolgraph crawl PLATFORM --seeds FILE [--base-url URL] [--max-pages N] [--depth D]``
  crawls into the configured store; rerunning the same command resumes.
* ``kolgraph crawl replay ARCHIVE`` re-parses a raw page archive into the store.
* ``kolgraph crawl status`` lists crawls and their progress.
* ``kolgraph simulate [--host H] [--port P] [--seed S] [--accounts N] [--fault-rate R]
  [--seeds-out FILE]`` serves the local platform simulator until stopped.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.logging import RichHandler
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from kolgraph.cli.common import (
    DbOpt,
    FormatOpt,
    OutFormat,
    StoreOpt,
    console,
    handle_errors,
    load_settings,
    opened_store,
    out,
)
from kolgraph.crawl.platforms import PLATFORM_NAMES
from kolgraph.errors import InputError

if TYPE_CHECKING:
    from kolgraph.crawl.crawler import CrawlReport
    from kolgraph.settings import Settings

__all__ = ["crawl_app", "simulate"]

crawl_app = typer.Typer(
    help="Crawl follower and repost edges from social platforms (resumable).",
    no_args_is_help=True,
)


def _logging() -> None:
    log = logging.getLogger("kolgraph.crawl")
    if not log.handlers:
        handler = RichHandler(console=console, show_path=False, show_time=False)
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False


def _crawl_settings(no_throttle: bool, rpm: int | None) -> Settings:
    s = load_settings()
    update: dict[str, object] = {}
    if no_throttle:  # no pacing at all, also after errors (retries still back off)
        update.update(crawl_rpm=0, crawl_min_delay=0.0, crawl_max_delay=0.001)
    if rpm is not None:
        if rpm < 0:
            raise InputError(f"--rpm must be >= 0, got {rpm}")
        update["crawl_rpm"] = rpm
    return s.model_copy(update=update) if update else s


def _print_measures(title: str, rows: Iterable[tuple[str, object]]) -> None:
    """A two-column table: measure, value."""
    t = Table(title=title, title_justify="left")
    t.add_column("measure")
    t.add_column("value", justify="right")
    for k, v in rows:
        t.add_row(k, str(v))
    out.print(t)


def _print_report(report: CrawlReport, fmt: OutFormat) -> None:
    if fmt is OutFormat.json:
        from kolgraph.schemas.crawls import CrawlReportOut

        out.print_json(data=CrawlReportOut.from_report(report).model_dump(mode="json"))
        return
    rows: list[tuple[str, object]] = [
        ("pages this run", report.pages),
        ("new follow edges", report.new_follows),
        ("new repost edges", report.new_reposts),
        ("accounts seen", report.accounts),
        ("quarantined pages", report.quarantined),
        ("gone (not found)", report.gone),
        ("failed tasks", report.failed),
        (
            "requests / retries",
            f"{report.http.get('requests', 0)} / {report.http.get('retries', 0)}",
        ),
        ("elapsed", f"{report.elapsed:.1f} s ({report.pages_per_s:.1f} pages/s)"),
        ("tasks", ", ".join(f"{k} {v}" for k, v in sorted(report.tasks.items()))),
        ("follower coverage", "-" if report.coverage is None else f"{report.coverage:.1%}"),
    ]
    errors = report.http.get("errors") or {}
    if errors:
        rows.append(("errors met", ", ".join(f"{k} {v}" for k, v in sorted(errors.items()))))
    _print_measures(f"crawl {report.crawl_id}: {report.status}", rows)


def _crawl_command(platform: str) -> None:
    @crawl_app.command(platform)
    @handle_errors
    def command(
        seeds: Annotated[
            Path, typer.Option("--seeds", help="File of seed account ids, one per line.")
        ],
        base_url: Annotated[
            str | None,
            typer.Option(help="Send requests here instead of the platform (e.g. a simulator)."),
        ] = None,
        max_pages: Annotated[
            int | None, typer.Option(help="Pages per list (followers of one account, ...).")
        ] = None,
        depth: Annotated[int, typer.Option(help="Hops from the seeds to profile.")] = 1,
        max_followers: Annotated[
            int | None, typer.Option(help="Followers collected per account.")
        ] = None,
        max_posts: Annotated[
            int, typer.Option(help="Posts per account whose reposts are collected.")
        ] = 20,
        max_accounts: Annotated[
            int | None, typer.Option(help="Profiles fetched in all (rerun with more to go on).")
        ] = None,
        wall_time: Annotated[
            float | None, typer.Option(help="Stop after this many seconds (resumable).")
        ] = None,
        crawl_id: Annotated[
            str | None, typer.Option(help="Crawl id [default: derived from the arguments].")
        ] = None,
        archive: Annotated[
            Path | None,
            typer.Option(help="Raw page archive directory [env: KOLGRAPH_CRAWL_ARCHIVE]."),
        ] = None,
        no_archive: Annotated[
            bool, typer.Option("--no-archive", help="Keep no raw page archive.")
        ] = False,
        no_throttle: Annotated[
            bool,
            typer.Option("--no-throttle", help="No pacing between requests (local simulator)."),
        ] = False,
        retry_failed: Annotated[
            bool,
            typer.Option("--retry-failed", help="Try again the tasks an earlier run gave up on."),
        ] = False,
        rpm: Annotated[
            int | None, typer.Option(help="Requests per minute per host [env: KOLGRAPH_CRAWL_RPM].")
        ] = None,
        format: FormatOpt = OutFormat.table,
        db: DbOpt = None,
        store: StoreOpt = None,
    ) -> None:
        from kolgraph.crawl.budget import CrawlBudget
        from kolgraph.crawl.runner import crawl
        from kolgraph.crawl.seeds import read_seeds

        settings = _crawl_settings(no_throttle, rpm)
        ids = read_seeds(seeds, platform)
        budget = CrawlBudget(
            depth=depth,
            max_pages=max_pages,
            max_followers=max_followers,
            max_posts=max_posts,
            max_accounts=max_accounts,
            wall_time=wall_time,
        )
        archive_dir = None if no_archive else (archive or settings.crawl_archive)
        _logging()
        progress = Progress(
            SpinnerColumn(),
            TextColumn("[bold]{task.description}"),
            TextColumn("{task.fields[info]}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        with opened_store(db, store, create=True) as st, progress:
            bar = progress.add_task(f"crawl {platform}", info="starting", total=None)

            def on_progress(r: CrawlReport, queued: int) -> None:
                errors = sum(r.errors.values()) + r.quarantined
                progress.update(
                    bar,
                    info=(
                        f"pages {r.pages} · +{r.new_follows} follows · +{r.new_reposts} reposts"
                        f" · queued {queued} · errors {errors} · {r.pages_per_s:.1f} pages/s"
                    ),
                )

            report = crawl(
                st,
                platform,
                ids,
                settings=settings,
                base_url=base_url,
                budget=budget,
                crawl_id=crawl_id,
                archive_dir=archive_dir,
                on_progress=on_progress,
                retry_failed=retry_failed,
            )
        _print_report(report, format)

    command.__doc__ = (
        f"Crawl {platform} from seed accounts into the store; rerun the same command to resume."
    )


for _name in PLATFORM_NAMES:
    _crawl_command(_name)


@crawl_app.command("replay")
@handle_errors
def replay_cmd(
    archive: Annotated[Path, typer.Argument(help="Archive file (*.jsonl.gz) or directory.")],
    format: FormatOpt = OutFormat.table,
    db: DbOpt = None,
    store: StoreOpt = None,
) -> None:
    """Re-parse a raw page archive into the store, without touching the network."""
    from kolgraph.crawl.replay import replay
    from kolgraph.schemas.crawls import ReplayOut

    _logging()
    with opened_store(db, store, create=True) as st:
        doc = ReplayOut.from_report(replay(st, archive, settings=load_settings()))
    if format is OutFormat.json:
        out.print_json(data=doc.model_dump(mode="json"))
        return
    _print_measures(
        f"replay {archive}", ((k.replace("_", " "), v) for k, v in doc.model_dump().items())
    )


@crawl_app.command("status")
@handle_errors
def status_cmd(
    crawl_id: Annotated[str | None, typer.Argument(help="One crawl [default: all].")] = None,
    format: FormatOpt = OutFormat.table,
    db: DbOpt = None,
    store: StoreOpt = None,
) -> None:
    """List crawls: tasks by status, pages, edges and errors so far."""
    with opened_store(db, store, create=True) as st:
        crawls = [st.crawl.info(crawl_id)] if crawl_id else st.crawl.all()
    if format is OutFormat.json:
        from kolgraph.schemas.crawls import CrawlsPage

        out.print_json(data=CrawlsPage.from_infos(crawls).model_dump(mode="json"))
        return
    t = Table(title="crawls", title_justify="left")
    for col in ("crawl", "platform", "pending", "done", "failed", "pages", "follows", "reposts"):
        t.add_column(col, justify="left" if col in ("crawl", "platform") else "right")
    t.add_column("updated")
    for c in crawls:
        t.add_row(
            c.crawl_id,
            c.platform,
            str(c.tasks.get("pending", 0)),
            str(c.tasks.get("done", 0) + c.tasks.get("gone", 0)),
            str(c.tasks.get("failed", 0)),
            str(c.stats.get("pages", 0)),
            str(c.stats.get("new_follows", 0)),
            str(c.stats.get("new_reposts", 0)),
            c.updated,
        )
    out.print(t)


@handle_errors
def simulate(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port (0: any free port).")] = 8700,
    seed: Annotated[int, typer.Option(help="Seed of the network and of the faults.")] = 7,
    accounts: Annotated[
        int, typer.Option(help="Accounts in the simulated network (at least 200).")
    ] = 2_000,
    fault_rate: Annotated[
        float, typer.Option(help="Share of platform requests that fail (0-1).")
    ] = 0.0,
    faults: Annotated[
        str,
        typer.Option(
            help="Comma-separated faults: 429,500,503,timeout,truncated,malformed,expired."
        ),
    ] = "429,500,503,timeout,truncated,malformed",
    retry_after: Annotated[float, typer.Option(help="Seconds a 429 asks clients to wait.")] = 1.0,
    stall: Annotated[float, typer.Option(help="Seconds a timeout fault stalls.")] = 5.0,
    latency: Annotated[float, typer.Option(help="Seconds every response takes.")] = 0.0,
    seeds_out: Annotated[
        Path | None,
        typer.Option(help="Write the ids of the most-followed accounts here, one per line."),
    ] = None,
    seeds_count: Annotated[int, typer.Option(help="How many ids --seeds-out writes.")] = 10,
) -> None:
    """Serve the Weibo, X and Bilibili simulator on HOST:PORT until stopped (Ctrl-C)."""
    from kolgraph.crawl.simulator.app import PLATFORMS
    from kolgraph.crawl.simulator.network import SimNetwork
    from kolgraph.crawl.simulator.server import Simulator

    if accounts < 200:
        raise InputError(f"--accounts must be at least 200, got {accounts}")
    net = SimNetwork(accounts, seed=seed)
    try:
        sim = Simulator(
            net,
            PLATFORMS,
            host=host,
            port=port,
            fault_rate=fault_rate,
            faults=[f.strip() for f in faults.split(",") if f.strip()],
            seed=seed,
            retry_after=retry_after,
            stall=stall,
            latency=latency,
        )
    except OSError as exc:  # the port is taken, or the address is not this host's
        raise InputError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}",
            hint="pick another --port (0: any free port) or --host",
        ) from exc
    if seeds_out is not None:
        seeds_out.write_text("\n".join(net.top_accounts(seeds_count)) + "\n", encoding="utf-8")
    console.print(f"serving {sim.url}", highlight=False, soft_wrap=True)
    console.print(
        f"simulating weibo, x and bilibili: {accounts} accounts, seed {seed}, "
        f"fault rate {fault_rate} (Ctrl-C to stop)",
        highlight=False,
        soft_wrap=True,
    )
    sys.stderr.flush()
    try:
        sim.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()
