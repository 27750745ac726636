"""The phase calendar timed by the store's cascades: milestones, days, fallback, plans."""

from __future__ import annotations

import itertools
import math
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from kolgraph.plan.cascades import Cascades, cascades_from_frame
from kolgraph.plan.phases import PHASES
from kolgraph.plan.schedule import (
    LIFE_DAYS,
    MIN_ADOPTERS,
    MIN_CASCADES,
    calendar_from_hours,
    default_schedule,
    milestone_hours,
    schedule_from_cascades,
    store_schedule,
)

H = 3600


def _cascades(hours: list[list[float]]) -> Cascades:
    """One cascade per list of adoption hours (first = the author), users all distinct."""
    c, u, t = [], [], []
    for k, hs in enumerate(hours):
        c += [k] * len(hs)
        u += [len(u) + j for j in range(len(hs))]
        t += [round(h * H) for h in hs]
    return cascades_from_frame(c, u, t, len(u))


def _brute(hours: list[float]) -> list[float]:
    """The q-th share of n adopters is reached at adoption ceil(q n) (1-based), by hand."""
    hs = sorted(hours)
    n = len(hs)
    out = []
    for q in (0.1, 0.5, 0.9):
        k = next(k for k in range(1, n + 1) if k >= q * n - 1e-9)  # smallest k with k >= q n
        out.append(hs[k - 1] - hs[0])
    return out


# ----------------------------------------------------------------------------- milestones
def test_milestones_of_small_cascades_by_hand() -> None:
    c = _cascades(
        [
            [0, 1, 2, 4, 8],  # n=5: 1st, 3rd, 5th adoption -> 0, 2, 8
            [0, 1, 2, 3],  # n=4: too small, left out
            [float(h) for h in range(10)],  # n=10: 1st, 5th, 9th -> 0, 4, 8
            [float(h) for h in range(11)],  # n=11: 2nd, 6th, 10th -> 1, 5, 9
            [float(h) for h in range(30)],  # n=30: 3rd, 15th, 27th -> 2, 14, 26
            [5, 5.5, 6, 29, 29],  # starts at hour 5: measured from it -> 0, 1, 24
        ]
    )
    got = milestone_hours(c)
    expected = {(0, 2, 8), (0, 4, 8), (1, 5, 9), (2, 14, 26), (0, 1, 24)}
    assert got.shape == (5, 3)
    assert {tuple(r) for r in got.tolist()} == expected
    small = milestone_hours(c, min_adopters=4)
    assert [0, 1, 3] in small.tolist()  # n=4: 1st, 2nd and 4th adoption


def test_milestones_match_a_brute_force() -> None:
    rng = np.random.default_rng(3)
    hours = [
        sorted(rng.exponential(20.0, size=int(n)).round(2).tolist())
        for n in rng.integers(1, 60, size=80)
    ]
    c = _cascades(hours)
    got = milestone_hours(c, min_adopters=1)
    assert got.shape == (len(hours), 3)
    # cascades_from_frame orders the cascades by start time: compare as multisets
    assert sorted(map(tuple, np.round(got, 6).tolist())) == sorted(
        tuple(round(x, 6) for x in _brute(h)) for h in hours
    )


def test_five_adopters_is_the_smallest_size_with_an_adoption_between_milestones() -> None:
    def positions(n: int) -> list[int]:
        return [math.ceil(p * n / 100 - 1e-12) for p in (10, 50, 90)]

    def separated(n: int) -> bool:
        a, b, c = positions(n)
        return b - a >= 2 and c - b >= 2

    assert MIN_ADOPTERS == 5
    assert not separated(4) and positions(4) == [1, 2, 4]
    assert all(separated(n) for n in range(5, 500))


# ----------------------------------------------------------------------------- calendar
def test_default_calendar_is_a_day_three_days_a_week() -> None:
    cal = calendar_from_hours(24, 72, 168)
    assert cal == {p: (d0, d1) for p, (d0, d1, _) in PHASES.items()}
    assert default_schedule().calendar == cal


