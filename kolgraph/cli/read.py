"""``kolgraph accounts`` and ``kolgraph communities``, and the tables they print.

The printers are shared: ``rank`` and ``demo`` show the same tables.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, cast

import numpy as np
import pandas as pd
import typer
from rich.table import Table

from kolgraph.cli.common import DbOpt, StoreOpt, fmt_float, handle_errors, opened_store, out
from kolgraph.errors import InputError
from kolgraph.model import Kind

if TYPE_CHECKING:
    from kolgraph.store import AccountQuery, Store
    from kolgraph.store.base import SortKey

__all__ = ["accounts", "communities", "print_accounts", "print_communities", "print_flagged"]

SORT_KEYS = ("pagerank", "followers", "audience", "cost", "key")


def print_accounts(st: Store, q: AccountQuery, title: str) -> None:
    """One page of accounts with their current scores."""
    rows, total = st.list_accounts(q)
    t = Table(title=f"{title} ({total:,} matching)")
    for col in (
        "#",
        "key",
        "name",
        "kind",
        "pagerank",
        "community",
        "audience",
        "followers",
        "cost",
    ):
        t.add_column(
            col,
            justify="right"
            if col in {"#", "pagerank", "audience", "followers", "cost"}
            else "left",
        )
    for i, r in enumerate(rows, start=q.offset + 1):
        t.add_row(
            str(i),
            r.key,
            r.name or "",
            r.kind.value,
            fmt_float(r.pagerank),
            "-" if r.community is None else str(r.community),
            "-" if r.audience is None else f"{r.audience:,}",
            "-" if r.followers is None else f"{r.followers:,}",
            "-" if r.cost is None else f"{r.cost:,.0f}",
        )
    out.print(t)


def print_flagged(st: Store, limit: int = 8) -> None:
    """Campaign candidates (kol/media/partner) whose audience looks inauthentic, with reasons."""
    acc = st.accounts_frame()
    sc = st.current_scores()
    if not len(sc):
        return
    flagged = [
        i
        for i, (kind, flags) in enumerate(zip(acc["kind"], sc["flags"], strict=True))
        if flags and kind in ("kol", "media", "partner")
    ]
    flagged.sort(key=lambda i: -float(np.nan_to_num(sc["pagerank"].iloc[i])))
    if not flagged:
        return
    t = Table(
        title=f"check before booking: {len(flagged):,} KOL / media / partner accounts flagged"
    )
    for col in ("key", "name", "kind", "anomaly", "reasons"):
        t.add_column(col)
    for i in flagged[:limit]:
        anomaly = sc["anomaly"].iloc[i]
        t.add_row(
            str(acc["key"].iloc[i]),
            str(acc["name"].iloc[i]),
            str(acc["kind"].iloc[i]),
            "-" if pd.isna(anomaly) else f"{anomaly:.2f}",
            "; ".join(sc["flags"].iloc[i]),
        )
    out.print(t)


def print_communities(st: Store, limit: int) -> None:
    """The largest communities of the current run."""
    rows, total = st.list_communities(limit)
    t = Table(title=f"largest communities ({total:,} with 2+ members)")
    for col in ("community", "size", "internal edges", "density", "top accounts", "bridges"):
        t.add_column(col)
    for c in rows:
        t.add_row(
            str(c.community),
            f"{c.size:,}",
            f"{c.internal_edges:,}",
            f"{c.density:.3g}",
            ", ".join(c.top[:5]),
            ", ".join(c.bridges[:3]) if c.bridges else "-",
        )
    out.print(t)


@handle_errors
def accounts(
    kind: Annotated[Kind | None, typer.Option(help="Only this kind.")] = None,
    platform: Annotated[str | None, typer.Option(help="Only this platform.")] = None,
    community: Annotated[int | None, typer.Option(help="Only this community.")] = None,
    sort: Annotated[
        str, typer.Option(help="pagerank, followers, audience, cost or key.")
    ] = "pagerank",
    limit: Annotated[int, typer.Option(min=1, help="Rows to show.")] = 20,
    db: DbOpt = None,
    store: StoreOpt = None,
) -> None:
    """Show accounts with their current scores."""
    from kolgraph.store import AccountQuery

    if sort not in SORT_KEYS:
        raise InputError(
            f"cannot sort by {sort!r}", hint="use pagerank, followers, audience, cost or key"
        )
    with opened_store(db, store) as st:
        print_accounts(
            st,
            AccountQuery(
                kind=kind,
                platform=platform,
                community=community,
                sort=cast("SortKey", sort),
                limit=limit,
                descending=sort != "key",
            ),
            title="accounts",
        )


@handle_errors
def communities(
    limit: Annotated[int, typer.Option(min=1, help="Rows to show.")] = 15,
    db: DbOpt = None,
    store: StoreOpt = None,
) -> None:
    """Show the communities of the current run, largest first."""
    with opened_store(db, store) as st:
        print_communities(st, limit)
