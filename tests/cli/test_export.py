"""``kolgraph export edges``, ``kolgraph export neo4j-import`` and ``kolgraph export parquet``."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd

from .helpers import kolgraph


def test_export_edges(world: Path) -> None:
    code, out, _ = kolgraph("export", "edges", "--db", str(world))
    assert code == 0
    df = pd.read_csv(io.StringIO(out))
    assert list(df.columns) == ["src", "dst", "type", "post_id", "ts", "action", "weight"]
    from kolgraph.store import SQLiteStore

    counts = SQLiteStore(world).counts()
    assert (df["type"] == "follow").sum() == counts.follows
    reposts = df[df["type"] == "repost"]
    assert len(reposts) == counts.reposts == 3
    assert set(reposts["ts"].astype(int)) == {1700000000, 1700000100, 1700000200}
    code, out, _ = kolgraph(
        "export", "edges", "--type", "repost", "--format", "json", "--db", str(world)
    )
    rows = json.loads(out)
    assert len(rows) == 3 and {r["dst"] for r in rows} == {"x:100", "x:101"}


def test_export_neo4j_import(world: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "imp"
    code, out, err = kolgraph("export", "neo4j-import", str(out_dir), "--db", str(world))
    assert code == 0, err
    assert "neo4j-admin database import full" in out
    assert (out_dir / "README.txt").is_file()
    assert any(p.name.startswith("follows") for p in out_dir.iterdir())


def test_export_parquet(world: Path, tmp_path: Path) -> None:
    from kolgraph.store import SQLiteStore
    from kolgraph.store.parquet import read_graph_arrays, read_manifest

    out_dir = tmp_path / "graph"
    code, out, err = kolgraph(
        "export", "parquet", str(out_dir), "--rows-per-file", "50", "--db", str(world)
    )
    assert code == 0, err
    manifest = read_manifest(out_dir)
    assert manifest.export_id in out and "follows" in out and "reposts" in out
    with SQLiteStore(world) as st:
        want = st.graph_arrays()
        counts = st.counts()
    got = read_graph_arrays(out_dir)
    assert got.n_nodes == want.n_nodes
    assert (got.follow_src == want.follow_src).all() and (got.repost_ts == want.repost_ts).all()
    assert manifest.counts == {
        "accounts": counts.accounts,
        "follows": counts.follows,
        "reposts": counts.reposts,
    }
    assert len(manifest.tables["follows"].files) == -(-counts.follows // 50) > 1
    assert len(pd.read_parquet(out_dir / "follows")) == counts.follows

    code, _, err = kolgraph("export", "parquet", str(out_dir), "--db", str(world))
    assert code == 2 and "not empty" in err and "--overwrite" in err
    assert read_manifest(out_dir) == manifest

    code, out, err = kolgraph(
        "export", "parquet", str(out_dir), "--overwrite", "--format", "json", "--db", str(world)
    )
    assert code == 0, err
    doc = json.loads(out)
    assert doc == json.loads((out_dir / "manifest.json").read_text())
    assert doc["export_id"] != manifest.export_id and doc["format"] == "kolgraph-graph"
    assert doc["tables"]["follows"]["schema"] == {"src": "int64", "dst": "int64"}
    assert doc["counts"]["reposts"] == 3

    code, _, _ = kolgraph("export", "parquet", str(tmp_path / "x"), "--rows-per-file", "0")
    assert code == 2 and not (tmp_path / "x").exists()
