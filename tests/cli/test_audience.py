"""``kolgraph overlap``, ``affinity`` and ``lookalike`` on the hand-worked graphs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kolgraph.store import SQLiteStore
from tests.audience.conftest import build_audience_store

from .helpers import kolgraph, kolgraph_joined


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return build_audience_store(tmp_path / "aud.db")


def test_overlap_table_json_csv(db: Path) -> None:
    code, out, err = kolgraph("overlap", "x:a", "x:b,x:c", "--db", str(db))
    assert code == 0, err
    assert "unique audience 6 of 9 summed" in out and "x:b" in out
    code, out, _ = kolgraph("overlap", "x:a", "x:b", "x:c", "--format", "json", "--db", str(db))
    body = json.loads(out)
    assert body["unique_audience"] == 6
    assert [a["exclusive"] for a in body["accounts"]] == [2, 0, 1]
    assert body["pairs"][0] == {
        "a": "x:a",
        "b": "x:b",
        "shared": 2,
        "jaccard": 0.4,
        "share_of_smaller": 2 / 3,
    }
    code, out, _ = kolgraph("overlap", "x:a", "x:b", "x:c", "--format", "csv", "--db", str(db))
    assert code == 0
    assert out.splitlines() == [
        "a,b,shared,jaccard,share_of_smaller",
        "x:a,x:b,2,0.4,0.6666666666666666",
        "x:a,x:c,0,0.0,0.0",
        "x:b,x:c,1,0.25,0.5",
    ]


def test_overlap_writes_xlsx(db: Path, tmp_path: Path) -> None:
    import openpyxl

    path = tmp_path / "overlap.xlsx"
    code, out, err = kolgraph("overlap", "x:a", "x:b", "x:c", "-o", str(path), "--db", str(db))
    assert code == 0, err
    assert out == "" and "wrote" in err
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["pairs", "accounts"]
    assert wb["pairs"].max_row == 4
    code, _, err = kolgraph_joined("overlap", "x:a", "x:b", "-o", str(tmp_path / "o.txt"))
    assert code == 2 and ".xlsx, .csv or .json" in err


def test_overlap_bad_input(db: Path) -> None:
    before = SQLiteStore(db).counts()
    code, out, err = kolgraph_joined("overlap", "x:a", "x:brnd", "x:l9x", "--db", str(db))
    assert code == 2 and out == ""
    assert "2 unknown account(s)" in err and "x:brnd (did you mean x:brand?)" in err
    assert "x:l9x" in err and "Traceback" not in err
    many = [f"x:a{i}" for i in range(101)]
    code, _, err = kolgraph_joined("overlap", *many, "--db", str(db))
    assert code == 2 and "at most 100 accounts per overlap, got 101" in err
    code, _, err = kolgraph_joined("overlap", "x:a", "--db", str(db))
    assert code == 2 and "at least 2" in err
    with SQLiteStore(db) as st:
        assert st.counts() == before


def test_affinity(db: Path) -> None:
    code, out, err = kolgraph("affinity", "x:brand", "--min-support", "2", "--db", str(db))
    assert code == 0, err
    assert out.index("x:k1") < out.index("x:k2") and "x:k3" not in out
    code, out, _ = kolgraph(
        "affinity", "x:brand", "--min-support", "1", "--format", "json", "--db", str(db)
    )
    body = json.loads(out)
    assert [r["key"] for r in body["data"]] == ["x:k1", "x:k2", "x:k3"]
    assert body["base_rate"] == pytest.approx(5 / 36) and body["min_support"] == 1
    code, _, err = kolgraph_joined("affinity", "x:brnd", "--db", str(db))
    assert code == 2 and "did you mean x:brand?" in err


def test_lookalike(db: Path) -> None:
    code, out, err = kolgraph("lookalike", "x:t", "--kind", "kol", "--db", str(db))
    assert code == 0, err
    assert out.index("x:l1") < out.index("x:l2") and "x:l4" not in out
    assert "counted exactly" in err
    code, out, _ = kolgraph(
        "lookalike", "x:t", "--max-cost", "80", "--format", "json", "--db", str(db)
    )
    body = json.loads(out)
    assert body["method"] == "exact" and [r["key"] for r in body["data"]] == ["x:l2"]
    assert body["data"][0]["jaccard"] == pytest.approx(1 / 3)
    code, _, err = kolgraph_joined("lookalike", "x:nobody", "--db", str(db))
    assert code == 2 and "unknown account" in err
