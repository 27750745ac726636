"""What every plan derives from a run's accounts, scores and audiences, computed once.

A plan reads the accounts (keys, kinds, platforms, prices), the run's scores
(PageRank, communities, flags) and the audience matrix. Turning those into the
arrays the greedy works on (a key → position index over a million keys, kind
codes, masks, the rate-card costs) took seconds per plan at a million accounts;
:func:`prepare` does it once, and a serving process keeps the result with the
run's other inputs (:mod:`kolgraph.plan.cache`). Everything here is read-only
after it is built, so concurrent plans share it.

:attr:`Prepared.followers_of` is the audience matrix turned around over the
*candidates* (accounts of a kind a plan can choose): row ``u`` lists the candidate
accounts whose audience holds person ``u``. With it a plan keeps the exact reach
gain of every candidate up to date as people are covered
(:class:`~kolgraph.plan.gains.CoverageGains`) instead of re-counting audiences.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from kolgraph.model import Kind
from kolgraph.plan.flags import flagged
from kolgraph.plan.params import PLANNABLE
from kolgraph.settings import Settings

__all__ = ["KINDS", "KIND_VALUES", "KeyIndex", "Prepared", "prepare"]

#: Kind values by code: ``Prepared.kind[i]`` is an index into this tuple (-1: another value).
KIND_VALUES: tuple[str, ...] = tuple(k.value for k in Kind)
#: The kinds by the same codes.
KINDS: tuple[Kind, ...] = tuple(Kind)
#: Platform masks kept per run, at most (a request may name any platform).
_MAX_PLATFORMS = 16


class KeyIndex:
    """Positions of account keys (a hash index built once; lookups in microseconds).

    Parameters
    ----------
    keys
        Account keys in dense order (unique, as every store keeps them).

    Examples
    --------
    >>> ix = KeyIndex(["x:a", "x:b"])
    >>> ix.get("x:b"), ix.get("x:zz"), "x:a" in ix
    (1, None, True)
    """

    def __init__(self, keys: Sequence[str] | npt.NDArray[np.object_]) -> None:
        self._index = pd.Index(np.asarray(keys, dtype=object), dtype=object)
        self._unique = bool(self._index.is_unique)  # builds the hash table now, not in a request
        self._fallback: dict[str, int] | None = None
        if not self._unique:  # never in a store (keys are unique); the last one wins, as a dict
            self._fallback = {str(k): i for i, k in enumerate(self._index)}

    def get(self, key: str) -> int | None:
        """The position of ``key``, or None."""
        if self._fallback is not None:
            return self._fallback.get(key)
        try:
            pos = self._index.get_loc(key)
        except (KeyError, TypeError):
            return None
        return int(pos) if isinstance(pos, int | np.integer) else None

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None

    def __getitem__(self, key: str) -> int:
        pos = self.get(key)
        if pos is None:
            raise KeyError(key)
        return pos

    def all_keys(self) -> list[str]:
        """Every key, as text (for messages that suggest the closest key)."""
        return [str(k) for k in self._index]


@dataclass(frozen=True, eq=False)
class Prepared:
    """Arrays every plan derives from the accounts and scores of one run (read-only).

    Built by :func:`prepare`; see the module notes.
    """

    n: int
    keys: npt.NDArray[np.object_]
    key_index: KeyIndex
    #: kind values as stored (messages) and as codes into :data:`KIND_VALUES`
    kind_values: npt.NDArray[np.object_]
    kind: npt.NDArray[np.int8]
    platform: npt.NDArray[np.object_]
    names: npt.NDArray[np.object_]
    #: PageRank with missing values as 0
    pagerank: npt.NDArray[np.float64]
    #: community of each account, -1 when it has none
    community: npt.NDArray[np.int64]
    #: the same as float with NaN (the target filter's view)
    community_f64: npt.NDArray[np.float64]
    flagged: npt.NDArray[np.bool_]
    #: audience size of every account (row lengths of the audience matrix)
    full_audience: npt.NDArray[np.int64]
    declared_cost: npt.NDArray[np.float64]
    declared_followers: npt.NDArray[np.float64]
    #: accounts of a kind a plan can choose (kol, media, own, partner)
    plannable: npt.NDArray[np.bool_]
    #: the candidate accounts (``np.flatnonzero(plannable)``) and each account's position
    #: among them (-1: not a candidate)
    candidates: npt.NDArray[np.int64]
    candidate_pos: npt.NDArray[np.int64]
    #: person × candidate: row ``u`` lists the candidates whose audience holds ``u``
    followers_of: sp.csr_matrix
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _platforms: dict[str, npt.NDArray[np.bool_]] = field(default_factory=dict, repr=False)
    _costs: dict[tuple[float, float], tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]] = (
        field(default_factory=dict, repr=False)
    )
    _sizes: list[tuple[npt.NDArray[np.bool_], npt.NDArray[np.int64]]] = field(
        default_factory=list, repr=False
    )

    def community_sizes(self) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.int64]]:
        """Who has a community, and each community's size (its members, counted once)."""
        with self._lock:
            if self._sizes:
                return self._sizes[0]
        has = self.community >= 0
        size = np.bincount(self.community[has]).astype(np.int64)
        has.flags.writeable = False
        size.flags.writeable = False
        with self._lock:
            if not self._sizes:
                self._sizes.append((has, size))
            return self._sizes[0]

    def is_kind(self, kind: Kind) -> npt.NDArray[np.bool_]:
        """Mask of the accounts of ``kind``."""
        out: npt.NDArray[np.bool_] = self.kind == KIND_VALUES.index(kind.value)
        return out

    def on_platform(self, platform: str) -> npt.NDArray[np.bool_]:
        """Mask of the accounts on ``platform`` (kept for the first few platforms asked)."""
        with self._lock:
            mask = self._platforms.get(platform)
        if mask is None:
            mask = self.platform == platform
            mask.flags.writeable = False
            with self._lock:
                if len(self._platforms) < _MAX_PLATFORMS:
                    self._platforms[platform] = mask
        return mask

    def costs(self, s: Settings) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
        """Every account's cost and whether it was estimated, under ``s``'s rate card.

        Accounts without a price cost ``max(min_cost, cost_per_1k_audience × reach /
        1000)`` with reach the larger of the declared followers and the audience; own
        and partner accounts without a price cost 0 (the planner's notes). The arrays
        are shared: read them, never write.
        """
        key = (float(s.cost_per_1k_audience), float(s.min_cost))
        with self._lock:
            got = self._costs.get(key)
        if got is not None:
            return got
        cost = self.declared_cost.copy()
        estimated = np.isnan(cost)
        declared = self.declared_followers
        reach = np.where(
            np.isnan(declared), self.full_audience, np.maximum(declared, self.full_audience)
        )
        cost[estimated] = np.maximum(
            s.min_cost, np.round(s.cost_per_1k_audience * reach[estimated] / 1000)
        )
        own = np.isin(self.kind, [KIND_VALUES.index(k) for k in ("own", "partner")])
        free = own & np.isnan(self.declared_cost)
        cost[free] = 0.0
        estimated[free] = False
        cost.flags.writeable = False
        estimated.flags.writeable = False
        with self._lock:
            self._costs.setdefault(key, (cost, estimated))
            return self._costs[key]


