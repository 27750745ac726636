"""Flat tables of a store's contents for export: one row per account, one per edge.

:func:`scores_frame` joins the accounts with the current run's scores;
:func:`edge_frames` streams every edge in a fixed set of columns, so follow
and repost batches can be written one after another to one CSV or JSON array.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pandas as pd

from kolgraph.model import EdgeType
from kolgraph.store.base import Store

__all__ = ["EDGE_COLUMNS", "EXPORT_COLUMNS", "edge_frames", "scores_frame"]

#: Columns of :func:`scores_frame`, in order.
EXPORT_COLUMNS = (
    "key",
    "platform",
    "name",
    "kind",
    "pagerank",
    "community",
    "followers",
    "audience",
    "tier",
    "engagement",
    "anomaly",
    "spread",
    "flags",
    "cost",
    "run_id",
)

#: Columns of every frame :func:`edge_frames` yields, in order.
EDGE_COLUMNS = ("src", "dst", "type", "post_id", "ts", "action", "weight")


def scores_frame(store: Store) -> pd.DataFrame:
    """One row per account with its current scores, highest PageRank first.

    Parameters
    ----------
    store
        The store to read.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`EXPORT_COLUMNS`. ``followers`` and ``audience`` are
        nullable integers; ``flags`` joins the audience flags with ``" | "``
        (empty when none); ``run_id`` is the current run's id (None without a
        run). Accounts without a score (no run, or added after it) come last,
        in dense index order.
    """
    acc = store.accounts_frame()
    sc = store.current_scores().reindex(acc.index)  # no run: no rows, so all missing
    run = store.current_run()
    df = pd.DataFrame(
        {
            "key": acc["key"],
            "platform": acc["platform"],
            "name": acc["name"],
            "kind": acc["kind"],
            "pagerank": sc["pagerank"],
            "community": sc["community"],
            "followers": acc["followers"].astype("Int64"),
            "audience": sc["audience"].astype("Int64"),
            "tier": sc["tier"],
            "engagement": sc["engagement"],
            "anomaly": sc["anomaly"],
            "spread": sc["spread"],
            "flags": [
                " | ".join(f) if isinstance(f, (list, tuple)) and f else "" for f in sc["flags"]
            ],
            "cost": acc["cost"],
            "run_id": run.id if run else None,
        }
    )
    return df.sort_values("pagerank", ascending=False, na_position="last", kind="stable")


def edge_frames(
    store: Store, types: Iterable[EdgeType] = (EdgeType.FOLLOW, EdgeType.REPOST)
) -> Iterator[pd.DataFrame]:
    """Every stored edge of ``types``, in batches with the columns :data:`EDGE_COLUMNS`.

    Parameters
    ----------
    store
        The store to read.
    types
        Edge types, exported in this order.

    Yields
    ------
    pandas.DataFrame
        A batch of one type: ``type`` is its value (``"follow"``,
        ``"repost"``); follow edges carry missing ``post_id``, ``ts``,
        ``action`` and ``weight`` (``ts`` and ``weight`` as nullable
        ``Int64`` / ``Float64``, so CSV cells are empty rather than ``nan``).
    """
    cols = list(EDGE_COLUMNS)
    for et in types:
        for batch in store.iter_edges(et):
            batch = batch.assign(type=et.value).reindex(columns=cols)
            if et is EdgeType.FOLLOW:
                batch = batch.astype({"ts": "Int64", "weight": "Float64"})
            yield batch
