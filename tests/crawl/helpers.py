"""Helpers shared by the crawl tests."""

from __future__ import annotations

from kolgraph.model import EdgeType
from kolgraph.store import Store

Edges = tuple[frozenset[tuple[str, str]], frozenset[tuple[str, str, str, int, str]]]


def edges(store: Store) -> Edges:
    """Every follow and repost edge of a store, as sets."""
    follows = {
        (s, d)
        for batch in store.iter_edges(EdgeType.FOLLOW)
        for s, d in zip(batch["src"], batch["dst"], strict=True)
    }
    reposts = {
        (s, d, str(p), int(t), str(a))
        for batch in store.iter_edges(EdgeType.REPOST)
        for s, d, p, t, a in zip(
            batch["src"], batch["dst"], batch["post_id"], batch["ts"], batch["action"], strict=True
        )
    }
    return frozenset(follows), frozenset(reposts)
