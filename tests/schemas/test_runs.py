"""``runs diff --format json``: the diff rows, with the values pandas wrote before."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from kolgraph.rank.diff import diff_runs
from kolgraph.schemas.runs import RunDiffRow


def _diff() -> pd.DataFrame:
    before = pd.DataFrame({"pagerank": [0.5, 0.3, 0.2], "community": [0, 1, 1]})
    after = pd.DataFrame(
        {"pagerank": [0.123456789012345, 0.3, 0.4, 2e-5], "community": [1, 1, 0, 2]}
    )
    return diff_runs(before, after, ["x:a", "x:b", "x:c", "x:d"], top=4)


def test_rows_hold_the_same_values_as_the_frame_as_json() -> None:
    d = _diff()
    rows = [r.model_dump(mode="json") for r in RunDiffRow.from_frame(d)]
    assert rows == json.loads(d.to_json(orient="records"))
    new = next(r for r in rows if r["key"] == "x:d")
    assert new["rank_before"] is None and new["moved"] is None and new["ratio"] is None
    assert new["community_before"] is None and new["community_after"] == 2
    assert [r["key"] for r in rows] == d["key"].tolist()


def test_rows_print_as_pandas_printed_them() -> None:
    d = _diff()
    d = d[d["key"] != "x:d"]  # below 1e-4 pandas writes 0.00002, json 2e-05: same value
    rows = [r.model_dump(mode="json") for r in RunDiffRow.from_frame(d)]
    assert json.dumps(rows, separators=(",", ":")) == d.to_json(orient="records")


def test_infinite_ratios_are_null_as_before() -> None:
    d = _diff().assign(ratio=np.inf)
    assert {r.ratio for r in RunDiffRow.from_frame(d)} == {None}
