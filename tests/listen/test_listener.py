"""The listener on a real store: idempotent, late events, rejects, graph edges, and a
live state equal to the one rebuilt from the stored events."""

from __future__ import annotations

import json
import random
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from kolgraph.listen.events import event_from_json
from kolgraph.listen.listener import Listener, RejectLog
from kolgraph.listen.sources import file_source
from kolgraph.listen.topics import TopicDef
from kolgraph.store import Store
from kolgraph.store.listenstate import EventRecord

T0 = 1_341_100_800  # 2012-07-01T00:00:00Z


def stream(
    n: int, *, seed: int = 1, start: int = T0, burst_at: int | None = None
) -> list[dict[str, Any]]:
    """A reposting stream over 40 accounts: quiet, with an optional burst."""
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    t = start
    for i in range(n):
        rate = 30.0 if burst_at is not None and t >= burst_at else 600.0
        t += max(1, int(rng.expovariate(1 / rate)))
        author, parent = rng.randrange(40), rng.randrange(5)
        tags = ["brand"] if i % 3 == 0 else ["other"]
        out.append(
            {
                "platform": "x",
                "type": "repost" if author != parent else "post",
                "author": str(author),
                "parent_author": str(parent) if author != parent else None,
                "post": f"p{i}",
                "ts": t,
                "hashtags": tags,
            }
        )
    return out


def records(rows: list[dict[str, Any]]) -> list[EventRecord]:
    return [event_from_json(r) for r in rows]


def _comparable(state: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in state.items() if k != "forecast"} | {
        "forecast_observed": state["forecast"].get("observed")
    }


def test_live_state_equals_the_state_rebuilt_from_stored_events(store: Store) -> None:
    live = Listener(store, lateness=3600, state_seconds=0.0).load()
    live.add_topic(TopicDef("brand", hashtags=("brand",)), "2026-01-01T00:00:00Z")
    live.add_topic(TopicDef("all", any=True), "2026-01-01T00:00:00Z")
    rows = stream(600, burst_at=T0 + 60 * 3600)
    rng = random.Random(3)
    for j in range(0, len(rows) - 1, 2):  # neighbours swapped: out of order within the lateness
        if rng.random() < 0.5:
            rows[j], rows[j + 1] = rows[j + 1], rows[j]
    for i in range(0, len(rows), 50):
        live.add(records(rows[i : i + 50]))
        live.save_states(force=True)
    rebuilt = Listener(store, lateness=3600, state_seconds=0.0).load()
    for name in ("brand", "all"):
        a = live.trackers[name].snapshot()
        b = rebuilt.trackers[name].snapshot()
        assert _comparable(a) == _comparable(b)
        assert store.listening.get_topic(name).events == a["events"]
    assert live.stats.late == 0
    assert live.trackers["all"].cascade.events == store.listening.count_events() == len(rows)
    assert store.counts().reposts > 0  # reposts became graph edges


def test_a_replayed_batch_changes_nothing(store: Store) -> None:
    listener = Listener(store, state_seconds=0.0).load()
    listener.add_topic(TopicDef("all", any=True), "2026-01-01T00:00:00Z")
    batch = records(stream(200))
    first = listener.add(batch)
    before = listener.trackers["all"].snapshot()
    again = listener.add(batch)
    assert (first.new, again.new, again.duplicates) == (200, 0, 200)
    assert listener.trackers["all"].snapshot() == before
    assert store.listening.count_events() == 200


def test_events_behind_the_lateness_are_rejected_with_the_reason(store: Store) -> None:
    listener = Listener(store, lateness=60, state_seconds=0.0).load()
    rows = [
        {"platform": "x", "type": "post", "author": "1", "ts": T0 + 1000},
        {"platform": "x", "type": "post", "author": "2", "ts": T0 + 950},  # 50 s late: fine
        {"platform": "x", "type": "post", "author": "3", "ts": T0 + 900},  # 100 s late
    ]
    result = listener.add(records(rows))
    assert (result.new, result.late) == (2, 1)
    index, err = result.rejected[0]
    assert index == 2 and "lateness" in err.message and err.field == "ts"


def test_bad_lines_go_to_the_rejects_file_and_never_stop_the_stream(
    store: Store, tmp_path: Path
) -> None:
    good = stream(30)
    lines = [json.dumps(r) for r in good]
    lines[5] = "{not json"
    lines[9] = json.dumps({**good[9], "type": "like"})
    lines.insert(12, "")
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(lines) + "\n")
    listener = Listener(store, state_seconds=0.0).load()
    rejects = tmp_path / "rejects.tsv"
    stats = listener.consume(file_source(path), rejects=RejectLog(rejects), batch_size=7)
    assert (stats.new, stats.rejected) == (28, 2)
    rows = rejects.read_text().splitlines()
    assert rows[0] == "source\tline\treason\trow"
    assert [r.split("\t")[1] for r in rows[1:]] == ["6", "10"]
    assert "not JSON" in rows[1] and "not an event type" in rows[2]
    source = f"file:{path.resolve()}"
    assert store.listening.checkpoint(source) == f"{path.stat().st_size}:{len(lines)}"


def test_a_topic_added_later_takes_the_stored_events(store: Store) -> None:
    listener = Listener(store, state_seconds=0.0).load()
    listener.add(records(stream(90)))
    listener.add_topic(TopicDef("brand", hashtags=("brand",)), "2026-01-01T00:00:00Z")
    assert store.listening.get_topic("brand").events == 30
    assert listener.trackers["brand"].cascade.events == 30
    with pytest.raises(Exception, match="brand"):
        listener.add_topic(TopicDef("brand", any=True), "2026-01-01T00:00:00Z")


def test_a_followed_file_gets_every_event_into_the_stored_state(tmp_path: Path) -> None:
    from kolgraph.store import SQLiteStore

    db = tmp_path / "kolgraph.db"
    path = tmp_path / "live.jsonl"
    path.write_text("")
    store = SQLiteStore(db)
    listener = Listener(store, state_seconds=1.0).load()
    listener.add_topic(TopicDef("live", any=True), "2026-01-01T00:00:00Z")
    source = file_source(path, follow=True, poll_seconds=0.02, idle_seconds=0.05)
    worker = threading.Thread(target=listener.consume, args=(source,), daemon=True)
    worker.start()
    try:
        for i, row in enumerate(stream(3)):
            with path.open("a") as fh:  # each right after the last: inside one state interval
                fh.write(json.dumps(row) + "\n")
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                with SQLiteStore(db) as reader:
                    state = reader.listening.get_topic("live").state or {}
                if state.get("events") == i + 1:
                    break
                time.sleep(0.02)
            assert state.get("events") == i + 1
    finally:
        source.stop()
        worker.join(timeout=20)
        store.close()
