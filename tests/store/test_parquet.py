"""The graph as Parquet: round trips, other readers, part files, atomic replacement, errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from kolgraph.demo import load_demo
from kolgraph.errors import InputError, StoreError
from kolgraph.rank.job import run_rank
from kolgraph.store import GraphArrays, SQLiteStore, Store
from kolgraph.store import parquet as pqx
from kolgraph.store.parquet import (
    COLUMNS,
    MANIFEST,
    Manifest,
    export_parquet,
    read_graph_arrays,
    read_manifest,
)
from kolgraph.synth import generate_demo

ARRAY_FIELDS = (
    "follow_src",
    "follow_dst",
    "repost_src",
    "repost_dst",
    "repost_ts",
    "repost_weight",
)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    """A 300-account demo network, loaded but not ranked."""
    with SQLiteStore(tmp_path / "k.db") as st:
        load_demo(st, generate_demo(300, seed=5))
        yield st


def assert_same_arrays(got: GraphArrays, want: GraphArrays) -> None:
    assert got.n_nodes == want.n_nodes
    for name in ARRAY_FIELDS:
        a, b = getattr(got, name), getattr(want, name)
        assert a.dtype == b.dtype, name
        assert np.array_equal(a, b), name


def assert_round_trip(store: Store, directory: Path, **kwargs: int) -> Manifest:
    """Export ``store``, read it back, and check edges, accounts and manifest against it."""
    manifest = export_parquet(store, directory, **kwargs)
    assert_same_arrays(read_graph_arrays(directory), store.graph_arrays())
    counts = store.counts()
    assert manifest.counts == {
        "accounts": counts.accounts,
        "follows": counts.follows,
        "reposts": counts.reposts,
    }
    assert read_manifest(directory) == manifest
    acc = pd.read_parquet(directory / "accounts")
    want = store.accounts_frame()
    assert list(acc.columns) == list(COLUMNS["accounts"])
    assert list(acc["idx"]) == list(range(len(want)))
    for col in ("key", "platform", "account_id", "name", "kind"):
        assert acc[col].tolist() == want[col].tolist(), col
    for col in ("followers", "cost"):  # NaN where unknown, on both sides
        assert np.array_equal(acc[col].to_numpy(), want[col].to_numpy(), equal_nan=True), col
    return manifest


def test_round_trip_sqlite(store: SQLiteStore, tmp_path: Path) -> None:
    run = run_rank(store).run
    manifest = assert_round_trip(store, tmp_path / "graph")
    assert manifest.store == "sqlite" and manifest.current_run == run.id
    assert manifest.export_id.startswith("pq-") and manifest.created.endswith("+00:00")
    doc = json.loads((tmp_path / "graph" / MANIFEST).read_text())
    assert doc["format"] == "kolgraph-graph" and doc["version"] == 1
    assert doc["counts"] == manifest.counts
    assert doc["tables"]["reposts"]["schema"] == {
        "src": "int64",
        "dst": "int64",
        "weight": "float64",
        "ts": "int64",
    }
    assert Manifest.from_json(manifest.to_json()) == manifest


@pytest.mark.neo4j
def test_round_trip_neo4j(neo4j_store: Store, tmp_path: Path) -> None:
    load_demo(neo4j_store, generate_demo(300, seed=5))
    manifest = assert_round_trip(neo4j_store, tmp_path / "graph", rows_per_file=1_000)
    assert manifest.store == "neo4j" and len(manifest.tables["follows"].files) > 1


def test_pandas_and_duckdb_read_the_files(store: SQLiteStore, tmp_path: Path) -> None:
    out = tmp_path / "graph"
    export_parquet(store, out, rows_per_file=1_000)
    counts = store.counts()
    follows = pd.read_parquet(out / "follows")
    assert len(follows) == counts.follows
    assert {c: str(t) for c, t in follows.dtypes.items()} == {"src": "int64", "dst": "int64"}
    assert len(pd.read_parquet(out / "reposts")) == counts.reposts
    assert len(pd.read_parquet(out / "accounts")) == counts.accounts
    for table, n in (
        ("accounts", counts.accounts),
        ("follows", counts.follows),
        ("reposts", counts.reposts),
    ):
        rows = duckdb.sql(
            f"select count(*) from read_parquet('{out}/{table}/*.parquet')"
        ).fetchall()
        assert rows == [(n,)], table
    # a join over the dense index: every follow edge names two accounts
    rows = duckdb.sql(
        f"select count(*) from read_parquet('{out}/follows/*.parquet') f "
        f"join read_parquet('{out}/accounts/*.parquet') a on a.idx = f.src "
        f"join read_parquet('{out}/accounts/*.parquet') b on b.idx = f.dst"
    ).fetchall()
    assert rows == [(counts.follows,)]


def test_rows_per_file_splits_the_tables(store: SQLiteStore, tmp_path: Path) -> None:
    out = tmp_path / "graph"
    manifest = export_parquet(store, out, rows_per_file=1_000)
    follows = manifest.tables["follows"]
    assert len(follows.files) == -(-follows.rows // 1_000) > 1
    assert follows.files[:2] == ("follows/part-00000.parquet", "follows/part-00001.parquet")
    sizes = [pq.ParquetFile(out / f).metadata.num_rows for f in follows.files]
    assert sizes[:-1] == [1_000] * (len(sizes) - 1) and sum(sizes) == follows.rows
    assert sorted(p.name for p in (out / "follows").iterdir()) == [
        Path(f).name for f in follows.files
    ]
    assert len(manifest.tables["reposts"].files) == 1
    assert_same_arrays(read_graph_arrays(out), store.graph_arrays())


def test_an_empty_store_gives_one_empty_part_per_table(tmp_path: Path) -> None:
    with SQLiteStore(tmp_path / "empty.db") as st:
        manifest = export_parquet(st, tmp_path / "graph")
        assert_same_arrays(read_graph_arrays(tmp_path / "graph"), st.graph_arrays())
    for table, cols in COLUMNS.items():
        assert manifest.tables[table].files == (f"{table}/part-00000.parquet",)
        data = pq.read_table(tmp_path / "graph" / table / "part-00000.parquet")
        assert data.num_rows == 0 and data.column_names == list(cols)
    assert pq.read_schema(tmp_path / "graph/reposts/part-00000.parquet").field("ts").type == (
        pa.int64()
    )


def test_a_non_empty_directory_is_refused_without_overwrite(
    store: SQLiteStore, tmp_path: Path
) -> None:
    out = tmp_path / "graph"
    first = export_parquet(store, out)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    with pytest.raises(InputError, match="not empty") as exc:
        export_parquet(store, out)
    assert exc.value.hint is not None and "--overwrite" in exc.value.hint
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert read_manifest(out) == first

    second = export_parquet(store, out, overwrite=True, rows_per_file=2_000)
    assert second.export_id != first.export_id and read_manifest(out) == second
    assert len(second.tables["follows"].files) == len(list((out / "follows").iterdir())) == 3
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("graph")) == ["graph"]


def test_an_empty_directory_is_used(store: SQLiteStore, tmp_path: Path) -> None:
    (tmp_path / "graph").mkdir()
    export_parquet(store, tmp_path / "graph")
    assert read_manifest(tmp_path / "graph").counts["accounts"] == 300


def test_overwrite_replaces_only_an_export(store: SQLiteStore, tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    with pytest.raises(InputError, match="no kolgraph graph export"):
        export_parquet(store, mine, overwrite=True)
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="is a file"):
        export_parquet(store, tmp_path / "file")


def test_a_failure_mid_write_leaves_the_old_export(
    store: SQLiteStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "graph"
    old = export_parquet(store, out)
    write = pqx._write_part
    calls = 0

    def failing(table: pa.Table, path: Path) -> None:
        nonlocal calls
        calls += 1
        if calls == 3:  # accounts and one follows part written, then the disk fills up
            raise OSError("No space left on device")
        write(table, path)

    monkeypatch.setattr(pqx, "_write_part", failing)
    with pytest.raises(OSError, match="No space"):
        export_parquet(store, out, overwrite=True, rows_per_file=1_000)
    assert calls == 3
    assert read_manifest(out) == old
    assert_same_arrays(read_graph_arrays(out), store.graph_arrays())
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("graph")] == ["graph"]

    calls = 0
    with pytest.raises(OSError, match="No space"):
        export_parquet(store, tmp_path / "new", rows_per_file=1_000)
    assert not (tmp_path / "new").exists()
    assert not [p for p in tmp_path.iterdir() if ".tmp-" in p.name]


def test_bad_arguments_and_a_store_that_changes(
    store: SQLiteStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(InputError, match="rows_per_file"):
        export_parquet(store, tmp_path / "graph", rows_per_file=0)
    frame = store.accounts_frame()
    monkeypatch.setattr(store, "accounts_frame", lambda: frame.iloc[:-1])
    with pytest.raises(StoreError, match="written to during the export"):
        export_parquet(store, tmp_path / "graph")
    assert not tmp_path.joinpath("graph").exists()


@pytest.fixture
def exported(store: SQLiteStore, tmp_path: Path) -> Path:
    out = tmp_path / "graph"
    export_parquet(store, out, rows_per_file=2_000)
    return out


def _edit_manifest(directory: Path, **changes: object) -> None:
    path = directory / MANIFEST
    doc = json.loads(path.read_text())
    doc.update(changes)
    path.write_text(json.dumps(doc))


def test_read_manifest_errors(exported: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such export directory") as exc:
        read_manifest(tmp_path / "nowhere")
    assert exc.value.hint and exc.value.source == str(tmp_path / "nowhere")
    with pytest.raises(InputError, match=f"no {MANIFEST}"):
        read_manifest(tmp_path)

    manifest_text = (exported / MANIFEST).read_text()
    (exported / MANIFEST).write_text("{not json")
    with pytest.raises(InputError, match="not JSON") as exc:
        read_manifest(exported)
    assert exc.value.source == str(exported / MANIFEST)

    (exported / MANIFEST).write_text(manifest_text)
    _edit_manifest(exported, format="something-else")
    with pytest.raises(InputError, match="not a kolgraph graph export"):
        read_manifest(exported)

    (exported / MANIFEST).write_text(manifest_text)
    _edit_manifest(exported, version=2)
    with pytest.raises(InputError, match="version 2 is not supported"):
        read_manifest(exported)

    (exported / MANIFEST).write_text(manifest_text)
    _edit_manifest(exported, tables={})
    with pytest.raises(InputError, match="lacks or garbles"):
        read_manifest(exported)

    (exported / MANIFEST).write_text(manifest_text)
    (exported / "follows/part-00001.parquet").unlink()
    with pytest.raises(InputError, match=r"missing: follows/part-00001\.parquet") as exc:
        read_manifest(exported)
    assert exc.value.hint is not None and "--overwrite" in exc.value.hint


def test_read_graph_arrays_checks_rows_and_files(exported: Path) -> None:
    doc = json.loads((exported / MANIFEST).read_text())
    doc["tables"]["follows"]["rows"] += 1
    doc["counts"]["follows"] += 1
    (exported / MANIFEST).write_text(json.dumps(doc))
    with pytest.raises(InputError, match=r"follows has \d+ rows but the manifest says"):
        read_graph_arrays(exported)

    doc["tables"]["follows"]["rows"] -= 1
    doc["counts"]["follows"] -= 1
    (exported / MANIFEST).write_text(json.dumps(doc))
    read_graph_arrays(exported)
    (exported / "reposts/part-00000.parquet").write_bytes(b"not parquet")
    with pytest.raises(InputError, match="cannot read the Parquet file"):
        read_graph_arrays(exported)
