"""Exact overlap of a set, against counts worked out by hand (see conftest)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import scipy.sparse as sp

from kolgraph.audience.export import write_overlap_csv, write_overlap_xlsx
from kolgraph.audience.keys import closest_key
from kolgraph.audience.overlap import overlap_counts, set_overlap
from kolgraph.errors import InputError
from kolgraph.store import SQLiteStore


def test_overlap_counts_by_hand() -> None:
    # people 0..5; row 0 = {0,1,2,3}, row 1 = {2,3,4}, row 2 = {4,5}
    mat = sp.csr_matrix(
        [[1, 1, 1, 1, 0, 0], [0, 0, 1, 1, 1, 0], [0, 0, 0, 0, 1, 1]], dtype="float32"
    )
    c = overlap_counts(mat)
    assert c.sizes.tolist() == [4, 3, 2]
    assert c.exclusive.tolist() == [2, 0, 1]
    assert c.shared.tolist() == [[4, 2, 0], [2, 3, 1], [0, 1, 2]]
    assert c.union == 6


def test_set_overlap_by_hand(audience_db: Path) -> None:
    with SQLiteStore(audience_db) as st:
        rep = set_overlap(st, ["x:a", "x:b", "x:c", "x:a"])  # the repeat is dropped
    assert rep.keys == ["x:a", "x:b", "x:c"]
    assert [(a.key, a.kind, a.audience, a.exclusive) for a in rep.accounts] == [
        ("x:a", "kol", 4, 2),
        ("x:b", "kol", 3, 0),
        ("x:c", "media", 2, 1),
    ]
    assert rep.accounts[0].exclusive_share == 0.5
    got = {(p.a, p.b): (p.shared, p.jaccard, p.share_of_smaller) for p in rep.pairs}
    assert got == {
        ("x:a", "x:b"): (2, 2 / 5, 2 / 3),
        ("x:a", "x:c"): (0, 0.0, 0.0),
        ("x:b", "x:c"): (1, 1 / 4, 1 / 2),
    }
    assert [(p.a, p.b) for p in rep.pairs] == [("x:a", "x:b"), ("x:a", "x:c"), ("x:b", "x:c")]
    assert (rep.unique_audience, rep.summed_audience) == (6, 9)
    assert rep.duplication_rate == pytest.approx(1 / 3)


def test_unknown_keys_are_named_all_at_once_with_the_closest(audience_db: Path) -> None:
    with SQLiteStore(audience_db) as st:
        before = st.counts()
        with pytest.raises(InputError) as err:
            set_overlap(st, ["x:a", "x:brnd", "x:zzzzzzzzzzzzzzzz", "x:b"])
        assert st.counts() == before
    msg = err.value.message
    assert "2 unknown" in msg and "x:brnd (did you mean x:brand?)" in msg
    assert "x:zzzzzzzzzzzzzzzz (no similar key)" in msg


def test_set_size_limits(audience_db: Path) -> None:
    with SQLiteStore(audience_db) as st:
        with pytest.raises(InputError, match="at least 2"):
            set_overlap(st, ["x:a", "x:a"])
        with pytest.raises(InputError, match="at most 100 accounts per overlap, got 101"):
            set_overlap(st, [f"x:nope{i}" for i in range(101)])


def test_closest_key_prefers_the_platform() -> None:
    assert closest_key("x:brand", ["weibo:brand", "x:brandy", "x:other"]) == "x:brandy"
    assert closest_key("y:alice", ["x:alice"]) == "x:alice"  # no y: keys: any platform
    assert closest_key("x:qqqqqqqq", ["x:a"]) is None


def test_csv_and_xlsx(audience_db: Path, tmp_path: Path) -> None:
    import openpyxl

    with SQLiteStore(audience_db) as st:
        rep = set_overlap(st, ["x:a", "x:b", "x:c"])
    buf = io.StringIO()
    write_overlap_csv(rep, buf)
    lines = buf.getvalue().splitlines()
    assert lines[0] == "a,b,shared,jaccard,share_of_smaller"
    assert lines[1] == "x:a,x:b,2,0.4,0.6666666666666666" and len(lines) == 4
    path = tmp_path / "o.xlsx"
    write_overlap_xlsx(rep, path)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["pairs", "accounts"]
    pairs = list(wb["pairs"].iter_rows(values_only=True))
    assert pairs[0] == ("a", "b", "shared", "jaccard", "share_of_smaller")
    assert pairs[3] == ("x:b", "x:c", 1, 0.25, 0.5)
    accounts = list(wb["accounts"].iter_rows(values_only=True))
    assert accounts[1][:5] == ("x:a", "Ay", "kol", 4, 2)
    assert accounts[-1][0] == "(union)" and accounts[-1][3] == 6
    with pytest.raises(InputError, match="does not exist"):
        write_overlap_xlsx(rep, tmp_path / "no" / "o.xlsx")
