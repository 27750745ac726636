"""Kept plans, ``kolgraph evaluate`` and the flagged-account options of ``kolgraph plan``."""

from __future__ import annotations

import json
from pathlib import Path

from kolgraph.store import SQLiteStore

from .helpers import kolgraph, kolgraph_joined

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
    code, out, err = kolgraph(
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


def test_plans_are_kept_and_evaluated(world: Path, tmp_path: Path) -> None:
    db = str(world)
    assert kolgraph("rank", "--db", db)[0] == 0
    plan = _two_account_plan(db)
    pid = str(plan["id"])
    assert pid.startswith("pl-")
    with SQLiteStore(world) as st:
        kept = st.get_plan(pid)
    assert kept.body == plan and kept.evaluation is None
    assert kept.params["skip_flagged"] is True and kept.params["include"] == ["x:100"]

    code, out, err = kolgraph("plan", "--budget", "700", "--db", db)
    assert code == 0, err
    table_id = next(line for line in out.splitlines() if "plan id" in line).split()[-2]
    assert table_id.startswith("pl-") and table_id != pid
    assert f"kolgraph evaluate {table_id} --cascades FILE" in out
    code, out, _ = kolgraph("plans", "--format", "json", "--db", db)
    listed = json.loads(out)
    assert [p["id"] for p in listed["data"]] == [table_id, pid] and listed["count"] == 2
    assert listed["data"][1]["accounts"] == 2 and listed["data"][1]["evaluated"] is False

    cascades = tmp_path / "campaign.csv"
    cascades.write_text(CAMPAIGN)
    code, out, err = kolgraph(
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

    code, out, err = kolgraph_joined("evaluate", pid, "--cascades", str(cascades), "--db", db)
    assert code == 2 and "no platform prefix" in err and "--platform" in err
    code, out, err = kolgraph(
        "evaluate", pid, "--cascades", str(cascades), "--platform", "x", "--db", db
    )
    assert code == 0, err
    for words in ("people engaged (actual)", "per account", "per phase", "incremental", "lesson"):
        assert words in out, words
    row = next(line for line in out.splitlines() if "x:100" in line)
    cells = [c.strip() for c in row.split("│")[1:-1]]
    assert cells[:2] == ["x:100", "kol"] and cells[6:8] == ["3", "2"]  # moved, incremental
    code, out, _ = kolgraph("plans", "--db", db)
    assert code == 0 and pid in out and "yes" in out


def test_evaluate_bad_input_changes_nothing(world: Path, tmp_path: Path) -> None:
    db = str(world)
    assert kolgraph("rank", "--db", db)[0] == 0
    pid = str(_two_account_plan(db)["id"])
    good = tmp_path / "campaign.csv"
    good.write_text(CAMPAIGN)

    code, out, err = kolgraph_joined("evaluate", "pl-nope", "--cascades", str(good), "--db", db)
    assert code == 2 and out == ""
    assert "no plan with id 'pl-nope'" in err and "kolgraph plans" in err
    assert "Traceback" not in err

    elsewhere = tmp_path / "elsewhere.csv"
    elsewhere.write_text("src,dst,ts\nx:1,x:101,1700000000\nx:2,x:102,1700000001\n")
    code, _, err = kolgraph_joined("evaluate", pid, "--cascades", str(elsewhere), "--db", db)
    assert code == 2 and "none of plan" in err and "x:100" in err and "fix:" in err

    malformed = tmp_path / "malformed.tsv"
    malformed.write_text("src\tdst\tts\nx:1\tx:100\t1700000000\nx:2\tx:100\tlater\n")
    code, _, err = kolgraph_joined("evaluate", pid, "--cascades", str(malformed), "--db", db)
    assert code == 2 and "malformed.tsv:3" in err and "'later'" in err and "fix:" in err

    code, _, err = kolgraph_joined(
        "evaluate", pid, "--cascades", str(tmp_path / "gone.csv"), "--db", db
    )
    assert code == 2 and "does not exist" in err
    code, _, err = kolgraph_joined("evaluate", pid, "--db", db)
    assert code == 2 and "--cascades" in err  # required
    with SQLiteStore(world) as st:
        assert st.get_plan(pid).evaluation is None


def test_flagged_accounts_are_skipped_unless_included(world: Path) -> None:
    db = str(world)
    assert kolgraph("rank", "--db", db)[0] == 0
    included = _two_account_plan(db, "--include-flagged")
    legacy = _two_account_plan(db, "--skip-flagged")  # hidden, the default now
    with SQLiteStore(world) as st:
        assert st.get_plan(str(included["id"])).params["skip_flagged"] is False
        assert st.get_plan(str(legacy["id"])).params["skip_flagged"] is True
    code, out, _ = kolgraph("plan", "--help")
    assert code == 0 and "--include-flagged" in out and "--skip-flagged" not in out


def test_partner_range_picks_partner_accounts_within_it(world: Path, tmp_path: Path) -> None:
    db = str(world)
    partners = tmp_path / "partners.csv"  # x:201..x:203 reach 8 people each, nobody else does
    partners.write_text(
        "key,name,kind,cost\nx:201,Ally Co,partner,20\nx:202,Sister Brand,partner,\n"
        "x:203,Co-brand,partner,25\n"
    )
    code, out, err = kolgraph("import", "accounts", str(partners), "--db", db)
    assert code == 0, err
    assert kolgraph("rank", "--db", db)[0] == 0

    def partner_rows(*mix: str) -> list[dict[str, object]]:
        code, out, err = kolgraph("plan", "--budget", "700", *mix, "--format", "json", "--db", db)
        assert code == 0, err
        return [a for a in json.loads(out)["accounts"] if a["kind"] == "partner"]

    # without a range all three fit; --partner 1..2 keeps two of them, at their prices
    every = {a["key"]: a for a in partner_rows()}
    assert set(every) == {"x:201", "x:202", "x:203"}
    assert (every["x:202"]["cost"], every["x:202"]["cost_estimated"]) == (0.0, False)  # no price
    assert (every["x:201"]["cost"], every["x:203"]["cost"]) == (20.0, 25.0)
    rows = partner_rows("--partner", "1..2")
    assert len(rows) == 2 and {a["key"] for a in rows} < set(every)
    assert partner_rows("--partner", "0") == []
    assert len(partner_rows("--partner", "1", "--max-accounts", "1")) == 1

    code, _, err = kolgraph("plan", "--budget", "700", "--partner", "2..1", "--db", db)
    assert code == 2 and "invalid range 2..1" in err
    code, out, _ = kolgraph("plan", "--budget", "700", "--db", db)
    assert code == 0 and "partner" in out  # the table names the kind
    code, out, _ = kolgraph("accounts", "--kind", "partner", "--db", db)
    assert code == 0 and all(k in out for k in ("x:201", "x:202", "x:203"))
    assert "x:100" not in out and "x:103" not in out
