"""API keys in the embedded SQLite store (see :mod:`kolgraph.store.keystate`).

One table, ``api_keys``, created on first use (additive: older databases need
no upgrade).
"""

from __future__ import annotations

import sqlite3
from typing import Any

from kolgraph.store.keystate import KeyRecord, KeyState
from kolgraph.store.sqlite_db import SQLiteDatabase

__all__ = ["SQLiteKeyState"]

_SCHEMA = """CREATE TABLE IF NOT EXISTS api_keys (
    id        TEXT PRIMARY KEY,
    name      TEXT NOT NULL,
    scope     TEXT NOT NULL CHECK (scope IN ('read', 'plan', 'admin')),
    salt      TEXT NOT NULL,
    digest    TEXT NOT NULL,
    created   TEXT NOT NULL,
    last_used TEXT,
    revoked   TEXT
)"""
_COLS = "id, name, scope, salt, digest, created, last_used, revoked"


def _record(row: tuple[Any, ...]) -> KeyRecord:
    return KeyRecord(*row)


class SQLiteKeyState(KeyState):
    """The API keys of a :class:`~kolgraph.store.sqlite.SQLiteStore`."""

    def __init__(self, db: SQLiteDatabase) -> None:
        self._db = db
        self._ready = False

    def _con(self) -> sqlite3.Connection:
        con = self._db.con()
        if not self._ready:
            con.execute(_SCHEMA)
            self._ready = True
        return con

    def add(self, record: KeyRecord) -> None:
        self._con()
        with self._db.write() as con:
            con.execute(
                f"INSERT INTO api_keys({_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    record.id,
                    record.name,
                    record.scope,
                    record.salt,
                    record.digest,
                    record.created,
                    record.last_used,
                    record.revoked,
                ),
            )

    def get(self, key_id: str) -> KeyRecord:
        row = (
            self._con().execute(f"SELECT {_COLS} FROM api_keys WHERE id = ?", (key_id,)).fetchone()
        )
        if row is None:
            raise KeyRecord.unknown(key_id)
        return _record(row)

    def all(self) -> list[KeyRecord]:
        rows = self._con().execute(f"SELECT {_COLS} FROM api_keys ORDER BY created, id").fetchall()
        return [_record(r) for r in rows]

    def revoke(self, key_id: str, when: str) -> KeyRecord:
        self._con()
        with self._db.write() as con:
            con.execute(
                "UPDATE api_keys SET revoked = ? WHERE id = ? AND revoked IS NULL", (when, key_id)
            )
        return self.get(key_id)

    def touch(self, key_id: str, when: str) -> None:
        self._con()
        with self._db.write() as con:
            con.execute("UPDATE api_keys SET last_used = ? WHERE id = ?", (when, key_id))
