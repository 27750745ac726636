"""Rank runs and plans in the Neo4j store: the Cypher behind their store methods.

Every account has two score slots (``s0_*`` and ``s1_*``: run, pagerank,
community, reach, tier and the optional scores). A new run claims the slot the
current run does not use and stages its scores there (its ``:Community`` nodes
and ``:OVERLAPS`` relationships carry its ``run_id``); :func:`publish` then
only moves ``KolgraphMeta.current_run`` / ``current_slot`` in one small
transaction. Every kolgraph read picks the slot of the run the meta node
names, within one query, so a reader sees the old run or the complete new one.
Right after publishing, the current run is copied in batches into the plain
properties ``pagerank``, ``community``, ``reach``, ``tier`` and ``rank_run``
that analysts style in Neo4j Browser (each account says which run its values
come from). A run started while another one is still unpublished in the same
slot fails that older run.
"""

from __future__ import annotations

import json
import secrets
import time
import warnings
from typing import TYPE_CHECKING, Any

from kolgraph.errors import InputError, NotFound, StoreError
from kolgraph.store import cypher, rows
from kolgraph.store.base import PlanRecord, RunInfo, RunResults, RunSummary
from kolgraph.store.neo4j_db import Neo4jDatabase, neo4j_driver_module
from kolgraph.store.scores import score_value_rows

if TYPE_CHECKING:
    from neo4j import ManagedTransaction

__all__ = [
    "current_run_id",
    "fail",
    "get_plan",
    "get_run",
    "list_plans",
    "list_runs",
    "publish",
    "run_artifact",
    "save_plan",
    "start",
    "write_results",
]

#: Run statuses, passed to the queries as parameters.
RUNNING, PUBLISHED, SUPERSEDED, FAILED = "running", "published", "superseded", "failed"


# ----------------------------------------------------------------------------- runs
def start(db: Neo4jDatabase, run_id: str, params: dict[str, Any]) -> None:
    """Record a new ``running`` run in the slot the current run does not use.

    Raises
    ------
    InputError
        If a run with this id exists.
    """
    neo4j = neo4j_driver_module()

    def work(tx: ManagedTransaction) -> None:
        meta = tx.run(
            cypher.load("meta_lock"), epoch=secrets.randbits(48), token=secrets.randbits(32)
        ).single(strict=True)
        slot = 1 - meta["current_slot"] if meta["current_slot"] in (0, 1) else 0
        tx.run(
            cypher.load("run_supersede"),
            slot=slot,
            running=RUNNING,
            failed=FAILED,
            now=time.time(),
            error=f"superseded by run {run_id} before it was published",
        ).consume()
        tx.run(
            cypher.load("run_create"),
            run_id=run_id,
            status=RUNNING,
            started=time.time(),
            seq=time.time_ns(),
            slot=slot,
            params=json.dumps(params, sort_keys=True, default=str),
            empty_map="{}",
        ).consume()

    try:
        db.write_tx(work)
    except StoreError as exc:
        if isinstance(exc.__cause__, neo4j.exceptions.ConstraintError):
            raise InputError(f"run id {run_id!r} already exists") from exc
        raise


def _clear_staged(db: Neo4jDatabase, run_id: str) -> None:
    db.repeat("run_clear_staged", "removed", run_id=run_id, batch=db.batch_size)


def write_results(db: Neo4jDatabase, run_id: str, results: RunResults) -> None:
    """Stage the results of run ``run_id``, replacing what it had staged (raises
    like :meth:`~kolgraph.store.base.Store.write_results`)."""
    rec = db.execute("run_status", read=True, run_id=run_id).records
    if not rec:
        raise NotFound(f"no rank run {run_id!r}")
    if rec[0]["status"] != RUNNING:
        raise rows.not_running(run_id, rec[0]["status"], "takes results")
    slot = int(rec[0]["slot"])
    _clear_staged(db, run_id)  # re-writing a run is safe
    scores = score_value_rows(results.scores)
    if slot == 0:
        db.execute_batches("stage_scores_s0", scores, run_id=run_id)
    else:
        db.execute_batches("stage_scores_s1", scores, run_id=run_id)
    c = results.communities
    if len(c):
        by_idx = db.index_to_key()
        crow = [
            {
                "id": cid,
                "size": size,
                "internal_edges": internal,
                "external_edges": external,
                "density": density,
                "top": [by_idx[i] for i in top],
                "bridges": None if bridges is None else [by_idx[i] for i in bridges],
            }
            for cid, size, internal, external, density, top, bridges in rows.community_rows(c)
        ]
        db.execute_batches("stage_communities", crow, run_id=run_id)
        members = set(int(x) for x in c["community"])
        mrows = [[r[0], r[2]] for r in scores if r[2] is not None and r[2] in members]
        db.execute_batches("stage_memberships", mrows, run_id=run_id)
    for name, data in results.artifacts.items():
        db.execute("save_artifact", run_id=run_id, artifact=name, data=bytearray(data))
    o = results.overlaps
    if len(o):
        orows = [
            [int(a), int(b), int(sh), float(j)]
            for a, b, sh, j in zip(o["a"], o["b"], o["shared"], o["jaccard"], strict=True)
        ]
        db.execute_batches("stage_overlaps", orows, run_id=run_id)


