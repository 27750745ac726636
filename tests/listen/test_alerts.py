"""Webhook alerts against a real HTTP receiver on 127.0.0.1 and real child processes.

The receiver (``http.server`` in a thread) answers each path with a scripted sequence
of statuses and records every request it gets. Dispatchers use an embedded store in a
temporary file and tiny backoffs (hundredths of a second), so retries are real but
quick; nothing asserts how long anything took.
"""

from __future__ import annotations

import json
import random
import secrets
import shlex
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from kolgraph.errors import InputError
from kolgraph.listen.alerts import (
    EVENT_ID_HEADER,
    SIGNATURE_HEADER,
    Alert,
    AlertDispatcher,
    make_alert,
    threshold_alerts,
    verify_signature,
)
from kolgraph.listen.webhooks import retry_delay, sign
from kolgraph.store import SQLiteStore, Store
from kolgraph.store.alertstate import Subscription

T0 = 1_767_225_600  # 2026-01-01T00:00:00Z, the stream's time of the alerts below
WAIT = 60.0  # generous upper bound for a dispatcher to go idle (never reached when it works)


# --------------------------------------------------------------------------- receiver
@dataclass
class Got:
    """One request the receiver got."""

    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed


@dataclass
class Receiver:
    """A webhook receiver on 127.0.0.1: scripted statuses per path, every request kept."""

    script: dict[str, list[tuple[int, dict[str, str]]]] = field(default_factory=dict)
    got: list[Got] = field(default_factory=list)
    hold: threading.Event | None = None  # when set up, each request waits for it
    arrived: threading.Event = field(default_factory=threading.Event)
    port: int = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def answer(self, path: str, *statuses: int, **headers: str) -> str:
        """Answer ``path`` with ``statuses`` in turn (then 200); its URL."""
        hdrs = {k.replace("_", "-"): v for k, v in headers.items()}
        self.script[path] = [(s, hdrs) for s in statuses]
        return self.url(path)

    def on(self, path: str) -> list[Got]:
        return [g for g in self.got if g.path == path]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rec = Receiver()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with lock:
                rec.got.append(Got(self.path, dict(self.headers.items()), body))
                queue = rec.script.get(self.path) or []
                status, headers = queue.pop(0) if queue else (200, {})
            rec.arrived.set()
            if rec.hold is not None:
                rec.hold.wait(WAIT)
            reply = b'{"ok": false}' if status >= 300 else b'{"ok": true}'
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    rec.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield rec
    finally:
        if rec.hold is not None:
            rec.hold.set()
        server.shutdown()
        server.server_close()


@pytest.fixture
def db(tmp_path: Path) -> Iterator[SQLiteStore]:
    """An embedded store of the test's own."""
    s = SQLiteStore(tmp_path / "alerts.db")
    yield s
    s.close()


def until(check: Callable[[], bool], timeout: float = WAIT) -> bool:
    """Poll ``check`` until it holds (``False`` if it never did within ``timeout``)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def closed_port() -> int:
    """A port on 127.0.0.1 nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def subscribe(store: Store, topic: str, **kw: Any) -> Subscription:
    sub = Subscription.new(topic, **kw)
    store.alerts.add_subscription(sub)
    return sub


def dispatcher(store: Store, **kw: Any) -> AlertDispatcher:
    """A dispatcher with backoffs of hundredths of a second."""
    return AlertDispatcher(store, backoff_base=0.01, backoff_cap=0.05, seed=7, **kw)


def burst(topic: str = "#flood", start: int = T0, rate: float = 4.5) -> Alert:
    return make_alert(
        topic, "burst", start, {"rate": rate, "level": 2}, key_fields={"start": start}
    )


