"""Campaign planning: choose accounts under a budget for maximal unique reach."""

from kolgraph.plan.planner import (
    KindRange,
    Plan,
    PlannedAccount,
    PlanParams,
    make_plan,
    plan_to_dict,
)

__all__ = ["KindRange", "Plan", "PlanParams", "PlannedAccount", "make_plan", "plan_to_dict"]
