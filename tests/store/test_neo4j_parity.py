"""The Neo4j store gives the same results as the embedded store (needs a real Neo4j).

The suite starts its own Neo4j (``tools/neo4j-server/neo4j.sh``); with ``KOLGRAPH_NEO4J_URI``
set the tests use that server instead and clear kolgraph's nodes in
``KOLGRAPH_NEO4J_DATABASE`` first.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kolgraph.demo import load_demo
from kolgraph.plan.learned import load_learned
from kolgraph.rank.job import RankParams, run_rank
from kolgraph.store import AccountQuery, SQLiteStore, Store
from kolgraph.synth import generate_demo

pytestmark = pytest.mark.neo4j


@pytest.fixture
def neo(neo4j_store: Store) -> Store:
    return neo4j_store


def _by_key(store: Store) -> pd.DataFrame:
    acc = store.accounts_frame()
    sc = store.current_scores()
    return (
        pd.DataFrame(
            {
                "key": acc["key"],
                "kind": acc["kind"],
                "pagerank": sc["pagerank"],
                "community": sc["community"],
                "audience": sc["audience"],
            }
        )
        .set_index("key")
        .sort_index()
    )


def test_same_network_same_scores(neo: Store, tmp_path: Path) -> None:
    net = generate_demo(3_000, seed=11)
    lite = SQLiteStore(tmp_path / "k.db")
    for st in (lite, neo):
        load_demo(st, net)
    assert neo.counts() == lite.counts()
    g_lite, g_neo = lite.graph_arrays(), neo.graph_arrays()
    assert g_lite.n_nodes == g_neo.n_nodes
    key_lite = lite.accounts_frame()["key"].to_numpy()
    key_neo = neo.accounts_frame()["key"].to_numpy()
    pairs = lambda g, k: set(zip(k[g.follow_src], k[g.follow_dst], strict=True))  # noqa: E731
    assert pairs(g_lite, key_lite) == pairs(g_neo, key_neo)

    params = RankParams(overlap_top_k=100)
    run_rank(lite, params=params)
    run_rank(neo, params=params)
    a, b = _by_key(lite), _by_key(neo)
    assert list(a.index) == list(b.index)
    assert np.abs(a["pagerank"].to_numpy() - b["pagerank"].to_numpy()).max() < 1e-9
    assert (a["community"] == b["community"]).all()
    assert (a["audience"] == b["audience"]).all()

    # the demo has cascades enough for the engagement model: both stores keep the same one
    learned = []
    for st in (lite, neo):
        run = st.current_run()
        assert run is not None and run.counts["engagement_model"] == 1
        model = load_learned(st, run.id)
        assert model is not None
        learned.append(model)
    assert learned[0].objective == learned[1].objective
    assert learned[0].model.stats == learned[1].model.stats
    assert learned[0].objective_scores == pytest.approx(learned[1].objective_scores)

    q = AccountQuery(kind=None, limit=20)
    assert [r.key for r in lite.list_accounts(q)[0]] == [r.key for r in neo.list_accounts(q)[0]]
    assert lite.list_communities(5)[1] == neo.list_communities(5)[1]
    top = [r.key for r in lite.list_accounts(AccountQuery(limit=10))[0]]
    assert {(o.a, o.b) for o in lite.overlaps(top)} == {(o.a, o.b) for o in neo.overlaps(top)}
