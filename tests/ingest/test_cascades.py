"""Adoption cascades as repost edges, linked along stored follow edges."""

from __future__ import annotations

from pathlib import Path

import pytest

from kolgraph.errors import InputError
from kolgraph.ingest.cascades import import_cascades
from kolgraph.ingest.edges import import_edges
from kolgraph.store import SQLiteStore

from .helpers import read_rejects, reposts, write


def test_douban_cascades_link_to_the_first_adopter_without_follows(
    st: SQLiteStore, tmp_path: Path
) -> None:
    path = write(tmp_path, "c.txt", "10 100,11 200,12 300\n20 50,21 60,\n30 1\n")
    report = import_cascades(st, path)
    assert report.kind == "cascades" and report.rows == 3
    assert report.edges == 3 and report.new_edges == 3
    assert reposts(st) == {
        ("douban:11", "douban:10", "10@100", 200, "repost", 1.0),
        ("douban:12", "douban:10", "10@100", 300, "repost", 1.0),
        ("douban:21", "douban:20", "20@50", 60, "repost", 1.0),
    }  # a single adoption (line 3) is no edge
    assert "2 cascades; 0 of 3 adoptions linked" in report.notes[0]


def test_topo_lstm_cascades(st: SQLiteStore, tmp_path: Path) -> None:
    path = write(tmp_path, "train.txt", "476 72007 92093102 352 92093163 12481 92093699\n")
    report = import_cascades(st, path, platform="twitter")
    # the first field is the source user: every adopter reposts it (no follow edges here)
    assert report.edges == 3
    assert reposts(st) == {
        ("twitter:72007", "twitter:476", "476@92093102", 92093102, "repost", 1.0),
        ("twitter:352", "twitter:476", "476@92093102", 92093163, "repost", 1.0),
        ("twitter:12481", "twitter:476", "476@92093102", 92093699, "repost", 1.0),
    }


def test_cascade_links_to_most_recent_followed_earlier_adopter(
    st: SQLiteStore, tmp_path: Path
) -> None:
    import_edges(
        st,
        write(tmp_path, "follows.csv", "12,11\n13,11\n13,12\n14,15\n16,12\n16,11\n"),
        platform="douban",
    )
    # adopters out of order in the line; 11 appears twice (its later adoption is ignored)
    line = "12 300,10 100,11 200,13 400,14 500,15 600,11 650,16 700\n"
    path = write(tmp_path, "c.txt", line)
    report = import_cascades(st, path)
    post = "10@100"
    assert reposts(st) == {
        ("douban:11", "douban:10", post, 200, "repost", 1.0),  # follows nobody: the root
        ("douban:12", "douban:11", post, 300, "repost", 1.0),  # follows 11
        ("douban:13", "douban:12", post, 400, "repost", 1.0),  # follows 11 and 12: 12 is later
        ("douban:14", "douban:10", post, 500, "repost", 1.0),  # 15 adopts after 14: the root
        ("douban:15", "douban:10", post, 600, "repost", 1.0),
        ("douban:16", "douban:12", post, 700, "repost", 1.0),  # 12 is later than 11
    }
    assert "3 of 6 adoptions linked through a follow edge" in report.notes[0]
    again = import_cascades(st, path)
    assert again.new_edges == 0 and st.counts().reposts == 6


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("10 100,11", r"adoption '11' is not 'uid ts'"),
        ("10 100,11 soon", r"timestamp 'soon'"),
        ("10 100,x 200", r"'x' is not numeric"),
        ("10 100 11 200", r"4 fields: expected"),
    ],
)
def test_cascade_bad_rows(st: SQLiteStore, tmp_path: Path, row: str, reason: str) -> None:
    path = write(tmp_path, "c.txt", "1 1,2 2\n" + row + "\n3 3,4 4\n")
    with pytest.raises(InputError, match=reason) as info:
        import_cascades(st, path)
    assert info.value.line == 2 and st.counts().reposts == 0
    report = import_cascades(st, path, on_error="skip", rejects_path=tmp_path / "rej.tsv")
    assert report.rejected == 1 and report.edges == 2


# --------------------------------------------------------------------------- real data
@pytest.mark.slow
def test_douban_cascades_with_a_truncated_last_line(
    st: SQLiteStore, shared_data: Path, tmp_path: Path
) -> None:
    path = shared_data / "douban" / "cascades.txt.gz"
    if not path.exists():
        pytest.skip(f"{path} is missing")
    with pytest.raises(InputError) as info:
        import_cascades(st, path)
    assert info.value.line == 3485 and f"{path}:3485: " in str(info.value)
    assert st.counts().reposts == 0

    rejects = tmp_path / "cascades.rejects.tsv"
    report = import_cascades(st, path, on_error="skip", rejects_path=rejects)
    assert report.rejected >= 1 and report.rows == 3485
    assert "3485" in [r[0] for r in read_rejects(rejects)]
    assert report.edges > 70_000 and report.new_edges == st.counts().reposts
