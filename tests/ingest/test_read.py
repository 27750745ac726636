"""Reading dump files: missing files, truncated and corrupt gzip streams."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import pytest

from kolgraph.errors import InputError
from kolgraph.ingest.edges import import_edges
from kolgraph.store import SQLiteStore, StoreCounts

from .helpers import write


def _truncated_gzip(n: int) -> tuple[bytes, int]:
    """A gzip of ``n`` edge rows cut in half, and the first line that cannot be read."""
    text = "".join(f"{i},{i + 7}\n" for i in range(n)).encode()
    blob = gzip.compress(text)
    cut = blob[: len(blob) // 2]
    readable = zlib.decompressobj(wbits=31).decompress(cut)
    return cut, readable.count(b"\n") + 1


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
