"""One import from start to finish: parsed edges in, counts out.

An importer starts an :class:`ImportRun` (which checks the platform and sets
up the rejects), reads the file through :meth:`ImportRun.lines` into
:class:`EdgeColumns`, and ends with :meth:`ImportRun.finish`: it refuses a file
with no valid edge, writes the rejects file, then writes the edges in batches
and fills in the report.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from kolgraph.errors import InputError
from kolgraph.ingest.read import read_lines
from kolgraph.ingest.report import ImportReport, OnError, Rejects
from kolgraph.model import EdgeType, check_platform
from kolgraph.store.base import Store
from kolgraph.store.batches import RepostBatch

__all__ = ["EdgeColumns", "ImportRun", "Progress", "write_edges"]

Progress = Callable[[int], None]


@dataclass
class EdgeColumns:
    """Parsed edges as parallel lists: the ``i``-th edge is ``src[i] → dst[i]``.

    ``src`` and ``dst`` are node keys. Follow edges use only those two;
    repost edges use all six (``post`` is ``""`` when the dump has no post
    ids, ``action`` an :class:`~kolgraph.model.Action` value).
    """

    src: list[str] = field(default_factory=list)
    dst: list[str] = field(default_factory=list)
    ts: list[int] = field(default_factory=list)
    weight: list[float] = field(default_factory=list)
    post: list[str] = field(default_factory=list)
    action: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.src)


def write_edges(
    store: Store,
    edge_type: EdgeType,
    cols: EdgeColumns,
    batch_size: int,
    progress: Progress | None,
) -> int:
    """Add ``cols`` to ``store`` in batches of ``batch_size``; return how many edges were new.

    ``progress`` is called after each batch with its number of edges.
    """
    n = len(cols)
    new = 0
    for lo in range(0, n, batch_size):
        hi = min(n, lo + batch_size)
        if edge_type is EdgeType.FOLLOW:
            new += store.add_follows(cols.src[lo:hi], cols.dst[lo:hi])
        else:
            batch = RepostBatch.from_columns(
                cols.src[lo:hi],
                cols.dst[lo:hi],
                cols.post[lo:hi],
                cols.ts[lo:hi],
                cols.action[lo:hi],
                cols.weight[lo:hi],
            )
            new += store.add_reposts(batch)
        if progress is not None:
            progress(hi - lo)
    return new


@dataclass
class ImportRun:
    """The file, report, rejects and start time of one import."""

    path: Path
    report: ImportReport
    rejects: Rejects
    started: float

    @classmethod
    def start(
        cls,
        path: str | Path,
        kind: str,
        *,
        platform: str,
        on_error: OnError | str,
        rejects_path: Path | None,
    ) -> ImportRun:
        """Start importing ``path`` (a ``kind`` of file) for accounts of ``platform``.

        Raises
        ------
        ValueError
            If ``on_error`` is not ``fail`` or ``skip``.
        InputError
            If ``platform`` is not a valid platform name.
        """
        started = time.perf_counter()
        path = Path(path)
        on_error = OnError(on_error)
        check_platform(platform)
        report = ImportReport(path=str(path), kind=kind)
        return cls(path, report, Rejects(path, on_error, rejects_path), started)

    def lines(self) -> Iterator[tuple[int, str]]:
        """The file's ``(number, text)`` lines; see :func:`~kolgraph.ingest.read.read_lines`."""
        return read_lines(self.path, self.rejects)

    def finish(
        self,
        store: Store,
        edge_type: EdgeType,
        cols: EdgeColumns,
        *,
        batch_size: int,
        progress: Progress | None,
    ) -> ImportReport:
        """Write the rejects file, then the edges; return the filled-in report.

        Raises
        ------
        InputError
            If the file gave no valid edge (nothing is written to the store),
            or the rejects file cannot be written.
        """
        report, rejects = self.report, self.rejects
        report.edges = len(cols)
        report.rows += rejects.undecodable
        if report.edges == 0:
            if rejects.rows:
                rejects.write(report)
                raise InputError(
                    f"no valid rows: all {len(rejects.rows)} rows were rejected "
                    f"(see {report.rejects_path})",
                    source=report.path,
                    hint="check the delimiter and --columns against the file",
                )
            raise InputError(
                "file has no edges (it is empty or only comments)",
                source=report.path,
                hint="check that this is the file you meant",
            )
        rejects.write(report)
        report.accounts_before = store.counts().accounts
        report.new_edges = write_edges(store, edge_type, cols, batch_size, progress)
        report.accounts_after = store.counts().accounts
        report.seconds = time.perf_counter() - self.started
        return report
