"""The plan table: warnings column and the per-message forecast."""

from __future__ import annotations

from pathlib import Path

import pytest

from kolgraph.store import SQLiteStore

from .helpers import kolgraph


def test_plan_table_shows_warnings_and_the_per_message_forecast(
    world: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from dataclasses import replace

    from kolgraph.cli.plan_print import print_plan
    from kolgraph.plan import PlanParams, make_plan

    assert kolgraph("rank", "--db", str(world))[0] == 0
    with SQLiteStore(world) as st:
        plan = make_plan(st, PlanParams(budget=700))
    value = {"expected": 40.0, "low": 30.0, "high": 55.0, "interval": 0.8}
    forecast = {
        "horizon_days": 14.0,
        "moved_users": {**value, "calibrated_on": 7, "extrapolated": False},
        "per_message": {**value, "expected": 12.0, "calibrated_on": 7, "extrapolated": True},
    }
    first = replace(plan.accounts[0], warnings=("flagged audience", "high overlap"))
    print_plan(replace(plan, accounts=[first, *plan.accounts[1:]], forecast=forecast))
    out = capsys.readouterr().out
    header = next(line for line in out.splitlines() if "marginal reach" in line)
    assert "warnings" in header
    row = next(line for line in out.splitlines() if first.key in line)
    assert "flagged audience, high overlap" in row
    assert "people moved within 14 days" in out and "40 (80% interval 30..55" in out
    per = next(line for line in out.splitlines() if "per message" in line)
    assert "12 (80% interval 30..55" in per and "extrapolated" in per

    print_plan(replace(plan, accounts=[replace(a, warnings=()) for a in plan.accounts]))
    header = next(line for line in capsys.readouterr().out.splitlines() if "marginal" in line)
    assert "warnings" not in header  # no column when nothing to warn about
