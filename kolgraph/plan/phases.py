"""Phases of the topic life cycle, given to planned accounts by when they tend to act.

Phases
------
Each chosen account gets a phase of the topic life cycle (:data:`PHASES`) from
*when it tends to act*, not from its kind alone:

1. Order the chosen accounts from earliest to latest actor. With the run's
   engagement model the order is the measured share of an account's cascade
   adoptions that came early (``v_early_share``, high = early), ties broken by
   its tail (``v_tail``: later adopters after it, more = earlier), PageRank and
   kind. Accounts the model never saw in a cascade have no timing: own
   accounts go first (the brand posts first), others take the median measured
   share. Without a model the order is kind (own first), then PageRank
   (high = early).
2. The latest-acting quarter of the plan (``len // 4``: at least one account
   once the plan has four, two once it has eight) is the **flattening**; own
   accounts there sustain the topic.
3. Other own accounts open the campaign: **origin**.
4. Of the remaining accounts the earliest-acting ``top_kol_share`` (at least
   one) carry the **explosion**, the rest the **mass spread**.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt

from kolgraph.model import Kind

if TYPE_CHECKING:
    from kolgraph.plan.backtest import LearnedPlanner

__all__ = ["PHASES", "Phase", "assign_phases", "timing"]

Phase = Literal["origin", "explosion", "mass_spread", "flattening"]

#: The topic life cycle: phase → (first day, last day, what happens).
PHASES: dict[str, tuple[int, int, str]] = {
    "origin": (0, 1, "own accounts publish the message: origin exposure"),
    "explosion": (1, 3, "the earliest-acting KOLs and media amplify it: the topic explodes"),
    "mass_spread": (3, 7, "accounts that act mid-cascade carry it to the mass audience"),
    "flattening": (
        7,
        14,
        "interest flattens; the latest-acting accounts keep it alive, own accounts sustain "
        "and convert",
    ),
}


def timing(
    learned: LearnedPlanner | None, chosen: npt.NDArray[np.int64], n: int
) -> tuple[npt.NDArray[np.float64] | None, str]:
    """How early each chosen account tends to act, measured by the engagement model.

    Returns
    -------
    timing
        ``len(chosen) × 2``: the share of the account's cascade adoptions that
        came early (``v_early_share``) and ``v_tail`` (log of the mean later
        adopters after it); NaN rows for accounts the model never saw in a
        cascade. ``None`` without a usable model.
    note
        One line for the plan's notes saying what the phases rest on.
    """
    fallback = "phases from kind and PageRank (own accounts open, high PageRank acts early): "
    if learned is None:
        return None, fallback + "the run has no engagement model to time accounts by"
    from kolgraph.plan.engagement import ACCOUNT_FEATURES

    x = learned.evidence.account_x
    if x.ndim != 2 or x.shape != (n, len(ACCOUNT_FEATURES)):
        return None, fallback + "the engagement model was learned on other accounts"
    cols = np.array([ACCOUNT_FEATURES.index(c) for c in ("v_early_share", "v_tail")])
    timing = x[np.ix_(chosen, cols)].astype(np.float64)
    measured = x[chosen, ACCOUNT_FEATURES.index("v_cascades")] > 0
    timing[~measured] = np.nan
    k = int(measured.sum())
    rest = "" if k == chosen.size else ", the rest by kind and PageRank"
    return timing, (
        f"phases from measured timing: {k} of {chosen.size} accounts ordered by how early "
        f"they acted in past cascades{rest}"
    )


def assign_phases(
    kinds: npt.NDArray[Any],
    pagerank: npt.NDArray[np.float64],
    timing: npt.NDArray[np.float64] | None,
    *,
    top_share: float,
) -> list[Phase]:
    """Phase of each chosen account from its timing, kind and PageRank (module notes).

    Parameters
    ----------
    kinds, pagerank
        Kind value and PageRank of each chosen account.
    timing
        From :func:`timing` (``None``: no model, order by kind and PageRank).
    top_share
        Share of the accounts outside origin and flattening that carry the
        explosion (at least one).

    Returns
    -------
    list of str
        One phase per account, in the order given.

    Examples
    --------
    >>> kinds = np.array(["own", "kol", "kol", "media"], dtype=object)
    >>> assign_phases(kinds, np.array([0.1, 0.4, 0.3, 0.2]), None, top_share=0.2)
    ['origin', 'explosion', 'mass_spread', 'flattening']
    """
    m = int(kinds.size)
    own = kinds == Kind.OWN.value
    if timing is None:
        timing = np.full((m, 2), np.nan)
    early, tail = timing[:, 0], np.nan_to_num(timing[:, 1], nan=0.0)
    measured = ~np.isnan(early)
    typical = float(np.median(early[measured])) if measured.any() else 0.0
    score = np.where(measured, early, np.where(own, np.inf, typical))
    kind_rank = np.select([own, kinds == Kind.KOL.value], [0, 1], 2)
    order = np.lexsort((kind_rank, -pagerank, -tail, -score))  # earliest actor first
    phase = np.full(m, "mass_spread", dtype=object)
    n_late = m // 4
    phase[order[m - n_late :]] = "flattening"
    rest = order[: m - n_late]
    phase[rest[own[rest]]] = "origin"
    spread = rest[~own[rest]]
    n_explosion = min(spread.size, max(1, math.ceil(top_share * spread.size - 1e-9)))
    phase[spread[:n_explosion]] = "explosion"
    out: list[Phase] = phase.tolist()
    return out
