"""Schema of the embedded SQLite store, and its in-place upgrades.

``accounts`` holds one row per account; its integer ``id`` is the dense node
index plus one (ids are assigned contiguously and never deleted). ``follows``
and ``reposts`` are rowid tables with unique indexes, so an ``INSERT OR
IGNORE`` of an existing edge is a no-op and every new edge gets a rowid larger
than all before it (the columnar snapshot, :mod:`kolgraph.store.sqlite_snapshot`,
relies on that). ``meta`` holds ``schema_version``, ``epoch`` (see the
snapshot) and ``current_run``. The crawl tables are created by
:mod:`kolgraph.store.sqlite_crawl` on first use.
"""

from __future__ import annotations

import secrets
import sqlite3
from pathlib import Path

from kolgraph.errors import StoreError

__all__ = ["SCHEMA_VERSION", "init_schema"]

SCHEMA_VERSION = 5

#: The accounts table under ``name`` (schema version 5: kind ``partner`` allowed).
_ACCOUNTS = """
CREATE TABLE IF NOT EXISTS {name} (
    id         INTEGER PRIMARY KEY,
    key        TEXT NOT NULL UNIQUE,
    platform   TEXT NOT NULL,
    account_id TEXT NOT NULL,
    name       TEXT NOT NULL DEFAULT '',
    kind       TEXT NOT NULL DEFAULT 'user'
               CHECK (kind IN ('kol','media','own','partner','user')),
    followers  INTEGER,
    cost       REAL
);
"""

#: Plans kept for later evaluation (schema version 4).
_PLANS = """
CREATE TABLE IF NOT EXISTS plans (
    id         TEXT PRIMARY KEY,
    run_id     TEXT,
    created    REAL NOT NULL,
    params     TEXT NOT NULL,
    body       TEXT NOT NULL,
    evaluation TEXT
);
"""

