"""Where ``kolgraph listen`` reads events from: a file (followed as it grows) or a stream.

A reader thread reads lines in chunks and hands them over a queue, so the listener can
store what it has when the source goes quiet (:data:`IDLE`) instead of waiting for a
full batch. A file's position is the byte offset after the last whole line and the
line number (``"OFFSET:LINE"``), so a restarted listener starts where the stored
checkpoint says; a line still being written (no line break yet) is not read until it
is whole. A file that shrinks (rotated or truncated) is read again from the start.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Final

from kolgraph.errors import InputError

__all__ = ["IDLE", "Chunk", "LineSource", "Position", "file_source", "stream_source"]


@dataclass(frozen=True)
class Position:
    """A place in a source: byte offset after the last whole line read, and its line number."""

    offset: int = 0
    line: int = 0

    def __str__(self) -> str:
        return f"{self.offset}:{self.line}"

    @classmethod
    def parse(cls, text: str | None) -> Position:
        """The position a checkpoint stored (the start if none or unreadable)."""
        if not text:
            return cls()
        try:
            offset, line = (int(x) for x in text.split(":", 1))
        except ValueError:
            return cls()
        return cls(max(offset, 0), max(line, 0))


@dataclass(frozen=True)
class Chunk:
    """Lines read together: ``(line number, bytes)`` and the position after the last."""

    lines: list[tuple[int, bytes]]
    end: Position


#: handed over when the source has nothing more right now
IDLE: Final = Chunk([], Position(-1, -1))
_EOF: Final = Chunk([], Position(-2, -2))


class LineSource:
    """Lines of a source, read on a thread; iterate to get :class:`Chunk` s and :data:`IDLE`.

    Parameters
    ----------
    name
        The source's name (the checkpoint key).
    idle_seconds
        How long to wait for lines before handing over :data:`IDLE`.
    """

    def __init__(self, name: str, *, idle_seconds: float = 0.2) -> None:
        self.name = name
        self.idle_seconds = idle_seconds
        self._queue: queue.Queue[Chunk | BaseException] = queue.Queue(maxsize=64)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _produce(self) -> Iterator[Chunk]:
        raise NotImplementedError

    def _run(self) -> None:
        try:
            for chunk in self._produce():
                while not self._stop.is_set():
                    try:
                        self._queue.put(chunk, timeout=0.2)
                        break
                    except queue.Full:
                        continue
                if self._stop.is_set():
                    return
        except BaseException as exc:
            self._queue.put(exc)
            return
        self._queue.put(_EOF)

    def stop(self) -> None:
        """Ask the reader to stop; iteration ends after what was read."""
        self._stop.set()

    def __iter__(self) -> Iterator[Chunk]:
        self._thread = threading.Thread(target=self._run, name=f"listen:{self.name}", daemon=True)
        self._thread.start()
        while True:
            try:
                item = self._queue.get(timeout=self.idle_seconds)
            except queue.Empty:
                if self._stop.is_set():
                    return
                yield IDLE
                continue
            if isinstance(item, BaseException):
                raise item
            if item is _EOF:
                return
            yield item


class _FileSource(LineSource):
    def __init__(
        self, path: Path, start: Position, *, follow: bool, poll_seconds: float, idle_seconds: float
    ) -> None:
        super().__init__(f"file:{path.resolve()}", idle_seconds=idle_seconds)
        self.path, self.start, self.follow, self.poll = path, start, follow, poll_seconds

    def _produce(self) -> Iterator[Chunk]:
        try:
            fh = self.path.open("rb")
        except OSError as exc:
            raise InputError(
                f"cannot read {self.path} ({exc.strerror or exc})",
                hint="check the path and that you may read it",
            ) from None
        with fh:
            pos = self.start
            if pos.offset > self.path.stat().st_size:
                pos = Position()
            fh.seek(pos.offset)
            yield from self._read(fh, pos)

    def _read(self, fh: BinaryIO, pos: Position) -> Iterator[Chunk]:
        state = _Splitter(pos)
        while not self._stop.is_set():
            data = fh.read(1 << 20)
            if not data:
                if not self.follow:
                    yield from state.rest()
                    return
                if self.path.stat().st_size < state.offset:
                    fh.seek(0)
                    state = _Splitter(Position())
                time.sleep(self.poll)
                continue
            yield from state.feed(data)


class _Splitter:
    """Cuts bytes into whole lines, keeping the unfinished tail, counting offset and lines."""

    def __init__(self, pos: Position) -> None:
        self.offset, self.line, self.partial = pos.offset, pos.line, b""

    def feed(self, data: bytes) -> Iterator[Chunk]:
        data = self.partial + data
        cut = data.rfind(b"\n") + 1
        self.partial = data[cut:]
        if cut == 0:
            return
        lines: list[tuple[int, bytes]] = []
        for raw in data[: cut - 1].split(b"\n"):
            self.line += 1
            self.offset += len(raw) + 1
            lines.append((self.line, raw.rstrip(b"\r")))
            if len(lines) >= 2000:
                yield Chunk(lines, Position(self.offset, self.line))
                lines = []
        if lines:
            yield Chunk(lines, Position(self.offset, self.line))

    def rest(self) -> Iterator[Chunk]:
        """The last line when the stream ends without a line break."""
        if self.partial.strip():
            self.line += 1
            self.offset += len(self.partial)
            yield Chunk([(self.line, self.partial.rstrip(b"\r"))], Position(self.offset, self.line))
        self.partial = b""


class _StreamSource(LineSource):
    def __init__(self, stream: BinaryIO, name: str, *, idle_seconds: float) -> None:
        super().__init__(name, idle_seconds=idle_seconds)
        self.stream = stream

    def _produce(self) -> Iterator[Chunk]:
        state = _Splitter(Position())
        read = getattr(self.stream, "read1", self.stream.read)
        while not self._stop.is_set():
            data = read(1 << 16)
            if not data:
                break
            yield from state.feed(data)
        yield from state.rest()


def file_source(
    path: Path,
    *,
    start: Position | None = None,
    follow: bool = False,
    poll_seconds: float = 0.2,
    idle_seconds: float = 0.2,
) -> LineSource:
    """The lines of ``path`` from ``start``; with ``follow``, lines appended later too."""
    return _FileSource(
        path,
        start or Position(),
        follow=follow,
        poll_seconds=poll_seconds,
        idle_seconds=idle_seconds,
    )


def stream_source(
    stream: BinaryIO, *, name: str = "stdin", idle_seconds: float = 0.2
) -> LineSource:
    """The lines of a binary stream (``sys.stdin.buffer``), from where it is."""
    return _StreamSource(stream, name, idle_seconds=idle_seconds)
