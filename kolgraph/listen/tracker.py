"""One followed topic: its matcher, cascade, volume curve, bursts, phase and forecast.

The listener applies a topic's events in event-time order (:meth:`TopicTracker.apply`);
the tracker bins them, feeds every closed bin to the topic's burst detector, and on
:meth:`TopicTracker.snapshot` works out the phase, the amplifiers and the size forecast,
and the alerts they raise (a burst, a phase change, a new top amplifier; a forecast
crossing a subscriber's threshold is the listener's to alert). The snapshot is the
state ``topics show`` reads.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from kolgraph.listen.burst import BurstDetector
from kolgraph.listen.cascade import AccountContext, TopicCascade
from kolgraph.listen.early import SizeForecaster
from kolgraph.listen.phase import topic_phase
from kolgraph.listen.topics import Matcher, TopicDef
from kolgraph.store.listenstate import EventRecord

__all__ = ["Raised", "TopicTracker", "iso"]

#: topic ages (hours of event time) at which the forecast is kept in the topic's state
FORECAST_MARKS = (1.0, 2.0, 6.0)

#: a new top amplifier is announced once it has caused at least this many events in the window
MIN_TOP_AMPLIFIER = 20


def iso(ts: int | None) -> str | None:
    """Unix seconds as ISO 8601 UTC."""
    return None if ts is None else datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Raised:
    """An alert a tracker raised: its kind, event time, data and the fields naming it."""

    kind: str
    at: int
    data: dict[str, Any]
    key: tuple[Any, ...]


@dataclass
class TopicTracker:
    """The live state of one topic (see the module docstring)."""

    topic: TopicDef
    context: AccountContext
    forecaster: SizeForecaster
    bin_seconds: int = 300
    window: int = 6 * 3600
    matcher: Matcher = field(init=False)
    cascade: TopicCascade = field(init=False)
    detector: BurstDetector = field(init=False)
    bins: dict[int, int] = field(default_factory=dict)
    times: list[int] = field(default_factory=list)
    followers: list[float] = field(default_factory=list)
    _next_bin: int | None = None
    _phase: str | None = None
    _top: str | None = None
    _pending: list[Raised] = field(default_factory=list)
    _slow: dict[str, Any] | None = None
    #: the forecasts made when the topic was 1, 2 and 6 hours old (event time)
    early: list[dict[str, Any]] = field(default_factory=list)
    _marks: list[float] = field(default_factory=lambda: list(FORECAST_MARKS))

    def __post_init__(self) -> None:
        self.matcher = Matcher(self.topic)
        self.cascade = TopicCascade(self.context, window=self.window)
        self.detector = BurstDetector(bin_seconds=self.bin_seconds)

    @property
    def name(self) -> str:
        return self.topic.name

    # events --------------------------------------------------------------------
    def apply(self, event: EventRecord) -> None:
        """Add one event of the topic (in arrival order; its bin must still be open)."""
        b = event.ts - event.ts % self.bin_seconds
        self.bins[b] = self.bins.get(b, 0) + 1
        self.cascade.apply(event)
        self.times.append(event.ts)
        self.followers.append(self.context.followers.get(event.author, math.nan))
        marks = self._marks
        if marks and event.ts - self.times[0] >= marks[0] * 3600:
            hours = marks.pop(0)
            self.early.append({"at_hours": hours, **self.forecast()})

    def advance(self, watermark: int) -> None:
        """Feed the burst detector every bin that ends at or before ``watermark``."""
        nxt = self._next_bin
        if nxt is None:
            if not self.bins:
                return
            nxt = min(self.bins)
        while nxt + self.bin_seconds <= watermark:
            for ev in self.detector.update(nxt, self.bins.get(nxt, 0)):
                burst = ev.burst
                kind = "burst" if ev.kind == "burst_started" else "burst_ended"
                at = burst.detected_at if kind == "burst" else (burst.end or nxt + self.bin_seconds)
                self._pending.append(Raised(kind, at, burst.as_json(), (burst.start,)))
            nxt += self.bin_seconds
        self._next_bin = nxt

    # reads ---------------------------------------------------------------------
    def curve(self, resolution: int = 3600) -> list[list[int]]:
        """Volume over event time: ``[bin start, events]`` at ``resolution`` seconds."""
        out: dict[int, int] = {}
        for b, n in self.bins.items():
            out[b - b % resolution] = out.get(b - b % resolution, 0) + n
        return [[b, out[b]] for b in sorted(out)]

    def phase(self) -> str:
        """The topic's phase now (:func:`~kolgraph.listen.phase.topic_phase`)."""
        if not self.bins:
            return "origin"
        starts = np.array(sorted(self.bins), dtype=np.int64)
        counts = np.array([self.bins[b] for b in starts.tolist()], dtype=np.float64)
        now = int(self.cascade.last_ts or starts[-1])
        return str(
            topic_phase(
                starts,
                counts,
                bursts=self.detector.bursts,
                now=now,
                bin_seconds=self.bin_seconds,
            )
        )

    def forecast(self) -> dict[str, Any]:
        """The forecast of the topic's final size (events) from what it did so far."""
        if not self.times:
            return {"final_size": {"expected": 0.0, "low": 0.0, "high": 0.0}}
        times = np.asarray(self.times, dtype=np.float64)
        times -= times.min()
        order = np.argsort(times, kind="stable")
        age = float(times[order[-1]])
        fc = self.forecaster.predict(
            times[order], np.asarray(self.followers, dtype=np.float64)[order], age_seconds=age
        )
        out = fc.as_json()
        final = {k: float(out.pop(k)) for k in ("expected", "low", "high")}
        observed = float(len(self.times))
        final = {k: max(v, observed) for k, v in final.items()}
        return {"final_size": final, "observed": int(observed), "age_hours": age / 3600, **out}

    def snapshot(self, *, full: bool = True) -> dict[str, Any]:
        """The topic's state now, and the alerts it raises (:meth:`take_alerts`).

        Without ``full`` the forecast and the main paths are those of the last full
        snapshot (the costlier parts, refreshed less often by the listener).
        """
        cascade = self.cascade
        now = cascade.last_ts or 0
        phase = self.phase()
        if self._phase is not None and phase != self._phase:
            self._pending.append(
                Raised("phase_change", now, {"from": self._phase, "to": phase}, (now, phase))
            )
        self._phase = phase
        amplifiers = cascade.amplifiers()
        top = amplifiers[0] if amplifiers else None
        if (
            top is not None
            and top["key"] != self._top
            and top["downstream_recent"] >= MIN_TOP_AMPLIFIER
        ):
            self._top = top["key"]
            self._pending.append(Raised("new_top_amplifier", now, top, (top["key"], now // 3600)))
        if full or self._slow is None:
            self._slow = {"forecast": self.forecast(), "paths": cascade.paths()}
        forecast = self._slow["forecast"]
        return {
            "name": self.name,
            "definition": self.topic.as_json(),
            "events": cascade.events,
            "adopters": len(cascade.adopters),
            "first_ts": cascade.first_ts,
            "last_ts": cascade.last_ts,
            "first": iso(cascade.first_ts),
            "last": iso(cascade.last_ts),
            "phase": phase,
            "bursts": [b.as_json() for b in self.detector.bursts],
            "amplifiers": amplifiers,
            "bridges": cascade.top_bridges(),
            "communities": cascade.communities(),
            "paths": self._slow["paths"],
            "curve": self.curve(),
            "forecast": forecast,
            "early_forecasts": self.early,
            "window_hours": self.window / 3600,
            "run_id": self.context.run_id,
        }

    def take_alerts(self) -> list[Raised]:
        """The alerts raised since the last call."""
        out, self._pending = self._pending, []
        return out
