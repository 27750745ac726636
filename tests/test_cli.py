"""The CLI contract: command names, options, outputs and error exits."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from kolgraph.cli import app
from kolgraph.store import SQLiteStore

runner = CliRunner()


def _run(*args: str) -> tuple[int, str, str]:
    res = runner.invoke(app, list(args))
    return res.exit_code, res.stdout, res.stderr


@pytest.fixture
def world(tmp_path: Path) -> Path:
    """A small follow graph + reposts + account metadata, imported through the CLI."""
    db = tmp_path / "k.db"
    edges = tmp_path / "follows.csv"
    lines = ["follower,followed"]
    for u in range(40):
        for v in (100, 101, 102, 103):
            if (u + v) % 3:
                lines.append(f"{u},{v}")
        lines.append(f"{u},{200 + u % 5}")
    edges.write_text("\n".join(lines) + "\n")
    code, _, err = _run(
        "import",
        "edges",
        str(edges),
        "--type",
        "follow",
        "--platform",
        "x",
        "--columns",
        "src=follower,dst=followed",
        "--db",
        str(db),
    )
    assert code == 0, err
    reposts = tmp_path / "reposts.tsv.gz"
    with gzip.open(reposts, "wt") as fh:
        fh.write("1\t100\t1700000000\n2\t100\t1700000100\n3\t101\t1700000200\n")
    code, _, err = _run(
        "import",
        "edges",
        str(reposts),
        "--type",
        "repost",
        "--platform",
        "x",
        "--columns",
        "src,dst,ts",
        "--db",
        str(db),
    )
    assert code == 0, err
    meta = tmp_path / "accounts.csv"
    meta.write_text(
        "key,name,kind,followers,cost\n"
        "x:100,Big KOL,kol,5000,300\nx:101,Mid KOL,kol,3000,150\nx:102,News Daily,media,8000,400\n"
        "x:103,Brand,own,1000,\nx:200,Small KOL,kol,200,40\n"
    )
    code, out, err = _run("import", "accounts", str(meta), "--db", str(db))
    assert code == 0, err
    assert "5 accounts read" in out
    return db


def test_import_rank_export_plan(world: Path) -> None:
    db = str(world)
    code, out, err = _run("rank", "--db", db)
    assert code == 0, err
    assert "modularity" in out and "top 10 accounts" in out

    code, out, _ = _run("export", "scores", "--db", db)
    assert code == 0
    df = pd.read_csv(io.StringIO(out))
    assert {"key", "kind", "pagerank", "community", "followers"} <= set(df.columns)
    assert df["pagerank"].sum() == pytest.approx(1.0)
    assert df["pagerank"].is_monotonic_decreasing
    assert df.loc[df["key"] == "x:102", "kind"].item() == "media"

    code, out, _ = _run("export", "scores", "--format", "json", "--db", db)
    rows = json.loads(out)
    assert len(rows) == len(df) and rows[0]["key"] == df["key"].iloc[0]

    code, out, err = _run(
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

    code, out, _ = _run("plan", "--budget", "700", "--db", db)
    assert code == 0 and "expected unique reach" in out

    for cmd in (["runs"], ["communities"], ["accounts", "--kind", "kol"]):
        code, out, err = _run(*cmd, "--db", db)
        assert code == 0, err
    code, out, _ = _run("communities", "--db", db)
    header = next(line for line in out.splitlines() if "community" in line and "size" in line)
    assert "density" in header and "bridges" in header
    code, out, _ = _run("accounts", "--kind", "kol", "--db", db)
    assert "Big KOL" in out and "News Daily" not in out


def test_reimport_changes_nothing(world: Path, tmp_path: Path) -> None:
    from kolgraph.store import SQLiteStore

    before = SQLiteStore(world).counts()
    code, out, _ = _run(
        "import",
        "edges",
        str(tmp_path / "follows.csv"),
        "--platform",
        "x",
        "--columns",
        "src=follower,dst=followed",
        "--db",
        str(world),
    )
    assert code == 0
    assert SQLiteStore(world).counts() == before
    row = next(line for line in out.splitlines() if "new edges" in line)
    assert row.replace("│", " ").split()[-1] == "0"


def test_bad_input_exits_2_with_location(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("1,2\n3,abc\n")
    code, _, err = _run("import", "edges", str(bad), "--db", str(tmp_path / "k.db"))
    assert code == 2
    assert "bad.csv:2" in err and "not numeric" in err and "fix:" in err

    code, _, err = _run("plan", "--budget", "100", "--db", str(tmp_path / "k.db"))
    assert code == 2 and "kolgraph rank" in err

    code, _, err = _run("plan", "--budget", "100", "--kol", "5..2", "--db", str(tmp_path / "k.db"))
    assert code == 2 and "MIN..MAX" in err

    code, _, err = _run(
        "import", "edges", str(tmp_path / "missing.csv"), "--db", str(tmp_path / "k.db")
    )
    assert code == 2 and "not found" in err


def test_skip_mode_writes_rejects(tmp_path: Path) -> None:
    bad = tmp_path / "mixed.txt"
    bad.write_text("1 2\n3\n4 5\n")
    rejects = tmp_path / "rej.tsv"
    code, _, err = _run(
        "import",
        "edges",
        str(bad),
        "--on-error",
        "skip",
        "--rejects",
        str(rejects),
        "--db",
        str(tmp_path / "k.db"),
    )
    assert code == 0, err
    assert rejects.read_text().splitlines()[1].startswith("2\t")


def test_version() -> None:
    code, out, _ = _run("--version")
    assert code == 0 and out.startswith("kolgraph ")


def test_gds_engine_needs_neo4j(world: Path) -> None:
    code, _, err = _run("rank", "--engine", "gds", "--db", str(world))
    assert code == 2
    assert "runs inside Neo4j" in err and "--store neo4j" in err
    from kolgraph.store import SQLiteStore

    assert SQLiteStore(world).list_runs() == []  # refused before a run was started


def test_export_edges(world: Path) -> None:
    code, out, _ = _run("export", "edges", "--db", str(world))
    assert code == 0
    df = pd.read_csv(io.StringIO(out))
    assert list(df.columns) == ["src", "dst", "type", "post_id", "ts", "action", "weight"]
    from kolgraph.store import SQLiteStore

    counts = SQLiteStore(world).counts()
    assert (df["type"] == "follow").sum() == counts.follows
    reposts = df[df["type"] == "repost"]
    assert len(reposts) == counts.reposts == 3
    assert set(reposts["ts"].astype(int)) == {1700000000, 1700000100, 1700000200}
    code, out, _ = _run(
        "export", "edges", "--type", "repost", "--format", "json", "--db", str(world)
    )
    rows = json.loads(out)
    assert len(rows) == 3 and {r["dst"] for r in rows} == {"x:100", "x:101"}


def test_export_neo4j_import(world: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "imp"
    code, out, err = _run("export", "neo4j-import", str(out_dir), "--db", str(world))
    assert code == 0, err
    assert "neo4j-admin database import full" in out
    assert (out_dir / "README.txt").is_file()
    assert any(p.name.startswith("follows") for p in out_dir.iterdir())


def test_runs_diff(world: Path) -> None:
    db = str(world)
    assert _run("rank", "--db", db)[0] == 0
    assert _run("rank", "--repost-weight", "50", "--db", db)[0] == 0
    from kolgraph.store import SQLiteStore

    after, before = (r.id for r in SQLiteStore(world).list_runs(2))
    code, out, err = _run("runs", "diff", before, after, "--format", "json", "--db", db)
    assert code == 0, err
    rows = json.loads(out)
    moved = {r["key"]: r["moved"] for r in rows}
    # heavier reposts lift the reposted accounts x:100 / x:101 relative to the others
    assert moved["x:100"] >= 0
    code, out, _ = _run("runs", "diff", before, after, "--db", db)
    assert code == 0 and "rank before" in out
    code, _, err = _run("runs", "diff", "nope", after, "--db", db)
    assert code == 2 and "nope" in err


def test_rank_only_and_half_life(world: Path) -> None:
    db = str(world)
    code, _, err = _run("rank", "--only", "pagerank", "--db", db)
    assert code == 2 and "no current run" in err
    assert _run("rank", "--half-life", "7", "--db", db)[0] == 0
    code, _, err = _run("rank", "--only", "pagerank,quality", "--db", db)
    assert code == 0, err
    code, _, err = _run("rank", "--only", "magic", "--db", db)
    assert code == 2 and "unknown stage" in err
    code, out, _ = _run("export", "scores", "--db", db)
    assert {"engagement", "anomaly", "spread", "flags"} <= set(out.splitlines()[0].split(","))
    code, _, err = _run("rank", "--threads", "2", "--db", db)
    assert code == 0, err
    (run,) = SQLiteStore(db).list_runs(limit=1)
    assert run.params["threads"] == 2
    code, _, err = _run("rank", "--threads", "0", "--db", db)
    assert code == 2 and "--threads must be at least 1" in err


def test_demo_end_to_end(tmp_path: Path) -> None:
    db = str(tmp_path / "demo.db")
    code, out, err = _run("demo", "--users", "3000", "--seed", "3", "--db", db)
    assert code == 0, err
    for section in (
        "top 10 accounts by PageRank",
        "top KOLs",
        "largest communities",
        "campaign plan",
        "expected unique reach",
    ):
        assert section in out, section
    from kolgraph.store import SQLiteStore

    counts = SQLiteStore(db).counts()
    assert counts.accounts == 3000 and counts.follows > 10_000 and counts.reposts > 0
    # a second run reuses the same network and adds a run
    assert _run("demo", "--users", "3000", "--seed", "3", "--db", db)[0] == 0
    assert SQLiteStore(db).counts() == counts
    assert len(SQLiteStore(db).list_runs()) == 2
    # a different network is refused rather than mixed in
    code, _, err = _run("demo", "--users", "3000", "--seed", "4", "--db", db)
    assert code == 2 and "--fresh" in err


# ------------------------------------------------------------------------ kept plans, evaluate
# In the world above, x:N (N < 40) follows x:100 and x:103 unless N % 3 == 2.
DAY = 86_400
CAMPAIGN = (
    "src,dst,ts,post\n"
    # post c1 by x:100 on day 0: x:5, x:2, x:8
    "x:5,x:100,1700000010,c1\nx:2,x:100,1700000020,c1\nx:8,x:5,1700000030,c1\n"
    # post c2 by x:103 on day 1: x:2 (x:100 had him), x:11, x:3
    f"x:2,x:103,{1700000000 + DAY},c2\n11,103,{1700000010 + DAY},c2\n"
    f"x:3,x:103,{1700000020 + DAY},c2\n"
)


def _two_account_plan(db: str, *more: str) -> dict[str, object]:
    """A kept plan of exactly x:100 (KOL) and x:103 (own), as JSON."""
    code, out, err = _run(
        "plan",
        "--budget",
        "700",
        "--include",
        "x:100",
        "--kol",
        "1",
        "--media",
        "0",
        "--own",
        "1",
        "--format",
        "json",
        "--db",
        db,
        *more,
    )
    assert code == 0, err
    plan: dict[str, object] = json.loads(out)
    assert {a["key"] for a in plan["accounts"]} == {"x:100", "x:103"}  # type: ignore[attr-defined]
    return plan


def _err(*args: str) -> tuple[int, str, str]:
    """Like :func:`_run`, with stderr's wrapped lines joined back into one."""
    code, out, err = _run(*args)
    return code, out, " ".join(err.split())


