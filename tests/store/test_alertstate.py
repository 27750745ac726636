"""The alert part of the store contract, on every backend (``store`` in tests/conftest.py).

Subscriptions are kept across tests on a shared Neo4j (a store's ``clear`` leaves them),
so each test uses topics of its own and looks only at those.
"""

from __future__ import annotations

import secrets

import pytest

from kolgraph.errors import InputError, NotFound
from kolgraph.store import Store
from kolgraph.store.alertstate import ALERT_KINDS, Delivery, Subscription


def _topic(base: str) -> str:
    """A topic name no earlier run used on a shared server."""
    return f"{base}-{secrets.token_hex(4)}"


def _delivery(event_id: str, sub: Subscription, created: str, **kw: object) -> Delivery:
    return Delivery(
        event_id=event_id,
        subscription_id=sub.id,
        topic=kw.pop("topic", sub.topic),  # type: ignore[arg-type]
        kind=kw.pop("kind", "burst"),  # type: ignore[arg-type]
        payload={"id": event_id, "data": {"rate": 1.5, "top": ["x:1", "x:2"]}},
        created=created,
        **kw,  # type: ignore[arg-type]
    )


def test_a_subscription_is_kept_with_its_secret_and_read_back_equal(store: Store) -> None:
    topic = _topic("flood")
    sub = Subscription.new(
        topic, url="https://hooks.example.com/k?x=1", kinds=["burst"], threshold=500
    )
    store.alerts.add_subscription(sub)
    assert store.alerts.get_subscription(sub.id) == sub
    assert sub.id.startswith("sub_") and len(sub.id) == 16 and len(sub.secret) == 64
    cmd = Subscription.new(topic, command="python3 notify.py --loud")
    store.alerts.add_subscription(cmd)
    got = store.alerts.get_subscription(cmd.id)
    assert got == cmd and got.url is None and got.kinds == ALERT_KINDS and got.threshold is None
    assert cmd.secret != sub.secret and cmd.id != sub.id


def test_subscriptions_of_a_topic_include_the_wildcard_and_skip_removed(store: Store) -> None:
    topic, other = _topic("storm"), _topic("calm")
    mine = Subscription.new(topic, url="http://127.0.0.1:9/a")
    theirs = Subscription.new(other, url="http://127.0.0.1:9/b")
    every = Subscription.new("*", url="http://127.0.0.1:9/c")
    for s in (mine, theirs, every):
        store.alerts.add_subscription(s)
    ids = [s.id for s in store.alerts.subscriptions(topic)]
    assert mine.id in ids and every.id in ids and theirs.id not in ids
    assert ids.index(mine.id) < ids.index(every.id)  # oldest first
    everything = {s.id for s in store.alerts.subscriptions()}
    assert {mine.id, theirs.id, every.id} <= everything

    removed = store.alerts.remove_subscription(every.id)
    assert not removed.active and store.alerts.get_subscription(every.id) == removed
    assert every.id not in {s.id for s in store.alerts.subscriptions(topic)}
    assert every.id in {s.id for s in store.alerts.subscriptions(topic, active_only=False)}
    assert removed.wants(topic, "burst") is False and mine.wants(topic, "burst")
    assert not mine.wants(other, "burst")
    with pytest.raises(NotFound, match="no alert subscription"):
        store.alerts.remove_subscription("sub_000000000000")
    with pytest.raises(NotFound):
        store.alerts.get_subscription("sub_000000000000")


def test_enqueue_records_each_alert_once_per_subscription(store: Store) -> None:
    topic = _topic("dup")
    a, b = (Subscription.new(topic, url=f"https://h.example/{i}") for i in range(2))
    store.alerts.add_subscription(a)
    store.alerts.add_subscription(b)
    t0, t1 = "2026-01-01T00:00:00.000001+00:00", "2026-01-01T00:00:01.000000+00:00"
    first = [_delivery("al_1", a, t0), _delivery("al_1", b, t0), _delivery("al_1", a, t0)]
    new = store.alerts.enqueue(first)
    assert [d.key for d in new] == [("al_1", a.id), ("al_1", b.id)]
    again = store.alerts.enqueue([_delivery("al_1", a, t1), _delivery("al_2", a, t1)])
    assert [d.key for d in again] == [("al_2", a.id)]
    log = store.alerts.deliveries(topic=topic)
    assert len(log) == 3 and log[0].key == ("al_2", a.id)  # newest first
    assert log[-1].payload == {"id": "al_1", "data": {"rate": 1.5, "top": ["x:1", "x:2"]}}
    assert all(d.status == "pending" and d.attempts == 0 for d in log)
    assert store.alerts.enqueue([]) == []


