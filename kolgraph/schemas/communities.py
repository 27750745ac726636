"""Communities of the current rank run."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from kolgraph.schemas.common import Page

if TYPE_CHECKING:
    from kolgraph.store.base import CommunityRecord

__all__ = ["CommunitiesPage", "CommunityOut"]


class CommunityOut(BaseModel):
    """A community of the current rank run.

    Edges are distinct directed account pairs (follows and reposts merged);
    ``external_edges`` and ``bridges`` are null for runs ranked before kolgraph
    stored them.
    """

    community: int
    size: int
    internal_edges: int = Field(description="Edges with both ends inside the community.")
    external_edges: int | None = Field(
        description="Edges with exactly one end inside (leaving or entering the community)."
    )
    density: float = Field(
        description="internal_edges / (size * (size - 1)): share of possible directed pairs."
    )
    external_share: float | None = Field(
        description="external_edges / (internal_edges + external_edges)."
    )
    top: list[str] = Field(description="Keys of its top accounts by PageRank.")
    bridges: list[str] | None = Field(
        description="Keys of its accounts with the most edges to or from other communities "
        "(ties by PageRank); only accounts with at least one such edge."
    )
    run_id: str

    @classmethod
    def from_record(cls, record: CommunityRecord) -> CommunityOut:
        """The community as the store reads it."""
        return cls.model_validate(record, from_attributes=True)


class CommunitiesPage(Page[CommunityOut]):
    """Communities, largest first; ``count`` is the total number."""
