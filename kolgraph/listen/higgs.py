"""The SNAP Higgs Twitter activity as a stream of events, replayed in event-time order.

Each row ``userA userB unix_ts RT|MT|RE`` (A retweeted, mentioned or replied to B)
becomes the event ``{"platform": "twitter", "type": "repost"|"mention"|"reply",
"author": A, "parent_author": B, "ts": unix_ts}``. The dump has no post ids or text:
the week is one topic (``--any``). Rows are sorted by time (stable), as a live stream
would deliver them.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import orjson

from kolgraph.errors import InputError
from kolgraph.listen.sources import Chunk, LineSource, Position

__all__ = ["higgs_lines", "higgs_source"]

_TYPES = {b"RT": "repost", b"MT": "mention", b"RE": "reply"}


def higgs_lines(path: Path, *, platform: str = "twitter") -> Iterator[bytes]:
    """The activity file's rows as JSON Lines events, in time order."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as fh:
            rows = [line.split() for line in fh if line.strip()]
    except OSError as exc:
        raise InputError(
            f"cannot read {path} ({exc.strerror or exc})",
            hint="give higgs-activity_time.txt(.gz) from the SNAP Higgs Twitter data set",
        ) from None
    bad = next((i for i, r in enumerate(rows) if len(r) != 4 or r[3] not in _TYPES), None)
    if bad is not None:
        raise InputError(
            f"{path}:{bad + 1}: not a Higgs activity row (userA userB unix_ts RT|MT|RE)",
            hint="give higgs-activity_time.txt(.gz) from the SNAP Higgs Twitter data set",
        )
    ts = np.array([int(r[2]) for r in rows], dtype=np.int64)
    for i in np.argsort(ts, kind="stable").tolist():
        a, b, t, kind = rows[i]
        yield orjson.dumps(
            {
                "platform": platform,
                "type": _TYPES[kind],
                "author": a.decode(),
                "parent_author": b.decode(),
                "ts": int(t),
            }
        )


class _HiggsSource(LineSource):
    def __init__(self, path: Path, start: Position, *, chunk: int, idle_seconds: float) -> None:
        super().__init__(f"higgs:{path.resolve()}", idle_seconds=idle_seconds)
        self.path, self.start, self.chunk = path, start, chunk

    def _produce(self) -> Iterator[Chunk]:
        lines: list[tuple[int, bytes]] = []
        offset = 0
        for n, raw in enumerate(higgs_lines(self.path), start=1):
            offset += len(raw) + 1
            if n <= self.start.line:
                continue
            lines.append((n, raw))
            if len(lines) >= self.chunk:
                yield Chunk(lines, Position(offset, n))
                lines = []
            if self._stop.is_set():
                return
        if lines:
            yield Chunk(lines, Position(offset, lines[-1][0]))


def higgs_source(
    path: Path, *, start: Position | None = None, chunk: int = 2000, idle_seconds: float = 0.2
) -> LineSource:
    """The Higgs week as a source of JSON Lines events (resumes after ``start.line``)."""
    return _HiggsSource(path, start or Position(), chunk=chunk, idle_seconds=idle_seconds)
