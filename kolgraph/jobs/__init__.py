"""Jobs: long work (rank, crawl, backtest, import) run in the background, watched and cancelled.

* :mod:`~kolgraph.jobs.runner`: :class:`JobRunner` runs a server's jobs in threads and
  keeps their records in the store (:mod:`kolgraph.store.jobstate`); reading, listing
  and cancelling records works from any process sharing the store.
* :mod:`~kolgraph.jobs.context`: what a running job reports through and checks.
* :mod:`~kolgraph.jobs.kinds`: each kind's checks and the library function it runs.
* :mod:`~kolgraph.jobs.uploads`: files uploaded for import jobs.

The API (``/v1/jobs``, ``/v1/uploads``) and ``kolgraph jobs`` are thin over this package.
"""

from kolgraph.jobs.context import Cancelled, JobContext
from kolgraph.jobs.kinds import KINDS
from kolgraph.jobs.runner import (
    JobRunner,
    cancel_job,
    get_job,
    interrupt_stale,
    list_jobs,
    new_job_id,
)

__all__ = [
    "KINDS",
    "Cancelled",
    "JobContext",
    "JobRunner",
    "cancel_job",
    "get_job",
    "interrupt_stale",
    "list_jobs",
    "new_job_id",
]
