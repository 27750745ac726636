"""Rank runs and plans in the embedded SQLite store: the SQL behind their store methods.

Each function works on a connection the caller holds (inside a transaction
when it writes). A run's results (``scores``, ``communities``, ``overlaps``,
``artifacts``) are written under its id while it is ``running``;
:func:`publish` flips the ``current_run`` pointer in ``meta`` in the caller's
transaction, so readers switch from the old run to the complete new run at
once.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
import time
from collections.abc import Iterable, Iterator
from typing import Any

import pandas as pd

from kolgraph.errors import InputError, NotFound
from kolgraph.store import rows
from kolgraph.store.base import PlanRecord, RunInfo, RunResults, RunSummary
from kolgraph.store.scores import score_value_columns

__all__ = [
    "current_run_id",
    "fail",
    "get_plan",
    "get_run",
    "insert_run",
    "list_plans",
    "list_runs",
    "prune",
    "publish",
    "run_artifact",
    "save_plan",
    "write_results",
]

#: Score rows built per batch in :func:`write_results` (all in one transaction).
_SCORE_CHUNK = 100_000
#: Tables holding a run's results.
_RESULT_TABLES = ("scores", "communities", "overlaps", "artifacts")
_RUN_COLS = ", ".join(rows.RUN_FIELDS)
_PLAN_COLS = ", ".join(rows.PLAN_FIELDS)


# ----------------------------------------------------------------------------- runs
def insert_run(con: sqlite3.Connection, run_id: str, params: dict[str, Any]) -> None:
    """Record a new ``running`` run (:class:`InputError` if the id exists)."""
    try:
        con.execute(
            "INSERT INTO runs(id, status, started, params) VALUES (?, 'running', ?, ?)",
            (run_id, time.time(), json.dumps(params, sort_keys=True, default=str)),
        )
    except sqlite3.IntegrityError as exc:
        raise InputError(f"run id {run_id!r} already exists") from exc


def _select_runs(con: sqlite3.Connection, tail: str, args: tuple[Any, ...]) -> list[RunInfo]:
    found = con.execute(f"SELECT {_RUN_COLS} FROM runs {tail}", args).fetchall()
    return [rows.run_info(dict(zip(rows.RUN_FIELDS, r, strict=True))) for r in found]


def get_run(con: sqlite3.Connection, run_id: str) -> RunInfo:
    """The run ``run_id`` (:class:`NotFound` if there is none)."""
    found = _select_runs(con, "WHERE id = ?", (run_id,))
    if not found:
        raise rows.no_run(run_id)
    return found[0]


def list_runs(con: sqlite3.Connection, limit: int) -> list[RunInfo]:
    """The ``limit`` most recently started runs, newest first."""
    return _select_runs(con, "ORDER BY started DESC, rowid DESC LIMIT ?", (limit,))


def current_run_id(con: sqlite3.Connection) -> str | None:
    """The id of the published run readers see, or None."""
    row = con.execute("SELECT value FROM meta WHERE key = 'current_run'").fetchone()
    return None if row is None else str(row[0])


def _delete_results(con: sqlite3.Connection, run_id: str) -> None:
    for table in _RESULT_TABLES:
        con.execute(f"DELETE FROM {table} WHERE run_id = ?", (run_id,))


def _score_rows(run_id: str, s: pd.DataFrame) -> Iterator[tuple[Any, ...]]:
    """``scores`` table rows of ``s`` as tuples of native values, built column-wise."""
    *values, flags = score_value_columns(s, index_base=1)
    return zip(
        itertools.repeat(run_id, len(s)),
        *values,
        [None if f is None else json.dumps(f) for f in flags],
        strict=True,
    )


def _keys_of(con: sqlite3.Connection, indices: Iterable[int]) -> dict[int, str]:
    """Keys of the accounts at the dense ``indices`` (only those are read)."""
    ids = sorted({int(i) + 1 for i in indices})
    keys: dict[int, str] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for aid, key in con.execute(f"SELECT id, key FROM accounts WHERE id IN ({marks})", chunk):
            keys[aid - 1] = key
    return keys


def write_results(con: sqlite3.Connection, run_id: str, results: RunResults) -> None:
    """Replace the results of ``run_id`` with ``results`` (in the caller's write transaction)."""
    s = results.scores
    # rows are built a chunk at a time (bounded memory) and inserted in one transaction
    score_rows = itertools.chain.from_iterable(
        _score_rows(run_id, s.iloc[i : i + _SCORE_CHUNK]) for i in range(0, len(s), _SCORE_CHUNK)
    )
    _delete_results(con, run_id)  # re-writing a run is safe
    con.executemany(
        "INSERT INTO scores(run_id, account, pagerank, community, audience, tier, "
        "engagement, anomaly, spread, flags) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        score_rows,
    )
    con.executemany(
        "INSERT INTO artifacts(run_id, name, data) VALUES (?, ?, ?)",
        ((run_id, name, sqlite3.Binary(data)) for name, data in results.artifacts.items()),
    )
    if len(results.communities):
        comm_rows = rows.community_rows(results.communities)
        keys = _keys_of(con, [i for row in comm_rows for i in (*row[5], *(row[6] or ()))])
        con.executemany(
            "INSERT INTO communities(run_id, community, size, internal_edges, top, "
            "external_edges, density, bridges) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    run_id,
                    cid,
                    size,
                    internal,
                    json.dumps([keys[i] for i in top]),
                    external,
                    density,
                    None if bridges is None else json.dumps([keys[i] for i in bridges]),
                )
                for cid, size, internal, external, density, top, bridges in comm_rows
            ),
        )
    o = results.overlaps
    if len(o):
        con.executemany(
            "INSERT INTO overlaps(run_id, a, b, shared, jaccard) VALUES (?, ?, ?, ?, ?)",
            (
                (run_id, int(a) + 1, int(b) + 1, int(sh), float(j))
                for a, b, sh, j in zip(o["a"], o["b"], o["shared"], o["jaccard"], strict=True)
            ),
        )


