"""The reach gain of every candidate while a plan covers people, kept exactly.

The planner's greedy asks, again and again, how many target people an account
would newly reach: :math:`|N_v \\cap T \\setminus C|` for the covered set :math:`C`.
Two ways to answer, with the same integers:

* :class:`CoverageGains` keeps every candidate's gain up to date. When an account
  is taken, each person it newly covers lowers the gain of every candidate whose
  audience holds that person by one (the rows of
  :attr:`~kolgraph.plan.prepared.Prepared.followers_of`). A gain is then a lookup,
  and nothing of the audience matrix is copied.
* :class:`RowGains` counts the uncovered people in the candidate's (target) audience
  row each time it is asked: the planner's first way, for candidates outside the
  prepared ones (users standing in as KOLs).
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from kolgraph.plan.prepared import Prepared

__all__ = ["Coverage", "CoverageGains", "FrequencyGains", "RowGains", "target_rows"]

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


class Coverage(Protocol):
    """People covered so far and the reach gain of each candidate."""

    def gain(self, i: int) -> int:
        """Target people account ``i`` would newly reach."""
        ...

    def gains(self, idx: IntArray) -> IntArray:
        """:meth:`gain` of each of ``idx``."""
        ...

    def take(self, i: int) -> int:
        """Cover account ``i``'s target audience; how many people were new."""
        ...

    def covered(self) -> BoolArray:
        """Mask of the target people covered."""
        ...

    def audience_size(self, idx: IntArray) -> IntArray:
        """Size of each account's target audience."""
        ...

    def fresh(self) -> Coverage:
        """The same candidates and target with nobody covered (shares what is read-only)."""
        ...


def target_rows(
    audience: sp.csr_matrix, idx: IntArray, target: BoolArray, everyone: bool
) -> sp.csr_matrix:
    """The audience rows of ``idx`` restricted to the target (explicit zeros dropped)."""
    rows = audience[idx]
    if not everyone:
        rows = rows.multiply(target[np.newaxis, :]).tocsr()
        rows.eliminate_zeros()
    return rows


def _rows_indices(m: sp.csr_matrix, rows: npt.NDArray[np.integer]) -> npt.NDArray[np.int32]:
    """The column indices of ``rows`` of ``m``, one row after the other."""
    if rows.size > 2_000:  # scipy's compiled row gather; its call costs more than small gathers
        big: npt.NDArray[np.int32] = m[rows].indices
        return big
    starts = m.indptr[rows].astype(np.int64)
    lens = m.indptr[rows + 1].astype(np.int64) - starts
    at = np.arange(int(lens.sum()), dtype=np.int64) + np.repeat(
        starts - (np.cumsum(lens) - lens), lens
    )
    out: npt.NDArray[np.int32] = m.indices[at]
    return out


class CoverageGains:
    """Exact gains of the prepared candidates, updated as people are covered (module notes).

    Parameters
    ----------
    audience
        The ``n × n`` audience matrix ``prepared`` was built from.
    prepared
        The run's :class:`~kolgraph.plan.prepared.Prepared` arrays.
    target
        Mask of the people a plan counts.
    everyone
        True when ``target`` holds everyone (no filter).
    """

    def __init__(
        self,
        audience: sp.csr_matrix,
        prepared: Prepared,
        target: BoolArray,
        everyone: bool,
        *,
        _base: IntArray | None = None,
    ) -> None:
        self._audience = audience
        self._prepared = prepared
        self._target = target
        self._everyone = everyone
        if _base is None:
            if everyone:
                _base = prepared.full_audience[prepared.candidates]
            else:
                # candidates' target audiences: candidate × person counts of the target
                _base = np.asarray(
                    prepared.followers_of.T @ target.astype(np.int64), dtype=np.int64
                ).ravel()
            _base.flags.writeable = False
        self._base = _base
        self._now = _base.copy()
        self._blocked = np.zeros(prepared.n, dtype=bool) if everyone else ~target

    @staticmethod
    def covers(prepared: Prepared, idx: IntArray) -> bool:
        """Whether every account of ``idx`` is a prepared candidate."""
        return bool((prepared.candidate_pos[idx] >= 0).all())

    def gain(self, i: int) -> int:
        return int(self._now[self._prepared.candidate_pos[i]])

    def gains(self, idx: IntArray) -> IntArray:
        out: IntArray = self._now[self._prepared.candidate_pos[idx]]
        return out

    def take(self, i: int) -> int:
        ptr = self._audience.indptr
        cols = self._audience.indices[ptr[i] : ptr[i + 1]]
        new = cols[~self._blocked[cols]]
        if new.size == 0:
            return 0
        self._blocked[new] = True
        # every candidate whose audience holds one of the new people loses one per person
        hit = _rows_indices(self._prepared.followers_of, new)
        if hit.size:
            self._now -= np.bincount(hit, minlength=self._now.size)
        return int(new.size)

    def covered(self) -> BoolArray:
        out: BoolArray = self._blocked if self._everyone else self._blocked & self._target
        return out

    def audience_size(self, idx: IntArray) -> IntArray:
        out: IntArray = self._base[self._prepared.candidate_pos[idx]]
        return out

    def fresh(self) -> CoverageGains:
        return CoverageGains(
            self._audience, self._prepared, self._target, self._everyone, _base=self._base
        )


