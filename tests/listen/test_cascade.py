"""A topic's cascade: credits checked against networkx descendants on random cascades."""

from __future__ import annotations

import random

import networkx as nx

from kolgraph.listen.cascade import AccountContext, TopicCascade, replay
from kolgraph.store.listenstate import EventRecord


def _event(i: int, author: str, parent: str | None, ts: int) -> EventRecord:
    return EventRecord(
        id=f"e{i}",
        platform="x",
        type="post" if parent is None else "repost",
        author=author,
        ts=ts,
        parent_author=parent,
    )


def _random_cascade(seed: int, n: int = 300) -> list[EventRecord]:
    """Adopters join under an earlier adopter; later events repeat earlier adopters."""
    rng = random.Random(seed)
    events = [_event(0, "x:0", None, 1_000)]
    adopters = ["x:0"]
    for i in range(1, n):
        ts = 1_000 + 30 * i
        if rng.random() < 0.7 or len(adopters) < 3:
            author = f"x:{len(adopters)}"
            parent = rng.choice(adopters)
            adopters.append(author)
        else:
            author, parent = rng.choice(adopters), rng.choice(adopters)
            if parent == author:
                parent = None
        events.append(_event(i, author, parent, ts))
    return events


def test_moved_and_downstream_equal_counts_over_the_adoption_forest() -> None:
    for seed in range(5):
        events = _random_cascade(seed)
        c = replay(events, AccountContext())
        forest = nx.DiGraph()
        for a, p in c.parent.items():
            forest.add_node(a)
            if p is not None:
                forest.add_edge(p, a)
        for u in forest:
            below = nx.descendants(forest, u)
            assert c.moved[u] == len(below)
            reach = below | {u}
            assert c.downstream[u] == sum(
                e.parent_author in reach for e in events if e.parent_author
            )


def test_the_window_counts_only_recent_events() -> None:
    events = _random_cascade(7)
    window = 3_000
    c = replay(events, AccountContext(), window=window)
    last = events[-1].ts
    recent_events = [e for e in events if e.ts >= last - window and e.parent_author]
    expected: dict[str, int] = {}
    for e in recent_events:
        for node in c.chain(e.parent_author):
            expected[node] = expected.get(node, 0) + 1
    assert dict(c.recent) == expected
    top = c.amplifiers(top=3)
    assert [a["downstream_recent"] for a in top] == sorted(expected.values(), reverse=True)[:3]


def test_bridges_carry_a_topic_into_new_communities() -> None:
    ctx = AccountContext(
        community={"x:a": 1, "x:b": 1, "x:c": 2, "x:d": 2, "x:e": 3},
        flags={"x:c": ("coordinated",)},
    )
    c = TopicCascade(ctx)
    for i, (author, parent) in enumerate(
        [("x:a", None), ("x:b", "x:a"), ("x:c", "x:b"), ("x:d", "x:c"), ("x:e", "x:c")]
    ):
        c.apply(_event(i, author, parent, 100 + i))
    reached = {row["community"]: row for row in c.communities()}
    assert set(reached) == {1, 2, 3}
    assert (
        reached[2]["bridge"] == "x:b"
        and reached[3]["bridge"] == "x:c"
        and reached[1]["bridge"] is None
    )
    assert reached[2]["adopters"] == 2
    assert c.bridges == {"x:b": 1, "x:c": 1}
    described = c.describe("x:c")
    assert (
        described["flagged"] and described["flags"] == ["coordinated"] and described["moved"] == 2
    )


def test_cycles_and_self_replies_do_not_loop() -> None:
    c = TopicCascade(AccountContext())
    c.apply(_event(0, "x:a", "x:b", 1))
    c.apply(_event(1, "x:b", "x:a", 2))  # b's parent is a, a's parent is b
    c.apply(_event(2, "x:c", "x:a", 3))
    c.apply(_event(3, "x:a", "x:a", 4))  # a self-reply credits nobody
    assert c.chain("x:a") == ("x:a", "x:b")
    assert c.downstream["x:a"] == 2 and c.downstream["x:b"] == 3
    paths = c.paths()
    assert all(len(p) <= 12 for p in paths)
