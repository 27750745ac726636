"""``kolgraph overlap``, ``kolgraph affinity`` and ``kolgraph lookalike``: audience questions."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from kolgraph.cli.common import (
    DbOpt,
    FormatOpt,
    OutFormat,
    StoreOpt,
    console,
    handle_errors,
    opened_store,
    out,
    write_json,
)
from kolgraph.errors import InputError
from kolgraph.model import Kind

__all__ = ["affinity", "lookalike", "overlap"]


class OverlapFormat(str, Enum):
    """``overlap --format``."""

    table = "table"
    json = "json"
    csv = "csv"


KindsOpt = Annotated[
    list[Kind] | None,
    typer.Option("--kind", help="Kind of account to return; repeat for several."),
]
LimitOpt = Annotated[int, typer.Option(min=1, max=1000, help="Show this many.")]


def _cost(c: float | None) -> str:
    return "-" if c is None else f"{c:,.0f}"


@handle_errors
def overlap(
    keys: Annotated[
        list[str], typer.Argument(help="2 to 100 account keys (spaces or commas between them).")
    ],
    format: Annotated[
        OverlapFormat,
        typer.Option("--format", help="table, json or csv (one row per pair)."),
    ] = OverlapFormat.table,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write to FILE (.xlsx, .csv or .json) instead."),
    ] = None,
    pairs: Annotated[
        int, typer.Option("--pairs", min=0, help="Pairs the table shows (closest first).")
    ] = 20,
    db: DbOpt = None,
    store: StoreOpt = None,
) -> None:
    """Exact audience overlap of a set of accounts: every pair, each account, the union."""
    from kolgraph.audience.export import write_overlap_csv, write_overlap_xlsx
    from kolgraph.audience.overlap import set_overlap
    from kolgraph.schemas.audience import OverlapResponse

    suffix = output.suffix.lower() if output is not None else ""
    if output is not None and suffix not in {".xlsx", ".csv", ".json"}:
        raise InputError(
            f"cannot tell the format of {output}", hint="name the file .xlsx, .csv or .json"
        )
    split = [k for arg in keys for k in arg.split(",")]
    with opened_store(db, store) as st:
        rep = set_overlap(st, split)
    if output is not None:
        if not output.parent.is_dir():
            raise InputError(f"folder {output.parent} does not exist", source=str(output))
        if suffix == ".xlsx":
            write_overlap_xlsx(rep, output)
        elif suffix == ".csv":
            with output.open("w", encoding="utf-8", newline="") as fh:
                write_overlap_csv(rep, fh)
        else:
            doc = OverlapResponse.from_report(rep).model_dump_json(indent=2)
            output.write_text(doc + "\n", encoding="utf-8")
        console.print(f"wrote {output} ({len(rep.pairs):,} pairs, {len(rep.accounts)} accounts)")
        return
    if format is OverlapFormat.json:
        write_json(OverlapResponse.from_report(rep))
        return
    if format is OverlapFormat.csv:
        write_overlap_csv(rep, sys.stdout)
        return
    t = Table(title=f"audiences of {len(rep.accounts)} accounts")
    for col in ("key", "name", "kind", "audience", "exclusive", "exclusive %"):
        t.add_column(
            col, justify="right" if col in {"audience", "exclusive", "exclusive %"} else "left"
        )
    for a in rep.accounts:
        t.add_row(
            a.key, a.name, a.kind, f"{a.audience:,}", f"{a.exclusive:,}", f"{a.exclusive_share:.1%}"
        )
    out.print(t)
    out.print(
        f"unique audience {rep.unique_audience:,} of {rep.summed_audience:,} summed "
        f"({rep.duplication_rate:.1%} duplicated)"
    )
    if pairs:
        top = sorted(rep.pairs, key=lambda p: (-p.jaccard, -p.shared))[:pairs]
        t = Table(title=f"closest {len(top)} of {len(rep.pairs):,} pairs")
        for col in ("a", "b", "shared", "jaccard", "share of smaller"):
            t.add_column(col, justify="left" if col in {"a", "b"} else "right")
        for p in top:
            t.add_row(p.a, p.b, f"{p.shared:,}", f"{p.jaccard:.4f}", f"{p.share_of_smaller:.1%}")
        out.print(t)
    console.print(rep.note, highlight=False)


@handle_errors
def affinity(
    brand: Annotated[str, typer.Argument(help="The brand's (or a competitor's) account key.")],
    kind: KindsOpt = None,
    min_support: Annotated[
        int,
        typer.Option("--min-support", min=1, help="Fewest shared people a candidate needs."),
    ] = 5,
    confidence: Annotated[
        float,
        typer.Option(min=0.5, max=0.999, help="Level of the Wilson bound used for ranking."),
    ] = 0.95,
    limit: LimitOpt = 20,
    format: FormatOpt = OutFormat.table,
    db: DbOpt = None,
    store: StoreOpt = None,
) -> None:
    """Accounts (KOLs by default) whose audiences over-index on a brand's followers."""
    from kolgraph.audience.affinity import brand_affinity
    from kolgraph.schemas.audience import AffinityResponse

    with opened_store(db, store) as st:
        rep = brand_affinity(
            st,
            brand,
            kinds=kind or [Kind.KOL],
            min_support=min_support,
            confidence=confidence,
            limit=limit,
        )
    if format is OutFormat.json:
        write_json(AffinityResponse.from_report(rep))
        return
    t = Table(
        title=f"affinity to {rep.brand} ({rep.brand_audience:,} people; base rate "
        f"{rep.base_rate:.2%}): {len(rep.rows)} of {rep.candidates:,}"
    )
    cols = ("#", "key", "name", "kind", "audience", "shared", "share", "affinity", "low", "cost")
    for col in cols:
        t.add_column(col, justify="left" if col in {"key", "name", "kind"} else "right")
    for i, r in enumerate(rep.rows, start=1):
        t.add_row(
            str(i),
            r.key,
            r.name,
            r.kind,
            f"{r.audience:,}",
            f"{r.shared:,}",
            f"{r.share:.1%}",
            f"{r.affinity:.2f}",
            f"{r.affinity_low:.2f}",
            _cost(r.cost),
        )
    out.print(t)
    console.print(rep.note, highlight=False)


