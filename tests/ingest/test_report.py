"""Bad rows set aside: the rejects file and its counts."""

from __future__ import annotations

from pathlib import Path

import pytest

from kolgraph.errors import InputError
from kolgraph.ingest.edges import import_edges
from kolgraph.store import SQLiteStore, StoreCounts

from .helpers import follows, read_rejects, write


def test_skip_mode_sets_bad_rows_aside(st: SQLiteStore, tmp_path: Path) -> None:
    import_edges(st, write(tmp_path, "before.csv", "900,901\n"))
    content = b"1,2\n3\n4,x\n\n5,6\n\xff7,8\n7,8,9\n"
    path = write(tmp_path, "mixed.csv", content)
    rejects = tmp_path / "out" / "rejects.tsv"
    rejects.parent.mkdir()
    report = import_edges(st, path, platform="twitter", on_error="skip", rejects_path=rejects)
    assert report.rejected == 3 and report.edges == 3 and report.new_edges == 3
    assert report.rows == 6  # every data line, the undecodable one included
    assert report.rejects_path == str(rejects)
    rows = read_rejects(rejects)
    assert [r[0] for r in rows] == ["2", "3", "6"]
    assert "expected at least 2 fields" in rows[0][1] and rows[0][2] == "3"
    assert "'x' is not numeric" in rows[1][1] and rows[1][2] == "4,x"
    assert "not UTF-8" in rows[2][1] and rows[2][2].endswith("7,8")
    assert follows(st) == {
        ("twitter:900", "twitter:901"),
        ("twitter:1", "twitter:2"),
        ("twitter:5", "twitter:6"),
        ("twitter:7", "twitter:8"),  # extra fields beyond the mapping are ignored
    }


def test_skip_mode_without_bad_rows_writes_no_rejects_file(st: SQLiteStore, tmp_path: Path) -> None:
    rejects = tmp_path / "rejects.tsv"
    report = import_edges(
        st, write(tmp_path, "ok.csv", "1,2\n"), on_error="skip", rejects_path=rejects
    )
    assert report.rejected == 0 and report.rejects_path is None and not rejects.exists()


def test_unwritable_rejects_path_is_an_input_error(st: SQLiteStore, tmp_path: Path) -> None:
    path = write(tmp_path, "mixed.csv", "1,2\n3\n")
    rejects = tmp_path / "no" / "such" / "dir" / "rejects.tsv"
    with pytest.raises(InputError, match="cannot write the rejects file"):
        import_edges(st, path, on_error="skip", rejects_path=rejects)
    assert st.counts() == StoreCounts(0, 0, 0)
