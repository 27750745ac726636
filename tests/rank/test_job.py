"""The rank job publishes complete runs and leaves the previous run on failure."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kolgraph.errors import InputError
from kolgraph.rank.communities import community_summary
from kolgraph.rank.graph import combine_edges
from kolgraph.rank.job import STAGES, RankParams, run_rank
from kolgraph.store import RepostBatch, SQLiteStore


def _store(tmp_path: Path) -> SQLiteStore:
    st = SQLiteStore(tmp_path / "k.db")
    rng = np.random.default_rng(0)
    src = rng.integers(0, 300, 3000)
    dst = np.minimum((rng.pareto(1.0, 3000) * 5).astype(int), 299)
    keep = src != dst
    st.add_follows([f"x:{i}" for i in src[keep]], [f"x:{i}" for i in dst[keep]])
    st.add_reposts(
        RepostBatch.from_columns(
            ["x:1", "x:2"], ["x:0", "x:0"], ["p", "p"], [10, 20], ["repost", "repost"]
        )
    )
    return st


def test_run_publishes_scores(tmp_path: Path) -> None:
    st = _store(tmp_path)
    stages: list[tuple[str, int]] = []
    res = run_rank(
        st, params=RankParams(overlap_top_k=20), progress=lambda s, d, t: stages.append((s, d))
    )
    assert st.current_run() is not None and st.current_run().id == res.run.id  # type: ignore[union-attr]
    sc = st.current_scores()
    assert sc["pagerank"].sum() == pytest.approx(1.0)
    assert sc["community"].notna().all()
    assert res.counts["accounts"] == st.counts().accounts
    assert 0 < res.quality["modularity"] < 1
    assert ("pagerank", 0) in stages and ("write", 1) in stages
    assert set(res.timings) == set(STAGES)
    assert set(STAGES) >= {"load", "pagerank", "communities", "overlap", "quality", "write"}
    assert res.counts["overlap_pairs"] > 0
    # the head tier is the top 1% by PageRank
    top = sc["pagerank"].to_numpy().argmax()
    assert sc["tier"].iloc[top] == "head"


def test_rerun_is_safe_and_deterministic(tmp_path: Path) -> None:
    st = _store(tmp_path)
    a = run_rank(st, params=RankParams(overlap_top_k=20))
    first = st.current_scores()
    b = run_rank(st, params=RankParams(overlap_top_k=20))
    second = st.current_scores()
    assert a.run.id != b.run.id
    assert np.allclose(first["pagerank"], second["pagerank"])
    assert (first["community"] == second["community"]).all()
    assert [r.status for r in st.list_runs()] == ["published", "superseded"]


def test_communities_carry_density_and_bridges_of_the_ranked_graph(tmp_path: Path) -> None:
    st = _store(tmp_path)
    res = run_rank(st, params=RankParams(overlap_top_k=20, bridges_per_community=3))
    sc = st.current_scores()
    membership = sc["community"].to_numpy(dtype=np.int64)
    # the graph the job ranked: follows and reposts merged
    expected = community_summary(
        combine_edges(st.graph_arrays()),
        membership,
        sc["pagerank"].to_numpy(),
        top=5,
        bridges=3,
        min_size=2,
    )
    comms, total = st.list_communities(limit=1000)
    assert total == res.counts["communities"] == len(expected)
    keys = st.accounts_frame()["key"].tolist()
    by_id = {c.community: c for c in comms}
    for row in expected.itertuples():
        c = by_id[row.community]
        assert (c.size, c.internal_edges, c.external_edges) == (
            row.size,
            row.internal_edges,
            row.external_edges,
        )
        assert c.density == pytest.approx(row.density)
        assert c.top == [keys[i] for i in row.top]
        assert c.bridges == [keys[i] for i in row.bridges]
        assert len(c.bridges) <= 3
    assert any(c.bridges for c in comms)
    assert all(0 < c.density <= 1 for c in comms if c.internal_edges)
    with pytest.raises(InputError, match="bridges_per_community"):
        RankParams(bridges_per_community=-1).check()


def test_failed_run_keeps_previous(tmp_path: Path) -> None:
    st = _store(tmp_path)
    good = run_rank(st, params=RankParams(overlap_top_k=20))

    def boom(stage: str, done: int, total: int) -> None:
        if stage == "communities" and done == 1:
            raise RuntimeError("killed mid-run")

    with pytest.raises(RuntimeError):
        run_rank(st, params=RankParams(overlap_top_k=20), progress=boom)
    assert st.current_run().id == good.run.id  # type: ignore[union-attr]
    runs = st.list_runs()
    assert runs[0].status == "failed" and "killed" in (runs[0].error or "")


def test_bad_params_and_empty_store(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="damping"):
        RankParams(damping=1.5).check()
    with pytest.raises(InputError, match="unknown rank parameter"):
        RankParams.from_settings(nonsense=1)
    with pytest.raises(InputError, match="no accounts"):
        run_rank(SQLiteStore(tmp_path / "empty.db"))


def test_only_recomputes_some_stages_and_keeps_the_rest(tmp_path: Path) -> None:
    st = _store(tmp_path)
    with pytest.raises(InputError, match="no current run"):
        run_rank(st, params=RankParams(only=("pagerank",)))
    first = run_rank(st, params=RankParams(overlap_top_k=20))
    before = st.current_scores()
    # recompute PageRank with heavier reposts, keep communities and quality signals
    again = run_rank(st, params=RankParams(only=("pagerank",), repost_weight=25.0))
    after = st.current_scores()
    assert again.run.id != first.run.id
    assert not np.allclose(before["pagerank"], after["pagerank"])
    assert (before["community"] == after["community"]).all()
    assert np.allclose(before["engagement"], after["engagement"], equal_nan=True)
    assert 0 < again.quality["modularity"] < 1  # the kept partition, scored on the new weights
    with pytest.raises(InputError, match="unknown stage"):
        RankParams(only=("magic",)).check()


def test_quality_stage_flags_a_bot_farm(tmp_path: Path) -> None:
    st = _store(tmp_path)
    # x:0 gains 60 hollow followers: accounts with no followers and no activity
    st.add_follows([f"bot:{i}" for i in range(60)], ["x:0"] * 60)
    run_rank(st, params=RankParams(overlap_top_k=20, quality_min_followers=10))
    rec = st.get_account("x:0")
    assert any("hollow" in f for f in rec.flags)
    assert rec.engagement is not None


def test_influence_stage_stores_spread_and_edge_probabilities(tmp_path: Path) -> None:
    import io

    st = _store(tmp_path)
    res = run_rank(st, params=RankParams(overlap_top_k=20, influence_top_k=15))
    sc = st.current_scores()
    has = sc["spread"].notna()
    assert has.sum() == 15
    top15 = np.argsort(-sc["pagerank"].to_numpy(), kind="stable")[:15]
    assert set(np.flatnonzero(has.to_numpy())) == set(top15.tolist())
    assert (sc["spread"][has] >= 1.0).all()  # a seed always reaches itself
    z = np.load(io.BytesIO(st.run_artifact(res.run.id, "edge_probabilities")))
    assert z["prob"].size == z["src"].size > 0
    assert ((z["prob"] > 0) & (z["prob"] <= 1)).all()


def test_only_keeps_every_left_out_stage_and_times_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kolgraph.rank.engine import InProcessEngine

    st = _store(tmp_path)
    first = run_rank(st, params=RankParams(overlap_top_k=20))
    keys = st.accounts_frame()["key"].tolist()
    before = st.overlaps(keys)

    def recomputed(*args: object, **kwargs: object) -> None:
        raise AssertionError("a left-out stage was recomputed")

    monkeypatch.setattr(InProcessEngine, "overlap", recomputed)
    reported: list[tuple[str, int]] = []
    again = run_rank(
        st,
        params=RankParams(overlap_top_k=20, only=("quality",)),
        progress=lambda s, d, t: reported.append((s, d)),
    )
    assert set(again.timings) == set(STAGES)
    assert reported == [(s, d) for s in STAGES for d in (0, 1)]
    after = st.overlaps(keys)
    assert again.counts["overlap_pairs"] == first.counts["overlap_pairs"] == len(after) > 0
    assert sorted(after, key=lambda r: (r.a, r.b)) == sorted(before, key=lambda r: (r.a, r.b))
    for name in ("edge_probabilities", "sketches"):
        assert st.run_artifact(again.run.id, name) == st.run_artifact(first.run.id, name)


def test_only_refuses_to_keep_results_of_fewer_accounts(tmp_path: Path) -> None:
    st = _store(tmp_path)
    run_rank(st, params=RankParams(overlap_top_k=20))
    st.add_follows(["new:1"], ["x:0"])  # an account the current run did not score
    for only in (("pagerank", "communities", "overlap"), ("pagerank", "communities")):
        with pytest.raises(InputError, match=r"cannot keep .* accounts were added since"):
            run_rank(st, params=RankParams(overlap_top_k=20, only=only))
    assert st.list_runs()[0].status == "failed"


def test_a_kept_artifact_must_record_the_current_node_count(tmp_path: Path) -> None:
    import io

    import pandas as pd

    from kolgraph.rank.stages import Previous

    st = _store(tmp_path)
    res = run_rank(st, params=RankParams(overlap_top_k=20))
    n = res.counts["accounts"]
    prev = Previous.of(st)
    blob = st.run_artifact(res.run.id, "sketches")
    nodes = lambda data: int(np.load(io.BytesIO(data))["n"])  # noqa: E731
    assert prev.artifact("sketches", "sketches", n, nodes=nodes) == blob
    assert prev.artifact("sketches", "no-such-artifact", n) is None
    with pytest.raises(InputError, match="cannot keep sketches"):
        prev.artifact("sketches", "sketches", n + 1, nodes=nodes)
    shrunk = Previous(st, prev.run, pd.concat([prev.scores, prev.scores.iloc[:1]]))
    with pytest.raises(InputError, match="cannot keep pagerank"):
        shrunk.column("pagerank", "pagerank", n)
