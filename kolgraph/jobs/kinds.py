"""The kinds of job: how each is checked before it is accepted, and how it runs.

Each kind wraps the library function its command runs, so a job does exactly what
the command does:

==========  ===========================================  ==============================
kind        runs                                         stops (on cancel) between
==========  ===========================================  ==============================
rank        :func:`kolgraph.rank.job.run_rank`            stages; the run is marked
                                                         failed, the current run stays
crawl       :func:`kolgraph.crawl.runner.crawl`           pages; every committed page
                                                         stays, the same job resumes
backtest    :func:`kolgraph.plan.learned.backtest_store`  loading and backtesting (it
                                                         writes nothing)
import      the ``kolgraph import`` importers             written batches; writes are
                                                         idempotent, so rerun it
==========  ===========================================  ==============================

Only one rank job runs at a time per store (:attr:`Kind.exclusive`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter

from kolgraph.errors import InputError
from kolgraph.jobs.context import JobContext
from kolgraph.jobs.uploads import read_upload
from kolgraph.schemas.jobs import (
    BacktestJobIn,
    CrawlJobIn,
    ImportJobIn,
    ImportOut,
    JobIn,
    RankJobIn,
    RankJobResult,
)
from kolgraph.settings import Settings
from kolgraph.store.base import Store

__all__ = ["KINDS", "Kind", "parse_request"]

_REQUEST: TypeAdapter[Any] = TypeAdapter(JobIn)


@dataclass(frozen=True)
class Kind:
    """One kind of job.

    Attributes
    ----------
    name
        ``rank``, ``crawl``, ``backtest`` or ``import``.
    check
        Refuses bad options before the job is accepted (:class:`InputError`,
        :class:`~kolgraph.errors.NotFound`).
    run
        Runs the job; returns its result document.
    exclusive
        At most one job of the kind runs at a time per store.
    """

    name: str
    check: Callable[[Store, Any, Settings], None]
    run: Callable[[Store, JobContext, Any, Settings], dict[str, Any]]
    exclusive: bool = False


def parse_request(kind: str, params: dict[str, Any]) -> BaseModel:
    """A job's options as stored (``params``) back into its request model."""
    model: BaseModel = _REQUEST.validate_python({**params, "kind": kind})
    return model


# ----------------------------------------------------------------------------- rank
def _rank_params(req: RankJobIn, settings: Settings) -> Any:
    from kolgraph.rank.job import RankParams

    overrides: dict[str, object] = {"engine": req.engine, "threads": req.threads}
    if req.only:
        overrides["only"] = tuple(req.only)
    for name, value in (
        ("damping", req.damping),
        ("repost_weight", req.repost_weight),
        ("seed", req.seed),
        ("overlap_top_k", req.top_k),
        ("half_life_days", req.half_life_days),
    ):
        if value is not None:
            overrides[name] = value
    return RankParams.from_settings(settings, **overrides).check()


def _check_rank(store: Store, req: RankJobIn, settings: Settings) -> None:
    _rank_params(req, settings)


def _run_rank(store: Store, ctx: JobContext, req: RankJobIn, settings: Settings) -> dict[str, Any]:
    from kolgraph.rank.job import STAGES, run_rank

    params = _rank_params(req, settings)
    previous = store.current_run()
    last = previous.timings if previous is not None else {}
    known = all(s in last for s in STAGES)  # the last run's stage times: a better estimate

    def progress(stage: str, done: int, total: int) -> None:
        i = STAGES.index(stage) + (1 if done else 0)
        eta = sum(float(last[s]) for s in STAGES[i:]) if known else None
        if done:
            ctx.update(i, len(STAGES), eta=eta)
        else:
            ctx.stage(stage, done=i, total=len(STAGES), eta=eta)
        ctx.check()

    result = run_rank(store, params=params, progress=progress)
    ctx.log(f"published run {result.run.id}")
    return RankJobResult.from_result(result).model_dump(mode="json")


# ----------------------------------------------------------------------------- crawl
def _check_crawl(store: Store, req: CrawlJobIn, settings: Settings) -> None:
    from kolgraph.crawl.budget import CrawlBudget

    CrawlBudget(depth=req.depth, wall_time=req.wall_time)


def _run_crawl(
    store: Store, ctx: JobContext, req: CrawlJobIn, settings: Settings
) -> dict[str, Any]:
    from kolgraph.crawl.budget import CrawlBudget
    from kolgraph.crawl.crawler import CrawlReport
    from kolgraph.crawl.runner import crawl
    from kolgraph.schemas.crawls import CrawlReportOut

    budget = CrawlBudget(
        depth=req.depth,
        max_pages=req.max_pages,
        max_followers=req.max_followers,
        max_posts=req.max_posts,
        max_accounts=req.max_accounts,
        wall_time=req.wall_time,
    )
    ctx.stage("crawl", done=0)

    def on_progress(report: CrawlReport, queued: int) -> None:
        # pages done of pages done + tasks queued (each at least one page): a lower bound
        ctx.update(report.pages, report.pages + queued)
        ctx.check()

    report = crawl(
        store,
        req.platform,
        req.seeds,
        settings=settings,
        base_url=req.base_url,
        budget=budget,
        crawl_id=req.crawl_id,
        archive_dir=settings.crawl_archive if req.archive else None,
        on_progress=on_progress,
        retry_failed=req.retry_failed,
    )
    ctx.log(f"crawl {report.crawl_id}: {report.status}, {report.pages} pages")
    return CrawlReportOut.from_report(report).model_dump(mode="json")


