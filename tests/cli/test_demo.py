"""``kolgraph demo``: generate, load, rank, plan; a second run reuses the network."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import kolgraph


@pytest.mark.slow
def test_demo_end_to_end(tmp_path: Path) -> None:
    db = str(tmp_path / "demo.db")
    page = tmp_path / "demo-plan.html"
    code, out, err = kolgraph(
        "demo", "--users", "3000", "--seed", "3", "--db", db, "--report", str(page)
    )
    assert code == 0, err
    for section in (
        "top 10 accounts by PageRank",
        "top KOLs",
        "largest communities",
        "campaign plan",
        "expected unique reach",
        "budget curve",
    ):
        assert section in out, section
    assert "report of plan" in err
    html = page.read_text(encoding="utf-8")
    assert "chart-budget-curve" in html and 'id="no-budget-curve"' not in html
    from kolgraph.store import SQLiteStore

    counts = SQLiteStore(db).counts()
    assert counts.accounts == 3000 and counts.follows > 10_000 and counts.reposts > 0
    # a second run reuses the same network and adds a run
    again = ("--report", str(tmp_path / "again.html"))
    assert kolgraph("demo", "--users", "3000", "--seed", "3", "--db", db, *again)[0] == 0
    assert SQLiteStore(db).counts() == counts
    assert len(SQLiteStore(db).list_runs()) == 2
    # a different network is refused rather than mixed in
    code, _, err = kolgraph("demo", "--users", "3000", "--seed", "4", "--db", db, *again)
    assert code == 2 and "--fresh" in err
