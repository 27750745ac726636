"""Reads for users from the embedded SQLite store: accounts, communities, scores, overlaps.

Each function reads through a connection the caller holds inside a read
transaction, together with the current run's id read in the same
transaction, so a reader never mixes two runs.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

import pandas as pd

from kolgraph.store.base import AccountQuery, AccountRecord, CommunityRecord, OverlapRecord
from kolgraph.store.rows import account_record, no_account
from kolgraph.store.scores import SCORE_COLUMNS

__all__ = ["get_account", "list_accounts", "list_communities", "overlaps", "scores"]

_ACCOUNT_FIELDS = ("key", "platform", "account_id", "name", "kind", "followers", "cost")
_ACCOUNT_COLS = ", ".join(
    [*(f"a.{c}" for c in _ACCOUNT_FIELDS), *(f"s.{c}" for c in SCORE_COLUMNS)]
)
_SORT_SQL = {
    "pagerank": "s.pagerank",
    "followers": "a.followers",
    "audience": "s.audience",
    "cost": "a.cost",
    "key": "a.key",
}


def _record(row: Sequence[Any], run_id: str | None) -> AccountRecord:
    n = len(_ACCOUNT_FIELDS)
    *scores, flags = row[n:]
    return account_record(
        dict(zip(_ACCOUNT_FIELDS, row[:n], strict=True)),
        [*scores, json.loads(flags) if flags else None],
        run_id if scores[0] is not None else None,
    )


def get_account(con: sqlite3.Connection, run_id: str | None, key: str) -> AccountRecord:
    """The account ``key`` with its scores in run ``run_id`` (:class:`NotFound` if none)."""
    row = con.execute(
        f"SELECT {_ACCOUNT_COLS} FROM accounts a "
        "LEFT JOIN scores s ON s.account = a.id AND s.run_id = ? WHERE a.key = ?",
        (run_id, key),
    ).fetchone()
    if row is None:
        raise no_account(key)
    return _record(row, run_id)


def list_accounts(
    con: sqlite3.Connection, run_id: str | None, query: AccountQuery
) -> tuple[list[AccountRecord], int]:
    """One page of accounts with their scores in run ``run_id``, and the number matching."""
    where: list[str] = []
    args: list[str | int] = []
    if query.kind is not None:
        where.append("a.kind = ?")
        args.append(query.kind.value)
    if query.platform is not None:
        where.append("a.platform = ?")
        args.append(query.platform)
    if query.community is not None:
        where.append("s.community = ?")
        args.append(query.community)
    cond = ("WHERE " + " AND ".join(where)) if where else ""
    order = _SORT_SQL[query.sort]
    direction = "DESC" if query.descending else "ASC"
    base = "FROM accounts a LEFT JOIN scores s ON s.account = a.id AND s.run_id = ? " + cond
    total = con.execute(f"SELECT COUNT(*) {base}", (run_id, *args)).fetchone()[0]
    rows = con.execute(
        f"SELECT {_ACCOUNT_COLS} {base} "
        f"ORDER BY {order} IS NULL, {order} {direction}, a.id LIMIT ? OFFSET ?",
        (run_id, *args, query.limit, query.offset),
    ).fetchall()
    return [_record(r, run_id) for r in rows], int(total)


def list_communities(
    con: sqlite3.Connection, run_id: str, limit: int, offset: int
) -> tuple[list[CommunityRecord], int]:
    """One page of the communities of run ``run_id``, largest first, and their number."""
    total = con.execute("SELECT COUNT(*) FROM communities WHERE run_id = ?", (run_id,)).fetchone()[
        0
    ]
    rows = con.execute(
        "SELECT community, size, internal_edges, top, external_edges, density, bridges "
        "FROM communities WHERE run_id = ? ORDER BY size DESC, community LIMIT ? OFFSET ?",
        (run_id, limit, offset),
    ).fetchall()
    return [
        CommunityRecord(
            community=r[0],
            size=r[1],
            internal_edges=r[2],
            top=json.loads(r[3]),
            run_id=run_id,
            external_edges=r[4],
            density=float(r[5]),
            bridges=None if r[6] is None else json.loads(r[6]),
        )
        for r in rows
    ], int(total)


def scores(con: sqlite3.Connection, run_id: str) -> pd.DataFrame:
    """The stored score rows of run ``run_id``: ``idx`` (dense index) and the
    :data:`~kolgraph.store.scores.SCORE_COLUMNS` (flags decoded to lists)."""
    df = pd.read_sql_query(
        f"SELECT account - 1 AS idx, {', '.join(SCORE_COLUMNS)} FROM scores WHERE run_id = ?",
        con,
        params=(run_id,),
    )
    df["flags"] = [json.loads(f) if isinstance(f, str) else None for f in df["flags"]]
    return df


def overlaps(con: sqlite3.Connection, run_id: str | None, ids: list[int]) -> list[OverlapRecord]:
    """Stored overlaps of run ``run_id`` between pairs of the account ``ids``."""
    marks = ",".join("?" * len(ids))
    rows = con.execute(
        "SELECT ka.key, kb.key, o.shared, o.jaccard FROM overlaps o "
        "JOIN accounts ka ON ka.id = o.a JOIN accounts kb ON kb.id = o.b "
        f"WHERE o.run_id = ? AND o.a IN ({marks}) AND o.b IN ({marks})",
        (run_id, *ids, *ids),
    ).fetchall()
    return [OverlapRecord(a=r[0], b=r[1], shared=r[2], jaccard=r[3]) for r in rows]