class RowGains:
    """Gains counted on the candidates' target audience rows each time (module notes).

    Parameters
    ----------
    rows
        The candidates' target audience rows (:func:`target_rows`).
    row_of
        Row of each candidate in ``rows``.

    Build one with :meth:`of`.
    """

    def __init__(self, rows: sp.csr_matrix, row_of: dict[int, int]) -> None:
        self._sub = rows
        self._row_of = row_of
        self._covered = np.zeros(int(rows.shape[1]), dtype=bool)

    @classmethod
    def of(
        cls, audience: sp.csr_matrix, candidates: IntArray, target: BoolArray, everyone: bool
    ) -> RowGains:
        """Gains of ``candidates`` over ``target`` (as for :class:`CoverageGains`)."""
        rows = target_rows(audience, candidates, target, everyone)
        return cls(rows, {int(c): r for r, c in enumerate(candidates.tolist())})

    def _cols(self, i: int) -> npt.NDArray[np.int32]:
        r = self._row_of[i]
        out: npt.NDArray[np.int32] = self._sub.indices[
            self._sub.indptr[r] : self._sub.indptr[r + 1]
        ]
        return out

    def gain(self, i: int) -> int:
        return int((~self._covered[self._cols(i)]).sum())

    def gains(self, idx: IntArray) -> IntArray:
        return np.array([self.gain(int(i)) for i in idx.tolist()], dtype=np.int64)

    def take(self, i: int) -> int:
        cols = self._cols(i)
        g = int((~self._covered[cols]).sum())
        self._covered[cols] = True
        return g

    def covered(self) -> BoolArray:
        return self._covered

    def audience_size(self, idx: IntArray) -> IntArray:
        size = np.diff(self._sub.indptr).astype(np.int64)
        out: IntArray = size[[self._row_of[int(i)] for i in idx.tolist()]]
        return out

    def fresh(self) -> RowGains:
        return RowGains(self._sub, self._row_of)


class FrequencyGains:
    """The frequency objective with every prepared candidate's gain kept exact.

    The same set function as :class:`~kolgraph.plan.objective.FrequencyObjective` of
    the audience matrix: a candidate's gain is ``hits + 1e-3 · near`` with ``hits``
    the people of its audience reached ``F − 1`` times so far and ``near`` those
    reached fewer times. Both counts are kept per candidate: a person going from
    ``F − 2`` to ``F − 1`` reaches moves from ``near`` to ``hits`` for every
    candidate that has them, and one reaching ``F`` leaves ``hits``. Gains are the
    :class:`~kolgraph.plan.objective.FrequencyObjective` gains bit for bit.

    Parameters
    ----------
    audience, prepared
        As for :class:`CoverageGains`.
    min_frequency
        ``F``: how often a person must be reached to count.
    """

    def __init__(self, audience: sp.csr_matrix, prepared: Prepared, min_frequency: int) -> None:
        if min_frequency < 1:
            raise ValueError("min_frequency must be at least 1")
        self._audience = audience
        self._prepared = prepared
        self.f = int(min_frequency)
        sizes = prepared.full_audience[prepared.candidates]
        zero = np.zeros_like(sizes)
        self._hits = sizes.copy() if self.f == 1 else zero
        self._near = zero if self.f == 1 else sizes.copy()
        self.count = np.zeros(prepared.n, dtype=np.int32)

    def gain(self, v: int) -> float:
        p = self._prepared.candidate_pos[v]
        return float(self._hits[p]) + 1e-3 * float(self._near[p])

    def exact_gains(self, candidates: IntArray) -> npt.NDArray[np.float64]:
        """:meth:`gain` of many candidates at once, bit for bit."""
        p = self._prepared.candidate_pos[candidates]
        hits = self._hits[p].astype(np.float64)
        out: npt.NDArray[np.float64] = hits + 1e-3 * self._near[p].astype(np.float64)
        return out

    def take(self, v: int) -> None:
        ptr = self._audience.indptr
        cols = self._audience.indices[ptr[v] : ptr[v + 1]]
        c = self.count[cols]
        closer = cols[c == self.f - 2]  # from F - 2 to F - 1 reaches: near -> hits
        done = cols[c == self.f - 1]  # to F reaches: no longer a gain
        self.count[cols] += 1
        m = self._hits.size
        f = self._prepared.followers_of
        if closer.size:
            moved = np.bincount(_rows_indices(f, closer), minlength=m)
            self._hits += moved
            self._near -= moved
        if done.size:
            self._hits -= np.bincount(_rows_indices(f, done), minlength=m)

    def value(self) -> float:
        return float((self.count >= self.f).sum())

    def take_with(self, coverage: CoverageGains, v: int) -> int:
        """:meth:`take` and ``coverage.take(v)`` at once; returns what the latter returns.

        ``coverage`` counts everyone (no target) and has covered the accounts this
        objective took, no others: a person is covered once reached. The candidates
        holding the newly covered people are gathered once for both (with ``F = 2``,
        the default, those people are also the ones now one reach short).
        """
        ptr = self._audience.indptr
        cols = self._audience.indices[ptr[v] : ptr[v + 1]]
        c = self.count[cols]
        new = cols[c == 0]
        self.count[cols] += 1
        coverage._blocked[new] = True
        f = self._prepared.followers_of
        m = self._hits.size

        def held(people: IntArray) -> IntArray | None:
            """Per candidate, how many of ``people`` its audience holds."""
            if people.size == 0:
                return None
            out: IntArray = np.bincount(_rows_indices(f, people), minlength=m)
            return out

        reached = held(new)
        if reached is not None:
            coverage._now -= reached
        nearer = reached if self.f == 2 else held(cols[c == self.f - 2]) if self.f > 2 else None
        if nearer is not None:  # from F - 2 to F - 1 reaches
            self._hits += nearer
            self._near -= nearer
        finished = reached if self.f == 1 else held(cols[c == self.f - 1])
        if finished is not None:  # to F reaches
            self._hits -= finished
        return int(new.size)
