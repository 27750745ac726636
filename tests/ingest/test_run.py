"""One import from start to finish: writing in batches, refusing a file with no valid row."""

from __future__ import annotations

from pathlib import Path

import pytest

from kolgraph.errors import InputError
from kolgraph.ingest.edges import import_edges
from kolgraph.store import SQLiteStore

from .helpers import read_rejects, write


def test_progress_reports_every_edge_in_batches(st: SQLiteStore, tmp_path: Path) -> None:
    path = write(tmp_path, "edges.csv", "".join(f"{i},{i + 1}\n" for i in range(10)))
    seen: list[int] = []
    report = import_edges(st, path, batch_size=4, progress=seen.append)
    assert seen == [4, 4, 2] and report.new_edges == 10 and st.counts().follows == 10


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
