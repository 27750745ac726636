"""Helpers of the ingest tests: writing input files, reading back what a store holds."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from kolgraph.store import SQLiteStore

Repost = tuple[str, str, str, int, str, float]


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    """Write ``content`` to ``tmp_path / name`` (text as UTF-8) and return the path."""
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def follows(store: SQLiteStore) -> set[tuple[str, str]]:
    """Every follow edge as a ``(follower key, followed key)`` pair."""
    g = store.graph_arrays()
    keys = store.accounts_frame()["key"].tolist()
    pairs = zip(g.follow_src.tolist(), g.follow_dst.tolist(), strict=True)
    return {(keys[s], keys[d]) for s, d in pairs}


def reposts(store: SQLiteStore) -> set[Repost]:
    """Every repost edge with its post id and action (read straight from SQLite)."""
    con = sqlite3.connect(store.path)
    try:
        rows = con.execute(
            "SELECT s.key, d.key, r.post_id, r.ts, r.action, r.weight FROM reposts r "
            "JOIN accounts s ON s.id = r.src JOIN accounts d ON d.id = r.dst"
        ).fetchall()
    finally:
        con.close()
    return set(rows)


def read_rejects(path: Path) -> list[list[str]]:
    """The rows of a rejects file as ``[line, reason, row]``, after checking its header."""
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "line\treason\trow"
    return [line.split("\t", 2) for line in lines[1:]]
