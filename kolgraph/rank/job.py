"""The rank job: store → graph → PageRank → communities → overlap → published run."""

from __future__ import annotations

import io
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from kolgraph.errors import InputError, NotFound
from kolgraph.rank.communities import (
    CommunityResult,
    community_summary,
    leiden_communities,
    modularity,
    relabel_by_size,
)
from kolgraph.rank.graph import combine_edges, follower_matrix
from kolgraph.rank.overlap import audience_overlap
from kolgraph.rank.pagerank import PageRankResult, pagerank
from kolgraph.settings import Settings, get_settings
from kolgraph.store.base import RunInfo, RunResults, Store

__all__ = ["COMPUTE_STAGES", "STAGES", "JobResult", "RankParams", "new_run_id", "run_rank"]

#: Stages that compute something; ``RankParams.only`` picks a subset.
COMPUTE_STAGES = (
    "pagerank",
    "communities",
    "overlap",
    "quality",
    "influence",
    "sketches",
    "engagement",
)
STAGES = ("load", *COMPUTE_STAGES, "write")

#: ``progress(stage, done, total)``: called when a stage starts (done=0) and ends.
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class RankParams:
    """Parameters of a rank run (stored with the run)."""

    damping: float = 0.85
    follow_weight: float = 1.0
    repost_weight: float = 1.0
    engine: Literal["kolgraph", "gds"] = "kolgraph"
    pagerank_method: Literal["igraph", "scipy"] = "scipy"  # CSR power iteration: no graph build
    objective: Literal["modularity", "CPM"] = "modularity"
    resolution: float = 1.0
    seed: int = 42
    leiden_iterations: int = 2  # a third pass adds ~0.0001 modularity for ~30% more time
    threads: int = 1  # Leiden threads: 1 is reproducible for a seed; more is faster
    overlap_top_k: int = 300
    head_share: float = 0.01
    mid_share: float = 0.10
    top_per_community: int = 5
    bridges_per_community: int = 5
    half_life_days: float | None = None
    only: tuple[str, ...] = ()
    quality_min_followers: int = 50
    influence_top_k: int = 1000
    influence_runs: int = 20
    sketch_k: int = 128
    sketch_min_audience: int = 10

    @classmethod
    def from_settings(cls, settings: Settings | None = None, **overrides: object) -> RankParams:
        s = settings or get_settings()
        base = cls(
            damping=s.damping,
            repost_weight=s.repost_weight,
            seed=s.leiden_seed,
            overlap_top_k=s.overlap_top_k,
        )
        unknown = set(overrides) - set(asdict(base))
        if unknown:
            raise InputError(f"unknown rank parameter(s): {', '.join(sorted(unknown))}")
        return cls(**{**asdict(base), **overrides})

    def check(self) -> RankParams:
        if not 0 < self.damping < 1:
            raise InputError(f"damping must be in (0, 1), got {self.damping}")
        if self.follow_weight < 0 or self.repost_weight < 0:
            raise InputError("edge weights must be >= 0")
        if self.follow_weight == 0 and self.repost_weight == 0:
            raise InputError("follow_weight and repost_weight cannot both be 0")
        if not 2 <= self.overlap_top_k <= 5000:
            raise InputError(f"overlap_top_k must be in [2, 5000], got {self.overlap_top_k}")
        unknown = set(self.only) - set(COMPUTE_STAGES)
        if unknown:
            raise InputError(
                f"unknown stage(s) {', '.join(sorted(unknown))}",
                hint=f"stages are {', '.join(COMPUTE_STAGES)}",
            )
        if self.sketch_k < 2 or self.sketch_min_audience < 1:
            raise InputError("sketch_k must be >= 2 and sketch_min_audience >= 1")
        if self.half_life_days is not None and not self.half_life_days > 0:
            raise InputError(f"half_life_days must be positive, got {self.half_life_days}")
        if self.engine not in ("kolgraph", "gds"):
            raise InputError(f"unknown engine {self.engine!r}", hint="use kolgraph or gds")
        if self.engine == "gds" and self.half_life_days is not None:
            raise InputError(
                "--engine gds projects the stored repost weights without time decay, "
                "so it cannot apply a repost half-life",
                hint="drop --half-life, or use the default engine for decayed reposts",
            )
        if self.top_per_community < 0 or self.bridges_per_community < 0:
            raise InputError("top_per_community and bridges_per_community must be >= 0")
        if not 0 < self.head_share <= self.mid_share < 1:
            raise InputError("need 0 < head_share <= mid_share < 1")
        return self


@dataclass
class JobResult:
    """What a rank run did: id, parameters, counts, quality and timings."""

    run: RunInfo
    params: RankParams
    counts: dict[str, int] = field(default_factory=dict)
    quality: dict[str, float] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    top: pd.DataFrame = field(default_factory=pd.DataFrame)


