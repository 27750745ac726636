"""Exact audience overlap equals a brute-force set computation."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp

from kolgraph.errors import InputError
from kolgraph.rank.overlap import audience_overlap, union_size


def _random_audience(n: int, seed: int) -> sp.csr_matrix:
    rng = np.random.default_rng(seed)
    dense = rng.random((n, n)) < rng.uniform(0.02, 0.4, size=(n, 1))
    np.fill_diagonal(dense, False)
    return sp.csr_matrix(dense.astype(np.float32))


def test_matches_brute_force() -> None:
    a = _random_audience(80, 1)
    sets = [set(a[i].indices.tolist()) for i in range(80)]
    nodes = [3, 7, 11, 40, 41, 79, 0]
    df = audience_overlap(a, nodes)
    got = {
        (int(r.a), int(r.b)): (int(r.shared), float(r.jaccard), float(r.overlap))
        for r in df.itertuples()
    }
    for x, y in itertools.combinations(sorted(nodes), 2):
        inter = len(sets[x] & sets[y])
        if inter == 0:
            assert (x, y) not in got
            continue
        shared, jac, ovl = got[(x, y)]
        assert shared == inter
        assert jac == pytest.approx(inter / len(sets[x] | sets[y]))
        assert ovl == pytest.approx(inter / min(len(sets[x]), len(sets[y])))
    assert list(df["jaccard"]) == sorted(df["jaccard"], reverse=True)


def test_union_size() -> None:
    a = _random_audience(50, 2)
    nodes = [1, 2, 3]
    expected = len(set().union(*(set(a[i].indices.tolist()) for i in nodes)))
    assert union_size(a, nodes) == expected
    assert union_size(a, []) == 0


def test_validation() -> None:
    a = _random_audience(10, 3)
    with pytest.raises(InputError):
        audience_overlap(a, [1, 1])
    with pytest.raises(InputError):
        audience_overlap(a, [1, 99])
    assert len(audience_overlap(a, [1])) == 0
