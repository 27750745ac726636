"""The listener: events in, stored once, applied to every topic they belong to, alerts out.

Each batch of events is handled in this order:

1. **Lateness.** An event older than the newest event seen minus ``lateness`` seconds
   is rejected as late; the others are accepted (out of order within the lateness).
2. **Store.** The accepted events, the topics each belongs to and the source's
   checkpoint are stored in one transaction; events already stored (a replayed
   stream) are recognised by their id and change nothing. Reposts, mentions and
   replies become repost edges of the graph.
3. **Topics.** The new events are applied to their topics' trackers in arrival order;
   each tracker feeds its burst detector every bin of event time that closed (whose
   end is at most the newest event minus the lateness: no accepted event can fall in
   it later).
4. **State.** At most every ``state_seconds`` (and at the end), each changed topic's
   state is worked out and stored, and the alerts it raised are handed to the
   dispatcher, which never blocks the listener.

Because every stored event was accepted against the same rule, applying a topic's
stored events again in arrival order (:meth:`Listener.load`) rebuilds exactly the
state the listener had: that is how a killed listener resumes, and how ``topics show
--recompute`` checks the live state.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from kolgraph.errors import InputError
from kolgraph.listen.alerts import Alert, make_alert, threshold_alerts
from kolgraph.listen.cascade import AccountContext
from kolgraph.listen.early import SizeForecaster
from kolgraph.listen.events import parse_event_line
from kolgraph.listen.sources import IDLE, LineSource
from kolgraph.listen.topics import TopicDef
from kolgraph.listen.tracker import Raised, TopicTracker, iso
from kolgraph.model import Action
from kolgraph.store.base import Store
from kolgraph.store.batches import RepostBatch
from kolgraph.store.listenstate import EventRecord, TopicRecord

__all__ = ["BatchResult", "ListenStats", "Listener", "RejectLog", "account_context"]

_ACTIONS = {
    "repost": Action.REPOST.value,
    "mention": Action.MENTION.value,
    "reply": Action.REPLY.value,
}


class AlertSink(Protocol):
    """Where raised alerts go (:class:`~kolgraph.listen.alerts.AlertDispatcher`)."""

    def submit(self, alert: Alert) -> Any: ...

    def thresholds(self, topic: str) -> list[float]: ...


@dataclass
class ListenStats:
    """What a listener did so far."""

    lines: int = 0
    events: int = 0
    new: int = 0
    duplicates: int = 0
    rejected: int = 0
    late: int = 0
    alerts: int = 0
    seconds: float = 0.0
    memberships: dict[str, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        """Events per second."""
        return self.events / self.seconds if self.seconds > 0 else 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "lines": self.lines,
            "events": self.events,
            "new": self.new,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "late": self.late,
            "alerts": self.alerts,
            "seconds": round(self.seconds, 3),
            "events_per_second": round(self.rate, 1),
            "topics": dict(self.memberships),
        }


@dataclass(frozen=True)
class BatchResult:
    """One batch: how many were new, duplicates, late; and the rejected ``(index, error)``."""

    new: int
    duplicates: int
    late: int
    rejected: list[tuple[int, InputError]]


@dataclass(frozen=True)
class _Batch:
    """A batch checked for lateness and matched to topics, not yet stored."""

    size: int
    accepted: list[EventRecord]
    late: list[tuple[int, InputError]]
    #: events repeated in the batch, or behind the lateness and stored already
    known: int
    members: dict[str, list[str]]
    topics_of: dict[str, list[TopicTracker]]


class RejectLog:
    """Appends rejected lines to a TSV file: ``source, line, reason, row``."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._rows: list[str] = []

    def add(self, source: str, line: int, reason: str, raw: bytes | str) -> None:
        if self.path is None:
            return
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        clean = reason.replace("\t", " ").replace("\n", " ")
        self._rows.append(f"{source}\t{line}\t{clean}\t{text[:10_000].replace(chr(9), ' ')}\n")

    def flush(self) -> None:
        if self.path is None or not self._rows:
            return
        new = not self.path.exists()
        try:
            with self.path.open("a", encoding="utf-8") as fh:
                if new:
                    fh.write("source\tline\treason\trow\n")
                fh.writelines(self._rows)
        except OSError as exc:
            raise InputError(
                f"cannot write the rejects file {self.path} ({exc.strerror or exc})",
                hint="give --rejects a path you may write",
            ) from None
        self._rows = []


