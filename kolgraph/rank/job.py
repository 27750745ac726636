"""The rank job: every stage of :data:`STAGES` over the store's graph, published as one run.

``load`` → ``pagerank`` → ``communities`` → ``overlap`` → ``quality`` → ``influence`` →
``sketches`` → ``engagement`` → ``write``: the stages are the table
:data:`kolgraph.rank.stages.TABLE` (what each computes, and what it keeps from the
current run when ``RankParams.only`` leaves it out). :func:`run_rank` runs the table
in one loop that times every stage, reports its progress, keeps the results of the
stages ``only`` leaves out (checked against the current graph) and publishes the run
atomically. PageRank and communities are computed by the rank engine that
``RankParams.engine`` names (:mod:`kolgraph.rank.engine`).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from kolgraph.errors import InputError
from kolgraph.rank.engine import ENGINES
from kolgraph.rank.stages import MAX_OVERLAP_TOP_K, TABLE, Previous, RankState
from kolgraph.settings import Settings, get_settings
from kolgraph.store.base import RunInfo, Store

__all__ = ["COMPUTE_STAGES", "STAGES", "JobResult", "RankParams", "new_run_id", "run_rank"]

#: Stages that compute something; ``RankParams.only`` picks a subset.
COMPUTE_STAGES = tuple(stage.name for stage in TABLE if stage.carry is not None)
#: Every stage, in the order the job runs them (``load`` first, ``write`` last).
STAGES = tuple(stage.name for stage in TABLE)

#: ``progress(stage, done, total)``: called when a stage starts (done=0) and ends.
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class RankParams:
    """Parameters of a rank run (stored with the run).

    ``only`` names the stages to recompute (of :data:`COMPUTE_STAGES`); the others
    keep the current run's results. Empty (the default) recomputes every stage.
    """

    damping: float = 0.85
    follow_weight: float = 1.0
    repost_weight: float = 1.0
    engine: Literal["kolgraph", "gds", "spark"] = "kolgraph"
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
    spark_master: str = "local[*]"
    spark_conf: tuple[str, ...] = ()  # "key=value" items
    spark_source: str = "store"

    @classmethod
    def from_settings(cls, settings: Settings | None = None, **overrides: object) -> RankParams:
        """The settings' rank parameters (``KOLGRAPH_*``) with ``overrides``.

        Raises
        ------
        InputError
            If an override names no parameter.
        """
        s = settings or get_settings()
        base = cls(
            damping=s.damping,
            repost_weight=s.repost_weight,
            seed=s.leiden_seed,
            overlap_top_k=s.overlap_top_k,
            spark_master=s.spark_master,
            spark_conf=tuple(f"{k}={v}" for k, v in sorted(s.spark_conf.items())),
            spark_source=s.spark_source,
        )
        unknown = set(overrides) - set(asdict(base))
        if unknown:
            raise InputError(f"unknown rank parameter(s): {', '.join(sorted(unknown))}")
        return cls(**{**asdict(base), **overrides})

    def check(self) -> RankParams:
        """``self`` if every parameter is valid, else :class:`InputError` on the first bad one."""
        if not 0 < self.damping < 1:
            raise InputError(f"damping must be in (0, 1), got {self.damping}")
        if self.follow_weight < 0 or self.repost_weight < 0:
            raise InputError("edge weights must be >= 0")
        if self.follow_weight == 0 and self.repost_weight == 0:
            raise InputError("follow_weight and repost_weight cannot both be 0")
        if not 2 <= self.overlap_top_k <= MAX_OVERLAP_TOP_K:
            raise InputError(
                f"overlap_top_k must be in [2, {MAX_OVERLAP_TOP_K}], got {self.overlap_top_k}"
            )
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
        if self.engine not in ENGINES:
            raise InputError(f"unknown engine {self.engine!r}", hint=f"use {' or '.join(ENGINES)}")
        if self.engine == "gds" and self.half_life_days is not None:
            raise InputError(
                "--engine gds projects the stored repost weights without time decay, "
                "so it cannot apply a repost half-life",
                hint="drop --half-life, or use the default engine for decayed reposts",
            )
        if self.engine == "spark":
            from kolgraph.rank.spark.session import parse_conf
            from kolgraph.rank.spark.source import parse_source

            parse_conf(self.spark_conf)
            parse_source(self.spark_source)
        if self.top_per_community < 0 or self.bridges_per_community < 0:
            raise InputError("top_per_community and bridges_per_community must be >= 0")
        if not 0 < self.head_share <= self.mid_share < 1:
            raise InputError("need 0 < head_share <= mid_share < 1")
        return self

    def recorded(self) -> dict[str, object]:
        """The parameters as stored with the run: secret-looking Spark settings redacted."""
        from kolgraph.rank.spark.session import parse_conf, redact_conf

        out = asdict(self)
        conf = redact_conf(parse_conf(self.spark_conf))
        out["spark_conf"] = [f"{k}={v}" for k, v in conf.items()]
        return out

    def recomputes(self, stage: str) -> bool:
        """Whether this run computes ``stage`` rather than keeping the current run's."""
        return not self.only or stage in self.only


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


