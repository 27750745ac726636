"""The raw page archive: gzip JSONL written record by record, read back after crashes."""

from __future__ import annotations

import gzip
import json
import os
import random
import string
from pathlib import Path
from typing import Any, Literal

import pytest

from kolgraph.crawl.archive import Archive, archive_files, read_archive, task_from_dict
from kolgraph.crawl.task import Task, TaskKind
from kolgraph.errors import InputError

TASKS = [
    Task(TaskKind.PROFILE, "100"),
    Task(TaskKind.FOLLOWERS, "100", cursor="abc", page=3),
    Task(TaskKind.REPOSTS, "5000", owner="100", ts=1_700_000_000, page=1),
]


def record(archive: Archive, n: int, body: str | None = None) -> dict[str, Any]:
    task = TASKS[n % len(TASKS)]
    return archive.record(
        "x",
        task,
        url=f"https://api.example/{n}",
        status=200,
        body=body if body is not None else json.dumps({"n": n, "text": "微博 ✓"}),
    )


def noise(n: int, seed: int = 0) -> str:
    """Text that compresses badly, so a record spans many compressed bytes."""
    rng = random.Random(seed)
    return "".join(rng.choices(string.ascii_letters + string.digits, k=n))


def write_lines(path: Path, *lines: bytes, mode: Literal["wb", "ab"] = "wb") -> Path:
    with gzip.open(path, mode) as f:
        for line in lines:
            f.write(line + b"\n")
    return path


# --------------------------------------------------------------------------- round trip
def test_round_trip(tmp_path: Path) -> None:
    with Archive(tmp_path, "crawl1") as a:
        recs = [record(a, n) for n in range(5)]
        recs[2]["error"] = "kept with an extra field"
        for r in recs:
            a.append(r)
    assert a.path.is_file()
    assert a.path.name.startswith("crawl1")
    assert a.path.name.endswith(".jsonl.gz")
    assert not a.quarantine_path.exists()  # created only when used
    back = list(read_archive(a.path))
    assert back == recs
    assert [task_from_dict(r["task"]) for r in back] == [TASKS[n % 3] for n in range(5)]
    first = back[0]
    assert first["v"] == 1
    assert first["crawl_id"] == "crawl1"
    assert first["platform"] == "x"
    assert first["status"] == 200
    assert isinstance(first["fetched_at"], float)
    # the file is plain gzip JSONL, one record per line
    with gzip.open(a.path, "rt", encoding="utf-8") as f:
        assert [json.loads(line) for line in f] == recs


def test_each_record_is_readable_before_close(tmp_path: Path) -> None:
    a = Archive(tmp_path, "live")
    try:
        recs = []
        for n in range(3):
            recs.append(record(a, n))
            a.append(recs[-1])
            assert list(read_archive(a.path)) == recs  # flushed: readable at once
    finally:
        a.close()
    assert list(read_archive(a.path)) == recs


def test_task_dict_round_trip(tmp_path: Path) -> None:
    a = Archive(tmp_path, "t")
    for task in TASKS:
        rec = a.record("x", task, url="u", status=200, body="{}")
        assert task_from_dict(rec["task"]) == task


# --------------------------------------------------------------------------- several runs
def test_two_gzip_members_in_one_file_are_both_read(tmp_path: Path) -> None:
    a = Archive(tmp_path, "m")
    recs = [record(a, n) for n in range(4)]
    path = tmp_path / "m.jsonl.gz"
    write_lines(path, *(json.dumps(r).encode() for r in recs[:2]))
    write_lines(path, *(json.dumps(r).encode() for r in recs[2:]), mode="ab")
    raw = path.read_bytes()
    assert raw.count(b"\x1f\x8b\x08") >= 2  # two members
    assert list(read_archive(path)) == recs


def test_a_second_session_adds_to_the_first(tmp_path: Path) -> None:
    with Archive(tmp_path, "c") as first:
        one = [record(first, n) for n in range(3)]
        for r in one:
            first.append(r)
    with Archive(tmp_path, "c") as second:
        two = [record(second, n) for n in range(3, 6)]
        for r in two:
            second.append(r)
    assert list(read_archive(tmp_path)) == one + two
    assert list(read_archive(first.path))[:3] == one


