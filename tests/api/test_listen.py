"""``/v1/events`` and ``/v1/topics``: events in, topic state out at once, bad events
rejected one by one, topics followed and planned against, alerts to a real receiver."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest
from conftest import World
from fastapi.testclient import TestClient

from kolgraph.api.app import create_app
from kolgraph.listen.webhooks import verify_signature

T0 = 1_341_100_800


def _ev(author: str, parent: str | None, ts: int, **kw: Any) -> dict[str, Any]:
    return {
        "platform": "demo",
        "type": "post" if parent is None else "repost",
        "author": author,
        "parent_author": parent,
        "ts": ts,
        **kw,
    }


@pytest.fixture
def api(own_world: World) -> Iterator[TestClient]:
    with TestClient(create_app(own_world.settings)) as c:
        yield c


def test_events_update_the_topic_state_before_the_answer(api: TestClient) -> None:
    made = api.post("/v1/topics", json={"name": "launch", "hashtags": ["launch"]})
    assert made.status_code == 201 and made.json()["events"] == 0
    batch = [_ev("k1", None, T0, hashtags=["launch"])]
    batch += [_ev(f"u{i}", "k1", T0 + 60 * i, hashtags=["launch"]) for i in range(1, 15)]
    batch += [_ev("u30", "k3", T0 + 800, text="nothing to see")]
    r = api.post("/v1/events", json={"events": batch})
    assert r.status_code == 200, r.text
    assert r.json() | {"errors": []} == {
        "received": 16,
        "new": 16,
        "duplicates": 0,
        "late": 0,
        "rejected": 0,
        "errors": [],
    }
    topic = api.get("/v1/topics/launch").json()
    assert topic["events"] == 15 and topic["adopters"] == 15
    top = topic["amplifiers"][0]
    assert top["key"] == "demo:k1" and top["downstream"] == 14 and top["moved"] == 14
    assert {c["community"] for c in topic["communities"]}  # the run's communities are known
    again = api.post("/v1/events", json={"events": batch}).json()
    assert (again["new"], again["duplicates"]) == (0, 16)
    assert api.get("/v1/topics/launch").json()["events"] == 15


def test_bad_events_are_rejected_one_by_one_and_an_all_bad_batch_is_a_422(api: TestClient) -> None:
    batch = [_ev("u1", "k1", T0), {"platform": "demo", "type": "like"}, _ev("u2", "k1", "soon")]
    r = api.post("/v1/events", json={"events": batch})
    assert r.status_code == 200
    body = r.json()
    assert (body["new"], body["rejected"]) == (1, 2)
    assert [(e["index"], e["field"]) for e in body["errors"]] == [(1, "type"), (2, "ts")]
    assert all(e["hint"] for e in body["errors"])
    bad = api.post("/v1/events", json={"events": [{"type": "post"}]})
    assert bad.status_code == 422
    err = bad.json()["error"]
    assert err["code"] == "invalid_input" and "events[0]" in err["message"] and err["hint"]
    empty = api.post("/v1/events", json={"events": []})
    assert empty.status_code == 422 and empty.json()["error"]["code"] == "validation_error"


def test_topics_conflict_unknown_and_removal(api: TestClient) -> None:
    assert api.post("/v1/topics", json={"name": "t1", "any": True}).status_code == 201
    dup = api.post("/v1/topics", json={"name": "t1", "any": True})
    assert dup.status_code == 409 and dup.json()["error"]["code"] == "conflict"
    none = api.post("/v1/topics", json={"name": "t2"})
    assert none.status_code == 422 and "matches nothing" in none.json()["error"]["message"]
    assert api.get("/v1/topics/nope").status_code == 404
    assert [t["name"] for t in api.get("/v1/topics").json()["data"]] == ["t1"]
    assert api.delete("/v1/topics/t1").status_code == 204
    assert api.get("/v1/topics/t1").status_code == 404


def test_respond_plans_around_the_topic_without_its_amplifiers(api: TestClient) -> None:
    api.post("/v1/topics", json={"name": "crisis", "any": True})
    batch = [_ev("k1", None, T0)] + [_ev(f"u{i}", "k1", T0 + 30 * i) for i in range(1, 12)]
    api.post("/v1/events", json={"events": batch})
    r = api.post("/v1/topics/crisis/respond", json={"budget": 2000, "within": "8h"})
    assert r.status_code == 200, r.text
    body = r.json()
    chosen = {a["key"] for a in body["plan"]["accounts"]}
    assert chosen and "demo:k1" not in chosen  # the amplifier is never chosen
    assert body["within_hours"] == 8
    reach = body["reach_within"]
    assert 0 <= reach["low"] <= reach["expected"] <= reach["high"]
    bad = api.post("/v1/topics/crisis/respond", json={"budget": 2000, "within": "soon"})
    assert bad.status_code == 422


class _Receiver(BaseHTTPRequestHandler):
    got: ClassVar[list[tuple[dict[str, str], bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Receiver.got.append((dict(self.headers), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_a_burst_sent_as_events_reaches_a_subscribed_webhook_signed(api: TestClient) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Receiver.got = []
    try:
        api.post("/v1/topics", json={"name": "storm", "any": True})
        url = f"http://127.0.0.1:{server.server_port}/hook"
        sub = api.post("/v1/topics/storm/subscriptions", json={"url": url, "kinds": ["burst"]})
        assert sub.status_code == 201
        secret = sub.json()["secret"]
        assert (
            secret and api.get("/v1/topics/storm/subscriptions").json()["data"][0]["secret"] is None
        )
        quiet = [_ev(f"q{i}", None, T0 + 600 * i) for i in range(150)]  # 6 an hour for 25 h
        start = T0 + 600 * 150
        loud = [_ev(f"l{i}", "q1", start + 3 * i) for i in range(1500)]  # 1,200 an hour
        tail = [_ev("z", None, start + 4 * 3600)]
        for chunk in (quiet, loud, tail):
            assert api.post("/v1/events", json={"events": chunk}).status_code == 200
        bursts = api.get("/v1/topics/storm").json()["bursts"]
        assert bursts and abs(bursts[0]["start"] - start) <= 600
        deadline = time.monotonic() + 30
        while not _Receiver.got and time.monotonic() < deadline:
            time.sleep(0.05)
        headers, body = _Receiver.got[0]
        alert = json.loads(body)
        assert alert["kind"] == "burst" and alert["topic"] == "storm"
        assert headers["X-Kolgraph-Event-Id"] == alert["id"]
        assert verify_signature(secret, headers["X-Kolgraph-Signature"], body)
        log = api.get("/v1/topics/storm/deliveries").json()["data"]
        assert log and log[0]["event_id"] == alert["id"]
    finally:
        server.shutdown()


def test_a_removed_topic_s_subscriptions_and_deliveries_are_not_found(api: TestClient) -> None:
    api.post("/v1/topics", json={"name": "gone", "any": True})
    assert api.get("/v1/topics/gone/subscriptions").status_code == 200
    assert api.delete("/v1/topics/gone").status_code == 204
    for path in ("/v1/topics/gone/subscriptions", "/v1/topics/gone/deliveries"):
        r = api.get(path)
        assert r.status_code == 404 and r.json()["error"]["code"]
    assert api.get("/v1/topics/*/subscriptions").status_code == 200
