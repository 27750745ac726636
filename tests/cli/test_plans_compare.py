"""``kolgraph plans compare``: kept plans side by side."""

from __future__ import annotations

import json
from pathlib import Path

from kolgraph.store import SQLiteStore

from .helpers import kolgraph, kolgraph_joined


def _plan(db: str, kol: str, budget: str) -> dict[str, object]:
    """A kept plan of exactly one KOL (``kol``) and the brand's own x:103, as JSON."""
    code, out, err = kolgraph(
        "plan", "--budget", budget, "--include", kol, "--kol", "1", "--media", "0",
        "--own", "1", "--format", "json", "--db", db,
    )  # fmt: skip
    assert code == 0, err
    plan: dict[str, object] = json.loads(out)
    assert {a["key"] for a in plan["accounts"]} == {kol, "x:103"}  # type: ignore[attr-defined]
    return plan


def test_plans_compare(world: Path) -> None:
    db = str(world)
    assert kolgraph("rank", "--db", db)[0] == 0
    one, two = _plan(db, "x:100", "700"), _plan(db, "x:101", "500")
    ids = [str(one["id"]), str(two["id"])]

    code, out, err = kolgraph("plans", "compare", *ids, "--format", "json", "--db", db)
    assert code == 0, err
    got = json.loads(out)
    for side, plan in zip(got["plans"], (one, two), strict=True):
        assert side["id"] == plan["id"] and side["accounts"] == 2
        for field in ("budget", "spent", "objective", "unique_reach"):
            assert side[field] == plan[field], field
        forecast = plan["forecast"]
        moved = forecast["moved_users"] if isinstance(forecast, dict) else None
        assert side["engaged"] == (moved["expected"] if moved else None)
    assert (one["budget"], two["budget"]) == (700, 500)
    # {x:100, x:103} and {x:101, x:103}: one shared of three
    assert got["pairs"] == [{"a": ids[0], "b": ids[1], "shared": 1, "jaccard": 0.333333}]
    assert got["in_all"] == ["x:103"]

    code, out, err = kolgraph("plans", "compare", *ids, "--db", db)
    assert code == 0, err
    for words in ("side by side", "unique reach", "engaged", "accounts in common", "x:103"):
        assert words in out, words

    # the listing keeps its options
    code, out, _ = kolgraph("plans", "--limit", "1", "--format", "json", "--db", db)
    assert code == 0 and [p["id"] for p in json.loads(out)["data"]] == [ids[1]]


def test_plans_compare_bad_ids(world: Path) -> None:
    db = str(world)
    assert kolgraph("rank", "--db", db)[0] == 0
    pid = str(_plan(db, "x:100", "700")["id"])
    code, out, err = kolgraph_joined("plans", "compare", pid, "pl-nope", "pl-gone", "--db", db)
    assert code == 2 and out == "" and "Traceback" not in err
    assert "'pl-nope', 'pl-gone'" in err and "kolgraph plans" in err
    code, _, err = kolgraph_joined("plans", "compare", pid, "--db", db)
    assert code == 2 and "at least 2 plan ids" in err
    with SQLiteStore(world) as st:
        assert [r.id for r in st.list_plans()] == [pid]
