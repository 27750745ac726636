"""Importers: delimited edge lists, SNAP Higgs activity and adoption cascades."""

from __future__ import annotations

import gzip
import sqlite3
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from kolgraph.crawl.importers import (
    ImportReport,
    import_cascades,
    import_edges,
    import_higgs,
    parse_columns,
)
from kolgraph.errors import InputError
from kolgraph.store import SQLiteStore, StoreCounts

Repost = tuple[str, str, str, int, str, float]


# --------------------------------------------------------------------------- helpers
@pytest.fixture
def st(tmp_path: Path) -> Iterator[SQLiteStore]:
    store = SQLiteStore(tmp_path / "kol.db")
    yield store
    store.close()


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def follows(store: SQLiteStore) -> set[tuple[str, str]]:
    g = store.graph_arrays()
    keys = store.accounts_frame()["key"].tolist()
    pairs = zip(g.follow_src.tolist(), g.follow_dst.tolist(), strict=True)
    return {(keys[s], keys[d]) for s, d in pairs}


def reposts(store: SQLiteStore) -> set[Repost]:
    """Every repost edge with its post id and action (read straight from SQLite)."""
    con = sqlite3.connect(store.path)
    try:
        rows = con.execute(
            "SELECT s.key, d.key, r.post_id, r.ts, r.action, r.weight FROM reposts r "
            "JOIN accounts s ON s.id = r.src JOIN accounts d ON d.id = r.dst"
        ).fetchall()
    finally:
        con.close()
    return set(rows)


def read_rejects(path: Path) -> list[list[str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "line\treason\trow"
    return [line.split("\t", 2) for line in lines[1:]]


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


def test_progress_reports_every_edge_in_batches(st: SQLiteStore, tmp_path: Path) -> None:
    path = write(tmp_path, "edges.csv", "".join(f"{i},{i + 1}\n" for i in range(10)))
    seen: list[int] = []
    report = import_edges(st, path, batch_size=4, progress=seen.append)
    assert seen == [4, 4, 2] and report.new_edges == 10 and st.counts().follows == 10


# --------------------------------------------------------------------------- bad input
def _truncated_gzip(n: int) -> tuple[bytes, int]:
    """A gzip of ``n`` edge rows cut in half, and the first line that cannot be read."""
    text = "".join(f"{i},{i + 7}\n" for i in range(n)).encode()
    blob = gzip.compress(text)
    cut = blob[: len(blob) // 2]
    readable = zlib.decompressobj(wbits=31).decompress(cut)
    return cut, readable.count(b"\n") + 1


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


def test_truncated_gzip_fails_naming_the_first_unreadable_line(
    st: SQLiteStore, tmp_path: Path
) -> None:
    import_edges(st, write(tmp_path, "before.csv", "900,901\n"))
    before = st.counts()
    data, line = _truncated_gzip(20_000)
    assert line > 1000
    path = write(tmp_path, "cut.csv.gz", data)
    for mode in ("fail", "skip"):  # the rest of the file is unknown: never a partial import
        with pytest.raises(InputError, match="truncated or corrupt") as info:
            import_edges(st, path, on_error=mode, rejects_path=tmp_path / "rej.tsv")
        assert info.value.source == str(path) and info.value.line == line
        assert str(info.value).startswith(f"{path}:{line}: ")
        assert "gzip -t" in (info.value.hint or "")
    assert st.counts() == before


def test_corrupt_gzip_body_fails_even_in_skip_mode(st: SQLiteStore, tmp_path: Path) -> None:
    blob = bytearray(gzip.compress(b"".join(b"%d,%d\n" % (i, i + 1) for i in range(5000))))
    blob[len(blob) // 2] ^= 0xFF  # garbage in the middle; the CRC check at the end fails
    blob[len(blob) // 2 + 1] ^= 0xFF
    path = write(tmp_path, "bad.gz", bytes(blob))
    with pytest.raises(InputError):  # fail mode: the first garbled row
        import_edges(st, path)
    with pytest.raises(InputError, match="truncated or corrupt"):
        import_edges(st, path, on_error="skip", rejects_path=tmp_path / "rej.tsv")
    assert st.counts() == StoreCounts(0, 0, 0)  # parsed completely before anything is written


def test_missing_file_and_directory(st: SQLiteStore, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        import_edges(st, tmp_path / "nope.csv")
    with pytest.raises(InputError, match="directory"):
        import_edges(st, tmp_path)


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


def test_all_rows_bad_raises_even_in_skip_mode(st: SQLiteStore, tmp_path: Path) -> None:
    import_edges(st, write(tmp_path, "before.csv", "900,901\n"))
    before = st.counts()
    path = write(tmp_path, "bad.csv", "1\n2\nx,y,z\n")
    rejects = tmp_path / "rejects.tsv"
    with pytest.raises(InputError, match="all 3 rows were rejected") as info:
        import_edges(st, path, on_error="skip", rejects_path=rejects)
    assert str(rejects) in str(info.value)
    assert [r[0] for r in read_rejects(rejects)] == ["1", "2", "3"]
    assert st.counts() == before


# --------------------------------------------------------------------------- higgs
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


# --------------------------------------------------------------------------- cascades
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


def test_unwritable_rejects_path_is_an_input_error(st: SQLiteStore, tmp_path: Path) -> None:
    path = write(tmp_path, "mixed.csv", "1,2\n3\n")
    rejects = tmp_path / "no" / "such" / "dir" / "rejects.tsv"
    with pytest.raises(InputError, match="cannot write the rejects file"):
        import_edges(st, path, on_error="skip", rejects_path=rejects)
    assert st.counts() == StoreCounts(0, 0, 0)