def publish(db: Neo4jDatabase, run_id: str, summary: RunSummary) -> None:
    """Make ``run_id`` the current run (see :meth:`~kolgraph.store.base.Store.publish_run`),
    then copy it into the Browser properties.

    The copy and the removal of older runs' staged results are housekeeping: if
    they fail, the run stays published and a warning says so.
    """

    stored = summary.as_json()

    def work(tx: ManagedTransaction) -> None:
        rec = tx.run(cypher.load("run_status"), run_id=run_id).single()
        if rec is None:
            raise NotFound(f"no run {run_id!r}")
        if rec["status"] != RUNNING:
            raise rows.not_running(run_id, rec["status"], "can be published")
        tx.run(
            cypher.load("publish_run"),
            run_id=run_id,
            published=PUBLISHED,
            superseded=SUPERSEDED,
            finished=time.time(),
            counts=stored["counts"],
            timings=stored["timings"],
            quality=stored["quality"],
            epoch=secrets.randbits(48),
        ).consume()

    db.write_tx(work)
    # published: the rest is housekeeping, and a failure here must not fail the run
    try:
        db.repeat("browser_props", "n", run_id=run_id, batch=db.batch_size)
        db.repeat("browser_props_clear", "n", run_id=run_id, batch=db.batch_size)
        db.repeat("stale_runs", "removed", batch=db.batch_size, running=RUNNING)
    except StoreError as exc:
        warnings.warn(f"run {run_id} is published, but cleanup failed: {exc}", stacklevel=4)


def fail(db: Neo4jDatabase, run_id: str, error: str) -> None:
    """Mark a running run failed and drop its staged results; any other run is left alone."""
    res = db.execute(
        "run_fail",
        run_id=run_id,
        running=RUNNING,
        failed=FAILED,
        finished=time.time(),
        error=error,
    )
    if res.records:
        _clear_staged(db, run_id)


def current_run_id(db: Neo4jDatabase) -> str | None:
    """The id of the published run readers see, or None."""
    rid: str | None = db.meta()["current_run"]
    return rid


def get_run(db: Neo4jDatabase, run_id: str) -> RunInfo:
    """The run ``run_id`` (:class:`NotFound` if there is none)."""
    recs = db.execute("run_get", read=True, run_id=run_id).records
    if not recs:
        raise rows.no_run(run_id)
    return rows.run_info(recs[0]["run"])


def list_runs(db: Neo4jDatabase, limit: int) -> list[RunInfo]:
    """The ``limit`` most recently started runs, newest first."""
    return [rows.run_info(r["run"]) for r in db.execute("run_list", read=True, limit=limit).records]


def run_artifact(db: Neo4jDatabase, run_id: str, name: str) -> bytes:
    """The artifact ``name`` of run ``run_id`` (:class:`NotFound` if either is missing)."""
    get_run(db, run_id)
    recs = db.execute("run_artifact", read=True, run_id=run_id, artifact=name).records
    if not recs:
        raise NotFound(f"run {run_id} has no artifact {name!r}")
    return bytes(recs[0]["data"])


# ----------------------------------------------------------------------------- plans
def save_plan(db: Neo4jDatabase, record: PlanRecord) -> None:
    """Keep the plan (insert, or replace the one with the same id)."""
    db.execute("plan_save", **rows.plan_values(record))


def get_plan(db: Neo4jDatabase, plan_id: str) -> PlanRecord:
    """The plan ``plan_id`` (:class:`NotFound` if there is none)."""
    recs = db.execute("plan_get", read=True, id=plan_id).records
    if not recs:
        raise rows.no_plan(plan_id)
    return rows.plan_record(dict(recs[0]["plan"]))


def list_plans(db: Neo4jDatabase, limit: int) -> list[PlanRecord]:
    """The ``limit`` most recent plans, newest first."""
    recs = db.execute("plan_list", read=True, limit=int(limit)).records
    return [rows.plan_record(dict(r["plan"])) for r in recs]
