"""Weighted in-degree and repost reach: two plain per-account counts of the rank job.

Every rank run stores them as its ``degrees`` artifact (an ``.npz`` with ``n``,
``weighted_in`` and ``repost_reach``), computed by the engine's
:meth:`~kolgraph.rank.engine.RankEngine.degrees` when it has one (Spark) and here
otherwise.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from kolgraph.rank.graph import WeightedEdges
from kolgraph.store.base import GraphArrays

__all__ = ["Degrees", "degrees"]


@dataclass(frozen=True)
class Degrees:
    r"""Per-account counts, in dense index order.

    Attributes
    ----------
    weighted_in
        :math:`\sum_u w_{uv}` over the combined follow + repost graph.
    repost_reach
        How many distinct other accounts reposted, mentioned or replied to the account.
    """

    weighted_in: npt.NDArray[np.float64]
    repost_reach: npt.NDArray[np.int64]

    def to_bytes(self) -> bytes:
        """The ``degrees`` artifact."""
        buf = io.BytesIO()
        np.savez_compressed(
            buf,
            n=self.weighted_in.size,
            weighted_in=self.weighted_in,
            repost_reach=self.repost_reach,
        )
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> Degrees:
        """Read a ``degrees`` artifact."""
        with np.load(io.BytesIO(data)) as z:
            return cls(z["weighted_in"].astype(np.float64), z["repost_reach"].astype(np.int64))


def degrees(arrays: GraphArrays, edges: WeightedEdges) -> Degrees:
    """:class:`Degrees` of the store's graph (``arrays``) and its combined ``edges``."""
    n = arrays.n_nodes
    weighted_in = np.bincount(edges.dst, weights=edges.weight, minlength=n).astype(np.float64)
    keep = arrays.repost_src != arrays.repost_dst
    code = np.unique(
        arrays.repost_src[keep].astype(np.int64) * n + arrays.repost_dst[keep].astype(np.int64)
    )
    repost_reach = np.bincount(code % n, minlength=n).astype(np.int64)
    return Degrees(weighted_in, repost_reach)