_SCHEMA = (
    """
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""
    + _ACCOUNTS.format(name="accounts")
    + """
CREATE TABLE IF NOT EXISTS follows (
    src INTEGER NOT NULL,
    dst INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS follows_pair ON follows(src, dst);
CREATE TABLE IF NOT EXISTS reposts (
    src     INTEGER NOT NULL,
    dst     INTEGER NOT NULL,
    post_id TEXT NOT NULL DEFAULT '',
    ts      INTEGER NOT NULL DEFAULT 0,
    action  TEXT NOT NULL DEFAULT 'repost',
    weight  REAL NOT NULL DEFAULT 1.0
);
CREATE UNIQUE INDEX IF NOT EXISTS reposts_edge ON reposts(src, dst, post_id, ts, action);
CREATE TABLE IF NOT EXISTS runs (
    id       TEXT PRIMARY KEY,
    status   TEXT NOT NULL,
    started  REAL NOT NULL,
    finished REAL,
    params   TEXT NOT NULL DEFAULT '{}',
    counts   TEXT NOT NULL DEFAULT '{}',
    timings  TEXT NOT NULL DEFAULT '{}',
    quality  TEXT NOT NULL DEFAULT '{}',
    error    TEXT
);
CREATE TABLE IF NOT EXISTS scores (
    run_id    TEXT NOT NULL,
    account   INTEGER NOT NULL,
    pagerank  REAL NOT NULL,
    community INTEGER,
    audience  INTEGER,
    tier      TEXT,
    engagement REAL,
    anomaly    REAL,
    spread     REAL,
    flags      TEXT,
    PRIMARY KEY (run_id, account)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS scores_rank ON scores(run_id, pagerank DESC);
CREATE INDEX IF NOT EXISTS scores_community ON scores(run_id, community);
CREATE TABLE IF NOT EXISTS communities (
    run_id         TEXT NOT NULL,
    community      INTEGER NOT NULL,
    size           INTEGER NOT NULL,
    internal_edges INTEGER NOT NULL,
    top            TEXT NOT NULL,
    external_edges INTEGER,
    density        REAL NOT NULL DEFAULT 0,
    bridges        TEXT,
    PRIMARY KEY (run_id, community)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS artifacts (
    run_id TEXT NOT NULL,
    name   TEXT NOT NULL,
    data   BLOB NOT NULL,
    PRIMARY KEY (run_id, name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS overlaps (
    run_id  TEXT NOT NULL,
    a       INTEGER NOT NULL,
    b       INTEGER NOT NULL,
    shared  INTEGER NOT NULL,
    jaccard REAL NOT NULL,
    PRIMARY KEY (run_id, a, b)
) WITHOUT ROWID;
"""
)

#: In-place upgrades: statements that take a store from schema version ``key`` to the next.
_UPGRADES: dict[str, tuple[str, ...]] = {
    # v1 → v2: extra score columns and run artifacts
    "1": (
        *(
            f"ALTER TABLE scores ADD COLUMN {c}"
            for c in ("engagement REAL", "anomaly REAL", "spread REAL", "flags TEXT")
        ),
        "CREATE TABLE IF NOT EXISTS artifacts (run_id TEXT NOT NULL, name TEXT NOT NULL,"
        " data BLOB NOT NULL, PRIMARY KEY (run_id, name)) WITHOUT ROWID",
    ),
    # v2 → v3: external edges, density and bridge accounts of communities. Runs ranked
    # before keep NULL external edges and bridges (unknown); their density is derived.
    "2": (
        "ALTER TABLE communities ADD COLUMN external_edges INTEGER",
        "ALTER TABLE communities ADD COLUMN density REAL NOT NULL DEFAULT 0",
        "ALTER TABLE communities ADD COLUMN bridges TEXT",
        "UPDATE communities SET density = MIN(1.0, internal_edges * 1.0 / (size * (size - 1))) "
        "WHERE size >= 2",
    ),
    # v3 → v4: plans kept for later evaluation
    "3": (_PLANS,),
    # v4 → v5: kind 'partner'. SQLite cannot change a CHECK constraint in place, so the
    # accounts table is copied into a new one (ids kept, so the dense index is unchanged).
    "4": (
        _ACCOUNTS.format(name="accounts_v5"),
        "INSERT INTO accounts_v5 (id, key, platform, account_id, name, kind, followers, cost) "
        "SELECT id, key, platform, account_id, name, kind, followers, cost FROM accounts",
        "DROP TABLE accounts",
        "ALTER TABLE accounts_v5 RENAME TO accounts",
    ),
}


def init_schema(con: sqlite3.Connection, path: Path) -> None:
    """Create the schema if it is missing; an existing store is opened without locking.

    Only a new database takes the write lock (to create its tables), so opening
    a store never waits for a writer that is busy with an import or a rank run.
    An older schema is upgraded in place.

    Raises
    ------
    StoreError
        If ``path`` holds a schema version this kolgraph does not read.
    sqlite3.DatabaseError
        If the file is not a database, or is locked.
    """
    try:
        row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except sqlite3.OperationalError as exc:
        if "no such table" not in str(exc):
            raise
        row = None
    if row is None:
        epoch = secrets.randbelow(1 << 48)  # see kolgraph.store.sqlite_snapshot
        con.executescript(
            "BEGIN IMMEDIATE;" + _SCHEMA + _PLANS + "INSERT OR IGNORE INTO meta(key, value) VALUES "
            f"('schema_version', '{SCHEMA_VERSION}'), ('epoch', '{epoch}');"
            "COMMIT;"
        )
    elif str(row[0]) in _UPGRADES:
        _upgrade(con)
    elif str(row[0]) != str(SCHEMA_VERSION):
        raise StoreError(
            f"{path} has kolgraph schema version {row[0]}; this kolgraph reads "
            f"version {SCHEMA_VERSION}",
            hint="open it with the kolgraph version that wrote it, or import into a new file",
        )


def _upgrade(con: sqlite3.Connection) -> None:
    """Bring an older schema up to :data:`SCHEMA_VERSION` in place, in one transaction.

    The version is read again under the write lock: another process may have
    upgraded the file meanwhile.
    """
    con.execute("BEGIN IMMEDIATE")
    try:
        version = str(
            con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]
        )
        while version in _UPGRADES:
            for statement in _UPGRADES[version]:
                con.execute(statement)
            version = str(int(version) + 1)
        con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (version,))
    except BaseException:
        if con.in_transaction:
            con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