def prepare(audience: sp.csr_matrix, accounts: pd.DataFrame, scores: pd.DataFrame) -> Prepared:
    """The arrays a plan derives from ``accounts``, ``scores`` and ``audience`` (module notes).

    Parameters
    ----------
    audience
        ``n × n`` binary audience matrix (:func:`~kolgraph.rank.graph.follower_matrix`).
    accounts
        Accounts in dense order (``key, platform, name, kind, followers, cost``).
    scores
        The run's scores in dense order (``pagerank, community``, optionally ``flags``).
    """
    n = int(audience.shape[0])
    kind_values = accounts["kind"].to_numpy().astype(object)
    code = {v: i for i, v in enumerate(KIND_VALUES)}
    kind = np.fromiter(
        (code.get(v, -1) for v in kind_values), dtype=np.int8, count=len(kind_values)
    )
    plannable = np.isin(kind, [code[k.value] for k in PLANNABLE])
    candidates = np.flatnonzero(plannable).astype(np.int64)
    candidate_pos = np.full(n, -1, dtype=np.int64)
    candidate_pos[candidates] = np.arange(candidates.size)
    # person × candidate, 0/1 in int8 (only the structure is read)
    rows = audience[candidates]
    followers_of = sp.csr_matrix(
        (np.ones(rows.nnz, dtype=np.int8), rows.indices, rows.indptr), shape=rows.shape
    ).T.tocsr()
    del rows
    pagerank = np.nan_to_num(scores["pagerank"].to_numpy(dtype=np.float64), nan=0.0)
    comm_f64 = scores["community"].to_numpy(dtype="float64", na_value=np.nan)
    community = np.where(np.isnan(comm_f64), -1, comm_f64).astype(np.int64)
    keys = accounts["key"].to_numpy().astype(object)
    out = Prepared(
        n=n,
        keys=keys,
        key_index=KeyIndex(keys),
        kind_values=kind_values,
        kind=kind,
        platform=accounts["platform"].to_numpy().astype(object),
        names=accounts["name"].to_numpy().astype(object),
        pagerank=pagerank,
        community=community,
        community_f64=comm_f64,
        flagged=flagged(scores, n),
        full_audience=np.diff(audience.indptr).astype(np.int64),
        declared_cost=accounts["cost"].to_numpy(dtype=np.float64).copy(),
        declared_followers=accounts["followers"].to_numpy(dtype=np.float64).copy(),
        plannable=plannable,
        candidates=candidates,
        candidate_pos=candidate_pos,
        followers_of=followers_of,
    )
    for a in (
        out.keys,
        out.kind_values,
        out.kind,
        out.platform,
        out.names,
        out.pagerank,
        out.community,
        out.community_f64,
        out.flagged,
        out.full_audience,
        out.declared_cost,
        out.declared_followers,
        out.plannable,
        out.candidates,
        out.candidate_pos,
    ):
        a.flags.writeable = False
    return out