def _run_stages(
    state: RankState, previous: Previous | None, progress: Progress | None
) -> dict[str, float]:
    """Run every stage of the table in order; their timings in seconds."""
    timings: dict[str, float] = {}
    last_engine_stage = max(i for i, stage in enumerate(TABLE) if stage.engine)
    for i, stage in enumerate(TABLE):
        if progress is not None:
            progress(stage.name, 0, 1)
        t = time.perf_counter()
        if stage.carry is None or state.params.recomputes(stage.name):
            stage.compute(state)
        else:
            assert previous is not None  # RankParams.only is set: run_rank read it
            stage.carry(state, previous)
        timings[stage.name] = round(time.perf_counter() - t, 4)
        if progress is not None:
            progress(stage.name, 1, 1)
        if i == last_engine_stage:
            state.engine.close()
        state.release(stage.releases)
    return timings


def run_rank(
    store: Store,
    *,
    params: RankParams | None = None,
    progress: Progress | None = None,
    run_id: str | None = None,
) -> JobResult:
    """Rank every account and publish the results as a new run.

    Runs the stages of :data:`STAGES` in order (see :mod:`kolgraph.rank.stages`).
    The run is written under its own id and published atomically at the end;
    if any stage fails the run is marked failed and the previous run stays
    current. Running the job again simply produces a new run.

    Raises
    ------
    InputError
        On bad parameters, an engine that cannot run on this store, ``only``
        without a current run or with a kept result that no longer fits the
        graph, or a store without accounts.
    """
    params = (params or RankParams.from_settings()).check()
    rid = run_id or new_run_id()
    previous = Previous.of(store) if params.only else None
    engine = ENGINES[params.engine](store, params)
    engine_params = engine.run_params()  # fails before the run starts
    store.start_run(rid, {**params.recorded(), **engine_params})
    state = RankState(store, params, engine, rid)
    try:
        timings = _run_stages(state, previous, progress)
        from kolgraph.plan.learned import ARTIFACT

        n, pr, comm = state.n, state.pr, state.comm
        counts = {
            "flagged": state.flagged,
            "accounts": n,
            "follows": state.n_follows,
            "reposts": state.n_reposts,
            "weighted_edges": state.n_weighted,
            "communities": len(state.communities),
            "overlap_pairs": len(state.overlaps),
            "engagement_model": int(ARTIFACT in state.artifacts),
        }
        quality = {
            "modularity": round(comm.quality, 6),
            "largest_community_share": round(float(comm.sizes().max() / n), 6),
        }
        run = store.publish_run(rid, counts=counts, timings=timings, quality=quality)
    except BaseException as exc:
        try:
            store.fail_run(rid, f"{type(exc).__name__}: {exc}")
        finally:
            engine.close()
        raise
    return JobResult(
        run=run,
        params=params,
        counts=counts,
        quality=quality,
        timings=timings,
        top=state.scores.iloc[np.lexsort((np.arange(n), -pr.scores))[:20]].reset_index(drop=True),
    )
