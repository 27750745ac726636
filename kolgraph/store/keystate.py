"""The API-key part of the store contract: a store's :attr:`~kolgraph.store.base.Store.keys`.

The store keeps, per key, only what checking a request needs: an id (public,
part of the key), a name, a scope, a random salt and the SHA-256 digest of the
salted secret, with its creation, last-use and revocation times. The secret
itself is shown once, when the key is made (:mod:`kolgraph.keys`), and never
stored. Records are never deleted: a revoked key keeps its row, so the list
shows who had access and when.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import Literal

from kolgraph.errors import NotFound

__all__ = ["SCOPES", "KeyRecord", "KeyState", "Scope"]

Scope = Literal["read", "plan", "admin"]

#: The scopes, weakest first; each allows everything the ones before it allow.
SCOPES: tuple[Scope, ...] = ("read", "plan", "admin")


@dataclass(frozen=True, slots=True)
class KeyRecord:
    """One API key as stored (never the secret)."""

    id: str
    name: str
    scope: Scope
    salt: str
    digest: str
    created: str
    last_used: str | None = None
    revoked: str | None = None

    @property
    def active(self) -> bool:
        """Whether requests may still use the key."""
        return self.revoked is None

    def allows(self, scope: Scope) -> bool:
        """Whether this key's scope covers ``scope`` (``admin`` ⊇ ``plan`` ⊇ ``read``)."""
        return SCOPES.index(self.scope) >= SCOPES.index(scope)

    @staticmethod
    def unknown(key_id: str) -> NotFound:
        """The error for a key id the store does not have."""
        return NotFound(
            f"no API key with id {key_id!r}",
            hint="list the keys with `kolgraph keys list`",
        )


class KeyState(abc.ABC):
    """API keys kept in a store: add, read, list, revoke, and note a use."""

    @abc.abstractmethod
    def add(self, record: KeyRecord) -> None:
        """Keep a new key (its id is new: ids are random)."""

    @abc.abstractmethod
    def get(self, key_id: str) -> KeyRecord:
        """The key with id ``key_id``, revoked or not (:class:`NotFound` if none)."""

    @abc.abstractmethod
    def all(self) -> list[KeyRecord]:
        """Every key, revoked ones too, oldest first."""

    @abc.abstractmethod
    def revoke(self, key_id: str, when: str) -> KeyRecord:
        """Revoke a key at ``when`` (a no-op on a revoked key); the key after it."""

    @abc.abstractmethod
    def touch(self, key_id: str, when: str) -> None:
        """Note that the key was used at ``when``."""
