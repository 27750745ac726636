"""The raw page archive: every fetched page, appended to compressed JSONL.

One file per crawl session (each run of a crawl, e.g. after a resume),
``{crawl_id}.{UTC time}.jsonl.gz`` in ``KOLGRAPH_CRAWL_ARCHIVE``; pages that
could not be parsed also go to ``{crawl_id}.{UTC time}.quarantine.jsonl.gz``.
Each line is a JSON record::

    {"v": 1, "crawl_id": ..., "platform": ..., "fetched_at": unix seconds,
     "task": {"kind", "target", "cursor", "owner", "ts", "page"},
     "url": ..., "status": 200, "body": "<the response body as text>"}

Every record is flushed to disk (a gzip sync flush) before the crawler writes
the page's edges, so the archive holds at least every page in the store. A
process killed mid-write leaves a file without a gzip trailer and perhaps a
torn last record; :func:`read_archive` reads everything before it. A resumed
crawl writes a new file, so a torn file is never appended to.
"""

from __future__ import annotations

import gzip
import json
import time
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kolgraph.crawl.task import Task, TaskKind
from kolgraph.errors import InputError

__all__ = ["Archive", "ArchiveRecord", "archive_files", "read_archive"]

ArchiveRecord = dict[str, Any]
_VERSION = 1


def task_dict(task: Task) -> dict[str, Any]:
    return {
        "kind": task.kind.value,
        "target": task.target,
        "cursor": task.cursor,
        "owner": task.owner,
        "ts": task.ts,
        "page": task.page,
    }


def task_from_dict(d: dict[str, Any]) -> Task:
    return Task(
        kind=TaskKind(d["kind"]),
        target=str(d["target"]),
        cursor=d.get("cursor"),
        owner=d.get("owner"),
        ts=d.get("ts"),
        page=int(d.get("page", 0)),
    )


class Archive:
    """Append-only archive of one crawl's raw pages (and its quarantine)."""

    def __init__(self, directory: str | Path, crawl_id: str) -> None:
        self.directory = Path(directory)
        self.crawl_id = crawl_id
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%f")
        self.path = self.directory / f"{crawl_id}.{stamp}.jsonl.gz"
        self.quarantine_path = self.directory / f"{crawl_id}.{stamp}.quarantine.jsonl.gz"
        self._files: dict[Path, gzip.GzipFile] = {}

    def _open(self, path: Path) -> gzip.GzipFile:
        f = self._files.get(path)
        if f is None:
            try:
                self.directory.mkdir(parents=True, exist_ok=True)
                f = gzip.open(path, "ab", compresslevel=6)  # noqa: SIM115 (kept open, closed in close())
            except OSError as exc:
                raise InputError(
                    f"cannot write the crawl archive {path}: {exc}",
                    hint="point --archive / KOLGRAPH_CRAWL_ARCHIVE at a writable directory",
                ) from exc
            self._files[path] = f
        return f

    def _write(self, path: Path, record: ArchiveRecord) -> None:
        f = self._open(path)
        f.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode() + b"\n")
        f.flush()  # GzipFile.flush does a zlib sync flush: the record is on disk and readable

    def record(
        self, platform: str, task: Task, *, url: str, status: int, body: str, **extra: Any
    ) -> ArchiveRecord:
        return {
            "v": _VERSION,
            "crawl_id": self.crawl_id,
            "platform": platform,
            "fetched_at": round(time.time(), 3),
            "task": task_dict(task),
            "url": url,
            "status": status,
            "body": body,
            **extra,
        }

    def append(self, record: ArchiveRecord) -> None:
        """Append a fetched page."""
        self._write(self.path, record)

    def quarantine(self, record: ArchiveRecord) -> None:
        """Keep a page that could not be parsed (with an ``error`` field)."""
        self._write(self.quarantine_path, record)

    def close(self) -> None:
        for f in self._files.values():
            f.close()
        self._files.clear()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def archive_files(path: str | Path, *, quarantine: bool = False) -> list[Path]:
    """The archive files at ``path``: the file itself, or a directory's
    ``*.jsonl.gz`` page files (or, with ``quarantine``, its quarantine files),
    by name: per crawl, oldest session first (file times are not trusted: a
    copy may not keep them)."""
    p = Path(path)
    if p.is_file():
        return [p]
    if p.is_dir():
        files = [
            f for f in p.glob("*.jsonl.gz") if f.name.endswith(".quarantine.jsonl.gz") == quarantine
        ]
        return sorted(files, key=lambda f: f.name)  # names carry the session's UTC time
    raise InputError(
        f"no crawl archive at {p}",
        hint="pass an archive file (*.jsonl.gz) or the directory of KOLGRAPH_CRAWL_ARCHIVE",
    )


def _gzip_text(data: bytes, chunk: int = 1 << 16) -> tuple[bytes, bool]:
    """Decompress concatenated gzip members, keeping all output before any damage.

    Returns the text and whether the data ended damaged or truncated (a
    member without its trailer, or bytes that are not gzip).
    """
    out: list[bytes] = []
    while data:
        d = zlib.decompressobj(wbits=31)
        pos = 0
        try:
            while pos < len(data) and not d.eof:
                out.append(d.decompress(data[pos : pos + chunk]))
                pos += chunk
        except zlib.error:
            return b"".join(out), True
        if not d.eof:
            out.append(d.flush())
            return b"".join(out), True
        data = d.unused_data + data[pos:] if pos < len(data) else d.unused_data
    return b"".join(out), False


def read_archive(path: str | Path, *, quarantine: bool = False) -> Iterator[ArchiveRecord]:
    """Yield the records of an archive file (or a directory of them; with
    ``quarantine``, of its quarantine files).

    A record cut off by a crash at the end of a file is skipped; a line in
    the middle that is not JSON is an :class:`~kolgraph.errors.InputError`
    naming the file and line, and a file that is not gzip at all is one too.
    """
    for f in archive_files(path, quarantine=quarantine):
        data = f.read_bytes()
        if not b"\x1f\x8b".startswith(data[:2]):  # not even a torn gzip header
            raise InputError(
                "not a gzip file",
                source=str(f),
                hint="pass a *.jsonl.gz file written by `kolgraph crawl`",
            )
        text, truncated = _gzip_text(data)
        lines = text.split(b"\n")
        last = len(lines) - 1
        for n, line in enumerate(lines):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except ValueError as exc:
                if n == last and (truncated or not text.endswith(b"\n")):
                    break  # the tail of a killed write
                raise InputError(
                    f"archive record is not JSON ({exc})",
                    source=str(f),
                    line=n + 1,
                    hint="the archive is damaged here; remove the line to replay the rest",
                ) from exc
            if not isinstance(rec, dict) or rec.get("v") != _VERSION or "task" not in rec:
                raise InputError(
                    "not a kolgraph crawl archive record",
                    source=str(f),
                    line=n + 1,
                    hint="pass a file written by `kolgraph crawl`",
                )
            yield rec