def test_plans_are_kept_and_evaluated(world: Path, tmp_path: Path) -> None:
    db = str(world)
    assert _run("rank", "--db", db)[0] == 0
    plan = _two_account_plan(db)
    pid = str(plan["id"])
    assert pid.startswith("pl-")
    with SQLiteStore(world) as st:
        kept = st.get_plan(pid)
    assert kept.body == plan and kept.evaluation is None
    assert kept.params["skip_flagged"] is True and kept.params["include"] == ["x:100"]

    code, out, err = _run("plan", "--budget", "700", "--db", db)
    assert code == 0, err
    table_id = next(line for line in out.splitlines() if "plan id" in line).split()[-2]
    assert table_id.startswith("pl-") and table_id != pid
    assert f"kolgraph evaluate {table_id} --cascades FILE" in out
    code, out, _ = _run("plans", "--format", "json", "--db", db)
    listed = json.loads(out)
    assert [p["id"] for p in listed["data"]] == [table_id, pid] and listed["count"] == 2
    assert listed["data"][1]["accounts"] == 2 and listed["data"][1]["evaluated"] is False

    cascades = tmp_path / "campaign.csv"
    cascades.write_text(CAMPAIGN)
    code, out, err = _run(
        "evaluate", pid, "--cascades", str(cascades), "--platform", "x", "--format", "json",
        "--db", db,
    )  # fmt: skip
    assert code == 0, err
    ev = json.loads(out)
    got = {a["key"]: (a["engaged"], a["incremental"]) for a in ev["accounts"]}
    # x:100 moved 5 2 8 (2 also moved by x:103; 5 and 8 follow no other planned account)
    # x:103 moved 11 3 (2 engaged with x:100 first); 3 follows x:100, 11 does not
    assert got == {"x:100": (3, 2), "x:103": (2, 1)}
    assert ev["engaged"] == 5 and ev["cascades"] == 2 and ev["peak_day"] == 0
    assert [p["engaged"] for p in ev["phases"]] == [3, 2, 0, 0]
    with SQLiteStore(world) as st:
        assert st.get_plan(pid).evaluation == ev

    code, out, err = _err("evaluate", pid, "--cascades", str(cascades), "--db", db)
    assert code == 2 and "no platform prefix" in err and "--platform" in err
    code, out, err = _run(
        "evaluate", pid, "--cascades", str(cascades), "--platform", "x", "--db", db
    )
    assert code == 0, err
    for words in ("people engaged (actual)", "per account", "per phase", "incremental", "lesson"):
        assert words in out, words
    row = next(line for line in out.splitlines() if "x:100" in line)
    cells = [c.strip() for c in row.split("│")[1:-1]]
    assert cells[:2] == ["x:100", "kol"] and cells[6:8] == ["3", "2"]  # moved, incremental
    code, out, _ = _run("plans", "--db", db)
    assert code == 0 and pid in out and "yes" in out


