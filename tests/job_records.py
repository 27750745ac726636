"""A job record left ``running`` in a store, as a server that runs (or ran) it writes it."""

from __future__ import annotations

from kolgraph.store.jobstate import JobRecord


def running_job(
    job_id: str, kind: str = "rank", *, at: float, owner: str, started: bool = True
) -> JobRecord:
    """A running ``kind`` job whose last heartbeat (and start, with ``started``) was at ``at``."""
    return JobRecord(
        id=job_id,
        kind=kind,
        status="running",
        params={},
        created=at,
        owner=owner,
        heartbeat=at,
        started=at if started else None,
    )
