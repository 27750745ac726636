"""SNAP Higgs activity rows as repost, mention and reply edges."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from kolgraph.errors import InputError
from kolgraph.ingest.higgs import import_higgs
from kolgraph.store import SQLiteStore, StoreCounts

from .helpers import read_rejects, reposts, write

HIGGS = "223789 213163 1341100972 MT\n223789 213163 1341100972 RE\n376989 50329 1341101181 RT\n"


def test_higgs_rows_become_repost_edges(st: SQLiteStore, tmp_path: Path) -> None:
    path = write(tmp_path, "higgs.txt.gz", gzip.compress(HIGGS.encode()))
    report = import_higgs(st, path)
    assert report.kind == "higgs activity"
    assert (report.rows, report.edges, report.new_edges, report.new_accounts) == (3, 3, 3, 4)
    assert reposts(st) == {
        ("twitter:223789", "twitter:213163", "", 1341100972, "mention", 1.0),
        ("twitter:223789", "twitter:213163", "", 1341100972, "reply", 1.0),
        ("twitter:376989", "twitter:50329", "", 1341101181, "repost", 1.0),
    }
    again = import_higgs(st, path)
    assert again.new_edges == 0 and st.counts().reposts == 3


def test_higgs_action_filter(st: SQLiteStore, tmp_path: Path) -> None:
    report = import_higgs(st, write(tmp_path, "higgs.txt", HIGGS), actions=("RT",))
    assert report.rows == 3 and report.edges == 1
    assert {r[4] for r in reposts(st)} == {"repost"}
    with pytest.raises(InputError, match="unknown Higgs action"):
        import_higgs(st, write(tmp_path, "h2.txt", HIGGS), actions=("RT", "LIKE"))


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("1 2 1341100972 LK", r"action 'LK' is not one of RT, MT, RE"),
        ("1 2 1341100972", r"expected 4 fields"),
        ("1 2 yesterday RT", r"timestamp 'yesterday' is not a unix time"),
        ("1 2 \u00b2 RT", r"is not a unix time"),
        ("1 b 1341100972 RT", r"'b' is not numeric"),
    ],
)
def test_higgs_bad_rows(st: SQLiteStore, tmp_path: Path, row: str, reason: str) -> None:
    path = write(tmp_path, "higgs.txt", HIGGS + row + "\n")
    with pytest.raises(InputError, match=reason) as info:
        import_higgs(st, path)
    assert info.value.line == 4 and info.value.source == str(path)
    assert st.counts() == StoreCounts(0, 0, 0)
    rejects = tmp_path / "rej.tsv"
    report = import_higgs(st, path, on_error="skip", rejects_path=rejects)
    assert report.rejected == 1 and report.edges == 3
    assert [r[0] for r in read_rejects(rejects)] == ["4"]
