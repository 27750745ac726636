"""Reading the real cascade sets, scoring forecasts, and the time-split evaluation."""

from __future__ import annotations

import gzip
import json
import math
from pathlib import Path

import numpy as np
import pytest

from kolgraph.errors import InputError, NotFound
from kolgraph.listen.early import EarlyCascade
from kolgraph.listen.early_eval import (
    evaluate,
    load_douban,
    load_higgs,
    load_twitter,
    score,
    time_split,
)
from tests.listen.test_early import _simulate


def _gz(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt") as fh:
        fh.write(text)


def test_load_douban(tmp_path: Path) -> None:
    _gz(tmp_path / "douban" / "social_edges.txt.gz", "1,2\n1,3\n2,3\n")
    _gz(
        tmp_path / "douban" / "cascades.txt.gz",
        "2 1000,1 900,9 1600\n3 50,\n7 20,22914\n",  # unordered, trailing comma, no time
    )
    a, b, c = load_douban(tmp_path)
    assert a.start == 900 and a.final_size == 3
    assert a.times.tolist() == [0.0, 100.0, 700.0]
    assert a.followers[:2].tolist() == [2.0, 2.0] and math.isnan(a.followers[2])
    assert (b.final_size, b.followers.tolist()) == (1, [2.0])
    assert (c.final_size, c.start) == (1, 20)


def test_load_twitter_puts_the_source_first(tmp_path: Path) -> None:
    folder = tmp_path / "twitter-graph-cascades"
    folder.mkdir()
    (folder / "graph.txt").write_text("5 6\n5 7\n6 7\n8 5\n")
    (folder / "train.txt").write_text("5 6 100 7 160\n")
    (folder / "test.txt").write_text("8 5 40 6 30\n")
    a, b = load_twitter(tmp_path)
    assert (a.start, a.times.tolist(), a.final_size) == (100, [0.0, 0.0, 60.0], 3)
    assert a.followers.tolist() == [3.0, 2.0, 2.0]
    assert (b.start, b.times.tolist()) == (30, [0.0, 0.0, 10.0])
    assert b.followers.tolist()[0] == 1.0  # the source user 8


def test_load_higgs_keeps_retweets_with_time_to_run(tmp_path: Path) -> None:
    folder = tmp_path / "higgs-twitter"
    _gz(folder / "higgs-retweet_network.edgelist.gz", "1 2 1\n3 2 1\n1 4 2\n")
    day = 86400
    _gz(
        folder / "higgs-activity_time.txt.gz",
        f"1 2 {day} RT\n3 2 {day + 60} RT\n5 2 {day + 10} MT\n1 4 {day + 5} RT\n"
        f"3 9 {2 * day + 100} RT\n3 4 {3 * day} RT\n",
    )
    cascades = {c.start: c for c in load_higgs(tmp_path)}
    assert sorted(cascades) == [day, day + 5]  # user 9's starts within a day of the end
    two = cascades[day]
    assert two.times.tolist() == [0.0, 60.0] and two.final_size == 2
    assert two.followers.tolist() == [2.0, 1.0]
    assert cascades[day + 5].final_size == 2
    assert len(load_higgs(tmp_path, min_followup_hours=0)) == 3


def test_time_split_fits_on_the_past() -> None:
    starts = (5, 1, 4, 2, 3, 9, 7, 8, 6, 0)
    cs = [EarlyCascade(np.zeros(1), np.ones(1), float(s), 1) for s in starts]
    train, test = time_split(cs, train_share=0.7)
    assert [c.start for c in train] == [0, 1, 2, 3, 4, 5, 6]
    assert [c.start for c in test] == [7, 8, 9]


def test_score_against_brute_force() -> None:
    e, y = [10.0, 4.0, 1.0, 30.0], [8.0, 4.0, 2.0, 10.0]
    lo, hi = [9.0, 4.0, 2.0, 11.0], [12.0, 4.0, 3.0, 40.0]
    mdape, mae, cov, width = score(e, y, lo, hi)
    apes = sorted(abs(a - b) / b for a, b in zip(e, y, strict=True))
    assert mdape == pytest.approx((apes[1] + apes[2]) / 2)
    logs = [abs(math.log((a + 1) / (b + 1))) for a, b in zip(e, y, strict=True)]
    assert mae == pytest.approx(sum(logs) / 4)
    assert cov == pytest.approx(0.5)  # 8 < 9 and 10 < 11 are missed
    assert width == pytest.approx(2.0)  # widths 3, 0, 1, 29
    assert score(e, y)[2:] == (None, None)


def _write_douban(folder: Path, cascades: list[EarlyCascade]) -> None:
    lines = []
    for i, c in enumerate(cascades):
        start = int(1_300_000_000 + 5000 * i)
        lines.append(",".join(f"{i}{k} {start + int(t)}" for k, t in enumerate(c.times)))
    _gz(folder / "douban" / "cascades.txt.gz", "\n".join(lines) + "\n")
    _gz(folder / "douban" / "social_edges.txt.gz", "1,2\n")


def test_evaluate_on_simulated_cascades(tmp_path: Path) -> None:
    _write_douban(tmp_path, _simulate(300, seed=5))
    report = evaluate(tmp_path, horizons=(1, 2))
    assert [d.name for d in report.datasets] == ["douban"]
    d = report.datasets[0]
    assert d.cascades == 300 and d.train + d.test == d.kept and d.train == round(0.7 * d.kept)
    methods = {"model", "current", "current x factor", "seismic", "prior"}
    assert {(r.horizon_hours, r.method) for r in report.rows} == {
        (h, m) for h in (1.0, 2.0) for m in methods
    }
    for h in (1, 2):
        model, current = report.row("douban", h, "model"), report.row("douban", h, "current")
        assert model.n_test == d.test
        assert model.coverage is not None and 0.6 <= model.coverage <= 0.95
        assert model.mae_log < current.mae_log
    assert report.row("douban", 1, "seismic").coverage is None
    table = report.table()
    assert table.count("\n| douban |") == 10 and "80% coverage" in table
    assert json.loads(json.dumps(report.as_json()))["rows"][0]["dataset"] == "douban"
    with pytest.raises(NotFound):
        report.row("douban", 6, "model")


def test_evaluate_errors(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="no cascade data set"):
        evaluate(tmp_path)
    with pytest.raises(InputError, match="unknown data set"):
        evaluate(tmp_path, datasets=("weibo",))


@pytest.mark.slow
def test_real_cascades_are_covered_near_the_nominal_rate(shared_data: Path) -> None:
    report = evaluate(shared_data)
    names = {d.name for d in report.datasets}
    assert names == {"douban", "twitter", "higgs"}
    for d in report.datasets:
        assert d.train > d.test > 0
        assert {r.horizon_hours for r in report.rows if r.dataset == d.name} == {1.0, 2.0, 6.0}
        if d.test < 100:  # too few to measure a coverage (douban keeps ~60)
            continue
        row = report.row(d.name, 2, "model")
        assert row.coverage is not None and 0.6 <= row.coverage <= 0.95, (d.name, row)
        # the model beats assuming no growth early on
        assert row.mae_log < report.row(d.name, 2, "current").mae_log
