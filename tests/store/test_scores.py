"""The score table: column-wise helpers match the per-row definition; docs name every column."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from kolgraph.errors import StoreError
from kolgraph.store import RunResults, SQLiteStore, Store
from kolgraph.store.scores import (
    EXTRA_SCORES,
    SCORE_COLUMNS,
    aligned_scores,
    empty_scores,
    extra_score_columns,
    extra_score_rows,
)


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
        store._db.con()
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
    assert store._db.con().execute(
        "SELECT typeof(community), typeof(audience) FROM scores WHERE run_id = 'r1' LIMIT 1"
    ).fetchone() == ("integer", "integer")
    store.close()


def test_empty_scores_follow_the_column_definitions() -> None:
    frame = empty_scores(3)
    assert list(frame.columns) == list(SCORE_COLUMNS)
    assert {c: str(t) for c, t in frame.dtypes.items()} == {
        name: col.dtype for name, col in SCORE_COLUMNS.items()
    }
    assert frame["pagerank"].isna().all() and frame["flags"].isna().all()
    assert EXTRA_SCORES == ("engagement", "anomaly", "spread")


def test_aligned_scores_places_rows_by_index_and_checks_columns() -> None:
    rows = pd.DataFrame(
        {
            "idx": [2, 0],
            "pagerank": [0.5, 0.25],
            "community": [1, 0],
            "audience": [4, 0],
            "tier": ["head", "tail"],
            "flags": [["odd"], None],
        }
    )
    got = aligned_scores(3, rows)
    assert got["pagerank"].tolist()[::2] == [0.25, 0.5] and np.isnan(got["pagerank"].iloc[1])
    assert got["flags"].tolist() == [None, None, ["odd"]]
    assert got["engagement"].isna().all()  # optional columns absent: missing everywhere
    with pytest.raises(StoreError, match="tier"):
        aligned_scores(3, rows.drop(columns=["tier"]))


@pytest.mark.parametrize("doc", [Store.current_scores.__doc__, Store.run_scores.__doc__])
def test_score_docstrings_name_every_column(doc: str | None) -> None:
    assert doc is not None
    assert [name for name in SCORE_COLUMNS if name not in doc] == []
    assert RunResults.__doc__ is not None and "SCORE_COLUMNS" in RunResults.__doc__
