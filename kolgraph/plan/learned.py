"""The engagement model of a store: fitted by the rank job, kept with its run.

The rank job's ``engagement`` stage calls :func:`learn_from_store` and keeps the
result as the run artifact ``engagement_model``; plans read it back with
:func:`load_learned`, so a plan costs a greedy pass, not a model fit. The
artifact is a pickle written by kolgraph itself into the store it reads from.
"""

from __future__ import annotations

import pickle
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from kolgraph.errors import InputError, NotFound
from kolgraph.plan.backtest import (
    BacktestParams,
    BacktestResult,
    LearnedPlanner,
    learn,
    run_backtest,
)
from kolgraph.plan.cascades import cascades_from_store

if TYPE_CHECKING:
    from kolgraph.store.base import Store

__all__ = [
    "ARTIFACT",
    "FORMAT",
    "MIN_CASCADES",
    "backtest_store",
    "learn_from_store",
    "load_learned",
]

#: version of the stored engagement model; a model in another format must be refitted
FORMAT = 2
_TAG = "kolgraph-engagement-model"

ARTIFACT = "engagement_model"
MIN_CASCADES = 50


def learn_from_store(
    store: Store, *, params: BacktestParams | None = None
) -> tuple[LearnedPlanner | None, str]:
    """Fit on every timestamped cascade of ``store``; ``(None, why)`` when it cannot."""
    try:
        cascades = cascades_from_store(store)
    except InputError as exc:
        return None, exc.message
    if cascades.n_cascades < MIN_CASCADES:
        return None, (
            f"only {cascades.n_cascades} timestamped cascades (at least {MIN_CASCADES} are "
            "needed to learn and check an engagement model)"
        )
    follows = store_follows(store)
    try:
        planner = learn(cascades, follows=follows, params=params)
    except InputError as exc:
        return None, exc.message
    return planner, f"learned from {cascades.n_cascades:,} cascades"


def store_follows(store: Store) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]] | None:
    """``(follower, followed)`` dense indices of the store's follow edges, or ``None``."""
    g = store.graph_arrays()
    if not g.n_follows:
        return None
    return g.follow_src.astype(np.int64), g.follow_dst.astype(np.int64)


def to_bytes(planner: LearnedPlanner) -> bytes:
    """The planner without its feature matrices, pickled with its format version."""
    return pickle.dumps((_TAG, FORMAT, planner.slim()), protocol=pickle.HIGHEST_PROTOCOL)


def load_learned(store: Store, run_id: str) -> LearnedPlanner | None:
    """The engagement model kept with run ``run_id``, or ``None`` if it has none.

    Raises
    ------
    InputError
        If the run keeps a model in another format (written by another version of
        kolgraph): the fix is to refit it with ``kolgraph rank --only engagement``.
    """
    try:
        blob = store.run_artifact(run_id, ARTIFACT)
    except NotFound:
        return None
    try:
        tag, version, planner = pickle.loads(blob)
    except (ValueError, TypeError, AttributeError, ImportError, pickle.UnpicklingError):
        tag, version, planner = None, None, None
    if tag != _TAG or version != FORMAT or not isinstance(planner, LearnedPlanner):
        raise InputError(
            f"the engagement model of run {run_id} was stored in another format than this "
            f"version of kolgraph reads (format {FORMAT})",
            hint="refit it: kolgraph rank --only engagement",
        )
    return planner


def backtest_store(store: Store, *, params: BacktestParams | None = None) -> BacktestResult:
    """:func:`~kolgraph.plan.backtest.run_backtest` on every timestamped cascade of ``store``.

    Raises
    ------
    InputError
        If the store has no timestamped cascades, or too few to split.
    """
    cascades = cascades_from_store(store)
    follows = store_follows(store)
    return run_backtest(cascades, follows=follows, params=params)
