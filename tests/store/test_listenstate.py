"""The listening part of the store contract, on every backend (``store`` in tests/conftest.py).

Each test starts with no events, memberships or checkpoints (the fixture's store is new or
cleared). Topic definitions survive ``clear`` on a shared Neo4j, so every test names its
topics with a random suffix and removes them when it ends.
"""

from __future__ import annotations

import contextlib
import random
import secrets
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from kolgraph.errors import Conflict, InputError, NotFound
from kolgraph.store import SQLiteStore, Store
from kolgraph.store.listenstate import EventRecord, ListenState, TopicRecord
from kolgraph.store.neo4j import Neo4jStore
from kolgraph.store.neo4j_listen import Neo4jListenState
from kolgraph.store.sqlite_db import SQLiteDatabase
from kolgraph.store.sqlite_listen import SQLiteListenState

TopicMaker = Callable[..., str]


@pytest.fixture
def new_topic(store: Store) -> Iterator[TopicMaker]:
    """Add a topic under a fresh name (removed again after the test); returns the name."""
    made: list[str] = []

    def make(base: str = "topic", *, created: str = "2026-01-01T00:00:00+00:00") -> str:
        name = f"{base}-{secrets.token_hex(4)}"
        store.listening.add_topic(
            TopicRecord(name=name, definition={"hashtags": [base]}, created=created)
        )
        made.append(name)
        return name

    yield make
    for name in made:
        with contextlib.suppress(NotFound):
            store.listening.remove_topic(name)


def _ev(i: int, ts: int, **fields: object) -> EventRecord:
    base = EventRecord(id=f"e{i}", platform="x", type="post", author=f"x:{i % 7}", ts=ts)
    return replace(base, **fields)


def _paged(store: Store, page: int) -> ListenState:
    """Another view of ``store``'s listening state that reads ``page`` rows at a time."""
    if isinstance(store, SQLiteStore):
        return SQLiteListenState(SQLiteDatabase(store.path), page=page)
    assert isinstance(store, Neo4jStore)
    return Neo4jListenState(store.db, page=page)


def test_adding_the_same_batch_twice_changes_nothing(store: Store) -> None:
    ls = store.listening
    assert ls.last_seq() == 0 and ls.count_events() == 0 and list(ls.events()) == []
    batch = [_ev(i, ts) for i, ts in enumerate([50, 10, 30, 10, 20])]
    first = ls.add_events(batch)
    assert (first.new, first.duplicates) == (5, 0)
    assert first.new_ids == {"e0", "e1", "e2", "e3", "e4"}
    stored = {e.id: e.seq for e in ls.events()}
    assert stored == {"e0": 1, "e1": 2, "e2": 3, "e3": 4, "e4": 5}  # numbered in the order given
    again = ls.add_events(batch)
    assert (again.new, again.duplicates, again.new_ids) == (0, 5, frozenset())
    assert ls.count_events() == 5 and ls.last_seq() == 5
    assert {e.id: e.seq for e in ls.events()} == stored
    # two stored, one repeated inside the batch, two new: only the new ones get numbers
    mixed = [_ev(1, 10), _ev(9, 5), _ev(9, 5), _ev(3, 10), _ev(8, 99)]
    third = ls.add_events(mixed)
    assert (third.new, third.duplicates, third.new_ids) == (2, 3, {"e9", "e8"})
    assert ls.last_seq() == 7 and ls.count_events() == 7
    assert {e.id: e.seq for e in ls.events()} == {**stored, "e9": 6, "e8": 7}
    assert ls.add_events([]).new == 0 and ls.last_seq() == 7
    assert ls.stored_ids(["e9", "nope", "e0", "e9"]) == {"e9", "e0"} and ls.stored_ids([]) == set()


def test_events_come_in_ts_then_seq_order_and_filter_like_brute_force(store: Store) -> None:
    rng = random.Random(7)
    batches = [[_ev(b * 20 + i, rng.randrange(100, 110)) for i in range(20)] for b in range(3)]
    for batch in batches:
        store.listening.add_events(batch)
    every = list(store.listening.events())
    assert len(every) == 60 and [e.seq for e in sorted(every, key=lambda e: e.seq)] == list(
        range(1, 61)
    )
    assert every == sorted(every, key=lambda e: (e.ts, e.seq))
    paged = _paged(store, 4)  # pages end inside runs of equal ts
    cases = [
        {},
        {"since": 103},
        {"until": 105},
        {"since": 102, "until": 107},
        {"after_seq": 33},
        {"since": 101, "until": 108, "after_seq": 12},
        {"since": 200},
        {"since": 105, "until": 105},
    ]
    for case in cases:
        since, until = case.get("since", -(10**9)), case.get("until", 10**9)
        want = [e for e in every if since <= e.ts < until and e.seq > case.get("after_seq", 0)]
        assert list(paged.events(**case)) == want, case  # type: ignore[arg-type]
        assert list(store.listening.events(**case)) == want, case  # type: ignore[arg-type]


