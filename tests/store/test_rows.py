"""Rows shared by the stores: stored values to records and back."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from kolgraph.errors import NotFound
from kolgraph.model import Account, Kind
from kolgraph.store.base import PlanRecord, RunSummary
from kolgraph.store.rows import (
    account_record,
    account_row,
    community_rows,
    no_account,
    plan_record,
    plan_values,
    run_info,
)


def test_account_row_leaves_unknown_fields_to_the_store() -> None:
    assert account_row(Account("x", "1")) == {
        "key": "x:1",
        "name": None,
        "kind": None,
        "followers": None,
        "cost": None,
    }
    row = account_row(Account("x", "2", name="N", kind=Kind.KOL, followers=5, cost=1.5))
    assert (row["name"], row["kind"], row["followers"], row["cost"]) == ("N", "kol", 5, 1.5)


def test_account_record_fills_missing_name_kind_and_flags() -> None:
    fields = {"key": "x:1", "platform": "x", "account_id": "1", "name": None, "kind": None}
    fields |= {"followers": None, "cost": None}
    rec = account_record(fields, [None] * 8, None)
    assert (rec.name, rec.kind, rec.flags, rec.pagerank, rec.run_id) == (
        "",
        Kind.USER,
        (),
        None,
        None,
    )
    scored = account_record(fields, [0.5, 2, 10, "head", 0.1, None, 3.0, ["odd"]], "r1")
    assert (scored.community, scored.audience, scored.flags, scored.run_id) == (
        2,
        10,
        ("odd",),
        "r1",
    )
    with pytest.raises(ValueError):
        account_record(fields, [0.5], "r1")  # one value per score column


def test_run_and_plan_fields_round_trip() -> None:
    summary = RunSummary(counts={"accounts": 3}, timings={"total": 0.5}, quality={"q": 1.0})
    info = run_info({"id": "r", "status": "published", "started": 1, **summary.as_json()})
    assert (info.counts, info.timings, info.quality) == (
        summary.counts,
        summary.timings,
        summary.quality,
    )
    assert info.finished is None and info.params == {} and info.error is None
    plan = PlanRecord(id="p", run_id=None, created=2.0, params={"a": 1}, body={"b": [2]})
    stored = plan_values(plan)
    assert json.loads(stored["body"]) == {"b": [2]} and stored["evaluation"] is None
    assert plan_record(stored) == plan


def test_community_rows_derive_what_older_frames_lack() -> None:
    frame = pd.DataFrame({"community": [0], "size": [3], "internal_edges": [3], "top": [[2, 1]]})
    assert community_rows(frame) == [(0, 3, 3, None, 0.5, [2, 1], None)]


def test_not_found_errors_say_how_to_find_one() -> None:
    err = no_account("x:9")
    assert isinstance(err, NotFound) and "x:9" in err.message and err.hint
