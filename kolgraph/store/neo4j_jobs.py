"""Job records in Neo4j (see :mod:`kolgraph.store.jobstate`).

Each record is a ``(:Job {id, kind, status, ...})`` node (unique on ``id``; maps and
lists as JSON text). An exclusive :meth:`Neo4jJobState.create` starts its write
transaction by write-locking the ``(:JobLock {kind})`` node of the job's kind, then
looks for a live job of that kind and creates the record: two processes starting a
rank job at once serialize on the lock, and the second sees the first.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from kolgraph.errors import InputError, StoreError
from kolgraph.store import cypher
from kolgraph.store.jobstate import (
    ACTIVE,
    JobRecord,
    JobState,
    check_changes,
    stored_changes,
)
from kolgraph.store.neo4j_db import Neo4jDatabase, neo4j_driver_module

if TYPE_CHECKING:
    from neo4j import ManagedTransaction

__all__ = ["Neo4jJobState"]


def _record(props: Mapping[str, Any]) -> JobRecord:
    return JobRecord.from_stored(dict(props))


class Neo4jJobState(JobState):
    """The job records of a :class:`~kolgraph.store.neo4j.Neo4jStore`, in its database."""

    def __init__(self, db: Neo4jDatabase) -> None:
        self._db = db

    def create(
        self, record: JobRecord, *, exclusive: bool = False, live_after: float = 0.0
    ) -> JobRecord:
        props = {k: v for k, v in record.stored().items() if v is not None}

        def work(tx: ManagedTransaction) -> JobRecord:
            if exclusive:
                tx.run(
                    cypher.load("job_lock"), kind=record.kind, token=secrets.randbits(32)
                ).consume()
                live = tx.run(
                    cypher.load("job_live"),
                    kind=record.kind,
                    active=list(ACTIVE),
                    live_after=live_after,
                ).single()
                if live is not None:
                    got = tx.run(cypher.load("job_get"), job_id=live["id"]).single(strict=True)
                    raise _record(got["job"]).busy()
            rec = tx.run(cypher.load("job_create"), job=props).single(strict=True)
            return _record(rec["job"])

        try:
            return self._db.write_tx(work)
        except StoreError as exc:
            if isinstance(exc.__cause__, neo4j_driver_module().exceptions.ConstraintError):
                raise InputError(f"job id {record.id!r} already exists") from exc
            raise

    def get(self, job_id: str) -> JobRecord:
        records = self._db.execute("job_get", read=True, job_id=job_id).records
        if not records:
            raise JobRecord.unknown(job_id)
        return _record(records[0]["job"])

    def list(self, *, limit: int = 50, offset: int = 0) -> tuple[list[JobRecord], int]:
        records = self._db.execute("job_list", read=True, limit=limit, offset=offset).records
        total = self._db.execute("job_count", read=True).records[0]["n"]
        return [_record(r["job"]) for r in records], int(total)

    def update(self, job_id: str, changes: Mapping[str, Any]) -> JobRecord:
        check_changes(changes)
        records = self._db.execute(
            "job_update", job_id=job_id, changes=dict(changes), active=list(ACTIVE)
        ).records
        if not records:
            raise JobRecord.unknown(job_id)
        return _record(records[0]["job"])

    def interrupt_stale(self, *, live_after: float, now: float, error: dict[str, Any]) -> int:
        records = self._db.execute(
            "job_interrupt",
            active=list(ACTIVE),
            live_after=live_after,
            interrupted="interrupted",
            now=now,
            error=stored_changes(error=error)["error"],
        ).records
        return int(records[0]["n"])