@handle_errors
def lookalike(
    account: Annotated[str, typer.Argument(help="The account whose audience to match.")],
    kind: KindsOpt = None,
    max_cost: Annotated[
        float | None,
        typer.Option("--max-cost", min=0, help="Only accounts with a known cost up to this."),
    ] = None,
    limit: LimitOpt = 20,
    format: FormatOpt = OutFormat.table,
    db: DbOpt = None,
    store: StoreOpt = None,
) -> None:
    """Accounts whose audiences most resemble ACCOUNT's (exact Jaccard; every kind but user
    unless --kind says)."""
    from kolgraph.audience.lookalike import lookalikes
    from kolgraph.schemas.audience import LookalikeResponse

    with opened_store(db, store) as st:
        rep = lookalikes(st, account, kinds=kind, max_cost=max_cost, limit=limit)
    if format is OutFormat.json:
        write_json(LookalikeResponse.from_report(rep))
        return
    t = Table(title=f"accounts like {rep.key} ({rep.audience:,} people): {len(rep.rows)}")
    for col in ("#", "key", "name", "kind", "audience", "shared", "jaccard", "cost"):
        t.add_column(col, justify="left" if col in {"key", "name", "kind"} else "right")
    for i, r in enumerate(rep.rows, start=1):
        t.add_row(
            str(i),
            r.key,
            r.name,
            r.kind,
            f"{r.audience:,}",
            f"{r.shared:,}",
            f"{r.jaccard:.4f}",
            _cost(r.cost),
        )
    out.print(t)
    console.print(rep.note, highlight=False)
