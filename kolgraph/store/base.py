"""The store contract every backend implements (embedded SQLite, Neo4j).

The rest of kolgraph depends on :class:`Store` only. Writes are idempotent
(re-adding an edge or account changes no counts); edges are handed to rank
jobs as dense numpy arrays (:class:`GraphArrays`); rank results are written
under a run id and published atomically, so a reader sees either the previous
run or the complete new one, never a mix. A store's crawl state
(:attr:`Store.crawl`) lives in the same database and shares its transactions.
"""

from __future__ import annotations

import abc
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from kolgraph.model import Account, EdgeType, Kind
from kolgraph.store.alertstate import AlertState
from kolgraph.store.batches import RepostBatch
from kolgraph.store.crawlstate import CrawlState
from kolgraph.store.jobstate import JobState
from kolgraph.store.keystate import KeyState
from kolgraph.store.listenstate import ListenState

__all__ = [
    "AccountQuery",
    "AccountRecord",
    "CommunityRecord",
    "GraphArrays",
    "OverlapRecord",
    "PlanRecord",
    "RunInfo",
    "RunResults",
    "RunSummary",
    "SortKey",
    "Store",
    "StoreCounts",
]

IntArray = npt.NDArray[np.int32]
SortKey = Literal["pagerank", "followers", "audience", "cost", "key"]


@dataclass(frozen=True, slots=True)
class StoreCounts:
    """How many accounts, follow edges and repost edges a store holds."""

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


@dataclass(frozen=True, slots=True)
class RunSummary:
    """What a run reports when it is published (kept in its :class:`RunInfo`)."""

    counts: dict[str, int]
    timings: dict[str, float]
    quality: dict[str, float]

    def as_json(self) -> dict[str, str]:
        """``counts``, ``timings`` and ``quality`` as the JSON text both stores keep."""
        return {
            "counts": json.dumps(self.counts),
            "timings": json.dumps(self.timings),
            "quality": json.dumps(self.quality),
        }


@dataclass(frozen=True)
class RunResults:
    """What a rank job writes for one run.

    ``scores`` has one row per ranked account: ``index`` (dense index) and the
    columns of :data:`kolgraph.store.scores.SCORE_COLUMNS`: ``pagerank``
    (float), ``community`` (int), ``audience`` (int), ``tier`` (str) and,
    optionally, ``engagement``, ``anomaly``, ``spread`` (floats, NaN when not
    computed) and ``flags`` (a list of reason strings per account, or None).
    ``communities`` has ``community, size, internal_edges, top`` (``top`` a list
    of indices) and optionally ``external_edges``, ``density`` and ``bridges``
    (a list of indices) as :func:`kolgraph.rank.communities.community_summary`
    computes them (see :func:`kolgraph.store.rows.community_rows` for the values
    used when they are absent); ``overlaps`` has ``a, b, shared, jaccard``
    (dense indices, ``a < b``). ``artifacts`` are named binary blobs kept with
    the run (audience sketches, learned edge probabilities), read back with
    :meth:`Store.run_artifact`.
    """

    scores: pd.DataFrame
    communities: pd.DataFrame
    overlaps: pd.DataFrame
    artifacts: dict[str, bytes] = field(default_factory=dict)


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


