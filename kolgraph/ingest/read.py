"""Reading dump files line by line, and checking the fields every format shares.

:func:`read_lines` opens a plain or gzip file (told apart by its first bytes),
skips blank lines and ``#`` comments, and hands a line that is not UTF-8 to
:class:`~kolgraph.ingest.report.Rejects` as a bad row. :func:`check_id` and
:func:`parse_ts` check an account id and a timestamp.
"""

from __future__ import annotations

import codecs
import gzip
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from kolgraph.errors import InputError
from kolgraph.ingest.report import Rejects

__all__ = ["INT64_MAX", "check_id", "is_uint", "open_binary", "parse_ts", "read_lines"]

INT64_MAX = 2**63 - 1


def open_binary(path: Path) -> BinaryIO:
    """Open ``path`` for reading bytes, through gzip when it starts with the gzip magic.

    Raises
    ------
    InputError
        If the path is missing, a directory or unreadable.
    """
    if not path.exists():
        raise InputError("file not found", source=str(path), hint="check the path")
    if path.is_dir():
        raise InputError("is a directory, not a file", source=str(path))
    try:
        with path.open("rb") as fh:
            magic = fh.read(2)
        if magic == b"\x1f\x8b":
            return gzip.open(path, "rb")  # type: ignore[return-value]
        return path.open("rb")
    except OSError as exc:
        raise InputError(
            f"cannot read the file ({exc.strerror or exc})",
            source=str(path),
            hint="check the file's permissions",
        ) from exc


def read_lines(path: Path, rejects: Rejects) -> Iterator[tuple[int, str]]:
    """Yield ``(line_number, stripped_line)``, skipping blanks and ``#`` comments.

    Lines are decoded one at a time, so a line that is not UTF-8 is reported
    with its own line number and is a bad row like any other (``rejects``
    raises or sets it aside). A UTF-8 byte-order mark is ignored. A truncated
    or corrupt gzip stream raises :class:`InputError` naming the first line
    that could not be read.
    """
    lineno = 0
    with open_binary(path) as fh:
        try:
            for lineno, raw in enumerate(fh, start=1):
                if lineno == 1 and raw.startswith(codecs.BOM_UTF8):
                    raw = raw[len(codecs.BOM_UTF8) :]
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    rejects.undecodable += 1
                    rejects.bad(
                        lineno,
                        f"not UTF-8 text ({exc.reason} at byte {exc.start + 1} of the line)",
                        raw.decode("utf-8", "replace").strip(),
                        hint="convert the file to UTF-8 (e.g. with iconv), or pass --on-error skip",
                    )
                    continue
                text = line.strip()
                if text and not text.startswith("#"):
                    yield lineno, text
        except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
            raise InputError(
                f"compressed file is truncated or corrupt after line {lineno} ({exc})",
                source=str(path),
                line=lineno + 1,
                hint="download or copy the file again; `gzip -t FILE` checks it",
            ) from exc


def is_uint(value: str) -> bool:
    """``value`` is a non-empty run of the ASCII digits 0-9 (``str.isdigit`` also takes ``²``)."""
    return value.isascii() and value.isdigit()


def check_id(value: str, numeric: bool) -> str | None:
    """Return an error reason for a bad account id, or None.

    An id is bad when empty, when ``numeric`` and not all ASCII digits, or
    (text ids) when it holds ``:`` or whitespace, which would break its key.
    """
    if not value:
        return "empty account id"
    if numeric and not is_uint(value):
        return f"account id {value!r} is not numeric"
    if not numeric and (":" in value or any(c.isspace() for c in value)):
        return f"account id {value!r} contains ':' or whitespace"
    return None


def parse_ts(value: str) -> int | None:
    """A timestamp (integer or decimal, truncated) that fits in 64 bits, or None."""
    try:
        ts = int(value) if is_uint(value) else int(float(value))
    except (ValueError, OverflowError):  # not a number; inf / nan
        return None
    return ts if -INT64_MAX <= ts <= INT64_MAX else None
