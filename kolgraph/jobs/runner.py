"""Running jobs in background threads, with their records kept in the store.

:class:`JobRunner` belongs to one server process. :meth:`JobRunner.submit`
checks a job's options, keeps its record (``queued``; a rank job only if no other
runs on the store, in the same transaction) and starts a thread that opens its
own store, marks the job ``running`` and runs its kind (:mod:`kolgraph.jobs.kinds`).
A second thread per job, the heartbeat, copies the job's progress to the record
at most about once a second when it changed, and at least every
``job_heartbeat_seconds``; it also reads the record back, so a cancel asked
through any process sharing the store reaches the job within one heartbeat.

Reading records (:func:`get_job`, :func:`list_jobs`) first marks ``interrupted``
the active records whose heartbeat is older than ``job_stale_seconds``: their
process died or was restarted, and they are never left looking alive.
:meth:`JobRunner.start` does the same for the whole store when a server starts,
and :meth:`JobRunner.shutdown` stops this process's jobs and marks them
interrupted, so a job is never silently lost.
"""

from __future__ import annotations

import logging
import math
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from kolgraph.errors import Conflict, KolgraphError, StoreError
from kolgraph.jobs.context import Cancelled, JobContext
from kolgraph.jobs.kinds import KINDS, parse_request
from kolgraph.settings import Settings
from kolgraph.store.base import Store
from kolgraph.store.jobstate import JobProgress, JobRecord, JobState, JobStatus

__all__ = [
    "JobRunner",
    "cancel_job",
    "get_job",
    "interrupt_stale",
    "list_jobs",
    "live_job",
    "new_job_id",
]

log = logging.getLogger(__name__)

#: The error of a job whose process stopped while it was active.
INTERRUPTED = {
    "code": "interrupted",
    "message": "the server running this job stopped before it ended (no heartbeat)",
    "hint": "start the job again; a rank run left unpublished was not made current, a crawl "
    "resumes where it stopped, an import can be repeated (its writes are idempotent)",
}
#: Seconds between two progress writes of a job whose progress keeps changing.
MIN_WRITE_GAP = 1.0


def new_job_id() -> str:
    """A sortable, unique job id such as ``job-20261126T071900-3fa2c1``."""
    return "job-" + time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + "-" + secrets.token_hex(3)


# ----------------------------------------------------------------------------- records
def interrupt_stale(store: Store, settings: Settings) -> int:
    """Mark ``interrupted`` every active job of ``store`` with a stale heartbeat."""
    now = time.time()
    n = store.jobs.interrupt_stale(
        live_after=now - settings.job_stale_seconds, now=now, error=INTERRUPTED
    )
    if n:
        log.warning("marked %d job(s) interrupted: their server stopped", n)
    return n


def get_job(store: Store, settings: Settings, job_id: str) -> JobRecord:
    """A job's record (a stale active one is marked interrupted first).

    Raises
    ------
    NotFound
        No job has this id.
    """
    record = store.jobs.get(job_id)
    if record.stale(time.time() - settings.job_stale_seconds):
        interrupt_stale(store, settings)
        record = store.jobs.get(job_id)
    return record


def list_jobs(
    store: Store, settings: Settings, *, limit: int = 50, offset: int = 0
) -> tuple[list[JobRecord], int]:
    """One page of job records, newest first, and their number (stale ones marked first)."""
    records, total = store.jobs.list(limit=limit, offset=offset)
    live_after = time.time() - settings.job_stale_seconds
    if any(r.stale(live_after) for r in records):
        interrupt_stale(store, settings)
        records, total = store.jobs.list(limit=limit, offset=offset)
    return records, total


def live_job(store: Store, settings: Settings, kind: str) -> JobRecord | None:
    """The active job of ``kind`` with a fresh heartbeat, if one runs on ``store``.

    Commands that do a job's work outside the runner (``kolgraph rank``) ask this
    first, so a rank started from the API and one from the command line do not
    run at once.
    """
    live_after = time.time() - settings.job_stale_seconds
    records, _ = store.jobs.list(limit=200)
    return next(
        (r for r in records if r.kind == kind and r.active and not r.stale(live_after)), None
    )


def cancel_job(store: Store, settings: Settings, job_id: str) -> JobRecord:
    """Ask a job to stop; it does at its next step (see :mod:`kolgraph.jobs.kinds`).

    Raises
    ------
    NotFound
        No job has this id.
    Conflict
        The job has already ended.
    """
    record = get_job(store, settings, job_id)
    if not record.active:
        raise _ended(record)
    record = store.jobs.request_cancel(job_id)
    if not record.active:  # it ended in between
        raise _ended(record)
    return record


def _ended(record: JobRecord) -> Conflict:
    return Conflict(
        f"job {record.id} has already ended ({record.status}); there is nothing to cancel",
        hint="start a new job if you need one",
    )