@pytest.mark.parametrize(
    ("hours", "edges"),
    [
        ((0.0, 0.5, 3.0), (0, 1, 2, 3, 7)),  # faster than a day: the shortest calendar
        ((0.0, 30.0, 100.0), (0, 1, 2, 5, 10)),  # ceil(30/24)=2, ceil(100/24)=5, end 2*5
        ((30.0, 50.0, 200.0), (0, 2, 3, 9, 14)),  # end 2*9=18 capped at 14
        ((48.0, 48.0, 48.0), (0, 2, 3, 4, 8)),  # equal milestones still get a day each
        ((400.0, 500.0, 900.0), (0, 11, 12, 13, 14)),  # slower than the topic lives: capped
        ((-5.0, 0.0, 0.0), (0, 1, 2, 3, 7)),
    ],
)
def test_calendar_from_hours_by_hand(
    hours: tuple[float, float, float], edges: tuple[int, ...]
) -> None:
    cal = calendar_from_hours(*hours)
    assert list(cal) == list(PHASES)
    assert [cal[p][0] for p in PHASES] + [cal["flattening"][1]] == list(edges)


def test_calendar_is_contiguous_and_within_the_topic_life() -> None:
    grid = [0.0, 1.0, 23.9, 24.0, 24.1, 47.0, 72.0, 100.0, 168.0, 300.0, 1000.0]
    for t10 in grid:
        for t50 in (t for t in grid if t >= t10):
            for t90 in (t for t in grid if t >= t50):
                cal = calendar_from_hours(t10, t50, t90)
                days = list(cal.values())
                assert days[0][0] == 0
                assert all(d0 < d1 for d0, d1 in days)
                assert all(a[1] == b[0] for a, b in itertools.pairwise(days))
                assert LIFE_DAYS[0] <= days[-1][1] <= LIFE_DAYS[1]
                # each milestone lies inside or at the end of the phase it closes
                if t90 < 24 * 13:
                    assert cal["mass_spread"][1] * 24 >= t90


# ----------------------------------------------------------------------------- schedules
def _many(k: int, hours: list[float]) -> Cascades:
    return _cascades([hours] * k)


def test_too_few_cascades_keep_the_default_calendar_and_say_so() -> None:
    s = schedule_from_cascades(_many(MIN_CASCADES - 1, [0, 10, 30, 50, 100]))
    assert s.basis == "default"
    assert s.calendar == default_schedule().calendar
    assert s.cascades == MIN_CASCADES - 1
    assert s.t50_hours is None
    assert s.note.startswith(
        f"default 1-2 week calendar: only {MIN_CASCADES - 1} cascades with ≥ 5 adopters in "
        "the store"
    )
    # small cascades do not count
    s = schedule_from_cascades(_many(40, [0, 1, 2, 3]))
    assert (s.basis, s.cascades) == ("default", 0)
    none = schedule_from_cascades(None)
    assert none.basis == "default" and "only 0 cascades" in none.note


def test_enough_cascades_time_the_calendar_by_their_medians() -> None:
    # 21 cascades of 5 adopters (milestones: 1st, 3rd, 5th adoption); the middle one,
    # k = 10, sets each median
    hours = [[0, 0, 10 + k, 20 + k, 40 + 4 * k] for k in range(21)]
    s = schedule_from_cascades(_cascades(hours))
    assert s.basis == "cascades" and s.cascades == 21
    assert (s.t10_hours, s.t50_hours, s.t90_hours) == (0.0, 20.0, 80.0)
    assert s.calendar == calendar_from_hours(0.0, 20.0, 80.0)
    assert [s.calendar[p][0] for p in PHASES] == [0, 1, 2, 4]
    assert "the median of 21 cascades with ≥ 5 adopters" in s.note
    assert "50% after 20.0 h and 90% after 3.3 d" in s.note
    assert s.as_dict()["basis"] == "cascades"


def test_the_model_cascades_time_the_schedule_once_per_run() -> None:
    store = SimpleNamespace(location="/nowhere/cached.db")
    learned: Any = SimpleNamespace(recent=_many(25, [0, 0, 6, 12, 30]))
    first = store_schedule(store, "run-a", learned)  # type: ignore[arg-type]
    assert first.basis == "cascades" and "last 90 days" in first.note
    assert first.t50_hours == 6.0
    again = store_schedule(store, "run-a", None)  # type: ignore[arg-type]
    assert again is first  # kept for the run: the store is not read again


