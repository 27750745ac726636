"""Alerts on topics, delivered to webhooks and commands: at least once, signed, retried, logged.

The listener derives :class:`Alert` s (a burst starts or ends, the phase changes,
a new top amplifier, the forecast crosses a threshold) and hands each to
:meth:`AlertDispatcher.submit`. That records one delivery per matching active
subscription in the store (:attr:`~kolgraph.store.base.Store.alerts`, status
``pending``) and passes them to a background thread, so the ingest loop never
waits for a receiver. The thread signs and POSTs each alert (or runs the
subscription's command), retries what is transient with exponential backoff and
full jitter, and writes every attempt to the delivery log.

Delivery is **at least once**: an alert's id is a digest of what identifies it
(:func:`make_alert`), so the same alert derived again after a restart is the
same delivery, recorded once; deliveries still pending when a listener stops
(or is killed) are sent by the next dispatcher on the store. A receiver may see
an alert twice (a response lost after it was handled, two dispatchers resuming
the same store) and should de-duplicate on ``X-Kolgraph-Event-Id``.

Threads
-------
The worker uses the dispatcher's store from its own thread. Both stores allow
it: the SQLite store opens one connection per thread (the worker closes its own
when it stops), the Neo4j driver is thread-safe.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import logging
import math
import os
import queue
import random
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import httpx

from kolgraph.errors import InputError, NotFound
from kolgraph.listen.webhooks import (
    EVENT_ID_HEADER,
    SIGNATURE_HEADER,
    Attempt,
    post_webhook,
    retry_delay,
    run_command,
    sign,
    verify_signature,
)
from kolgraph.store.alertstate import (
    ALERT_KINDS,
    Delivery,
    DeliveryStatus,
    Subscription,
    alert_time,
)
from kolgraph.store.base import Store

__all__ = [
    "ALERT_KINDS",
    "EVENT_ID_HEADER",
    "SIGNATURE_HEADER",
    "Alert",
    "AlertDispatcher",
    "make_alert",
    "threshold_alerts",
    "verify_signature",
]

log = logging.getLogger(__name__)

Key = tuple[str, str]


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


def _plain(value: Any) -> Any:
    """``value`` as plain JSON: numpy scalars unwrapped, tuples as lists, NaN/inf as null."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return [_plain(v) for v in items]
    if hasattr(value, "item") and callable(value.item):  # numpy scalar
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


@dataclass(frozen=True, slots=True)
class Alert:
    """Something that happened to a topic: a burst, a phase change, a new amplifier...

    ``id`` is stable (see :func:`make_alert`); ``at`` is when it happened in the
    stream (unix seconds of the events, not of the machine); ``data`` is plain JSON.
    """

    id: str
    topic: str
    kind: str
    at: float
    data: dict[str, Any] = field(default_factory=dict)

    def as_json(self, *, sent: str | None = None) -> dict[str, Any]:
        """The webhook body: ``id, topic, kind, at, at_iso, data, sent`` (``sent``
        is the time of the attempt, ISO 8601, filled in when it is sent)."""
        return {
            "id": self.id,
            "topic": self.topic,
            "kind": self.kind,
            "at": self.at,
            "at_iso": _iso(self.at),
            "data": self.data,
            "sent": sent,
        }