def _error_doc(exc: BaseException) -> dict[str, Any]:
    if isinstance(exc, Cancelled):
        return {"code": exc.status, "message": exc.reason, "hint": None}
    if isinstance(exc, KolgraphError):
        return {"code": exc.code, "message": exc.message, "hint": exc.hint}
    return {
        "code": "internal_error",
        "message": f"{type(exc).__name__}: {exc}"[:500],
        "hint": "the server logged the traceback; report it if it keeps failing",
    }


def _finite(value: Any) -> Any:
    """``value`` with non-finite floats replaced by None (records are strict JSON)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


# ----------------------------------------------------------------------------- threads
class _Heartbeat(threading.Thread):
    """Copies a job's progress to its record and reads back a cancel (see the module)."""

    def __init__(self, jobs: JobState, ctx: JobContext, *, every: float, close: Callable[[], None]):
        super().__init__(name=f"heartbeat-{ctx.job_id}", daemon=True)
        self._jobs = jobs
        self._ctx = ctx
        self._every = every
        self._close = close
        self._done = threading.Event()

    def run(self) -> None:
        ctx = self._ctx
        last_write, last_version = time.monotonic(), ctx.version
        tick = min(MIN_WRITE_GAP, self._every) / 2
        try:
            while not self._done.wait(tick):
                since = time.monotonic() - last_write
                changed = ctx.version != last_version
                if not (changed and since >= MIN_WRITE_GAP) and since < self._every:
                    continue
                version = ctx.version
                try:
                    record = self._jobs.beat(ctx.job_id, now=time.time(), progress=ctx.snapshot())
                except Exception as exc:  # e.g. a long write holds the lock: try again
                    log.warning("job %s: heartbeat not written: %s", ctx.job_id, exc)
                    continue
                last_write, last_version = time.monotonic(), version
                if record.cancel:
                    ctx.stop("cancelled on request", "cancelled")
                elif not record.active:
                    ctx.stop(f"its record was marked {record.status}", "interrupted")
        finally:
            self._close()  # this thread's store connection

    def stop(self) -> None:
        self._done.set()
        self.join()


class _LogToJob(logging.Handler):
    """Copies kolgraph's log records emitted by one thread into a job's log tail."""

    def __init__(self, ctx: JobContext, thread: int) -> None:
        super().__init__(logging.INFO)
        self._ctx = ctx
        self._thread = thread

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self._thread:
            with suppress(Exception):
                self._ctx.log(f"{record.levelname.lower()}: {record.getMessage()}")


@contextmanager
def _job_logging(ctx: JobContext) -> Iterator[None]:
    handler = _LogToJob(ctx, threading.get_ident())
    logger = logging.getLogger("kolgraph")
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)


@dataclass
class _Running:
    ctx: JobContext
    thread: threading.Thread


