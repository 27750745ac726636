"""``kolgraph demo``: generate, load, rank, plan; a second run reuses the network."""

from __future__ import annotations

from pathlib import Path

import pytest

from kolgraph.store import SQLiteStore

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
    st = SQLiteStore(db)
    counts = st.counts()
    assert counts.accounts == 3000 and counts.follows > 10_000 and counts.reposts > 0
    run = st.current_run()
    assert run is not None and run.counts["engagement_model"] == 1  # cascades enough to learn


def test_demo_again_reuses_the_network(tmp_path: Path) -> None:
    """A smaller network than above: the second run only has to find the first one's."""
    db = str(tmp_path / "demo.db")
    demo = ("demo", "--users", "1000", "--db", db)
    code, _, err = kolgraph(*demo, "--seed", "3", "--report", str(tmp_path / "first.html"))
    assert code == 0, err
    counts = SQLiteStore(db).counts()
    assert counts.accounts == 1000
    # a second run reuses the same network and adds a run
    again = ("--report", str(tmp_path / "again.html"))
    code, _, err = kolgraph(*demo, "--seed", "3", *again)
    assert code == 0, err
    assert SQLiteStore(db).counts() == counts
    assert len(SQLiteStore(db).list_runs()) == 2
    # a different network is refused rather than mixed in
    code, _, err = kolgraph(*demo, "--seed", "4", *again)
    assert code == 2 and "--fresh" in err
    assert SQLiteStore(db).counts() == counts
