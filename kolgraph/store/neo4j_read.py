"""Reads for users from the Neo4j store: accounts, communities, scores, overlaps.

Each query reads the current run from the ``:KolgraphMeta`` node and the
matching score slot in one statement, so a reader never mixes two runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

from kolgraph.store.base import AccountQuery, AccountRecord, CommunityRecord, OverlapRecord
from kolgraph.store.neo4j_db import Neo4jDatabase
from kolgraph.store.rows import account_record, community_density, no_account

if TYPE_CHECKING:
    from neo4j import Record

__all__ = ["get_account", "list_accounts", "list_communities", "overlaps", "scores"]

#: sort key → (plain property, or None; score in the run's slot, or None)
_SORT_PROP: dict[str, tuple[str | None, str | None]] = {
    "pagerank": (None, "pagerank"),
    "followers": ("followers", None),
    "audience": (None, "reach"),
    "cost": ("cost", None),
    "key": ("key", None),
}
#: Columns of the account queries holding the scores, in SCORE_COLUMNS order.
_SCORE_FIELDS = (
    "pagerank",
    "community",
    "reach",
    "tier",
    "engagement",
    "anomaly",
    "spread",
    "flags",
)


def _record(r: Record) -> AccountRecord:
    a = r["account"]
    return account_record(
        {
            "key": a["key"],
            "platform": a["platform"],
            "account_id": a["id"],
            "name": a.get("name"),
            "kind": a.get("kind"),
            "followers": a.get("followers"),
            "cost": a.get("cost"),
        },
        [r[c] for c in _SCORE_FIELDS],
        r["run_id"],
    )


def get_account(db: Neo4jDatabase, key: str) -> AccountRecord:
    """The account ``key`` with its current scores (:class:`NotFound` if there is none)."""
    recs = db.execute("get_account", read=True, key=key).records
    if not recs:
        raise no_account(key)
    return _record(recs[0])


def list_accounts(db: Neo4jDatabase, query: AccountQuery) -> tuple[list[AccountRecord], int]:
    """One page of accounts with their current scores, and the number matching."""
    prop, score = _SORT_PROP[query.sort]
    filters = {
        "kind": None if query.kind is None else query.kind.value,
        "platform": query.platform,
        "community": query.community,
    }
    total = int(
        db.execute(
            "count_filtered_accounts",
            read=True,
            kind=filters["kind"],
            platform=filters["platform"],
            community=filters["community"],
        ).records[0]["n"]
    )
    page = {
        "prop": prop,
        "score": score,
        "reach": "reach",
        "offset": query.offset,
        "limit": query.limit,
    }
    if query.descending:
        res = db.execute("list_accounts_desc", read=True, **page, **filters)
    else:
        res = db.execute("list_accounts_asc", read=True, **page, **filters)
    return [_record(r) for r in res.records], total


def list_communities(
    db: Neo4jDatabase, limit: int, offset: int
) -> tuple[list[CommunityRecord], int]:
    """One page of the current run's communities, largest first, and their number."""
    recs = db.execute("list_communities", read=True, limit=limit, offset=offset).records
    if not recs:
        return [], 0
    page = recs[0]["page"] or []
    return [
        CommunityRecord(
            community=int(c["id"]),
            size=int(c["size"]),
            internal_edges=int(c["internal_edges"]),
            top=list(c["top"]),
            run_id=c["run_id"],
            external_edges=None if c["external_edges"] is None else int(c["external_edges"]),
            density=(
                community_density(int(c["size"]), int(c["internal_edges"]))
                if c["density"] is None
                else float(c["density"])
            ),
            bridges=None if c["bridges"] is None else list(c["bridges"]),
        )
        for c in page
    ], int(recs[0]["total"])


def scores(db: Neo4jDatabase, run_id: str | None) -> pd.DataFrame:
    """Stored score rows: ``idx`` and the :data:`~kolgraph.store.scores.SCORE_COLUMNS`
    of run ``run_id``, or of the current run when ``run_id`` is None."""
    if run_id is None:
        return db.frame("current_scores")
    return db.frame("run_scores", run_id=run_id)


def overlaps(db: Neo4jDatabase, keys: Sequence[str]) -> list[OverlapRecord]:
    """Stored overlaps of the current run between pairs of ``keys``."""
    recs = db.execute("get_overlaps", read=True, keys=list(keys)).records
    return [
        OverlapRecord(a=r["a"], b=r["b"], shared=int(r["shared"]), jaccard=float(r["jaccard"]))
        for r in recs
    ]
