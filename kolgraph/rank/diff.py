"""Comparing two rank runs: who rose, who fell, who changed community."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from kolgraph.errors import InputError

__all__ = ["diff_runs"]


def _positions(pagerank: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """1-based rank position by descending PageRank (NaN for unscored accounts)."""
    pos = np.full(pagerank.size, np.nan)
    scored = np.flatnonzero(~np.isnan(pagerank))
    order = scored[np.lexsort((scored, -pagerank[scored]))]
    pos[order] = np.arange(1, order.size + 1)
    return pos


def diff_runs(
    before: pd.DataFrame, after: pd.DataFrame, keys: npt.ArrayLike, *, top: int = 100
) -> pd.DataFrame:
    """Per-account change between two runs' scores (both in dense index order).

    Parameters
    ----------
    before, after
        Frames with ``pagerank`` and ``community`` columns (``Store.run_scores``);
        ``before`` may be shorter when accounts were added between the runs.
    keys
        Node key per dense index (as long as ``after``).
    top
        Keep the accounts in the top ``top`` of either run.

    Returns
    -------
    pandas.DataFrame
        ``key, rank_before, rank_after, moved`` (positive = rose), ``pagerank_before,
        pagerank_after, ratio`` (after / before) and ``community_before,
        community_after``, sorted by how far accounts moved, risers first.
    """
    if top < 1:
        raise InputError(f"top must be at least 1, got {top}")
    k = np.asarray(keys, dtype=object)
    n = len(after)
    if k.size != n or len(before) > n:
        raise InputError("keys and the two score frames do not line up")
    pr_a = after["pagerank"].to_numpy(dtype=np.float64)
    pr_b = np.full(n, np.nan)
    pr_b[: len(before)] = before["pagerank"].to_numpy(dtype=np.float64)
    c_b = pd.array([pd.NA] * n, dtype="Int64")
    c_b[: len(before)] = before["community"].astype("Int64").to_numpy()
    pos_b, pos_a = _positions(pr_b), _positions(pr_a)
    keep = (pos_b <= top) | (pos_a <= top)
    out = pd.DataFrame(
        {
            "key": k[keep],
            "rank_before": pd.Series(pos_b[keep]).astype("Int64"),
            "rank_after": pd.Series(pos_a[keep]).astype("Int64"),
            "moved": pd.Series(pos_b[keep] - pos_a[keep]).astype("Int64"),
            "pagerank_before": pr_b[keep],
            "pagerank_after": pr_a[keep],
            "ratio": pr_a[keep] / pr_b[keep],
            "community_before": c_b[keep],
            "community_after": after["community"].astype("Int64").to_numpy()[keep],
        }
    )
    return out.sort_values(
        ["moved", "rank_after"], ascending=[False, True], na_position="last", ignore_index=True
    )
