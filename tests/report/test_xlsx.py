"""The plan workbook read back: sheets, the account table, the Jaccard matrix counted by hand."""

from __future__ import annotations

import math
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from kolgraph.errors import InputError, NotFound
from kolgraph.report import write_plan_xlsx
from kolgraph.report.xlsx import ACCOUNT_COLUMNS, plan_xlsx
from kolgraph.schemas.plans import PlanResponse
from kolgraph.store import SQLiteStore

from .conftest import HOSTILE, HOSTILE_KEY, ReportWorld, follows


def _doc(world: ReportWorld, plan_id: str) -> PlanResponse:
    with SQLiteStore(world.db) as st:
        return PlanResponse.model_validate(st.get_plan(plan_id).body)


def _write(world: ReportWorld, plan_id: str, path: Path) -> int:
    with SQLiteStore(world.db) as st:
        return write_plan_xlsx(st, plan_id, path)


def _audiences() -> dict[str, set[str]]:
    """Each account's followers, from the edge list (no engagement in this store)."""
    aud: dict[str, set[str]] = {}
    for follower, followed in follows():
        aud.setdefault(followed, set()).add(follower)
    return aud


def test_sheets_and_account_table(report_world: ReportWorld, tmp_path: Path) -> None:
    path = tmp_path / "plan.xlsx"
    size = _write(report_world, report_world.plain, path)
    assert size == path.stat().st_size
    doc = _doc(report_world, report_world.plain)
    assert openpyxl.load_workbook(path).sheetnames == ["summary", "accounts", "overlap", "pairs"]
    acc = pd.read_excel(path, sheet_name="accounts")
    assert tuple(acc.columns) == ACCOUNT_COLUMNS
    assert acc["key"].tolist() == [a.key for a in doc.accounts]
    assert acc["cost"].tolist() == [a.cost for a in doc.accounts]
    assert acc["marginal_reach"].tolist() == [a.marginal_reach for a in doc.accounts]
    assert acc["cost_estimated"].tolist() == [a.cost_estimated for a in doc.accounts]
    assert acc["phase"].tolist() == [a.phase for a in doc.accounts]
    # a name is data, kept exactly as it is
    assert acc.set_index("key").loc[HOSTILE_KEY, "name"] == HOSTILE


def test_summary_equals_the_plan(report_world: ReportWorld, tmp_path: Path) -> None:
    path = tmp_path / "plan.xlsx"
    _write(report_world, report_world.forecast, path)
    doc = _doc(report_world, report_world.forecast)
    assert doc.forecast is not None and doc.target is not None and doc.budget_curve is not None
    summary = pd.read_excel(path, sheet_name="summary").set_index("field")["value"]
    assert summary["plan_id"] == doc.id
    assert float(summary["budget"]) == doc.budget
    assert float(summary["spent"]) == doc.spent
    assert int(summary["unique_reach"]) == doc.unique_reach
    assert int(summary["target_size"]) == doc.target_size
    assert float(summary["target_coverage"]) == doc.target.coverage
    assert int(summary["accounts"]) == len(doc.accounts)
    assert float(summary["forecast_expected"]) == doc.forecast.moved_users.expected
    assert float(summary["forecast_low"]) == doc.forecast.moved_users.low
    assert float(summary["forecast_high"]) == doc.forecast.moved_users.high
    assert float(summary["knee_budget"]) == doc.budget_curve.knee_budget
    assert "budget_curve" in openpyxl.load_workbook(path).sheetnames
    curve = pd.read_excel(path, sheet_name="budget_curve")
    assert curve["budget"].tolist() == [p.budget for p in doc.budget_curve.points]
    assert curve.loc[curve["knee"], "budget"].tolist() == [doc.budget_curve.knee_budget]


def test_overlap_matrix_is_the_hand_counted_jaccard(
    report_world: ReportWorld, tmp_path: Path
) -> None:
    path = tmp_path / "plan.xlsx"
    _write(report_world, report_world.plain, path)
    keys = [a.key for a in _doc(report_world, report_world.plain).accounts]
    matrix = pd.read_excel(path, sheet_name="overlap", index_col=0)
    assert matrix.index.tolist() == keys and matrix.columns.tolist() == keys
    aud = _audiences()
    for a in keys:
        for b in keys:
            hand = len(aud[a] & aud[b]) / len(aud[a] | aud[b])
            assert matrix.loc[a, b] == pytest.approx(hand), (a, b)
    # x:k1 (u0..u23) and x:k2 (u0..u11, u24..u29): 12 shared of 30
    assert matrix.loc["x:k1", "x:k2"] == pytest.approx(12 / 30)
    pairs = pd.read_excel(path, sheet_name="pairs")
    n = len(keys)
    assert len(pairs) == n * (n - 1) // 2
    assert pairs["jaccard"].is_monotonic_decreasing
    for a, b, shared, jac, small in pairs.itertuples(index=False):
        assert shared == len(aud[a] & aud[b])
        assert jac == pytest.approx(matrix.loc[a, b])
        assert small == pytest.approx(shared / min(len(aud[a]), len(aud[b])))


def test_a_gone_account_leaves_unknown_pairs_blank(
    report_world: ReportWorld, tmp_path: Path
) -> None:
    path = tmp_path / "plan.xlsx"
    _write(report_world, report_world.gone, path)
    doc = _doc(report_world, report_world.gone)
    matrix = pd.read_excel(path, sheet_name="overlap", index_col=0)
    first = doc.accounts[0].key
    assert matrix.loc[first, "x:gone"] == pytest.approx(0.125)
    assert matrix.loc["x:gone", "x:gone"] == 1.0
    assert math.isnan(matrix.loc[doc.accounts[1].key, "x:gone"])
    pairs = pd.read_excel(path, sheet_name="pairs")
    assert len(pairs) == sum(1 for p in doc.overlap if p.a in matrix.index and p.b in matrix.index)
    summary = pd.read_excel(path, sheet_name="summary").set_index("field")["value"]
    assert "no longer in the store (x:gone)" in summary["overlap"]


def test_pure_workbook_and_errors(report_world: ReportWorld, tmp_path: Path) -> None:
    doc = _doc(report_world, report_world.curve)
    data = plan_xlsx(doc, None)
    assert data[:2] == b"PK"  # a zip, as every .xlsx
    with SQLiteStore(report_world.db) as st:
        with pytest.raises(NotFound):
            write_plan_xlsx(st, "pl-nope", tmp_path / "x.xlsx")
        with pytest.raises(InputError, match="does not exist"):
            write_plan_xlsx(st, report_world.curve, tmp_path / "missing" / "x.xlsx")
    assert list(tmp_path.iterdir()) == []
