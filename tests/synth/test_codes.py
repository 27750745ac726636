"""Sorted int64 codes: distinct values, and merging with the new ones marked."""

from __future__ import annotations

import numpy as np

from kolgraph.synth.codes import insert_sorted, sorted_unique


def test_sorted_unique_matches_numpy() -> None:
    rng = np.random.default_rng(0)
    a = np.sort(rng.integers(0, 50, 200).astype(np.int64))
    np.testing.assert_array_equal(sorted_unique(a), np.unique(a))
    for small in (np.zeros(0, dtype=np.int64), np.array([3], dtype=np.int64)):
        np.testing.assert_array_equal(sorted_unique(small), small)


def test_insert_sorted_merges_and_marks_new_values() -> None:
    into = np.array([2, 5, 9], dtype=np.int64)
    values = np.array([1, 5, 7, 9, 12], dtype=np.int64)
    merged, new = insert_sorted(into, values)
    np.testing.assert_array_equal(merged, [1, 2, 5, 7, 9, 12])
    assert new.tolist() == [True, False, True, False, True]
    merged, new = insert_sorted(np.zeros(0, dtype=np.int64), values)
    np.testing.assert_array_equal(merged, values)
    assert new.all()
