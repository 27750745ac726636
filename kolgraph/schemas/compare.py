"""Kept plans compared side by side (``kolgraph plans compare``, ``/v1/plans/compare``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

if TYPE_CHECKING:
    from kolgraph.plan.compare import PlanComparison

__all__ = ["ComparedPlanOut", "PlanComparisonOut", "SharedPairOut"]


class ComparedPlanOut(BaseModel):
    """One plan's figures in a comparison."""

    id: str
    created: float = Field(description="Unix seconds.")
    objective: str
    budget: float
    spent: float
    accounts: int = Field(description="Number of accounts in the plan.")
    unique_reach: int = Field(description="People the plan's accounts reach (its target).")
    engaged: float | None = Field(
        None, description="Forecast: expected engaged people within the horizon (null: no model)."
    )
    engaged_low: float | None = Field(None, description="Low end of the forecast's interval.")
    engaged_high: float | None = Field(None, description="High end of the forecast's interval.")
    horizon_days: float | None = Field(None, description="The forecast's horizon.")
    keys: list[str] = Field(description="The plan's account keys, in plan order.")
    target_size: int | None = Field(None, description="People in the plan's target.")
    target_coverage: float | None = Field(
        None, description="Share of the target reached (null on plans kept before it was)."
    )
    gross_impressions: int | None = Field(None, description="Summed audiences.")
    avg_frequency: float | None = Field(None, description="Impressions per person reached.")
    reach_3_plus: int | None = Field(None, description="People reached by 3 or more accounts.")
    cost_per_engaged: float | None = Field(None, description="spent / engaged.")


class SharedPairOut(BaseModel):
    """Accounts two plans have in common."""

    a: str
    b: str
    shared: int = Field(description="Account keys in both plans.")
    jaccard: float = Field(description="shared / account keys in either plan.")


class PlanComparisonOut(BaseModel):
    """Kept plans side by side, every pair's shared accounts, and the keys in all of them."""

    plans: list[ComparedPlanOut]
    pairs: list[SharedPairOut]
    in_all: list[str] = Field(description="Account keys in every plan compared.")

    @classmethod
    def from_comparison(cls, c: PlanComparison) -> PlanComparisonOut:
        """A :func:`~kolgraph.plan.compare.compare_plans` result."""
        return cls(
            plans=[
                ComparedPlanOut(
                    id=p.id,
                    created=p.created,
                    objective=p.objective,
                    budget=p.budget,
                    spent=p.spent,
                    accounts=p.accounts,
                    unique_reach=p.unique_reach,
                    engaged=p.engaged,
                    engaged_low=p.engaged_low,
                    engaged_high=p.engaged_high,
                    horizon_days=p.horizon_days,
                    keys=list(p.keys),
                    target_size=p.target_size,
                    target_coverage=p.target_coverage,
                    gross_impressions=p.gross_impressions,
                    avg_frequency=p.avg_frequency,
                    reach_3_plus=p.reach_3_plus,
                    cost_per_engaged=(
                        None if p.cost_per_engaged is None else round(p.cost_per_engaged, 4)
                    ),
                )
                for p in c.plans
            ],
            pairs=[
                SharedPairOut(a=x.a, b=x.b, shared=x.shared, jaccard=x.jaccard) for x in c.pairs
            ],
            in_all=list(c.in_all),
        )
