r"""Reach and frequency of a set of accounts: how many people, how often, and who only one reaches.

The input is the audience rows of the chosen accounts, a binary ``k × n``
matrix with ``A[j, u] = 1`` when person ``u`` is in account ``j``'s audience
(followers and people who reposted, mentioned or replied to it, as
:func:`kolgraph.rank.graph.follower_matrix` builds it). A person's
*exposures* are how many chosen accounts hold them:

.. math:: e_u = \sum_j A_{ju}

and, over the people ``T`` counted (everyone, or a target mask),

.. math::

    \mathrm{reach} = |\{u \in T : e_u \ge 1\}|, \quad
    \mathrm{gross} = \sum_{u \in T} e_u, \quad
    \mathrm{frequency} = \mathrm{gross} / \mathrm{reach},

reach at ``f+`` is :math:`|\{u \in T : e_u \ge f\}|` and account ``j``'s
exclusive reach is :math:`|\{u \in T : A_{ju} = 1,\ e_u = 1\}|`. One pass over
the stored entries (a sparse column sum), no dense ``k × n`` array.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from kolgraph.errors import InputError

__all__ = ["ReachFrequency", "reach_frequency"]


@dataclass(frozen=True)
class ReachFrequency:
    """Reach, impressions and frequency of a set of accounts.

    Attributes
    ----------
    unique_reach
        People reached at least once.
    gross_impressions
        Summed audience sizes: every exposure counted.
    avg_frequency
        ``gross_impressions / unique_reach`` (0 when nobody is reached).
    reach_1_plus, reach_2_plus, reach_3_plus
        People reached at least 1, 2 and 3 times.
    distribution
        ``distribution[f - 1]`` people reached exactly ``f`` times, ``f = 1..max``.
    exclusive
        Per row of the input, the people only that account reaches.
    over
        ``"audience"`` (everyone) or ``"target"`` (the mask's people only).
    """

    unique_reach: int
    gross_impressions: int
    avg_frequency: float
    reach_1_plus: int
    reach_2_plus: int
    reach_3_plus: int
    distribution: list[int]
    exclusive: list[int]
    over: str = "audience"


def reach_frequency(
    rows: sp.csr_matrix, target: npt.NDArray[np.bool_] | None = None
) -> ReachFrequency:
    """Reach and frequency of the accounts whose audiences are the rows of ``rows``.

    Parameters
    ----------
    rows
        ``k × n`` audience rows (nonzero entries count as members; duplicates
        must be summed, as :func:`~kolgraph.rank.graph.follower_matrix` does).
    target
        Optional boolean mask of length ``n``: count only these people.

    Returns
    -------
    ReachFrequency

    Raises
    ------
    InputError
        If ``target`` does not have one entry per column of ``rows``.

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> rf = reach_frequency(sp.csr_matrix([[1, 1, 0], [0, 1, 1]]))
    >>> rf.unique_reach, rf.gross_impressions, rf.reach_2_plus, rf.exclusive
    (3, 4, 1, [1, 1])
    """
    mat = sp.csr_matrix(rows)
    k, n = mat.shape
    cols = mat.indices[mat.data != 0].astype(np.int64)
    row_of = np.repeat(np.arange(k), np.diff(mat.indptr))[mat.data != 0]
    if target is not None:
        mask = np.asarray(target, dtype=bool)
        if mask.shape != (n,):
            raise InputError(
                f"the target mask has {mask.size} entries but the audience has {n} people"
            )
        inside = mask[cols]
        cols, row_of = cols[inside], row_of[inside]
    exposures = np.bincount(cols, minlength=n)
    gross = int(cols.size)
    per_count = np.bincount(exposures)  # per_count[f]: people reached exactly f times
    at_least = np.cumsum(per_count[::-1])[::-1]  # at_least[f]: reached f times or more

    def plus(f: int) -> int:
        return int(at_least[f]) if f < at_least.size else 0

    reach = plus(1)
    once = exposures[cols] == 1
    exclusive = np.bincount(row_of[once], minlength=k)
    return ReachFrequency(
        unique_reach=reach,
        gross_impressions=gross,
        avg_frequency=round(gross / reach, 4) if reach else 0.0,
        reach_1_plus=reach,
        reach_2_plus=plus(2),
        reach_3_plus=plus(3),
        distribution=[int(c) for c in per_count[1:]],
        exclusive=[int(x) for x in exclusive],
        over="audience" if target is None else "target",
    )