def test_memberships_cover_earlier_events_and_ignore_repeats(
    store: Store, new_topic: TopicMaker
) -> None:
    ls = store.listening
    a, b = new_topic("a"), new_topic("b")
    first = ls.add_events([_ev(i, 100 - i) for i in range(6)], topics={a: ["e0", "e1", "e2"]})
    assert first.memberships == {a: 3}
    # earlier-stored events, a repeat, an unknown id, and a topic nobody added
    gone = f"gone-{secrets.token_hex(4)}"
    second = ls.add_events(
        [_ev(6, 50), _ev(7, 97)],
        topics={a: ["e2", "e3", "e3", "e6", "nope"], b: ["e7", "e0"], gone: ["e1"]},
    )
    assert second.memberships == {a: 2, b: 2, gone: 0}
    assert ls.count_events(topic=a) == 5 and ls.count_events(topic=b) == 2
    assert ls.count_events(topic=gone) == 0 and list(ls.events(topic=gone)) == []
    assert ls.get_topic(a).events == 5 and ls.get_topic(b).events == 2
    in_a = list(ls.events(topic=a))
    assert [e.id for e in in_a] == ["e6", "e3", "e2", "e1", "e0"]  # ts 50, 97, 98, 99, 100
    assert [e.id for e in _paged(store, 2).events(topic=a)] == [e.id for e in in_a]
    assert [e.id for e in ls.events(topic=a, since=98, until=100)] == ["e2", "e1"]
    assert [e.id for e in ls.events(topic=a, after_seq=3)] == ["e6", "e3"]
    assert [e.id for e in _paged(store, 2).events(topic=a, after_seq=3)] == ["e6", "e3"]
    third = ls.add_events([_ev(7, 97)], topics={a: ["e0", "e3"], b: ["e7"]})
    assert (third.new, third.memberships) == (0, {a: 0, b: 0})
    assert ls.count_events(topic=a) == 5 and ls.count_events() == 8


def test_the_checkpoint_is_written_with_its_batch_or_not_at_all(store: Store) -> None:
    ls = store.listening
    assert ls.checkpoint("stdin") is None
    ls.add_events([_ev(0, 1)], checkpoint=("events.jsonl", "120"))
    ls.add_events([], checkpoint=("stdin", "7"))
    assert ls.checkpoint("events.jsonl") == "120" and ls.checkpoint("stdin") == "7"
    ls.add_events([_ev(1, 2)], checkpoint=("events.jsonl", "240"))
    assert ls.checkpoint("events.jsonl") == "240"
    bad = _ev(3, 4, text=object())  # the database cannot store it: the whole batch fails
    with pytest.raises((TypeError, ValueError, sqlite3.Error, InputError)):
        ls.add_events([_ev(2, 3), bad], checkpoint=("events.jsonl", "360"))
    assert ls.checkpoint("events.jsonl") == "240"
    assert ls.count_events() == 2 and ls.last_seq() == 2
    assert ls.add_events([_ev(2, 3)]).new == 1 and ls.last_seq() == 3


def test_topics_are_added_listed_and_removed(store: Store, new_topic: TopicMaker) -> None:
    ls = store.listening
    late = new_topic("late", created="2026-03-01T00:00:00+00:00")
    early = new_topic("early", created="2026-02-01T00:00:00+00:00")
    got = ls.get_topic(early)
    assert got == TopicRecord(
        name=early, definition={"hashtags": ["early"]}, created="2026-02-01T00:00:00+00:00"
    )
    mine = [t.name for t in ls.topics() if t.name in {early, late}]
    assert mine == [early, late]  # oldest first
    with pytest.raises(Conflict, match=early):
        ls.add_topic(TopicRecord(name=early, definition={}, created="2026-04-01"))
    assert ls.get_topic(early).definition == {"hashtags": ["early"]}  # the first one stays
    ls.add_events([_ev(0, 1), _ev(1, 2)], topics={early: ["e0", "e1"]})
    ls.save_state(early, {"phase": "explosion"}, "2026-02-02T00:00:00+00:00")
    ls.remove_topic(early)
    with pytest.raises(NotFound, match="topics list"):
        ls.get_topic(early)
    assert early not in {t.name for t in ls.topics()} and ls.count_events() == 2  # events stay
    ls.add_topic(TopicRecord(name=early, definition={"any": True}, created="2026-05-01"))
    again = ls.get_topic(early)  # the same name starts empty
    assert again.events == 0 and again.state is None and list(ls.events(topic=early)) == []
    ls.remove_topic(early)
    unknown = f"unknown-{secrets.token_hex(4)}"
    for call in (
        lambda: ls.get_topic(unknown),
        lambda: ls.remove_topic(unknown),
        lambda: ls.save_state(unknown, {}, "2026-01-01"),
    ):
        with pytest.raises(NotFound, match=unknown):
            call()


