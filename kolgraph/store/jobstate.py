"""The job-record part of the store contract: a store's :attr:`~kolgraph.store.base.Store.jobs`.

Long work started through the API (a rank run, a crawl, a backtest, an import) is
a *job*; its record lives in the store it works on, so every server process
sharing the store sees it and it outlives the process that ran it. A record is
``queued`` when accepted, ``running`` once its thread starts, and ends
``succeeded``, ``failed``, ``cancelled`` or ``interrupted``; those four are final
(:data:`FINAL`): no write changes a final record again.

The process running a job writes its progress and a heartbeat to the record
(:meth:`JobState.beat`). A record that is still active but whose heartbeat is
older than the caller's ``live_after`` belongs to a process that died or was
restarted: :meth:`JobState.interrupt_stale` marks it ``interrupted``. A cancel
(:meth:`JobState.cancel`) only sets a flag in the record; the running process
reads it with its next heartbeat and stops the job between two steps.

:meth:`JobState.create` with ``exclusive=True`` refuses, atomically, a job of a
kind that already has a live active job in the store (one rank job at a time).
"""

from __future__ import annotations

import abc
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from kolgraph.errors import Conflict, NotFound

__all__ = [
    "ACTIVE",
    "FINAL",
    "JobProgress",
    "JobRecord",
    "JobState",
    "JobStatus",
    "check_changes",
    "stored_changes",
]

JobStatus = Literal["queued", "running", "succeeded", "failed", "cancelled", "interrupted"]
#: Statuses of a job that has not ended.
ACTIVE: tuple[JobStatus, ...] = ("queued", "running")
#: Statuses of a job that has ended; a final record is never changed again.
FINAL: tuple[JobStatus, ...] = ("succeeded", "failed", "cancelled", "interrupted")
#: Fields kept as JSON text by both stores.
_JSON_FIELDS = ("params", "log", "result", "error")
#: Every stored field, in the embedded store's column order.
STORED_FIELDS = (
    "id",
    "kind",
    "status",
    "params",
    "created",
    "owner",
    "heartbeat",
    "started",
    "finished",
    "stage",
    "done",
    "total",
    "eta",
    "log",
    "cancel",
    "result",
    "error",
)


@dataclass(frozen=True, slots=True)
class JobProgress:
    """Where a job is: its stage, a counter, an estimate of the time left and its log tail.

    Attributes
    ----------
    stage
        What the job is doing now (``pagerank``, ``crawl``, ``write``, ...).
    done, total
        The job's counter (stages, pages, edges written) and its end, when known.
    eta
        Estimated seconds left, when the job can tell.
    log
        The last lines the job logged, oldest first.
    """

    stage: str | None = None
    done: int | None = None
    total: int | None = None
    eta: float | None = None
    log: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class JobRecord:
    """A job as the store keeps it.

    Attributes
    ----------
    id, kind, params
        The job's id, what it runs (``rank``, ``crawl``, ``backtest``, ``import``)
        and the parameters it was started with.
    status
        See the module docstring.
    created, started, finished, heartbeat
        Unix times: accepted, began running, ended, last sign of life.
    owner
        The process that runs it (``host:pid:token``).
    progress
        Its latest progress (:class:`JobProgress`).
    cancel
        Whether a cancel was requested.
    result
        What the job produced (its kind's result document), once succeeded.
    error
        ``{"code", "message", "hint"}`` of a failed, cancelled or interrupted job.
    """

    id: str
    kind: str
    status: JobStatus
    params: dict[str, Any]
    created: float
    owner: str
    heartbeat: float
    started: float | None = None
    finished: float | None = None
    progress: JobProgress = field(default_factory=JobProgress)
    cancel: bool = False
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None

    @property
    def active(self) -> bool:
        """Whether the job has not ended (``queued`` or ``running``)."""
        return self.status in ACTIVE

    def stale(self, live_after: float) -> bool:
        """Whether the job is active but has given no sign of life since ``live_after``."""
        return self.active and self.heartbeat < live_after

    def stored(self) -> dict[str, Any]:
        """The record as both stores keep it: flat values, JSON text for maps and lists."""
        p = self.progress
        return {
            "id": self.id,
            "kind": self.kind,
            "status": self.status,
            "params": _dumps(self.params),
            "created": self.created,
            "owner": self.owner,
            "heartbeat": self.heartbeat,
            "started": self.started,
            "finished": self.finished,
            "stage": p.stage,
            "done": p.done,
            "total": p.total,
            "eta": p.eta,
            "log": _dumps(list(p.log)),
            "cancel": self.cancel,
            "result": None if self.result is None else _dumps(self.result),
            "error": None if self.error is None else _dumps(self.error),
        }

    @classmethod
    def from_stored(cls, row: Mapping[str, Any]) -> JobRecord:
        """A record from :meth:`stored` values (missing ones are null)."""
        values: dict[str, Any] = {k: row.get(k) for k in STORED_FIELDS}
        for k in _JSON_FIELDS:
            if values[k] is not None:
                values[k] = json.loads(values[k])
        return cls(
            id=values["id"],
            kind=values["kind"],
            status=values["status"],
            params=values["params"] or {},
            created=float(values["created"]),
            owner=values["owner"] or "",
            heartbeat=float(values["heartbeat"]),
            started=values["started"],
            finished=values["finished"],
            progress=JobProgress(
                stage=values["stage"],
                done=values["done"],
                total=values["total"],
                eta=values["eta"],
                log=tuple(values["log"] or ()),
            ),
            cancel=bool(values["cancel"]),
            result=values["result"],
            error=values["error"],
        )

    @staticmethod
    def unknown(job_id: str) -> NotFound:
        """The error for a job the store does not have."""
        return NotFound(
            f"no job {job_id!r} in this store",
            hint="`kolgraph jobs list` (GET /v1/jobs) lists the jobs",
        )

    def busy(self) -> Conflict:
        """The error for a second job of this record's kind while this one is active."""
        return Conflict(
            f"{self.kind} job {self.id} is already {self.status} on this store; "
            f"only one {self.kind} job runs at a time",
            hint=f"wait for job {self.id} to finish, or cancel it "
            f"(POST /v1/jobs/{self.id}/cancel, `kolgraph jobs cancel {self.id}`)",
        )


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str, allow_nan=False)