class JobRunner:
    """Runs the jobs one server process accepted (see the module docstring).

    Parameters
    ----------
    settings
        The store to open and the jobs' settings (``job_*``, ``jobs_dir``).
    open_store
        Opens the store a job works on (default: :func:`kolgraph.store.open_store`
        with ``create=False``).
    on_state
        Told ``(job id, kind, state)`` as each job of this runner moves: ``queued``
        once, ``started`` once if it began running, then one final state
        (``succeeded``, ``failed``, ``cancelled``, ``interrupted``); metrics hook here.
        Its errors are logged and ignored.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        open_store: Callable[[], Store] | None = None,
        on_state: Callable[[str, str, str], None] | None = None,
    ) -> None:
        self.settings = settings
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self._open = open_store or self._open_default
        self._on_state = on_state
        self._running: dict[str, _Running] = {}
        self._lock = threading.Lock()

    def _tell(self, job_id: str, kind: str, state: str) -> None:
        if self._on_state is not None:
            try:
                self._on_state(job_id, kind, state)
            except Exception:
                log.exception("job %s: the on_state hook failed", job_id)

    def _open_default(self) -> Store:
        from kolgraph.store import open_store

        return open_store(self.settings, create=False)

    # what a server does -------------------------------------------------------------
    def start(self) -> int:
        """At server start: mark interrupted the stale jobs of the store (if it exists)."""
        try:
            store = self._open()
        except KolgraphError as exc:  # no store yet: nothing to recover
            log.info("jobs: no store to recover jobs from: %s", exc.message)
            return 0
        try:
            return interrupt_stale(store, self.settings)
        finally:
            store.close()

    def submit(self, store: Store, request: BaseModel) -> JobRecord:
        """Check a job request, keep its record and start it; return the record.

        Raises
        ------
        InputError, NotFound
            Bad options (nothing is recorded).
        Conflict
            A rank job is already running on the store.
        """
        kind = KINDS[str(getattr(request, "kind", ""))]
        kind.check(store, request, self.settings)
        params = request.model_dump(mode="json", exclude={"kind"})
        now = time.time()
        interrupt_stale(store, self.settings)
        record = store.jobs.create(
            JobRecord(
                id=new_job_id(),
                kind=kind.name,
                status="queued",
                params=params,
                created=now,
                owner=self.owner,
                heartbeat=now,
            ),
            exclusive=kind.exclusive,
            live_after=now - self.settings.job_stale_seconds,
        )
        ctx = JobContext(record.id, log_lines=self.settings.job_log_lines)
        thread = threading.Thread(
            target=self._run, args=(record, ctx), name=f"job-{record.id}", daemon=True
        )
        with self._lock:
            self._running[record.id] = _Running(ctx, thread)
        self._tell(record.id, record.kind, "queued")
        thread.start()
        return record

    def cancel(self, store: Store, job_id: str) -> JobRecord:
        """:func:`cancel_job`; a job of this process is told at once."""
        record = cancel_job(store, self.settings, job_id)
        with self._lock:
            running = self._running.get(job_id)
        if running is not None:
            running.ctx.stop("cancelled on request", "cancelled")
        return record

    def wait(self, job_id: str, timeout: float | None = None) -> bool:
        """Wait until this process's job ``job_id`` ended; whether it did in time."""
        with self._lock:
            running = self._running.get(job_id)
        if running is not None:
            running.thread.join(timeout)
            return not running.thread.is_alive()
        return True

    def running(self) -> list[str]:
        """Ids of the jobs this process is running."""
        with self._lock:
            return list(self._running)

    def shutdown(self, timeout: float = 10.0) -> None:
        """Stop this process's jobs (each at its next step), waiting up to ``timeout``
        seconds in all; the jobs still running then are marked interrupted."""
        with self._lock:
            running = dict(self._running)
        for r in running.values():
            r.ctx.stop("the server shut down while the job ran", "interrupted")
        deadline = time.monotonic() + timeout
        for r in running.values():
            r.thread.join(max(0.0, deadline - time.monotonic()))
        left = [job_id for job_id, r in running.items() if r.thread.is_alive()]
        if not left:
            return
        try:
            store = self._open()
        except KolgraphError:
            return  # their heartbeats stop: readers will mark them interrupted
        try:
            for job_id in left:
                with suppress(KolgraphError):
                    store.jobs.finish(
                        job_id,
                        status="interrupted",
                        now=time.time(),
                        error={**INTERRUPTED, "message": "the server shut down while it ran"},
                    )
        finally:
            store.close()

    # one job's thread ----------------------------------------------------------------
    def _run(self, record: JobRecord, ctx: JobContext) -> None:
        store: Store | None = None
        heartbeat: _Heartbeat | None = None
        status: JobStatus = "failed"
        result: dict[str, Any] | None = None
        error: dict[str, Any] | None = None
        t0 = time.perf_counter()
        try:
            store = self._open()
            first = store.jobs.beat(record.id, now=time.time(), start=True)
            if first.cancel or not first.active:
                raise Cancelled("cancelled before it started", "cancelled")
            self._tell(record.id, record.kind, "started")
            heartbeat = _Heartbeat(
                store.jobs, ctx, every=self.settings.job_heartbeat_seconds, close=store.close
            )
            heartbeat.start()
            request = parse_request(record.kind, record.params)
            with _job_logging(ctx):
                result = _finite(KINDS[record.kind].run(store, ctx, request, self.settings))
            status = "succeeded"
            ctx.log(f"succeeded in {time.perf_counter() - t0:.1f} s")
        except Cancelled as exc:
            status, error = exc.status, _error_doc(exc)
            ctx.log(f"{exc.status}: {exc.reason}")
        except BaseException as exc:
            error = _error_doc(exc)
            if not isinstance(exc, KolgraphError):
                log.exception("job %s (%s) failed", record.id, record.kind)
            ctx.log(f"failed: {error['message']}")
        finally:
            if heartbeat is not None:
                heartbeat.stop()
            self._finish(store, record.id, status, ctx.snapshot(), result, error)
            self._tell(record.id, record.kind, status)
            if store is not None:
                store.close()
            with self._lock:
                self._running.pop(record.id, None)

    def _finish(
        self,
        store: Store | None,
        job_id: str,
        status: JobStatus,
        progress: JobProgress,
        result: dict[str, Any] | None,
        error: dict[str, Any] | None,
    ) -> None:
        """Write the job's end, retrying a store that is briefly busy or away."""
        for attempt in range(5):
            try:
                if store is None:
                    store = self._open()
                store.jobs.finish(
                    job_id,
                    status=status,
                    now=time.time(),
                    progress=progress,
                    result=result,
                    error=error,
                )
                return
            except KolgraphError as exc:
                if not isinstance(exc, StoreError):  # e.g. the store was cleared meanwhile
                    log.error("job %s: end not recorded: %s", job_id, exc)
                    return
                log.warning("job %s: end not recorded (attempt %d): %s", job_id, attempt + 1, exc)
                time.sleep(0.5 * 2**attempt)
            except Exception as exc:  # a database error: try again
                log.warning("job %s: end not recorded (attempt %d): %s", job_id, attempt + 1, exc)
                time.sleep(0.5 * 2**attempt)
        log.error("job %s: its end was never recorded; readers will see it interrupted", job_id)
