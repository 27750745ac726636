"""Audience questions: overlap of a set of accounts, affinity to a brand, lookalikes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from kolgraph.schemas.common import AccountKey

if TYPE_CHECKING:
    from kolgraph.audience.affinity import AffinityReport
    from kolgraph.audience.lookalike import LookalikeReport
    from kolgraph.audience.overlap import OverlapReport

__all__ = [
    "AccountAudienceOut",
    "AffinityOut",
    "AffinityResponse",
    "LookalikeOut",
    "LookalikeResponse",
    "OverlapRequest",
    "OverlapResponse",
    "PairShareOut",
]


class OverlapRequest(BaseModel):
    """``POST /v1/overlap``: the accounts to compare (2 to 100 distinct keys)."""

    model_config = ConfigDict(extra="forbid")

    keys: list[AccountKey] = Field(
        min_length=2, max_length=100, description="Account keys 'platform:account_id'."
    )


class AccountAudienceOut(BaseModel):
    """One account of the set."""

    model_config = ConfigDict(from_attributes=True)

    key: str
    name: str
    kind: str
    audience: int = Field(description="Followers and engagers in the store.")
    exclusive: int = Field(description="Audience members no other account of the set has.")
    exclusive_share: float = Field(description="exclusive / audience.")


class PairShareOut(BaseModel):
    """Overlap of two accounts of the set."""

    model_config = ConfigDict(from_attributes=True)

    a: str
    b: str
    shared: int = Field(description="People in both audiences.")
    jaccard: float = Field(description="shared / people in either audience.")
    share_of_smaller: float = Field(description="shared / the smaller audience.")


class OverlapResponse(BaseModel):
    """Exact overlap of a set of accounts: every pair, each account, the union."""

    model_config = ConfigDict(from_attributes=True)

    keys: list[str]
    accounts: list[AccountAudienceOut]
    pairs: list[PairShareOut] = Field(description="One per pair, in the order the keys came.")
    unique_audience: int = Field(description="Distinct people in any of the audiences.")
    summed_audience: int = Field(description="Sum of the audiences.")
    duplication_rate: float = Field(description="1 - unique / summed.")
    note: str = Field(description="How the numbers were counted.")

    @classmethod
    def from_report(cls, rep: OverlapReport) -> OverlapResponse:
        """The report of :func:`~kolgraph.audience.overlap.set_overlap`."""
        return cls.model_validate(rep, from_attributes=True)


class AffinityOut(BaseModel):
    """One candidate and its affinity to the brand."""

    model_config = ConfigDict(from_attributes=True)

    key: str
    name: str
    kind: str
    cost: float | None
    audience: int
    shared: int = Field(description="People in both this account's and the brand's audience.")
    share: float = Field(description="shared / audience.")
    affinity: float = Field(description="share / base_rate.")
    affinity_low: float = Field(
        description="Lower Wilson bound of share / base_rate: the ranking key."
    )


class AffinityResponse(BaseModel):
    """Accounts whose audiences over-index on a brand's, best first."""

    model_config = ConfigDict(from_attributes=True)

    brand: str
    brand_audience: int
    population: int = Field(description="Distinct people in anyone's audience.")
    base_rate: float = Field(description="brand_audience / population.")
    kinds: list[str]
    min_support: int = Field(description="Fewest shared people a candidate needs.")
    confidence: float = Field(description="Level of the Wilson interval.")
    candidates: int = Field(description="Accounts meeting the minimum support.")
    below_support: int = Field(description="Accounts sharing some people, but too few.")
    data: list[AffinityOut]
    note: str

    @classmethod
    def from_report(cls, rep: AffinityReport) -> AffinityResponse:
        """The report of :func:`~kolgraph.audience.affinity.brand_affinity`."""
        body = {f: getattr(rep, f) for f in cls.model_fields if f != "data"}
        return cls.model_validate({**body, "data": rep.rows}, from_attributes=True)


class LookalikeOut(BaseModel):
    """An account whose audience resembles the target's."""

    model_config = ConfigDict(from_attributes=True)

    key: str
    name: str
    kind: str
    cost: float | None
    audience: int
    shared: int = Field(description="People in both audiences.")
    jaccard: float = Field(description="Exact: shared / people in either audience.")
    estimated_jaccard: float | None = Field(
        description="The sketch estimate that made it a candidate (null when counted directly)."
    )


class LookalikeResponse(BaseModel):
    """Accounts whose audiences most resemble ``key``'s, by exact Jaccard."""

    model_config = ConfigDict(from_attributes=True)

    key: str
    audience: int
    kinds: list[str]
    max_cost: float | None
    method: str = Field(description="'sketch' (sketch candidates) or 'exact' (all counted).")
    run_id: str | None
    candidates: int = Field(description="Eligible accounts scored.")
    data: list[LookalikeOut]
    note: str

    @classmethod
    def from_report(cls, rep: LookalikeReport) -> LookalikeResponse:
        """The report of :func:`~kolgraph.audience.lookalike.lookalikes`."""
        body = {f: getattr(rep, f) for f in cls.model_fields if f != "data"}
        return cls.model_validate({**body, "data": rep.rows}, from_attributes=True)
