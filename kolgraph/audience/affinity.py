r"""Which accounts' audiences over-index on a brand's: affinity with a minimum support.

Let :math:`P` be everyone who is in the audience of at least one account (followers
and engagers, :func:`kolgraph.rank.graph.follower_matrix`), :math:`N_B` the brand's
audience and, for a candidate :math:`c`, :math:`N_c` its audience and
:math:`s_c = |N_c \cap N_B|` the people it shares with the brand. Then

.. math::

    r = \frac{|N_B|}{|P|} \quad\text{(base rate)}, \qquad
    \hat p_c = \frac{s_c}{|N_c|}, \qquad
    \mathrm{affinity}_c = \frac{\hat p_c}{r},

so affinity 2 means the candidate's audience follows the brand twice as often as
the average audience member does. A small audience can reach a high affinity by
chance, so a candidate needs :math:`s_c \ge` ``min_support`` and candidates are
ranked by :math:`\mathrm{affinity}^{-}_c = p^{-}_c / r`, with :math:`p^{-}_c` the
lower end of the Wilson score interval of :math:`\hat p_c` at level ``confidence``:

.. math::

    p^{-} = \frac{\hat p + \frac{z^2}{2n} - z\sqrt{\frac{\hat p(1-\hat p)}{n}
    + \frac{z^2}{4n^2}}}{1 + \frac{z^2}{n}}, \qquad n = |N_c|,\ z = \Phi^{-1}\!\left(
    \tfrac{1 + \mathrm{confidence}}{2}\right).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from kolgraph.arrays import F64
from kolgraph.audience.keys import account_labels, resolve_keys
from kolgraph.errors import InputError
from kolgraph.model import Kind
from kolgraph.rank.sketch.sketches import check_confidence, z_value
from kolgraph.store.base import Store

__all__ = [
    "AffinityReport",
    "AffinityRow",
    "AffinityScores",
    "affinity_scores",
    "brand_affinity",
    "wilson_lower",
]


def wilson_lower(successes: npt.ArrayLike, trials: npt.ArrayLike, *, confidence: float) -> F64:
    """Lower end of the Wilson score interval of ``successes / trials`` (0 where ``trials`` is 0).

    Examples
    --------
    >>> round(float(wilson_lower(5, 10, confidence=0.95)[0]), 4)
    0.2366
    """
    s = np.atleast_1d(np.asarray(successes, dtype=np.float64))
    n = np.atleast_1d(np.asarray(trials, dtype=np.float64))
    z = z_value(check_confidence(confidence))
    safe = np.maximum(n, 1.0)
    p = s / safe
    centre = p + z * z / (2 * safe)
    half = z * np.sqrt(p * (1 - p) / safe + z * z / (4 * safe * safe))
    low: F64 = np.where(n > 0, np.maximum((centre - half) / (1 + z * z / safe), 0.0), 0.0)
    return low


@dataclass(frozen=True)
class AffinityScores:
    """Affinity of candidates to one brand (see the module docstring).

    ``table`` has one row per candidate with at least ``min_support`` shared
    members: ``node``, ``audience`` (:math:`|N_c|`), ``shared`` (:math:`s_c`),
    ``share`` (:math:`\\hat p_c`), ``share_low`` (:math:`p^-_c`), ``affinity``
    and ``affinity_low``, sorted by ``affinity_low``, ``affinity`` (descending),
    then ``node``. ``below_support`` counts the candidates that share at least
    one member but fewer than ``min_support``.
    """

    brand_audience: int
    population: int
    base_rate: float
    table: pd.DataFrame
    below_support: int


def affinity_scores(
    audience: sp.csr_matrix,
    brand: int,
    candidates: npt.ArrayLike,
    *,
    min_support: int = 5,
    confidence: float = 0.95,
) -> AffinityScores:
    """Affinity of each of ``candidates`` to the audience of ``brand``.

    Parameters
    ----------
    audience
        Binary ``n × n`` matrix, ``audience[v, u] = 1`` when ``u`` is in ``v``'s
        audience (:func:`kolgraph.rank.graph.follower_matrix`).
    brand
        Node index of the brand (or competitor).
    candidates
        Node indices to score (the brand itself is left out).
    min_support
        Smallest number of shared members a candidate needs, at least 1.
    confidence
        Level of the Wilson interval, in ``(0, 1)``.

    Returns
    -------
    AffinityScores

    Raises
    ------
    InputError
        ``min_support < 1``, a bad confidence, or a brand with an empty audience
        (the base rate is 0 and affinity undefined).
    """
    if min_support < 1:
        raise InputError(f"min_support must be at least 1, got {min_support}")
    conf = check_confidence(confidence)
    n = audience.shape[0]
    members = audience[brand].indices
    if members.size == 0:
        raise InputError(
            "the brand has no audience in the store (no followers or engagers), "
            "so its affinity is undefined",
            hint="pick the brand's main account, or import its followers first",
        )
    population = int(np.count_nonzero(np.bincount(audience.indices, minlength=audience.shape[1])))
    base = members.size / population
    cand = np.unique(np.asarray(candidates, dtype=np.int64))
    cand = cand[(cand != brand) & (cand >= 0) & (cand < n)]
    mask = np.zeros(audience.shape[1], dtype=np.float64)
    mask[members] = 1.0
    sub = audience[cand]
    shared = np.rint(sub @ mask).astype(np.int64)
    sizes = np.diff(sub.indptr).astype(np.int64)
    keep = shared >= min_support
    below = int(((shared > 0) & ~keep).sum())
    cand, shared, sizes = cand[keep], shared[keep], sizes[keep]
    share = shared / np.maximum(sizes, 1)
    low = wilson_lower(shared, sizes, confidence=conf)
    table = pd.DataFrame(
        {
            "node": cand,
            "audience": sizes,
            "shared": shared,
            "share": share,
            "share_low": low,
            "affinity": share / base,
            "affinity_low": low / base,
        }
    ).sort_values(
        ["affinity_low", "affinity", "node"], ascending=[False, False, True], ignore_index=True
    )
    return AffinityScores(members.size, population, base, table, below)


@dataclass(frozen=True)
class AffinityRow:
    """One candidate: its audience, what it shares with the brand, and its affinity."""

    key: str
    name: str
    kind: str
    cost: float | None
    audience: int
    shared: int
    share: float
    affinity: float
    affinity_low: float


@dataclass(frozen=True)
class AffinityReport:
    """The candidates whose audiences over-index on a brand's, best first."""

    brand: str
    brand_audience: int
    population: int
    base_rate: float
    kinds: list[str]
    min_support: int
    confidence: float
    candidates: int
    below_support: int
    rows: list[AffinityRow]
    note: str


