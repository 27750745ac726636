"""The stages of the rank job, as a table (:data:`TABLE`) the job runs in order.

Every stage is a :class:`Stage`: a name, how it computes its result, and how it keeps
the current run's result instead (its carry-forward rule) when ``RankParams.only``
leaves it out. The stages share one :class:`RankState`:

``load``
    The store's edges as arrays, merged into one weighted graph; weighted in-degree
    and repost reach of every account (the ``degrees`` artifact, on the rank engine).
``pagerank``
    PageRank on the rank engine. Kept: the current run's scores.
``communities``
    Leiden communities on the rank engine, then each community's summary (size,
    edges, density, top and bridge accounts). Kept: the current run's membership,
    scored and summarised on the current graph.
``overlap``
    The audience matrix (every run: the scores' ``audience`` column and the sketches
    need it), then the exact audience overlap among the top accounts by PageRank
    (on the rank engine).
    Kept: the current run's overlaps.
``quality``
    Engagement, anomaly score and flags of every account. Kept: those columns.
``influence``
    Learned edge probabilities (an artifact) and the expected spread of the top
    accounts. Kept: the spread column and the artifact.
``sketches``
    Bottom-k audience sketches (an artifact). Kept: the artifact.
``engagement``
    The engagement model of :mod:`kolgraph.plan.learned` (an artifact, when the store
    has enough cascades). Kept: the artifact.
``write``
    The results, written under the run's id (published by the job).

A kept result is checked first (:class:`Previous`): the current run must have
scored every account of the current graph, and a kept artifact that records its
node count must record the current one; otherwise the stage raises
:class:`~kolgraph.errors.InputError`.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from kolgraph.arrays import I64
from kolgraph.errors import InputError, NotFound
from kolgraph.rank.communities import CommunityResult, community_summary, modularity
from kolgraph.rank.graph import WeightedEdges, combine_edges, follower_matrix
from kolgraph.rank.pagerank import PageRankResult
from kolgraph.store.base import AccountQuery, GraphArrays, RunInfo, RunResults, Store

if TYPE_CHECKING:
    from kolgraph.rank.engine import RankEngine
    from kolgraph.rank.job import RankParams

__all__ = ["MAX_OVERLAP_TOP_K", "TABLE", "Previous", "RankState", "ScoreValues", "Stage"]

#: An optional score column: floats, or the flags (a list of reasons, or None) per account.
ScoreValues = npt.NDArray[np.generic] | list[list[str] | None]

#: Largest ``RankParams.overlap_top_k``; a kept overlap is looked up among this many accounts.
MAX_OVERLAP_TOP_K = 5000


class RankState:
    """What the stages of one run share; each stage sets the attributes it produces.

    ``edges`` (the weighted graph), ``arrays`` (the store's edge arrays) and
    ``audience`` (the audience matrix) are released once no later stage needs them.
    """

    arrays: GraphArrays
    edges: WeightedEdges
    n: int
    n_weighted: int
    n_follows: int
    n_reposts: int
    pr: PageRankResult
    comm: CommunityResult
    communities: pd.DataFrame
    audience: sp.csr_matrix
    audience_size: I64
    overlaps: pd.DataFrame
    scores: pd.DataFrame

    def __init__(self, store: Store, params: RankParams, engine: RankEngine, run_id: str) -> None:
        self.store = store
        self.params = params
        self.engine = engine
        self.run_id = run_id
        #: optional score columns (``engagement``, ``anomaly``, ``flags``, ``spread``)
        self.extra: dict[str, ScoreValues] = {}
        self.artifacts: dict[str, bytes] = {}

    @property
    def flagged(self) -> int:
        """How many accounts the quality stage flagged."""
        return sum(1 for f in self.extra.get("flags", []) if f is not None and len(f))

    def release(self, names: tuple[str, ...]) -> None:
        """Drop state no later stage reads (the large arrays), so memory can be freed."""
        for name in names:
            delattr(self, name)


@dataclass
class Previous:
    """The current run, whose results the stages left out of ``RankParams.only`` keep."""

    store: Store
    run: RunInfo
    scores: pd.DataFrame

    @classmethod
    def of(cls, store: Store) -> Previous:
        """The store's current run.

        Raises
        ------
        InputError
            If the store has no current run.
        """
        run = store.current_run()
        if run is None:
            raise InputError(
                "--only recomputes some stages and keeps the rest from the current run, "
                "but there is no current run",
                hint="run the full job once (kolgraph rank)",
            )
        return cls(store, run, store.current_scores())

    def stale(self, stage: str, why: str = "accounts were added since") -> InputError:
        """The error of a stage whose kept result does not fit the current graph."""
        return InputError(
            f"cannot keep {stage} from the current run: {why}",
            hint="run the full job (without --only)",
        )

    def check(self, stage: str, n: int) -> None:
        """Check that the current run scored every one of the ``n`` accounts.

        Raises
        ------
        InputError
            If accounts were added since the current run.
        """
        if len(self.scores) != n or self.scores["pagerank"].isna().any():
            raise self.stale(stage)

    def column(self, stage: str, name: str, n: int) -> npt.NDArray[np.generic]:
        """The current run's score column ``name``, after :meth:`check`."""
        self.check(stage, n)
        values: npt.NDArray[np.generic] = self.scores[name].to_numpy()
        return values

    def artifact(
        self, stage: str, name: str, n: int, *, nodes: Callable[[bytes], int] | None = None
    ) -> bytes | None:
        """The current run's artifact ``name`` (None if it has none), after :meth:`check`;
        ``nodes`` reads the node count the artifact records, which must be ``n``."""
        self.check(stage, n)
        try:
            data = self.store.run_artifact(self.run.id, name)
        except NotFound:
            return None
        if nodes is not None and nodes(data) != n:
            raise self.stale(stage)
        return data


def _npz_nodes(data: bytes) -> int:
    """The node count ``n`` an ``.npz`` artifact records."""
    with np.load(io.BytesIO(data)) as z:
        return int(z["n"])


@dataclass(frozen=True)
class Stage:
    """One stage of the rank job.

    Attributes
    ----------
    name
        Its name in ``RankParams.only``, progress reports and the run's timings.
    compute
        Computes the stage's results into the :class:`RankState`.
    carry
        Puts the current run's results into the state instead, after checking
        them (see :class:`Previous`); None for the stages that run every time
        (``load`` and ``write``), which ``RankParams.only`` cannot name.
    engine
        Whether the stage runs on the rank engine (closed after the last such stage).
    releases
        State no later stage reads, dropped after this one.
    """

    name: str
    compute: Callable[[RankState], None]
    carry: Callable[[RankState, Previous], None] | None = None
    engine: bool = False
    releases: tuple[str, ...] = ()


# load ---------------------------------------------------------------------------------
def _load(st: RankState) -> None:
    p = st.params
    st.arrays = st.store.graph_arrays()
    st.edges = combine_edges(
        st.arrays,
        follow_weight=p.follow_weight,
        repost_weight=p.repost_weight,
        half_life_days=p.half_life_days,
    )
    st.n = st.arrays.n_nodes
    st.n_weighted = st.edges.m
    st.n_follows, st.n_reposts = st.arrays.n_follows, st.arrays.n_reposts
    if st.n == 0:
        raise InputError(
            "the store has no accounts to rank", hint="import edges first (kolgraph import ...)"
        )
    st.artifacts["degrees"] = st.engine.degrees(st.arrays, st.edges).to_bytes()


# pagerank -----------------------------------------------------------------------------
def _pagerank(st: RankState) -> None:
    st.pr = st.engine.pagerank(st.edges)


def _keep_pagerank(st: RankState, prev: Previous) -> None:
    scores = prev.column("pagerank", "pagerank", st.n).astype(np.float64)
    st.pr = PageRankResult(scores, 0, 0.0, "carried")


# communities --------------------------------------------------------------------------
def _summarise(st: RankState) -> None:
    # summarised here so the edge list (16 bytes per edge) is freed before the
    # quality, influence and sketch stages instead of being held to the end
    p = st.params
    st.communities = community_summary(
        st.edges,
        st.comm.membership,
        st.pr.scores,
        top=p.top_per_community,
        bridges=p.bridges_per_community,
        min_size=2,
    ).drop(columns="external_share")


def _communities(st: RankState) -> None:
    st.comm = st.engine.communities(st.edges)
    _summarise(st)


def _keep_communities(st: RankState, prev: Previous) -> None:
    p = st.params
    membership = prev.column("communities", "community", st.n).astype(np.int64)
    # scored on the current graph, as an engine's partition is
    quality = modularity(st.edges, membership, resolution=p.resolution)
    st.comm = CommunityResult(membership, quality, "modularity", p.resolution, p.seed)
    _summarise(st)


# overlap ------------------------------------------------------------------------------
def _audience(st: RankState) -> None:
    # built here rather than at load: not held while Leiden's graph is in memory
    st.audience = follower_matrix(st.arrays)
    st.audience_size = np.diff(st.audience.indptr).astype(np.int64)


def _overlap(st: RankState) -> None:
    _audience(st)
    k = min(st.params.overlap_top_k, st.n)
    top = np.argsort(-st.pr.scores, kind="stable")[:k]
    st.overlaps = st.engine.overlap(st.audience, top)


def _keep_overlap(st: RankState, prev: Previous) -> None:
    _audience(st)
    prev.check("overlap", st.n)
    # the kept pairs are among the current run's top accounts (at most MAX_OVERLAP_TOP_K)
    top, _ = st.store.list_accounts(AccountQuery(sort="pagerank", limit=MAX_OVERLAP_TOP_K))
    records = st.store.overlaps([r.key for r in top])
    expected = prev.run.counts.get("overlap_pairs")
    if expected is not None and len(records) != expected:
        raise prev.stale("overlap", "its pairs are not among the current run's top accounts")
    a = st.store.keys_to_index([r.a for r in records])
    b = st.store.keys_to_index([r.b for r in records])
    st.overlaps = pd.DataFrame(
        {
            "a": np.minimum(a, b),
            "b": np.maximum(a, b),
            "shared": np.array([r.shared for r in records], dtype=np.int64),
            "jaccard": np.array([r.jaccard for r in records], dtype=np.float64),
        }
    ).sort_values(["jaccard", "a", "b"], ascending=[False, True, True], ignore_index=True)


# quality ------------------------------------------------------------------------------
_QUALITY_COLUMNS = ("engagement", "anomaly", "flags")


def _quality(st: RankState) -> None:
    from kolgraph.rank.quality import quality_signals

    report = quality_signals(
        st.arrays,
        declared_followers=st.store.declared_followers(),
        min_followers=st.params.quality_min_followers,
        seed=st.params.seed,
    )
    st.extra["engagement"] = report.features["engagement"].to_numpy(dtype=np.float64)
    st.extra["anomaly"] = np.asarray(report.anomaly, dtype=np.float64)
    st.extra["flags"] = [f or None for f in report.flags]


def _keep_quality(st: RankState, prev: Previous) -> None:
    for col in _QUALITY_COLUMNS:
        st.extra[col] = prev.column("quality", col, st.n)


# influence ----------------------------------------------------------------------------
def _influence(st: RankState) -> None:
    from kolgraph.rank.influence.learn import edge_probabilities
    from kolgraph.rank.influence.spread import ic_spread_many

    p, n = st.params, st.n
    ig = edge_probabilities(st.arrays)
    k = min(p.influence_top_k, n)
    who = np.argsort(-st.pr.scores, kind="stable")[:k]
    spread = np.full(n, np.nan)
    if k and ig.src.size:
        # reverse-reachable sets: one sample serves every account (cost ~ runs·n)
        spread[who] = ic_spread_many(ig, who, runs=p.influence_runs, seed=p.seed, method="rr")
    st.extra["spread"] = spread
    buf = io.BytesIO()
    np.savez_compressed(buf, src=ig.src, dst=ig.dst, prob=ig.prob, n=ig.n)
    st.artifacts["edge_probabilities"] = buf.getvalue()


def _keep_influence(st: RankState, prev: Previous) -> None:
    st.extra["spread"] = prev.column("influence", "spread", st.n)
    data = prev.artifact("influence", "edge_probabilities", st.n, nodes=_npz_nodes)
    if data is not None:
        st.artifacts["edge_probabilities"] = data


# sketches -----------------------------------------------------------------------------
def _sketches(st: RankState) -> None:
    from kolgraph.rank.sketch.build import build_sketches

    p = st.params
    sk = build_sketches(st.audience, k=p.sketch_k, min_audience=p.sketch_min_audience, seed=p.seed)
    st.artifacts["sketches"] = sk.to_bytes()


def _keep_sketches(st: RankState, prev: Previous) -> None:
    data = prev.artifact("sketches", "sketches", st.n, nodes=_npz_nodes)
    if data is not None:
        st.artifacts["sketches"] = data


# engagement ---------------------------------------------------------------------------
def _engagement(st: RankState) -> None:
    from kolgraph.plan.learned import ARTIFACT, learn_from_store, to_bytes

    learned, _ = learn_from_store(st.store)
    if learned is not None:
        st.artifacts[ARTIFACT] = to_bytes(learned)


def _keep_engagement(st: RankState, prev: Previous) -> None:
    from kolgraph.plan.learned import ARTIFACT

    data = prev.artifact("engagement", ARTIFACT, st.n)
    if data is not None:
        st.artifacts[ARTIFACT] = data


# write --------------------------------------------------------------------------------
def _tiers(
    scores: npt.NDArray[np.float64], head_share: float, mid_share: float
) -> npt.NDArray[np.str_]:
    n = scores.size
    order = np.argsort(-scores, kind="stable")
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    head = max(1, int(np.ceil(n * head_share)))
    mid = max(head, int(np.ceil(n * mid_share)))
    return np.where(rank < head, "head", np.where(rank < mid, "mid", "tail"))


def _write(st: RankState) -> None:
    p = st.params
    st.scores = pd.DataFrame(
        {
            "index": np.arange(st.n),
            "pagerank": st.pr.scores,
            "community": st.comm.membership,
            "audience": st.audience_size,
            "tier": _tiers(st.pr.scores, p.head_share, p.mid_share),
            **st.extra,
        }
    )
    st.store.write_results(
        st.run_id,
        RunResults(
            scores=st.scores,
            communities=st.communities,
            overlaps=st.overlaps,
            artifacts=st.artifacts,
        ),
    )


#: The rank job's stages, in the order they run.
TABLE: tuple[Stage, ...] = (
    Stage("load", _load, engine=True),
    Stage("pagerank", _pagerank, _keep_pagerank, engine=True),
    Stage("communities", _communities, _keep_communities, engine=True, releases=("edges",)),
    Stage("overlap", _overlap, _keep_overlap, engine=True),
    Stage("quality", _quality, _keep_quality),
    # the edge arrays are done with once influence has run
    Stage("influence", _influence, _keep_influence, releases=("arrays",)),
    # the write stage does not need the audience matrix (and builds 1M-row results)
    Stage("sketches", _sketches, _keep_sketches, releases=("audience",)),
    Stage("engagement", _engagement, _keep_engagement),
    Stage("write", _write),
)
