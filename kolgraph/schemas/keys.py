"""API keys as JSON: ``kolgraph keys ... --format json`` (never a digest or salt)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from kolgraph.schemas.common import Page
from kolgraph.store.keystate import KeyRecord, Scope

__all__ = ["KeyOut", "KeysPage", "NewKeyOut"]


class KeyOut(BaseModel):
    """A key as listed: who has it, what it may do, and when it was made, used, revoked."""

    id: str
    name: str
    scope: Scope
    created: str
    last_used: str | None
    revoked: str | None
    active: bool

    @classmethod
    def from_record(cls, r: KeyRecord) -> KeyOut:
        """The listed form of a stored key."""
        return cls(
            id=r.id,
            name=r.name,
            scope=r.scope,
            created=r.created,
            last_used=r.last_used,
            revoked=r.revoked,
            active=r.active,
        )


class KeysPage(Page[KeyOut]):
    """Every key, revoked ones too, oldest first."""


class NewKeyOut(KeyOut):
    """A key just made: ``key`` is shown this once and never again."""

    key: str = Field(description="The API key: send it as 'Authorization: Bearer <key>'.")
