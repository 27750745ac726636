"""A kept plan as an ``.xlsx`` workbook: summary, accounts, overlap matrix and pairs.

Sheets, in order:

* ``summary``: one row per figure (``field``, ``value``), the planner's notes last;
* ``accounts``: the account table (:data:`ACCOUNT_COLUMNS`), in the order chosen;
* ``overlap``: the account × account Jaccard matrix (keys on both axes, 1 on the
  diagonal, blank where a pair is not known, see :mod:`kolgraph.report.overlap`);
* ``pairs``: one row per known pair (:data:`~kolgraph.audience.export.PAIR_COLUMNS`),
  largest Jaccard first;
* ``budget_curve``: the plan at each budget of its curve, when it has one.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from kolgraph.audience.export import PAIR_COLUMNS, pair_table
from kolgraph.audience.overlap import OverlapReport
from kolgraph.report.files import write_whole
from kolgraph.report.kept import read_kept_plan
from kolgraph.report.overlap import JaccardMatrix, jaccard_matrix
from kolgraph.schemas.plans import BudgetCurveOut, PlanResponse
from kolgraph.store.base import Store

__all__ = [
    "ACCOUNT_COLUMNS",
    "XLSX_MEDIA_TYPE",
    "account_frame",
    "curve_frame",
    "matrix_frame",
    "pairs_frame",
    "plan_xlsx",
    "plan_xlsx_bytes",
    "summary_frame",
    "write_plan_xlsx",
]

#: The media type of an ``.xlsx`` file.
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Columns of the ``accounts`` sheet, in order.
ACCOUNT_COLUMNS = (
    "key",
    "name",
    "kind",
    "phase",
    "day_from",
    "day_to",
    "cost",
    "cost_estimated",
    "audience",
    "marginal_reach",
    "exclusive_reach",
    "marginal_engaged",
    "cost_per_engaged",
    "marginal_gain",
    "overlap_before",
    "pagerank",
    "community",
    "warnings",
)


def account_frame(doc: PlanResponse) -> pd.DataFrame:
    """One row per planned account with :data:`ACCOUNT_COLUMNS` (warnings joined by '; ')."""
    rows = []
    for a in doc.accounts:
        d = a.model_dump(mode="json")
        d["warnings"] = "; ".join(a.warnings)
        rows.append([d[c] for c in ACCOUNT_COLUMNS])
    return pd.DataFrame(rows, columns=list(ACCOUNT_COLUMNS))


def summary_frame(doc: PlanResponse, matrix: JaccardMatrix) -> pd.DataFrame:
    """The plan's figures as ``field, value`` rows; missing values are blank."""
    rows: list[tuple[str, Any]] = [
        ("plan_id", doc.id),
        ("run_id", doc.run_id),
        ("objective", doc.objective),
        ("budget", doc.budget),
        ("spent", doc.spent),
        ("unique_reach", doc.unique_reach),
        ("total_audience", doc.total_audience),
        ("overlap_rate", doc.overlap_rate),
        ("target_size", doc.target_size),
        ("target_coverage", doc.target.coverage if doc.target else None),
        ("accounts", len(doc.accounts)),
        ("stop_reason", doc.stop_reason),
    ]
    if doc.target is not None:
        rows += [(f"target_filter_{i}", f) for i, f in enumerate(doc.target.filters, 1)]
    fc = doc.forecast
    if fc is not None:
        rows += [
            ("forecast_horizon_days", fc.horizon_days),
            ("forecast_expected", fc.moved_users.expected),
            ("forecast_low", fc.moved_users.low),
            ("forecast_high", fc.moved_users.high),
            ("forecast_interval", fc.moved_users.interval),
        ]
        if fc.per_message is not None:
            rows += [
                ("per_message_expected", fc.per_message.expected),
                ("per_message_low", fc.per_message.low),
                ("per_message_high", fc.per_message.high),
            ]
    if doc.budget_curve is not None:
        rows.append(("knee_budget", doc.budget_curve.knee_budget))
    rows.append(("schedule", doc.schedule.note))
    rows.append(("overlap", matrix.note))
    rows += [(f"note_{i}", n) for i, n in enumerate(doc.notes, 1)]
    return pd.DataFrame(rows, columns=["field", "value"])