class Store(abc.ABC):
    """Interface of a kolgraph store. See the module docstring for guarantees."""

    name: str = "abstract"

    # lifecycle ---------------------------------------------------------------
    @abc.abstractmethod
    def close(self) -> None:
        """Release connections and file handles."""

    @property
    @abc.abstractmethod
    def location(self) -> str:
        """Where the store keeps its data, for messages: a database file or a server URI."""

    @property
    @abc.abstractmethod
    def crawl(self) -> CrawlState:
        """The crawl state kept in this store (see :mod:`kolgraph.store.crawlstate`).

        It uses the store's connection (driver) and transactions, so a crawled
        page's edges and its checkpoint are committed together.
        """

    @property
    @abc.abstractmethod
    def keys(self) -> KeyState:
        """The API keys kept in this store (see :mod:`kolgraph.store.keystate`)."""

    @property
    @abc.abstractmethod
    def jobs(self) -> JobState:
        """The job records kept in this store (see :mod:`kolgraph.store.jobstate`)."""

    @property
    @abc.abstractmethod
    def listening(self) -> ListenState:
        """Events, topics and checkpoints of ``kolgraph listen`` (see
        :mod:`kolgraph.store.listenstate`)."""

    @property
    @abc.abstractmethod
    def alerts(self) -> AlertState:
        """Alert subscriptions and deliveries kept in this store (see
        :mod:`kolgraph.store.alertstate`)."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @abc.abstractmethod
    def clear(self) -> None:
        """Delete everything (accounts, edges, runs, plans, crawls, jobs, listened events and
        checkpoints; topic definitions stay): for tests, the demo."""

    # writes ------------------------------------------------------------------
    @abc.abstractmethod
    def upsert_accounts(self, accounts: Iterable[Account]) -> int:
        """Insert or update accounts; return how many were new.

        Fields that are ``None`` or empty on the incoming account (and the
        default kind ``user``) leave the stored value alone, so a bare edge
        import never erases a name, kind or cost.

        Raises
        ------
        InputError
            A key that is not ``"platform:id"``.
        """

    @abc.abstractmethod
    def add_follows(self, src: Sequence[str], dst: Sequence[str]) -> int:
        """Add follower → followed edges by node key; return how many were new.

        Accounts that do not exist yet are created with kind ``user``.

        Raises
        ------
        InputError
            ``src`` and ``dst`` of different lengths, or a key that is not
            ``"platform:id"`` (nothing is written then).
        """

    @abc.abstractmethod
    def add_reposts(self, batch: RepostBatch) -> int:
        """Add reposter → author edges; return how many were new.

        An edge is identified by ``(src, dst, post_id, ts, action)`` (see
        :class:`~kolgraph.store.batches.RepostBatch`, checked when it was built);
        accounts that do not exist yet are created with kind ``user``.

        Raises
        ------
        InputError
            A key that is not ``"platform:id"`` (nothing is written then).
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
    def start_run(self, run_id: str, params: dict[str, Any]) -> RunInfo:
        """Record a new run with status ``running`` and its parameters.

        Raises
        ------
        InputError
            If a run with this id exists.
        """

    @abc.abstractmethod
    def write_results(self, run_id: str, results: RunResults) -> None:
        """Write a run's results; invisible to readers until :meth:`publish_run`.

        Writing again replaces what the run had written.

        Raises
        ------
        NotFound
            If there is no such run.
        StoreError
            If the run is no longer running.
        """

    def publish_run(
        self,
        run_id: str,
        *,
        counts: dict[str, int],
        timings: dict[str, float],
        quality: dict[str, float],
    ) -> RunInfo:
        """Make ``run_id`` the current run in one atomic step (the previous one
        becomes ``superseded``) and record its counts, timings and quality.

        Returns the published run; raises like :meth:`write_results` when the
        run does not exist or is not running (published runs are final).
        """
        self._publish(run_id, RunSummary(counts=counts, timings=timings, quality=quality))
        return self.get_run(run_id)

    @abc.abstractmethod
    def _publish(self, run_id: str, summary: RunSummary) -> None:
        """The backend's part of :meth:`publish_run`: the atomic switch and its bookkeeping."""

    @abc.abstractmethod
    def fail_run(self, run_id: str, error: str) -> None:
        """Mark a running run failed and drop its results; the current run stays
        what it was. A run that is no longer running is left as it is.
        """

    @abc.abstractmethod
    def current_run(self) -> RunInfo | None:
        """The published run readers see, or None before the first publish."""

    @abc.abstractmethod
    def get_run(self, run_id: str) -> RunInfo:
        """A run of any status.

        Raises
        ------
        NotFound
            If there is no such run.
        """

    @abc.abstractmethod
    def list_runs(self, limit: int = 20) -> list[RunInfo]:
        """The ``limit`` most recently started runs, newest first."""

    # reads for users -------------------------------------------------------------
    @abc.abstractmethod
    def get_account(self, key: str) -> AccountRecord:
        """An account with its scores in the current run.

        Raises
        ------
        NotFound
            If there is no account with this key.
        """

    @abc.abstractmethod
    def list_accounts(self, query: AccountQuery) -> tuple[list[AccountRecord], int]:
        """One page of accounts and the total number matching the filters.

        Accounts without a value for the sort key come last; ties keep dense
        index order.
        """

    @abc.abstractmethod
    def list_communities(
        self, limit: int = 100, offset: int = 0
    ) -> tuple[list[CommunityRecord], int]:
        """One page of the current run's communities, largest first, and their
        number (``([], 0)`` without a current run)."""

    @abc.abstractmethod
    def current_scores(self) -> pd.DataFrame:
        """Scores of the current run, one row per account in dense index order.

        Returns
        -------
        pandas.DataFrame
            The columns of :data:`kolgraph.store.scores.SCORE_COLUMNS`, in
            order: ``pagerank`` (float64), ``community`` (Int64), ``audience``
            (float64: followers in the stored graph), ``tier`` (object:
            ``"head"``, ``"mid"`` or ``"tail"``), ``engagement``, ``anomaly``,
            ``spread`` (float64, NaN where the run did not compute them) and
            ``flags`` (object: a list of str, or None). Accounts added after
            the run have every value missing (NaN, ``<NA>``, None); without a
            current run the frame has these columns and no rows.
        """

    @abc.abstractmethod
    def run_scores(self, run_id: str) -> pd.DataFrame:
        """Scores of a kept run (current or recent), one row per account in dense
        index order: the columns ``pagerank, community, audience, tier,
        engagement, anomaly, spread, flags`` of :meth:`current_scores`.

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
        """Stored exact overlaps (current run) between pairs of ``keys``
        (keys not in the store are ignored)."""

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
