r"""Exact audience overlap of any set of 2 to :data:`MAX_KEYS` accounts.

For accounts :math:`1..m` with audiences :math:`N_i` (followers and engagers, see
:func:`kolgraph.rank.graph.follower_matrix`):

.. math::

    s_{ab} = |N_a \cap N_b|, \qquad
    J_{ab} = \frac{s_{ab}}{|N_a| + |N_b| - s_{ab}}, \qquad
    o_{ab} = \frac{s_{ab}}{\min(|N_a|, |N_b|)},

the union :math:`U = |\bigcup_i N_i|` (the set's unique audience) and each account's
exclusive audience :math:`E_i = |N_i \setminus \bigcup_{j \ne i} N_j|` (people only it
reaches among the set). Everything is counted exactly from the store's current edges.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from kolgraph.arrays import I64
from kolgraph.audience.keys import account_labels, resolve_keys
from kolgraph.errors import InputError
from kolgraph.rank.graph import audience_rows
from kolgraph.store.base import Store

__all__ = [
    "MAX_KEYS",
    "AccountAudience",
    "OverlapCounts",
    "OverlapReport",
    "PairShare",
    "overlap_counts",
    "set_overlap",
]

#: Most accounts one overlap compares (4,950 pairs).
MAX_KEYS = 100


@dataclass(frozen=True)
class OverlapCounts:
    """Exact counts over the rows of an audience matrix (see the module docstring).

    ``sizes[i] = |N_i|``, ``exclusive[i] = E_i``, ``shared[a, b] = s_ab`` (the
    diagonal holds the sizes), ``union = U``.
    """

    sizes: I64
    exclusive: I64
    shared: I64
    union: int


def overlap_counts(audience: sp.csr_matrix) -> OverlapCounts:
    """Sizes, exclusive audiences, the pairwise shared counts and the union of the rows.

    Parameters
    ----------
    audience
        A 0/1 sparse matrix, one row per account, one column per person
        (e.g. :func:`kolgraph.rank.graph.audience_rows`).

    Returns
    -------
    OverlapCounts
        ``shared = A A^T`` (dense, ``m × m``); a member counts as exclusive to
        row ``i`` when its column holds exactly one nonzero, in row ``i``.

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> c = overlap_counts(sp.csr_matrix([[1, 1, 0, 0], [0, 1, 1, 1]]))
    >>> c.sizes.tolist(), c.exclusive.tolist(), int(c.shared[0, 1]), c.union
    ([2, 3], [1, 2], 1, 4)
    """
    mat = sp.csr_matrix(audience, dtype=np.int64)
    mat.sum_duplicates()
    mat.data[:] = 1
    sizes = np.diff(mat.indptr).astype(np.int64)
    per_member = np.bincount(mat.indices, minlength=mat.shape[1])
    alone = (per_member[mat.indices] == 1).astype(np.int64)
    row = np.repeat(np.arange(mat.shape[0]), sizes)
    exclusive = np.bincount(row, weights=alone, minlength=mat.shape[0]).astype(np.int64)
    shared = np.asarray((mat @ mat.T).toarray(), dtype=np.int64)
    return OverlapCounts(sizes, exclusive, shared, int((per_member > 0).sum()))


@dataclass(frozen=True)
class AccountAudience:
    """One account of the set: its audience, exclusive audience and their ratio."""

    key: str
    name: str
    kind: str
    audience: int
    exclusive: int

    @property
    def exclusive_share(self) -> float:
        """Share of its audience that no other account of the set reaches."""
        return self.exclusive / self.audience if self.audience else 0.0


@dataclass(frozen=True)
class PairShare:
    """Overlap of two accounts of the set (``a`` before ``b`` in the given order)."""

    a: str
    b: str
    shared: int
    jaccard: float
    share_of_smaller: float


@dataclass(frozen=True)
class OverlapReport:
    """Exact overlap of a set of accounts (see the module docstring).

    ``pairs`` has one entry per pair, in the order the keys were given;
    ``unique_audience`` is the union, ``summed_audience`` the sum of the sizes.
    """

    keys: list[str]
    accounts: list[AccountAudience]
    pairs: list[PairShare]
    unique_audience: int
    summed_audience: int
    note: str

    @property
    def duplication_rate(self) -> float:
        """Share of the summed audiences that is counted more than once."""
        if not self.summed_audience:
            return 0.0
        return 1.0 - self.unique_audience / self.summed_audience


def set_overlap(store: Store, keys: Sequence[str], *, max_keys: int = MAX_KEYS) -> OverlapReport:
    """Exact overlap of ``keys`` over the store's current edges.

    Parameters
    ----------
    store
        Any store (no rank run is needed).
    keys
        Account keys; repeated keys are dropped, order kept.
    max_keys
        At most this many distinct keys.

    Returns
    -------
    OverlapReport

    Raises
    ------
    InputError
        Fewer than 2 or more than ``max_keys`` distinct keys, or unknown keys
        (all named, each with the closest stored key). Nothing is written.
    """
    keys = list(dict.fromkeys(k.strip() for k in keys if k.strip()))
    if len(keys) < 2:
        raise InputError(
            f"give at least 2 distinct account keys to compare, got {len(keys)}",
            hint="e.g. kolgraph overlap x:1 x:2 x:3",
        )
    if len(keys) > max_keys:
        raise InputError(
            f"at most {max_keys} accounts per overlap, got {len(keys)}",
            hint="split the list, or compare the accounts that matter most",
        )
    idx = resolve_keys(store, keys)
    counts = overlap_counts(audience_rows(store.graph_arrays(), idx))
    lab = account_labels(store.accounts_frame(), idx)
    accounts = [
        AccountAudience(k, n, kd, int(s), int(e))
        for k, n, kd, s, e in zip(
            keys,
            lab.names,
            lab.kinds,
            counts.sizes.tolist(),
            counts.exclusive.tolist(),
            strict=True,
        )
    ]
    pairs = []
    for a in range(len(keys)):
        for b in range(a + 1, len(keys)):
            s = int(counts.shared[a, b])
            sa, sb = int(counts.sizes[a]), int(counts.sizes[b])
            union = sa + sb - s
            small = min(sa, sb)
            pairs.append(
                PairShare(
                    keys[a], keys[b], s, s / union if union else 0.0, s / small if small else 0.0
                )
            )
    return OverlapReport(
        keys=keys,
        accounts=accounts,
        pairs=pairs,
        unique_audience=counts.union,
        summed_audience=int(counts.sizes.sum()),
        note="counted exactly from the store's current edges; an audience is an account's "
        "followers and the people who reposted, mentioned or replied to it, as a plan counts",
    )
