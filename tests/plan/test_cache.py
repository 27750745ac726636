"""The per-run cache (:mod:`kolgraph.plan.cache`): plans from it are the plans made without it."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from kolgraph.demo import load_demo
from kolgraph.errors import InputError
from kolgraph.model import Account, Kind
from kolgraph.plan import cache as cache_module
from kolgraph.plan.cache import RunCache
from kolgraph.plan.curve import plan_with_curve
from kolgraph.plan.planner import KindRange, Plan, PlanParams, make_plan
from kolgraph.rank.job import RankParams, run_rank
from kolgraph.schemas.plans import PlanResponse
from kolgraph.store import AccountQuery, SQLiteStore
from kolgraph.synth import generate_demo

FAST = RankParams(overlap_top_k=50, influence_runs=2)


def ranked(path: Path, users: int, seed: int) -> Path:
    with SQLiteStore(path) as st:
        load_demo(st, generate_demo(users, seed=seed))
        run_rank(st, params=FAST)
    return path


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ranked demo store of 1,500 accounts (no engagement model: too few cascades)."""
    return ranked(tmp_path_factory.mktemp("cache") / "demo.db", 1_500, 5)


def doc(plan: Plan) -> dict[str, Any]:
    """The plan as the API answers it, without its (random) id."""
    out = PlanResponse.from_plan(plan).model_dump(mode="json")
    out.pop("id")
    return out


def requests(st: SQLiteStore) -> list[PlanParams]:
    acc = st.accounts_frame()
    aud = st.current_scores()["audience"].to_numpy()
    acc = acc.assign(audience=aud).sort_values("audience", ascending=False, kind="stable")
    kols = acc.loc[acc["kind"] == "kol", "key"].tolist()
    media = acc.loc[acc["kind"] == "media", "key"].tolist()
    users = acc.loc[acc["kind"] == "user", "key"].tolist()
    mix = {Kind.KOL: KindRange(2, 8), Kind.MEDIA: KindRange(1, 3), Kind.OWN: KindRange(1, None)}
    return [
        PlanParams(budget=5_000, mix=mix),
        PlanParams(budget=2_000, objective="reach", max_accounts=6),
        PlanParams(budget=5_000, mix=mix, target_communities=(0, 1)),
        PlanParams(budget=5_000, mix=mix, include=tuple(kols[3:5]), exclude=tuple(kols[:2])),
        PlanParams(
            budget=5_000,
            target_followers_of=(media[0],),
            new_audience_only=True,
            max_per_community=2,
        ),
        PlanParams(budget=4_000, target_users=tuple(users[:400]), objective="reach"),
        PlanParams(budget=3_000, objective="frequency", min_frequency=2, skip_flagged=False),
    ]


def test_cached_plans_are_the_plans_made_without_the_cache(db: Path) -> None:
    cache = RunCache()
    with SQLiteStore(db) as st:
        inputs = cache.plan_inputs(st)
        for params in requests(st):
            assert doc(make_plan(st, params, inputs=inputs)) == doc(make_plan(st, params))
        budgets = [1_000.0, 2_500.0, 5_000.0]
        mix = PlanParams(budget=5_000, mix={Kind.KOL: KindRange(1, 6)})
        with_cache = plan_with_curve(st, mix, budgets, inputs=inputs)
        assert with_cache.budget_curve is not None
        assert doc(with_cache) == doc(plan_with_curve(st, mix, budgets))


def test_bad_requests_fail_alike_with_and_without_the_cache(db: Path) -> None:
    cache = RunCache()
    with SQLiteStore(db) as st:
        inputs = cache.plan_inputs(st)
        for params in (
            PlanParams(budget=1_000, include=("demo:nobody",)),
            PlanParams(budget=1, mix={Kind.KOL: KindRange(5, 6)}),
            PlanParams(budget=1_000, objective="engagement"),
        ):
            with pytest.raises(InputError) as uncached:
                make_plan(st, params)
            with pytest.raises(InputError) as cached:
                make_plan(st, params, inputs=inputs)
            assert (cached.value.message, cached.value.hint) == (
                uncached.value.message,
                uncached.value.hint,
            )


