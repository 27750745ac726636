"""Delimited edge lists: delimiters, columns, headers, ids, and bad rows named by file and line."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from kolgraph.errors import InputError
from kolgraph.ingest.edges import import_edges, parse_columns
from kolgraph.ingest.report import ImportReport
from kolgraph.store import SQLiteStore, StoreCounts

from .helpers import follows, reposts, write


# --------------------------------------------------------------------------- delimited
def test_csv_follow_edges(st: SQLiteStore, tmp_path: Path) -> None:
    path = write(tmp_path, "edges.csv", "1,2\n1,3\n\n# a comment\n2,3\n")
    report = import_edges(st, path, platform="weibo")
    assert isinstance(report, ImportReport)
    assert (report.rows, report.edges, report.new_edges, report.rejected) == (3, 3, 3, 0)
    assert (report.accounts_before, report.accounts_after, report.new_accounts) == (0, 3, 3)
    assert report.kind == "follow edges" and report.path == str(path)
    assert follows(st) == {("weibo:1", "weibo:2"), ("weibo:1", "weibo:3"), ("weibo:2", "weibo:3")}


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("edges.tsv", "10\t20\n20\t30\n"),
        ("edges.txt", "10   20\n 20 \t 30 \n"),  # runs of spaces and tabs
        ("edges.ssv", "10;20\n20;30\n"),
        ("edges.crlf.csv", "10,20\r\n20,30\r\n"),
        ("edges.bom.csv", "\ufeff10,20\n20,30\n"),  # a UTF-8 byte-order mark, as Excel writes
    ],
)
def test_delimiters_are_detected(st: SQLiteStore, tmp_path: Path, name: str, content: str) -> None:
    report = import_edges(st, write(tmp_path, name, content), platform="x")
    assert report.edges == 2
    assert follows(st) == {("x:10", "x:20"), ("x:20", "x:30")}


def test_explicit_delimiter(st: SQLiteStore, tmp_path: Path) -> None:
    path = write(tmp_path, "edges.txt", "10|20|x\n20|30|y\n")
    import_edges(st, path, platform="x", delimiter="|")
    assert follows(st) == {("x:10", "x:20"), ("x:20", "x:30")}
    with pytest.raises(InputError, match="one character"):
        import_edges(st, path, delimiter="||")


def test_gzip_is_detected_from_content_not_name(st: SQLiteStore, tmp_path: Path) -> None:
    data = gzip.compress(b"1,2\n2,3\n3,1\n")
    import_edges(st, write(tmp_path, "edges.csv.gz", data), platform="x")
    import_edges(st, write(tmp_path, "no-suffix.csv", data), platform="y")
    assert follows(st) == {
        (f"{p}:{a}", f"{p}:{b}") for p in ("x", "y") for a, b in [(1, 2), (2, 3), (3, 1)]
    }


def test_columns_by_position(st: SQLiteStore, tmp_path: Path) -> None:
    assert parse_columns("_,src,dst").fields == {"src": 1, "dst": 2}
    path = write(tmp_path, "edges.csv", "999,1,2\n999,2,3\n")
    report = import_edges(st, path, platform="x", columns="_,src,dst")
    assert report.edges == 2
    assert follows(st) == {("x:1", "x:2"), ("x:2", "x:3")}
    assert st.keys_to_index(["x:999"]).tolist() == [-1]  # the skipped column is not an id


def test_columns_by_explicit_position(st: SQLiteStore, tmp_path: Path) -> None:
    path = write(tmp_path, "edges.csv", "2,1\n3,2\n")
    import_edges(st, path, platform="x", columns="src=1,dst=0")
    assert follows(st) == {("x:1", "x:2"), ("x:2", "x:3")}


def test_columns_by_header_name(st: SQLiteStore, tmp_path: Path) -> None:
    path = write(tmp_path, "edges.csv", "followed,when,follower\n2,2020,1\n3,2021,2\n")
    report = import_edges(st, path, platform="x", columns="src=follower,dst=followed")
    assert report.rows == 2 and report.edges == 2  # the header is not a row
    assert follows(st) == {("x:1", "x:2"), ("x:2", "x:3")}


def test_unknown_header_column_is_an_input_error(st: SQLiteStore, tmp_path: Path) -> None:
    path = write(tmp_path, "edges.csv", "a,b\n1,2\n")
    with pytest.raises(InputError, match="'follower'") as info:
        import_edges(st, path, columns="src=follower,dst=b")
    assert info.value.source == str(path) and info.value.line == 1
    assert st.counts() == StoreCounts(0, 0, 0)


@pytest.mark.parametrize(
    ("spec", "message"),
    [("src,dst,colour", "unknown column"), ("src,src,dst", "twice"), ("dst,ts", "no src")],
)
def test_bad_column_specs(spec: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_columns(spec)


def test_header_is_autodetected(st: SQLiteStore, tmp_path: Path) -> None:
    path = write(tmp_path, "edges.csv", "source,target\n1,2\n2,3\n")
    report = import_edges(st, path, platform="x")
    assert report.rows == 2 and report.edges == 2 and report.rejected == 0
    assert follows(st) == {("x:1", "x:2"), ("x:2", "x:3")}
    # a numeric first row is data, not a header
    report = import_edges(st, write(tmp_path, "plain.csv", "7,8\n"), platform="x")
    assert report.rows == 1 and ("x:7", "x:8") in follows(st)


def test_text_ids(st: SQLiteStore, tmp_path: Path) -> None:
    path = write(tmp_path, "edges.csv", "from,to\nalice,bob\nbob,carol\n")
    import_edges(st, path, platform="x", numeric_ids=False, header=True)
    assert follows(st) == {("x:alice", "x:bob"), ("x:bob", "x:carol")}
    bad = write(tmp_path, "bad.csv", "alice,b:ob\n")
    with pytest.raises(InputError, match="contains ':'"):
        import_edges(st, bad, platform="x", numeric_ids=False)


def test_repost_edges_with_ts_weight_and_post(st: SQLiteStore, tmp_path: Path) -> None:
    path = write(
        tmp_path, "reposts.tsv", "1\t2\t1700000000\t2.5\tpostA\n3\t2\t1700000100.9\t1\tpostA\n"
    )
    report = import_edges(
        st, path, edge_type="repost", platform="x", columns="src,dst,ts,weight,post"
    )
    assert report.kind == "repost edges" and report.new_edges == 2
    assert st.counts() == StoreCounts(accounts=3, follows=0, reposts=2)
    assert reposts(st) == {
        ("x:1", "x:2", "postA", 1700000000, "repost", 2.5),
        ("x:3", "x:2", "postA", 1700000100, "repost", 1.0),  # decimal time truncated
    }


def test_import_is_idempotent(st: SQLiteStore, tmp_path: Path) -> None:
    path = write(tmp_path, "edges.csv", "1,2\n2,3\n1,2\n")  # a duplicate row, too
    first = import_edges(st, path)
    assert first.rows == 3 and first.edges == 3 and first.new_edges == 2
    counts = st.counts()
    second = import_edges(st, path)
    assert second.new_edges == 0 and second.new_accounts == 0 and second.edges == 3
    assert st.counts() == counts


# --------------------------------------------------------------------------- bad input
GOOD = "".join(f"{i},{i + 1}\n" for i in range(1, 1001))  # 1000 rows, more than one read buffer


BAD_INPUTS = {
    "too few fields": (GOOD + "5\n", {}, 1001, r"expected at least 2 fields .*found 1"),
    "non-numeric id": ("1,2\n3,x7\n", {}, 2, r"account id 'x7' is not numeric"),
    "empty id": ("1,2\n,4\n", {}, 2, r"empty account id"),
    "unicode digits": ("1,2\n3,\u00b2\n", {}, 2, r"is not numeric"),
    "empty file": ("", {}, None, r"empty or only comments"),
    "comment-only file": ("# edges\n\n   \n# none\n", {}, None, r"empty or only comments"),
    "header only": ("src,dst\n", {}, None, r"empty or only comments"),
    "non-UTF-8 bytes": (GOOD.encode() + b"7,\xff\xfe8\n", {}, 1001, r"not UTF-8"),
    "bad timestamp": ("1,2,100\n1,3,soon\n", {"columns": "src,dst,ts"}, 2, r"timestamp 'soon'"),
    "infinite timestamp": ("1,2,100\n1,3,inf\n", {"columns": "src,dst,ts"}, 2, r"timestamp 'inf'"),
    "huge timestamp": (
        "1,2,100\n1,3,100000000000000000000\n",
        {"columns": "src,dst,ts", "edge_type": "repost"},
        2,
        r"timestamp '10{20}' is not a number in the 64-bit range",
    ),
    "bad weight": ("1,2,1\n1,3,heavy\n", {"columns": "src,dst,weight"}, 2, r"weight 'heavy'"),
    "negative weight": ("1,2,1\n1,3,-2\n", {"columns": "src,dst,weight"}, 2, r"positive"),
    "nan weight": ("1,2,1\n1,3,nan\n", {"columns": "src,dst,weight"}, 2, r"positive finite"),
    "infinite weight": ("1,2,1\n1,3,inf\n", {"columns": "src,dst,weight"}, 2, r"positive finite"),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_fails_naming_file_line_and_reason(
    st: SQLiteStore, tmp_path: Path, case: str
) -> None:
    content, kwargs, line, reason = BAD_INPUTS[case]
    import_edges(st, write(tmp_path, "before.csv", "900,901\n901,902\n"))  # already stored
    before_counts, before_follows = st.counts(), follows(st)
    path = write(tmp_path, "bad.csv", content)
    with pytest.raises(InputError, match=reason) as info:
        import_edges(st, path, on_error="fail", batch_size=1, **kwargs)  # type: ignore[arg-type]
    err = info.value
    assert err.source == str(path)
    assert err.line == line
    where = f"{path}:{line}: " if line is not None else f"{path}: "
    assert str(err).startswith(where)
    assert err.hint
    # nothing half-written, nothing lost
    assert st.counts() == before_counts
    assert follows(st) == before_follows


# --------------------------------------------------------------------------- real data
@pytest.mark.slow
def test_douban_social_edges(st: SQLiteStore, shared_data: Path) -> None:
    path = shared_data / "douban" / "social_edges.txt.gz"
    if not path.exists():
        pytest.skip(f"{path} is missing")
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        pairs = [tuple(line.strip().split(",")) for line in fh if line.strip()]
    distinct = set(pairs)
    ids = {u for pair in distinct for u in pair}
    report = import_edges(st, path, platform="douban")
    assert report.rows == report.edges == len(pairs) == 177_957
    assert report.rejected == 0
    assert report.new_edges == len(distinct)
    assert report.new_accounts == len(ids) == 15_021
    assert st.counts() == StoreCounts(accounts=len(ids), follows=len(distinct), reposts=0)
    g = st.graph_arrays()
    keys = st.accounts_frame()["key"].tolist()
    sample = sorted(distinct)[:: len(distinct) // 50]
    stored = {
        (keys[s], keys[d])
        for s, d in zip(g.follow_src.tolist(), g.follow_dst.tolist(), strict=True)
    }
    assert {(f"douban:{a}", f"douban:{b}") for a, b in sample} <= stored
    assert len(stored) == len(distinct)
