"""Files uploaded for import jobs, kept on disk under ``<jobs_dir>/uploads``.

An upload is written a chunk at a time (:class:`UploadWriter`: never whole in
memory) to ``<id>.part``, then renamed to ``<id>.data`` beside ``<id>.json`` (its
name, media type, size and SHA-256). Ids are random (``up-`` and 16 hex digits)
and checked against that pattern before they touch the file system. Gzip files
are told apart by their first bytes when imported, whatever the media type said.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from kolgraph.errors import InputError, NotFound

__all__ = [
    "MEDIA_TYPES",
    "UnsupportedMedia",
    "UploadInfo",
    "UploadWriter",
    "read_upload",
    "upload_dir",
]

#: Media types an upload may be sent as (dump files: plain or gzip text).
MEDIA_TYPES = (
    "text/csv",
    "text/plain",
    "text/tab-separated-values",
    "application/gzip",
    "application/x-gzip",
    "application/octet-stream",
)
_ID_RE = re.compile(r"^up-[0-9a-f]{16}$")
_NAME_RE = re.compile(r"[^A-Za-z0-9_.-]+")


class UnsupportedMedia(InputError):
    """An upload sent as a media type that is not a dump file (HTTP 415)."""

    http_status = 415
    code = "unsupported_media_type"


@dataclass(frozen=True, slots=True)
class UploadInfo:
    """A kept upload: its id, the name it was given, media type, size and SHA-256."""

    id: str
    name: str
    media_type: str
    bytes: int
    sha256: str
    created: str


def upload_dir(jobs_dir: Path) -> Path:
    """Where the uploads of ``jobs_dir`` are kept."""
    return Path(jobs_dir) / "uploads"


def _clean_name(name: str | None) -> str:
    """A file name safe to show and to keep: its last part, odd characters replaced."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = _NAME_RE.sub("_", base).strip("._")[:100]
    return cleaned or "upload"


class UploadWriter:
    """Writes one upload to disk a chunk at a time.

    Parameters
    ----------
    jobs_dir
        The jobs directory (``Settings.jobs_dir``); created when missing.
    name
        The file's name, for messages and results (cleaned).
    media_type
        One of :data:`MEDIA_TYPES` (parameters such as ``; charset=`` are dropped).

    Raises
    ------
    UnsupportedMedia
        Another media type.
    """

    def __init__(self, jobs_dir: Path, *, name: str | None, media_type: str) -> None:
        kind = media_type.split(";")[0].strip().lower()
        if kind not in MEDIA_TYPES:
            raise UnsupportedMedia(
                f"an upload must be a dump file, not {kind[:60]!r}",
                hint=f"send it with Content-Type {', '.join(MEDIA_TYPES[:4])}",
                field="body",
            )
        self.id = "up-" + secrets.token_hex(8)
        self.name = _clean_name(name)
        self.media_type = kind
        self._dir = upload_dir(jobs_dir)
        self._dir.mkdir(parents=True, exist_ok=True)
        self._part = self._dir / f"{self.id}.part"
        self._fh = self._part.open("wb")
        self._hash = hashlib.sha256()
        self.bytes = 0

    def write(self, chunk: bytes) -> None:
        """Append ``chunk``."""
        self._fh.write(chunk)
        self._hash.update(chunk)
        self.bytes += len(chunk)

    def abort(self) -> None:
        """Drop what was written."""
        self._fh.close()
        self._part.unlink(missing_ok=True)

    def finish(self) -> UploadInfo:
        """Keep the upload and return its description.

        Raises
        ------
        InputError
            The body was empty (nothing is kept).
        """
        self._fh.close()
        if self.bytes == 0:
            self._part.unlink(missing_ok=True)
            raise InputError(
                "the upload is empty", hint="send the file as the request body", field="body"
            )
        info = UploadInfo(
            id=self.id,
            name=self.name,
            media_type=self.media_type,
            bytes=self.bytes,
            sha256=self._hash.hexdigest(),
            created=datetime.fromtimestamp(time.time(), UTC).isoformat(timespec="seconds"),
        )
        (self._dir / f"{self.id}.json").write_text(json.dumps(asdict(info)), encoding="utf-8")
        self._part.rename(self._dir / f"{self.id}.data")
        return info


def read_upload(jobs_dir: Path, upload_id: str) -> tuple[UploadInfo, Path]:
    """A kept upload's description and the path of its data.

    Raises
    ------
    NotFound
        No upload has this id (or the id is not one an upload could have).
    """
    folder = upload_dir(jobs_dir)
    data = folder / f"{upload_id}.data"
    if not _ID_RE.match(upload_id) or not data.is_file():
        raise NotFound(
            f"no upload {upload_id[:40]!r}",
            hint="upload the file first (PUT /v1/uploads) and pass the id it returns",
            field="body.upload",
        )
    meta = json.loads((folder / f"{upload_id}.json").read_text(encoding="utf-8"))
    return UploadInfo(**meta), data
