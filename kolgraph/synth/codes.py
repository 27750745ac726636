"""Sorted arrays of distinct int64 codes (a pair ``(a, b)`` packed as ``a * n + b``)."""

from __future__ import annotations

import numpy as np

from kolgraph.arrays import I64, Bool

__all__ = ["insert_sorted", "sorted_unique"]


def insert_sorted(into: I64, values: I64) -> tuple[I64, Bool]:
    """Merge sorted distinct ``values`` into sorted distinct ``into``, skipping repeats.

    Returns
    -------
    merged
        The sorted distinct union of both.
    new
        Which of ``values`` were not in ``into``.
    """
    pos = np.searchsorted(into, values)
    new = np.ones(values.size, dtype=bool)
    inside = pos < into.size
    new[inside] = into[pos[inside]] != values[inside]
    return np.insert(into, pos[new], values[new]), new


def sorted_unique(a: I64) -> I64:
    """Distinct values of a sorted array (``np.unique`` without its sort)."""
    if a.size < 2:
        return a
    lead = np.empty(a.size, dtype=bool)
    lead[0] = True
    np.not_equal(a[1:], a[:-1], out=lead[1:])
    return a[lead]