def test_evaluate_bad_input_changes_nothing(world: Path, tmp_path: Path) -> None:
    db = str(world)
    assert _run("rank", "--db", db)[0] == 0
    pid = str(_two_account_plan(db)["id"])
    good = tmp_path / "campaign.csv"
    good.write_text(CAMPAIGN)

    code, out, err = _err("evaluate", "pl-nope", "--cascades", str(good), "--db", db)
    assert code == 2 and out == ""
    assert "no plan with id 'pl-nope'" in err and "kolgraph plans" in err
    assert "Traceback" not in err

    elsewhere = tmp_path / "elsewhere.csv"
    elsewhere.write_text("src,dst,ts\nx:1,x:101,1700000000\nx:2,x:102,1700000001\n")
    code, _, err = _err("evaluate", pid, "--cascades", str(elsewhere), "--db", db)
    assert code == 2 and "none of plan" in err and "x:100" in err and "fix:" in err

    malformed = tmp_path / "malformed.tsv"
    malformed.write_text("src\tdst\tts\nx:1\tx:100\t1700000000\nx:2\tx:100\tlater\n")
    code, _, err = _err("evaluate", pid, "--cascades", str(malformed), "--db", db)
    assert code == 2 and "malformed.tsv:3" in err and "'later'" in err and "fix:" in err

    code, _, err = _err("evaluate", pid, "--cascades", str(tmp_path / "gone.csv"), "--db", db)
    assert code == 2 and "does not exist" in err
    code, _, err = _err("evaluate", pid, "--db", db)
    assert code == 2 and "--cascades" in err  # required
    with SQLiteStore(world) as st:
        assert st.get_plan(pid).evaluation is None


