"""Kept plans side by side (:mod:`kolgraph.plan.compare`), on hand-made kept plans."""

from __future__ import annotations

from typing import Any

import pytest

from kolgraph.errors import InputError, NotFound
from kolgraph.plan.compare import compare_plans, kept_plans, parse_plan_ids
from kolgraph.schemas.compare import PlanComparisonOut
from kolgraph.store import SQLiteStore
from kolgraph.store.base import PlanRecord


def _record(pid: str, keys: list[str], budget: float, spent: float, **more: Any) -> PlanRecord:
    body = {
        "id": pid,
        "budget": budget,
        "spent": spent,
        "objective": "reach",
        "unique_reach": 10 * len(keys),
        "accounts": [{"key": k} for k in keys],
        **more,
    }
    return PlanRecord(pid, None, 1.0, {}, body)


FORECAST = {
    "horizon_days": 14.0,
    "moved_users": {"expected": 12.5, "low": 8.0, "high": 17.0},
}
P1 = _record("pl-1", ["x:a", "x:b", "x:c"], 1000, 900, forecast=FORECAST)
P2 = _record("pl-2", ["x:c", "x:b", "x:d"], 2000, 1500)
P3 = _record("pl-3", ["x:b", "x:e"], 500, 500)


def test_two_plans_side_by_side() -> None:
    c = compare_plans([P1, P2])
    one, two = c.plans
    assert (one.id, one.budget, one.spent, one.accounts, one.unique_reach) == (
        "pl-1", 1000, 900, 3, 30,
    )  # fmt: skip
    assert (one.engaged, one.engaged_low, one.engaged_high, one.horizon_days) == (
        12.5, 8.0, 17.0, 14.0,
    )  # fmt: skip
    assert two.engaged is None and two.engaged_low is None and two.horizon_days is None
    # {a,b,c} and {c,b,d}: b, c shared; union a,b,c,d -> 2/4
    [pair] = c.pairs
    assert (pair.a, pair.b, pair.shared, pair.jaccard) == ("pl-1", "pl-2", 2, 0.5)
    assert c.in_all == ("x:b", "x:c")  # in the first plan's order


def test_three_plans_every_pair() -> None:
    c = compare_plans([P1, P2, P3])
    got = {(p.a, p.b): (p.shared, p.jaccard) for p in c.pairs}
    # P1-P3: {b} of {a,b,c,e} = 1/4; P2-P3: {b} of {b,c,d,e} = 1/4
    assert got == {
        ("pl-1", "pl-2"): (2, 0.5),
        ("pl-1", "pl-3"): (1, 0.25),
        ("pl-2", "pl-3"): (1, 0.25),
    }
    assert c.in_all == ("x:b",)
    out = PlanComparisonOut.from_comparison(c)
    assert [p.id for p in out.plans] == ["pl-1", "pl-2", "pl-3"]
    assert out.plans[2].keys == ["x:b", "x:e"] and out.in_all == ["x:b"]


def test_disjoint_plans_share_nothing() -> None:
    c = compare_plans([P3, _record("pl-4", ["x:z"], 10, 10)])
    assert c.pairs[0].shared == 0 and c.pairs[0].jaccard == 0.0 and c.in_all == ()


def test_ids_are_checked() -> None:
    assert parse_plan_ids(["pl-1,pl-2", " pl-3 "]) == ["pl-1", "pl-2", "pl-3"]
    with pytest.raises(InputError, match="at least 2"):
        parse_plan_ids(["pl-1"])
    with pytest.raises(InputError, match="at most 10"):
        parse_plan_ids([f"pl-{i}" for i in range(11)])
    with pytest.raises(InputError, match="more than once: pl-1"):
        parse_plan_ids(["pl-1", "pl-2", "pl-1"])


def test_unknown_ids_are_named_together(tmp_path: Any) -> None:
    with SQLiteStore(tmp_path / "k.db") as st:
        st.save_plan(P1)
        st.save_plan(P2)
        assert [r.id for r in kept_plans(st, ["pl-2", "pl-1"])] == ["pl-2", "pl-1"]
        with pytest.raises(NotFound) as err:
            kept_plans(st, ["pl-1", "pl-x", "pl-y"])
        assert "'pl-x', 'pl-y'" in str(err.value) and "pl-1" not in str(err.value)
        assert len(st.list_plans()) == 2  # nothing changed


def test_target_frequency_and_cost_per_engaged_side_by_side() -> None:
    rf = {"gross_impressions": 90, "avg_frequency": 1.5, "reach_3_plus": 4}
    a = _record(
        "pl-a", ["x:a"], 1000, 900, forecast=FORECAST, reach_frequency=rf,
        target={"size": 200, "coverage": 0.15},
    )  # fmt: skip
    c = compare_plans([a, P2])
    one, two = c.plans
    assert (one.target_size, one.target_coverage) == (200, 0.15)
    assert (one.gross_impressions, one.avg_frequency, one.reach_3_plus) == (90, 1.5, 4)
    assert one.cost_per_engaged == pytest.approx(900 / 12.5)
    assert two.target_size is None and two.avg_frequency is None and two.cost_per_engaged is None
    doc = PlanComparisonOut.from_comparison(c).model_dump()
    assert doc["plans"][0]["cost_per_engaged"] == 72.0
    assert doc["plans"][0]["target_coverage"] == 0.15
