"""Plan schemas: a planned account's row and the list of kept plans."""

from __future__ import annotations

import pytest

from kolgraph.model import Kind
from kolgraph.plan.planner import PlannedAccount
from kolgraph.schemas.plans import PlannedAccountOut, PlansPage
from kolgraph.store.base import PlanRecord


def _account(cost: float, engaged: float | None) -> PlannedAccount:
    return PlannedAccount(
        key="x:1",
        name="One",
        kind=Kind.KOL,
        phase="explosion",
        day_from=1,
        day_to=3,
        marginal_reach=40,
        audience=50,
        cost=cost,
        cost_estimated=False,
        pagerank=0.01,
        community=2,
        marginal_engaged=engaged,
        warnings=("estimated price",),
    )


@pytest.mark.parametrize(
    ("cost", "engaged", "per"),
    [(100.0, 3.0, 33.3333), (0.0, 2.0, 0.0), (100.0, None, None), (100.0, 0.0, None)],
)
def test_cost_per_engaged_person(cost: float, engaged: float | None, per: float | None) -> None:
    row = PlannedAccountOut.from_account(_account(cost, engaged))
    assert row.cost_per_engaged == per


def test_a_planned_account_row_keeps_its_field_order() -> None:
    doc = PlannedAccountOut.from_account(_account(100.0, 4.0)).model_dump(mode="json")
    assert list(doc)[:6] == ["key", "name", "kind", "phase", "day_from", "day_to"]
    assert list(doc)[-6:] == [
        "marginal_gain",
        "cost_per_engaged",
        "overlap_before",
        "evidence_cascades",
        "evidence_last_days",
        "warnings",
    ]
    assert doc["kind"] == "kol" and doc["warnings"] == ["estimated price"]


def test_kept_plans_are_a_page() -> None:
    body = {"objective": "reach", "budget": 900, "spent": 850.5, "accounts": [{}, {}]}
    records = [
        PlanRecord("pl-2", "run-1", 2.0, {}, body, evaluation={"engaged": 1}),
        PlanRecord("pl-1", None, 1.0, {}, {}),
    ]
    page = PlansPage.from_records(records).model_dump(mode="json")
    assert page["count"] == 2 and [p["id"] for p in page["data"]] == ["pl-2", "pl-1"]
    first, second = page["data"]
    assert first["accounts"] == 2 and first["evaluated"] is True and first["budget"] == 900.0
    assert second == {
        "id": "pl-1",
        "run_id": None,
        "created": 1.0,
        "objective": "",
        "budget": 0.0,
        "spent": 0.0,
        "accounts": 0,
        "evaluated": False,
    }