# ----------------------------------------------------------------------------- plans
def _store(db: Path, n_cascades: int) -> str:
    """Users x:0..39 follow x:100..x:103; x:100 posts ``n_cascades`` times, 6 reposts each."""
    from kolgraph.model import Account, Kind
    from kolgraph.rank.job import run_rank
    from kolgraph.store import SQLiteStore
    from kolgraph.store.batches import RepostBatch

    t0 = 1_700_000_000
    src, dst, post, ts = [], [], [], []
    for c in range(n_cascades):
        for j, h in enumerate([0, 12, 30, 50, 70, 100]):  # adopters 0,0,12,30,50,70,100 h
            src.append(f"x:{(c + j) % 40}")
            dst.append("x:100")
            post.append(f"p{c}")
            ts.append(t0 + c * 7 * 86_400 + h * H)
    with SQLiteStore(db) as st:
        st.upsert_accounts(
            [
                Account("x", "100", name="K", kind=Kind.KOL, cost=100.0),
                Account("x", "101", name="L", kind=Kind.KOL, cost=100.0),
                Account("x", "102", name="M", kind=Kind.MEDIA, cost=100.0),
                Account("x", "103", name="O", kind=Kind.OWN),
            ]
        )
        users = [f"x:{i}" for i in range(40)]
        for v in ("x:100", "x:101", "x:102", "x:103"):
            st.add_follows(users, [v] * 40)
        if n_cascades:
            st.add_reposts(RepostBatch.from_columns(src, dst, post, ts, ["repost"] * len(src)))
        return run_rank(st).run.id


@pytest.mark.parametrize(("n_cascades", "basis"), [(25, "cascades"), (19, "default")])
def test_plans_take_their_days_from_the_schedule(
    tmp_path: Path, n_cascades: int, basis: str
) -> None:
    from kolgraph.plan.planner import PlanParams, make_plan
    from kolgraph.schemas.plans import PlanResponse
    from kolgraph.store import SQLiteStore

    db = tmp_path / "s.db"
    _store(db, n_cascades)
    with SQLiteStore(db) as st:
        plan = make_plan(st, PlanParams(budget=1000))
    assert plan.schedule is not None and plan.schedule.basis == basis
    cal = plan.schedule.calendar
    if basis == "cascades":  # every cascade: 7 adopters at 0, 0, 12, 30, 50, 70, 100 h
        assert plan.schedule.cascades == 25
        assert (plan.schedule.t10_hours, plan.schedule.t50_hours) == (0.0, 30.0)
        assert plan.schedule.t90_hours == 100.0
        assert [cal[p][0] for p in PHASES] + [cal["flattening"][1]] == [0, 1, 2, 5, 10]
    else:
        assert cal == default_schedule().calendar
        assert "only 19 cascades with ≥ 5 adopters in the store" in plan.schedule.note
    assert plan.accounts
    for a in plan.accounts:
        assert (a.day_from, a.day_to) == cal[a.phase]
    doc = PlanResponse.from_plan(plan).model_dump()
    assert doc["schedule"]["basis"] == basis
    assert doc["schedule"]["note"] == plan.schedule.note
    assert {p["phase"]: (p["day_from"], p["day_to"]) for p in doc["phases"]} == cal
    # a kept plan from before schedules reads back on the default calendar it was made on
    old = {k: v for k, v in doc.items() if k != "schedule"}
    assert PlanResponse.model_validate(old).schedule.basis == "default"


def test_the_schedule_changes_only_the_days(tmp_path: Path) -> None:
    from kolgraph.plan.planner import PlanParams, make_plan
    from kolgraph.store import SQLiteStore

    db = tmp_path / "s.db"
    _store(db, 25)
    with SQLiteStore(db) as st:
        plan = make_plan(st, PlanParams(budget=1000))
    assert plan.schedule is not None
    back = default_schedule().apply(plan)
    assert back.schedule is not None and back.schedule.basis == "default"
    same = [replace(a, day_from=0, day_to=0) for a in plan.accounts]
    assert [replace(a, day_from=0, day_to=0) for a in back.accounts] == same
    assert (back.forecast, back.unique_reach, back.spent, back.notes) == (
        plan.forecast,
        plan.unique_reach,
        plan.spent,
        plan.notes,
    )


def test_the_plan_command_prints_the_schedule_note(tmp_path: Path) -> None:
    from kolgraph.cli import app

    db = tmp_path / "s.db"
    _store(db, 25)
    res = CliRunner().invoke(app, ["plan", "--budget", "1000", "--db", str(db)])
    assert res.exit_code == 0, res.stderr
    text = " ".join(res.stdout.split())
    assert "days: calendar from the store's cascades: the median of 25 cascades" in text
    assert text.index("days: calendar") < text.index("plan totals")
