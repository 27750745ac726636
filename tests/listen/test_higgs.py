"""The SNAP Higgs activity as a time-ordered event stream."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from kolgraph.errors import InputError
from kolgraph.listen.events import parse_event_line
from kolgraph.listen.higgs import higgs_lines, higgs_source
from kolgraph.listen.sources import Position


def _file(tmp_path: Path, rows: str) -> Path:
    path = tmp_path / "higgs-activity_time.txt.gz"
    with gzip.open(path, "wt") as fh:
        fh.write(rows)
    return path


def test_rows_become_events_in_time_order(tmp_path: Path) -> None:
    path = _file(tmp_path, "1 2 1341100972 RT\n3 4 1341100900 MT\n5 6 1341100972 RE\n")
    events = [parse_event_line(line) for line in higgs_lines(path)]
    assert [(e.type, e.author, e.parent_author, e.ts) for e in events] == [
        ("mention", "twitter:3", "twitter:4", 1341100900),
        ("repost", "twitter:1", "twitter:2", 1341100972),
        ("reply", "twitter:5", "twitter:6", 1341100972),
    ]
    lines = [json.loads(line) for line in higgs_lines(path, platform="x")]
    assert {row["platform"] for row in lines} == {"x"}


def test_the_source_resumes_after_a_line_and_bad_rows_are_named(tmp_path: Path) -> None:
    path = _file(tmp_path, "1 2 1341100972 RT\n3 4 1341100973 MT\n5 6 1341100974 RE\n")
    got = [n for chunk in higgs_source(path, start=Position(0, 1)) for n, _ in chunk.lines]
    assert got == [2, 3]
    bad = _file(tmp_path, "1 2 1341100972 RT\n3 4 XX\n")
    with pytest.raises(InputError, match=":2: not a Higgs activity row"):
        list(higgs_lines(bad))