def make_alert(
    topic: str,
    kind: str,
    at: float,
    data: Mapping[str, Any],
    *,
    key_fields: Mapping[str, Any],
) -> Alert:
    """An :class:`Alert` whose id is a digest of ``topic``, ``kind`` and ``key_fields``.

    ``key_fields`` are what identifies this alert among the topic's alerts of the
    same kind (a burst's start, the new phase and when it began, an amplifier's
    key): deriving it again from the same events gives the same id,

    .. math::

        \\mathit{id} = \\texttt{al\\_} \\,\\|\\, \\mathrm{SHA256}(\\mathrm{JSON}(
        [\\mathit{topic}, \\mathit{kind}, \\mathit{key\\_fields}]))_{1..24}.

    Raises
    ------
    InputError
        An unknown ``kind``.

    Examples
    --------
    >>> t = 1700000000
    >>> a = make_alert("#flood", "burst", t, {"rate": 4.2}, key_fields={"start": t})
    >>> b = make_alert("#flood", "burst", t, {"rate": 9.9}, key_fields={"start": t})
    >>> a.id == b.id, a.id.startswith("al_"), len(a.id)
    (True, True, 27)
    """
    if kind not in ALERT_KINDS:
        raise InputError(
            f"unknown alert kind {kind!r}", hint=f"choose among {', '.join(ALERT_KINDS)}"
        )
    ident = json.dumps([topic, kind, _plain(key_fields)], sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(ident.encode()).hexdigest()[:24]
    when = at if isinstance(at, int) else float(at)  # whole seconds stay integers in JSON
    return Alert(id=f"al_{digest}", topic=topic, kind=kind, at=when, data=_plain(data))


def threshold_alerts(
    topic: str,
    *,
    before: float | None,
    after: float,
    at: float,
    thresholds: Sequence[float],
    data: Mapping[str, Any] | None = None,
) -> list[Alert]:
    """``forecast_threshold`` alerts for the thresholds the forecast crossed upwards.

    A threshold :math:`h` is crossed when :math:`\\mathit{before} < h \\le
    \\mathit{after}` (``before`` ``None``: the first forecast, crossing every
    :math:`h \\le \\mathit{after}`). One alert per threshold and topic (its id
    depends on :math:`h` only), carrying ``threshold``, ``expected`` and ``data``;
    it goes to the subscriptions with that threshold
    (:meth:`AlertDispatcher.thresholds` lists them).
    """
    low = -math.inf if before is None or not math.isfinite(before) else before
    crossed = sorted({float(h) for h in thresholds if low < h <= after})
    return [
        make_alert(
            topic,
            "forecast_threshold",
            at,
            {**(data or {}), "threshold": h, "expected": after},
            key_fields={"threshold": h},
        )
        for h in crossed
    ]


def _wants(sub: Subscription, alert: Alert) -> bool:
    if not sub.wants(alert.topic, alert.kind):
        return False
    if alert.kind != "forecast_threshold":
        return True
    h = alert.data.get("threshold")
    return (
        sub.threshold is not None
        and isinstance(h, int | float)
        and math.isclose(sub.threshold, h, rel_tol=1e-9)
    )


class AlertDispatcher:
    """Records alerts' deliveries and sends them from a background thread.

    Parameters
    ----------
    store
        Where subscriptions and the delivery log are kept (used from the caller's
        thread and from the worker's; see the module docstring).
    max_attempts
        Attempts per delivery before it is marked ``failed``.
    backoff_base, backoff_cap
        Seconds of the exponential backoff (see
        :func:`~kolgraph.listen.webhooks.retry_delay`).
    connect_timeout, timeout
        Seconds to connect to a receiver, and to wait for each read / write.
    command_timeout
        Seconds an alert command may run.
    queue_size
        Deliveries held in memory at most; more stay ``pending`` in the store and
        are taken up as the worker catches up.
    resume
        Whether the worker starts by taking up the deliveries the store holds as
        pending (those of a listener that stopped).
    seed
        Seed of the backoff jitter.

    Examples
    --------
    >>> with AlertDispatcher(store) as alerts:  # doctest: +SKIP
    ...     alerts.submit(make_alert("#flood", "burst", t, data, key_fields={"start": t}))
    """

    def __init__(
        self,
        store: Store,
        *,
        max_attempts: int = 6,
        backoff_base: float = 1.0,
        backoff_cap: float = 300.0,
        connect_timeout: float = 5.0,
        timeout: float = 10.0,
        command_timeout: float = 30.0,
        queue_size: int = 1000,
        resume: bool = True,
        seed: int | None = None,
    ) -> None:
        if max_attempts < 1 or queue_size < 1:
            raise InputError(
                f"max_attempts ({max_attempts}) and queue_size ({queue_size}) must be >= 1",
                hint="give at least one attempt and room for one delivery",
            )
        self.store = store
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.command_timeout = command_timeout
        self.queue_size = queue_size
        self._resume = resume
        self._rng = random.Random(seed)
        self._timeout = httpx.Timeout(timeout, connect=connect_timeout)
        self._inbox: queue.Queue[Delivery] = queue.Queue()
        self._lock = threading.Condition()
        self._known: set[Key] = set()  # deliveries in memory: queued, waiting or in flight
        self._backlog = resume  # pending deliveries may wait in the store
        self._stop = threading.Event()
        self._deadline = math.inf
        self._thread: threading.Thread | None = None

    # the caller's side ----------------------------------------------------------------
    def __enter__(self) -> AlertDispatcher:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> AlertDispatcher:
        """Start the worker thread (once)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="kolgraph-alerts", daemon=True)
            self._thread.start()
        return self

    def thresholds(self, topic: str) -> list[float]:
        """The forecast thresholds active subscriptions of ``topic`` watch, ascending."""
        subs = self.store.alerts.subscriptions(topic)
        return sorted(
            {
                s.threshold
                for s in subs
                if s.threshold is not None and s.wants(topic, "forecast_threshold")
            }
        )

    def submit(self, alert: Alert) -> list[Delivery]:
        """Record ``alert`` for every active subscription that wants it; the new deliveries.

        Only the store is written (``pending``); sending happens in the worker, so
        this never waits for a receiver. A delivery already recorded (the same
        alert submitted again) is not sent again. When the in-memory queue is
        full, new deliveries stay pending in the store and are sent later.
        """
        subs = [s for s in self.store.alerts.subscriptions(alert.topic) if _wants(s, alert)]
        if not subs:
            return []
        now = alert_time()
        body = alert.as_json()
        del body["sent"]
        new = self.store.alerts.enqueue(
            [
                Delivery(
                    event_id=alert.id,
                    subscription_id=s.id,
                    topic=alert.topic,
                    kind=alert.kind,
                    payload=body,
                    created=now,
                    updated=now,
                )
                for s in subs
            ]
        )
        with self._lock:
            for d in new:
                if d.key in self._known:  # the worker took it up from the store already
                    continue
                if len(self._known) < self.queue_size:
                    self._known.add(d.key)
                    self._inbox.put(d)
                else:
                    self._backlog = True
            self._lock.notify_all()
        return new

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until every delivery this dispatcher knows of is delivered or failed.

        Returns whether it got there within ``timeout`` seconds (``None``: no limit).
        """
        deadline = math.inf if timeout is None else time.monotonic() + timeout
        with self._lock:
            while self._known or self._backlog:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._lock.wait(min(left, 0.5))
        return True

    def close(self, timeout: float = 10.0) -> int:
        """Send what can be sent within ``timeout`` seconds, then stop the worker.

        Deliveries still waiting (for a retry later than that) stay pending in the
        store for the next dispatcher. Returns how many were left in memory.
        """
        self._deadline = time.monotonic() + timeout
        self._stop.set()
        with self._lock:
            self._lock.notify_all()
        if self._thread is not None:
            self._thread.join(timeout + 1.0)
        with self._lock:
            return len(self._known)

    # the worker's side ----------------------------------------------------------------
    def _run(self) -> None:
        waiting: list[tuple[float, int, Delivery]] = []  # (due, tie-breaker, delivery)
        tick = 0
        client = httpx.Client(timeout=self._timeout, follow_redirects=False)
        try:
            while True:
                with self._lock:
                    while True:
                        try:
                            d = self._inbox.get_nowait()
                        except queue.Empty:
                            break
                        tick += 1
                        heapq.heappush(waiting, (time.monotonic(), tick, d))
                    # refill when half the room is free (or nothing waits), not per free slot
                    take_backlog = self._backlog and (
                        len(self._known) <= self.queue_size // 2 or not waiting
                    )
                    self._backlog = False if take_backlog else self._backlog
                if take_backlog:
                    for d in self._load_pending():
                        tick += 1
                        heapq.heappush(waiting, (time.monotonic(), tick, d))
                now = time.monotonic()
                if self._stop.is_set() and (
                    now >= self._deadline or not waiting or waiting[0][0] > self._deadline
                ):
                    return
                if waiting and waiting[0][0] <= now:
                    _, _, d = heapq.heappop(waiting)
                    later = self._attempt(client, d)
                    if later is not None:
                        tick += 1
                        heapq.heappush(waiting, (time.monotonic() + later[0], tick, later[1]))
                    continue
                pause = waiting[0][0] - now if waiting else 1.0
                with self._lock:
                    if self._inbox.empty() and not self._stop.is_set():
                        self._lock.wait(min(pause, 1.0))
        except Exception:  # the worker must not die silently: what is left stays pending
            log.exception("the alert worker stopped on an unexpected error")
        finally:
            client.close()
            self.store.close()  # this thread's connection
            with self._lock:
                self._lock.notify_all()

    def _load_pending(self) -> list[Delivery]:
        """Pending deliveries of the store not in memory yet (as many as there is room for)."""
        try:
            with self._lock:
                room = self.queue_size + len(self._known)  # enough to fill it, known ones skipped
            pending = self.store.alerts.pending(limit=room)
        except Exception:
            log.exception("could not read the pending alert deliveries")
            with self._lock:
                self._backlog = True
            return []
        taken = []
        with self._lock:
            for d in pending:
                if d.key in self._known:
                    continue
                if len(self._known) >= self.queue_size:
                    self._backlog = True
                    break
                self._known.add(d.key)
                taken.append(d)
        return taken

    def _finish(self, d: Delivery) -> None:
        with self._lock:
            self._known.discard(d.key)
            self._lock.notify_all()

    def _attempt(self, client: httpx.Client, d: Delivery) -> tuple[float, Delivery] | None:
        """Send ``d`` once and log it; ``(wait, delivery)`` when it is to be retried."""
        try:
            sub = self.store.alerts.get_subscription(d.subscription_id)
        except NotFound as exc:
            return self._logged(d, Attempt(ok=False, error=exc.message))
        except Exception as exc:  # the store failed: try again later
            return self._logged(d, Attempt(ok=False, retry=True, error=str(exc)))
        if not sub.active:
            return self._logged(d, Attempt(ok=False, error="the subscription was removed"))
        try:
            outcome = self._send(client, sub, d)
        except Exception as exc:  # e.g. a URL httpx cannot use: retrying will not help
            log.exception("alert %s to %s could not be sent", d.event_id, sub.target)
            outcome = Attempt(ok=False, error=f"{type(exc).__name__}: {exc}")
        return self._logged(d, outcome)

    def _send(self, client: httpx.Client, sub: Subscription, d: Delivery) -> Attempt:
        body = json.dumps({**d.payload, "sent": alert_time()}, separators=(",", ":")).encode()
        if sub.url is not None:
            headers = {
                "Content-Type": "application/json",
                EVENT_ID_HEADER: d.event_id,
                SIGNATURE_HEADER: sign(sub.secret, body, timestamp=int(time.time())),
            }
            return post_webhook(client, sub.url, body, headers)
        env = {
            **os.environ,  # the child's environment: the parent's plus the alert's
            "KOLGRAPH_ALERT_ID": d.event_id,
            "KOLGRAPH_ALERT_KIND": d.kind,
            "KOLGRAPH_ALERT_TOPIC": d.topic,
            "KOLGRAPH_ALERT_SIGNATURE": sign(sub.secret, body, timestamp=int(time.time())),
        }
        return run_command(str(sub.command), body, env, timeout=self.command_timeout)

    def _logged(self, d: Delivery, outcome: Attempt) -> tuple[float, Delivery] | None:
        attempts = d.attempts + 1
        again = not outcome.ok and outcome.retry and attempts < self.max_attempts
        status: DeliveryStatus = "delivered" if outcome.ok else "pending" if again else "failed"
        try:
            updated = self.store.alerts.update_delivery(
                d.event_id,
                d.subscription_id,
                status=status,
                attempts=attempts,
                last_error=None if outcome.ok else outcome.error,
                last_status=outcome.status,
                when=alert_time(),
            )
        except Exception:
            log.exception("could not log an attempt of alert %s", d.event_id)
            updated = replace(d, attempts=attempts, status=status)
        if status == "pending":
            wait = retry_delay(
                attempts,
                base=self.backoff_base,
                cap=self.backoff_cap,
                retry_after=outcome.retry_after,
                rng=self._rng,
            )
            log.info(
                "alert %s to %s: attempt %d failed (%s); retrying in %.1f s",
                d.event_id,
                d.subscription_id,
                attempts,
                outcome.error,
                wait,
            )
            return wait, updated
        if status == "failed":
            log.warning(
                "alert %s to %s failed after %d attempt(s): %s",
                d.event_id,
                d.subscription_id,
                attempts,
                outcome.error,
            )
        self._finish(d)
        return None
