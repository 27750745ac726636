"""End to end on real data: the Higgs Twitter activity file → rank → plan (CLI)."""

from __future__ import annotations

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


@pytest.mark.slow
@pytest.mark.skipif(not HIGGS.exists(), reason=f"{HIGGS} is not present")
def test_higgs_import_rank_plan(tmp_path: Path) -> None:
    runner = CliRunner()
    db = str(tmp_path / "higgs.db")
    res = runner.invoke(app, ["import", "higgs", str(HIGGS), "--db", db])
    assert res.exit_code == 0, res.stderr
    st = SQLiteStore(db)
    counts = st.counts()
    # 563,069 activity rows (RT/MT/RE) per the SNAP description, all distinct
    # as (src, dst, ts, action)
    assert counts.reposts == 563_069
    assert 250_000 < counts.accounts < 460_000

    res = runner.invoke(app, ["import", "higgs", str(HIGGS), "--db", db])
    assert res.exit_code == 0 and st.counts() == counts  # idempotent

    res = runner.invoke(app, ["rank", "--db", db])
    assert res.exit_code == 0, res.stderr
    run = st.current_run()
    assert run is not None and run.quality["modularity"] > 0.5

    res = runner.invoke(app, ["plan", "--budget", "5000", "--format", "json", "--db", db])
    assert res.exit_code == 0, res.stderr
    plan = json.loads(res.stdout)
    assert plan["accounts"] and plan["spent"] <= 5000
    assert 0 < plan["unique_reach"] <= plan["total_audience"]
    st.close()
