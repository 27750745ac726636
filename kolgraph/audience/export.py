"""An overlap report as flat tables: CSV (one row per pair) and an ``.xlsx`` workbook."""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

import pandas as pd

from kolgraph.audience.overlap import OverlapReport
from kolgraph.errors import InputError

__all__ = ["PAIR_COLUMNS", "account_table", "pair_table", "write_overlap_csv", "write_overlap_xlsx"]

#: Columns of the pair table, in order (the CSV header).
PAIR_COLUMNS = ("a", "b", "shared", "jaccard", "share_of_smaller")


def pair_table(rep: OverlapReport) -> pd.DataFrame:
    """One row per pair, in the order of ``rep.pairs``, with :data:`PAIR_COLUMNS`."""
    return pd.DataFrame(
        [(p.a, p.b, p.shared, p.jaccard, p.share_of_smaller) for p in rep.pairs],
        columns=list(PAIR_COLUMNS),
    )


def account_table(rep: OverlapReport) -> pd.DataFrame:
    """One row per account: key, name, kind, audience, exclusive, exclusive_share."""
    return pd.DataFrame(
        [(a.key, a.name, a.kind, a.audience, a.exclusive, a.exclusive_share) for a in rep.accounts],
        columns=["key", "name", "kind", "audience", "exclusive", "exclusive_share"],
    )


def write_overlap_csv(rep: OverlapReport, fh: TextIO) -> None:
    """The pair table as CSV (header ``a,b,shared,jaccard,share_of_smaller``)."""
    pair_table(rep).to_csv(fh, index=False, lineterminator="\n")


def write_overlap_xlsx(rep: OverlapReport, path: Path) -> None:
    """A workbook with the sheets ``pairs`` (:func:`pair_table`) and ``accounts``
    (:func:`account_table` plus a last row with the union under ``audience``).

    Raises
    ------
    InputError
        The folder of ``path`` does not exist.
    """
    if not path.parent.is_dir():
        raise InputError(f"folder {path.parent} does not exist", source=str(path))
    accounts = account_table(rep)
    union = pd.DataFrame(
        [("(union)", "", "", rep.unique_audience, rep.unique_audience, 1.0)],
        columns=accounts.columns,
    )
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        pair_table(rep).to_excel(xl, sheet_name="pairs", index=False)
        pd.concat([accounts, union], ignore_index=True).to_excel(
            xl, sheet_name="accounts", index=False
        )
