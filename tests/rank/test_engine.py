"""Rank engines: the registry, and the in-process engine doing what the algorithms do."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kolgraph.errors import InputError
from kolgraph.rank.communities import leiden_communities
from kolgraph.rank.engine import ENGINES, InProcessEngine
from kolgraph.rank.graph import combine_edges
from kolgraph.rank.job import RankParams, run_rank
from kolgraph.rank.pagerank import pagerank
from kolgraph.store import SQLiteStore


def _store(tmp_path: Path) -> SQLiteStore:
    st = SQLiteStore(tmp_path / "k.db")
    rng = np.random.default_rng(1)
    src, dst = rng.integers(0, 200, 1500), rng.integers(0, 200, 1500)
    keep = src != dst
    st.add_follows([f"x:{i}" for i in src[keep]], [f"x:{i}" for i in dst[keep]])
    return st


def test_engines_are_named_by_the_rank_parameter() -> None:
    assert set(ENGINES) == {"kolgraph", "gds", "spark"}
    with pytest.raises(InputError, match="unknown engine") as err:
        RankParams(engine="graphx").check()  # type: ignore[arg-type]
    assert err.value.hint == "use kolgraph or gds or spark"


def test_in_process_engine_runs_pagerank_and_leiden(tmp_path: Path) -> None:
    st = _store(tmp_path)
    edges = combine_edges(st.graph_arrays())
    params = RankParams(damping=0.8, seed=3, leiden_iterations=2)
    engine = ENGINES["kolgraph"](st, params)
    assert isinstance(engine, InProcessEngine) and engine.run_params() == {}
    pr = engine.pagerank(edges)
    assert np.array_equal(pr.scores, pagerank(edges, damping=0.8, method="scipy").scores)
    comm = engine.communities(edges)
    same = leiden_communities(edges, seed=3, n_iterations=2)
    assert np.array_equal(comm.membership, same.membership) and comm.quality == same.quality
    engine.close()
    engine.close()  # closing twice is harmless


def test_gds_engine_needs_a_neo4j_store_before_the_run_starts(tmp_path: Path) -> None:
    st = _store(tmp_path)
    with pytest.raises(InputError, match="runs inside Neo4j"):
        run_rank(st, params=RankParams(engine="gds"))
    assert st.list_runs() == []