# --------------------------------------------------------------------------- delivery
def test_a_delivered_body_is_signed_and_logged(db: SQLiteStore, receiver: Receiver) -> None:
    sub = subscribe(db, "#flood", url=receiver.answer("/hook"))
    alert = burst()
    with dispatcher(db) as alerts:
        new = alerts.submit(alert)
        assert [d.key for d in new] == [(alert.id, sub.id)]
        assert alerts.wait_idle(WAIT)
    [got] = receiver.got
    assert got.headers["Content-Type"] == "application/json"
    assert got.headers[EVENT_ID_HEADER] == alert.id
    assert verify_signature(sub.secret, got.headers[SIGNATURE_HEADER], got.body)
    assert not verify_signature("0" * 64, got.headers[SIGNATURE_HEADER], got.body)
    body = got.json
    assert set(body) == {"id", "topic", "kind", "at", "at_iso", "data", "sent"}
    assert (body["id"], body["topic"], body["kind"], body["at"]) == (
        alert.id,
        "#flood",
        "burst",
        T0,
    )
    assert body["at_iso"] == "2026-01-01T00:00:00+00:00" and body["data"] == alert.data
    assert isinstance(body["at"], int)
    assert body["sent"] is not None and body["sent"] >= "2026"
    [logged] = db.alerts.deliveries(topic="#flood")
    assert (logged.status, logged.attempts, logged.last_status) == ("delivered", 1, 200)
    assert logged.last_error is None and logged.payload["data"] == {"rate": 4.5, "level": 2}


def test_two_500s_then_200_is_three_attempts_and_one_delivered_record(
    db: SQLiteStore, receiver: Receiver
) -> None:
    sub = subscribe(db, "#flood", url=receiver.answer("/flaky", 500, 500))
    alert = burst()
    with dispatcher(db) as alerts:
        alerts.submit(alert)
        assert alerts.wait_idle(WAIT)
    tries = receiver.on("/flaky")
    assert len(tries) == 3
    assert {t.headers[EVENT_ID_HEADER] for t in tries} == {alert.id}
    assert all(verify_signature(sub.secret, t.headers[SIGNATURE_HEADER], t.body) for t in tries)
    [logged] = db.alerts.deliveries(topic="#flood")
    assert (logged.status, logged.attempts, logged.last_status) == ("delivered", 3, 200)


def test_a_receiver_that_is_down_gets_max_attempts_then_failed(db: SQLiteStore) -> None:
    subscribe(db, "#flood", url=f"http://127.0.0.1:{closed_port()}/down")
    with dispatcher(db, max_attempts=4) as alerts:
        alerts.submit(burst())
        assert alerts.wait_idle(WAIT)
    [logged] = db.alerts.deliveries(topic="#flood")
    assert (logged.status, logged.attempts, logged.last_status) == ("failed", 4, None)
    assert "Connect" in (logged.last_error or "")


def test_submit_returns_while_the_first_attempt_is_still_on_the_wire(
    db: SQLiteStore, receiver: Receiver
) -> None:
    receiver.hold = threading.Event()  # every request waits until the test lets it go
    subscribe(db, "#flood", url=receiver.answer("/slow", 503))
    with dispatcher(db, max_attempts=2) as alerts:
        new = alerts.submit(burst())  # would never return if it waited for the receiver
        assert len(new) == 1
        assert receiver.arrived.wait(WAIT)  # the worker's request reached the receiver ...
        [pending] = db.alerts.deliveries(topic="#flood")
        assert (pending.status, pending.attempts) == ("pending", 0)  # ... and is unanswered
        receiver.hold.set()
        assert alerts.wait_idle(WAIT)
    [logged] = db.alerts.deliveries(topic="#flood")
    assert (logged.status, logged.attempts) == ("delivered", 2)


def test_a_400_is_not_retried(db: SQLiteStore, receiver: Receiver) -> None:
    subscribe(db, "#flood", url=receiver.answer("/bad", 400, 500))
    with dispatcher(db) as alerts:
        alerts.submit(burst())
        assert alerts.wait_idle(WAIT)
    assert len(receiver.on("/bad")) == 1
    [logged] = db.alerts.deliveries(topic="#flood")
    assert (logged.status, logged.attempts, logged.last_status) == ("failed", 1, 400)
    assert logged.last_error == 'HTTP 400: {"ok": false}'  # the start of the answer, logged


def test_429_and_408_are_retried(db: SQLiteStore, receiver: Receiver) -> None:
    subscribe(db, "#flood", url=receiver.answer("/busy", 429, 408, Retry_After="0"))
    with dispatcher(db) as alerts:
        alerts.submit(burst())
        assert alerts.wait_idle(WAIT)
    assert len(receiver.on("/busy")) == 3
    [logged] = db.alerts.deliveries(topic="#flood")
    assert (logged.status, logged.attempts) == ("delivered", 3)


