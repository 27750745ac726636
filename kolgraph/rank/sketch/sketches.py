"""Stored audience sketches (:class:`AudienceSketches`) and the estimates read from them."""

from __future__ import annotations

import functools
import io
import os
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
import numpy.typing as npt
from scipy import stats

from kolgraph.arrays import F64, I64, U32
from kolgraph.errors import InputError, NotFound
from kolgraph.rank.sketch.hashing import HASH_SPACE

__all__ = ["AudienceSketches", "Estimate", "check_confidence", "z_value"]

_FORMAT = "kolgraph-audience-sketches-1"
_FIELDS = ("nodes", "sizes", "indptr", "hashes", "coverage", "k", "seed", "n", "min_audience")


@dataclass(frozen=True)
class Estimate:
    """An estimate with its confidence interval.

    Attributes
    ----------
    value
        The point estimate.
    low, high
        Confidence interval at level ``confidence``; ``low == value == high``
        when ``exact``.
    exact
        True when no sketch or crawl sampling was involved (every audience was
        stored whole and fully crawled).
    confidence
        Level of the interval.
    sample_size
        Number of union members the estimate was computed from (the whole
        union when exact).
    method
        How it was obtained: ``"whole"`` (every audience involved was stored
        whole; exact unless coverage is below 1), ``"ratio"`` or ``"theta"``
        (union estimators, see :func:`estimate_union`) or ``"pair"`` (the
        Jaccard sample of two accounts).
    """

    value: float
    low: float
    high: float
    exact: bool
    confidence: float
    sample_size: int
    method: str

    @classmethod
    def empty(cls, confidence: float) -> Estimate:
        """Exactly 0: the estimate for no audience at all."""
        return cls(0.0, 0.0, 0.0, True, confidence, 0, "whole")

    @property
    def relative_error(self) -> float:
        """Half-width of the interval relative to the value (0 when the value is 0)."""
        if self.value == 0:
            return 0.0
        return (self.high - self.low) / 2 / abs(self.value)


