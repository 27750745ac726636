"""Typed batches of edges handed to a store (see :meth:`~kolgraph.store.base.Store.add_reposts`).

A batch is checked once, when it is built: its columns are numpy arrays of one
length and of the dtypes below, so a store writes it without checking again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import numpy.typing as npt

from kolgraph.errors import InputError

__all__ = ["ObjectArray", "RepostBatch"]

#: A column of Python objects (node keys, post ids, actions).
ObjectArray = npt.NDArray[np.object_]


def _objects(values: Sequence[Any] | ObjectArray) -> ObjectArray:
    """``values`` as a 1-d object array (elements are kept as they are)."""
    if isinstance(values, np.ndarray) and values.dtype == object and values.ndim == 1:
        return values
    out = np.empty(len(values), dtype=object)
    out[:] = list(values)
    return out


def _first_bad(values: Iterable[Any], convert: Callable[[Any], object]) -> str:
    """``"row i: v"`` for the first of ``values`` that ``convert`` rejects ("" if none)."""
    for i, v in enumerate(values):
        try:
            convert(v)
        except (TypeError, ValueError, OverflowError):
            return f"row {i}: {v!r}"
    return ""


def _timestamps(ts: Sequence[int] | npt.NDArray[np.integer[Any]]) -> npt.NDArray[np.int64]:
    try:
        return np.asarray(ts, dtype=np.int64) if len(ts) else np.zeros(0, dtype=np.int64)
    except (TypeError, ValueError, OverflowError) as exc:
        bad = _first_bad(ts, lambda x: np.asarray([x], dtype=np.int64)) or str(exc)
        raise InputError(f"reposts: timestamps must be 64-bit integers ({bad})") from exc


def _weights(weight: Sequence[float] | npt.NDArray[np.floating[Any]]) -> npt.NDArray[np.float64]:
    if isinstance(weight, np.ndarray) and weight.dtype.kind in "fiu":
        return weight.astype(np.float64, copy=False)
    try:
        return np.fromiter((float(w) for w in weight), dtype=np.float64, count=len(weight))
    except (TypeError, ValueError, OverflowError) as exc:
        bad = _first_bad(weight, float) or str(exc)
        raise InputError(f"reposts: weights must be numbers ({bad})") from exc


@dataclass(frozen=True, slots=True, eq=False)
class RepostBatch:
    """Reposter → author edges as parallel columns of one length.

    An edge is identified by ``(src, dst, post_id, ts, action)``; ``weight``
    counts repeated interactions that a dump aggregates. Build a batch with
    :meth:`from_columns`, which converts and checks plain sequences and names
    the first bad row; the constructor itself only checks shapes and dtypes.

    Attributes
    ----------
    src, dst
        Node keys (``"{platform}:{account_id}"``) of the reposter and the author.
    post_id
        The reposted post's id.
    ts
        When it happened (int64, the platform's epoch unit).
    action
        What the reposter did (a :class:`kolgraph.model.Action` value).
    weight
        How many interactions the row stands for (float64, 1 by default).

    Raises
    ------
    InputError
        Columns that are not one-dimensional, of different lengths, or (``ts``,
        ``weight``) not int64 / float64.
    """

    src: ObjectArray
    dst: ObjectArray
    post_id: ObjectArray
    ts: npt.NDArray[np.int64]
    action: ObjectArray
    weight: npt.NDArray[np.float64]

    def __post_init__(self) -> None:
        shapes = {f.name: getattr(self, f.name).shape for f in fields(self)}
        if len(set(shapes.values())) != 1 or len(shapes["src"]) != 1:
            shown = ", ".join(f"{k} {v}" for k, v in shapes.items())
            raise InputError(f"reposts: columns must be 1-d and of one length ({shown})")
        if self.ts.dtype != np.int64 or self.weight.dtype != np.float64:
            raise InputError(
                f"reposts: ts must be int64 and weight float64 "
                f"(got {self.ts.dtype} and {self.weight.dtype})"
            )

    @classmethod
    def from_columns(
        cls,
        src: Sequence[str] | ObjectArray,
        dst: Sequence[str] | ObjectArray,
        post_id: Sequence[str] | ObjectArray,
        ts: Sequence[int] | npt.NDArray[np.integer[Any]],
        action: Sequence[str] | ObjectArray,
        weight: Sequence[float] | npt.NDArray[np.floating[Any]] | None = None,
    ) -> RepostBatch:
        """A batch from parallel columns (lists, tuples or arrays); ``weight`` defaults to 1.

        Raises
        ------
        InputError
            Columns of different lengths, a timestamp that is not a 64-bit
            integer or a weight that is not a number (naming the first such row).
        """
        n = len(src)
        given = {"src": n, "dst": len(dst), "post_id": len(post_id), "ts": len(ts)}
        given |= {"action": len(action), "weight": n if weight is None else len(weight)}
        if len(set(given.values())) != 1:
            shown = ", ".join(f"{k} {v}" for k, v in given.items())
            raise InputError(f"reposts: columns have different lengths ({shown})")
        return cls(
            src=_objects(src),
            dst=_objects(dst),
            post_id=_objects(post_id),
            ts=_timestamps(ts),
            action=_objects(action),
            weight=np.ones(n, dtype=np.float64) if weight is None else _weights(weight),
        )

    @classmethod
    def empty(cls) -> RepostBatch:
        """A batch of no edges."""
        return cls.from_columns([], [], [], [], [])

    @classmethod
    def concat(cls, batches: Iterable[RepostBatch]) -> RepostBatch:
        """The rows of ``batches``, one after the other."""
        parts = list(batches)
        if not parts:
            return cls.empty()
        return cls(*(np.concatenate([getattr(b, f.name) for b in parts]) for f in fields(cls)))

    def __len__(self) -> int:
        return int(self.src.shape[0])

    def __getitem__(self, rows: slice) -> RepostBatch:
        """The rows in ``rows`` (a slice), as a batch of views."""
        return RepostBatch(*(getattr(self, f.name)[rows] for f in fields(self)))
