"""What an import did, and what happens to its bad rows.

:class:`ImportReport` holds the counts of one import. :class:`OnError` says
what a bad row does: ``fail`` raises on the first one, ``skip`` sets it aside.
:class:`Rejects` does either, and writes the rows it set aside to the rejects
file (``line<TAB>reason<TAB>raw row``, after a header row).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from kolgraph.errors import InputError

__all__ = ["ImportReport", "OnError", "Rejects"]


class OnError(str, Enum):
    """What to do with a bad row."""

    FAIL = "fail"
    SKIP = "skip"


@dataclass
class ImportReport:
    """What an import did."""

    path: str
    kind: str
    rows: int = 0
    edges: int = 0
    new_edges: int = 0
    accounts_before: int = 0
    accounts_after: int = 0
    rejected: int = 0
    rejects_path: str | None = None
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def new_accounts(self) -> int:
        """Accounts the import added to the store."""
        return self.accounts_after - self.accounts_before

    @property
    def rate(self) -> float:
        """Edges per second over the whole import (parse + write)."""
        return self.edges / self.seconds if self.seconds > 0 else 0.0


class Rejects:
    """Collects the bad rows of one file; raises on the first one when failing fast.

    Parameters
    ----------
    path
        The file being imported (named in every error).
    on_error
        ``fail``: :meth:`bad` raises. ``skip``: it keeps the row for :meth:`write`.
    rejects_path
        Where :meth:`write` puts the kept rows; default ``./<file name>.rejects.tsv``.
    """

    def __init__(self, path: Path, on_error: OnError, rejects_path: Path | None) -> None:
        self.path = path
        self.on_error = on_error
        self.rows: list[tuple[int, str, str]] = []
        self.undecodable = 0  # rejected lines that never reached an importer (not UTF-8)
        self.out = rejects_path or Path.cwd() / f"{path.name}.rejects.tsv"

    def bad(self, lineno: int, reason: str, raw: str, hint: str | None = None) -> None:
        """Reject line ``lineno`` (text ``raw``) for ``reason``.

        Raises
        ------
        InputError
            With ``on_error="fail"``, naming the file, the line and the reason.
        """
        if self.on_error is OnError.FAIL:
            raise InputError(
                reason,
                source=str(self.path),
                line=lineno,
                hint=hint or "fix the row, or pass --on-error skip to set bad rows aside",
            )
        self.rows.append((lineno, reason, raw))

    def write(self, report: ImportReport) -> None:
        """Write the rejected rows (if any) and record their count and file in ``report``.

        Raises
        ------
        InputError
            If the rejects file cannot be written.
        """
        report.rejected = len(self.rows)
        if not self.rows:
            return
        try:
            with self.out.open("w", encoding="utf-8") as fh:
                fh.write("line\treason\trow\n")
                for lineno, reason, raw in self.rows:
                    fh.write(f"{lineno}\t{reason}\t{raw}\n")
        except OSError as exc:
            raise InputError(
                f"cannot write the rejects file {self.out} ({exc.strerror or exc})",
                source=str(self.path),
                hint="pass --rejects with a writable path",
            ) from exc
        report.rejects_path = str(self.out)