@dataclass(frozen=True, eq=False)
class AudienceSketches:
    """Bottom-``k`` sketches of the audiences of ``nodes``, stored as CSR rows.

    Attributes
    ----------
    nodes
        Sorted ``int64`` node indices that have a sketch (audience size at
        least ``min_audience``).
    sizes
        Exact (crawled) audience size of each sketched node.
    indptr, hashes
        The sketch of ``nodes[i]`` is ``hashes[indptr[i]:indptr[i + 1]]``:
        the ``min(sizes[i], k)`` smallest member hashes, ascending (``uint32``).
        Rows of small audiences are short, so the arrays are far smaller than
        a dense ``(len(nodes), k)`` table.
    coverage
        Crawl coverage of each sketched node in ``(0, 1]`` (1 unless set by
        :func:`adjust_for_coverage`).
    k
        Sketch size.
    seed
        Seed of :func:`hash_members`.
    n
        Number of nodes of the audience matrix.
    min_audience
        Smallest audience that got a sketch.
    """

    nodes: I64
    sizes: I64
    indptr: I64
    hashes: U32
    coverage: F64
    k: int
    seed: int
    n: int
    min_audience: int

    def __len__(self) -> int:
        return int(self.nodes.shape[0])

    @property
    def nbytes(self) -> int:
        """Memory held by the arrays."""
        return int(
            self.nodes.nbytes
            + self.sizes.nbytes
            + self.indptr.nbytes
            + self.hashes.nbytes
            + self.coverage.nbytes
        )

    @property
    def thresholds(self) -> I64:
        """Per sketched node, the k-th smallest hash, or ``HASH_SPACE`` if stored whole."""
        return self.tau(np.arange(len(self), dtype=np.int64))

    def tau(self, rows: I64) -> I64:
        """:attr:`thresholds` of some sketch rows."""
        if self.hashes.size == 0:
            return np.full(rows.size, HASH_SPACE, dtype=np.int64)
        last = self.hashes[np.maximum(self.indptr[rows + 1] - 1, 0)].astype(np.int64)
        return np.where(self.sizes[rows] > self.k, last, np.int64(HASH_SPACE))

    def sketch(self, node: int) -> U32:
        """The stored hashes of ``node`` (empty for an empty audience)."""
        rows = self.rows([node])
        if rows.size == 0:
            return np.zeros(0, dtype=np.uint32)
        r = int(rows[0])
        return self.hashes[self.indptr[r] : self.indptr[r + 1]]

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the sketches to ``path`` as an uncompressed ``.npz`` (exactly that path)."""
        with open(path, "wb") as fh:
            self._write(fh)

    def to_bytes(self) -> bytes:
        """The ``.npz`` bytes :meth:`save` writes, e.g. for a run artifact in the store."""
        buf = io.BytesIO()
        self._write(buf)
        return buf.getvalue()

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> AudienceSketches:
        """Read sketches written by :meth:`save`.

        Raises
        ------
        NotFound
            ``path`` does not exist.
        InputError
            The file is not a sketch file of this format or is inconsistent.
        """
        if not os.path.exists(path):
            raise NotFound(f"sketch file {os.fspath(path)!r} does not exist")
        with open(path, "rb") as fh:
            return cls._read(fh, os.fspath(path))

    @classmethod
    def from_bytes(cls, data: bytes) -> AudienceSketches:
        """Sketches from :meth:`to_bytes` output; raises :class:`InputError` on other bytes."""
        return cls._read(io.BytesIO(data), "<bytes>")

    def _write(self, fh: BinaryIO) -> None:
        np.savez(
            fh,
            format=np.array(_FORMAT),
            nodes=self.nodes,
            sizes=self.sizes,
            indptr=self.indptr,
            hashes=self.hashes,
            coverage=self.coverage,
            k=np.int64(self.k),
            seed=np.uint64(self.seed),
            n=np.int64(self.n),
            min_audience=np.int64(self.min_audience),
        )

    @classmethod
    def _read(cls, fh: BinaryIO, source: str) -> AudienceSketches:
        try:
            with np.load(fh, allow_pickle=False) as z:
                if "format" not in z.files or str(z["format"]) != _FORMAT:
                    raise InputError(
                        "not an audience sketch file (format marker missing or different)",
                        source=source,
                    )
                missing = [f for f in _FIELDS if f not in z.files]
                if missing:
                    raise InputError(f"sketch file lacks {missing}", source=source)
                sk = cls(
                    nodes=z["nodes"].astype(np.int64),
                    sizes=z["sizes"].astype(np.int64),
                    indptr=z["indptr"].astype(np.int64),
                    hashes=z["hashes"].astype(np.uint32),
                    coverage=z["coverage"].astype(np.float64),
                    k=int(z["k"]),
                    seed=int(z["seed"]),
                    n=int(z["n"]),
                    min_audience=int(z["min_audience"]),
                )
        except (ValueError, OSError, KeyError, EOFError) as exc:
            raise InputError(f"cannot read sketch file: {exc}", source=source) from exc
        return sk.check()

    def check(self) -> AudienceSketches:
        """Validate shapes and invariants; return ``self``."""
        m = len(self)
        ok = (
            self.k >= 2
            and self.min_audience >= 1
            and self.nodes.shape == self.sizes.shape == self.coverage.shape == (m,)
            and self.indptr.shape == (m + 1,)
            and (m == 0 or (self.indptr[0] == 0 and self.indptr[-1] == self.hashes.size))
        )
        if ok and m:
            lens = np.diff(self.indptr)
            ok = bool(
                (lens == np.minimum(self.sizes, self.k)).all()
                and (self.sizes >= self.min_audience).all()
                and (np.diff(self.nodes) > 0).all()
                and self.nodes[0] >= 0
                and self.nodes[-1] < self.n
                and ((self.coverage > 0) & (self.coverage <= 1)).all()
            )
        if not ok:
            raise InputError(
                "inconsistent audience sketches (array shapes, sizes or coverage)",
                hint="rebuild them with build_sketches",
            )
        return self

    def rows(self, nodes: npt.ArrayLike) -> I64:
        """Sketch rows of ``nodes``; nodes with an empty audience are dropped."""
        idx = _as_nodes(nodes, self.n)
        pos = np.searchsorted(self.nodes, idx)
        found = np.zeros(idx.shape, dtype=bool)
        if len(self):
            found = self.nodes[np.minimum(pos, len(self) - 1)] == idx
        if self.min_audience > 1 and not found.all():
            first = int(idx[~found][0])
            raise InputError(
                f"node {first} has no sketch: its audience is smaller than "
                f"min_audience={self.min_audience}",
                hint="rebuild the sketches with a lower min_audience, or use "
                "kolgraph.rank.overlap for exact values",
            )
        return pos[found].astype(np.int64)

    def gather(self, rows: I64) -> tuple[U32, I64]:
        """Concatenated hashes of sketch ``rows`` and the position in ``rows`` of each."""
        starts = self.indptr[rows]
        lens = self.indptr[rows + 1] - starts
        total = int(lens.sum())
        offsets = np.zeros(rows.size, dtype=np.int64)
        np.cumsum(lens[:-1], out=offsets[1:])
        idx = np.arange(total, dtype=np.int64) + np.repeat(starts - offsets, lens)
        member = np.repeat(np.arange(rows.size, dtype=np.int64), lens)
        return self.hashes[idx], member


def _as_nodes(nodes: npt.ArrayLike, n: int) -> I64:
    arr = np.asarray(nodes)
    if arr.ndim != 1:
        raise InputError("nodes must be a 1-d list of node indices")
    if arr.size and arr.dtype.kind not in "iu":
        raise InputError(f"node indices must be integers, got dtype {arr.dtype}")
    idx = arr.astype(np.int64)
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise InputError(f"node indices must lie in [0, {n})")
    if np.unique(idx).size != idx.size:
        raise InputError("nodes contain duplicates")
    return idx


def check_confidence(confidence: float) -> float:
    """``confidence`` as a float; :class:`InputError` unless it lies in ``(0, 1)``."""
    c = float(confidence)
    if not 0.0 < c < 1.0:
        raise InputError(f"confidence must be in (0, 1), got {confidence}")
    return c


@functools.lru_cache(maxsize=64)
def z_value(confidence: float) -> float:
    """The normal quantile of a two-sided interval at level ``confidence``."""
    return float(stats.norm.ppf(0.5 + confidence / 2))