def test_flagged_accounts_are_skipped_unless_included(world: Path) -> None:
    db = str(world)
    assert _run("rank", "--db", db)[0] == 0
    included = _two_account_plan(db, "--include-flagged")
    legacy = _two_account_plan(db, "--skip-flagged")  # hidden, the default now
    with SQLiteStore(world) as st:
        assert st.get_plan(str(included["id"])).params["skip_flagged"] is False
        assert st.get_plan(str(legacy["id"])).params["skip_flagged"] is True
    code, out, _ = _run("plan", "--help")
    assert code == 0 and "--include-flagged" in out and "--skip-flagged" not in out


def test_plan_table_shows_warnings_and_the_per_message_forecast(
    world: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from dataclasses import replace

    from kolgraph.cli import _print_plan
    from kolgraph.plan import PlanParams, make_plan

    assert _run("rank", "--db", str(world))[0] == 0
    with SQLiteStore(world) as st:
        plan = make_plan(st, PlanParams(budget=700))
    value = {"expected": 40.0, "low": 30.0, "high": 55.0, "interval": 0.8}
    forecast = {
        "horizon_days": 14.0,
        "moved_users": {**value, "calibrated_on": 7, "extrapolated": False},
        "per_message": {**value, "expected": 12.0, "calibrated_on": 7, "extrapolated": True},
    }
    first = replace(plan.accounts[0], warnings=("flagged audience", "high overlap"))
    _print_plan(replace(plan, accounts=[first, *plan.accounts[1:]], forecast=forecast))
    out = capsys.readouterr().out
    header = next(line for line in out.splitlines() if "marginal reach" in line)
    assert "warnings" in header
    row = next(line for line in out.splitlines() if first.key in line)
    assert "flagged audience, high overlap" in row
    assert "people moved within 14 days" in out and "40 (80% interval 30..55" in out
    per = next(line for line in out.splitlines() if "per message" in line)
    assert "12 (80% interval 30..55" in per and "extrapolated" in per

    _print_plan(replace(plan, accounts=[replace(a, warnings=()) for a in plan.accounts]))
    header = next(line for line in capsys.readouterr().out.splitlines() if "marginal" in line)
    assert "warnings" not in header  # no column when nothing to warn about
