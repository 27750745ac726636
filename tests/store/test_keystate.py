"""The API-key part of the store contract, on every backend (``store`` in tests/conftest.py).

Keys are kept across tests on a shared Neo4j (a store's ``clear`` leaves them), so each
test makes its own and looks only at those.
"""

from __future__ import annotations

import secrets

import pytest

from kolgraph.errors import InputError, NotFound, Unauthorized
from kolgraph.keys import create_key, find_key, revoke_key, verify_key
from kolgraph.store import Store


def _name(base: str) -> str:
    """A name no earlier run left active on a shared server."""
    return f"{base} {secrets.token_hex(4)}"


def test_a_new_key_is_kept_as_a_salted_digest_only(store: Store) -> None:
    new = create_key(store, _name("analyst one"), "plan")
    record = store.keys.get(new.record.id)
    assert record == new.record and record.active and record.last_used is None
    secret = new.key.rsplit("_", 1)[1]
    assert secret not in repr(record) and len(record.salt) == 32 and len(record.digest) == 64
    other = create_key(store, _name("analyst two"), "plan")
    assert other.record.salt != record.salt and other.record.digest != record.digest
    assert {new.record.id, other.record.id} <= {r.id for r in store.keys.all()}


def test_verify_accepts_the_key_and_refuses_any_other(store: Store) -> None:
    new = create_key(store, _name("verifier"), "read")
    assert verify_key(store, new.key).id == new.record.id
    key_id = new.record.id
    wrong_secret = f"kg_{key_id}_{'A' * 43}"
    unknown_id = "kg_0000000000_" + new.key.rsplit("_", 1)[1]
    for bad in (wrong_secret, unknown_id, "kg_nope", "", new.key + "x"):
        with pytest.raises(Unauthorized):
            verify_key(store, bad)


def test_revoke_stops_the_key_and_keeps_its_record(store: Store) -> None:
    leaver = _name("leaver")
    new = create_key(store, leaver, "admin")
    revoked = revoke_key(store, leaver)  # by name
    assert revoked.id == new.record.id and revoked.revoked is not None and not revoked.active
    with pytest.raises(Unauthorized, match="revoked"):
        verify_key(store, new.key)
    again = store.keys.revoke(new.record.id, "2099-01-01T00:00:00Z")
    assert again.revoked == revoked.revoked  # the first revocation time stays
    assert store.keys.get(new.record.id).revoked == revoked.revoked
    again_named = create_key(store, leaver, "read")  # the name is free again
    assert find_key(store, leaver).id == again_named.record.id


def test_touch_notes_the_last_use(store: Store) -> None:
    new = create_key(store, _name("toucher"), "read")
    store.keys.touch(new.record.id, "2026-01-02T03:04:05Z")
    assert store.keys.get(new.record.id).last_used == "2026-01-02T03:04:05Z"


def test_bad_names_scopes_and_ids_are_clear_errors(store: Store) -> None:
    dup = _name("dup")
    create_key(store, dup, "read")
    with pytest.raises(InputError, match=f"already named '{dup}'"):
        create_key(store, dup, "plan")
    with pytest.raises(InputError, match="unknown scope 'owner'"):
        create_key(store, "someone", "owner")
    with pytest.raises(InputError, match="not allowed"):
        create_key(store, "", "read")
    with pytest.raises(InputError, match="not allowed"):
        create_key(store, "x" * 65, "read")
    with pytest.raises(NotFound):
        store.keys.get("ffffffffff")
    with pytest.raises(InputError, match="kolgraph keys list"):
        revoke_key(store, "nobody-has-this")
