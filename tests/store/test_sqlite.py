"""SQLite-specific behaviour: WAL, reader isolation, the columnar snapshot, bad files."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from kolgraph.errors import InputError, StoreError
from kolgraph.model import Account, Kind
from kolgraph.store import (
    AccountQuery,
    GraphArrays,
    RepostBatch,
    RunResults,
    SQLiteStore,
    StoreCounts,
)
from kolgraph.store.sqlite_schema import SCHEMA_VERSION

RANKS = {"x:1": 0.5, "x:2": 0.3, "x:3": 0.2}


def make_results(
    store: SQLiteStore, ranks: dict[str, float], community: dict[str, int] | None = None
) -> RunResults:
    """Scores only (no communities, no overlaps)."""
    keys = list(ranks)
    scores = pd.DataFrame(
        {
            "index": store.keys_to_index(keys),
            "pagerank": [ranks[k] for k in keys],
            "community": [(community or {}).get(k, 0) for k in keys],
            "audience": [0] * len(keys),
            "tier": ["tail"] * len(keys),
        }
    )
    empty_comm = pd.DataFrame({"community": [], "size": [], "internal_edges": [], "top": []})
    empty_ov = pd.DataFrame({"a": [], "b": [], "shared": [], "jaccard": []})
    return RunResults(scores=scores, communities=empty_comm, overlaps=empty_ov)


def _fill(store: SQLiteStore) -> None:
    store.upsert_accounts([Account("x", "1", name="Alice", kind=Kind.KOL)])
    store.add_follows(["x:2", "x:3", "x:3"], ["x:1", "x:1", "x:2"])
    store.add_reposts(RepostBatch.from_columns(["x:2"], ["x:1"], ["p"], [10], ["repost"], [2.0]))


def _publish(store: SQLiteStore, run_id: str, results: RunResults) -> None:
    store.start_run(run_id, {})
    store.write_results(run_id, results)
    store.publish_run(run_id, counts={}, timings={}, quality={})


def _assert_same(a: GraphArrays, b: GraphArrays) -> None:
    assert a.n_nodes == b.n_nodes
    for name in (
        "follow_src",
        "follow_dst",
        "repost_src",
        "repost_dst",
        "repost_ts",
        "repost_weight",
    ):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


def _follow_keys(store: SQLiteStore) -> set[tuple[str, str]]:
    g = store.graph_arrays()
    keys = store.accounts_frame()["key"].tolist()
    return {
        (keys[s], keys[d])
        for s, d in zip(g.follow_src.tolist(), g.follow_dst.tolist(), strict=True)
    }


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "kol.db"


def test_wal_mode_is_on(db: Path) -> None:
    with SQLiteStore(db) as store:
        _fill(store)
    con = sqlite3.connect(db)
    try:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        version = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        assert version == (str(SCHEMA_VERSION),)
    finally:
        con.close()


def test_reader_sees_previous_run_until_publish(db: Path) -> None:
    writer = SQLiteStore(db)
    reader = SQLiteStore(db)
    try:
        _fill(writer)
        _publish(writer, "r1", make_results(writer, RANKS, community={"x:1": 7}))
        assert reader.get_account("x:1").pagerank == pytest.approx(0.5)

        writer.start_run("r2", {})
        writer.write_results("r2", make_results(writer, {k: v / 10 for k, v in RANKS.items()}))
        # the reader keeps seeing r1, completely
        current = reader.current_run()
        assert current is not None and current.id == "r1"
        rec = reader.get_account("x:1")
        assert (rec.pagerank, rec.community, rec.run_id) == (pytest.approx(0.5), 7, "r1")
        scores = reader.current_scores()
        assert sorted(scores["pagerank"].tolist()) == pytest.approx([0.2, 0.3, 0.5])
        assert [r.key for r in reader.list_accounts(AccountQuery())[0]] == ["x:1", "x:2", "x:3"]

        writer.publish_run("r2", counts={}, timings={}, quality={})
        current = reader.current_run()
        assert current is not None and current.id == "r2"
        assert reader.get_account("x:1").pagerank == pytest.approx(0.05)
        assert sorted(reader.current_scores()["pagerank"].tolist()) == pytest.approx(
            [0.02, 0.03, 0.05]
        )
    finally:
        writer.close()
        reader.close()


def test_opening_and_reading_do_not_wait_for_a_writer(db: Path) -> None:
    with SQLiteStore(db) as store:
        _fill(store)
    writer = sqlite3.connect(db, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # e.g. an import holding the write lock
    writer.execute("INSERT INTO follows(src, dst) VALUES (1, 1)")
    seen: list[StoreCounts] = []

    def read() -> None:
        with SQLiteStore(db) as reader:
            seen.append(reader.counts())

    thread = threading.Thread(target=read)
    try:
        thread.start()
        thread.join(timeout=5.0)
        finished = not thread.is_alive()
    finally:
        writer.execute("ROLLBACK")
        writer.close()
        thread.join()
    assert finished, "opening a store waited for the writer's lock"
    assert seen == [StoreCounts(accounts=3, follows=3, reposts=1)]  # the committed state


# --------------------------------------------------------------------------- snapshot
def test_second_graph_arrays_loads_the_snapshot(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = SQLiteStore(db)
    _fill(store)
    first = store.graph_arrays()
    assert store.snapshot_dir.is_dir()
    snaps = [d.name for d in store.snapshot_dir.iterdir()]
    assert len(snaps) == 1 and snaps[0].startswith("3-1-")
    assert sorted(p.name for p in (store.snapshot_dir / snaps[0]).iterdir()) == sorted(
        f"{n}.npy"
        for n in (
            "follow_src",
            "follow_dst",
            "repost_src",
            "repost_dst",
            "repost_ts",
            "repost_weight",
        )
    )

    def no_build(*args: object, **kwargs: object) -> None:
        raise AssertionError("graph_arrays rebuilt a snapshot that was current")

    monkeypatch.setattr(store.snapshot, "build", no_build)
    _assert_same(store.graph_arrays(), first)
    # another store on the same file reuses it too
    other = SQLiteStore(db)
    monkeypatch.setattr(other.snapshot, "build", no_build)
    _assert_same(other.graph_arrays(), first)


def test_snapshot_refresh_is_incremental(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = SQLiteStore(db)
    _fill(store)
    store.graph_arrays()
    store.add_follows(["x:4"], ["x:1"])
    calls: list[Any] = []
    real = store.snapshot.build

    def spy(con: Any, base: Any, f_max: int, r_max: int) -> Any:
        calls.append((base[0] if base else None, base[1] if base else None, f_max, r_max))
        return real(con, base, f_max, r_max)

    monkeypatch.setattr(store.snapshot, "build", spy)
    g = store.graph_arrays()
    assert calls == [(3, 1, 4, 1)]  # started from the 3-follow snapshot, appended one row
    assert g.n_follows == 4 and g.n_nodes == 4
    assert _follow_keys(store) == {("x:2", "x:1"), ("x:3", "x:1"), ("x:3", "x:2"), ("x:4", "x:1")}
    assert len(list(store.snapshot_dir.iterdir())) == 1  # older snapshots are removed


def test_snapshot_of_another_writer_is_picked_up(db: Path) -> None:
    reader = SQLiteStore(db)
    writer = SQLiteStore(db)
    _fill(writer)
    before = reader.graph_arrays()
    writer.add_follows(["x:9"], ["x:2"])
    after = reader.graph_arrays()
    assert after.n_follows == before.n_follows + 1 and after.n_nodes == before.n_nodes + 1
    assert ("x:9", "x:2") in _follow_keys(reader)


def test_stale_snapshot_of_a_replaced_database_is_not_returned(tmp_path: Path) -> None:
    db = tmp_path / "kol.db"
    store = SQLiteStore(db)
    store.add_follows(["x:1", "x:2"], ["x:2", "x:3"])
    store.graph_arrays()
    store.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    assert (tmp_path / "kol.db.snapshot").is_dir()  # left behind by the deleted database

    fresh = SQLiteStore(db)
    fresh.add_follows(["y:1", "y:1"], ["y:2", "y:3"])  # same edge count, other edges
    assert _follow_keys(fresh) == {("y:1", "y:2"), ("y:1", "y:3")}
    fresh.add_follows(["y:3"], ["y:2"])  # a refresh must not build on the old arrays
    assert _follow_keys(fresh) == {("y:1", "y:2"), ("y:1", "y:3"), ("y:3", "y:2")}


def test_corrupt_snapshot_is_rebuilt(db: Path) -> None:
    store = SQLiteStore(db)
    _fill(store)
    good = store.graph_arrays()
    (snap,) = list(store.snapshot_dir.iterdir())
    (snap / "follow_dst.npy").write_bytes(b"not an array")
    _assert_same(store.graph_arrays(), good)


def test_clear_by_another_store_resets_keys(db: Path) -> None:
    a = SQLiteStore(db)
    b = SQLiteStore(db)
    a.add_follows(["x:1", "x:2"], ["x:2", "x:3"])
    assert a.keys_to_index(["x:1"]).tolist() == [0]
    b.clear()
    b.add_follows(
        ["y:1", "y:2", "y:3", "y:4"], ["y:2", "y:3", "y:4", "y:5"]
    )  # more ids than before
    assert a.keys_to_index(["x:1", "y:1"]).tolist() == [-1, 0]
    a.add_follows(["x:1"], ["x:2"])
    assert a.counts().accounts == 7
    assert ("x:1", "x:2") in _follow_keys(a)
    assert a.get_account("x:1").key == "x:1"


def test_bad_repost_columns_are_rejected_before_writing(db: Path) -> None:
    store = SQLiteStore(db)
    with pytest.raises(InputError, match="64-bit"):
        store.add_reposts(
            RepostBatch.from_columns(["x:1"], ["x:2"], ["p"], [2**70], ["repost"])
        )  # too large for SQLite
    with pytest.raises(InputError):
        store.add_reposts(
            RepostBatch.from_columns(["x:1"], ["x:2"], ["p"], [1], ["repost"], ["heavy"])
        )
    assert store.counts() == StoreCounts(0, 0, 0)


def test_failed_write_does_not_poison_the_key_cache(db: Path) -> None:
    a = SQLiteStore(db)
    b = SQLiteStore(db)
    with pytest.raises(sqlite3.Error):  # fails inside the transaction, after ids were assigned
        bad = RepostBatch.from_columns(["x:1"], ["x:2"], [object()], [1], ["repost"])  # type: ignore[list-item]
        a.add_reposts(bad)
    assert a.counts().accounts == 0
    b.add_follows(["y:1", "y:2"], ["y:2", "y:3"])  # takes the ids the failed write used
    assert a.keys_to_index(["x:1", "y:1"]).tolist() == [-1, 0]
    a.add_follows(["x:1"], ["x:2"])
    assert _follow_keys(b) == {("y:1", "y:2"), ("y:2", "y:3"), ("x:1", "x:2")}


# --------------------------------------------------------------------------- runs
def test_old_runs_are_pruned_but_never_the_current_one(db: Path) -> None:
    store = SQLiteStore(db, keep_runs=1)
    _fill(store)
    store.start_run("early", {})
    store.start_run("late", {})
    store.write_results("early", make_results(store, RANKS))
    store.write_results("late", make_results(store, {k: v / 2 for k, v in RANKS.items()}))
    store.publish_run("late", counts={}, timings={}, quality={})
    store.publish_run("early", counts={}, timings={}, quality={})  # finishes last: current
    current = store.current_run()
    assert current is not None and current.id == "early"
    assert store.get_account("x:1").pagerank == pytest.approx(0.5)
    con = sqlite3.connect(db)
    try:
        per_run = dict(con.execute("SELECT run_id, COUNT(*) FROM scores GROUP BY run_id"))
    finally:
        con.close()
    assert per_run == {"early": 3}  # keep_runs=1: the superseded run's rows are gone


# --------------------------------------------------------------------------- bad files
def test_non_database_file_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("these are my notes, not a database\n" * 200)
    with pytest.raises(StoreError, match="not a usable kolgraph database") as info:
        SQLiteStore(path)
    assert str(path) in str(info.value)
    assert info.value.hint  # says how to fix it


def test_other_schema_version_is_a_store_error(db: Path) -> None:
    SQLiteStore(db).close()
    con = sqlite3.connect(db)
    con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    con.commit()
    con.close()
    with pytest.raises(StoreError, match="schema version 99"):
        SQLiteStore(db)


def _downgrade(db: Path, version: int) -> None:
    """Turn a current database into one that kolgraph schema ``version`` wrote: drop
    the columns and tables added since (the upgrades only ever append them)."""
    con = sqlite3.connect(db)
    try:
        for col in ("external_edges", "density", "bridges"):  # v3
            con.execute(f"ALTER TABLE communities DROP COLUMN {col}")
        if version == 1:
            for col in ("engagement", "anomaly", "spread", "flags"):  # v2
                con.execute(f"ALTER TABLE scores DROP COLUMN {col}")
            con.execute("DROP TABLE artifacts")
        con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(version),))
        con.commit()
    finally:
        con.close()


@pytest.mark.parametrize("version", [2, 1])
def test_older_schema_is_upgraded_in_place_and_keeps_its_data(db: Path, version: int) -> None:
    with SQLiteStore(db) as store:
        _fill(store)
        base = make_results(store, RANKS, community={"x:1": 0, "x:2": 0, "x:3": 1})
        comm = pd.DataFrame(
            {
                "community": [0],
                "size": [2],
                "internal_edges": [1],
                "top": [store.keys_to_index(["x:1", "x:2"]).tolist()],
            }
        )
        _publish(store, "old", RunResults(base.scores, comm, base.overlaps))
        counts, arrays = store.counts(), store.graph_arrays()
    _downgrade(db, version)

    with SQLiteStore(db) as store:
        assert store.counts() == counts
        _assert_same(store.graph_arrays(), arrays)
        run = store.current_run()
        assert run is not None and run.id == "old"
        rec = store.get_account("x:1")
        assert (rec.pagerank, rec.community, rec.name) == (pytest.approx(0.5), 0, "Alice")
        (old,), total = store.list_communities()
        assert total == 1
        assert (old.community, old.size, old.internal_edges, old.top) == (0, 2, 1, ["x:1", "x:2"])
        # what the old run never computed is unknown; density follows from what it stored
        assert old.external_edges is None and old.bridges is None
        assert old.density == pytest.approx(0.5)

        # the upgraded store takes a new run with every field
        new_comm = comm.assign(
            external_edges=[2], density=[0.5], bridges=[store.keys_to_index(["x:2"]).tolist()]
        )
        _publish(store, "new", RunResults(base.scores, new_comm, base.overlaps))
        (new,), _ = store.list_communities()
        assert (new.external_edges, new.density, new.bridges) == (2, 0.5, ["x:2"])
    con = sqlite3.connect(db)
    try:
        version_now = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    finally:
        con.close()
    assert version_now == (str(SCHEMA_VERSION),)
    SQLiteStore(db).close()  # reopening an upgraded store changes nothing


def test_version_4_store_takes_partner_accounts_after_the_upgrade(db: Path) -> None:
    with SQLiteStore(db) as store:
        _fill(store)
        store.upsert_accounts([Account("x", "2", name="Bob", kind=Kind.OWN, cost=3.0)])
        frame, arrays = store.accounts_frame(), store.graph_arrays()
    con = sqlite3.connect(db)  # the accounts table as version 4 wrote it: no kind 'partner'
    try:
        con.executescript(
            "BEGIN;"
            "CREATE TABLE old (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, "
            "platform TEXT NOT NULL, account_id TEXT NOT NULL, name TEXT NOT NULL DEFAULT '', "
            "kind TEXT NOT NULL DEFAULT 'user' CHECK (kind IN ('kol','media','own','user')), "
            "followers INTEGER, cost REAL);"
            "INSERT INTO old SELECT * FROM accounts; DROP TABLE accounts;"
            "ALTER TABLE old RENAME TO accounts;"
            "UPDATE meta SET value = '4' WHERE key = 'schema_version'; COMMIT;"
        )
        with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
            con.execute("UPDATE accounts SET kind = 'partner' WHERE key = 'x:3'")
    finally:
        con.close()

    with SQLiteStore(db) as store:
        pd.testing.assert_frame_equal(store.accounts_frame(), frame)  # ids and fields kept
        _assert_same(store.graph_arrays(), arrays)
        store.upsert_accounts([Account("x", "3", kind=Kind.PARTNER)])
        assert store.get_account("x:3").kind is Kind.PARTNER
    con = sqlite3.connect(db)
    try:
        version = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    finally:
        con.close()
    assert version == (str(SCHEMA_VERSION),)


def test_missing_directory_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "no" / "such" / "dir" / "kol.db"
    with pytest.raises(StoreError, match="does not exist") as info:
        SQLiteStore(path)
    assert str(path.parent) in str(info.value)
    assert not path.parent.exists()


def test_context_manager_closes(db: Path) -> None:
    with SQLiteStore(db) as store:
        _fill(store)
    # a closed store reopens its connection on demand
    assert store.counts().follows == 3
