"""End to end on real data: the Higgs Twitter activity file → rank → plan (CLI).

The rank job and the plan run on the rows of the three days before the announcement
(2012-07-01..03 UTC: 53,746 of the 563,069 rows, as they are in the file, which is in time
order); the engagement model of the whole file alone takes minutes. The whole file is then
imported into the same store, which must add every other row and none of the first twice.
Every count asserted is recomputed from the file itself with Python sets.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kolgraph.cli import app
from kolgraph.store import SQLiteStore

HIGGS = (
    Path(__file__).resolve().parents[1].parent
    / "shared"
    / "data"
    / "higgs-twitter"
    / "higgs-activity_time.txt.gz"
)
ANNOUNCEMENT_DAY = 1_341_360_000  # 2012-07-04 00:00 UTC


def _accounts(rows: list[list[str]]) -> int:
    return len({r[0] for r in rows} | {r[1] for r in rows})


def _distinct(rows: list[list[str]]) -> int:
    return len({tuple(r) for r in rows})


@pytest.mark.slow
@pytest.mark.skipif(not HIGGS.exists(), reason=f"{HIGGS} is not present")
def test_higgs_import_rank_plan(tmp_path: Path) -> None:
    with gzip.open(HIGGS, "rt") as fh:
        lines = fh.read().splitlines()
    rows = [line.split() for line in lines]
    before = sum(1 for r in rows if int(r[2]) < ANNOUNCEMENT_DAY)
    assert all(int(r[2]) >= ANNOUNCEMENT_DAY for r in rows[before:])  # in time order
    first_days = tmp_path / "higgs-before-announcement.txt.gz"
    first_days.write_bytes(gzip.compress(("\n".join(lines[:before]) + "\n").encode()))
    assert 50_000 < before < 60_000

    runner = CliRunner()
    db = str(tmp_path / "higgs.db")
    res = runner.invoke(app, ["import", "higgs", str(first_days), "--db", db])
    assert res.exit_code == 0, res.stderr
    st = SQLiteStore(db)
    counts = st.counts()
    assert counts.reposts == _distinct(rows[:before])
    assert counts.accounts == _accounts(rows[:before])

    res = runner.invoke(app, ["rank", "--db", db])
    assert res.exit_code == 0, res.stderr
    run = st.current_run()
    assert run is not None and run.quality["modularity"] > 0.5
    assert run.counts["accounts"] == counts.accounts
    assert run.counts["engagement_model"] == 1  # learned from the real cascades

    res = runner.invoke(app, ["plan", "--budget", "5000", "--format", "json", "--db", db])
    assert res.exit_code == 0, res.stderr
    plan = json.loads(res.stdout)
    assert plan["accounts"] and plan["spent"] <= 5000
    assert 0 < plan["unique_reach"] <= plan["total_audience"]

    # the whole file: 563,069 activity rows (RT/MT/RE) per the SNAP description, all
    # distinct as (src, dst, ts, action); the rows already imported are not added again
    res = runner.invoke(app, ["import", "higgs", str(HIGGS), "--db", db])
    assert res.exit_code == 0, res.stderr
    counts = st.counts()
    assert counts.reposts == _distinct(rows) == len(rows) == 563_069
    assert counts.accounts == _accounts(rows)
    assert 250_000 < counts.accounts < 460_000
    st.close()