def test_inputs_are_read_once_per_run_and_shared(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = cache_module.read_run_inputs

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(cache_module, "read_run_inputs", counting)
    cache = RunCache()
    got: list[object] = []

    def plan_inputs() -> None:
        with SQLiteStore(db) as st:
            got.append(cache.plan_inputs(st))

    threads = [threading.Thread(target=plan_inputs) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1
    assert len(got) == 6 and all(g is got[0] for g in got)
    (kept,) = cache.loaded().values()
    assert set(kept["seconds"]) == {"frames", "plan_inputs"}


def test_a_plan_after_a_new_run_uses_the_new_run(tmp_path: Path) -> None:
    path = ranked(tmp_path / "demo.db", 1_000, 9)
    cache = RunCache()
    params = PlanParams(budget=3_000, mix={Kind.KOL: KindRange(1, 5)})
    with SQLiteStore(path) as st:
        first = st.current_run()
        assert first is not None
        assert make_plan(st, params, inputs=cache.plan_inputs(st)).run_id == first.id
        old_order = cache.account_order(st)
        # a price changes and the store is ranked again: the next plan sees both
        key = st.accounts_frame().query("kind == 'kol'")["key"].iloc[0]
        platform, _, account_id = key.partition(":")
        st.upsert_accounts([Account(platform, account_id, kind=Kind.KOL, cost=1.0)])
        second = run_rank(st, params=FAST).run
        inputs = cache.plan_inputs(st)
        assert inputs.run_id == second.id != first.id
        plan = make_plan(st, params, inputs=inputs)
        assert plan.run_id == second.id
        assert doc(plan) == doc(make_plan(st, params))
        assert next(a for a in plan.accounts if a.key == key).cost == 1.0
        new_order = cache.account_order(st)
        assert new_order is not None and new_order is not old_order
        assert new_order.run_id == second.id
    (kept,) = cache.loaded().values()
    assert kept["run_id"] == second.id


def test_no_run_is_the_same_error_as_without_the_cache(tmp_path: Path) -> None:
    with SQLiteStore(tmp_path / "empty.db") as st:
        st.upsert_accounts([Account("demo", "a", kind=Kind.KOL)])
        with pytest.raises(InputError) as uncached:
            make_plan(st, PlanParams(budget=100))
        with pytest.raises(InputError) as cached:
            RunCache().plan_inputs(st)
        assert cached.value.message == uncached.value.message
        assert RunCache().account_order(st) is None


def test_ranked_pages_are_the_store_pages(db: Path) -> None:
    cache = RunCache()
    with SQLiteStore(db) as st:
        order = cache.account_order(st)
        assert order is not None
        # an account added after the run has no scores: last in every sort of the run's
        st.upsert_accounts([Account("demo", "zz-new", kind=Kind.KOL, followers=10**6, cost=1.0)])
        fresh = RunCache().account_order(st)
        assert fresh is not None
        queries = [
            AccountQuery(sort=sort, descending=desc, limit=30, offset=offset)
            for sort in ("pagerank", "followers", "audience", "cost", "key")
            for desc in (True, False)
            for offset in (0, 17, 1_480)
        ] + [
            AccountQuery(kind=Kind.KOL, limit=10),
            AccountQuery(kind=Kind.MEDIA, sort="cost", descending=False, limit=50),
            AccountQuery(community=1, sort="followers", limit=40, offset=5),
            AccountQuery(platform="demo", kind=Kind.USER, community=0, sort="key", limit=20),
            AccountQuery(platform="nope", limit=20),
        ]
        for q in queries:
            records, total = st.list_accounts(q)
            assert fresh.page(q) == ([r.key for r in records], total), q
        # the order kept before the import does not know the new account
        assert "demo:zz-new" not in order.page(AccountQuery(sort="cost", limit=5_000))[0]


def test_a_kept_horizon_survives_plans_at_other_horizons() -> None:
    from kolgraph.plan.backtest import LearnedPlanner
    from kolgraph.plan.forecast import Calibration

    computed: list[float] = []

    class Model:
        def probabilities(self, evidence: object, *, horizon_days: float) -> float:
            computed.append(horizon_days)
            return horizon_days

    learned = LearnedPlanner(
        model=Model(),  # type: ignore[arg-type]
        evidence=None,  # type: ignore[arg-type]
        calibration=Calibration(),
        objective="reach",
        objective_scores={},
        audience_kind="followers",
        now=0,
    )
    learned.keep_horizons(14.0)
    for h in (7.0, 14.0, 3.0, 14.0, 7.0, 14.0):
        assert learned.inputs(h) == h  # type: ignore[comparison-overlap]
    assert computed == [14.0, 7.0, 3.0, 7.0]  # 14 days once; the others when asked again