# --------------------------------------------------------------------------- crashes
def killed_archive(tmp_path: Path) -> tuple[list[dict[str, Any]], bytes, int, int]:
    """Three small records and a large fourth, each flushed, as a killed process leaves
    them (no gzip trailer). Returns the records, the file's bytes, and its size before
    and after the fourth record."""
    a = Archive(tmp_path / "live", "k")
    recs = [record(a, n) for n in range(3)] + [record(a, 3, body=noise(20_000))]
    for r in recs[:3]:
        a.append(r)
    before = a.path.stat().st_size
    a.append(recs[3])
    data = a.path.read_bytes()  # what is on disk, trailer not yet written
    a.close()
    assert len(data) > before + 10_000
    return recs, data, before, len(data)


def test_kill_mid_write_skips_only_the_torn_record(tmp_path: Path) -> None:
    recs, data, before, after = killed_archive(tmp_path)
    path = tmp_path / "torn.jsonl.gz"
    path.write_bytes(data)
    assert list(read_archive(path)) == recs  # no trailer, nothing torn: all four
    torn = 0
    cuts = sorted({before, before + 1, before + 2, *range(before + 5, after, 997), after - 1})
    for cut in cuts:
        path.write_bytes(data[:cut])
        got = list(read_archive(path))
        assert got in (recs[:3], recs), cut  # never an error, never a damaged record
        torn += got == recs[:3]
    assert torn >= len(cuts) - 2  # only cuts in the last bytes leave record 4 whole
    middle = before + (after - before) // 2
    path.write_bytes(data[:middle])
    assert list(read_archive(path)) == recs[:3]


def test_kill_inside_a_small_record(tmp_path: Path) -> None:
    a = Archive(tmp_path / "live", "s")
    recs = [record(a, n) for n in range(6)]
    sizes = []
    for r in recs:
        a.append(r)
        sizes.append(a.path.stat().st_size)
    data = a.path.read_bytes()
    a.close()
    path = tmp_path / "torn.jsonl.gz"
    counts = []
    for cut in range(sizes[0], len(data) + 1):  # every byte of every record
        path.write_bytes(data[:cut])
        got = list(read_archive(path))
        assert got == recs[: len(got)], cut  # a prefix of the records, each one whole
        assert len(got) >= sum(size <= cut for size in sizes), cut  # flushed: never lost
        counts.append(len(got))
    assert counts == sorted(counts)
    assert counts[0] == 1
    assert counts[-1] == 6


