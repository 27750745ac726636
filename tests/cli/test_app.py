"""The root command: the whole workflow through the CLI, and --version."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest

from kolgraph.store import SQLiteStore

from .helpers import kolgraph, kolgraph_joined


def test_import_rank_export_plan(world: Path) -> None:
    db = str(world)
    code, out, err = kolgraph("rank", "--db", db)
    assert code == 0, err
    assert "modularity" in out and "top 10 accounts" in out

    code, out, _ = kolgraph("export", "scores", "--db", db)
    assert code == 0
    df = pd.read_csv(io.StringIO(out))
    assert {"key", "kind", "pagerank", "community", "followers"} <= set(df.columns)
    assert df["pagerank"].sum() == pytest.approx(1.0)
    assert df["pagerank"].is_monotonic_decreasing
    assert df.loc[df["key"] == "x:102", "kind"].item() == "media"

    code, out, _ = kolgraph("export", "scores", "--format", "json", "--db", db)
    rows = json.loads(out)
    assert len(rows) == len(df) and rows[0]["key"] == df["key"].iloc[0]

    code, out, err = kolgraph(
        "plan",
        "--budget",
        "700",
        "--kol",
        "1..2",
        "--media",
        "0..1",
        "--own",
        "1",
        "--format",
        "json",
        "--db",
        db,
    )
    assert code == 0, err
    plan = json.loads(out)
    kinds = [a["kind"] for a in plan["accounts"]]
    assert 1 <= kinds.count("kol") <= 2 and kinds.count("own") == 1 and kinds.count("media") <= 1
    assert plan["spent"] <= 700
    assert plan["unique_reach"] == sum(a["marginal_reach"] for a in plan["accounts"])
    assert [p["phase"] for p in plan["phases"]] == [
        "origin",
        "explosion",
        "mass_spread",
        "flattening",
    ]
    own = next(a for a in plan["accounts"] if a["kind"] == "own")
    assert own["phase"] == "origin"

    code, out, _ = kolgraph("plan", "--budget", "700", "--db", db)
    assert code == 0 and "expected unique reach" in out

    for cmd in (["runs"], ["communities"], ["accounts", "--kind", "kol"]):
        code, out, err = kolgraph(*cmd, "--db", db)
        assert code == 0, err
    code, out, _ = kolgraph("communities", "--db", db)
    header = next(line for line in out.splitlines() if "community" in line and "size" in line)
    assert "density" in header and "bridges" in header
    code, out, _ = kolgraph("accounts", "--kind", "kol", "--db", db)
    assert "Big KOL" in out and "News Daily" not in out


def test_version() -> None:
    code, out, _ = kolgraph("--version")
    assert code == 0 and out.startswith("kolgraph ")


def test_every_command_is_registered() -> None:
    code, out, _ = kolgraph("--help")
    assert code == 0
    listed = {line.split()[0] for line in out.split("Commands:")[1].splitlines() if line.strip()}
    assert listed == {
        "import",
        "rank",
        "runs",
        "accounts",
        "communities",
        "export",
        "plan",
        "plans",
        "report",
        "evaluate",
        "backtest",
        "overlap",
        "affinity",
        "lookalike",
        "crawl",
        "simulate",
        "serve",
        "keys",
        "demo",
        "jobs",
        "listen",
        "topics",
        "respond",
        "alerts",
    }
    code, out, _ = kolgraph("export", "--help")
    assert code == 0 and {"scores", "edges", "neo4j-import", "parquet"} <= set(out.split())
    code, out, _ = kolgraph("crawl", "--help")
    assert code == 0 and {"weibo", "x", "bilibili", "replay", "status"} <= set(out.split())
    code, out, _ = kolgraph("jobs", "--help")
    assert code == 0 and {"list", "show", "cancel"} <= set(out.split())
    code, out, _ = kolgraph("topics", "--help")
    assert code == 0 and {"add", "list", "show", "remove"} <= set(out.split())
    code, out, _ = kolgraph("alerts", "--help")
    assert code == 0 and {"subscribe", "list", "remove", "deliveries"} <= set(out.split())


def test_a_read_in_the_wrong_folder_says_so_and_creates_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "kolgraph.db"
    for args in (["accounts"], ["plans"], ["runs"], ["plan", "--budget", "10"]):
        code, _, err = kolgraph_joined(*args, "--db", str(missing))
        assert code == 2 and "no store at" in err and "nowhere" in err, (args, err)
        assert "--db PATH" in err
    assert not missing.exists() and not missing.parent.exists()


def test_negative_limits_and_a_run_diffed_with_itself(world: Path) -> None:
    assert kolgraph("rank", "--db", str(world))[0] == 0
    code, _, err = kolgraph_joined("accounts", "--limit", "-1", "--db", str(world))
    assert code == 2 and "--limit" in err
    run = SQLiteStore(world).list_runs()[0].id
    code, out, _ = kolgraph("runs", "diff", run, run, "--db", str(world))
    assert code == 0 and "the same run twice" in out
