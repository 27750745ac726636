"""The store contract every backend implements (embedded SQLite, Neo4j).

The rest of kolgraph depends on :class:`Store` only. Writes are idempotent
(re-adding an edge or account changes no counts); edges are handed to rank
jobs as dense numpy arrays (:class:`GraphArrays`); rank results are written
under a run id and published atomically, so a reader sees either the previous
run or the complete new one, never a mix.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from kolgraph.model import Account, EdgeType, Kind

__all__ = [
    "EXTRA_SCORES",
    "AccountQuery",
    "AccountRecord",
    "CommunityRecord",
    "GraphArrays",
    "OverlapRecord",
    "PlanRecord",
    "RunInfo",
    "RunResults",
    "Store",
    "StoreCounts",
    "aligned_scores",
    "check_reposts",
    "community_density",
    "community_rows",
    "extra_score_columns",
    "extra_score_rows",
]

IntArray = npt.NDArray[np.int32]
SortKey = Literal["pagerank", "followers", "audience", "cost", "key"]


@dataclass(frozen=True, slots=True)
class StoreCounts:
    accounts: int
    follows: int
    reposts: int


@dataclass(frozen=True)
class GraphArrays:
    """Edges as dense integer arrays, ready for sparse linear algebra.

    Node ``i`` (``0 <= i < n_nodes``) is the store's account at dense index
    ``i``; :meth:`Store.accounts_frame` returns the accounts in the same order.
    """

    n_nodes: int
    follow_src: IntArray
    follow_dst: IntArray
    repost_src: IntArray
    repost_dst: IntArray
    repost_ts: npt.NDArray[np.int64]
    repost_weight: npt.NDArray[np.float32]

    @property
    def n_follows(self) -> int:
        return int(self.follow_src.shape[0])

    @property
    def n_reposts(self) -> int:
        return int(self.repost_src.shape[0])


@dataclass(frozen=True)
class RunInfo:
    """Metadata of one rank run."""

    id: str
    status: Literal["running", "published", "failed", "superseded"]
    started: float
    finished: float | None = None
    params: dict[str, Any] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    quality: dict[str, float] = field(default_factory=dict)
    error: str | None = None


@dataclass(frozen=True)
class PlanRecord:
    """A plan as it was made, kept so that the campaign can be evaluated later.

    ``body`` is the plan's JSON (the API's ``PlanResponse``), ``params`` what was
    asked for; ``evaluation`` the latest evaluation of the campaign, if any.
    """

    id: str
    run_id: str | None
    created: float
    params: dict[str, Any]
    body: dict[str, Any]
    evaluation: dict[str, Any] | None = None


@dataclass(frozen=True)
class RunResults:
    """What a rank job writes for one run.

    ``scores`` has one row per dense node index (column ``index``) and the
    columns ``pagerank``, ``community``, ``audience``, ``tier``, optionally
    ``engagement``, ``anomaly``, ``spread`` (floats, NaN when not computed) and
    ``flags`` (a list of reason strings per account, or None). ``communities``
    has ``community, size, internal_edges, top`` (``top`` a list of indices) and
    optionally ``external_edges``, ``density`` and ``bridges`` (a list of indices)
    as :func:`kolgraph.rank.communities.community_summary` computes them
    (see :func:`community_rows` for the values used when they are absent);
    ``overlaps`` has ``a, b, shared, jaccard`` (dense indices, ``a < b``).
    ``artifacts`` are named binary blobs kept with the run (audience sketches,
    learned edge probabilities), read back with :meth:`Store.run_artifact`.
    """

    scores: pd.DataFrame
    communities: pd.DataFrame
    overlaps: pd.DataFrame
    artifacts: dict[str, bytes] = field(default_factory=dict)


#: Optional per-account results beside PageRank and community (floats).
EXTRA_SCORES = ("engagement", "anomaly", "spread")


def extra_score_columns(scores: pd.DataFrame) -> list[list[Any]]:
    """Columns ``engagement, anomaly, spread, flags`` of ``scores`` as Python lists.

    Floats are native ``float`` with None for NaN; flags are lists of strings or
    None (an empty or missing list is None). A column absent from ``scores`` is
    all None. Built column by column (no per-row Python work for the floats).
    """
    n = len(scores)
    cols: list[list[Any]] = []
    for name in EXTRA_SCORES:
        if name in scores:
            v = scores[name].to_numpy(dtype=np.float64)
            nan = np.isnan(v)
            if nan.any():
                obj = v.astype(object)  # native floats
                obj[nan] = None
                cols.append(obj.tolist())
            else:
                cols.append(v.tolist())
        else:
            cols.append([None] * n)
    if "flags" in scores:
        cols.append([list(f) if f else None for f in scores["flags"].tolist()])
    else:
        cols.append([None] * n)
    return cols


def extra_score_rows(scores: pd.DataFrame) -> list[list[Any]]:
    """``[engagement, anomaly, spread, flags]`` per row of ``scores`` (None when absent)."""
    return [list(r) for r in zip(*extra_score_columns(scores), strict=True)] if len(scores) else []


@dataclass(frozen=True, slots=True)
class AccountRecord:
    """An account as the API and CLI show it, with scores of the current run."""

    key: str
    platform: str
    account_id: str
    name: str
    kind: Kind
    followers: int | None
    cost: float | None
    pagerank: float | None = None
    community: int | None = None
    audience: int | None = None
    tier: str | None = None
    run_id: str | None = None
    engagement: float | None = None
    anomaly: float | None = None
    spread: float | None = None
    flags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CommunityRecord:
    """A community of the current run (see
    :func:`kolgraph.rank.communities.community_summary` for the definitions).

    ``external_edges`` and ``bridges`` are None for runs ranked before kolgraph
    stored them; ``density`` of such runs is derived from size and internal edges.
    """

    community: int
    size: int
    internal_edges: int
    top: list[str]
    run_id: str
    external_edges: int | None = None
    density: float = 0.0
    bridges: list[str] | None = None

    @property
    def external_share(self) -> float | None:
        """Share of the edges touching the community that cross its boundary."""
        if self.external_edges is None:
            return None
        touching = self.internal_edges + self.external_edges
        return self.external_edges / touching if touching else 0.0


def community_density(size: int, internal_edges: int) -> float:
    """``internal_edges / (size * (size - 1))`` (0 below two members), at most 1."""
    return min(1.0, internal_edges / (size * (size - 1))) if size >= 2 else 0.0


def community_rows(
    communities: pd.DataFrame,
) -> list[tuple[int, int, int, int | None, float, list[int], list[int] | None]]:
    """``(community, size, internal_edges, external_edges, density, top, bridges)``
    per row of :attr:`RunResults.communities`, as native Python values.

    Optional columns that are absent give ``external_edges`` and ``bridges`` None
    and a ``density`` derived from ``size`` and ``internal_edges``; both stores
    write what this returns.
    """
    c = communities
    n = len(c)
    external = c["external_edges"].tolist() if "external_edges" in c else [None] * n
    density = c["density"].tolist() if "density" in c else [None] * n
    bridges = c["bridges"].tolist() if "bridges" in c else [None] * n
    rows = []
    for cid, size, internal, ext, dens, top, br in zip(
        c["community"].tolist(),
        c["size"].tolist(),
        c["internal_edges"].tolist(),
        external,
        density,
        c["top"].tolist(),
        bridges,
        strict=True,
    ):
        size, internal = int(size), int(internal)
        rows.append(
            (
                int(cid),
                size,
                internal,
                None if ext is None or ext != ext else int(ext),
                community_density(size, internal) if dens is None or dens != dens else float(dens),
                [int(i) for i in top],
                None if br is None else [int(i) for i in br],
            )
        )
    return rows


@dataclass(frozen=True, slots=True)
class OverlapRecord:
    a: str
    b: str
    shared: int
    jaccard: float


@dataclass(frozen=True, slots=True)
class AccountQuery:
    """Filters, sort and page for :meth:`Store.list_accounts`."""

    kind: Kind | None = None
    platform: str | None = None
    community: int | None = None
    sort: SortKey = "pagerank"
    descending: bool = True
    limit: int = 50
    offset: int = 0


def check_reposts(
    src: Sequence[str],
    dst: Sequence[str],
    post_id: Sequence[str],
    ts: Sequence[int],
    action: Sequence[str],
    weight: Sequence[float] | None,
) -> tuple[npt.NDArray[np.int64], list[float]]:
    """Validate :meth:`Store.add_reposts` columns; return timestamps and weights.

    Raises
    ------
    InputError
        Columns of different lengths, timestamps that are not 64-bit integers or
        weights that are not numbers.
    """
    from kolgraph.errors import InputError

    n = len(src)
    if weight is None:
        weight = [1.0] * n
    if not (len(dst) == len(post_id) == len(ts) == len(action) == len(weight) == n):
        raise InputError("add_reposts: columns have different lengths")
    try:
        t = np.asarray(ts, dtype=np.int64) if n else np.zeros(0, dtype=np.int64)
        w = [float(x) for x in weight]
    except (TypeError, ValueError, OverflowError) as exc:
        raise InputError(
            f"add_reposts: timestamps must be 64-bit integers and weights numbers ({exc})"
        ) from exc
    return t, w


def aligned_scores(n: int, rows: pd.DataFrame) -> pd.DataFrame:
    """Scores in dense index order from rows ``idx, pagerank, community, audience, tier``
    (and, when present, ``engagement, anomaly, spread, flags``).

    Accounts without a row get NaN / NA / None. Both stores build
    :meth:`Store.current_scores` with this, so the frames are identical.
    """
    out = pd.DataFrame(
        {
            "pagerank": np.full(n, np.nan),
            "community": pd.array([pd.NA] * n, dtype="Int64"),
            "audience": np.full(n, np.nan),
            "tier": pd.Series([None] * n, dtype=object),
            **{name: np.full(n, np.nan) for name in EXTRA_SCORES},
            "flags": pd.Series([None] * n, dtype=object),
        }
    )
    if len(rows):
        idx = rows["idx"].to_numpy(dtype=np.int64)
        out.loc[idx, "pagerank"] = rows["pagerank"].to_numpy(dtype=float)
        out.loc[idx, "community"] = rows["community"].astype("Int64").to_numpy()
        out.loc[idx, "audience"] = rows["audience"].to_numpy(dtype=float)
        out.loc[idx, "tier"] = rows["tier"].to_numpy()
        for name in EXTRA_SCORES:
            if name in rows:
                out.loc[idx, name] = pd.to_numeric(rows[name], errors="coerce").to_numpy(float)
        if "flags" in rows:
            flags = out["flags"].to_numpy(dtype=object, copy=True)
            for i, f in zip(idx.tolist(), rows["flags"].tolist(), strict=True):
                flags[i] = list(f) if isinstance(f, (list, tuple)) and f else None
            out["flags"] = flags
    return out


class Store(abc.ABC):
    """Interface of a kolgraph store. See the module docstring for guarantees."""

    name: str = "abstract"

    # lifecycle ---------------------------------------------------------------
    @abc.abstractmethod
    def close(self) -> None:
        """Release connections and file handles."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @abc.abstractmethod
    def clear(self) -> None:
        """Delete everything (accounts, edges, runs). Used by tests and the demo."""

    # writes ------------------------------------------------------------------
    @abc.abstractmethod
    def upsert_accounts(self, accounts: Iterable[Account]) -> int:
        """Insert or update accounts; return how many were new.

        Fields that are ``None`` or empty on the incoming account leave the
        stored value alone, so a bare edge import never erases a name or cost.
        """

    @abc.abstractmethod
    def add_follows(self, src: Sequence[str], dst: Sequence[str]) -> int:
        """Add follower → followed edges by node key; return how many were new.

        Accounts that do not exist yet are created with kind ``user``.
        """

    @abc.abstractmethod
    def add_reposts(
        self,
        src: Sequence[str],
        dst: Sequence[str],
        post_id: Sequence[str],
        ts: Sequence[int],
        action: Sequence[str],
        weight: Sequence[float] | None = None,
    ) -> int:
        """Add reposter → author edges; return how many were new.

        An edge is identified by ``(src, dst, post_id, ts, action)``; ``weight``
        (default 1) counts repeated interactions that a dump aggregates.
        """

    # reads for jobs ------------------------------------------------------------
    @abc.abstractmethod
    def counts(self) -> StoreCounts: ...

    @abc.abstractmethod
    def graph_arrays(self) -> GraphArrays:
        """All edges as dense index arrays (see :class:`GraphArrays`)."""

    @abc.abstractmethod
    def accounts_frame(self) -> pd.DataFrame:
        """Accounts in dense index order.

        Columns: ``key, platform, account_id, name, kind, followers, cost``;
        ``followers`` and ``cost`` are float with NaN when unknown.
        """

    def declared_followers(self) -> npt.NDArray[np.float64]:
        """Declared follower counts in dense index order (NaN when unknown).

        The ``followers`` column of :meth:`accounts_frame`; stores may read it
        without building the whole frame.
        """
        out: npt.NDArray[np.float64] = self.accounts_frame()["followers"].to_numpy(dtype=np.float64)
        return out

    @abc.abstractmethod
    def iter_edges(
        self, edge_type: EdgeType, *, batch_size: int = 100_000
    ) -> Iterator[pd.DataFrame]:
        """Every edge of one type, in batches of at most ``batch_size`` rows.

        Columns: ``src, dst`` (node keys); for reposts also ``post_id, ts,
        action, weight``. The order is stable across calls (the embedded store:
        insertion order; Neo4j: by source, then target index).
        """

    @abc.abstractmethod
    def keys_to_index(self, keys: Sequence[str]) -> npt.NDArray[np.int64]:
        """Dense indices of ``keys``; -1 for keys not in the store."""

    # runs --------------------------------------------------------------------
    @abc.abstractmethod
    def start_run(self, run_id: str, params: dict[str, Any]) -> RunInfo: ...

    @abc.abstractmethod
    def write_results(self, run_id: str, results: RunResults) -> None:
        """Write a run's results; invisible to readers until :meth:`publish_run`."""

    @abc.abstractmethod
    def publish_run(
        self,
        run_id: str,
        *,
        counts: dict[str, int],
        timings: dict[str, float],
        quality: dict[str, float],
    ) -> RunInfo:
        """Make ``run_id`` the current run in one atomic step."""

    @abc.abstractmethod
    def fail_run(self, run_id: str, error: str) -> None:
        """Mark a run failed; the current run stays what it was."""

    @abc.abstractmethod
    def current_run(self) -> RunInfo | None: ...

    @abc.abstractmethod
    def get_run(self, run_id: str) -> RunInfo: ...

    @abc.abstractmethod
    def list_runs(self, limit: int = 20) -> list[RunInfo]: ...

    # reads for users -------------------------------------------------------------
    @abc.abstractmethod
    def get_account(self, key: str) -> AccountRecord: ...

    @abc.abstractmethod
    def list_accounts(self, query: AccountQuery) -> tuple[list[AccountRecord], int]:
        """One page of accounts and the total number matching the filters."""

    @abc.abstractmethod
    def list_communities(
        self, limit: int = 100, offset: int = 0
    ) -> tuple[list[CommunityRecord], int]:
        """Communities of the current run, largest first."""

    @abc.abstractmethod
    def current_scores(self) -> pd.DataFrame:
        """Scores of the current run in dense index order (empty if none).

        Columns: ``pagerank, community, audience, tier`` (NaN / None for
        accounts added after the run).
        """

    @abc.abstractmethod
    def run_scores(self, run_id: str) -> pd.DataFrame:
        """Scores of a kept run (current or recent) in dense index order, like
        :meth:`current_scores`.

        Raises
        ------
        NotFound
            If there is no such run, or its scores are no longer kept (the embedded
            store keeps the last ``keep_runs`` published runs; Neo4j the current and
            the previous run).
        """

    @abc.abstractmethod
    def run_artifact(self, run_id: str, name: str) -> bytes:
        """A binary artifact written with a run (see :class:`RunResults`).

        Raises
        ------
        NotFound
            If the run or the artifact does not exist (any more).
        """

    @abc.abstractmethod
    def overlaps(self, keys: Sequence[str]) -> list[OverlapRecord]:
        """Stored exact overlaps (current run) among ``keys``."""

    # plans ------------------------------------------------------------------------------
    @abc.abstractmethod
    def save_plan(self, record: PlanRecord) -> None:
        """Keep a plan (insert, or replace the one with the same id)."""

    @abc.abstractmethod
    def get_plan(self, plan_id: str) -> PlanRecord:
        """A kept plan.

        Raises
        ------
        NotFound
            If no plan has this id.
        """

    @abc.abstractmethod
    def list_plans(self, limit: int = 20) -> list[PlanRecord]:
        """The most recent plans first."""
