"""The backtest, the rank job's engagement stage and planning with objectives, end to end."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from kolgraph.cli import app
from kolgraph.demo import load_demo
from kolgraph.errors import InputError
from kolgraph.plan import PlanParams, make_plan
from kolgraph.plan.backtest import BASELINES, BacktestResult
from kolgraph.plan.learned import backtest_store, load_learned
from kolgraph.rank.job import run_rank
from kolgraph.store import SQLiteStore
from kolgraph.synth import generate_demo

runner = CliRunner()
pytestmark = pytest.mark.slow  # a rank job with the engagement stage and a backtest: ~30 s


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bt") / "demo.db"
    with SQLiteStore(path) as st:
        load_demo(st, generate_demo(4000, seed=3))
        run_rank(st)
    return path


@dataclass(frozen=True)
class Backtest:
    """One ``kolgraph backtest --k 5,10`` on the demo: its result, JSON and markdown."""

    result: BacktestResult
    doc: dict[str, Any]
    markdown: str


@pytest.fixture(scope="module")
def backtest(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Backtest:
    """The command's own run of :func:`backtest_store`, whose result is kept on the way."""
    import kolgraph.plan.learned as learned

    seen: list[BacktestResult] = []

    def keep(*args: Any, **kwargs: Any) -> BacktestResult:
        res = backtest_store(*args, **kwargs)
        seen.append(res)
        return res

    md = tmp_path_factory.mktemp("bt-out") / "bt.md"
    args = ["backtest", "--db", str(demo_db), "--k", "5,10", "--markdown", str(md)]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(learned, "backtest_store", keep)
        res = runner.invoke(app, [*args, "--format", "json"])
    assert res.exit_code == 0, res.output
    assert len(seen) == 1
    return Backtest(seen[0], json.loads(res.stdout), md.read_text())


def test_backtest_compares_every_method_on_the_same_test(backtest: Backtest) -> None:
    res = backtest.result
    assert res.ks == (5, 10)
    assert set(BASELINES) <= set(res.moved)
    for name in (
        "kolgraph (auto)",
        "engagement",
        "reach",
        "frequency",
        "active-engagers",
        "hindsight (ceiling)",
    ):
        assert len(res.moved[name]) == 2
    for i, k in enumerate(res.ks):
        assert res.moved["kolgraph (auto)"][i] == res.moved[res.auto[k]][i]
    for m, vals in res.moved.items():
        assert vals[0] <= vals[1] + 1e-9 or m == "random", m  # more accounts never move fewer
    assert res.moved["kolgraph (auto)"][1] > res.moved["random"][1]
    assert res.counts["train_cascades"] + res.counts["test_cascades"] == res.counts["cascades"]
    assert res.path is not None  # the demo has a follow graph
    for pt in res.forecast:
        assert pt["low"] <= pt["expected"] <= pt["high"]
    assert 0.0 <= res.coverage <= 1.0
    assert res.per_message, "the chosen accounts posted in the test cascades"
    for pt in res.per_message:
        assert pt["low"] <= pt["expected"] <= pt["high"]
        assert 0 < pt["posted"] <= pt["k"]
    assert 0.0 <= res.message_coverage <= 1.0


def test_rank_job_keeps_an_engagement_model_and_plans_use_it(demo_db: Path) -> None:
    with SQLiteStore(demo_db) as st:
        run = st.current_run()
        assert run is not None and run.counts["engagement_model"] == 1
        learned = load_learned(st, run.id)
        assert learned is not None and learned.objective in {
            "engagement",
            "reach",
            "frequency",
            "past-engagers",
            "blend",
            "active-engagers",
        }
        assert learned.activity is not None and learned.activity.shape[0] == st.counts().accounts
        active = make_plan(st, PlanParams(budget=5000, objective="active-engagers"))
        assert active.objective == "active-engagers" and active.accounts
        plan = make_plan(st, PlanParams(budget=5000, objective="engagement", horizon_days=7))
        assert plan.objective == "engagement"
        assert plan.forecast is not None
        f = plan.forecast["moved_users"]
        assert f["low"] <= f["expected"] <= f["high"] and f["calibrated_on"] > 0
        m = plan.forecast["per_message"]
        assert m is not None and m["low"] <= m["expected"] <= m["high"] and m["calibrated_on"] > 0
        # one message from every chosen account: the sum of their measured rates, corrected
        assert learned.message_rates is not None
        assert all(a.marginal_engaged is not None for a in plan.accounts)
        gains = [a.marginal_engaged for a in plan.accounts]
        assert sum(gains) > 0
        reach = make_plan(st, PlanParams(budget=5000, objective="reach"))
        assert reach.objective == "reach" and reach.forecast is not None
        # a reach plan is explained in engaged people too, with the evidence behind each row
        assert all(a.marginal_engaged is not None for a in reach.accounts)
        assert all(a.marginal_gain == a.marginal_reach for a in reach.accounts)
        assert any(a.evidence_cascades for a in reach.accounts)
        for a in reach.accounts:
            assert (a.evidence_last_days is None) == (not a.evidence_cascades)
        # a longer horizon forecasts more people for the same accounts
        idx = st.keys_to_index([a.key for a in plan.accounts])
        short, _ = learned.forecast(idx, 1.0)
        long, _ = learned.forecast(idx, 14.0)
        assert long.expected >= short.expected


def test_cli_backtest_writes_markdown_and_json(backtest: Backtest) -> None:
    doc = backtest.doc
    assert doc["ks"] == [5, 10] and "kolgraph (auto)" in doc["ratio_to_best_baseline"]
    # the JSON is the result the command computed (the other test checks that result)
    assert doc["moved"] == {m: list(v) for m, v in backtest.result.moved.items()}
    assert doc["counts"] == backtest.result.counts
    assert "| kolgraph (auto) |" in backtest.markdown


def test_bad_input_is_a_clear_error(tmp_path: Path) -> None:
    db = tmp_path / "no-cascades.db"
    with SQLiteStore(db) as st:
        st.add_follows(["x:1", "x:2"], ["x:2", "x:3"])
        run_rank(st)
        with pytest.raises(InputError, match="timestamped"):
            backtest_store(st)
        with pytest.raises(InputError, match="engagement model"):
            make_plan(st, PlanParams(budget=100, objective="engagement"))
        plan = make_plan(st, PlanParams(budget=100))  # auto falls back to reach and says why
        assert plan.objective == "reach" and any("no timestamped" in n for n in plan.notes)
        with pytest.raises(InputError, match="horizon"):
            make_plan(st, PlanParams(budget=100, horizon_days=0))
    res = runner.invoke(app, ["backtest", "--db", str(db)])
    assert res.exit_code != 0 and "timestamped" in res.output and "Traceback" not in res.output
    res = runner.invoke(app, ["backtest", "--db", str(db), "--k", "ten"])
    assert res.exit_code != 0 and "--k" in res.output
    res = runner.invoke(app, ["plan", "--db", str(db), "--budget", "100", "--horizon", "0"])
    assert res.exit_code != 0 and "horizon" in res.output
    assert np.isfinite(1.0)
