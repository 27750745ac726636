"""Files uploaded for import jobs: kept on disk a chunk at a time, found again by id."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from kolgraph.errors import InputError, NotFound
from kolgraph.jobs.uploads import UnsupportedMedia, UploadWriter, read_upload


def test_an_upload_is_kept_and_read_back(tmp_path: Path) -> None:
    w = UploadWriter(tmp_path, name="../../etc/My Edges.csv", media_type="text/csv; charset=utf-8")
    for chunk in (b"src,dst\n", b"1,2\n", b"2,3\n"):
        w.write(chunk)
    info = w.finish()
    assert info.name == "My_Edges.csv" and info.media_type == "text/csv"
    assert info.bytes == 16 and info.sha256 == hashlib.sha256(b"src,dst\n1,2\n2,3\n").hexdigest()
    again, path = read_upload(tmp_path, info.id)
    assert again == info and path.read_bytes() == b"src,dst\n1,2\n2,3\n"
    assert path.parent == tmp_path / "uploads" and not list(path.parent.glob("*.part"))


def test_unknown_ids_empty_bodies_and_other_media_types_are_refused(tmp_path: Path) -> None:
    for bad in ("up-0000000000000000", "../kolgraph.db", "up-zz"):
        with pytest.raises(NotFound, match="no upload"):
            read_upload(tmp_path, bad)
    w = UploadWriter(tmp_path, name=None, media_type="application/gzip")
    assert w.name == "upload"
    with pytest.raises(InputError, match="empty"):
        w.finish()
    with pytest.raises(UnsupportedMedia) as err:
        UploadWriter(tmp_path, name="x", media_type="application/json")
    assert err.value.http_status == 415 and err.value.code == "unsupported_media_type"
    w = UploadWriter(tmp_path, name="x", media_type="text/plain")
    w.write(b"abc")
    w.abort()
    assert list((tmp_path / "uploads").iterdir()) == []
