"""The demo job's store side: writing a synthetic network to a store, and recognising it there.

:func:`load_demo` writes a :class:`~kolgraph.synth.DemoNetwork` from
:func:`~kolgraph.synth.generate_demo` to any :class:`~kolgraph.store.base.Store`
(accounts, then follows, then reposts; loading it again adds nothing).
:func:`is_loaded` tells whether a store already holds exactly that network, so
``kolgraph demo`` reuses a store it filled before and refuses one holding other data.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from kolgraph.arrays import I64
from kolgraph.errors import InputError
from kolgraph.model import Account, Action, Kind
from kolgraph.store.base import Store
from kolgraph.store.batches import RepostBatch
from kolgraph.synth import DemoNetwork

__all__ = ["is_loaded", "load_demo"]


def load_demo(
    store: Store,
    net: DemoNetwork,
    *,
    batch_size: int = 200_000,
    progress: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Write a demo network to a store: accounts, then follows, then reposts.

    Parameters
    ----------
    store
        Any :class:`~kolgraph.store.base.Store`.
    net
        The network from :func:`generate_demo`.
    batch_size
        Rows per store call.
    progress
        Called after each batch with the number of rows (accounts or edges) it
        held.

    Returns
    -------
    dict
        ``{"accounts", "follows", "reposts"}``: how many were new. Loading the
        same network twice adds nothing the second time.

    Raises
    ------
    InputError
        If ``batch_size`` is not positive.
    """
    if batch_size < 1:
        raise InputError(f"batch_size must be >= 1, got {batch_size}")
    keys = net.keys()
    acc = net.accounts
    ids = acc["account_id"].tolist()
    names = acc["name"].tolist()
    kinds = [Kind(k) for k in acc["kind"].tolist()]
    followers = acc["followers"].astype(np.int64).tolist()
    cost = [None if math.isnan(c) else c for c in acc["cost"].astype(np.float64).tolist()]

    def step(done: int) -> None:
        if progress is not None:
            progress(done)

    counts = {"accounts": 0, "follows": 0, "reposts": 0}
    for lo in range(0, len(ids), batch_size):
        hi = min(len(ids), lo + batch_size)
        counts["accounts"] += store.upsert_accounts(
            Account(net.platform, ids[i], names[i], kinds[i], followers[i], cost[i])
            for i in range(lo, hi)
        )
        step(hi - lo)
    for lo in range(0, net.n_follows, batch_size):
        hi = min(net.n_follows, lo + batch_size)
        counts["follows"] += store.add_follows(
            keys[net.follow_src[lo:hi]].tolist(), keys[net.follow_dst[lo:hi]].tolist()
        )
        step(hi - lo)
    for lo in range(0, net.n_reposts, batch_size):
        hi = min(net.n_reposts, lo + batch_size)
        batch = RepostBatch.from_columns(
            keys[net.repost_src[lo:hi]].tolist(),
            keys[net.repost_dst[lo:hi]].tolist(),
            net.repost_post[lo:hi].tolist(),
            net.repost_ts[lo:hi],
            [Action.REPOST.value] * (hi - lo),
        )
        counts["reposts"] += store.add_reposts(batch)
        step(hi - lo)
    return counts


def is_loaded(store: Store, net: DemoNetwork, *, sample: int = 500) -> bool:
    """Whether ``store`` holds exactly the network ``net`` (and nothing else).

    The store must hold every account of ``net`` and no other, as many follow
    and repost edges, and ``sample`` follow edges of ``net`` taken evenly from
    its edge list. Checking a sample keeps this fast on millions of edges: two
    networks of the same size from different seeds share almost no edge.

    Parameters
    ----------
    store, net
        The store to look in and a network from :func:`generate_demo`.
    sample
        Follow edges looked up in the store.

    Returns
    -------
    bool
        True when :func:`load_demo` of ``net`` would add nothing.
    """
    counts = store.counts()
    keys = net.keys()
    if (counts.accounts, counts.follows, counts.reposts) != (
        len(keys),
        net.n_follows,
        net.n_reposts,
    ):
        return False
    known = store.keys_to_index(list(keys))
    if not bool((known >= 0).all()):
        return False
    pick = np.linspace(0, net.n_follows - 1, min(sample, net.n_follows)).astype(np.int64)
    return _has_edges(store, known[net.follow_src[pick]], known[net.follow_dst[pick]])


def _has_edges(store: Store, src: I64, dst: I64) -> bool:
    """Whether the store has a follow edge ``src[i] → dst[i]`` (dense indices) for every ``i``.

    Only the stored edges leaving one of ``src`` are encoded (as
    ``src * n_nodes + dst``) and sorted; each wanted edge is then one binary
    search.
    """
    if not src.size:
        return True
    g = store.graph_arrays()
    from_src = np.zeros(g.n_nodes, dtype=bool)
    from_src[src] = True
    keep = from_src[g.follow_src]
    stored = np.sort(g.follow_src[keep].astype(np.int64) * g.n_nodes + g.follow_dst[keep])
    wanted = src * g.n_nodes + dst
    if not stored.size:
        return False
    pos = np.minimum(np.searchsorted(stored, wanted), stored.size - 1)
    return bool((stored[pos] == wanted).all())
