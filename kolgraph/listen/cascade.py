r"""A topic's cascade, kept up to date one event at a time: who adopted it, who moved whom,
which communities it reached and through which bridges.

Credit for downstream engagement
--------------------------------
Every account that takes part in a topic (the *author* of one of its events) is an
*adopter*; its *parent* is the ``parent_author`` of its first event in the topic (the
account it reposted, replied to or mentioned), so adopters form a forest. An event
:math:`e` with parent :math:`p_0` credits the chain
:math:`p_0, p_1 = \mathrm{parent}(p_0), \dots` (cut at :data:`MAX_DEPTH`, and at an
account met twice): each gets one unit of *downstream engagement* for it, and, when the
event's author adopts the topic with it, one *moved* adopter. So

.. math::

    \mathrm{downstream}(u) = |\{e : u \in \mathrm{chain}(e)\}|

counts the events an account caused directly or through the accounts it moved, not the
events it posted. The windowed variant counts only events of the last ``window``
seconds of event time.

Communities and bridges
-----------------------
Each adopter's community is the current rank run's. The topic *reaches* a community
with its first adopter there; when that adopter's parent belongs to another community,
the parent is a *bridge*: it carried the topic into a new community.

The state depends only on the events and the order they are applied in (event time,
then arrival): :func:`replay` over the stored events gives the state the listener kept.
"""

from __future__ import annotations

import heapq
from collections import Counter, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kolgraph.store.listenstate import EventRecord

__all__ = ["MAX_DEPTH", "AccountContext", "TopicCascade", "replay"]

#: the longest chain of parents an event credits
MAX_DEPTH = 64


@dataclass(frozen=True)
class AccountContext:
    """What the current rank run says about accounts: community, quality flags, followers."""

    run_id: str | None = None
    community: Mapping[str, int] = field(default_factory=dict)
    flags: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    followers: Mapping[str, float] = field(default_factory=dict)


@dataclass
class _Reach:
    adopters: int
    first_ts: int
    entry: str
    bridge: str | None


