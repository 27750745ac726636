"""Lookalikes: sketch candidates and the exact fallback give the hand-worked Jaccards."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from kolgraph.audience.lookalike import lookalikes, sketch_jaccard
from kolgraph.errors import InputError
from kolgraph.model import Kind
from kolgraph.rank.sketch.build import build_sketches
from kolgraph.store import SQLiteStore

WANT = [("x:l4", 10, 1.0), ("x:l1", 8, 0.8), ("x:l2", 5, 1 / 3)]


def _brute_jaccard(mat: sp.csr_matrix, a: int, b: int) -> float:
    sa, sb = set(mat[a].indices.tolist()), set(mat[b].indices.tolist())
    return len(sa & sb) / len(sa | sb) if sa | sb else 0.0


def test_sketch_jaccard_is_exact_for_whole_sketches() -> None:
    mat = sp.random(30, 60, density=0.15, random_state=4, format="csr")
    sk = build_sketches(mat, k=64)
    nodes, jac = sketch_jaccard(sk, 0)
    assert 0 not in nodes.tolist()
    for v, j in zip(nodes.tolist(), jac.tolist(), strict=True):
        assert j == pytest.approx(_brute_jaccard(mat, 0, v))
    sharing = [v for v in range(1, 30) if _brute_jaccard(mat, 0, v) > 0]
    assert sorted(nodes.tolist()) == sharing


def test_sketch_jaccard_estimates_with_small_sketches() -> None:
    rng = np.random.default_rng(0)
    dense = rng.random((3, 4000)) < 0.5
    dense[1] = dense[0]  # identical audiences
    sk = build_sketches(sp.csr_matrix(dense.astype(np.float32)), k=32)
    nodes, jac = sketch_jaccard(sk, 0)
    got = dict(zip(nodes.tolist(), jac.tolist(), strict=True))
    assert got[1] == 1.0
    assert got[2] == pytest.approx(1 / 3, abs=0.2)  # two random halves: J = 1/3
    with pytest.raises(InputError, match="no sketch"):
        sketch_jaccard(build_sketches(sp.csr_matrix((3, 3)), k=4), 0)


def test_lookalikes_from_sketches(ranked_audience_db: Path) -> None:
    with SQLiteStore(ranked_audience_db) as st:
        rep = lookalikes(st, "x:t")
    assert rep.method == "sketch" and rep.run_id and rep.audience == 10
    assert [(r.key, r.shared, r.jaccard) for r in rep.rows] == [
        (k, s, pytest.approx(j)) for k, s, j in WANT
    ]
    assert all(r.estimated_jaccard == pytest.approx(r.jaccard) for r in rep.rows)
    assert "sketches" in rep.note


def test_lookalikes_without_sketches_are_counted(audience_db: Path) -> None:
    with SQLiteStore(audience_db) as st:
        rep = lookalikes(st, "x:t")
    assert rep.method == "exact" and rep.run_id is None
    assert "no rank run" in rep.note
    assert [(r.key, r.shared, r.jaccard) for r in rep.rows] == [
        (k, s, pytest.approx(j)) for k, s, j in WANT
    ]
    assert all(r.estimated_jaccard is None for r in rep.rows)


@pytest.mark.parametrize("ranked", [False, True])
def test_kind_and_cost_filters(audience_db: Path, ranked_audience_db: Path, ranked: bool) -> None:
    with SQLiteStore(ranked_audience_db if ranked else audience_db) as st:
        assert [r.key for r in lookalikes(st, "x:t", kinds=[Kind.KOL]).rows] == ["x:l1", "x:l2"]
        assert [r.key for r in lookalikes(st, "x:t", max_cost=80).rows] == ["x:l2"]
        assert [r.key for r in lookalikes(st, "x:t", limit=1).rows] == ["x:l4"]
        with pytest.raises(InputError, match="x:tt"):
            lookalikes(st, "x:tt")
        with pytest.raises(InputError, match="max_cost"):
            lookalikes(st, "x:t", max_cost=-1)
