"""The per-account score table of a rank run, defined once for both stores.

:data:`SCORE_COLUMNS` names every column of the frames that
:meth:`~kolgraph.store.base.Store.current_scores` and
:meth:`~kolgraph.store.base.Store.run_scores` return, in order, with its dtype
and meaning. Both stores build those frames with :func:`aligned_scores` (so
they are identical) and turn :attr:`~kolgraph.store.base.RunResults.scores`
into stored values with :func:`score_value_columns`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from kolgraph.errors import StoreError

__all__ = [
    "EXTRA_SCORES",
    "SCORE_COLUMNS",
    "ScoreColumn",
    "aligned_scores",
    "empty_scores",
    "extra_score_columns",
    "extra_score_rows",
    "score_value_columns",
    "score_value_rows",
]


@dataclass(frozen=True, slots=True)
class ScoreColumn:
    """One column of the score table.

    Attributes
    ----------
    dtype
        pandas dtype of the column in a read frame (missing values: NaN for
        ``float64``, ``<NA>`` for ``Int64``, None for ``object``).
    description
        What the value means.
    optional
        A rank run may leave the column out of its results (it is then missing
        for every account).
    """

    dtype: str
    description: str
    optional: bool = False


#: The score table's columns in order: name → dtype, meaning, optional.
SCORE_COLUMNS: Mapping[str, ScoreColumn] = MappingProxyType(
    {
        "pagerank": ScoreColumn("float64", "PageRank in the follow graph"),
        "community": ScoreColumn("Int64", "community id"),
        "audience": ScoreColumn("float64", "followers in the stored graph"),
        "tier": ScoreColumn("object", "'head', 'mid' or 'tail' by PageRank"),
        "engagement": ScoreColumn(
            "float64", "reposts received per post per follower (quality stage)", True
        ),
        "anomaly": ScoreColumn(
            "float64", "isolation-forest anomaly score in [0, 1] (quality stage)", True
        ),
        "spread": ScoreColumn(
            "float64", "expected accounts reached by one post (influence stage)", True
        ),
        "flags": ScoreColumn(
            "object", "reasons the audience looks inauthentic: a list of str, or None", True
        ),
    }
)

#: Optional per-account results beside PageRank and community (floats).
EXTRA_SCORES = tuple(
    name for name, col in SCORE_COLUMNS.items() if col.optional and col.dtype == "float64"
)


def empty_scores(n: int) -> pd.DataFrame:
    """A score table of ``n`` accounts with every value missing (columns :data:`SCORE_COLUMNS`)."""
    cols: dict[str, Any] = {}
    for name, col in SCORE_COLUMNS.items():
        if col.dtype == "float64":
            cols[name] = np.full(n, np.nan)
        elif col.dtype == "Int64":
            cols[name] = pd.array([pd.NA] * n, dtype="Int64")
        else:
            cols[name] = pd.Series([None] * n, dtype=object)
    return pd.DataFrame(cols)


def aligned_scores(n: int, rows: pd.DataFrame) -> pd.DataFrame:
    """The score table in dense index order from stored rows.

    Parameters
    ----------
    n
        Number of accounts (rows of the result).
    rows
        One row per scored account: ``idx`` (dense index), ``pagerank``,
        ``community``, ``audience``, ``tier`` and any of the optional columns
        (``flags`` as lists of str or None).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SCORE_COLUMNS` with their dtypes; accounts without a
        row (added after the run) have every value missing.

    Raises
    ------
    StoreError
        If ``rows`` has rows but lacks ``idx`` or a required column.
    """
    out = empty_scores(n)
    if not len(rows):
        return out
    required = {"idx", *(k for k, c in SCORE_COLUMNS.items() if not c.optional)}
    if missing := required - set(rows.columns):
        raise StoreError(f"stored scores lack the columns {sorted(missing)}")
    idx = rows["idx"].to_numpy(dtype=np.int64)
    out.loc[idx, "pagerank"] = rows["pagerank"].to_numpy(dtype=float)
    out.loc[idx, "community"] = rows["community"].astype("Int64").to_numpy()
    out.loc[idx, "audience"] = rows["audience"].to_numpy(dtype=float)
    out.loc[idx, "tier"] = rows["tier"].to_numpy()
    for name in EXTRA_SCORES:
        if name in rows:
            out.loc[idx, name] = pd.to_numeric(rows[name], errors="coerce").to_numpy(float)
    if "flags" in rows:
        flags = out["flags"].to_numpy(dtype=object, copy=True)
        for i, f in zip(idx.tolist(), rows["flags"].tolist(), strict=True):
            flags[i] = list(f) if isinstance(f, (list, tuple)) and f else None
        out["flags"] = flags
    return out


def extra_score_columns(scores: pd.DataFrame) -> list[list[Any]]:
    """Columns ``engagement, anomaly, spread, flags`` of ``scores`` as Python lists.

    Floats are native ``float`` with None for NaN; flags are lists of strings or
    None (an empty or missing list is None). A column absent from ``scores`` is
    all None. Built column by column (no per-row Python work for the floats).
    """
    n = len(scores)
    cols: list[list[Any]] = []
    for name in EXTRA_SCORES:
        if name in scores:
            v = scores[name].to_numpy(dtype=np.float64)
            nan = np.isnan(v)
            if nan.any():
                obj = v.astype(object)  # native floats
                obj[nan] = None
                cols.append(obj.tolist())
            else:
                cols.append(v.tolist())
        else:
            cols.append([None] * n)
    if "flags" in scores:
        cols.append([list(f) if f else None for f in scores["flags"].tolist()])
    else:
        cols.append([None] * n)
    return cols


def extra_score_rows(scores: pd.DataFrame) -> list[list[Any]]:
    """``[engagement, anomaly, spread, flags]`` per row of ``scores`` (None when absent)."""
    return [list(r) for r in zip(*extra_score_columns(scores), strict=True)] if len(scores) else []


def score_value_columns(scores: pd.DataFrame, *, index_base: int = 0) -> list[list[Any]]:
    """:attr:`~kolgraph.store.base.RunResults.scores` as native Python columns to store.

    Parameters
    ----------
    scores
        Columns ``index`` (dense index) and :data:`SCORE_COLUMNS` (the optional
        ones may be absent).
    index_base
        Added to ``index`` (the embedded store's account ids start at 1).

    Returns
    -------
    list of list
        ``index, pagerank, community, audience, tier, engagement, anomaly,
        spread, flags``: ints, floats and str, None where a value is missing
        (``community`` and the optional columns), flags as lists of str.
    """
    community = scores["community"]
    if pd.api.types.is_integer_dtype(community.dtype) and not isinstance(
        community.dtype, pd.api.extensions.ExtensionDtype
    ):
        community_col = community.to_numpy().tolist()
    else:  # nullable or float: None for missing
        community_col = (
            community.astype("Int64").astype(object).where(community.notna(), None).tolist()
        )
    return [
        (scores["index"].to_numpy() + index_base).tolist(),
        scores["pagerank"].astype(float).tolist(),
        community_col,
        scores["audience"].astype(int).tolist(),
        scores["tier"].tolist(),
        *extra_score_columns(scores),
    ]


def score_value_rows(scores: pd.DataFrame, *, index_base: int = 0) -> list[list[Any]]:
    """:func:`score_value_columns` as one list per row."""
    return [list(r) for r in zip(*score_value_columns(scores, index_base=index_base), strict=True)]
