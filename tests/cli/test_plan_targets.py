"""``kolgraph plan`` with targets beyond communities and a budget curve, and their bad input.

In the world of conftest.py, x:N (N < 40) follows x:100 and x:103 unless N % 3 == 2, x:101
unless N % 3 == 1, x:102 unless N % 3 == 0, and x:(200 + N % 5); x:1 and x:2 reposted x:100.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kolgraph.store import SQLiteStore

from .helpers import kolgraph, kolgraph_joined


def _plan(db: Path, *args: str) -> dict[str, Any]:
    code, out, err = kolgraph("plan", *args, "--format", "json", "--db", str(db))
    assert code == 0, err
    doc: dict[str, Any] = json.loads(out)
    return doc


def _kept(db: Path) -> int:
    store = SQLiteStore(db)
    try:
        return len(store.list_plans(100))
    finally:
        store.close()


def test_plan_for_a_competitors_new_audience(world: Path) -> None:
    assert kolgraph("rank", "--db", str(world))[0] == 0
    # followers of x:102 (N % 3 in {1, 2}) not following the own x:103 (N % 3 in {0, 1}):
    # N % 3 == 2, 13 people; x:101 reaches all of them, x:102 itself is no candidate
    doc = _plan(world, "--budget", "1000", "--target-followers-of", "x:102", "--new-audience-only")
    t = doc["target"]
    assert (t["size"], t["reached"], t["coverage"], t["everyone"]) == (13, 13, 1.0, False)
    assert doc["target_size"] == 13 and doc["unique_reach"] == 13
    keys = [a["key"] for a in doc["accounts"]]
    assert "x:101" in keys and "x:102" not in keys
    assert doc["reach_frequency_target"]["unique_reach"] == 13
    assert doc["reach_frequency_target"]["over"] == "target"
    assert doc["reach_frequency"]["unique_reach"] >= 13
    assert sum(c["people"] for c in doc["community_coverage"]) <= 13
    code, out, _ = kolgraph(
        "plan", "--budget", "1000", "--target-followers-of", "x:102", "--db", str(world)
    )
    assert code == 0 and "followers of x:102" in out and "targeted (" in out


def test_target_users_file_and_its_errors(world: Path, tmp_path: Path) -> None:
    assert kolgraph("rank", "--db", str(world))[0] == 0
    seg = tmp_path / "segment.txt"
    seg.write_text("key\nx:5\n8\nx:11\n", encoding="utf-8")
    doc = _plan(world, "--budget", "1000", "--target-users", str(seg), "--platform", "x")
    assert doc["target"]["size"] == 3
    assert doc["target"]["filters"] == ["listed users: 3 people"]
    before = _kept(world)
    seg.write_text("x:5\nx:999\nx:1001\n", encoding="utf-8")
    code, _, err = kolgraph_joined(
        "plan", "--budget", "1000", "--target-users", str(seg), "--db", str(world)
    )
    assert code == 2 and "2 unknown account(s)" in err and "x:999 (did you mean" in err
    assert "Traceback" not in err
    code, _, err = kolgraph_joined(
        "plan", "--budget", "1000", "--target-followers-of", "x:200,x:100", "--target-users",
        str(tmp_path / "none.txt"), "--db", str(world),
    )  # fmt: skip
    assert code == 2 and "cannot read the target users file" in err
    seg.write_text("x:1\n", encoding="utf-8")  # x:1 follows x:201, not x:200
    code, _, err = kolgraph_joined(
        "plan", "--budget", "1000", "--target-followers-of", "x:200",
        "--target-users", str(seg), "--db", str(world),
    )  # fmt: skip
    assert code == 2 and "the target is empty" in err and "followers of x:200: 8 people" in err
    assert _kept(world) == before  # nothing kept by a failed plan


def test_budget_curve_is_kept_with_the_plan(world: Path) -> None:
    assert kolgraph("rank", "--db", str(world))[0] == 0
    doc = _plan(world, "--budget-curve", "100..700:100")
    curve = doc["budget_curve"]
    assert [p["budget"] for p in curve["points"]] == [100, 200, 300, 400, 500, 600, 700]
    assert all(p["spent"] <= p["budget"] for p in curve["points"])
    assert curve["points"][0]["value_per_1k_more"] is None
    knee = curve["knee_budget"]
    assert doc["budget"] == (knee if knee is not None else 700)
    with_budget = _plan(world, "--budget", "300", "--budget-curve", "100..700:300")
    assert with_budget["budget"] == 300 and len(with_budget["budget_curve"]["points"]) == 3
    point = with_budget["budget_curve"]["points"][1]
    assert (point["budget"], point["unique_reach"]) == (
        400,
        _plan(world, "--budget", "400")["unique_reach"],
    )
    code, out, _ = kolgraph("plan", "--budget-curve", "100..300:100", "--db", str(world))
    assert code == 0 and "budget curve" in out and ("returns" in out)


def test_bad_budget_curves_and_missing_budget(world: Path) -> None:
    assert kolgraph("rank", "--db", str(world))[0] == 0
    before = _kept(world)
    for args, says in (
        (["--budget-curve", "1000..20000:0"], "the step must be above zero"),
        (["--budget-curve", "a..b"], "is not LOW..HIGH:STEP"),
        ([], "a plan needs --budget"),
        (["--budget", "100", "--max-per-community", "0"], "max-per-community"),
    ):
        code, _, err = kolgraph_joined("plan", *args, "--db", str(world))
        assert code == 2, args
        assert says in err, (args, err)
    assert _kept(world) == before


def test_max_per_community(world: Path) -> None:
    assert kolgraph("rank", "--db", str(world))[0] == 0
    doc = _plan(world, "--budget", "5000", "--max-per-community", "1")
    seen = [a["community"] for a in doc["accounts"] if a["community"] is not None]
    assert len(seen) == len(set(seen))
