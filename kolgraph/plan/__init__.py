"""Campaign planning: choose accounts under a budget for the objective, forecast, evaluate."""

from kolgraph.plan.planner import (
    KindRange,
    Plan,
    PlannedAccount,
    PlanParams,
    make_plan,
)

__all__ = ["KindRange", "Plan", "PlanParams", "PlannedAccount", "make_plan"]
