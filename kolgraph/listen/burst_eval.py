r"""The online burst detector measured on a real stream: the Higgs announcement week.

The SNAP Higgs Twitter activity file (De Domenico, Lima, Mougel and Musolesi, "The
anatomy of a scientific rumor", Scientific Reports 2013) has one row per retweet,
mention or reply (``userA userB unix_ts RT|MT|RE``) from 1 to 7 July 2012 UTC, all
about one topic. :func:`evaluate_higgs` replays it in simulated time: rows sorted by
time, binned, each bin fed to :class:`~kolgraph.listen.burst.BurstDetector` as it
closes. Every row is one event (the rows of one tweet that both mentions and replies
count twice, as a listener counting rows would).

Reference and matching
----------------------
The **reference start** of the announcement burst is the start of the Kleinberg
burst (:func:`~kolgraph.listen.burst.kleinberg_bursts`, 2 states, :math:`s = 2`,
:math:`\gamma = 1`, offline on the whole week) that contains the week's busiest
bin. An alarm is *for* a reference burst :math:`[a, b]` when it was raised at
:math:`t_d \in [a - L, b]` (:math:`L` = ``match_lead_seconds``, one hour: an online
detector with a local baseline may see a rise before an automaton whose base rate
is the mean of the whole window). The **delay** is :math:`t_d - a` in minutes
(negative: flagged before the reference start).

Alarms raised earlier are classified against a *local* reference: Kleinberg's
automaton on the events within ``local_window_seconds`` either side of the alarm
(its base rate is then that day's, not the week's). An earlier alarm matching a
local Kleinberg burst by the same rule is ``confirmed`` (a real, smaller burst:
the rumour, the Tevatron result); one matching none is ``false``. The detector's
parameters are its defaults: the threshold comes from the false-alarm target by
:func:`~kolgraph.listen.burst.threshold_for`, nothing is fitted to this file.
"""

from __future__ import annotations

import gzip
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from kolgraph.arrays import I64
from kolgraph.errors import InputError, NotFound
from kolgraph.listen.burst import (
    DEFAULT_BIN_SECONDS,
    Burst,
    BurstDetector,
    bin_counts,
    false_alarm_rate,
    kleinberg_bursts,
)

__all__ = [
    "Alarm",
    "HiggsBurstReport",
    "evaluate_higgs",
    "read_higgs_times",
    "simulate_false_alarms",
]

_HOUR = 3600.0
_DAY = 86400.0

Verdict = Literal["target", "confirmed", "false"]


@dataclass(frozen=True)
class Alarm:
    """One alarm of the replay and what the reference says of it.

    ``verdict``: ``target`` (the announcement burst), ``confirmed`` (a smaller burst
    the local Kleinberg reference also finds; ``reference_start`` is its start) or
    ``false`` (no reference burst matches).
    """

    burst: Burst
    verdict: Verdict
    reference_start: int | None

    def as_json(self) -> dict[str, Any]:
        """Plain JSON types."""
        return {
            "burst": self.burst.as_json(),
            "verdict": self.verdict,
            "reference_start": self.reference_start,
        }


@dataclass(frozen=True)
class HiggsBurstReport:
    """What :func:`evaluate_higgs` measured (times in unix s, rates in events/hour)."""

    events: int
    bin_seconds: int
    threshold: float
    false_alarms_per_day_bound: float
    reference_start: int
    reference_end: int
    detected_at: int | None
    detected_start: int | None
    delay_minutes: float | None
    alarms: list[Alarm]
    false_alarms_before: int
    confirmed_before: int
    detector_options: dict[str, Any] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """Plain JSON types."""
        out = asdict(self)
        out["alarms"] = [a.as_json() for a in self.alarms]
        return out


def read_higgs_times(path: Path) -> I64:
    """The sorted event times of a Higgs activity file (``userA userB ts kind`` rows,
    gzip or plain)."""
    if not path.is_file():
        raise NotFound(
            f"Higgs activity file {path} not found",
            hint="download higgs-activity_time.txt.gz from SNAP into ../shared/data/higgs-twitter",
        )
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as fh:
        fields = fh.read().split()
    if len(fields) % 4:
        raise InputError(
            "rows are not 4 fields each (userA userB unix_ts RT|MT|RE)",
            source=str(path),
            hint="pass the SNAP higgs-activity_time file unchanged",
        )
    try:
        ts = np.array(fields[2::4]).astype(np.int64)
    except ValueError as exc:
        raise InputError(
            f"a timestamp is not an integer ({exc})", source=str(path), hint="check the file"
        ) from exc
    ts.sort()
    return ts


def _matches(alarm: Burst, ref: Burst, lead: float) -> bool:
    assert ref.end is not None
    return ref.start - lead <= alarm.detected_at <= ref.end


