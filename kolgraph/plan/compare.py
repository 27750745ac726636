"""Kept plans side by side: budget, spend, forecast, reach and the accounts they share.

Works on the plans' stored JSON (:class:`~kolgraph.store.base.PlanRecord` bodies,
the shape of :class:`~kolgraph.schemas.plans.PlanResponse`), so any kept plan can
be compared, however long ago it was made.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from rich.table import Table

from kolgraph.errors import InputError, NotFound
from kolgraph.store.base import PlanRecord, Store

__all__ = [
    "MAX_PLANS",
    "MIN_PLANS",
    "PlanComparison",
    "PlanSide",
    "SharedPair",
    "compare_plans",
    "comparison_tables",
    "kept_plans",
    "parse_plan_ids",
]

#: Fewest and most plans one comparison takes.
MIN_PLANS = 2
MAX_PLANS = 10


@dataclass(frozen=True, slots=True)
class PlanSide:
    """One kept plan's figures, as the comparison shows them.

    ``engaged`` is the forecast's expected engaged (moved) people within
    ``horizon_days``, ``engaged_low``..``engaged_high`` its interval; all four are
    ``None`` for a plan made without an engagement model.
    """

    id: str
    created: float
    objective: str
    budget: float
    spent: float
    accounts: int
    unique_reach: int
    engaged: float | None
    engaged_low: float | None
    engaged_high: float | None
    horizon_days: float | None
    keys: tuple[str, ...]
    #: people in the plan's target and the share of them it reaches (None: not recorded)
    target_size: int | None = None
    target_coverage: float | None = None
    #: over the accounts' whole audience (None on plans kept before it was reported)
    gross_impressions: int | None = None
    avg_frequency: float | None = None
    reach_3_plus: int | None = None

    @property
    def cost_per_engaged(self) -> float | None:
        return self.spent / self.engaged if self.engaged else None


@dataclass(frozen=True, slots=True)
class SharedPair:
    """Accounts two plans have in common.

    ``jaccard`` is :math:`|A \\cap B| / |A \\cup B|` over the two plans' account keys
    (0 when both are empty).
    """

    a: str
    b: str
    shared: int
    jaccard: float


@dataclass(frozen=True, slots=True)
class PlanComparison:
    """Plans side by side (in the order asked), every pair, and the keys in all of them."""

    plans: tuple[PlanSide, ...]
    pairs: tuple[SharedPair, ...]
    in_all: tuple[str, ...]


def parse_plan_ids(ids: Sequence[str]) -> list[str]:
    """Plan ids as given (commas split, blanks dropped), checked for count and repeats.

    Raises
    ------
    InputError
        Fewer than :data:`MIN_PLANS` or more than :data:`MAX_PLANS` ids, or an id twice.
    """
    out = [p.strip() for text in ids for p in text.split(",") if p.strip()]
    if len(out) < MIN_PLANS:
        raise InputError(
            f"a comparison needs at least {MIN_PLANS} plan ids, got {len(out)}",
            hint="list kept plans with `kolgraph plans` and give two or more ids",
        )
    if len(out) > MAX_PLANS:
        raise InputError(
            f"a comparison takes at most {MAX_PLANS} plan ids, got {len(out)}",
            hint="compare fewer plans at a time",
        )
    twice = sorted({p for p in out if out.count(p) > 1})
    if twice:
        raise InputError(
            f"plan id given more than once: {', '.join(twice)}", hint="give each plan once"
        )
    return out


def kept_plans(store: Store, ids: Sequence[str]) -> list[PlanRecord]:
    """The kept plans with these ids, in order (ids checked by :func:`parse_plan_ids`).

    Raises
    ------
    NotFound
        Naming every id that has no kept plan, all at once.
    """
    wanted = parse_plan_ids(ids)
    found: list[PlanRecord] = []
    unknown: list[str] = []
    for pid in wanted:
        try:
            found.append(store.get_plan(pid))
        except NotFound:
            unknown.append(pid)
    if unknown:
        raise NotFound(
            f"no kept plan with id {', '.join(repr(p) for p in unknown)}",
            hint="list kept plans with `kolgraph plans` (GET /v1/plans)",
        )
    return found


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def _side(record: PlanRecord) -> PlanSide:
    body = record.body
    keys = tuple(str(a["key"]) for a in body.get("accounts", []))
    forecast = body.get("forecast") or {}
    moved = forecast.get("moved_users") or {}
    target = body.get("target") or {}
    rf = body.get("reach_frequency") or {}
    return PlanSide(
        id=record.id,
        created=record.created,
        objective=str(body.get("objective", "")),
        budget=float(body.get("budget", 0.0)),
        spent=float(body.get("spent", 0.0)),
        accounts=len(keys),
        unique_reach=int(body.get("unique_reach", 0)),
        engaged=_number(moved.get("expected")),
        engaged_low=_number(moved.get("low")),
        engaged_high=_number(moved.get("high")),
        horizon_days=_number(forecast.get("horizon_days")),
        keys=keys,
        target_size=target.get("size", body.get("target_size")),
        target_coverage=_number(target.get("coverage")),
        gross_impressions=rf.get("gross_impressions"),
        avg_frequency=_number(rf.get("avg_frequency")),
        reach_3_plus=rf.get("reach_3_plus"),
    )


def compare_plans(records: Sequence[PlanRecord]) -> PlanComparison:
    """Kept plans side by side, with the accounts they have in common.

    For plans :math:`P_1..P_n` with account-key sets :math:`A_i`, every pair
    :math:`i < j` gets ``shared`` :math:`= |A_i \\cap A_j|` and
    ``jaccard`` :math:`= |A_i \\cap A_j| / |A_i \\cup A_j|`; ``in_all`` is
    :math:`\\bigcap_i A_i`, in the first plan's order.

    Parameters
    ----------
    records
        Kept plans (e.g. from :func:`kept_plans`), in the order to show them.

    Returns
    -------
    PlanComparison
    """
    sides = tuple(_side(r) for r in records)
    sets = {s.id: set(s.keys) for s in sides}
    pairs = []
    for a, b in combinations(sides, 2):
        inter = len(sets[a.id] & sets[b.id])
        union = len(sets[a.id] | sets[b.id])
        pairs.append(SharedPair(a.id, b.id, inter, round(inter / union, 6) if union else 0.0))
    common = set.intersection(*sets.values()) if sides else set()
    in_all = tuple(k for k in sides[0].keys if k in common) if sides else ()
    return PlanComparison(plans=sides, pairs=tuple(pairs), in_all=in_all)


def _interval(p: PlanSide) -> str:
    if p.engaged is None or p.engaged_low is None or p.engaged_high is None:
        return "-"
    return f"{p.engaged:,.1f} ({p.engaged_low:,.1f}-{p.engaged_high:,.1f})"


def _opt(x: float | None, fmt: str) -> str:
    return "-" if x is None else fmt.format(x)


def _target(p: PlanSide) -> str:
    if p.target_size is None:
        return "-"
    cov = "" if p.target_coverage is None else f" ({p.target_coverage:.1%})"
    return f"{p.target_size:,}{cov}"


def comparison_tables(c: PlanComparison) -> list[Table]:
    """The comparison as terminal tables: one column per plan, then the shared accounts."""
    side = Table(title=f"{len(c.plans)} kept plans side by side")
    side.add_column("")
    for p in c.plans:
        side.add_column(p.id, justify="right")
    rows: list[tuple[str, list[str]]] = [
        ("objective", [p.objective for p in c.plans]),
        ("budget", [f"{p.budget:,.0f}" for p in c.plans]),
        ("spent", [f"{p.spent:,.0f}" for p in c.plans]),
        ("accounts", [str(p.accounts) for p in c.plans]),
        ("unique reach", [f"{p.unique_reach:,}" for p in c.plans]),
        ("target (coverage)", [_target(p) for p in c.plans]),
        ("impressions", [_opt(p.gross_impressions, "{:,}") for p in c.plans]),
        ("average frequency", [_opt(p.avg_frequency, "{:.2f}") for p in c.plans]),
        ("reached 3+ times", [_opt(p.reach_3_plus, "{:,}") for p in c.plans]),
        ("engaged (80% interval)", [_interval(p) for p in c.plans]),
        ("cost per engaged", [_opt(p.cost_per_engaged, "{:,.2f}") for p in c.plans]),
        (
            "horizon (days)",
            ["-" if p.horizon_days is None else f"{p.horizon_days:g}" for p in c.plans],
        ),
    ]
    for label, cells in rows:
        side.add_row(label, *cells)
    pairs = Table(title="accounts in common")
    for col in ("plan a", "plan b", "shared", "jaccard"):
        pairs.add_column(col, justify="right" if col in {"shared", "jaccard"} else "left")
    for x in c.pairs:
        pairs.add_row(x.a, x.b, str(x.shared), f"{x.jaccard:.3f}")
    pairs.caption = f"in all {len(c.plans)} plans: " + (", ".join(c.in_all) or "none")
    return [side, pairs]