def matrix_frame(matrix: JaccardMatrix) -> pd.DataFrame:
    """The Jaccard matrix, keys as index and columns, NaN where a pair is not known."""
    values = [[math.nan if v is None else v for v in row] for row in matrix.jaccard]
    return pd.DataFrame(values, index=pd.Index(matrix.keys, name="key"), columns=matrix.keys)


def pairs_frame(matrix: JaccardMatrix, heat: OverlapReport | None) -> pd.DataFrame:
    """The known pairs with :data:`~kolgraph.audience.export.PAIR_COLUMNS`, largest first.

    ``share_of_smaller`` is blank for pairs read from the plan (their audiences are
    not kept).
    """
    if matrix.exact and heat is not None:
        pairs = pair_table(heat)
    else:
        pairs = pd.DataFrame(
            [(a, b, s, j, math.nan) for a, b, s, j in matrix.pairs()], columns=list(PAIR_COLUMNS)
        )
    return pairs.sort_values("jaccard", ascending=False, kind="stable").reset_index(drop=True)


def curve_frame(curve: BudgetCurveOut) -> pd.DataFrame:
    """One row per budget of the curve, with a ``knee`` column marking the knee."""
    frame = pd.DataFrame([p.model_dump(mode="json") for p in curve.points])
    frame["knee"] = frame["budget"] == curve.knee_budget
    return frame


def _column_letter(i: int) -> str:
    """The spreadsheet name of column ``i`` (1-based): 1 → A, 27 → AA."""
    name = ""
    while i:
        i, rest = divmod(i - 1, 26)
        name = chr(ord("A") + rest) + name
    return name


def _fit_columns(sheet: Any, frame: pd.DataFrame, *, index: bool) -> None:
    """Column widths that fit the header and the values (up to 60 characters)."""
    columns: list[list[str]] = []
    if index:
        columns.append([str(frame.index.name or ""), *map(str, frame.index)])
    columns += [[str(c), *map(str, frame[c].tolist())] for c in frame.columns]
    for i, cells in enumerate(columns, 1):
        width = min(60, max(len(c) for c in cells) + 2)
        sheet.column_dimensions[_column_letter(i)].width = max(8, width)
    sheet.freeze_panes = "B2" if index else "A2"


def plan_xlsx(
    doc: PlanResponse, heat: OverlapReport | None, *, missing: Sequence[str] = ()
) -> bytes:
    """The plan's workbook (see the module docstring) as ``.xlsx`` bytes; needs no store.

    ``heat`` and ``missing`` are as for :func:`~kolgraph.report.html.render_report`.
    """
    matrix = jaccard_matrix(doc, heat, missing=missing)
    sheets: list[tuple[str, pd.DataFrame, bool]] = [
        ("summary", summary_frame(doc, matrix), False),
        ("accounts", account_frame(doc), False),
        ("overlap", matrix_frame(matrix), True),
        ("pairs", pairs_frame(matrix, heat), False),
    ]
    if doc.budget_curve is not None:
        sheets.append(("budget_curve", curve_frame(doc.budget_curve), False))
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        for name, frame, index in sheets:
            frame.to_excel(xl, sheet_name=name, index=index)
            _fit_columns(xl.sheets[name], frame, index=index)
    return buf.getvalue()


def plan_xlsx_bytes(store: Store, plan_id: str) -> bytes:
    """The workbook of the kept plan ``plan_id``, its overlap counted from the store.

    Raises
    ------
    NotFound
        No plan has that id.
    """
    kept = read_kept_plan(store, plan_id)
    return plan_xlsx(kept.doc, kept.overlap.heat, missing=kept.overlap.missing)


def write_plan_xlsx(store: Store, plan_id: str, path: Path) -> int:
    """Write the workbook of the kept plan ``plan_id`` to ``path``; returns its size in bytes.

    Raises
    ------
    NotFound
        No plan has that id (nothing is written).
    InputError
        ``path`` cannot be written (:func:`~kolgraph.report.files.write_whole`).
    """
    return write_whole(Path(path), plan_xlsx_bytes(store, plan_id))