def evaluate_higgs(
    path: Path,
    *,
    bin_seconds: int = DEFAULT_BIN_SECONDS,
    match_lead_seconds: float = _HOUR,
    local_window_seconds: float = 12 * _HOUR,
    **detector_options: Any,
) -> HiggsBurstReport:
    """Replay the Higgs week through the online detector and judge its alarms
    against Kleinberg's automaton (module notes).

    Parameters
    ----------
    path
        ``higgs-activity_time.txt.gz``.
    bin_seconds, detector_options
        The detector's bin and options (defaults: :class:`BurstDetector`'s).
    match_lead_seconds
        How long before a reference burst's start an alarm may still be for it.
    local_window_seconds
        Half-width of the event window an earlier alarm's local reference runs on.
    """
    clock = time.perf_counter()
    ts = read_higgs_times(path)
    if ts.size < 2:
        raise InputError("fewer than two events", source=str(path), hint="check the file")
    seconds = {"read": time.perf_counter() - clock}

    clock = time.perf_counter()
    starts, counts = bin_counts(ts, bin_seconds=bin_seconds)
    peak_bin = int(starts[int(np.argmax(counts))])
    week = kleinberg_bursts(ts)
    refs = [
        b
        for b in week
        if b.end is not None and b.start <= peak_bin + bin_seconds and b.end >= peak_bin
    ]
    if not refs:
        raise InputError(
            "Kleinberg's automaton finds no burst over the busiest bin",
            source=str(path),
            hint="is this the Higgs activity file?",
        )
    ref = max(refs, key=lambda b: (b.end or b.start) - b.start)
    assert ref.end is not None
    seconds["kleinberg"] = time.perf_counter() - clock

    clock = time.perf_counter()
    det = BurstDetector(bin_seconds=bin_seconds, **detector_options)
    nz = np.flatnonzero(counts)
    for b, c in zip(starts[nz].tolist(), counts[nz].tolist(), strict=True):
        det.update(b, c)
    seconds["detector"] = time.perf_counter() - clock
    seconds["detector_us_per_bin"] = seconds["detector"] / max(1, counts.size) * 1e6

    clock = time.perf_counter()
    alarms: list[Alarm] = []
    target: Burst | None = None
    for burst in det.bursts:
        if target is None and _matches(burst, ref, match_lead_seconds):
            target = burst
            alarms.append(Alarm(burst, "target", ref.start))
            continue
        t = burst.detected_at
        lo, hi = np.searchsorted(ts, [t - local_window_seconds, t + local_window_seconds])
        local = [
            k
            for k in kleinberg_bursts(ts[lo:hi])
            if k.end is not None and _matches(burst, k, match_lead_seconds)
        ]
        verdict: Verdict = "confirmed" if local else "false"
        alarms.append(Alarm(burst, verdict, local[0].start if local else None))
    seconds["local_references"] = time.perf_counter() - clock

    before = [a for a in alarms if a.burst.detected_at < ref.start - match_lead_seconds]
    h = float(det.options["threshold"])
    return HiggsBurstReport(
        events=int(ts.size),
        bin_seconds=int(bin_seconds),
        threshold=h,
        false_alarms_per_day_bound=false_alarm_rate(h, bin_seconds=bin_seconds),
        reference_start=ref.start,
        reference_end=ref.end,
        detected_at=None if target is None else target.detected_at,
        detected_start=None if target is None else target.start,
        delay_minutes=None if target is None else (target.detected_at - ref.start) / 60.0,
        alarms=alarms,
        false_alarms_before=sum(a.verdict == "false" for a in before),
        confirmed_before=sum(a.verdict == "confirmed" for a in before),
        detector_options=dict(det.options),
        seconds={k: round(v, 4) for k, v in seconds.items()},
    )


def simulate_false_alarms(
    rate_per_hour: float,
    *,
    days: float,
    seed: int,
    **detector_options: Any,
) -> float:
    """Measured false alarms per day of :class:`BurstDetector` on stationary Poisson
    counts at ``rate_per_hour`` for ``days``: a check of
    :func:`~kolgraph.listen.burst.false_alarm_rate`.

    The detector starts warmed up on the true baseline and is restarted that way
    after each alarm, so every bin is at risk.
    """
    if rate_per_hour <= 0 or days <= 0:
        raise InputError(
            f"simulation at {rate_per_hour}/h for {days} days",
            hint="rate and days must be above zero",
        )
    bin_s = int(detector_options.get("bin_seconds", DEFAULT_BIN_SECONDS))
    lam = rate_per_hour * bin_s / _HOUR

    def fresh(next_bin: int) -> BurstDetector:
        det = BurstDetector(**detector_options)
        det.baseline, det.n_learned = lam, 10**9
        det.next_bin = next_bin
        return det

    n = int(days * _DAY / bin_s)
    counts = np.random.default_rng(seed).poisson(lam, n)
    det = fresh(0)
    alarms = 0
    for i, c in enumerate(counts.tolist()):
        if det.update(i * bin_s, c):
            alarms += 1
            det = fresh((i + 1) * bin_s)
    return alarms / days