def test_a_resumed_crawl_after_a_kill_loses_nothing(tmp_path: Path) -> None:
    """A crawl killed mid-write and resumed with the same crawl id: every complete
    record of both runs is read back (a torn file must not swallow later records)."""
    recs, data, before, after = killed_archive(tmp_path)
    directory = tmp_path / "archive"
    with Archive(directory, "c") as killed:
        killed.append(recs[0])
    killed.path.write_bytes(data[: before + (after - before) // 2])  # torn fourth record
    with Archive(directory, "c") as resumed:
        more = [record(resumed, n) for n in range(10, 13)]
        for r in more:
            resumed.append(r)
    assert list(read_archive(directory)) == recs[:3] + more


def test_an_empty_file_or_a_torn_header(tmp_path: Path) -> None:
    _, data, _, _ = killed_archive(tmp_path)
    path = tmp_path / "e.jsonl.gz"
    path.write_bytes(b"")
    assert list(read_archive(path)) == []  # killed before the first flush
    path.write_bytes(data[:5])  # killed inside the gzip header
    assert list(read_archive(path)) == []


# --------------------------------------------------------------------------- damage
def test_corrupt_middle_line_names_file_and_line(tmp_path: Path) -> None:
    a = Archive(tmp_path, "x")
    good = json.dumps(record(a, 0)).encode()
    path = write_lines(tmp_path / "bad.jsonl.gz", good, good, b'{"v": 1, "task": {broken', good)
    with pytest.raises(InputError) as info:
        list(read_archive(path))
    assert info.value.source == str(path)
    assert info.value.line == 3
    assert f"{path}:3" in str(info.value)
    assert "not JSON" in str(info.value)


def test_corrupt_last_line_of_a_complete_file_is_an_error(tmp_path: Path) -> None:
    """Only a file that ends unfinished may have a torn last line."""
    a = Archive(tmp_path, "x")
    good = json.dumps(record(a, 0)).encode()
    path = write_lines(tmp_path / "bad.jsonl.gz", good, b"garbage")
    with pytest.raises(InputError) as info:
        list(read_archive(path))
    assert info.value.line == 2


def test_records_before_the_damage_are_yielded(tmp_path: Path) -> None:
    a = Archive(tmp_path, "x")
    rec = record(a, 0)
    path = write_lines(tmp_path / "bad.jsonl.gz", json.dumps(rec).encode(), b"{oops", b"{}")
    it = read_archive(path)
    assert next(it) == rec
    with pytest.raises(InputError):
        next(it)


@pytest.mark.parametrize(
    "line",
    [
        b'{"hello": "world"}',
        b"[1, 2, 3]",
        b'"text"',
        b'{"v": 2, "task": {}}',  # a future version
        b'{"v": 1, "url": "u"}',  # no task
    ],
)
def test_json_that_is_not_an_archive_record(tmp_path: Path, line: bytes) -> None:
    path = write_lines(tmp_path / "other.jsonl.gz", line)
    with pytest.raises(InputError, match="not a kolgraph crawl archive record") as info:
        list(read_archive(path))
    assert (info.value.source, info.value.line) == (str(path), 1)


# --------------------------------------------------------------------------- files
def test_directory_yields_archives_without_quarantine(tmp_path: Path) -> None:
    with Archive(tmp_path, "a") as a:
        page = record(a, 0)
        bad = record(a, 1, body="<html>")
        bad["error"] = "not JSON"
        a.append(page)
        a.quarantine(bad)
    (tmp_path / "notes.txt").write_text("not an archive")
    assert a.quarantine_path.name.endswith(".quarantine.jsonl.gz")
    assert archive_files(tmp_path) == [a.path]
    assert list(read_archive(tmp_path)) == [page]
    assert list(read_archive(a.quarantine_path)) == [bad]  # a file is read as given


def test_directory_files_in_name_order_not_file_times(tmp_path: Path) -> None:
    paths = []
    for n in range(3):  # three sessions of one crawl, then a copy that lost the file times
        with Archive(tmp_path, "c") as a:
            a.append(record(a, n))
        os.utime(a.path, (1_700_000_000 - n, 1_700_000_000 - n))  # newest looks oldest
        paths.append(a.path)
    assert archive_files(tmp_path) == paths
    with Archive(tmp_path, "b") as other:  # another crawl in the same directory
        other.append(record(other, 9))
    assert archive_files(tmp_path) == [other.path, *paths]  # per crawl, oldest session first


def test_empty_directory_and_missing_path(tmp_path: Path) -> None:
    assert archive_files(tmp_path) == []
    assert list(read_archive(tmp_path)) == []
    with pytest.raises(InputError, match="no crawl archive"):
        archive_files(tmp_path / "missing")


def test_unwritable_directory_is_an_input_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file, not a directory")
    a = Archive(blocker / "sub", "c")
    with pytest.raises(InputError, match="cannot write the crawl archive"):
        a.append(record(a, 0))


def test_a_file_that_is_not_gzip_is_an_input_error(tmp_path: Path) -> None:
    """A plain JSONL file (say, an archive someone decompressed) is not silently empty."""
    a = Archive(tmp_path, "x")
    path = tmp_path / "plain.jsonl"
    path.write_text(json.dumps(record(a, 0)) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="gzip") as info:
        list(read_archive(path))
    assert info.value.source == str(path)
