r"""API keys: make one (shown once), check a presented one, list and revoke them.

A key reads ``kg_<id>_<secret>``: ``id`` (10 hex digits) finds the stored record,
``secret`` (43 URL-safe characters, 256 random bits) proves possession. The store
keeps the id, a 16-byte random salt and

.. math:: \mathrm{digest} = \mathrm{SHA256}(\mathrm{salt} \Vert \mathrm{secret}),

compared in constant time. A fast hash is enough here, unlike for passwords: the
secret is random with 256 bits of entropy, so there is nothing to guess by
brute force; the salt keeps equal secrets from having equal digests.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from kolgraph.errors import InputError, NotFound, Unauthorized
from kolgraph.store import Store
from kolgraph.store.crawlstate import now_iso
from kolgraph.store.keystate import SCOPES, KeyRecord, Scope

__all__ = ["NewKey", "create_key", "find_key", "parse_key", "revoke_key", "verify_key"]

_KEY_RE = re.compile(r"^kg_([0-9a-f]{10})_([A-Za-z0-9_-]{43})$")
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._@-]{0,63}$")


@dataclass(frozen=True, slots=True)
class NewKey:
    """A key just made: its record and the full key, which is never shown again."""

    record: KeyRecord
    key: str


def _digest(salt: str, secret: str) -> str:
    return hashlib.sha256(bytes.fromhex(salt) + secret.encode()).hexdigest()


def create_key(store: Store, name: str, scope: str) -> NewKey:
    """Make a key named ``name`` with ``scope`` and keep its salted digest in ``store``.

    Raises
    ------
    InputError
        If the scope is unknown, the name is malformed or an active key has it.
    """
    if scope not in SCOPES:
        raise InputError(
            f"unknown scope {scope!r}", hint=f"use one of {', '.join(SCOPES)}", field="scope"
        )
    if not _NAME_RE.match(name):
        raise InputError(
            f"key name {name[:64]!r} is not allowed",
            hint="use 1-64 letters, digits, spaces or . _ @ -, starting with a letter or digit",
            field="name",
        )
    if any(r.name == name and r.active for r in store.keys.all()):
        raise InputError(
            f"an active key is already named {name!r}",
            hint="pick another name, or revoke the old key first (kolgraph keys revoke)",
            field="name",
        )
    key_id, secret, salt = secrets.token_hex(5), secrets.token_urlsafe(32), secrets.token_hex(16)
    checked: Scope = SCOPES[SCOPES.index(scope)]
    record = KeyRecord(
        id=key_id,
        name=name,
        scope=checked,
        salt=salt,
        digest=_digest(salt, secret),
        created=now_iso(),
    )
    store.keys.add(record)
    return NewKey(record=record, key=f"kg_{key_id}_{secret}")


def parse_key(key: str) -> tuple[str, str]:
    """The ``(id, secret)`` of a key, or :class:`Unauthorized` if it is not one."""
    match = _KEY_RE.match(key.strip())
    if match is None:
        raise Unauthorized(
            "the API key is malformed",
            hint="send 'Authorization: Bearer kg_...' with a key from `kolgraph keys create`",
        )
    return match.group(1), match.group(2)


def verify_key(store: Store, key: str) -> KeyRecord:
    """The active record ``key`` belongs to.

    Raises
    ------
    Unauthorized
        If the key is malformed, unknown, wrong or revoked (one message for all
        but the malformed case, so a caller learns nothing about which ids exist).
    """
    key_id, secret = parse_key(key)
    record: KeyRecord | None
    try:
        record = store.keys.get(key_id)
    except NotFound:
        record = None
    if record is None or not hmac.compare_digest(record.digest, _digest(record.salt, secret)):
        raise Unauthorized(
            "the API key is not valid",
            hint="check the key, or ask an admin for a new one (kolgraph keys create)",
        )
    if not record.active:
        raise Unauthorized(
            f"the API key {record.name!r} was revoked on {record.revoked}",
            hint="ask an admin for a new key (kolgraph keys create)",
        )
    return record


def find_key(store: Store, id_or_name: str) -> KeyRecord:
    """The key with this id, or else the active key with this name (:class:`InputError`)."""
    records = store.keys.all()
    for r in records:
        if r.id == id_or_name:
            return r
    named = [r for r in records if r.name == id_or_name and r.active]
    if not named:
        raise InputError(
            f"no key has the id or active name {id_or_name[:64]!r}",
            hint="see `kolgraph keys list` for ids and names",
        )
    return named[0]


def revoke_key(store: Store, id_or_name: str) -> KeyRecord:
    """Revoke the key with this id or active name; the record after it."""
    return store.keys.revoke(find_key(store, id_or_name).id, now_iso())
