"""``POST /v1/reach``: unique reach and overlap of any set of accounts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from kolgraph.schemas.common import AccountKey

if TYPE_CHECKING:
    from kolgraph.plan.reach import ReachReport

__all__ = ["IntervalOut", "PairOut", "ReachRequest", "ReachResponse"]


class ReachRequest(BaseModel):
    """``POST /v1/reach``: the accounts whose reach to count."""

    model_config = ConfigDict(extra="forbid")

    keys: list[AccountKey] = Field(min_length=1, max_length=200, description="Account keys.")
    confidence: float = Field(0.95, gt=0.5, lt=1.0, description="Level of the intervals.")


class IntervalOut(BaseModel):
    """A value and its interval at the request's confidence."""

    value: float
    low: float
    high: float
    exact: bool
    method: str = Field(
        description="'counted' (exact, from the store's current edges, as a plan counts) or "
        "the sketch estimator: 'whole', 'ratio' or 'theta'."
    )


class PairOut(BaseModel):
    """Audience overlap of two of the accounts."""

    a: str
    b: str
    jaccard: float = Field(
        description="Shared audience over the union of the two, in the interval "
        "jaccard_low..jaccard_high."
    )
    jaccard_low: float
    jaccard_high: float
    shared: float = Field(description="People in both audiences.")


class ReachResponse(BaseModel):
    """Unique reach of the accounts together, and their pairwise overlap."""

    run_id: str
    keys: list[str]
    audiences: list[int]
    unique_reach: IntervalOut
    summed_audience: int
    overlap_rate: float
    pairs: list[PairOut]
    not_sketched: list[str] = Field(
        description="Accounts below the sketch threshold, left out of a sketch estimate "
        "(empty when counted)."
    )
    note: str = Field(description="How the reach was obtained and, for an estimate, why.")

    @classmethod
    def from_report(cls, rep: ReachReport) -> ReachResponse:
        """The report of :func:`~kolgraph.plan.reach.estimate_reach`."""
        return cls.model_validate(rep, from_attributes=True)
