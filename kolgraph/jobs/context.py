"""What a running job sees: :class:`JobContext`, its progress, log tail and stop flag.

A job's code reports through its context (:meth:`JobContext.stage`,
:meth:`JobContext.update`, :meth:`JobContext.advance`, :meth:`JobContext.log`) and
calls :meth:`JobContext.check` between two steps it can stop between (rank stages,
crawled pages, written batches): once the job is asked to stop, ``check`` raises
:class:`Cancelled`. The context only keeps values in memory; the runner's heartbeat
thread copies them to the job's record (:mod:`kolgraph.jobs.runner`), so reporting
never waits for the store.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Literal

from kolgraph.store.jobstate import JobProgress

__all__ = ["Cancelled", "JobContext"]

#: Characters of one log line a record keeps.
LOG_LINE_CHARS = 300


class Cancelled(Exception):
    """Raised by :meth:`JobContext.check` in a job that was asked to stop.

    ``status`` is the job's final status: ``cancelled`` (someone asked) or
    ``interrupted`` (its server is shutting down, or its record was marked so).
    """

    def __init__(self, reason: str, status: Literal["cancelled", "interrupted"]) -> None:
        self.reason = reason
        self.status = status
        super().__init__(reason)


class JobContext:
    """Progress, log tail and stop flag of one running job (thread-safe).

    Parameters
    ----------
    job_id
        The job's id.
    log_lines
        How many log lines the tail keeps.
    clock
        Seconds, for estimates (default :func:`time.monotonic`).

    Estimated time left: an estimate a job gives (``eta=`` of :meth:`stage` or
    :meth:`update`) counts down from when it was given; otherwise, with a known
    ``total``, the counter's rate since the stage began.
    """

    def __init__(
        self,
        job_id: str,
        *,
        log_lines: int = 50,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.job_id = job_id
        self._clock = clock
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._stop_reason = ""
        self._stop_status: Literal["cancelled", "interrupted"] = "cancelled"
        self._stage: str | None = None
        self._done: int | None = None
        self._total: int | None = None
        self._eta: tuple[float, float] | None = None  # (estimate, when given)
        self._since = clock()
        self._since_done = 0
        self._log: deque[str] = deque(maxlen=log_lines)
        self._version = 0

    # reporting -------------------------------------------------------------------
    def stage(
        self,
        name: str,
        *,
        done: int | None = None,
        total: int | None = None,
        eta: float | None = None,
    ) -> None:
        """Begin stage ``name`` (logged), with the counter at ``done`` of ``total``."""
        with self._lock:
            self._stage = name
            self._done, self._total = done, total
            self._since, self._since_done = self._clock(), done or 0
            self._eta = None if eta is None else (eta, self._clock())
            self._version += 1
        self.log(f"stage {name}")

    def update(self, done: int, total: int | None = None, *, eta: float | None = None) -> None:
        """Set the counter (and its end, and an estimate of the seconds left)."""
        with self._lock:
            self._done = done
            if total is not None:
                self._total = total
            if eta is not None:
                self._eta = (eta, self._clock())
            self._version += 1

    def advance(self, n: int = 1) -> None:
        """Add ``n`` to the counter."""
        with self._lock:
            self._done = (self._done or 0) + n
            self._version += 1

    def log(self, message: str) -> None:
        """Add a line to the log tail (stamped with the UTC time, cut to a few hundred chars)."""
        line = time.strftime("%H:%M:%S", time.gmtime()) + " " + message.strip()
        with self._lock:
            self._log.append(line[:LOG_LINE_CHARS])
            self._version += 1

    @property
    def version(self) -> int:
        """A number that changes whenever something was reported."""
        return self._version

    def snapshot(self) -> JobProgress:
        """The progress as a record keeps it, with the estimate as of now."""
        with self._lock:
            return JobProgress(
                stage=self._stage,
                done=self._done,
                total=self._total,
                eta=self._estimate(),
                log=tuple(self._log),
            )

    def _estimate(self) -> float | None:
        now = self._clock()
        if self._eta is not None:
            given, at = self._eta
            return round(max(0.0, given - (now - at)), 1)
        if self._total is None or self._done is None:
            return None
        moved = self._done - self._since_done
        if moved <= 0:
            return None
        left = max(0, self._total - self._done)
        return round((now - self._since) / moved * left, 1)

    # stopping --------------------------------------------------------------------
    def stop(self, reason: str, status: Literal["cancelled", "interrupted"] = "cancelled") -> None:
        """Ask the job to stop at its next :meth:`check` (the first reason given stays)."""
        with self._lock:
            if not self._stop.is_set():
                self._stop_reason, self._stop_status = reason, status
                self._stop.set()

    @property
    def stopping(self) -> bool:
        """Whether the job was asked to stop."""
        return self._stop.is_set()

    def check(self) -> None:
        """Raise :class:`Cancelled` if the job was asked to stop; otherwise return."""
        if self._stop.is_set():
            raise Cancelled(self._stop_reason, self._stop_status)
