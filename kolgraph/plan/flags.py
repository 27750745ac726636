"""Short warnings a strategist should see beside each planned account.

Warnings
--------
Each row carries short, stable warnings: ``"flagged audience"`` (the rank run
flagged it; kept because flagged accounts were allowed or it was included),
``"estimated price"`` (cost from the rate card) and ``"high overlap with KEY
(Jaccard J)"`` (its audience's Jaccard with an account chosen before it is
above :data:`HIGH_OVERLAP_JACCARD`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

__all__ = ["HIGH_OVERLAP_JACCARD", "flagged", "row_warnings"]

#: A chosen account whose audience has a Jaccard similarity above this with the
#: audience of an account chosen before it is marked ``"high overlap"``. At 0.3
#: two audiences of similar size share about 46% of their people
#: (:math:`2J/(1+J)`): the second account mostly buys frequency, not reach.
HIGH_OVERLAP_JACCARD = 0.3


def flagged(scores: pd.DataFrame, n: int) -> npt.NDArray[np.bool_]:
    """Accounts whose audience the rank run flagged (a non-empty list of reasons)."""
    flags = scores.get("flags")
    if flags is None or len(flags) != n or flags.dtype != object:
        return np.zeros(n, dtype=bool)
    sizes = pd.to_numeric(flags.str.len(), errors="coerce").fillna(0.0)
    out: npt.NDArray[np.bool_] = sizes.to_numpy(dtype=np.float64) > 0
    return out


def row_warnings(
    rows: sp.csr_matrix,
    keys: npt.NDArray[Any],
    flagged: npt.NDArray[np.bool_],
    estimated: npt.NDArray[np.bool_],
    *,
    shared: npt.NDArray[np.float64] | None = None,
) -> list[tuple[str, ...]]:
    """Short warnings per chosen account, in the order the accounts were chosen.

    ``rows`` holds the chosen accounts' (target) audiences in that order; an
    account warns of high overlap with the earlier account whose audience is
    most alike, when their Jaccard similarity exceeds :data:`HIGH_OVERLAP_JACCARD`.
    ``shared`` is ``rows @ rows.T`` (people each pair shares), when it is known.
    """
    k = rows.shape[0]
    out: list[list[str]] = [[] for _ in range(k)]
    for r in np.flatnonzero(flagged):
        out[r].append("flagged audience")
    for r in np.flatnonzero(estimated):
        out[r].append("estimated price")
    if k >= 2:
        if shared is None:
            a = rows.astype(np.float64)
            shared = (a @ a.T).toarray()
        size = np.diag(shared)
        union = size[:, np.newaxis] + size[np.newaxis, :] - shared
        jac = np.tril(np.divide(shared, union, out=np.zeros_like(shared), where=union > 0), -1)
        best = jac.argmax(axis=1)
        best_j = jac[np.arange(k), best]
        for r in np.flatnonzero(best_j > HIGH_OVERLAP_JACCARD):
            out[r].append(f"high overlap with {keys[best[r]]} (Jaccard {best_j[r]:.2f})")
    return [tuple(w) for w in out]