def brand_affinity(
    store: Store,
    brand: str,
    *,
    kinds: Sequence[Kind] = (Kind.KOL,),
    min_support: int = 5,
    confidence: float = 0.95,
    limit: int = 20,
) -> AffinityReport:
    """The accounts of ``kinds`` whose audiences over-index on ``brand``'s, best first.

    Parameters
    ----------
    store
        Any store (no rank run is needed): audiences come from its current edges.
    brand
        Key of the brand's (or a competitor's) account.
    kinds
        Kinds of account to score.
    min_support, confidence
        As :func:`affinity_scores`.
    limit
        Rows returned (``candidates`` counts them all).

    Raises
    ------
    InputError
        An unknown brand (named with the closest key), ``limit < 1``, or as
        :func:`affinity_scores`.
    """
    if limit < 1:
        raise InputError(f"limit must be at least 1, got {limit}")
    if not kinds:
        raise InputError("give at least one kind of account to score")
    from kolgraph.rank.graph import follower_matrix

    node = int(resolve_keys(store, [brand])[0])
    frame = store.accounts_frame()
    wanted = {Kind(k).value for k in kinds}
    cand = np.flatnonzero(frame["kind"].isin(wanted).to_numpy())
    audience = follower_matrix(store.graph_arrays())
    stand_in = ""
    if cand.size == 0 and Kind.KOL.value in wanted:  # as the planner does: biggest stand in
        from kolgraph.settings import get_settings

        users = np.flatnonzero((frame["kind"] == Kind.USER.value).to_numpy())
        size = np.diff(audience.indptr)[users]
        cand = np.sort(users[np.argsort(-size, kind="stable")[: get_settings().auto_kol]])
        stand_in = (
            f"; no account is labelled kol: the {cand.size} accounts with the largest "
            "audiences stand in (label accounts to control this)"
        )
    sc = affinity_scores(
        audience,
        node,
        cand,
        min_support=min_support,
        confidence=confidence,
    )
    top = sc.table.head(limit)
    lab = account_labels(frame, top["node"].to_numpy())
    rows = [
        AffinityRow(k, n, kd, c, int(a), int(s), float(p), float(f), float(lo))
        for k, n, kd, c, a, s, p, f, lo in zip(
            lab.keys,
            lab.names,
            lab.kinds,
            lab.costs,
            top["audience"].to_numpy().tolist(),
            top["shared"].to_numpy().tolist(),
            top["share"].to_numpy().tolist(),
            top["affinity"].to_numpy().tolist(),
            top["affinity_low"].to_numpy().tolist(),
            strict=True,
        )
    ]
    return AffinityReport(
        brand=brand,
        brand_audience=sc.brand_audience,
        population=sc.population,
        base_rate=sc.base_rate,
        kinds=sorted(wanted),
        min_support=min_support,
        confidence=confidence,
        candidates=len(sc.table),
        below_support=sc.below_support,
        rows=rows,
        note=(
            f"affinity = share of the account's audience in {brand}'s audience ÷ base rate "
            f"{sc.base_rate:.4g} ({sc.brand_audience:,} of the {sc.population:,} people in "
            f"anyone's audience); ranked by its lower {confidence:.0%} Wilson bound; "
            f"{sc.below_support:,} account(s) sharing fewer than {min_support} people left out"
            + stand_in
        ),
    )
