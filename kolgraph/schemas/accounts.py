"""Accounts with the scores of the current rank run."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from kolgraph.model import Kind
from kolgraph.schemas.common import Page

if TYPE_CHECKING:
    from kolgraph.store.base import AccountRecord

__all__ = ["AccountOut", "AccountsPage"]


class AccountOut(BaseModel):
    """An account with the scores of the current rank run (``None`` when unranked)."""

    model_config = ConfigDict(from_attributes=True)

    key: str = Field(description="Node key 'platform:account_id'.")
    platform: str
    account_id: str
    name: str
    kind: Kind
    followers: int | None
    cost: float | None = Field(description="Price of one post, when known.")
    pagerank: float | None
    community: int | None
    audience: int | None = Field(description="Followers in the stored graph.")
    tier: str | None = Field(description="head, mid or tail by PageRank.")
    run_id: str | None = Field(description="Rank run the scores come from.")
    engagement: float | None = Field(
        None, description="Reposts received per post per follower (quality stage)."
    )
    anomaly: float | None = Field(
        None, description="Isolation-forest anomaly score in [0, 1]; higher is more unusual."
    )
    spread: float | None = Field(
        None, description="Expected accounts reached by one post (influence stage)."
    )
    flags: list[str] = Field(
        default_factory=list, description="Reasons the account's audience looks inauthentic."
    )

    @classmethod
    def from_record(cls, record: AccountRecord) -> AccountOut:
        """The account as the store reads it."""
        return cls.model_validate(record, from_attributes=True)


class AccountsPage(Page[AccountOut]):
    """One page of accounts; ``count`` is the total matching the filters."""

    limit: int
    offset: int