def new_run_id() -> str:
    """A sortable, unique run id such as ``20261126T071900-3fa2c1``."""
    return time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + "-" + secrets.token_hex(3)


def _tiers(scores: np.ndarray, head_share: float, mid_share: float) -> np.ndarray:
    n = scores.size
    order = np.argsort(-scores, kind="stable")
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    head = max(1, int(np.ceil(n * head_share)))
    mid = max(head, int(np.ceil(n * mid_share)))
    return np.where(rank < head, "head", np.where(rank < mid, "mid", "tail"))


def run_rank(
    store: Store,
    *,
    params: RankParams | None = None,
    progress: Progress | None = None,
    run_id: str | None = None,
) -> JobResult:
    """Rank every account and publish the results as a new run.

    The run is written under its own id and published atomically at the end;
    if any stage fails the run is marked failed and the previous run stays
    current. Running the job again simply produces a new run.
    """
    params = (params or RankParams.from_settings()).check()
    rid = run_id or new_run_id()
    timings: dict[str, float] = {}

    def tick(stage: str, done: int) -> None:
        if progress is not None:
            progress(stage, done, 1)

    @contextmanager
    def stage(name: str) -> Iterator[None]:
        tick(name, 0)
        t = time.perf_counter()
        yield
        timings[name] = round(time.perf_counter() - t, 4)
        tick(name, 1)

    def wanted(name: str) -> bool:
        return not params.only or name in params.only

    previous: pd.DataFrame | None = None
    if params.only:
        if store.current_run() is None:
            raise InputError(
                "--only recomputes some stages and keeps the rest from the current run, "
                "but there is no current run",
                hint="run the full job once (kolgraph rank)",
            )
        previous = store.current_scores()

    def carried(column: str) -> npt.NDArray[Any]:
        assert previous is not None
        values = previous[column]
        if len(values) != n or values.isna().any():
            raise InputError(
                f"cannot keep {column} from the current run: accounts were added since",
                hint="run the full job (without --only)",
            )
        return values.to_numpy()

    stack = ExitStack()
    if params.engine == "gds":
        from kolgraph.rank.gds import require_gds

        extra_params = {"gds_version": require_gds(store)}  # fails before the run starts
    else:
        extra_params = {}
    store.start_run(rid, {**asdict(params), **extra_params})
    try:
        with stage("load"):
            arrays = store.graph_arrays()
            edges = combine_edges(
                arrays,
                follow_weight=params.follow_weight,
                repost_weight=params.repost_weight,
                half_life_days=params.half_life_days,
            )
        n = arrays.n_nodes
        if n == 0:
            raise InputError(
                "the store has no accounts to rank", hint="import edges first (kolgraph import ...)"
            )
        session = None
        if params.engine == "gds" and (wanted("pagerank") or wanted("communities")):
            from kolgraph.rank.gds import GdsSession, gds_communities, gds_pagerank

            session = stack.enter_context(
                GdsSession(
                    store,
                    n=n,
                    follow_weight=params.follow_weight,
                    repost_weight=params.repost_weight,
                )
            )
        with stage("pagerank"):
            if not wanted("pagerank"):
                pr = PageRankResult(carried("pagerank").astype(np.float64), 0, 0.0, "carried")
            elif session is None:
                pr = pagerank(edges, damping=params.damping, method=params.pagerank_method)
            else:
                pr = PageRankResult(gds_pagerank(session, n, damping=params.damping), 0, 0.0, "gds")
        with stage("communities"):
            membership: npt.NDArray[np.int64] | None = None
            if not wanted("communities"):  # keep the current run's
                membership = carried("community").astype(np.int64)
            elif session is not None:
                membership = relabel_by_size(
                    gds_communities(session, n, resolution=params.resolution, seed=params.seed)
                )
            if membership is None:
                comm = leiden_communities(
                    edges,
                    objective=params.objective,
                    resolution=params.resolution,
                    seed=params.seed,
                    n_iterations=params.leiden_iterations,
                    threads=params.threads,
                )
            else:  # carried or computed by GDS: score it the same way
                comm = CommunityResult(
                    membership,
                    modularity(edges, membership, resolution=params.resolution),
                    "modularity",
                    params.resolution,
                    params.seed,
                )
            # summarised here so the edge list (16 bytes per edge) is freed before the
            # quality, influence and sketch stages instead of being held to the end
            communities = community_summary(
                edges,
                comm.membership,
                pr.scores,
                top=params.top_per_community,
                bridges=params.bridges_per_community,
                min_size=2,
            ).drop(columns="external_share")
        stack.close()
        n_weighted = edges.m
        del edges
        with stage("overlap"):
            # built here rather than at load: not held while Leiden's graph is in memory
            audience = follower_matrix(arrays)
            audience_size = np.diff(audience.indptr).astype(np.int64)
            k = min(params.overlap_top_k, n)
            top = np.argsort(-pr.scores, kind="stable")[:k]
            overlaps = audience_overlap(audience, top)
        extra: dict[str, Any] = {}
        with stage("quality"):
            if wanted("quality"):
                from kolgraph.rank.quality import quality_signals

                declared = store.declared_followers()
                report = quality_signals(
                    arrays,
                    declared_followers=declared,
                    min_followers=params.quality_min_followers,
                    seed=params.seed,
                )
                extra["engagement"] = report.features["engagement"].to_numpy(dtype=np.float64)
                extra["anomaly"] = np.asarray(report.anomaly, dtype=np.float64)
                extra["flags"] = [f or None for f in report.flags]
                del report, declared  # keep only what is written
            elif previous is not None:
                for col in ("engagement", "anomaly", "flags"):
                    extra[col] = previous[col].to_numpy()
        artifacts: dict[str, bytes] = {}
        with stage("influence"):
            if wanted("influence"):
                from kolgraph.rank.influence import edge_probabilities, ic_spread_many

                ig_ = edge_probabilities(arrays)
                k_inf = min(params.influence_top_k, n)
                who = np.argsort(-pr.scores, kind="stable")[:k_inf]
                spread = np.full(n, np.nan)
                if k_inf and ig_.src.size:
                    # reverse-reachable sets: one sample serves every account (cost ~ runs·n)
                    spread[who] = ic_spread_many(
                        ig_, who, runs=params.influence_runs, seed=params.seed, method="rr"
                    )
                extra["spread"] = spread
                buf = io.BytesIO()
                np.savez_compressed(buf, src=ig_.src, dst=ig_.dst, prob=ig_.prob, n=ig_.n)
                artifacts["edge_probabilities"] = buf.getvalue()
                del ig_, buf
            elif previous is not None:
                extra["spread"] = previous["spread"].to_numpy()
                cur = store.current_run()
                if cur is not None:
                    with suppress(NotFound):
                        artifacts["edge_probabilities"] = store.run_artifact(
                            cur.id, "edge_probabilities"
                        )
        n_follows, n_reposts = arrays.n_follows, arrays.n_reposts
        del arrays  # the edge arrays are done with once influence has run
        with stage("sketches"):
            if wanted("sketches"):
                from kolgraph.rank.sketch import build_sketches

                sk = build_sketches(
                    audience,
                    k=params.sketch_k,
                    min_audience=params.sketch_min_audience,
                    seed=params.seed,
                )
                artifacts["sketches"] = sk.to_bytes()
                del sk
            else:
                cur = store.current_run()
                if cur is not None:
                    with suppress(NotFound):
                        artifacts["sketches"] = store.run_artifact(cur.id, "sketches")
        del audience  # the write stage does not need it (and builds 1M-row results)
        with stage("engagement"):
            from kolgraph.plan.learned import ARTIFACT, learn_from_store, to_bytes

            if wanted("engagement"):
                learned, _ = learn_from_store(store)
                if learned is not None:
                    artifacts[ARTIFACT] = to_bytes(learned)
                    del learned
            else:
                cur = store.current_run()
                if cur is not None:
                    with suppress(NotFound):
                        artifacts[ARTIFACT] = store.run_artifact(cur.id, ARTIFACT)
        with stage("write"):
            membership = comm.membership
            sizes = comm.sizes()
            scores = pd.DataFrame(
                {
                    "index": np.arange(n),
                    "pagerank": pr.scores,
                    "community": membership,
                    "audience": audience_size,
                    "tier": _tiers(pr.scores, params.head_share, params.mid_share),
                    **extra,
                }
            )
            store.write_results(
                rid,
                RunResults(
                    scores=scores,
                    communities=communities,
                    overlaps=overlaps,
                    artifacts=artifacts,
                ),
            )
        counts = {
            "flagged": int(sum(1 for f in extra.get("flags", []) if f)),
            "accounts": n,
            "follows": n_follows,
            "reposts": n_reposts,
            "weighted_edges": n_weighted,
            "communities": len(communities),
            "overlap_pairs": len(overlaps),
            "engagement_model": int(ARTIFACT in artifacts),
        }
        quality = {
            "modularity": round(comm.quality, 6),
            "largest_community_share": round(float(sizes.max() / n), 6),
        }
        run = store.publish_run(rid, counts=counts, timings=timings, quality=quality)
    except BaseException as exc:
        try:
            store.fail_run(rid, f"{type(exc).__name__}: {exc}")
        finally:
            stack.close()
        raise
    return JobResult(
        run=run,
        params=params,
        counts=counts,
        quality=quality,
        timings=timings,
        top=scores.iloc[np.lexsort((np.arange(n), -pr.scores))[:20]].reset_index(drop=True),
    )
