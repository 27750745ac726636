"""Line sources: whole lines only, positions that resume exactly, files followed as they grow."""

from __future__ import annotations

import io
import threading
from pathlib import Path

from kolgraph.listen.sources import IDLE, Position, file_source, stream_source


def _lines(
    source: object, *, until: int | None = None
) -> tuple[list[tuple[int, bytes]], Position | None]:
    got: list[tuple[int, bytes]] = []
    end = None
    for chunk in source:  # type: ignore[attr-defined]
        if chunk is IDLE:
            if until is not None and len(got) >= until:
                source.stop()  # type: ignore[attr-defined]
            continue
        got.extend(chunk.lines)
        end = chunk.end
    return got, end


def test_a_file_is_read_to_its_end_and_resumes_at_the_position(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"a\r\nbb\n\nccc\nlast")
    got, end = _lines(file_source(path))
    assert got == [(1, b"a"), (2, b"bb"), (3, b""), (4, b"ccc"), (5, b"last")]
    assert end == Position(path.stat().st_size, 5)
    mid = Position(len(b"a\r\nbb\n"), 2)
    again, _ = _lines(file_source(path, start=mid))
    assert again == [(3, b""), (4, b"ccc"), (5, b"last")]
    assert Position.parse(str(mid)) == mid and Position.parse("junk") == Position()


def test_a_followed_file_gives_lines_appended_later_but_never_half_a_line(tmp_path: Path) -> None:
    path = tmp_path / "grow.jsonl"
    path.write_bytes(b"one\ntw")
    source = file_source(path, follow=True, poll_seconds=0.02, idle_seconds=0.05)
    seen: list[bytes] = []
    appended = threading.Event()

    def consume() -> None:
        for chunk in source:
            if chunk is IDLE:
                if not appended.is_set():
                    with path.open("ab") as fh:
                        fh.write(b"o\nthree\n")
                    appended.set()
                elif len(seen) >= 3:
                    source.stop()
                continue
            seen.extend(raw for _, raw in chunk.lines)

    worker = threading.Thread(target=consume)
    worker.start()
    worker.join(timeout=30)
    assert not worker.is_alive()
    assert seen == [b"one", b"two", b"three"]


def test_a_stream_is_read_in_chunks_with_a_last_line_without_a_break() -> None:
    data = b"".join(b"%d\n" % i for i in range(5000)) + b"tail"
    got, end = _lines(stream_source(io.BufferedReader(io.BytesIO(data))))
    assert [raw for _, raw in got] == [b"%d" % i for i in range(5000)] + [b"tail"]
    assert end is not None and end.line == 5001 and end.offset == len(data)
