"""``/v1/jobs`` and ``/v1/uploads``: start long work, watch it, cancel it.

Thin over :mod:`kolgraph.jobs`: a job runs in a background thread of the server
process that accepted it, and its record lives in the store, so any worker sharing
the store answers for it. The app's lifespan starts this process's
:class:`~kolgraph.jobs.JobRunner` (marking interrupted the jobs a previous server
left running) and, on shutdown, stops its jobs and marks them interrupted.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, FastAPI, Path, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from kolgraph.api.deps import PageDep, SettingsDep, StoreDep
from kolgraph.api.observability import JobMetrics
from kolgraph.jobs import JobRunner, get_job, list_jobs
from kolgraph.jobs.uploads import MEDIA_TYPES, UploadWriter
from kolgraph.schemas.common import ErrorOut
from kolgraph.schemas.jobs import JobIn, JobOut, JobsPage, UploadOut

__all__ = ["lifespan", "router"]

_RUNNER_LOCK = threading.Lock()


def _runner(app: FastAPI) -> JobRunner:
    """The app's job runner (made on first use when the lifespan did not run)."""
    with _RUNNER_LOCK:
        runner: JobRunner | None = getattr(app.state, "jobs", None)
        if runner is None:
            settings = app.state.settings
            runner = JobRunner(settings, on_state=JobMetrics() if settings.metrics else None)
            app.state.jobs = runner
        return runner


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Start the job runner with the app; stop its jobs when the app stops."""
    runner = _runner(app)
    await run_in_threadpool(runner.start)
    try:
        yield
    finally:
        await run_in_threadpool(runner.shutdown)


def get_runner(request: Request) -> JobRunner:
    """This process's job runner."""
    return _runner(request.app)


RunnerDep = Annotated[JobRunner, Depends(get_runner)]
JobId = Annotated[str, Path(min_length=1, max_length=64, description="A job id (job-...).")]

router = APIRouter(tags=["jobs"], lifespan=lifespan)


def _doc(text: str) -> dict[str, Any]:
    return {"description": text, "model": ErrorOut}


_NO_JOB: dict[int | str, dict[str, Any]] = {404: _doc("No job has this id (not_found).")}


@router.post(
    "/v1/jobs",
    status_code=202,
    summary="Start a job: rank, crawl, backtest or import",
    responses={
        202: {
            "description": "Accepted: the job's record (queued); poll its Location.",
            "headers": {
                "Location": {
                    "description": "The job's URL, /v1/jobs/{id}.",
                    "schema": {"type": "string"},
                }
            },
        },
        404: _doc("An import names an upload the server does not have (not_found)."),
        409: _doc("A rank job is already running on this store (conflict)."),
        422: _doc("Invalid options (validation_error, invalid_input)."),
    },
)
def start_job(
    job: Annotated[JobIn, Body(description="The kind of job and its options.")],
    store: StoreDep,
    runner: RunnerDep,
    response: Response,
) -> JobOut:
    record = runner.submit(store, job)
    response.headers["Location"] = f"/v1/jobs/{record.id}"
    return JobOut.from_record(record)


@router.get("/v1/jobs", summary="Jobs, newest first")
def all_jobs(request: Request, store: StoreDep, settings: SettingsDep, page: PageDep) -> JobsPage:
    records, total = list_jobs(store, settings, limit=page.limit, offset=page.offset)
    return JobsPage.from_records(records, total, next_url=page.next_url(request, total))


@router.get(
    "/v1/jobs/{job_id}",
    summary="A job: state, progress (stage, done/total, ETA), log tail, result",
    responses=_NO_JOB,
)
def one_job(job_id: JobId, store: StoreDep, settings: SettingsDep) -> JobOut:
    return JobOut.from_record(get_job(store, settings, job_id))


@router.post(
    "/v1/jobs/{job_id}/cancel",
    status_code=202,
    summary="Ask a job to stop",
    response_description="Accepted: the job stops at its next step (poll it).",
    responses={**_NO_JOB, 409: _doc("The job has already ended (conflict).")},
)
def cancel_job(job_id: JobId, store: StoreDep, runner: RunnerDep) -> JobOut:
    return JobOut.from_record(runner.cancel(store, job_id))


#: The largest upload the schema states; servers refuse larger bodies with 413 (a setting
#: may make their limit lower).
UPLOAD_MAX_BYTES = 1_000_000_000
_UPLOAD_SCHEMA = {"type": "string", "format": "binary", "maxLength": UPLOAD_MAX_BYTES}
_UPLOAD_BODY = {
    "required": True,
    "description": "The file, sent as is (plain or gzip text).",
    "content": {kind: {"schema": _UPLOAD_SCHEMA} for kind in MEDIA_TYPES},
}


@router.put(
    "/v1/uploads",
    status_code=201,
    summary="Upload a file for an import job",
    response_description="Kept: pass its id as the import job's 'upload'.",
    responses={
        415: _doc("The body is not sent as a dump file type (unsupported_media_type)."),
        422: _doc("The body is empty, or a parameter is invalid."),
    },
    openapi_extra={"requestBody": _UPLOAD_BODY},
)
async def upload(
    request: Request,
    settings: SettingsDep,
    name: Annotated[
        str | None, Query(max_length=200, description="The file's name, for messages.")
    ] = None,
) -> UploadOut:
    writer = UploadWriter(
        settings.jobs_dir, name=name, media_type=request.headers.get("content-type", "")
    )
    try:
        async for chunk in request.stream():
            await run_in_threadpool(writer.write, chunk)
    except BaseException:
        writer.abort()
        raise
    info = await run_in_threadpool(writer.finish)
    return UploadOut.model_validate(info, from_attributes=True)
