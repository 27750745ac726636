r"""Where a topic is, where it is heading, whom those communities listen to, and how fast.

Pure functions of arrays behind :func:`~kolgraph.listen.respond.response_plan`:

* :func:`reached_communities`: adopters per community of the rank run;
* :func:`frontier_scores`: the communities the recent adopters' audiences reach into
  that the topic has not (or barely) reached yet;
* :func:`trusted`: which accounts a set of communities listens to;
* :class:`AdoptionCurve`: the share of a cascade's later adoptions that come within
  :math:`t` hours of its first, measured on the store's cascades (or the default
  calendar's shape without them).

Accounts are dense indices ``0..n-1``; ``community[i]`` is the run's community of
account ``i``, ``-1`` when it has none.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from kolgraph.plan.cascades import Cascades
from kolgraph.plan.schedule import MIN_ADOPTERS, MIN_CASCADES

__all__ = [
    "BARELY_SHARE",
    "DEFAULT_CURVE",
    "FRONTIER_TOP",
    "MIN_FRONTIER_EDGES",
    "MIN_LIFT",
    "TRUST_SHARE",
    "AdoptionCurve",
    "frontier_scores",
    "reached_communities",
    "trusted",
]

#: A community where at most this share of the members adopted is "barely" reached:
#: it can still be on the frontier.
BARELY_SHARE = 0.01
#: Frontier communities need at least this many audience edges from recent adopters.
MIN_FRONTIER_EDGES = 2
#: A frontier community draws at least this many times its share of the edges into
#: the communities not reached yet (1: at least its share by size).
MIN_LIFT = 1.0
#: At most this many frontier communities, highest score first.
FRONTIER_TOP = 5
#: A KOL or partner outside the target communities is trusted there when at least this
#: share of its audience belongs to them.
TRUST_SHARE = 0.5
#: The default calendar's milestones (hours, share of a cascade's adopters): 10% after a
#: day, 50% after three, 90% after a week, all of it after two weeks
#: (:func:`~kolgraph.plan.schedule.calendar_from_hours` of the default calendar).
DEFAULT_CURVE = ((0.0, 0.0), (24.0, 0.1), (72.0, 0.5), (168.0, 0.9), (336.0, 1.0))

IntArray = npt.NDArray[np.int64]


def reached_communities(community: npt.ArrayLike, adopters: npt.ArrayLike) -> dict[int, int]:
    """Adopters per community: ``{community: adopters}``, most adopters first.

    Adopters without a community (``-1``) are not counted; each adopter counts once.

    Examples
    --------
    >>> reached_communities([0, 0, 1, -1, 2], [0, 1, 2, 3, 1])
    {0: 2, 1: 1}
    """
    comm = np.asarray(community, dtype=np.int64)
    idx = np.unique(np.asarray(adopters, dtype=np.int64))
    c = comm[idx]
    c = c[c >= 0]
    if c.size == 0:
        return {}
    ids, counts = np.unique(c, return_counts=True)
    order = np.lexsort((ids, -counts))
    return {int(ids[k]): int(counts[k]) for k in order}


def frontier_scores(
    audience: sp.csr_matrix,
    community: npt.ArrayLike,
    recent: npt.ArrayLike,
    *,
    adopters: npt.ArrayLike = (),
    barely_share: float = BARELY_SHARE,
    min_edges: int = MIN_FRONTIER_EDGES,
    min_lift: float = MIN_LIFT,
    top: int = FRONTIER_TOP,
) -> dict[int, float]:
    r"""Communities the recent adopters' audiences reach into, not (or barely) reached yet.

    Parameters
    ----------
    audience
        ``n × n`` 0/1 matrix, row ``v`` = the audience of ``v`` (its followers and
        engagers: :func:`~kolgraph.rank.graph.follower_matrix`).
    community
        Community of each account (``-1``: none).
    recent
        The recent adopters: where the topic is heading.
    adopters
        Every adopter (``recent`` included or not): their own community counts say how
        far each community is reached, and they are not counted as audience.
    barely_share
        A community whose adopters are at most this share of its members can be on
        the frontier (0: only communities without any adopter).
    min_edges
        Audience edges from recent adopters a frontier community needs at least.
    min_lift
        A frontier community draws at least this many times the edges its size would
        draw among the communities not reached yet (see Notes).
    top
        At most this many communities are returned.

    Returns
    -------
    dict
        ``{community: score}``, highest score first (ties: lower id first).

    Notes
    -----
    With :math:`R` the recent adopters, :math:`A` all adopters, :math:`N(v)` the
    audience of :math:`v`, :math:`M_c` the members of community :math:`c` and
    :math:`a_c = |A \cap M_c|`, the edges from recent adopters into :math:`c` are

    .. math:: E_c = \sum_{v \in R} |(N(v) \setminus A) \cap M_c|

    (a person in the audience of two recent adopters counts twice: two ways in), and

    .. math:: \mathrm{score}_c = \frac{E_c}{|M_c|}

    the edges per member: how much of the community the recent audiences touch,
    so a small community entered by many edges scores above a large one entered by
    as many. The candidates are the communities not (or barely) reached,
    :math:`U = \{c : a_c \le \text{barely\_share}\,|M_c|\}`; among them the topic heads
    for those that draw more than their share of the edges,

    .. math:: \mathrm{lift}_c = \frac{E_c / \sum_{d \in U} E_d}{|M_c| / \sum_{d \in U} |M_d|}
              \ge \text{min\_lift}, \qquad E_c \ge \text{min\_edges}

    (with ``min_lift`` 1 the best candidate always qualifies: the highest lift is at
    least 1). The ``top`` highest scores are kept.

    Examples
    --------
    >>> A = sp.csr_matrix(np.array([[0, 1, 1, 1], [0, 0, 0, 0],
    ...                             [0, 0, 0, 0], [0, 0, 0, 0]]))
    >>> frontier_scores(A, [0, 0, 1, 1], [0], adopters=[0], min_edges=1)
    {1: 1.0}
    """
    comm = np.asarray(community, dtype=np.int64)
    n = comm.size
    if audience.shape != (n, n):
        raise ValueError(f"audience is {audience.shape}, community has {n} accounts")
    rec = np.unique(np.asarray(recent, dtype=np.int64))
    adopted = np.zeros(n, dtype=bool)
    adopted[np.asarray(adopters, dtype=np.int64)] = True
    adopted[rec] = True
    has = comm >= 0
    if rec.size == 0 or not has.any() or top < 1:
        return {}
    n_comm = int(comm[has].max()) + 1
    size = np.bincount(comm[has], minlength=n_comm)
    reached = np.bincount(comm[has & adopted], minlength=n_comm)
    rows = audience[rec]
    people = rows.indices.astype(np.int64)  # one entry per (recent adopter, audience member)
    people = people[~adopted[people] & has[people]]
    edges = np.bincount(comm[people], minlength=n_comm)
    open_ = (reached <= barely_share * size) & (size > 0)
    e_open, m_open = float(edges[open_].sum()), float(size[open_].sum())
    if e_open == 0:
        return {}
    lift = np.divide(edges * m_open, size * e_open, out=np.zeros(n_comm), where=size > 0)
    ok = open_ & (edges >= max(1, min_edges)) & (lift >= min_lift - 1e-12)
    ids = np.flatnonzero(ok)
    score = edges[ids] / size[ids]
    order = np.lexsort((ids, -score))[:top]
    return {int(ids[k]): float(score[k]) for k in order}


def trusted(
    audience: sp.csr_matrix,
    community: npt.ArrayLike,
    accounts: npt.ArrayLike,
    targets: npt.ArrayLike,
    *,
    min_share: float = TRUST_SHARE,
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.float64]]:
    r"""Which of ``accounts`` the communities ``targets`` listen to, and why.

    Returns
    -------
    trusted, share
        Per account (in the order given): whether it is trusted, and the share of its
        audience that belongs to the target communities (0 for an empty audience).

    Notes
    -----
    With :math:`T` the target communities, account :math:`v` is trusted when it is a
    member of one of them or when most of its audience is:

    .. math:: c(v) \in T \;\vee\; \frac{|N(v) \cap M_T|}{|N(v)|} \ge \text{min\_share}

    with :math:`M_T` the members of the communities of :math:`T`: its voice is
    heard inside them, not bought across.

    Examples
    --------
    >>> A = sp.csr_matrix(np.array([[0, 1, 1, 0], [0, 0, 0, 1],
    ...                             [0, 0, 0, 0], [0, 0, 0, 0]]))
    >>> ok, share = trusted(A, [2, 1, 0, 1], [0, 1], [0])
    >>> ok.tolist(), share.tolist()
    ([True, False], [0.5, 0.0])
    """
    comm = np.asarray(community, dtype=np.int64)
    idx = np.asarray(accounts, dtype=np.int64)
    member = np.isin(comm, np.asarray(targets, dtype=np.int64)) & (comm >= 0)
    rows = audience[idx]
    inside = rows @ member.astype(np.float64)
    total = np.diff(rows.indptr).astype(np.float64)
    share = np.divide(inside, total, out=np.zeros(idx.size), where=total > 0)
    ok: npt.NDArray[np.bool_] = member[idx] | (share >= min_share)
    return ok, share.astype(np.float64)


@dataclass(frozen=True)
class AdoptionCurve:
    r"""The share :math:`F(t)` of a cascade's later adoptions within :math:`t` hours of its first.

    ``basis`` is ``"cascades"`` when measured (:meth:`of_cascades`): with :math:`K`
    cascades of at least ``min_adopters`` adopters, cascade :math:`c` having
    :math:`m_c` later adopters at delays :math:`d_{c,i}` after its first adoption,

    .. math:: F(t) = \frac{1}{K} \sum_c \frac{|\{i : d_{c,i} \le t\}|}{m_c}

    (each cascade weighs the same, as the phase calendar's medians do), a step
    function kept as its sorted delays ``hours`` and the values ``share`` there.
    ``"default"`` when there were too few cascades: straight lines through the
    default calendar's milestones (:data:`DEFAULT_CURVE`).
    """

    basis: Literal["cascades", "default"]
    hours: npt.NDArray[np.float64]
    share: npt.NDArray[np.float64]
    cascades: int = 0

    @classmethod
    def default(cls, cascades: int = 0) -> AdoptionCurve:
        """The default calendar's shape (10% of adopters after a day, 90% after a week)."""
        x, y = zip(*DEFAULT_CURVE, strict=True)
        return cls("default", np.array(x, np.float64), np.array(y, np.float64), cascades)

    @classmethod
    def of_cascades(
        cls,
        cascades: Cascades | None,
        *,
        min_adopters: int = MIN_ADOPTERS,
        min_cascades: int = MIN_CASCADES,
    ) -> AdoptionCurve:
        """Measured on ``cascades`` (module notes), or the default with fewer than
        ``min_cascades`` of at least ``min_adopters`` adopters (the phase calendar's rule)."""
        if cascades is None or cascades.n_cascades == 0:
            return cls.default()
        sizes = cascades.sizes
        keep = sizes >= max(2, min_adopters)
        k = int(keep.sum())
        if k < min_cascades:
            return cls.default(k)
        cid = cascades.cascade_of
        pos = cascades.position
        later = keep[cid] & (pos > 0)
        first = cascades.ts[cascades.offsets[:-1]]
        delay = (cascades.ts[later] - first[cid[later]]) / 3600.0
        weight = 1.0 / ((sizes[cid[later]] - 1) * k)
        order = np.argsort(delay, kind="stable")
        hours = delay[order]
        cum = np.cumsum(weight[order])
        last = np.r_[hours[1:] != hours[:-1], True]  # F at each distinct delay
        return cls("cascades", hours[last], np.minimum(cum[last], 1.0), k)

    def at(self, hours: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """:math:`F` at ``hours`` (0 before the first adoption)."""
        t = np.asarray(hours, dtype=np.float64)
        if self.basis == "default":
            out: npt.NDArray[np.float64] = np.interp(
                t, self.hours, self.share, left=0.0, right=float(self.share[-1])
            )
            return out
        pos = np.searchsorted(self.hours, t, side="right") - 1
        return np.where(pos >= 0, self.share[np.maximum(pos, 0)], 0.0)

    def share_within(
        self,
        within_hours: float,
        horizon_hours: float,
        *,
        offsets: npt.ArrayLike = (0.0,),
        weights: npt.ArrayLike | None = None,
    ) -> float:
        r"""Share of what posts at ``offsets`` move by ``horizon_hours`` that comes by
        ``within_hours``.

        .. math:: s = \min\Bigl(1, \frac{\sum_a w_a F(W - o_a)}{F(H) \sum_a w_a}\Bigr)

        with :math:`W` = ``within_hours``, :math:`H` = ``horizon_hours``, :math:`o_a`
        the hours after the start at which account :math:`a` posts and :math:`w_a`
        its weight (equal weights by default; all-zero weights count as equal).
        """
        o = np.asarray(offsets, dtype=np.float64)
        w = np.ones(o.size) if weights is None else np.asarray(weights, dtype=np.float64)
        if o.size == 0:
            return 0.0
        if not w.sum() > 0:
            w = np.ones(o.size)
        full = float(self.at(horizon_hours))
        if not full > 0:
            return 0.0
        inside = float(np.dot(w, self.at(within_hours - o)) / w.sum())
        return min(1.0, inside / full) if math.isfinite(inside) else 0.0
