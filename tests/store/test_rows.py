"""Row building shared by the stores: the column-wise helpers match the per-row definition."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from kolgraph.store import RunResults, SQLiteStore
from kolgraph.store.base import EXTRA_SCORES, extra_score_columns, extra_score_rows


def _rows_reference(scores: pd.DataFrame) -> list[list[Any]]:
    """Per row, the obvious way: None for NaN or absent, native floats, flags lists."""
    out = []
    for i in range(len(scores)):
        row: list[Any] = []
        for name in EXTRA_SCORES:
            x = float(scores[name].iloc[i]) if name in scores else math.nan
            row.append(None if math.isnan(x) else x)
        f = scores["flags"].iloc[i] if "flags" in scores else None
        row.append(list(f) if f else None)
        out.append(row)
    return out


def _frame(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    spread = np.full(n, np.nan)
    spread[::3] = rng.uniform(0, 10, len(spread[::3]))
    flags: list[Any] = [None] * n
    flags[1] = ["hollow followers"]
    flags[2] = []
    flags[4] = ("a", "b")
    return pd.DataFrame(
        {
            "engagement": rng.uniform(0, 1, n),
            "anomaly": np.where(np.arange(n) % 2 == 0, np.nan, -np.inf),
            "spread": spread,
            "flags": flags,
        }
    )


@pytest.mark.parametrize("drop", [[], ["flags"], ["engagement", "spread"], list(EXTRA_SCORES)])
def test_extra_score_columns_match_rows(drop: list[str]) -> None:
    s = _frame(8).drop(columns=drop)
    assert extra_score_rows(s) == _rows_reference(s)
    cols = extra_score_columns(s)
    assert [list(r) for r in zip(*cols, strict=True)] == _rows_reference(s)
    for col in cols[:3]:
        assert all(v is None or type(v) is float for v in col)
    assert extra_score_rows(s.iloc[:0]) == []


def test_sqlite_score_rows_as_written(tmp_path: Any) -> None:
    store = SQLiteStore(tmp_path / "k.db")
    store.add_follows([f"x:{i}" for i in range(8)], [f"x:{(i + 1) % 8}" for i in range(8)])
    n = 8
    s = _frame(n)
    s.insert(0, "index", np.arange(n))
    s.insert(1, "pagerank", np.linspace(0.2, 0.05, n))
    s.insert(2, "community", np.array([0, 0, 1, 1, 2, 2, 3, 3]))
    s.insert(3, "audience", np.arange(n) * 2)
    s.insert(4, "tier", ["head"] + ["mid"] * 3 + ["tail"] * 4)
    store.start_run("r1", {})
    store.write_results(
        "r1", RunResults(scores=s, communities=pd.DataFrame(), overlaps=pd.DataFrame())
    )
    got = (
        store._con()
        .execute(
            "SELECT account, pagerank, community, audience, tier, engagement, anomaly, spread, "
            "flags FROM scores WHERE run_id = 'r1' ORDER BY account"
        )
        .fetchall()
    )
    want = [
        (
            i + 1,
            float(s["pagerank"][i]),
            int(s["community"][i]),
            int(s["audience"][i]),
            s["tier"][i],
            *row[:3],
            None if row[3] is None else json.dumps(row[3]),
        )
        for i, row in enumerate(_rows_reference(s))
    ]
    assert got == want
    assert store._con().execute(
        "SELECT typeof(community), typeof(audience) FROM scores WHERE run_id = 'r1' LIMIT 1"
    ).fetchone() == ("integer", "integer")
    store.close()