class TopicCascade:
    """The incremental cascade of one topic (see the module docstring).

    Parameters
    ----------
    context
        Communities, flags and followers of accounts.
    window
        Seconds of event time the windowed downstream counts cover.
    """

    def __init__(self, context: AccountContext, *, window: int = 6 * 3600) -> None:
        self.context = context
        self.window = window
        self.events = 0
        self.first_ts: int | None = None
        self.last_ts: int | None = None
        self.adopters: dict[str, int] = {}
        self.parent: dict[str, str | None] = {}
        self.children: dict[str, list[str]] = {}
        self.downstream: Counter[str] = Counter()
        self.moved: Counter[str] = Counter()
        self.direct: Counter[str] = Counter()
        self.posted: Counter[str] = Counter()
        self.bridges: Counter[str] = Counter()
        self.reach: dict[int, _Reach] = {}
        self._recent: deque[tuple[int, tuple[str, ...]]] = deque()
        self.recent: Counter[str] = Counter()

    # updates -------------------------------------------------------------------
    def chain(self, start: str | None) -> tuple[str, ...]:
        """The accounts an event whose parent is ``start`` credits."""
        out: list[str] = []
        seen: set[str] = set()
        node = start
        while node is not None and node not in seen and len(out) < MAX_DEPTH:
            out.append(node)
            seen.add(node)
            node = self.parent.get(node)
        return tuple(out)

    def apply(self, event: EventRecord) -> bool:
        """Add one event; whether its author adopted the topic with it."""
        ts, author, parent = event.ts, event.author, event.parent_author
        self.events += 1
        if self.last_ts is None:
            self.first_ts = self.last_ts = ts
        elif ts > self.last_ts:
            self.last_ts = ts
        self.posted[author] += 1
        if parent == author:
            parent = None
        credited = self.chain(parent)
        if parent is not None:
            self.direct[parent] += 1
        for node in credited:
            self.downstream[node] += 1
        new = author not in self.adopters
        if new:
            self.adopters[author] = ts
            self.parent[author] = parent
            if parent is not None:
                self.children.setdefault(parent, []).append(author)
            for node in credited:
                self.moved[node] += 1
            self._reach(author, parent, ts)
        if credited:
            self._recent.append((ts, credited))
            recent = self.recent
            for node in credited:
                recent[node] += 1
        if self._recent and self._recent[0][0] < self.last_ts - self.window:
            self._expire()
        return new

    def _reach(self, author: str, parent: str | None, ts: int) -> None:
        community = self.context.community.get(author)
        if community is None:
            return
        known = self.reach.get(community)
        if known is not None:
            known.adopters += 1
            return
        bridge = None
        if parent is not None:
            parent_community = self.context.community.get(parent)
            if parent_community is not None and parent_community != community:
                bridge = parent
                self.bridges[parent] += 1
        self.reach[community] = _Reach(1, ts, author, bridge)

    def _expire(self) -> None:
        if self.last_ts is None:
            return
        horizon = self.last_ts - self.window
        recent, counts = self._recent, self.recent
        while recent and recent[0][0] < horizon:
            _, credited = recent.popleft()
            for node in credited:
                left = counts[node] - 1
                if left > 0:
                    counts[node] = left
                else:
                    del counts[node]

    # reads ---------------------------------------------------------------------
    def amplifiers(self, top: int = 20) -> list[dict[str, Any]]:
        """The accounts driving the topic in the window, most downstream engagement first.

        Ties go to more downstream engagement over the whole topic, then the key.
        """
        down = self.downstream
        ranked = heapq.nsmallest(
            top, self.recent.items(), key=lambda kv: (-kv[1], -down[kv[0]], kv[0])
        )
        return [self.describe(key, recent=count) for key, count in ranked]

    def describe(self, key: str, *, recent: int | None = None) -> dict[str, Any]:
        """One account's part in the topic."""
        flags = self.context.flags.get(key, ())
        return {
            "key": key,
            "downstream_recent": self.recent.get(key, 0) if recent is None else recent,
            "downstream": self.downstream[key],
            "moved": self.moved[key],
            "direct": self.direct[key],
            "posted": self.posted[key],
            "bridged": self.bridges[key],
            "community": self.context.community.get(key),
            "flagged": bool(flags),
            "flags": list(flags),
        }

    def communities(self) -> list[dict[str, Any]]:
        """Communities reached, in the order reached."""
        rows = sorted(self.reach.items(), key=lambda kv: (kv[1].first_ts, kv[0]))
        return [
            {
                "community": c,
                "adopters": r.adopters,
                "first_ts": r.first_ts,
                "entry": r.entry,
                "bridge": r.bridge,
            }
            for c, r in rows
        ]

    def top_bridges(self, top: int = 10) -> list[dict[str, Any]]:
        """Accounts that carried the topic into the most new communities."""
        ranked = sorted(self.bridges.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
        return [self.describe(key) for key, _ in ranked]

    def paths(self, top: int = 3, *, longest: int = 12) -> list[list[dict[str, Any]]]:
        """The main paths: from each of the ``top`` roots that moved the most adopters,
        follow the child that moved the most (itself included), ``longest`` steps at most."""
        parent, moved = self.parent, self.moved
        roots = heapq.nsmallest(
            top,
            (k for k in moved if parent.get(k) is None),
            key=lambda k: (-moved[k], k),
        )
        out: list[list[dict[str, Any]]] = []
        for root in roots[:top]:
            path: list[dict[str, Any]] = []
            node: str | None = root
            seen: set[str] = set()
            while node is not None and node not in seen and len(path) < longest:
                seen.add(node)
                path.append({"key": node, "moved": self.moved[node]})
                kids = self.children.get(node, [])
                node = max(kids, key=lambda k: (self.moved[k], k)) if kids else None
            out.append(path)
        return out


def replay(
    events: Iterable[EventRecord], context: AccountContext, *, window: int = 6 * 3600
) -> TopicCascade:
    """A topic's cascade from its events in the order given (event time, then arrival)."""
    cascade = TopicCascade(context, window=window)
    for event in events:
        cascade.apply(event)
    return cascade
