"""Account keys to node indices, and the audience rows of a few accounts."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from kolgraph.errors import InputError
from kolgraph.store.base import Store

__all__ = [
    "AccountLabels",
    "account_labels",
    "closest_key",
    "resolve_keys",
    "unknown_keys_error",
]

#: Stored keys compared with an unknown key, at most (the ones closest in length first).
_MAX_COMPARED = 20_000


def closest_key(key: str, stored: Sequence[str]) -> str | None:
    """The stored key most like ``key`` (:func:`difflib.get_close_matches`), or None.

    Only keys of the same platform (the part before ``:``) are compared when there
    are any, and of those at most :data:`_MAX_COMPARED`, closest in length first,
    so a suggestion costs milliseconds even in a store of millions of accounts.
    """
    platform = key.partition(":")[0] + ":"
    pool = [k for k in stored if k.startswith(platform)] or list(stored)
    if len(pool) > _MAX_COMPARED:
        pool.sort(key=lambda k: abs(len(k) - len(key)))
        pool = pool[:_MAX_COMPARED]
    found = difflib.get_close_matches(key, pool, n=1, cutoff=0.6)
    return found[0] if found else None


def unknown_keys_error(unknown: Sequence[str], stored: Sequence[str]) -> InputError:
    """One :class:`InputError` naming every unknown key with the closest stored key."""
    parts = []
    for k in unknown:
        near = closest_key(k, stored)
        parts.append(f"{k} (did you mean {near}?)" if near else f"{k} (no similar key)")
    return InputError(
        f"{len(unknown)} unknown account(s): {'; '.join(parts)}",
        hint="check the keys ('platform:account_id'); `kolgraph accounts` lists the stored ones",
    )


def resolve_keys(store: Store, keys: Sequence[str]) -> npt.NDArray[np.int64]:
    """Dense indices of ``keys`` (in order); every unknown key in one :class:`InputError`."""
    idx = store.keys_to_index(list(keys)).astype(np.int64)
    unknown = [k for k, i in zip(keys, idx.tolist(), strict=True) if i < 0]
    if unknown:
        stored = store.accounts_frame()["key"].astype(str).tolist()
        raise unknown_keys_error(unknown, stored)
    return idx


@dataclass(frozen=True)
class AccountLabels:
    """Key, name, kind and cost (None when unknown) of some accounts, as Python lists."""

    keys: list[str]
    names: list[str]
    kinds: list[str]
    costs: list[float | None]


def account_labels(frame: pd.DataFrame, nodes: npt.ArrayLike) -> AccountLabels:
    """The labels of ``nodes`` from :meth:`~kolgraph.store.base.Store.accounts_frame`."""
    idx = np.asarray(nodes, dtype=np.int64)
    cost = frame["cost"].to_numpy(dtype=np.float64)[idx]
    return AccountLabels(
        keys=frame["key"].astype(str).to_numpy()[idx].tolist(),
        names=frame["name"].fillna("").astype(str).to_numpy()[idx].tolist(),
        kinds=frame["kind"].astype(str).to_numpy()[idx].tolist(),
        costs=[None if np.isnan(c) else float(c) for c in cost.tolist()],
    )
