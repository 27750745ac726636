"""Writing a report file whole or not at all."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from kolgraph.errors import InputError

__all__ = ["write_whole"]


def write_whole(path: Path, data: bytes) -> int:
    """Write ``data`` to ``path`` through a temporary file beside it, then rename it.

    A reader never sees half a file and a failed write leaves ``path`` as it was.

    Parameters
    ----------
    path
        The file to write (replaced when it exists).
    data
        Its new content.

    Returns
    -------
    int
        The bytes written.

    Raises
    ------
    InputError
        ``path`` is a folder, its folder does not exist, or it cannot be written
        (the system's reason is named).
    """
    hint = "choose a file in a folder you can write to, e.g. -o plan.html"
    if path.is_dir():
        raise InputError(f"{path} is a folder, not a file", hint=hint)
    if not path.parent.is_dir():
        raise InputError(f"folder {path.parent} does not exist", hint=hint)
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise InputError(f"cannot write {path}: {exc.strerror or exc}", hint=hint) from exc
    return len(data)