def test_update_delivery_logs_attempts_and_filters_by_status(store: Store) -> None:
    topic = _topic("log")
    sub = Subscription.new(topic, url="https://h.example/x")
    store.alerts.add_subscription(sub)
    created = [f"2026-02-0{i}T00:00:00.000000+00:00" for i in range(1, 4)]
    store.alerts.enqueue([_delivery(f"e{i}", sub, c) for i, c in enumerate(created)])
    retried = store.alerts.update_delivery(
        "e0",
        sub.id,
        status="pending",
        attempts=1,
        last_error="HTTP 503",
        last_status=503,
        when="2026-02-05T00:00:00.000000+00:00",
    )
    assert (retried.status, retried.attempts, retried.last_status) == ("pending", 1, 503)
    assert retried.updated == "2026-02-05T00:00:00.000000+00:00" and retried.created == created[0]
    done = store.alerts.update_delivery(
        "e1", sub.id, status="delivered", attempts=1, last_error=None, last_status=200, when="z"
    )
    assert done.status == "delivered" and done.last_error is None
    store.alerts.update_delivery(
        "e2",
        sub.id,
        status="failed",
        attempts=6,
        last_error="connection refused",
        last_status=None,
        when="z",
    )
    assert [d.event_id for d in store.alerts.deliveries(topic=topic, status="failed")] == ["e2"]
    assert [d.event_id for d in store.alerts.deliveries(topic=topic, limit=2)] == ["e2", "e1"]
    pending = [d for d in store.alerts.pending() if d.topic == topic]
    assert [d.event_id for d in pending] == ["e0"] and pending[0].last_error == "HTTP 503"
    with pytest.raises(NotFound, match="no delivery"):
        store.alerts.update_delivery(
            "nope", sub.id, status="failed", attempts=1, last_error=None, last_status=None, when="z"
        )


def test_pending_is_oldest_first_and_limited(store: Store) -> None:
    topic = _topic("queue")
    sub = Subscription.new(topic, url="https://h.example/q")
    store.alerts.add_subscription(sub)
    times = ["2026-03-03T00:00:00.000000+00:00", "2026-03-01T00:00:00.000000+00:00"]
    store.alerts.enqueue([_delivery("late", sub, times[0]), _delivery("early", sub, times[1])])
    mine = [d.event_id for d in store.alerts.pending() if d.topic == topic]
    assert mine == ["early", "late"]
    assert len(store.alerts.pending(limit=1)) == 1


def test_clear_drops_deliveries_and_keeps_subscriptions(store: Store) -> None:
    topic = _topic("clear")
    sub = Subscription.new(topic, url="https://h.example/c")
    store.alerts.add_subscription(sub)
    store.alerts.enqueue([_delivery("gone", sub, "2026-04-01T00:00:00.000000+00:00")])
    assert len(store.alerts.deliveries(topic=topic)) == 1
    store.clear()
    assert store.alerts.deliveries(topic=topic) == []
    assert store.alerts.get_subscription(sub.id) == sub
    # the same alert may be recorded again after a clear
    assert len(store.alerts.enqueue([_delivery("gone", sub, "2026-04-02T00:00:00+00:00")])) == 1


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"url": "ftp://example.com/x"}, "not an http"),
        ({"url": "https://"}, "not an http"),
        ({"url": "hooks.example.com"}, "not an http"),
        ({}, "exactly one"),
        ({"url": "https://h.example", "command": "echo"}, "exactly one"),
        ({"command": "   "}, "command is empty"),
        ({"url": "https://h.example", "kinds": ["burst", "tsunami"]}, "unknown alert kinds"),
        ({"url": "https://h.example", "kinds": []}, "no alert kinds"),
        ({"url": "https://h.example", "threshold": 0}, "not a positive number"),
        ({"url": "https://h.example", "threshold": float("nan")}, "not a positive number"),
    ],
)
def test_bad_subscriptions_are_clear_errors(kw: dict[str, object], match: str) -> None:
    with pytest.raises(InputError, match=match) as err:
        Subscription.new("t", **kw)  # type: ignore[arg-type]
    assert err.value.hint


def test_a_subscription_needs_a_topic() -> None:
    with pytest.raises(InputError, match="needs a topic"):
        Subscription.new("  ", url="https://h.example")
