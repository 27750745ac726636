"""The embedded store's columnar edge snapshot: :class:`EdgeSnapshot`.

``<db>.snapshot/<follow_rowid>-<repost_rowid>-<epoch>/`` holds ``.npy``
arrays of the edges up to those rowids, which is a consistent view of the
graph at one moment. Edge rowids only grow (see
:mod:`kolgraph.store.sqlite_schema`), so a refresh appends the rows above the
best older snapshot instead of reading every edge again. A snapshot is built
in a temporary directory and renamed into place (atomic), so a concurrent
reader either sees a complete snapshot or builds its own; loading a current
one is a handful of ``np.load`` calls. The epoch starts at a random number
when the database is created and goes up by one on every clear, so a snapshot
left behind by a deleted or cleared database is never mistaken for one of the
current edges.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from pathlib import Path

import numpy as np

from kolgraph.store.base import GraphArrays
from kolgraph.store.sqlite_db import SQLiteDatabase

__all__ = ["EdgeSnapshot", "SnapshotBase"]

#: The arrays of a snapshot, in :class:`GraphArrays` order (one ``.npy`` file each).
FILES = ("follow_src", "follow_dst", "repost_src", "repost_dst", "repost_ts", "repost_weight")

Arrays = tuple[np.ndarray, ...]
#: An older snapshot to extend: its follow rowid, repost rowid and arrays.
SnapshotBase = tuple[int, int, Arrays]


class EdgeSnapshot:
    """Edges of one SQLite database as dense arrays, kept on disk between calls.

    Parameters
    ----------
    db
        The database whose edges are read (in one read transaction).
    directory
        Where snapshots are kept (``<db>.snapshot``).
    """

    def __init__(self, db: SQLiteDatabase, directory: Path) -> None:
        self.db = db
        self.directory = directory

    def graph_arrays(self) -> GraphArrays:
        """The edges now, from the current snapshot or a refreshed one."""
        with self.db.read() as con:
            f_max, r_max, epoch, n_nodes = self._state(con)
            target = self.directory / f"{f_max}-{r_max}-{epoch}"
            if target.is_dir():
                arrays = self.load(target)
                if arrays is not None:
                    return GraphArrays(n_nodes, *arrays)
            base = self._best_base(f_max, r_max, epoch)
            arrays = self.build(con, base, f_max, r_max)
        self._save(target, arrays)
        return GraphArrays(n_nodes, *arrays)

    def clear(self) -> None:
        """Delete every snapshot (after the database was cleared)."""
        shutil.rmtree(self.directory, ignore_errors=True)

    def _state(self, con: sqlite3.Connection) -> tuple[int, int, int, int]:
        """``(largest follow rowid, largest repost rowid, epoch, number of accounts)``."""
        f = con.execute("SELECT COALESCE(MAX(rowid), 0) FROM follows").fetchone()[0]
        r = con.execute("SELECT COALESCE(MAX(rowid), 0) FROM reposts").fetchone()[0]
        epoch = con.execute("SELECT value FROM meta WHERE key = 'epoch'").fetchone()[0]
        return int(f), int(r), int(epoch), self.db.max_id(con)

    def _best_base(self, f_max: int, r_max: int, epoch: int) -> SnapshotBase | None:
        """The largest readable snapshot of this epoch at or below the rowids."""
        if not self.directory.is_dir():
            return None
        best: tuple[int, int, Path] | None = None
        for d in self.directory.iterdir():
            parts = d.name.split("-")
            if len(parts) != 3 or not all(p.isdigit() for p in parts):
                continue
            f, r, e = map(int, parts)
            if (
                e == epoch
                and f <= f_max
                and r <= r_max
                and (best is None or f + r > best[0] + best[1])
            ):
                best = (f, r, d)
        if best is None:
            return None
        arrays = self.load(best[2])
        return None if arrays is None else (best[0], best[1], arrays)

    @staticmethod
    def load(d: Path) -> Arrays | None:
        """The arrays of snapshot directory ``d``, or None if it is unreadable."""
        try:
            return tuple(np.load(d / f"{n}.npy") for n in FILES)
        except (OSError, ValueError):
            return None

    @staticmethod
    def _fetch_ints(
        con: sqlite3.Connection, sql: str, args: tuple[int, ...], width: int, dtype: type
    ) -> list[np.ndarray]:
        flat = np.fromiter((v for row in con.execute(sql, args) for v in row), dtype=np.int64)
        cols = flat.reshape(-1, width)
        return [np.ascontiguousarray(cols[:, i]).astype(dtype) for i in range(width)]

    def build(
        self, con: sqlite3.Connection, base: SnapshotBase | None, f_max: int, r_max: int
    ) -> Arrays:
        """The arrays up to rowids ``f_max`` / ``r_max``: ``base`` plus the rows above it."""
        f_from, r_from = (base[0], base[1]) if base else (0, 0)
        fs, fd = self._fetch_ints(
            con,
            "SELECT src - 1, dst - 1 FROM follows WHERE rowid > ? AND rowid <= ? ORDER BY rowid",
            (f_from, f_max),
            2,
            np.int32,
        )
        rs, rd, rt = self._fetch_ints(
            con,
            "SELECT src - 1, dst - 1, ts FROM reposts "
            "WHERE rowid > ? AND rowid <= ? ORDER BY rowid",
            (r_from, r_max),
            3,
            np.int64,
        )
        rw = np.fromiter(
            (
                row[0]
                for row in con.execute(
                    "SELECT weight FROM reposts WHERE rowid > ? AND rowid <= ? ORDER BY rowid",
                    (r_from, r_max),
                )
            ),
            dtype=np.float32,
        )
        new = (fs, fd, rs.astype(np.int32), rd.astype(np.int32), rt, rw)
        if base is None:
            return new
        return tuple(np.concatenate([old, add]) for old, add in zip(base[2], new, strict=True))

    def _save(self, target: Path, arrays: Arrays) -> None:
        """Publish ``arrays`` as snapshot ``target`` (atomically) and drop the older ones."""
        self.directory.mkdir(exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=self.directory))
        try:
            for name, arr in zip(FILES, arrays, strict=True):
                np.save(tmp / f"{name}.npy", arr)
            try:
                tmp.rename(target)
            except OSError:  # another process published the same snapshot first
                shutil.rmtree(tmp, ignore_errors=True)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
        for d in self.directory.iterdir():  # keep only the newest snapshot
            if d.name != target.name and not d.name.startswith(".tmp-"):
                shutil.rmtree(d, ignore_errors=True)
