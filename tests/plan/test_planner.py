"""Planner: budget and mix constraints, marginal reach, phases, errors."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from kolgraph.errors import InputError
from kolgraph.model import Kind
from kolgraph.plan.engagement import ACCOUNT_FEATURES
from kolgraph.plan.flags import HIGH_OVERLAP_JACCARD
from kolgraph.plan.planner import KindRange, PlanParams, plan_arrays
from kolgraph.settings import Settings

SETTINGS = Settings(cost_per_1k_audience=10.0, min_cost=5.0, auto_kol=0)


def _world(audiences: dict[int, list[int]], kinds: dict[int, str], costs: dict[int, float], n: int):
    rows, cols = [], []
    for v, aud in audiences.items():
        rows += [v] * len(aud)
        cols += aud
    mat = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(n, n))
    accounts = pd.DataFrame(
        {
            "key": [f"t:{i}" for i in range(n)],
            "platform": ["t"] * n,
            "account_id": [str(i) for i in range(n)],
            "name": [f"acc {i}" for i in range(n)],
            "kind": [kinds.get(i, "user") for i in range(n)],
            "followers": np.full(n, np.nan),
            "cost": [costs.get(i, np.nan) for i in range(n)],
        }
    )
    pr = np.array([len(audiences.get(i, [])) + 1.0 for i in range(n)])
    scores = pd.DataFrame(
        {
            "pagerank": pr / pr.sum(),
            "community": pd.array([i % 2 for i in range(n)], dtype="Int64"),
            "audience": [len(audiences.get(i, [])) for i in range(n)],
            "tier": ["tail"] * n,
        }
    )
    return mat, accounts, scores


# accounts 0-4 are plannable; 10..49 are the audience
AUD = {
    0: list(range(10, 30)),  # kol, big
    1: list(range(10, 28)),  # kol, almost the same audience as 0
    2: list(range(30, 40)),  # kol, disjoint
    3: list(range(35, 50)),  # media, overlaps 2 a little
    4: list(range(40, 45)),  # own
}
KINDS = {0: "kol", 1: "kol", 2: "kol", 3: "media", 4: "own"}
COSTS = {0: 100.0, 1: 90.0, 2: 60.0, 3: 80.0}


def test_greedy_avoids_overlapping_audiences() -> None:
    mat, acc, sc = _world(AUD, KINDS, COSTS, 50)
    plan = plan_arrays(mat, acc, sc, PlanParams(budget=250), settings=SETTINGS)
    keys = {a.key for a in plan.accounts}
    # 1 duplicates 0's audience: a reach-per-cost planner takes 0 or 1, not both
    assert not {"t:0", "t:1"} <= keys
    assert plan.spent <= 250
    assert plan.unique_reach == sum(a.marginal_reach for a in plan.accounts)
    assert plan.unique_reach <= plan.total_audience
    covered = set().union(*(AUD[int(a.key[2:])] for a in plan.accounts))
    assert plan.unique_reach == len(covered)


def test_own_accounts_without_price_are_free_and_open_the_campaign() -> None:
    mat, acc, sc = _world(AUD, KINDS, COSTS, 50)
    plan = plan_arrays(mat, acc, sc, PlanParams(budget=100), settings=SETTINGS)
    own = [a for a in plan.accounts if a.kind is Kind.OWN]
    assert own and own[0].cost == 0 and own[0].phase == "origin"
    assert plan.accounts[0].phase == "origin"  # sorted by phase


def test_mix_minimums_and_maximums() -> None:
    mat, acc, sc = _world(AUD, KINDS, COSTS, 50)
    params = PlanParams(
        budget=1000,
        mix={Kind.KOL: KindRange(3, 3), Kind.MEDIA: KindRange(0, 0), Kind.OWN: KindRange(0, 0)},
    )
    plan = plan_arrays(mat, acc, sc, params, settings=SETTINGS)
    kinds = [a.kind for a in plan.accounts]
    assert kinds.count(Kind.KOL) == 3
    assert Kind.MEDIA not in kinds and Kind.OWN not in kinds


def test_minimum_out_of_budget_is_a_clear_error() -> None:
    mat, acc, sc = _world(AUD, KINDS, COSTS, 50)
    with pytest.raises(InputError, match=r"minimum mix \(3 kol\).*costs 250") as info:
        plan_arrays(
            mat, acc, sc, PlanParams(budget=200, mix={Kind.KOL: KindRange(3)}), settings=SETTINGS
        )
    assert "budget" in (info.value.hint or "")
    with pytest.raises(InputError, match="only 1 media"):
        plan_arrays(
            mat, acc, sc, PlanParams(budget=9999, mix={Kind.MEDIA: KindRange(2)}), settings=SETTINGS
        )


def test_minimums_reserve_budget_for_the_open_slots() -> None:
    # A has the best reach per cost, but taking it leaves too little for a second KOL;
    # the cheapest pair (B, C) fits, so the planner must find it instead of failing.
    aud = {0: list(range(10, 110)), 1: list(range(110, 120)), 2: list(range(120, 130))}
    mat, acc, sc = _world(aud, {0: "kol", 1: "kol", 2: "kol"}, {0: 100.0, 1: 30.0, 2: 30.0}, 130)
    plan = plan_arrays(
        mat, acc, sc, PlanParams(budget=120, mix={Kind.KOL: KindRange(2)}), settings=SETTINGS
    )
    assert sorted(a.key for a in plan.accounts) == ["t:1", "t:2"]
    assert plan.spent == 60
    # without a minimum the same budget buys the single best account
    plan = plan_arrays(mat, acc, sc, PlanParams(budget=120), settings=SETTINGS)
    assert plan.accounts[0].key == "t:0"


def test_target_community_restricts_reach() -> None:
    mat, acc, sc = _world(AUD, KINDS, COSTS, 50)
    plan = plan_arrays(
        mat, acc, sc, PlanParams(budget=1000, target_communities=(0,)), settings=SETTINGS
    )
    assert plan.target_size == 25  # even indices
    for a in plan.accounts:
        assert a.audience == sum(1 for u in AUD[int(a.key[2:])] if u % 2 == 0)
    with pytest.raises(InputError, match="no members"):
        plan_arrays(mat, acc, sc, PlanParams(budget=10, target_communities=(7,)), settings=SETTINGS)


def test_include_exclude_and_estimated_costs() -> None:
    costs = {k: v for k, v in COSTS.items() if k != 2}  # account 2 has no price
    mat, acc, sc = _world(AUD, KINDS, costs, 50)
    params = PlanParams(budget=1000, include=("t:1",), exclude=("t:0",))
    plan = plan_arrays(mat, acc, sc, params, settings=SETTINGS)
    keys = [a.key for a in plan.accounts]
    assert "t:1" in keys and "t:0" not in keys
    est = next(a for a in plan.accounts if a.key == "t:2")
    assert est.cost_estimated and est.cost == 5.0  # 10 per 1k of 10 people, floored at min_cost
    assert any("estimated" in n for n in plan.notes)
    with pytest.raises(InputError, match="not in the store: 2 unknown") as err:
        params = PlanParams(budget=10, include=("t:999",), exclude=("t:1", "t:zz"))
        plan_arrays(mat, acc, sc, params, settings=SETTINGS)
    assert "t:999 (did you mean t:9" in err.value.message and "t:zz" in err.value.message
    with pytest.raises(InputError, match="user"):
        plan_arrays(mat, acc, sc, PlanParams(budget=1000, include=("t:20",)), settings=SETTINGS)


def test_phases_without_a_model_follow_kind_and_pagerank() -> None:
    mat, acc, sc = _world(AUD, KINDS, COSTS, 50)
    plan = plan_arrays(mat, acc, sc, PlanParams(budget=10_000), settings=SETTINGS)
    phase = {a.key: a.phase for a in plan.accounts}
    # t:1 adds nobody after t:0; PageRank follows audience size: t:0 > t:3 > t:2
    assert phase == {
        "t:4": "origin",  # own accounts open
        "t:0": "explosion",  # the highest PageRank acts first
        "t:3": "mass_spread",
        "t:2": "flattening",  # the latest quarter of four accounts: one
    }
    assert set(plan.by_phase()) == {"origin", "explosion", "mass_spread", "flattening"}
    assert any("phases from kind and PageRank" in n for n in plan.notes)


def _ladder(n_kol: int = 9) -> tuple[sp.csr_matrix, pd.DataFrame, pd.DataFrame]:
    """KOLs ``t:0..`` with disjoint audiences shrinking by one (PageRank falls), then an own."""
    sizes = {v: n_kol + 1 - v for v in range(n_kol + 1)}
    start = np.cumsum([100, *sizes.values()])
    aud = {v: list(range(int(start[v]), int(start[v]) + sizes[v])) for v in sizes}
    kinds = {v: "kol" for v in range(n_kol)} | {n_kol: "own"}
    costs = {v: 1.0 for v in range(n_kol)}
    return _world(aud, kinds, costs, int(start[-1]))


@pytest.mark.parametrize("size", range(1, 11))
def test_the_latest_quarter_flattens(size: int) -> None:
    mat, acc, sc = _ladder()
    plan = plan_arrays(mat, acc, sc, PlanParams(budget=100, max_accounts=size), settings=SETTINGS)
    assert len(plan.accounts) == size
    flat = plan.by_phase()["flattening"]
    assert len(flat) == size // 4  # one from four accounts, two from eight
    if size >= 4:
        lowest = min(a.pagerank for a in plan.accounts if a.kind is not Kind.OWN)
        assert lowest in {a.pagerank for a in flat}


class _Timed:
    """A stand-in engagement model: account features only, and an empty forecast."""

    class _Forecast:
        def as_dict(self) -> dict[str, float]:
            return {}

    def __init__(self, account_x: np.ndarray) -> None:
        self.evidence = SimpleNamespace(account_x=account_x)
        self.calibration = SimpleNamespace(as_dict=dict)

    def forecast(
        self, chosen: np.ndarray, horizon_days: float, objective: str | None = None
    ) -> tuple[_Forecast, float]:
        return self._Forecast(), 0.0

    def per_message(self, chosen: np.ndarray, objective: str | None = None) -> None:
        return None

    def marginal_engaged(self, chosen: np.ndarray, horizon_days: float) -> np.ndarray:
        return np.ones(chosen.size)

    def evidence_of(self, chosen: np.ndarray) -> list[tuple[int, float | None]]:
        return [(int(v), float(v) / 2) for v in chosen]


def test_phases_follow_measured_timing() -> None:
    mat, acc, sc = _ladder()  # t:0..t:8 KOLs by falling PageRank, t:9 own
    x = np.zeros((mat.shape[0], len(ACCOUNT_FEATURES)))
    col = {name: j for j, name in enumerate(ACCOUNT_FEATURES)}
    x[:10, col["v_cascades"]] = 1.0
    x[:10, col["v_tail"]] = 1.0
    x[:9, col["v_early_share"]] = np.arange(9) / 10  # the low-PageRank KOLs act early
    x[9, col["v_early_share"]] = 0.05  # the own account only reposts, late
    x[4, col["v_cascades"]] = 0.0  # t:4 never seen in a cascade: the median share
    learned: Any = _Timed(x)
    params = PlanParams(budget=100, objective="reach")
    plan = plan_arrays(mat, acc, sc, params, settings=SETTINGS, learned=learned)
    by = {p: sorted(a.key for a in accs) for p, accs in plan.by_phase().items()}
    assert by == {
        "origin": [],
        "explosion": ["t:7", "t:8"],  # the earliest-acting fifth of the spreaders
        "mass_spread": ["t:1", "t:2", "t:3", "t:4", "t:5", "t:6"],
        "flattening": ["t:0", "t:9"],  # the latest quarter; the own account sustains
    }
    assert any("measured timing: 9 of 10 accounts" in n for n in plan.notes)
    # every row carries the evidence behind it, in the model's account order
    for a in plan.accounts:
        i = int(a.key.split(":")[1])
        assert (a.evidence_cascades, a.evidence_last_days) == (i, i / 2)
        assert a.marginal_engaged == 1.0  # explained in engaged people though it plans reach
        assert a.marginal_gain == a.marginal_reach  # the objective's own units
        assert 0.0 <= a.overlap_before <= 1.0
        assert a.overlap_before == pytest.approx(1 - a.marginal_reach / a.audience, abs=1e-4)
    # without the model the same plan opens with the own account and explodes on PageRank
    plain = plan_arrays(mat, acc, sc, params, settings=SETTINGS)
    by = {p: sorted(a.key for a in accs) for p, accs in plain.by_phase().items()}
    assert by["origin"] == ["t:9"] and by["explosion"] == ["t:0", "t:1"]
    assert by["flattening"] == ["t:7", "t:8"]


def test_auto_kol_when_nothing_is_labelled() -> None:
    mat, acc, sc = _world(AUD, {}, {}, 50)
    plan = plan_arrays(mat, acc, sc, PlanParams(budget=1000), settings=Settings(auto_kol=3))
    assert plan.accounts and all(a.kind is Kind.KOL for a in plan.accounts)
    assert any("stand in" in n for n in plan.notes)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2..5", KindRange(2, 5)),
        ("3", KindRange(3, 3)),
        ("..4", KindRange(0, 4)),
        ("1..", KindRange(1, None)),
    ],
)
def test_kind_range_parse(text: str, expected: KindRange) -> None:
    assert KindRange.parse(text) == expected


@pytest.mark.parametrize("text", ["", "a..b", "5..2", "-1..3"])
def test_kind_range_rejects(text: str) -> None:
    with pytest.raises(InputError):
        KindRange.parse(text, name="kol")


def test_budget_must_be_positive() -> None:
    mat, acc, sc = _world(AUD, KINDS, COSTS, 50)
    with pytest.raises(InputError, match="budget"):
        plan_arrays(mat, acc, sc, PlanParams(budget=0), settings=SETTINGS)


def test_flagged_accounts_are_skipped_by_default_and_warn_when_kept() -> None:
    mat, acc, sc = _world(AUD, KINDS, COSTS, 50)
    sc = sc.assign(flags=[["62% of followers are hollow"] if i == 2 else None for i in range(50)])
    assert PlanParams(budget=1).skip_flagged is True
    skip = plan_arrays(mat, acc, sc, PlanParams(budget=1000), settings=SETTINGS)
    assert "t:2" not in {a.key for a in skip.accounts}
    assert any("left out because their audience was flagged" in n for n in skip.notes)
    assert not any("flagged audience" in a.warnings for a in skip.accounts)
    params = PlanParams(budget=1000, skip_flagged=False)  # --include-flagged
    keep = plan_arrays(mat, acc, sc, params, settings=SETTINGS)
    warned = {a.key: a.warnings for a in keep.accounts}
    assert warned["t:2"] == ("flagged audience",)
    assert not any("flagged audience" in w for k, w in warned.items() if k != "t:2")
    # an included flagged account is planned despite the default, and warns
    params = PlanParams(budget=1000, include=("t:2",))
    inc = plan_arrays(mat, acc, sc, params, settings=SETTINGS)
    assert next(a for a in inc.accounts if a.key == "t:2").warnings == ("flagged audience",)


def test_flags_of_accounts_added_after_the_run_are_not_flags() -> None:
    mat, acc, sc = _world(AUD, KINDS, COSTS, 50)
    sc = sc.assign(flags=[np.nan if i == 2 else [] for i in range(50)])
    plan = plan_arrays(mat, acc, sc, PlanParams(budget=1000), settings=SETTINGS)
    assert "t:2" in {a.key for a in plan.accounts}


def test_rows_warn_of_estimated_prices_and_high_overlap() -> None:
    costs = {k: v for k, v in COSTS.items() if k != 2}  # t:2's price is estimated
    mat, acc, sc = _world(AUD, KINDS, costs, 50)
    params = PlanParams(budget=1000, include=("t:0", "t:1", "t:2", "t:3"))
    plan = plan_arrays(mat, acc, sc, params, settings=SETTINGS)
    warned = {a.key: a.warnings for a in plan.accounts}
    assert warned["t:0"] == ()  # chosen first: nothing before it to overlap
    assert warned["t:1"] == ("high overlap with t:0 (Jaccard 0.90)",)  # 18 of 20 shared
    assert warned["t:2"] == ("estimated price",)
    assert warned["t:3"] == ()  # Jaccard with t:2 is 5/20 = 0.25, below the threshold
    assert HIGH_OVERLAP_JACCARD == 0.3


def test_every_plan_says_why_it_stopped() -> None:
    aud, accounts, scores = _stop_world()
    budget_bound = plan_arrays(aud, accounts, scores, PlanParams(budget=2.0, objective="reach"))
    assert "budget" in budget_bound.stop_reason and len(budget_bound.accounts) == 2
    capped = plan_arrays(
        aud, accounts, scores, PlanParams(budget=100.0, objective="reach", max_accounts=1)
    )
    assert len(capped.accounts) == 1 and "limit" in capped.stop_reason
    everyone = plan_arrays(aud, accounts, scores, PlanParams(budget=100.0, objective="reach"))
    assert everyone.stop_reason in {"no candidate adds anything", "every candidate is in the plan"}
    picky = plan_arrays(
        aud, accounts, scores, PlanParams(budget=100.0, objective="reach", min_gain=3.5)
    )
    assert [a.marginal_reach for a in picky.accounts] == [4] and "minimum gain" in picky.stop_reason


def _stop_world() -> tuple[sp.csr_matrix, pd.DataFrame, pd.DataFrame]:
    # four KOLs (cost 1 each) reaching 4, 3, 2 and 1 new people of ten
    rows = [[0, 1, 2, 3], [4, 5, 6], [7, 8], [9]]
    n = 10
    data = sp.lil_matrix((n, n))
    for v, r in enumerate(rows):
        for u in r:
            data[v, u] = 1
    accounts = pd.DataFrame(
        {
            "key": [f"t:{i}" for i in range(n)],
            "platform": "t",
            "name": [f"a{i}" for i in range(n)],
            "kind": ["kol"] * 4 + ["user"] * 6,
            "followers": [float(len(r)) for r in rows] + [0.0] * 6,
            "cost": [1.0] * 4 + [float("nan")] * 6,
        }
    )
    scores = pd.DataFrame({"pagerank": [0.1] * n, "community": pd.array([0] * n, dtype="Int64")})
    return data.tocsr(), accounts, scores


def test_when_counts_bind_gain_alone_beats_gain_per_cost() -> None:
    # two KOL slots; two cheap KOLs reach 2 people each (cost 1), two dear ones 6 each (cost 10)
    n = 20
    rows = [[0, 1], [2, 3], list(range(4, 10)), list(range(10, 16))]
    aud = sp.lil_matrix((n, n))
    for v, r in enumerate(rows):
        for u in r:
            aud[v, u] = 1
    accounts = pd.DataFrame(
        {
            "key": [f"t:{i}" for i in range(n)],
            "platform": "t",
            "name": [f"a{i}" for i in range(n)],
            "kind": ["kol"] * 4 + ["user"] * (n - 4),
            "followers": [2.0, 2.0, 6.0, 6.0] + [0.0] * (n - 4),
            "cost": [1.0, 1.0, 10.0, 10.0] + [float("nan")] * (n - 4),
        }
    )
    scores = pd.DataFrame({"pagerank": [0.1] * n, "community": pd.array([0] * n, dtype="Int64")})
    params = PlanParams(budget=100.0, mix={Kind.KOL: KindRange(0, 2)}, objective="reach")
    by_ratio = plan_arrays(aud.tocsr(), accounts, scores, params, rule="ratio")
    by_gain = plan_arrays(aud.tocsr(), accounts, scores, params, rule="gain")
    assert by_ratio.unique_reach == 4 and by_gain.unique_reach == 12
    assert {a.key for a in by_gain.accounts} == {"t:2", "t:3"}
    assert "maximum count" in by_gain.stop_reason


def test_a_model_stored_in_another_format_is_a_clear_error_or_a_note(tmp_path: Path) -> None:
    import pickle
    import sqlite3

    from kolgraph.errors import InputError
    from kolgraph.plan import make_plan
    from kolgraph.plan.learned import ARTIFACT
    from kolgraph.rank.job import run_rank
    from kolgraph.store import SQLiteStore

    db = tmp_path / "old.db"
    with SQLiteStore(db) as st:
        st.add_follows([f"x:{i}" for i in range(1, 30)], ["x:0"] * 29)
        run = run_rank(st).run.id
    with sqlite3.connect(db) as con:  # what an older kolgraph kept: a bare pickled object
        con.execute(
            "INSERT INTO artifacts(run_id, name, data) VALUES (?, ?, ?)",
            (run, ARTIFACT, pickle.dumps({"old": "model"})),
        )
    with SQLiteStore(db) as st:
        with pytest.raises(InputError, match="another format") as err:
            make_plan(st, PlanParams(budget=100, objective="engagement"))
        assert "kolgraph rank --only engagement" in (err.value.hint or "")
        plan = make_plan(st, PlanParams(budget=100))  # auto plans for reach and says why
        assert plan.objective == "reach" and plan.forecast is None
        assert any("another format" in n for n in plan.notes)


# accounts 5-7 are partners: 10 people for 20, 6 people for free (no price), 4 people for 200
PARTNER_AUD = {**AUD, 5: list(range(50, 60)), 6: list(range(60, 66)), 7: list(range(66, 70))}
PARTNER_KINDS = {**KINDS, 5: "partner", 6: "partner", 7: "partner"}
PARTNER_COSTS = {**COSTS, 5: 20.0, 7: 200.0}


def test_partner_range_caps_and_fills_partner_accounts() -> None:
    mat, acc, sc = _world(PARTNER_AUD, PARTNER_KINDS, PARTNER_COSTS, 70)
    free = plan_arrays(mat, acc, sc, PlanParams(budget=10_000), settings=SETTINGS)
    assert {a.key for a in free.accounts if a.kind is Kind.PARTNER} == {"t:5", "t:6", "t:7"}
    # at most 2: by reach per cost t:6 (free) then t:5 (10 / 20) beat t:7 (4 / 200)
    mix = {Kind.PARTNER: KindRange(1, 2)}
    capped = plan_arrays(mat, acc, sc, PlanParams(budget=10_000, mix=mix), settings=SETTINGS)
    assert {a.key for a in capped.accounts if a.kind is Kind.PARTNER} == {"t:5", "t:6"}
    # at least 1 under a tight budget: the minimum is filled before anything else
    params = PlanParams(budget=25, mix={Kind.PARTNER: KindRange(1, 1)}, exclude=("t:6",))
    tight = plan_arrays(mat, acc, sc, params, settings=SETTINGS)
    assert [a.key for a in tight.accounts if a.kind is Kind.PARTNER] == ["t:5"]
    assert tight.spent == 20  # t:5, plus the free own account t:4
    with pytest.raises(InputError, match="only 3 partner candidates"):
        plan_arrays(
            mat,
            acc,
            sc,
            PlanParams(budget=1e6, mix={Kind.PARTNER: KindRange(4)}),
            settings=SETTINGS,
        )


def test_partners_post_at_their_price_or_for_free() -> None:
    mat, acc, sc = _world(PARTNER_AUD, PARTNER_KINDS, PARTNER_COSTS, 70)
    plan = plan_arrays(mat, acc, sc, PlanParams(budget=10_000), settings=SETTINGS)
    cost = {a.key: (a.cost, a.cost_estimated) for a in plan.accounts}
    assert cost["t:5"] == (20.0, False)  # the negotiated price
    assert cost["t:6"] == (0.0, False)  # no price: the partner carries it for nothing
    assert cost["t:7"] == (200.0, False)
    # a budget of 1 still holds the included free partner and the free own account
    included = PlanParams(budget=1, include=("t:6",))
    plan = plan_arrays(mat, acc, sc, included, settings=SETTINGS)
    assert {a.key for a in plan.accounts} == {"t:4", "t:6"} and plan.spent == 0
    with pytest.raises(InputError, match="kol, media, own and partner accounts, not 'user'"):
        PlanParams(budget=1, mix={Kind.USER: KindRange(1)}).check()
