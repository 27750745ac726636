"""Evaluating a campaign against its kept plan, on small hand-made plans and reposts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from kolgraph.errors import InputError, NotFound
from kolgraph.model import Account, Kind
from kolgraph.plan.evaluate import (
    DAY,
    evaluate_campaign,
    evaluate_plan,
    keep_plan,
    read_campaign_reposts,
    reposts_frame,
)
from kolgraph.store import SQLiteStore
from kolgraph.store.base import PlanRecord

T0 = 1_700_000_000.0
PLANNED = ("x:a", "x:b", "x:o")

Row = tuple[str, str, float, str]  # src reposted dst at ts, under post


def plan_body(forecast: dict[str, Any] | None = None) -> dict[str, Any]:
    """A plan of three accounts: own ``x:o`` (origin), KOL ``x:a`` (explosion), ``x:b``."""
    accounts = [
        {"key": "x:o", "kind": "own", "phase": "origin", "day_from": 0, "day_to": 1},
        {"key": "x:a", "kind": "kol", "phase": "explosion", "day_from": 1, "day_to": 3},
        {"key": "x:b", "kind": "kol", "phase": "mass_spread", "day_from": 3, "day_to": 7},
    ]
    accounts[0]["marginal_engaged"] = None
    accounts[1]["marginal_engaged"] = 2.0
    accounts[2]["marginal_engaged"] = 4.0
    phases = [
        {"phase": "origin", "day_from": 0, "day_to": 1, "accounts": ["x:o"]},
        {"phase": "explosion", "day_from": 1, "day_to": 3, "accounts": ["x:a"]},
        {"phase": "mass_spread", "day_from": 3, "day_to": 7, "accounts": ["x:b"]},
        {"phase": "flattening", "day_from": 7, "day_to": 14, "accounts": []},
    ]
    return {"id": "pl-test", "accounts": accounts, "phases": phases, "forecast": forecast}


def record(forecast: dict[str, Any] | None = None, plan_id: str = "pl-test") -> PlanRecord:
    return PlanRecord(plan_id, "run-1", T0 - DAY, {"horizon_days": 14.0}, plan_body(forecast))


def frame(rows: list[Row]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["src", "dst", "ts", "post"])
    df["ts"] = df["ts"].astype(str)
    return reposts_frame(df)


# ----------------------------------------------------------------------------- brute force
def brute_force(rows: list[Row], planned: set[str]) -> tuple[dict[str, set[str]], set[str], int]:
    """The definition, spelled out: who each planned account moved, credited once.

    A cascade is a post (or every unlabelled repost of one author); its author comes
    first, then reposters by time. People after the first planned account in it are
    moved by that account; a person moved in several cascades is credited to the one
    they engaged in first. Returns (credited per account, moved by each account in any
    cascade, number of cascades).
    """
    cascades: dict[str, list[tuple[float, int, str, str]]] = {}
    for i, (src, dst, ts, post) in enumerate(rows):
        cascades.setdefault(post or "@" + dst, []).append((ts, i, src, dst))
    moved: list[tuple[float, str, str]] = []
    for rs in cascades.values():
        rs.sort()
        order = [rs[0][3]]
        times = [rs[0][0]]
        for ts, _, src, _ in rs:
            if src not in order:
                order.append(src)
                times.append(ts)
        first = next((j for j, u in enumerate(order) if u in planned), None)
        if first is None:
            continue
        moved += [
            (t, u, order[first])
            for u, t in zip(order[first + 1 :], times[first + 1 :], strict=True)
            if u not in planned
        ]
    credit: dict[str, str] = {}
    for _, u, by in sorted(moved):
        credit.setdefault(u, by)
    credited = {k: {u for u, b in credit.items() if b == k} for k in planned}
    any_ = {k: {u for _, u, b in moved if b == k} for k in planned}
    return credited, any_, len(cascades)


def random_campaign(seed: int) -> list[Row]:
    """Posts by planned and other authors, reposts of reposts, some rows without a post id."""
    rng = np.random.default_rng(seed)
    users = [f"x:u{i}" for i in range(25)]
    authors = [*PLANNED, "x:n1", "x:n2"]
    rows: list[Row] = []
    ts = iter(T0 + rng.permutation(100_000)[:2000] * 13.0)  # distinct times
    for p in range(8):
        author = str(rng.choice(authors))
        post = "" if p == 7 else f"p{p}"
        start = T0 + float(rng.uniform(0, 10)) * DAY
        adopted = [author]
        for _ in range(int(rng.integers(1, 12))):
            src = str(rng.choice(users + list(PLANNED)))
            dst = author if post == "" else str(rng.choice(adopted))
            rows.append((src, dst, start + next(ts) - T0, post))
            adopted.append(src)
    order = rng.permutation(len(rows))  # the file's row order does not matter
    return [rows[i] for i in order]


@pytest.mark.parametrize("seed", range(6))
def test_moved_counts_equal_a_brute_force_count(seed: int) -> None:
    rows = random_campaign(seed)
    if not any(s in PLANNED or d in PLANNED for s, d, _, _ in rows):
        pytest.skip("this draw names no planned account")
    ev = evaluate_campaign(record(), frame(rows))
    credited, moved_by, n_cascades = brute_force(rows, set(PLANNED))
    everyone = set().union(*credited.values())
    assert ev.engaged == len(everyone)
    assert ev.cascades == n_cascades
    got = {a.key: a for a in ev.accounts}
    for k in PLANNED:
        assert got[k].engaged == len(credited[k]), k
        others = set().union(*(moved_by[o] for o in PLANNED if o != k))
        assert got[k].incremental == len(credited[k] - others), k  # no follow graph given
    assert sum(a.engaged for a in ev.accounts) == ev.engaged


# ----------------------------------------------------------------------------- a hand example
#   x:o posts at T0:            u7 engages on day 0, u8 on day 8
#   x:a posts on day 1:          u1, u3, u4, u5 engage on day 1
#   x:b posts on day 4:          u4 (again), u6, u2 engage on day 4
#   follows: u1 -> x:b, u2 -> x:o, u3 -> x:a
HAND: list[Row] = [
    ("x:u7", "x:o", T0, "po"),
    ("x:u8", "x:o", T0 + 8 * DAY, "po"),
    ("x:u1", "x:a", T0 + DAY + 100, "pa"),
    ("x:u3", "x:a", T0 + DAY + 110, "pa"),
    ("x:u4", "x:u3", T0 + DAY + 120, "pa"),  # a repost of a repost
    ("x:u5", "x:a", T0 + DAY + 130, "pa"),
    ("x:u4", "x:b", T0 + 4 * DAY, "pb"),
    ("x:u6", "x:b", T0 + 4 * DAY + 10, "pb"),
    ("x:u2", "x:b", T0 + 4 * DAY + 20, "pb"),
]
FORECAST = {
    "horizon_days": 7.0,
    "moved_users": {
        "expected": 6.0,
        "low": 4.0,
        "high": 10.0,
        "interval": 0.8,
        "calibrated_on": 12,
        "extrapolated": False,
    },
}


@pytest.fixture
def store(tmp_path: Path) -> SQLiteStore:
    st = SQLiteStore(tmp_path / "k.db")
    st.upsert_accounts(
        [
            Account("x", "a", kind=Kind.KOL),
            Account("x", "b", kind=Kind.KOL),
            Account("x", "o", kind=Kind.OWN),
        ]
    )
    st.add_follows(["x:u1", "x:u2", "x:u3", "x:u9"], ["x:b", "x:o", "x:a", "x:u1"])
    return st


def test_incremental_leaves_out_people_moved_or_reached_by_another_account(
    store: SQLiteStore,
) -> None:
    ev = evaluate_campaign(record(FORECAST), frame(HAND), store=store)
    got = {a.key: (a.engaged, a.incremental) for a in ev.accounts}
    # x:a moved u1 u3 u4 u5; u4 was moved by x:b too, u1 follows x:b -> u3 u5
    # x:b moved u6 u2 (u4 is x:a's, earlier); u2 follows x:o -> u6
    # x:o moved u7 u8; neither follows x:a or x:b
    assert got == {"x:a": (4, 2), "x:b": (2, 1), "x:o": (2, 2)}
    without_graph = evaluate_campaign(record(FORECAST), frame(HAND))
    assert {a.key: a.incremental for a in without_graph.accounts} == {
        "x:a": 3,
        "x:b": 2,
        "x:o": 2,
    }


def test_totals_forecast_phases_and_the_peak(store: SQLiteStore) -> None:
    ev = evaluate_campaign(record(FORECAST), frame(HAND), store=store)
    assert ev.start == T0
    assert ev.engaged == 8
    assert ev.engaged_within_horizon == 7  # u8 engaged on day 8, after the 7-day horizon
    assert ev.predicted == {"expected": 6.0, "low": 4.0, "high": 10.0}
    assert ev.inside_interval is True
    assert ev.cascades == 3
    assert [(p.phase, p.engaged, p.planned_accounts, p.posted_accounts) for p in ev.phases] == [
        ("origin", 1, 1, 1),
        ("explosion", 4, 1, 1),
        ("mass_spread", 2, 1, 1),
        ("flattening", 1, 0, 0),
    ]
    assert ev.peak_day == 1
    assert ev.explosion_on_time is True
    first = {a.key: a.first_day for a in ev.accounts}
    assert first == {"x:o": 0.0, "x:a": pytest.approx(1 + 100 / DAY, abs=1e-3), "x:b": 4.0}
    lessons = {a.key: a.lesson for a in ev.accounts}
    assert "2.00x" in lessons["x:a"] and "beat the plan" in lessons["x:a"]  # 4 vs 2 expected
    assert "0.50x" in lessons["x:b"] and "fell short" in lessons["x:b"]  # 2 vs 4 expected
    assert any("inside the interval" in n for n in ev.notes)


def test_a_late_peak_is_not_on_time() -> None:
    late = [(s, d, t + (10 * DAY if p == "pb" else 0), p) for s, d, t, p in HAND]
    late += [(f"x:v{i}", "x:b", T0 + 14 * DAY + i, "pb") for i in range(5)]
    high_hopes = {**FORECAST, "moved_users": {**FORECAST["moved_users"], "low": 6.0}}
    ev = evaluate_campaign(record(high_hopes), frame(late))
    assert ev.peak_day == 14
    assert ev.explosion_on_time is False
    assert ev.engaged_within_horizon == 5  # u7 on day 0, x:a's four on day 1
    assert ev.inside_interval is False  # below the interval's 6
    b = next(a for a in ev.accounts if a.key == "x:b")
    assert (b.first_day, b.engaged) == (14.0, 7)
    assert "(planned days 3-7)" in b.lesson


def test_an_account_that_never_posted(store: SQLiteStore) -> None:
    rows = [r for r in HAND if r[3] != "pb"]
    ev = evaluate_campaign(record(), frame(rows), store=store)
    # u1 follows x:b, but x:b did not post: it reached nobody, so u1 stays incremental
    assert {a.key: (a.engaged, a.incremental) for a in ev.accounts} == {
        "x:o": (2, 2),
        "x:a": (4, 4),
        "x:b": (0, 0),
    }
    b = next(a for a in ev.accounts if a.key == "x:b")
    assert (b.posted, b.first_day, b.engaged, b.incremental) == (False, None, 0, 0)
    assert "did not post" in b.lesson
    assert ev.predicted is None and ev.inside_interval is None
    assert any("x:b" in n and "did not post" in n for n in ev.notes)


def test_reposts_without_post_ids_are_one_cascade_per_author() -> None:
    rows = [(s, d, t, "") for s, d, t, _ in HAND if d in PLANNED]
    ev = evaluate_campaign(record(), frame(rows))
    credited, _, n = brute_force(rows, set(PLANNED))
    assert ev.cascades == n == 3
    assert {a.key: a.engaged for a in ev.accounts} == {k: len(v) for k, v in credited.items()}


def test_reposts_naming_no_planned_account_are_refused() -> None:
    with pytest.raises(InputError, match="none of plan pl-test's accounts") as exc:
        evaluate_campaign(record(), frame([("x:u1", "x:n1", T0, "p")]))
    assert exc.value.hint and "platform:id" in exc.value.hint


# ----------------------------------------------------------------------------- kept with the plan
def test_the_evaluation_is_kept_with_the_plan_only_when_it_succeeds(store: SQLiteStore) -> None:
    keep_plan(store, "pl-test", "run-1", {"budget": 100.0}, plan_body(FORECAST))
    with pytest.raises(InputError):
        evaluate_plan(store, "pl-test", frame([("x:u1", "x:n1", T0, "p")]))
    assert store.get_plan("pl-test").evaluation is None

    ev = evaluate_plan(store, "pl-test", frame(HAND))
    kept = store.get_plan("pl-test")
    assert kept.evaluation == json.loads(json.dumps(ev.as_dict()))
    assert kept.body == plan_body(FORECAST) and kept.params == {"budget": 100.0}

    with pytest.raises(InputError):  # a later failure leaves the first evaluation alone
        evaluate_plan(store, "pl-test", frame([("x:u1", "x:n1", T0, "p")]))
    assert store.get_plan("pl-test").evaluation == kept.evaluation
    with pytest.raises(NotFound, match="pl-nope"):
        evaluate_plan(store, "pl-nope", frame(HAND))


# ----------------------------------------------------------------------------- reading the file
def test_read_campaign_reposts_prefixes_platform_and_parses_iso_times(tmp_path: Path) -> None:
    f = tmp_path / "r.tsv"
    f.write_text("src\tdst\tts\tpost\nu1\ta\t2023-11-14T22:13:20Z\tp1\nx:u2\tx:a\t1700000100\t\n")
    df = read_campaign_reposts(f, platform="x")
    assert df["src"].tolist() == ["x:u1", "x:u2"] and df["dst"].tolist() == ["x:a", "x:a"]
    assert df["ts"].tolist() == [T0, T0 + 100]
    assert df["post"].tolist() == ["p1", ""]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("src,dst\nx:1,x:2\n", ["no column ts", "src,dst,ts"]),
        ("src,dst,ts\n", ["has no rows"]),
        ("src,dst,ts\nx:1,x:2,1\nx:1,x:2,yesterday\n", ["bad.csv:3", "'yesterday'", "ISO 8601"]),
        ("src,dst,ts\nx:1,x:2,1\n,x:2,2\n", ["bad.csv:3", "empty src"]),
        ("src,dst,ts\nx:1,x:2,1\nx:1,2,2\n", ["bad.csv:3", "'2' has no platform", "--platform"]),
        ("src,dst,ts\nx:1,x:2,1,9\n", ["cannot read", "src,dst,ts"]),
    ],
)
def test_bad_files_name_the_row(tmp_path: Path, text: str, words: list[str]) -> None:
    f = tmp_path / "bad.csv"
    f.write_text(text)
    with pytest.raises(InputError) as exc:
        read_campaign_reposts(f)
    said = str(exc.value)
    assert "fix:" in said
    for w in words:
        assert w in said, said


def test_a_missing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        read_campaign_reposts(tmp_path / "nope.csv")
