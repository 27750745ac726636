"""``kolgraph export edges`` and ``kolgraph export neo4j-import``."""

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