def test_the_same_alert_twice_is_one_delivery(db: SQLiteStore, receiver: Receiver) -> None:
    subscribe(db, "#flood", url=receiver.answer("/once"))
    with dispatcher(db) as alerts:
        assert len(alerts.submit(burst(rate=4.5))) == 1
        assert alerts.submit(burst(rate=4.5)) == []
        assert alerts.wait_idle(WAIT)
        # derived again later (new data, same burst start): still the same alert
        assert alerts.submit(burst(rate=9.0)) == []
        assert len(alerts.submit(burst(start=T0 + 3600))) == 1  # a new burst is a new alert
        assert alerts.wait_idle(WAIT)
    assert [g.json["at"] for g in receiver.on("/once")] == [T0, T0 + 3600]
    assert len(db.alerts.deliveries(topic="#flood")) == 2


def test_a_pending_delivery_is_sent_by_the_next_dispatcher(
    tmp_path: Path, receiver: Receiver
) -> None:
    path = tmp_path / "restart.db"
    first = SQLiteStore(path)
    subscribe(first, "#flood", url=receiver.answer("/later"))
    killed = dispatcher(first)
    assert len(killed.submit(burst())) == 1  # recorded, never sent: its worker never ran
    assert receiver.got == [] and first.alerts.pending()[0].attempts == 0
    first.close()

    second = SQLiteStore(path)
    with dispatcher(second) as alerts:
        assert alerts.wait_idle(WAIT)
        assert alerts.submit(burst()) == []  # derived again after the restart: no second send
        assert alerts.wait_idle(WAIT)
    assert len(receiver.on("/later")) == 1
    [logged] = second.alerts.deliveries(topic="#flood")
    assert (logged.status, logged.attempts) == ("delivered", 1)
    second.close()


def test_more_alerts_than_the_queue_holds_wait_in_the_store(
    db: SQLiteStore, receiver: Receiver
) -> None:
    subscribe(db, "#flood", url=receiver.answer("/many"))
    alerts = dispatcher(db, queue_size=2)
    for i in range(7):
        assert len(alerts.submit(burst(start=T0 + i))) == 1
    with alerts:
        assert alerts.wait_idle(WAIT)
    assert sorted(g.json["at"] for g in receiver.on("/many")) == [T0 + i for i in range(7)]
    assert {d.status for d in db.alerts.deliveries(topic="#flood")} == {"delivered"}


def test_close_leaves_a_long_retry_pending_for_later(db: SQLiteStore, receiver: Receiver) -> None:
    subscribe(db, "#flood", url=receiver.answer("/later", 503, Retry_After="3600"))
    alerts = dispatcher(db).start()
    alerts.submit(burst())
    assert until(lambda: db.alerts.deliveries()[0].attempts == 1)  # the 503 is logged
    assert alerts.close(timeout=0.5) == 1
    [logged] = db.alerts.deliveries(topic="#flood")
    assert (logged.status, logged.attempts, logged.last_status) == ("pending", 1, 503)


def test_retries_and_a_restart_on_every_backend(store: Store, receiver: Receiver) -> None:
    topic = f"#both-{secrets.token_hex(3)}"  # subscriptions outlive a Neo4j test's clear
    subscribe(store, topic, url=receiver.answer("/both", 500, 500))
    assert len(dispatcher(store).submit(burst(topic))) == 1  # recorded, never sent
    with dispatcher(store) as alerts:  # takes it up from the store
        assert alerts.wait_idle(WAIT)
    assert len(receiver.on("/both")) == 3
    [logged] = store.alerts.deliveries(topic=topic)
    assert (logged.status, logged.attempts, logged.last_status) == ("delivered", 3, 200)


