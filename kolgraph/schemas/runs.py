"""Rank runs compared: ``kolgraph runs diff --format json``."""

from __future__ import annotations

import math

import pandas as pd
from pydantic import BaseModel

__all__ = ["DIGITS", "RunDiffRow"]

#: Decimals of the PageRank values and ratios of a diff row.
DIGITS = 10

_INTS = frozenset({"rank_before", "rank_after", "moved", "community_before", "community_after"})
_FLOATS = frozenset({"pagerank_before", "pagerank_after", "ratio"})


def _cell(column: str, x: float | str | None) -> float | int | str | None:
    """A cell of a diff frame as JSON: ``None`` when missing (or infinite), floats to
    :data:`DIGITS` decimals."""
    if column in _INTS:
        return None if x is None or pd.isna(x) else int(x)
    if column in _FLOATS:
        f = float(x)  # type: ignore[arg-type]
        return round(f, DIGITS) if math.isfinite(f) else None
    return str(x)


class RunDiffRow(BaseModel):
    """One account's move between two rank runs (null: not scored in that run).

    Attributes
    ----------
    rank_before, rank_after
        1-based position by PageRank in the earlier and the later run.
    moved
        ``rank_before - rank_after``: positive when the account rose.
    pagerank_before, pagerank_after, ratio
        PageRank in each run and their ratio (after / before), to :data:`DIGITS`
        decimals; the ratio is null when either is missing.
    community_before, community_after
        The account's community in each run.
    """

    key: str
    rank_before: int | None
    rank_after: int | None
    moved: int | None
    pagerank_before: float | None
    pagerank_after: float | None
    ratio: float | None
    community_before: int | None
    community_after: int | None

    @classmethod
    def from_frame(cls, diff: pd.DataFrame) -> list[RunDiffRow]:
        """The rows of :func:`~kolgraph.rank.diff.diff_runs`, in its order."""
        return [
            cls.model_validate({c: _cell(c, r[c]) for c in cls.model_fields})
            for r in diff.to_dict("records")
        ]