def test_a_saved_state_round_trips(store: Store, new_topic: TopicMaker) -> None:
    name = new_topic("state")
    state = {
        "phase": "mass spread",
        "bursts": [{"start": 100, "end": 160, "level": 2, "rate": 3.25}],
        "forecast": {"final": 1234.5, "interval": [900.0, 1800.0], "note": None},
        "amplifiers": [["weibo:1", 0.5], ["x:2", 0.25]],
        "标签": "热搜 #新闻 🔥",
        "empty": {},
    }
    store.listening.save_state(name, state, "2026-01-02T03:04:05+00:00")
    got = store.listening.get_topic(name)
    assert got.state == state and got.updated == "2026-01-02T03:04:05+00:00"
    store.listening.save_state(name, {"phase": "flattening"}, "2026-01-03T00:00:00+00:00")
    assert store.listening.get_topic(name).state == {"phase": "flattening"}
    listed = next(t for t in store.listening.topics() if t.name == name)
    assert listed.state == {"phase": "flattening"} and listed.definition == {"hashtags": ["state"]}


def test_clear_keeps_topic_definitions_only(store: Store, new_topic: TopicMaker) -> None:
    ls = store.listening
    name = new_topic("kept")
    ls.add_events([_ev(0, 1), _ev(1, 2)], topics={name: ["e0", "e1"]}, checkpoint=("f", "9"))
    ls.save_state(name, {"phase": "origin"}, "2026-01-01T00:00:00+00:00")
    store.clear()
    kept = ls.get_topic(name)
    assert kept.definition == {"hashtags": ["kept"]} and kept.created.startswith("2026-01-01")
    assert (kept.events, kept.state, kept.updated) == (0, None, None)
    assert ls.count_events() == 0 and ls.last_seq() == 0 and ls.checkpoint("f") is None
    assert list(ls.events()) == [] and list(ls.events(topic=name)) == []
    added = ls.add_events([_ev(1, 2), _ev(5, 3)], topics={name: ["e1"]})
    assert added.new == 2 and added.memberships == {name: 1}
    assert [e.seq for e in ls.events()] == [1, 2]


def test_unicode_and_missing_fields_round_trip(store: Store, new_topic: TopicMaker) -> None:
    name = new_topic("unicode")
    full = EventRecord(
        id="中文-1",
        platform="weibo",
        type="repost",
        author="weibo:用户甲",
        ts=1_700_000_000,
        parent_author="weibo:乙",
        post="p2",
        parent_post="p1",
        text="转发微博：新品发布会 🎉 #热搜#",
        hashtags=("热搜", "新品", ""),
    )
    bare = EventRecord(id="bare", platform="x", type="post", author="x:1", ts=-5)
    one = EventRecord(id="one", platform="x", type="mention", author="x:2", ts=0, hashtags=("a",))
    store.listening.add_events([full, bare, one], topics={name: ["中文-1", "bare"]})
    got = list(store.listening.events())
    assert got == [replace(bare, seq=2), replace(one, seq=3), replace(full, seq=1)]
    assert list(store.listening.events(topic=name)) == [replace(bare, seq=2), replace(full, seq=1)]
    store.listening.add_events([], checkpoint=("文件.jsonl", "位置 42"))
    assert store.listening.checkpoint("文件.jsonl") == "位置 42"


def test_an_event_without_a_required_field_is_refused(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "kolgraph.db")
    bad = EventRecord(id="x", platform="x", type="post", author=None, ts=1)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="required field"):
        store.listening.add_events([_ev(0, 1), bad], checkpoint=("f", "1"))
    assert store.listening.count_events() == 0 and store.listening.checkpoint("f") is None
