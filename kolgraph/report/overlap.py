"""The account × account Jaccard matrix of a kept plan, for its report and its workbook.

The matrix is counted exactly from the store's current edges
(:func:`~kolgraph.audience.overlap.set_overlap`) when every planned account is still in
the store and there are at most :data:`~kolgraph.audience.overlap.MAX_KEYS` of them.
Otherwise it falls back to the pairs kept with the plan (its largest overlaps, see
:data:`~kolgraph.schemas.plans.MAX_OVERLAP_PAIRS`), leaves the other pairs blank and says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kolgraph.audience.overlap import MAX_KEYS, OverlapReport, set_overlap
from kolgraph.schemas.plans import PlanResponse
from kolgraph.store.base import Store

__all__ = ["JaccardMatrix", "PlanOverlap", "jaccard_matrix", "plan_overlap"]


@dataclass(frozen=True)
class PlanOverlap:
    """The exact overlap of a plan's accounts, or why there is none.

    ``heat`` is None when the plan has fewer than 2 or more than
    :data:`~kolgraph.audience.overlap.MAX_KEYS` accounts, or when some of its
    accounts (``missing``) are no longer in the store.
    """

    heat: OverlapReport | None
    missing: list[str]


@dataclass(frozen=True)
class JaccardMatrix:
    """Jaccard and shared audience of every pair of a plan's accounts.

    ``jaccard[i][j]`` and ``shared[i][j]`` are None where the pair is not known (the
    fallback to the kept pairs); the diagonal holds Jaccard 1 and, when ``exact``,
    the account's audience under ``shared``.
    """

    keys: list[str]
    names: list[str]
    jaccard: list[list[float | None]]
    shared: list[list[int | None]]
    exact: bool
    note: str

    def pairs(self) -> list[tuple[str, str, int, float]]:
        """The known pairs ``(a, b, shared, jaccard)``, ``a`` before ``b`` in plan order."""
        found = []
        for i, a in enumerate(self.keys):
            for j in range(i + 1, len(self.keys)):
                jac, sh = self.jaccard[i][j], self.shared[i][j]
                if jac is not None and sh is not None:
                    found.append((a, self.keys[j], sh, jac))
        return found


def plan_overlap(store: Store, doc: PlanResponse) -> PlanOverlap:
    """The exact overlap of the plan's accounts over the store's current edges.

    Parameters
    ----------
    store
        The store the plan was kept in (no rank run is needed).
    doc
        The kept plan.

    Returns
    -------
    PlanOverlap
        With ``heat`` None (and the keys no longer stored under ``missing``) when
        the overlap cannot be counted exactly; nothing is raised for that.
    """
    keys = list(dict.fromkeys(a.key for a in doc.accounts))
    if not 2 <= len(keys) <= MAX_KEYS:
        return PlanOverlap(None, [])
    idx = store.keys_to_index(keys)
    missing = [k for k, i in zip(keys, idx.tolist(), strict=True) if i < 0]
    if missing:
        return PlanOverlap(None, missing)
    return PlanOverlap(set_overlap(store, keys), [])


def _listed(keys: Sequence[str], at_most: int = 5) -> str:
    shown = ", ".join(keys[:at_most])
    return shown + (f" and {len(keys) - at_most} more" if len(keys) > at_most else "")


def jaccard_matrix(
    doc: PlanResponse, heat: OverlapReport | None, *, missing: Sequence[str] = ()
) -> JaccardMatrix:
    """The plan's Jaccard matrix: from ``heat`` when given, else from the kept pairs.

    Parameters
    ----------
    doc
        The kept plan.
    heat
        Its exact overlap (:func:`plan_overlap`), or None.
    missing
        Keys of the plan no longer in the store (said in the note).

    Returns
    -------
    JaccardMatrix
        Over the plan's accounts in plan order, with a note saying where the
        numbers come from.
    """
    keys = list(dict.fromkeys(a.key for a in doc.accounts))
    names_of = {a.key: a.name for a in doc.accounts}
    at = {k: i for i, k in enumerate(keys)}
    n = len(keys)
    jac: list[list[float | None]] = [[None] * n for _ in range(n)]
    shared: list[list[int | None]] = [[None] * n for _ in range(n)]
    for i in range(n):
        jac[i][i] = 1.0
    usable = heat is not None and [a.key for a in heat.accounts] == keys
    if heat is not None and usable:
        for i, acc in enumerate(heat.accounts):
            shared[i][i] = acc.audience
        for p in heat.pairs:
            i, j = at[p.a], at[p.b]
            jac[i][j] = jac[j][i] = p.jaccard
            shared[i][j] = shared[j][i] = p.shared
        note = (
            f"Jaccard of every pair of the plan's {n} accounts: shared audience over "
            f"combined audience, {heat.note}."
        )
        return JaccardMatrix(keys, [names_of[k] for k in keys], jac, shared, True, note)
    kept = 0
    for pair in doc.overlap:
        if pair.a in at and pair.b in at and pair.a != pair.b:
            i, j = at[pair.a], at[pair.b]
            jac[i][j] = jac[j][i] = pair.jaccard
            shared[i][j] = shared[j][i] = pair.shared
            kept += 1
    if n < 2:
        note = "The plan has fewer than two accounts: there is no overlap to show."
    else:
        if missing:
            why = (
                f"{len(missing)} of the plan's accounts {'is' if len(missing) == 1 else 'are'} "
                "no longer in the store "
                f"({_listed(list(missing))}), so the overlap cannot be counted again"
            )
        elif n > MAX_KEYS:
            why = f"the plan has {n} accounts, more than the {MAX_KEYS} an exact overlap compares"
        else:
            why = "the overlap was not counted again from the store"
        note = (
            f"Shown from the {kept} pairs kept with the plan (its largest overlaps): {why}; "
            "the other pairs are left blank."
        )
    return JaccardMatrix(keys, [names_of[k] for k in keys], jac, shared, False, note)
