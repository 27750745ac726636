"""Jobs: what ``POST /v1/jobs`` accepts, a job's record, the results of its kinds, uploads.

A job request is one object with a ``kind`` (``rank``, ``crawl``, ``backtest``,
``import``) and that kind's options, named as the matching command's options
(``kolgraph rank --top-k`` is ``top_k``). ``GET /v1/jobs/{id}`` and ``kolgraph jobs
show ID --format json`` answer a :class:`JobOut`; its ``result`` is, by kind, a
:class:`RankJobResult`, a :class:`~kolgraph.schemas.crawls.CrawlReportOut`, a
:class:`~kolgraph.schemas.backtest.BacktestOut` or an :class:`ImportOut`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from kolgraph.schemas.common import Page

if TYPE_CHECKING:
    from kolgraph.ingest.report import ImportReport
    from kolgraph.rank.job import JobResult
    from kolgraph.store.jobstate import JobRecord

__all__ = [
    "BacktestJobIn",
    "CrawlJobIn",
    "ImportJobIn",
    "ImportOut",
    "JobErrorOut",
    "JobIn",
    "JobOut",
    "JobProgressOut",
    "JobsPage",
    "RankJobIn",
    "RankJobResult",
    "UploadOut",
]

#: The job kinds, in the order the documentation lists them.
JOB_KINDS = ("rank", "crawl", "backtest", "import")
#: An upload id as ``PUT /v1/uploads`` makes them.
UPLOAD_ID_PATTERN = r"^up-[0-9a-f]{16}$"

_Name = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")]
_Seed = Annotated[str, Field(min_length=1, max_length=200)]


class _JobIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


# ----------------------------------------------------------------------------- requests
class RankJobIn(_JobIn):
    """A rank run over the store's graph, published when it completes (``kolgraph rank``).

    Unset options take the server's settings (``KOLGRAPH_DAMPING``, ...) or the
    defaults of ``kolgraph rank``.
    """

    kind: Literal["rank"]
    damping: float | None = Field(None, gt=0, lt=1, description="PageRank damping (0.85).")
    repost_weight: float | None = Field(
        None, ge=0, le=1e6, allow_inf_nan=False, description="Weight of a repost edge."
    )
    seed: int | None = Field(None, ge=0, le=2**31 - 1, description="Leiden seed.")
    top_k: int | None = Field(
        None, ge=2, le=5000, description="Accounts in the exact overlap matrix."
    )
    engine: Literal["kolgraph", "gds"] = Field(
        "kolgraph", description="kolgraph: in the server process; gds: inside Neo4j."
    )
    only: list[Annotated[str, Field(min_length=1, max_length=30)]] = Field(
        default_factory=list,
        max_length=20,
        description="Recompute only these stages; the rest is kept from the current run.",
    )
    half_life_days: float | None = Field(
        None, gt=0, le=36_500, allow_inf_nan=False, description="Repost weight half-life."
    )
    threads: int = Field(1, ge=1, le=64, description="Leiden threads (1: reproducible).")


class CrawlJobIn(_JobIn):
    """A crawl from seed accounts into the store (``kolgraph crawl PLATFORM``).

    The same platform, seeds and limits resume the same crawl. Pacing, retries and
    credentials are the server's settings (``KOLGRAPH_CRAWL_*``).
    """

    kind: Literal["crawl"]
    platform: Literal["weibo", "x", "bilibili"]
    seeds: list[_Seed] = Field(
        min_length=1, max_length=10_000, description="Platform account ids (or post seeds)."
    )
    base_url: str | None = Field(
        None,
        max_length=500,
        pattern=r"^https?://\S+$",
        description="Send requests here instead of the platform (e.g. a simulator).",
    )
    depth: int = Field(1, ge=0, le=10, description="Hops from the seeds to profile.")
    max_pages: int | None = Field(None, ge=0, le=1_000_000, description="Pages per list.")
    max_followers: int | None = Field(
        None, ge=0, le=1_000_000_000, description="Followers collected per account."
    )
    max_posts: int = Field(20, ge=0, le=100_000, description="Posts per account.")
    max_accounts: int | None = Field(
        None, ge=0, le=1_000_000_000, description="Profiles fetched in all."
    )
    wall_time: float | None = Field(
        None, gt=0, le=30 * 86_400, description="Stop after this many seconds (resumable)."
    )
    crawl_id: str | None = Field(
        None,
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9_.-]+$",
        description="Crawl id (default: derived from the arguments).",
    )
    retry_failed: StrictBool = Field(False, description="Retry tasks an earlier run gave up on.")
    archive: StrictBool = Field(True, description="Keep the raw page archive.")


class BacktestJobIn(_JobIn):
    """Plan on the past, count who moved after (``kolgraph backtest``)."""

    kind: Literal["backtest"]
    k: list[Annotated[int, Field(ge=1, le=100_000)]] = Field(
        default_factory=lambda: [10, 25, 50],
        min_length=1,
        max_length=20,
        description="Plan sizes to compare.",
    )
    train_share: float = Field(
        0.7, gt=0, lt=1, description="Share of cascades (by start time) to plan from."
    )


def _all_actions() -> list[Literal["RT", "MT", "RE"]]:
    return ["RT", "MT", "RE"]


class ImportJobIn(_JobIn):
    """Import an uploaded file (``PUT /v1/uploads``) into the store (``kolgraph import``).

    ``format`` is the import command: ``edges`` (uses ``type``, ``delimiter``,
    ``columns``, ``header``, ``text_ids``), ``higgs`` (``actions``), ``cascades``
    or ``accounts``. ``platform`` defaults as the command's: twitter for edges and
    higgs, douban for cascades, the file's own for accounts.
    """

    kind: Literal["import"]
    upload: str = Field(
        min_length=19,
        max_length=19,
        pattern=UPLOAD_ID_PATTERN,
        description="The upload's id (up-...).",
    )
    format: Literal["edges", "higgs", "cascades", "accounts"] = "edges"
    type: Literal["follow", "repost"] = Field(
        "follow", description="edges: follow (src follows dst) or repost (src reposted dst)."
    )
    platform: _Name | None = Field(None, description="Platform of the accounts.")
    delimiter: str = Field(
        "auto", min_length=1, max_length=5, description="edges: one character, tab or auto."
    )
    columns: str | None = Field(
        None, min_length=1, max_length=200, description="edges: field order, e.g. src,dst,ts."
    )
    header: StrictBool | None = Field(None, description="edges: first row is a header.")
    text_ids: StrictBool = Field(False, description="edges: allow non-numeric account ids.")
    actions: list[Literal["RT", "MT", "RE"]] = Field(
        default_factory=_all_actions,
        min_length=1,
        max_length=3,
        description="higgs: actions to import.",
    )
    on_error: Literal["fail", "skip"] = Field(
        "fail", description="fail: stop at the first bad row; skip: set bad rows aside."
    )


JobIn = Annotated[RankJobIn | CrawlJobIn | BacktestJobIn | ImportJobIn, Field(discriminator="kind")]


# ----------------------------------------------------------------------------- results
class RankJobResult(BaseModel):
    """What a rank job published: the run and its counts, quality and timings (seconds)."""

    run_id: str
    counts: dict[str, int]
    quality: dict[str, float]
    timings: dict[str, float]

    @classmethod
    def from_result(cls, result: JobResult) -> RankJobResult:
        """The result of :func:`~kolgraph.rank.job.run_rank`."""
        return cls(
            run_id=result.run.id,
            counts=result.counts,
            quality=result.quality,
            timings=result.timings,
        )


class ImportOut(BaseModel):
    """What an import job did (the counts ``kolgraph import`` prints).

    Attributes
    ----------
    format, upload, name
        The import command, the upload's id and its file name.
    rows, edges, new_edges
        Rows read, edges in them and edges the store did not have (0 for accounts).
    new_accounts, rejected
        Accounts the import added; bad rows set aside (``on_error: skip``).
    seconds
        How long the import took.
    """

    format: str
    upload: str
    name: str
    rows: int
    edges: int
    new_edges: int
    new_accounts: int
    rejected: int
    seconds: float
    notes: list[str] = Field(default_factory=list)

    @classmethod
    def from_report(cls, report: ImportReport, *, fmt: str, upload: str, name: str) -> ImportOut:
        """An :class:`~kolgraph.ingest.report.ImportReport` of an uploaded file."""
        return cls(
            format=fmt,
            upload=upload,
            name=name,
            rows=report.rows,
            edges=report.edges,
            new_edges=report.new_edges,
            new_accounts=report.new_accounts,
            rejected=report.rejected,
            seconds=round(report.seconds, 3),
            notes=list(report.notes),
        )


# ----------------------------------------------------------------------------- records
def _iso(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


class JobProgressOut(BaseModel):
    """Where a job is."""

    stage: str | None = Field(description="What it is doing now (a rank stage, crawl, ...).")
    done: int | None = Field(description="Its counter: stages, pages or edges done.")
    total: int | None = Field(description="Where the counter ends, when known.")
    eta_seconds: float | None = Field(description="Estimated seconds left, when known.")


class JobErrorOut(BaseModel):
    """Why a job failed, was cancelled or was interrupted (the API's error fields)."""

    code: str
    message: str
    hint: str | None = None


class JobOut(BaseModel):
    """A job: its state, progress, log tail and, once done, its result.

    ``status`` is ``queued`` or ``running`` while it works, then ``succeeded``,
    ``failed``, ``cancelled`` or ``interrupted`` (the server running it stopped).
    """

    id: str
    kind: Literal["rank", "crawl", "backtest", "import"]
    status: Literal["queued", "running", "succeeded", "failed", "cancelled", "interrupted"]
    params: dict[str, Any] = Field(description="The options it was started with.")
    created: str = Field(description="When it was accepted (ISO 8601, UTC).")
    started: str | None = Field(description="When it began running.")
    finished: str | None = Field(description="When it ended.")
    heartbeat: str = Field(description="Its last sign of life.")
    elapsed_seconds: float = Field(description="Seconds from start (or acceptance) to end or now.")
    progress: JobProgressOut
    log: list[str] = Field(description="The last lines it logged, oldest first.")
    cancel_requested: bool
    result: dict[str, Any] | None = Field(
        description="Once succeeded: rank → RankJobResult, crawl → CrawlReportOut, "
        "backtest → BacktestOut, import → ImportOut."
    )
    error: JobErrorOut | None = Field(description="Why it failed, stopped or was interrupted.")

    @classmethod
    def from_record(cls, record: JobRecord, *, now: float | None = None) -> JobOut:
        """A job record as the store keeps it."""
        p = record.progress
        begin = record.started if record.started is not None else record.created
        end = record.finished if record.finished is not None else (now or time.time())
        return cls.model_validate(
            {
                "id": record.id,
                "kind": record.kind,
                "status": record.status,
                "params": record.params,
                "created": _iso(record.created),
                "started": _iso(record.started),
                "finished": _iso(record.finished),
                "heartbeat": _iso(record.heartbeat),
                "elapsed_seconds": round(max(0.0, end - begin), 3),
                "progress": {
                    "stage": p.stage,
                    "done": p.done,
                    "total": p.total,
                    "eta_seconds": None if p.eta is None else round(p.eta, 1),
                },
                "log": list(p.log),
                "cancel_requested": record.cancel,
                "result": record.result,
                "error": record.error,
            }
        )


class JobsPage(Page[JobOut]):
    """Jobs, newest first."""

    @classmethod
    def from_records(
        cls, records: Iterable[JobRecord], total: int, *, next_url: str | None = None
    ) -> JobsPage:
        """A page of job records, in their order."""
        return cls(data=[JobOut.from_record(r) for r in records], count=total, next=next_url)


class UploadOut(BaseModel):
    """A file kept for an import job (``PUT /v1/uploads``)."""

    id: str = Field(description="Pass it as the import job's 'upload'.")
    name: str = Field(description="The file name given (or 'upload').")
    media_type: str
    bytes: int
    sha256: str
    created: str = Field(description="ISO 8601, UTC.")
