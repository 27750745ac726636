"""Audience overlap between accounts, exact, by sparse matrix products."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from kolgraph.errors import InputError

__all__ = ["audience_overlap", "union_size"]


def audience_overlap(
    audience: sp.csr_matrix, nodes: npt.ArrayLike, *, min_shared: int = 1
) -> pd.DataFrame:
    r"""Exact audience overlap among ``nodes``.

    Parameters
    ----------
    audience
        Binary ``n × n`` matrix, ``audience[v, u] = 1`` when ``u`` is in
        ``v``'s audience (see :func:`kolgraph.rank.graph.follower_matrix`).
    nodes
        Node indices to compare (the top-K accounts).
    min_shared
        Leave out pairs sharing fewer audience members.

    Returns
    -------
    pandas.DataFrame
        One row per pair ``a < b`` with ``shared`` (size of the intersection),
        ``jaccard`` and ``overlap`` (overlap coefficient).

    Notes
    -----
    With :math:`S = A_K A_K^\top` (``A_K`` the rows of ``nodes``),
    :math:`|N_a \cap N_b| = S_{ab}` and

    .. math::

        J(a, b) = \frac{S_{ab}}{|N_a| + |N_b| - S_{ab}}, \qquad
        O(a, b) = \frac{S_{ab}}{\min(|N_a|, |N_b|)}.
    """
    idx = np.asarray(nodes, dtype=np.int64)
    if idx.ndim != 1:
        raise InputError("nodes must be a 1-d list of node indices")
    if idx.size and (idx.min() < 0 or idx.max() >= audience.shape[0]):
        raise InputError(f"node indices must lie in [0, {audience.shape[0]})")
    if np.unique(idx).size != idx.size:
        raise InputError("nodes contain duplicates")
    cols = ["a", "b", "shared", "jaccard", "overlap"]
    if idx.size < 2:
        return pd.DataFrame({c: [] for c in cols})
    sub = audience[idx].astype(np.int32)
    sizes = np.diff(sub.indptr).astype(np.int64)
    inter = sp.triu(sub @ sub.T, k=1).tocoo()
    keep = inter.data >= max(min_shared, 1)
    i, j, s = inter.row[keep], inter.col[keep], inter.data[keep].astype(np.int64)
    union = sizes[i] + sizes[j] - s
    a, b = idx[i], idx[j]
    swap = a > b
    a, b = np.where(swap, b, a), np.where(swap, a, b)
    df = pd.DataFrame(
        {
            "a": a,
            "b": b,
            "shared": s,
            "jaccard": s / union,
            "overlap": s / np.minimum(sizes[i], sizes[j]),
        }
    )
    return df.sort_values(["jaccard", "a", "b"], ascending=[False, True, True], ignore_index=True)


def union_size(audience: sp.csr_matrix, nodes: npt.ArrayLike) -> int:
    """Number of distinct audience members of ``nodes`` together."""
    idx = np.asarray(nodes, dtype=np.int64)
    if idx.size == 0:
        return 0
    return int(np.unique(audience[idx].indices).size)