# --------------------------------------------------------------------------- matching
def test_alerts_go_to_the_subscriptions_that_want_them(db: SQLiteStore, receiver: Receiver) -> None:
    everything = subscribe(db, "*", url=receiver.answer("/all"))
    phases = subscribe(db, "#flood", url=receiver.answer("/phase"), kinds=["phase_change"])
    other = subscribe(db, "#calm", url=receiver.answer("/calm"))
    low = subscribe(db, "#flood", url=receiver.answer("/low"), threshold=1000)
    high = subscribe(db, "#flood", url=receiver.answer("/high"), threshold=5000)
    removed = subscribe(db, "#flood", url=receiver.answer("/gone"))
    db.alerts.remove_subscription(removed.id)
    with dispatcher(db) as alerts:
        assert alerts.thresholds("#flood") == [1000.0, 5000.0]
        got = {d.subscription_id for d in alerts.submit(burst())}
        assert got == {everything.id, low.id, high.id}
        phase = make_alert("#flood", "phase_change", T0, {"phase": "explosion"}, key_fields={})
        got = {d.subscription_id for d in alerts.submit(phase)}
        assert got == {everything.id, phases.id, low.id, high.id}
        crossed = threshold_alerts(
            "#flood", before=400.0, after=2500.0, at=T0, thresholds=[1000, 5000]
        )
        assert [a.data["threshold"] for a in crossed] == [1000.0]
        # only the subscription watching that threshold (one without a threshold has none)
        assert [d.subscription_id for d in alerts.submit(crossed[0])] == [low.id]
        assert alerts.wait_idle(WAIT)
    assert receiver.on("/calm") == [] and receiver.on("/gone") == [] and other.active
    assert sorted(g.json["kind"] for g in receiver.on("/low")) == [
        "burst",
        "forecast_threshold",
        "phase_change",
    ]
    assert [g.json["kind"] for g in receiver.on("/phase")] == ["phase_change"]
    [crossing] = [g.json for g in receiver.on("/low") if g.json["kind"] == "forecast_threshold"]
    assert crossing["data"] == {"threshold": 1000.0, "expected": 2500.0}


def test_threshold_alerts_fire_once_per_threshold() -> None:
    first = threshold_alerts("t", before=None, after=1200, at=T0, thresholds=[500, 1000, 2000])
    assert [a.data["threshold"] for a in first] == [500.0, 1000.0]
    again = threshold_alerts("t", before=1100, after=2500, at=T0 + 60, thresholds=[1000, 2000])
    assert [a.data["threshold"] for a in again] == [2000.0]
    redo = threshold_alerts("t", before=100, after=600, at=T0 + 99, thresholds=[500])
    assert redo[0].id == first[0].id  # the same threshold crossed again is the same alert
    assert threshold_alerts("t", before=2500, after=2000, at=T0, thresholds=[2000]) == []


def test_a_delivery_of_a_removed_subscription_is_not_sent(
    db: SQLiteStore, receiver: Receiver
) -> None:
    sub = subscribe(db, "#flood", url=receiver.answer("/removed"))
    alerts = dispatcher(db)
    alerts.submit(burst())
    db.alerts.remove_subscription(sub.id)
    with alerts:
        assert alerts.wait_idle(WAIT)
    assert receiver.got == []
    [logged] = db.alerts.deliveries(topic="#flood")
    assert logged.status == "failed" and "removed" in (logged.last_error or "")


# --------------------------------------------------------------------------- commands
RECORDER = """\
import os, sys
data = sys.stdin.buffer.read()
env = [os.environ[k] for k in ("KOLGRAPH_ALERT_ID", "KOLGRAPH_ALERT_KIND", "KOLGRAPH_ALERT_TOPIC")]
with open(sys.argv[1], "ab") as out:
    out.write(("|".join(env) + "\\n").encode() + data + b"\\n")
sys.exit(int(sys.argv[2]))
"""


def recorder(tmp_path: Path, exit_code: int) -> tuple[str, Path]:
    script = tmp_path / "record_alert.py"
    script.write_text(RECORDER)
    out = tmp_path / f"alerts-{exit_code}.txt"
    argv = [sys.executable, str(script), str(out), str(exit_code)]
    return " ".join(shlex.quote(a) for a in argv), out


def test_an_alert_command_gets_the_json_on_stdin_and_its_environment(
    db: SQLiteStore, tmp_path: Path
) -> None:
    command, out = recorder(tmp_path, 0)
    subscribe(db, "#flood", command=command)
    alert = burst()
    with dispatcher(db) as alerts:
        alerts.submit(alert)
        assert alerts.wait_idle(WAIT)
    env_line, body, _ = out.read_bytes().split(b"\n")
    assert env_line.decode() == f"{alert.id}|burst|#flood"
    assert json.loads(body)["data"] == alert.data and json.loads(body)["id"] == alert.id
    [logged] = db.alerts.deliveries(topic="#flood")
    assert (logged.status, logged.attempts, logged.last_status) == ("delivered", 1, 0)


def test_a_failing_command_is_retried_then_failed(db: SQLiteStore, tmp_path: Path) -> None:
    command, out = recorder(tmp_path, 3)
    subscribe(db, "#flood", command=command)
    with dispatcher(db, max_attempts=3) as alerts:
        alerts.submit(burst())
        assert alerts.wait_idle(WAIT)
    assert out.read_bytes().count(b"|burst|#flood") == 3
    [logged] = db.alerts.deliveries(topic="#flood")
    assert (logged.status, logged.attempts, logged.last_status) == ("failed", 3, 3)
    assert "exited with 3" in (logged.last_error or "")