# ----------------------------------------------------------------------------- backtest
def _backtest_params(req: BacktestJobIn) -> Any:
    from kolgraph.plan.backtest import BacktestParams

    return BacktestParams(ks=tuple(req.k), train_share=req.train_share).check()


def _check_backtest(store: Store, req: BacktestJobIn, settings: Settings) -> None:
    _backtest_params(req)


def _run_backtest(
    store: Store, ctx: JobContext, req: BacktestJobIn, settings: Settings
) -> dict[str, Any]:
    from kolgraph.plan.backtest import run_backtest
    from kolgraph.plan.cascades import cascades_from_store
    from kolgraph.plan.learned import store_follows
    from kolgraph.schemas.backtest import BacktestOut

    params = _backtest_params(req)
    ctx.stage("load", done=0, total=2)
    cascades = cascades_from_store(store)
    follows = store_follows(store)
    ctx.check()
    ctx.stage("backtest", done=1, total=2)
    result = run_backtest(cascades, follows=follows, params=params)
    ctx.update(2)
    ctx.check()
    return BacktestOut.from_result(result).model_dump(mode="json")


# ----------------------------------------------------------------------------- import
_EDGE_ONLY = ("type", "delimiter", "columns", "header", "text_ids")
_DEFAULT_PLATFORM = {"edges": "twitter", "higgs": "twitter", "cascades": "douban"}


def _check_import(store: Store, req: ImportJobIn, settings: Settings) -> None:
    from kolgraph.model import check_platform

    read_upload(settings.jobs_dir, req.upload)
    if req.platform is not None:
        check_platform(req.platform)
    wrong = [f for f in _EDGE_ONLY if f in req.model_fields_set and req.format != "edges"]
    if "actions" in req.model_fields_set and req.format != "higgs":
        wrong.append("actions")
    if "on_error" in req.model_fields_set and req.format == "accounts":
        wrong.append("on_error")
    if wrong:
        raise InputError(
            f"{', '.join(wrong)} do(es) not apply to a {req.format} import",
            hint="see the import job's options in /docs",
            field=f"body.{wrong[0]}",
        )


def _run_import(
    store: Store, ctx: JobContext, req: ImportJobIn, settings: Settings
) -> dict[str, Any]:
    info, path = read_upload(settings.jobs_dir, req.upload)
    rejects = Path(settings.jobs_dir) / "rejects" / f"{ctx.job_id}.rejects.tsv"
    rejects.parent.mkdir(parents=True, exist_ok=True)
    ctx.stage(f"import {req.format}", done=0)

    def progress(n: int) -> None:
        ctx.advance(n)
        ctx.check()

    try:
        report = _import(store, req, path, rejects, settings.batch_size, progress)
    except InputError as exc:  # name the upload, not the server's file
        where = f"upload {info.id} ({info.name})"
        raise InputError(
            exc.message.replace(str(path), where), hint=exc.hint, field=exc.field
        ) from exc
    if report.rejected:
        ctx.log(f"{report.rejected} rejected rows kept in {rejects.name}")
    return ImportOut.from_report(report, fmt=req.format, upload=info.id, name=info.name).model_dump(
        mode="json"
    )


def _import(
    store: Store,
    req: ImportJobIn,
    path: Path,
    rejects: Path,
    batch_size: int,
    progress: Callable[[int], None],
) -> Any:
    from kolgraph.ingest.report import ImportReport

    platform = req.platform or _DEFAULT_PLATFORM.get(req.format, "")
    common: dict[str, Any] = {
        "on_error": req.on_error,
        "rejects_path": rejects,
        "batch_size": batch_size,
        "progress": progress,
    }
    if req.format == "edges":
        from kolgraph.ingest.edges import import_edges
        from kolgraph.model import EdgeType

        return import_edges(
            store,
            path,
            edge_type=EdgeType(req.type),
            platform=platform,
            delimiter=req.delimiter,
            columns=req.columns,
            header=req.header,
            numeric_ids=not req.text_ids,
            **common,
        )
    if req.format == "higgs":
        from kolgraph.ingest.higgs import import_higgs

        return import_higgs(store, path, platform=platform, actions=tuple(req.actions), **common)
    if req.format == "cascades":
        from kolgraph.ingest.cascades import import_cascades

        return import_cascades(store, path, platform=platform, **common)
    from kolgraph.ingest.accounts import import_accounts

    t0 = time.perf_counter()
    before = store.counts().accounts
    rows, _ = import_accounts(store, path, platform=req.platform)
    report = ImportReport(path=str(path), kind="accounts", rows=rows)
    report.accounts_before, report.accounts_after = before, store.counts().accounts
    report.seconds = time.perf_counter() - t0
    return report


KINDS: dict[str, Kind] = {
    "rank": Kind("rank", _check_rank, _run_rank, exclusive=True),
    "crawl": Kind("crawl", _check_crawl, _run_crawl),
    "backtest": Kind("backtest", _check_backtest, _run_backtest),
    "import": Kind("import", _check_import, _run_import),
}
