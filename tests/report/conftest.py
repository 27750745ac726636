"""A small ranked store with kept plans for the report tests, fully known by hand.

Platform ``x``: KOLs ``x:k1`` (cost 300), ``x:k2`` (cost 120, named like a script tag, to
check escaping) and ``x:k3`` (200); media ``x:m1`` (400) and ``x:m2`` (no price, so
estimated); the brand's own ``x:o1`` (free). 48 users ``x:u0..u47`` in two clusters follow
them, each cluster following its neighbours; users ``x:u0..u29`` also follow the rival
brand ``x:rival`` (a user account), whose audience is the curve plan's target.

Kept plans:

* ``curve``: made with a budget curve and a target (``x:rival``'s followers);
* ``plain``: made without a curve, for everyone;
* ``forecast``: the curve plan with a hand-made forecast (a store this small has no
  engagement model), kept under its own id;
* ``gone``: the plain plan with an account the store does not hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from kolgraph.model import Account, Kind
from kolgraph.plan import KindRange, PlanParams
from kolgraph.plan.evaluate import keep_plan, make_and_keep
from kolgraph.rank.job import RankParams, run_rank
from kolgraph.schemas.plans import (
    ForecastOut,
    ForecastValue,
    OverlapOut,
    PlannedAccountOut,
    PlanResponse,
)
from kolgraph.store import SQLiteStore

HOSTILE = "<script>alert(1)</script>"
HOSTILE_KEY = "x:k2"
CURVE = [200.0, 400.0, 600.0, 800.0, 1000.0, 1200.0]

ACCOUNTS = [
    Account("x", "k1", name="Kay One", kind=Kind.KOL, followers=10_000, cost=300.0),
    Account("x", "k2", name=HOSTILE, kind=Kind.KOL, followers=4_000, cost=120.0),
    Account("x", "k3", name="Kay Three", kind=Kind.KOL, followers=2_500, cost=200.0),
    Account("x", "m1", name="Morning Post", kind=Kind.MEDIA, followers=50_000, cost=400.0),
    Account("x", "m2", name="Evening Wire", kind=Kind.MEDIA),
    Account("x", "o1", name="Our Brand", kind=Kind.OWN),
    Account("x", "rival", name="Rival Brand", kind=Kind.USER),
]


def follows() -> list[tuple[str, str]]:
    """Follower → followed edges (see the module docstring)."""
    edges: list[tuple[str, str]] = []
    for i in range(24):
        u = f"x:u{i}"
        edges += [(u, "x:k1"), (u, f"x:u{(i + 1) % 24}")]
        if i % 2 == 0:
            edges.append((u, "x:m1"))
        if i < 12:
            edges.append((u, "x:k2"))
    for i in range(24, 48):
        u = f"x:u{i}"
        edges += [(u, "x:k3"), (u, f"x:u{24 + (i - 23) % 24}")]
        if i % 3 == 0:
            edges.append((u, "x:m2"))
        if i % 2 == 0:
            edges.append((u, "x:o1"))
        if i < 30:
            edges.append((u, "x:k2"))
    edges += [(f"x:u{i}", "x:rival") for i in range(30)]
    return edges


@dataclass(frozen=True)
class ReportWorld:
    """A ranked store on disk and the ids of the plans kept in it."""

    db: Path
    curve: str
    plain: str
    forecast: str
    gone: str


def _mix() -> dict[Kind, KindRange]:
    return {Kind.KOL: KindRange(1, 3), Kind.MEDIA: KindRange(0, 2), Kind.OWN: KindRange(0, 1)}


def build_report_world(db: Path) -> ReportWorld:
    """Fill a new store at ``db`` and keep the four plans (see the module docstring)."""
    st = SQLiteStore(db)
    try:
        st.upsert_accounts(ACCOUNTS)
        edges = follows()
        st.add_follows([s for s, _ in edges], [d for _, d in edges])
        run_rank(st, params=RankParams(overlap_top_k=20))
        params = PlanParams(
            budget=800.0,
            mix=_mix(),
            include=(HOSTILE_KEY,),
            target_followers_of=("x:rival",),
        )
        _, curve = make_and_keep(st, params, curve=CURVE)
        _, plain = make_and_keep(st, PlanParams(budget=700.0, mix=_mix()))
        forecast = curve.model_copy(
            update={
                "id": "pl-forecast01",
                "forecast": ForecastOut(
                    horizon_days=14.0,
                    moved_users=ForecastValue(
                        expected=21.5,
                        low=12.25,
                        high=34.75,
                        interval=0.8,
                        calibrated_on=9,
                        extrapolated=False,
                    ),
                    per_message=ForecastValue(
                        expected=18.0,
                        low=9.5,
                        high=30.0,
                        interval=0.8,
                        calibrated_on=7,
                        extrapolated=True,
                    ),
                    calibration={"points": 40, "horizon_days": [0.5, 9.0], "method": "model"},
                    what="moved_users: distinct people expected to engage (hand-made)",
                ),
            }
        )
        keep_plan(st, forecast.id, forecast.run_id, {}, forecast.model_dump(mode="json"))
        gone = _with_gone_account(plain)
        keep_plan(st, gone.id, gone.run_id, {}, gone.model_dump(mode="json"))
    finally:
        st.close()
    return ReportWorld(db, curve.id, plain.id, forecast.id, gone.id)


def _with_gone_account(doc: PlanResponse) -> PlanResponse:
    """``doc`` under a new id, with an account the store does not hold and its pair kept."""
    first = doc.accounts[0]
    ghost = PlannedAccountOut.model_validate(
        {**first.model_dump(), "key": "x:gone", "name": "Gone Account", "warnings": []}
    )
    pair = OverlapOut(a=first.key, b="x:gone", shared=3, jaccard=0.125)
    return doc.model_copy(
        update={
            "id": "pl-gone0001",
            "accounts": [*doc.accounts, ghost],
            "overlap": [*doc.overlap, pair],
        }
    )


@pytest.fixture(scope="package")
def report_world(tmp_path_factory: pytest.TempPathFactory) -> ReportWorld:
    """The store and its kept plans, shared by the report tests (read-only use only)."""
    return build_report_world(tmp_path_factory.mktemp("report") / "kolgraph.db")