def stored_changes(
    *,
    progress: JobProgress | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """Field changes as both stores write them: ``progress`` spread into its fields,
    ``result`` and ``error`` as JSON text (``None`` leaves out ``progress`` only)."""
    out: dict[str, Any] = {}
    if progress is not None:
        out.update(
            stage=progress.stage,
            done=progress.done,
            total=progress.total,
            eta=progress.eta,
            log=_dumps(list(progress.log)),
        )
    for k, v in fields.items():
        if k not in STORED_FIELDS:
            raise ValueError(f"not a job field: {k}")
        out[k] = _dumps(v) if k in _JSON_FIELDS and v is not None else v
    return out


def check_changes(changes: Mapping[str, Any]) -> None:
    """Refuse a change to anything but a stored field (names reach query text)."""
    unknown = set(changes) - set(STORED_FIELDS)
    if unknown:
        raise ValueError(f"not job fields: {', '.join(sorted(unknown))}")


class JobState(abc.ABC):
    """The job records kept in a store (see the module docstring).

    Each store has one (:attr:`~kolgraph.store.base.Store.jobs`), working in the
    store's own database.
    """

    @abc.abstractmethod
    def create(
        self, record: JobRecord, *, exclusive: bool = False, live_after: float = 0.0
    ) -> JobRecord:
        """Keep a new record and return it as stored.

        With ``exclusive``, refuse it in the same transaction when another job of
        its kind is active with a heartbeat at or after ``live_after``.

        Raises
        ------
        Conflict
            ``exclusive`` and a live job of the same kind (named in the message).
        InputError
            A record with this id exists.
        """

    @abc.abstractmethod
    def get(self, job_id: str) -> JobRecord:
        """The record (:class:`~kolgraph.errors.NotFound` if there is none)."""

    @abc.abstractmethod
    def list(self, *, limit: int = 50, offset: int = 0) -> tuple[list[JobRecord], int]:
        """One page of records, newest first, and how many there are in all."""

    @abc.abstractmethod
    def update(self, job_id: str, changes: Mapping[str, Any]) -> JobRecord:
        """Apply ``changes`` (from :func:`stored_changes`) if the job is still active,
        in one step; return the record as it is afterwards (changed or not).

        Raises
        ------
        NotFound
            There is no such job.
        """

    @abc.abstractmethod
    def interrupt_stale(self, *, live_after: float, now: float, error: dict[str, Any]) -> int:
        """Mark ``interrupted`` (with ``finished=now`` and ``error``) every active job
        whose heartbeat is older than ``live_after``; return how many."""

    # conveniences over update ------------------------------------------------------
    def beat(
        self,
        job_id: str,
        *,
        now: float,
        progress: JobProgress | None = None,
        start: bool = False,
    ) -> JobRecord:
        """Record a sign of life (and the progress) of an active job; with ``start``
        also mark it ``running`` from ``now``. Returns the record: a caller stops the
        job when it asks for a cancel or is no longer active."""
        extra: dict[str, Any] = {"status": "running", "started": now} if start else {}
        return self.update(job_id, stored_changes(progress=progress, heartbeat=now, **extra))

    def finish(
        self,
        job_id: str,
        *,
        status: JobStatus,
        now: float,
        progress: JobProgress | None = None,
        result: dict[str, Any] | None = None,
        error: dict[str, Any] | None = None,
    ) -> JobRecord:
        """End an active job with a final ``status`` (a final record stays as it is)."""
        if status not in FINAL:
            raise ValueError(f"{status!r} is not a final status")
        return self.update(
            job_id,
            stored_changes(
                progress=progress,
                status=status,
                finished=now,
                heartbeat=now,
                result=result,
                error=error,
            ),
        )

    def request_cancel(self, job_id: str) -> JobRecord:
        """Ask an active job to stop (the flag is left alone on a final record)."""
        return self.update(job_id, stored_changes(cancel=True))
