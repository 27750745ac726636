"""API keys in Neo4j (see :mod:`kolgraph.store.keystate`): one ``(:ApiKey {id})`` node each."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from kolgraph.store.keystate import KeyRecord, KeyState
from kolgraph.store.neo4j_db import Neo4jDatabase

__all__ = ["Neo4jKeyState"]


def _record(props: dict[str, Any]) -> KeyRecord:
    fields = KeyRecord.__dataclass_fields__
    return KeyRecord(**{k: v for k, v in props.items() if k in fields})


class Neo4jKeyState(KeyState):
    """The API keys of a :class:`~kolgraph.store.neo4j.Neo4jStore`."""

    def __init__(self, db: Neo4jDatabase) -> None:
        self._db = db

    def add(self, record: KeyRecord) -> None:
        self._db.execute("key_add", key=asdict(record))

    def get(self, key_id: str) -> KeyRecord:
        rows = self._db.query("key_get", read=True, key_id=key_id)
        if not rows:
            raise KeyRecord.unknown(key_id)
        return _record(rows[0]["key"])

    def all(self) -> list[KeyRecord]:
        return [_record(r["key"]) for r in self._db.query("key_list", read=True)]

    def revoke(self, key_id: str, when: str) -> KeyRecord:
        rows = self._db.query("key_revoke", key_id=key_id, when=when)
        if not rows:
            raise KeyRecord.unknown(key_id)
        return _record(rows[0]["key"])

    def touch(self, key_id: str, when: str) -> None:
        self._db.execute("key_touch", key_id=key_id, when=when)
