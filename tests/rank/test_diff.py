"""diff_runs: positions, movers, accounts added between runs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kolgraph.errors import InputError
from kolgraph.rank.diff import diff_runs


def _scores(pr: list[float], comm: list[int]) -> pd.DataFrame:
    return pd.DataFrame({"pagerank": pr, "community": pd.array(comm, dtype="Int64")})


def test_risers_fallers_and_newcomers() -> None:
    before = _scores([0.4, 0.3, 0.2, 0.1], [0, 0, 1, 1])
    after = _scores([0.1, 0.3, 0.15, 0.25, 0.2], [0, 0, 1, 1, 1])  # x:4 is new
    d = diff_runs(before, after, [f"x:{i}" for i in range(5)], top=5).set_index("key")
    assert d.loc["x:0", "rank_before"] == 1 and d.loc["x:0", "rank_after"] == 5
    assert d.loc["x:0", "moved"] == -4
    assert d.loc["x:3", "moved"] == 2  # 4th → 2nd
    assert pd.isna(d.loc["x:4", "rank_before"]) and d.loc["x:4", "rank_after"] == 3
    assert d.loc["x:0", "ratio"] == pytest.approx(0.25)
    assert list(d.index[:1]) == ["x:3"]  # the biggest riser comes first


def test_top_filter_and_validation() -> None:
    rng = np.random.default_rng(0)
    n = 50
    before = _scores(list(rng.random(n)), [0] * n)
    after = _scores(list(rng.random(n)), [0] * n)
    d = diff_runs(before, after, [f"k{i}" for i in range(n)], top=5)
    assert len(d) <= 10 and ((d["rank_before"] <= 5) | (d["rank_after"] <= 5)).all()
    with pytest.raises(InputError):
        diff_runs(before, after, ["only-one"], top=5)
    with pytest.raises(InputError):
        diff_runs(before, after, [f"k{i}" for i in range(n)], top=0)