def test_a_command_that_cannot_start_fails_at_once(db: SQLiteStore, tmp_path: Path) -> None:
    subscribe(db, "#flood", command=str(tmp_path / "no-such-program"))
    with dispatcher(db) as alerts:
        alerts.submit(burst())
        assert alerts.wait_idle(WAIT)
    [logged] = db.alerts.deliveries(topic="#flood")
    assert (logged.status, logged.attempts) == ("failed", 1)
    assert "cannot run" in (logged.last_error or "")


# --------------------------------------------------------------------------- pure parts
def test_verify_refuses_a_changed_body_a_wrong_secret_and_a_stale_time() -> None:
    secret, body, t = "a" * 64, b'{"id":"al_1","kind":"burst"}', 1_700_000_000
    header = sign(secret, body, timestamp=t)
    assert header.startswith(f"t={t},v1=") and len(header.rsplit("=", 1)[1]) == 64
    assert verify_signature(secret, header, body, now=t + 10)
    assert verify_signature(secret, header, body.decode(), now=t - 10)
    assert not verify_signature(secret, header, body.replace(b"burst", b"bursT"), now=t)
    assert not verify_signature("b" * 64, header, body, now=t)
    assert not verify_signature(secret, header, body, now=t + 301)  # a replay, too late
    assert not verify_signature(secret, header, body, now=t - 301)  # from the future
    assert verify_signature(secret, header, body, now=t + 3000, tolerance_seconds=3600)
    rotated = f"t={t},v1={'0' * 64},v1={header.rsplit('=', 1)[1]}"
    assert verify_signature(secret, rotated, body, now=t)
    for bad in ("", f"t={t}", "v1=abc", f"t=x,v1={'0' * 64}", f"t={t};v1=0", "garbage"):
        assert not verify_signature(secret, bad, body, now=t), bad


def test_a_signature_is_the_hmac_of_time_dot_body() -> None:
    import hashlib
    import hmac

    body = b'{"a":1}'
    want = hmac.new(b"k", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert sign("k", body, timestamp=1_700_000_000) == f"t=1700000000,v1={want}"


def test_retry_delays_are_full_jitter_under_a_cap_and_honour_retry_after() -> None:
    rng = random.Random(3)
    for attempt, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (6, 32.0), (9, 60.0), (2000, 60.0)]:
        waits = [retry_delay(attempt, base=1.0, cap=60.0, rng=rng) for _ in range(400)]
        assert all(0.0 <= w <= ceiling for w in waits)
        assert max(waits) > 0.9 * ceiling and min(waits) < 0.1 * ceiling  # the whole range
    assert retry_delay(1, base=1.0, cap=60.0, retry_after=30.0, rng=rng) >= 30.0
    assert retry_delay(1, base=1.0, cap=60.0, retry_after=1e9, rng=rng) == 3600.0


def test_alert_ids_are_stable_digests_and_data_is_plain_json() -> None:
    import numpy as np

    a = make_alert("t", "new_top_amplifier", T0, {"x": np.float64(1.5)}, key_fields={"k": "x:1"})
    b = make_alert("t", "new_top_amplifier", T0 + 5, {"y": 2}, key_fields={"k": "x:1"})
    c = make_alert("t", "new_top_amplifier", T0, {}, key_fields={"k": "x:2"})
    d = make_alert("u", "new_top_amplifier", T0, {}, key_fields={"k": "x:1"})
    assert a.id == b.id and len({a.id, c.id, d.id}) == 3
    e = make_alert("t", "burst", T0, {"z": float("nan"), "w": (1, np.int64(2))}, key_fields={})
    assert e.data == {"z": None, "w": [1, 2]} and type(a.data["x"]) is float
    json.dumps(e.as_json(), allow_nan=False)
    with pytest.raises(InputError, match="unknown alert kind"):
        make_alert("t", "tsunami", T0, {}, key_fields={})


def test_bad_dispatcher_options_are_input_errors(db: SQLiteStore) -> None:
    with pytest.raises(InputError, match="max_attempts"):
        AlertDispatcher(db, max_attempts=0)