def account_context(store: Store) -> AccountContext:
    """Communities, quality flags and followers of the accounts, from the current run."""
    run = store.current_run()
    if run is None:
        return AccountContext()
    accounts = store.accounts_frame()
    scores = store.current_scores()
    keys = accounts["key"].to_numpy()
    community: dict[str, int] = {}
    flags: dict[str, tuple[str, ...]] = {}
    followers: dict[str, float] = {}
    if len(scores) == len(accounts):
        comm = scores["community"]
        mask = comm.notna().to_numpy()
        community = dict(zip(keys[mask].tolist(), comm[mask].astype(int).tolist(), strict=True))
        for key, value in zip(keys.tolist(), scores["flags"].tolist(), strict=True):
            if isinstance(value, list | tuple | np.ndarray) and len(value):
                flags[key] = tuple(str(v) for v in value)
        declared = pd.to_numeric(accounts["followers"], errors="coerce").to_numpy(dtype=float)
        audience = pd.to_numeric(scores["audience"], errors="coerce").to_numpy(dtype=float)
        best = np.where(np.isfinite(declared), declared, audience)
        known = np.isfinite(best)
        followers = dict(zip(keys[known].tolist(), best[known].tolist(), strict=True))
    return AccountContext(run.id, community, flags, followers)


class Listener:
    """Follows the store's topics as events arrive (see the module docstring).

    Parameters
    ----------
    store
        Where events, topics and their states are kept.
    lateness
        Seconds of event time an event may arrive behind the newest one.
    state_seconds
        Least wall-clock seconds between two stored states of a topic.
    bin_seconds, window_hours
        The burst detector's bin, and the window amplifiers are counted in.
    forecaster
        The size forecaster (default: fitted on the store's cascades, else the prior).
    alerts
        Where raised alerts go (``None``: nowhere); it also says which forecast
        thresholds its subscribers watch, per topic.
    """

    def __init__(
        self,
        store: Store,
        *,
        lateness: int = 120,
        state_seconds: float = 1.0,
        bin_seconds: int = 300,
        window_hours: float = 6.0,
        forecaster: SizeForecaster | None = None,
        alerts: AlertSink | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if lateness < 0 or bin_seconds <= 0 or window_hours <= 0:
            raise InputError(
                "lateness must be >= 0, the bin and the window > 0",
                hint="e.g. --lateness 120",
            )
        self.store = store
        self.lateness = lateness
        self.state_seconds = state_seconds
        self.bin_seconds = bin_seconds
        self.window = int(window_hours * 3600)
        self.forecaster = forecaster or SizeForecaster.prior()
        self.alerts = alerts
        self.clock = clock
        self.context = AccountContext()
        self.trackers: dict[str, TopicTracker] = {}
        self.high: int | None = None
        self.stats = ListenStats()
        self._dirty: set[str] = set()
        self._saved_at = 0.0
        self._full_at = 0.0
        #: least seconds between two refreshes of the forecasts and main paths
        self.full_seconds = 10.0
        self._thresholds: dict[str, list[float]] = {}
        self._expected: dict[str, float] = {}

    # loading -------------------------------------------------------------------
    def load(self, *, only: str | None = None) -> Listener:
        """Read the run's account context and rebuild every topic (or ``only`` that one)
        from its stored events."""
        self.context = account_context(self.store)
        self.trackers = {}
        for record in self.store.listening.topics():
            if only is None or record.name == only:
                self._track(TopicDef.from_json(record.name, record.definition))
        if self.high is not None:
            for tracker in self.trackers.values():
                tracker.advance(self.high - self.lateness)
        self.save_states(force=True, replayed=True)
        return self

    def _track(self, topic: TopicDef, *, stored: bool = True) -> TopicTracker:
        """A tracker of ``topic`` fed with its stored events (or, without ``stored``, every
        stored event it matches, whose memberships are stored then)."""
        tracker = TopicTracker(
            topic, self.context, self.forecaster, bin_seconds=self.bin_seconds, window=self.window
        )
        if self.alerts is not None:
            self._thresholds[topic.name] = self.alerts.thresholds(topic.name)
        events = self.store.listening.events(topic=topic.name if stored else None)
        matched: list[str] = []
        for event in sorted(events, key=lambda e: e.seq):
            # a topic's own events are matched again only to rebuild the posts below a root
            if tracker.matcher.matches(event) or stored:
                tracker.apply(event)
                matched.append(event.id)
                self.high = event.ts if self.high is None else max(self.high, event.ts)
        if not stored:
            for start in range(0, len(matched), 50_000):
                part = matched[start : start + 50_000]
                self.store.listening.add_events([], topics={topic.name: part})
        self.trackers[topic.name] = tracker
        self._dirty.add(topic.name)
        return tracker

    def add_topic(self, topic: TopicDef, when: str) -> TopicTracker:
        """Start following a new topic: store it, match every stored event, build its state."""
        self.store.listening.add_topic(TopicRecord(topic.name, topic.as_json(), when))
        tracker = self._track(topic, stored=False)
        if self.high is not None:
            tracker.advance(self.high - self.lateness)
        self.save_states(force=True, replayed=True)
        return tracker

    # events --------------------------------------------------------------------
    def add(
        self, events: Sequence[EventRecord], *, checkpoint: tuple[str, str] | None = None
    ) -> BatchResult:
        """Store a batch of checked events and apply the new ones to their topics."""
        batch = self._prepare(events)
        return self._apply(batch, self._write(batch, checkpoint))

    def _prepare(self, events: Sequence[EventRecord]) -> _Batch:
        """Lateness and topics of a batch (steps 1 and the matching of 3)."""
        accepted: list[EventRecord] = []
        behind: list[tuple[int, EventRecord]] = []
        high = self.high
        seen: set[str] = set()
        repeated = 0
        for i, event in enumerate(events):
            if event.id in seen:
                repeated += 1
                continue
            seen.add(event.id)
            if high is not None and event.ts < high - self.lateness:
                behind.append((i, event))
                continue
            accepted.append(event)
            high = event.ts if high is None else max(high, event.ts)
        # an event behind the lateness that is stored already is a duplicate, not late
        known = self.store.listening.stored_ids([e.id for _, e in behind]) if behind else set()
        late = [(i, self._late(e, high)) for i, e in behind if e.id not in known]
        members: dict[str, list[str]] = {}
        topics_of: dict[str, list[TopicTracker]] = {}
        for tracker in self.trackers.values():
            ids = [e.id for e in accepted if tracker.matcher.matches(e)]
            if ids:
                members[tracker.name] = ids
                for event_id in ids:
                    topics_of.setdefault(event_id, []).append(tracker)
        self.high = high
        return _Batch(
            len(events), accepted, late, repeated + len(behind) - len(late), members, topics_of
        )

    def _write(self, batch: _Batch, checkpoint: tuple[str, str] | None) -> frozenset[str]:
        """Store the batch, its memberships and checkpoint, and its graph edges (step 2)."""
        added = self.store.listening.add_events(
            batch.accepted, topics=batch.members, checkpoint=checkpoint
        )
        self._graph([e for e in batch.accepted if e.id in added.new_ids])
        return added.new_ids

    def _apply(self, batch: _Batch, new_ids: frozenset[str]) -> BatchResult:
        """Apply the batch's new events to their topics (step 3)."""
        fresh = [e for e in batch.accepted if e.id in new_ids]
        memberships = self.stats.memberships
        for event in fresh:
            for tracker in batch.topics_of.get(event.id, ()):
                tracker.apply(event)
                self._dirty.add(tracker.name)
                memberships[tracker.name] = memberships.get(tracker.name, 0) + 1
        if self.high is not None:
            for name in self._dirty:
                self.trackers[name].advance(self.high - self.lateness)
        duplicates = len(batch.accepted) - len(fresh) + batch.known
        self.stats.events += batch.size
        self.stats.new += len(fresh)
        self.stats.duplicates += duplicates
        self.stats.late += len(batch.late)
        return BatchResult(len(fresh), duplicates, len(batch.late), batch.late)

    def _late(self, event: EventRecord, high: int | None) -> InputError:
        return InputError(
            f"event at {event.ts} is {(high or 0) - event.ts} s behind the newest ({high}), "
            f"more than the lateness of {self.lateness} s",
            hint="send events in time order, or listen with a larger --lateness",
            field="ts",
        )

    def _graph(self, events: Iterable[EventRecord]) -> None:
        rows = [e for e in events if e.parent_author is not None and e.type in _ACTIONS]
        if not rows:
            return
        batch = RepostBatch.from_columns(
            [e.author for e in rows],
            [e.parent_author or "" for e in rows],
            [e.parent_post or e.post or "" for e in rows],
            [e.ts for e in rows],
            [_ACTIONS[e.type] for e in rows],
        )
        self.store.add_reposts(batch)

    def consume(
        self,
        source: LineSource,
        *,
        rejects: RejectLog | None = None,
        batch_size: int = 50_000,
        batch_seconds: float = 1.0,
        on_batch: Callable[[ListenStats], None] | None = None,
        should_stop: Callable[[], bool] = lambda: False,
    ) -> ListenStats:
        """Read a source to its end (or until ``should_stop``), in batches.

        A batch is stored when it has ``batch_size`` events, when its first event was
        read ``batch_seconds`` ago, or when the source goes quiet.
        """
        rejects = rejects or RejectLog(None)
        started = time.perf_counter()
        pending: list[EventRecord] = []
        lines_of: list[tuple[int, bytes]] = []
        position = None
        opened = 0.0
        for chunk in source:
            if position is None:
                opened = time.perf_counter()
            if chunk is not IDLE:
                for lineno, raw in chunk.lines:
                    self.stats.lines += 1
                    if not raw.strip():
                        continue
                    try:
                        pending.append(parse_event_line(raw))
                        lines_of.append((lineno, raw))
                    except InputError as exc:
                        self.stats.rejected += 1
                        rejects.add(source.name, lineno, _reason(exc), raw)
                position = chunk.end
            due = time.perf_counter() - opened >= batch_seconds
            if position is not None and (len(pending) >= batch_size or chunk is IDLE or due):
                self._flush(source.name, pending, lines_of, str(position), rejects)
                pending, lines_of, position = [], [], None
                self.stats.seconds = time.perf_counter() - started
                if on_batch is not None:
                    on_batch(self.stats)
            elif chunk is IDLE:
                self.save_states()  # states changed within the last interval are due now
            if should_stop():
                source.stop()
                break
        if position is not None:
            self._flush(source.name, pending, lines_of, str(position), rejects)
        self.save_states(force=True)
        self.stats.seconds = time.perf_counter() - started
        return self.stats

    def _flush(
        self,
        name: str,
        events: list[EventRecord],
        lines_of: list[tuple[int, bytes]],
        position: str,
        rejects: RejectLog,
    ) -> None:
        result = self.add(events, checkpoint=(name, position))
        for index, exc in result.rejected:
            lineno, raw = lines_of[index]
            rejects.add(name, lineno, _reason(exc), raw)
        self.stats.rejected += len(result.rejected)
        rejects.flush()
        self.save_states()

    # states --------------------------------------------------------------------
    def save_states(self, *, force: bool = False, replayed: bool = False) -> None:
        """Store the state of every changed topic (at most every ``state_seconds``)."""
        now = self.clock()
        if not self._dirty or (not force and now - self._saved_at < self.state_seconds):
            return
        when = iso(int(now)) or ""
        full = force or now - self._full_at >= self.full_seconds
        if full:
            self._full_at = now
        for name in sorted(self._dirty):
            tracker = self.trackers.get(name)
            if tracker is None:
                continue
            state = tracker.snapshot(full=full)
            self.store.listening.save_state(name, state, when)
            self._send(name, tracker.take_alerts(), replayed=replayed)
            self._crossed(name, state, replayed=replayed)
        self._dirty.clear()
        self._saved_at = now

    def _send(self, topic: str, raised: list[Raised], *, replayed: bool) -> None:
        if self.alerts is None:
            return
        for r in raised:
            if replayed and not (r.kind == "burst" and r.data.get("end") is None):
                continue  # already sent before the restart (an ongoing burst is sent again:
                # the store keeps one delivery per alert id, so it arrives once)
            self.alerts.submit(make_alert(topic, r.kind, r.at, r.data, key_fields={"key": r.key}))
            self.stats.alerts += 1

    def _crossed(self, topic: str, state: dict[str, Any], *, replayed: bool) -> None:
        """Alert the thresholds the topic's forecast crossed upwards since the last state."""
        forecast = state["forecast"]
        after = float(forecast["final_size"]["expected"])
        before = self._expected.get(topic)
        self._expected[topic] = after
        thresholds = self._thresholds.get(topic)
        if self.alerts is None or replayed or not thresholds:
            return
        at = int(state["last_ts"] or 0)
        for alert in threshold_alerts(
            topic, before=before, after=after, at=at, thresholds=thresholds, data=forecast
        ):
            self.alerts.submit(alert)
            self.stats.alerts += 1


def _reason(exc: InputError) -> str:
    return exc.message if exc.hint is None else f"{exc.message} (fix: {exc.hint})"
