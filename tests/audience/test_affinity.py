"""Affinity with its minimum support, against values worked out by hand (see conftest)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from kolgraph.audience.affinity import affinity_scores, brand_affinity, wilson_lower
from kolgraph.errors import InputError
from kolgraph.model import Kind
from kolgraph.store import SQLiteStore
from tests.audience.conftest import POPULATION

Z = 1.959963984540054  # two-sided 95 %


def test_wilson_lower_by_hand() -> None:
    # all successes: the lower bound is n / (n + z^2)
    assert wilson_lower(4, 4, confidence=0.95)[0] == pytest.approx(4 / (4 + Z * Z))
    # 5 of 10, worked out from the formula
    p, n = 0.5, 10
    want = (p + Z * Z / (2 * n) - Z * np.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))) / (
        1 + Z * Z / n
    )
    assert wilson_lower(5, 10, confidence=0.95)[0] == pytest.approx(want)
    assert wilson_lower(0, 0, confidence=0.95)[0] == 0.0


def test_affinity_scores_on_a_matrix() -> None:
    # node 0 is the brand with people {3,4}; node 1 has {3,4,5,6}; node 2 has {5}
    rows = [[3, 4], [3, 4, 5, 6], [5]]
    n = 7
    mat = sp.csr_matrix(
        (np.ones(7), ([0, 0, 1, 1, 1, 1, 2], [c for r in rows for c in r])), shape=(n, n)
    )
    sc = affinity_scores(mat, 0, [0, 1, 2], min_support=1)
    assert (sc.brand_audience, sc.population) == (2, 4)
    assert sc.base_rate == 0.5
    assert sc.table["node"].tolist() == [1]  # node 2 shares nobody, the brand is left out
    assert sc.table["affinity"].tolist() == [1.0]
    assert sc.below_support == 0


def test_brand_affinity_by_hand(audience_db: Path) -> None:
    base = 5 / POPULATION
    with SQLiteStore(audience_db) as st:
        rep = brand_affinity(st, "x:brand", min_support=2)
    assert (rep.brand_audience, rep.population) == (5, POPULATION)
    assert rep.base_rate == pytest.approx(base)
    assert [r.key for r in rep.rows] == ["x:k1", "x:k2"]
    k1, k2 = rep.rows
    assert (k1.audience, k1.shared, k1.share) == (4, 4, 1.0)
    assert k1.affinity == pytest.approx(1.0 / base)
    assert k1.affinity_low == pytest.approx(4 / (4 + Z * Z) / base)
    assert (k2.audience, k2.shared, k2.share) == (10, 5, 0.5)
    assert k2.affinity == pytest.approx(0.5 / base)
    # k3 (1 of 1 shared) is below the support of 2; k4 shares nobody
    assert (rep.candidates, rep.below_support) == (2, 1)


def test_a_tiny_audience_does_not_win_by_chance(audience_db: Path) -> None:
    with SQLiteStore(audience_db) as st:
        rep = brand_affinity(st, "x:brand", min_support=1)
    k3 = next(r for r in rep.rows if r.key == "x:k3")
    k1 = next(r for r in rep.rows if r.key == "x:k1")
    assert k3.affinity == pytest.approx(k1.affinity)  # same point affinity as k1 ...
    assert [r.key for r in rep.rows] == ["x:k1", "x:k2", "x:k3"]  # ... but ranked last
    assert k3.affinity_low == pytest.approx(1 / (1 + Z * Z) * POPULATION / 5)


def test_kinds_and_limits(audience_db: Path) -> None:
    with SQLiteStore(audience_db) as st:
        assert brand_affinity(st, "x:brand", kinds=[Kind.MEDIA]).rows == []
        assert len(brand_affinity(st, "x:brand", min_support=1, limit=1).rows) == 1
        with pytest.raises(InputError, match="min_support"):
            brand_affinity(st, "x:brand", min_support=0)
        with pytest.raises(InputError, match=r"x:brnd \(did you mean x:brand\?\)"):
            brand_affinity(st, "x:brnd")
        with pytest.raises(InputError, match="no audience"):
            brand_affinity(st, "x:u1")