def publish(con: sqlite3.Connection, run_id: str, summary: RunSummary) -> None:
    """Make ``run_id`` the current run (in the caller's write transaction); see
    :meth:`~kolgraph.store.base.Store.publish_run`."""
    row = con.execute("SELECT status FROM runs WHERE id = ?", (run_id,)).fetchone()
    if row is None:
        raise NotFound(f"no run {run_id!r}")
    if row[0] != "running":
        raise rows.not_running(run_id, row[0], "can be published")
    con.execute("UPDATE runs SET status = 'superseded' WHERE status = 'published'")
    con.execute(
        "UPDATE runs SET status = 'published', finished = :finished, counts = :counts, "
        "timings = :timings, quality = :quality WHERE id = :run_id",
        {"finished": time.time(), "run_id": run_id, **summary.as_json()},
    )
    con.execute(
        "INSERT INTO meta(key, value) VALUES ('current_run', ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (run_id,),
    )


def prune(con: sqlite3.Connection, keep_runs: int) -> None:
    """Delete results of all but the ``keep_runs`` latest published runs (never the current)."""
    current = current_run_id(con)
    old = [
        r[0]
        for r in con.execute(
            "SELECT id FROM runs WHERE status IN ('published', 'superseded') "
            "AND id IS NOT ? ORDER BY finished DESC, started DESC LIMIT -1 OFFSET ?",
            (current, max(keep_runs - 1, 0)),
        )
    ]
    old += [r[0] for r in con.execute("SELECT id FROM runs WHERE status = 'failed'")]
    for rid in old:
        _delete_results(con, rid)


def fail(con: sqlite3.Connection, run_id: str, error: str) -> None:
    """Mark a running run failed and drop its results; any other run is left as it is."""
    cur = con.execute(
        "UPDATE runs SET status = 'failed', finished = ?, error = ? "
        "WHERE id = ? AND status = 'running'",
        (time.time(), error, run_id),
    )
    if cur.rowcount:
        _delete_results(con, run_id)


def run_artifact(con: sqlite3.Connection, run_id: str, name: str) -> bytes:
    """The artifact ``name`` of run ``run_id`` (:class:`NotFound` if either is missing)."""
    get_run(con, run_id)
    row = con.execute(
        "SELECT data FROM artifacts WHERE run_id = ? AND name = ?", (run_id, name)
    ).fetchone()
    if row is None:
        raise NotFound(f"run {run_id} has no artifact {name!r}")
    return bytes(row[0])


# ----------------------------------------------------------------------------- plans
def save_plan(con: sqlite3.Connection, record: PlanRecord) -> None:
    """Insert the plan, or replace the one with the same id."""
    con.execute(
        f"INSERT OR REPLACE INTO plans ({_PLAN_COLS}) "
        f"VALUES ({', '.join(':' + f for f in rows.PLAN_FIELDS)})",
        rows.plan_values(record),
    )


def _select_plans(con: sqlite3.Connection, tail: str, args: tuple[Any, ...]) -> list[PlanRecord]:
    found = con.execute(f"SELECT {_PLAN_COLS} FROM plans {tail}", args).fetchall()
    return [rows.plan_record(dict(zip(rows.PLAN_FIELDS, r, strict=True))) for r in found]


def get_plan(con: sqlite3.Connection, plan_id: str) -> PlanRecord:
    """The plan ``plan_id`` (:class:`NotFound` if there is none)."""
    found = _select_plans(con, "WHERE id = ?", (plan_id,))
    if not found:
        raise rows.no_plan(plan_id)
    return found[0]


def list_plans(con: sqlite3.Connection, limit: int) -> list[PlanRecord]:
    """The ``limit`` most recent plans, newest first."""
    return _select_plans(con, "ORDER BY created DESC, id DESC LIMIT ?", (int(limit),))
