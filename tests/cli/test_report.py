"""``kolgraph report``: a kept plan as an HTML page or a workbook; clear errors, nothing stored."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from kolgraph.cli.report import report_format
from kolgraph.errors import InputError
from kolgraph.store import SQLiteStore

from .helpers import kolgraph, kolgraph_joined


@pytest.fixture
def planned(world: Path) -> tuple[Path, str]:
    """The CLI world, ranked, with one plan made with a budget curve."""
    db = str(world)
    assert kolgraph("rank", "--db", db)[0] == 0
    code, out, err = kolgraph(
        "plan", "--budget", "500", "--budget-curve", "200..800:200", "--format", "json", "--db", db
    )
    assert code == 0, err
    return world, str(json.loads(out)["id"])


def _stored(db: Path) -> tuple[object, ...]:
    with SQLiteStore(db) as st:
        plans = [(p.id, p.body, p.evaluation) for p in st.list_plans(100)]
        return (st.counts(), plans)


def test_html_report_from_the_suffix(planned: tuple[Path, str], tmp_path: Path) -> None:
    db, pid = planned
    before = _stored(db)
    target = tmp_path / "plan.html"
    code, out, err = kolgraph("report", pid, "-o", str(target), "--db", str(db))
    assert code == 0, err
    text = target.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and pid in text
    assert 'id="chart-budget-curve"' in text
    size = target.stat().st_size
    assert f"wrote {target}" in out and "MB" in out and "html" in out
    assert size > 1_000_000  # plotly.js is inside
    assert _stored(db) == before


def test_xlsx_from_the_suffix_or_the_format(planned: tuple[Path, str], tmp_path: Path) -> None:
    db, pid = planned
    code, out, err = kolgraph("report", pid, "-o", str(tmp_path / "p.xlsx"), "--db", str(db))
    assert code == 0, err
    assert "KB" in out and "xlsx" in out
    book = openpyxl.load_workbook(tmp_path / "p.xlsx")
    assert book.sheetnames[:4] == ["summary", "accounts", "overlap", "pairs"]
    odd = tmp_path / "p.data"
    code, _, err = kolgraph("report", pid, "-o", str(odd), "--format", "xlsx", "--db", str(db))
    assert code == 0, err
    with odd.open("rb") as fh:
        assert openpyxl.load_workbook(fh).sheetnames[0] == "summary"


def test_default_file_name(
    planned: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, pid = planned
    monkeypatch.chdir(tmp_path)
    code, _, err = kolgraph("report", pid, "--db", str(db))
    assert code == 0, err
    assert (tmp_path / f"{pid}.html").is_file()
    code, _, err = kolgraph("report", pid, "--format", "xlsx", "--db", str(db))
    assert code == 0, err
    assert (tmp_path / f"{pid}.xlsx").is_file()


def test_errors_are_one_line_with_a_hint(planned: tuple[Path, str], tmp_path: Path) -> None:
    db, pid = planned
    before = _stored(db)
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    cases = [
        (
            ["pl-nope", "-o", str(tmp_path / "a.html")],
            "no plan with id 'pl-nope'",
            "kolgraph plans",
        ),
        ([pid, "-o", str(tmp_path / "no" / "a.html")], "does not exist", "folder you can write"),
        ([pid, "-o", str(tmp_path)], "is a folder", "folder you can write"),
        (
            [pid, "--format", "pdf", "-o", str(tmp_path / "a")],
            "unknown report format",
            "html, xlsx",
        ),
        ([pid, "-o", str(tmp_path / "a.txt")], "cannot tell the report format", ".html or .xlsx"),
        ([pid, "-o", str(tmp_path / "a.html"), "--format", "xlsx"], "names an html file", ".xlsx"),
    ]
    for args, message, hint in cases:
        code, out, err = kolgraph_joined("report", *args, "--db", str(db))
        assert code == 2, (args, out, err)
        assert f"error: {message}" in err or message in err, (args, err)
        assert "fix: " in err and hint in err, (args, err)
        assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []
    assert _stored(db) == before


def test_report_format() -> None:
    assert report_format(None, None) == "html"
    assert report_format(Path("x"), None) == "html"
    assert report_format(Path("x.HTM"), None) == "html"
    assert report_format(Path("x.xlsx"), None) == "xlsx"
    assert report_format(Path("x.xlsx"), "XLSX") == "xlsx"
    with pytest.raises(InputError):
        report_format(Path("x.csv"), None)
