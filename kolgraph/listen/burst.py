r"""Bursts in a topic's event stream: an offline reference and an online detector.

Offline reference (:func:`kleinberg_bursts`)
--------------------------------------------
Kleinberg's burst automaton (Kleinberg, "Bursty and hierarchical structure in
streams", KDD 2002): the gaps :math:`x_1..x_n` between consecutive events are
emitted by a hidden state :math:`q \in \{0..k-1\}` with exponential density
:math:`f_i(x) = \alpha_i e^{-\alpha_i x}`, :math:`\alpha_i = s^i\, n / T`
(:math:`T = \sum x_t`, the base state emits at the stream's mean rate). Moving up
:math:`j - i` levels costs :math:`\tau = (j - i)\,\gamma \ln n`, moving down is free.
The bursts are the maximal runs of states :math:`\ge 1` of the state sequence of
minimum cost

.. math:: c(q) = \sum_t \tau(q_{t-1}, q_t)
          + \sum_t \left(\alpha_{q_t} x_t - \ln \alpha_{q_t}\right), \quad q_0 = 0,

found exactly by Viterbi in :math:`O(nk^2)`.

Online detector (:class:`BurstDetector`)
----------------------------------------
Counts :math:`x_t` in fixed bins of event time are tested against a baseline
:math:`\lambda_t` (events per bin) learned online: the mean of the first bins, then
an EWMA with half-life ``halflife_seconds``; frozen while a burst is active. A
one-sided CUSUM of the quasi-Poisson log-likelihood ratio of the burst rate
:math:`r\lambda_t` (:math:`r` = ``min_ratio``) against :math:`\lambda_t`,

.. math:: S_t = \max\!\left(0,\; S_{t-1} + \frac{x_t \ln r - (r - 1)\lambda_t}{\phi_t}\right),

with :math:`\phi_t \ge 1` the overdispersion (EWMA of the squared Pearson residuals
:math:`(x_t - \lambda_t)^2 / \lambda_t`; real counts vary more than Poisson) raises
an alarm when :math:`S_t \ge h` **and** the alarm bin itself is at least
:math:`r\lambda_t` (the minimum effect: a busy topic drifting to twice its rate
pushes the CUSUM up but never makes a burst). The burst starts at the bin where
:math:`S` last left zero (the change-point estimate) and ends at the first bin of a
window of ``end_seconds`` whose mean is below ``end_ratio`` × baseline (that mean
is the baseline after it: the frozen one is as old as the burst), or,
when the topic settles at a new level instead of falling back, ``settle_seconds``
after its start: the baseline then jumps to the EWMA it would have learned had it
not been frozen, so the next, larger burst is measured against the new level.

False alarms
~~~~~~~~~~~~
Under the null (stationary Poisson counts at the baseline, :math:`\phi = 1`) the
increments are log-likelihood ratios, so :math:`e^{S}` is a nonnegative martingale
during each excursion and the CUSUM's average run length to a false alarm is at
least :math:`e^{h}` bins (Lorden 1971; Siegmund, *Sequential Analysis*, 1985, ch. 2).
False alarms per day are therefore at most

.. math:: \mathrm{FA/day} \le \frac{86400}{\Delta}\, e^{-h},

(:func:`false_alarm_rate`; :math:`\Delta` = ``bin_seconds``), and the default
threshold solves this bound for a target of one false alarm per 30 days:
:math:`h = \ln\!\big(\tfrac{86400}{\Delta} \cdot 30\big)` (9.06 for 5-minute bins,
:func:`threshold_for`). The bound is conservative: the overshoot over :math:`h`,
:math:`\phi \ge 1` and the effect gate all make alarms rarer still
(:func:`kolgraph.listen.burst_eval.simulate_false_alarms` measures it).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from kolgraph.arrays import I64
from kolgraph.errors import InputError

__all__ = [
    "DEFAULT_BIN_SECONDS",
    "DEFAULT_FALSE_ALARMS_PER_DAY",
    "Burst",
    "BurstDetector",
    "BurstEvent",
    "bin_counts",
    "detect_bursts",
    "false_alarm_rate",
    "kleinberg_bursts",
    "kleinberg_states",
    "threshold_for",
]

#: Bin width of the online detector: three bins make a 15-minute detection.
DEFAULT_BIN_SECONDS = 300
#: Target false alarms per day under the null: one per 30 days.
DEFAULT_FALSE_ALARMS_PER_DAY = 1.0 / 30.0
_DAY = 86400.0
_HOUR = 3600.0


@dataclass(frozen=True)
class Burst:
    """One burst of a topic: event times in unix seconds, rates in events per hour.

    ``detected_at`` is when the online detector raised it (the end of the alarm
    bin); the offline reference knows bursts in hindsight and sets it to ``start``.
    ``end`` is None while the burst is ongoing. ``level`` is the automaton state of
    a Kleinberg burst (1 for the online detector).
    """

    start: int
    detected_at: int
    end: int | None
    peak_rate: float
    baseline_rate: float
    level: int = 1

    def as_json(self) -> dict[str, Any]:
        """Plain JSON types."""
        return asdict(self)


@dataclass(frozen=True)
class BurstEvent:
    """A change the detector reports: a burst started or ended, at event time ``at``."""

    kind: Literal["burst_started", "burst_ended"]
    at: int
    burst: Burst

    def as_json(self) -> dict[str, Any]:
        """Plain JSON types."""
        return {"kind": self.kind, "at": self.at, "burst": self.burst.as_json()}


# --------------------------------------------------------------------------- offline


def _sorted_times(timestamps: npt.ArrayLike) -> I64:
    ts = np.asarray(timestamps, dtype=np.float64).ravel()
    if ts.size and not np.all(np.isfinite(ts)):
        raise InputError(
            "burst detection: a timestamp is not a finite number",
            hint="drop events without a valid time",
        )
    return np.sort(ts).astype(np.int64)


def kleinberg_states(
    timestamps: npt.ArrayLike, *, s: float = 2.0, gamma: float = 1.0, n_states: int = 2
) -> list[int]:
    """The minimum-cost state of each gap between consecutive events (module notes).

    Returns one state per gap (``len(timestamps) - 1`` of them, in time order);
    empty when there are fewer than two events or all events share one time.

    Examples
    --------
    >>> kleinberg_states([0, 100, 200, 300, 301, 302, 303, 304, 305, 400, 500])
    [0, 0, 0, 1, 1, 1, 1, 1, 0, 0]
    """
    if s <= 1 or not math.isfinite(s):
        raise InputError(
            f"Kleinberg s={s}: the rate ratio between levels must be above 1",
            hint="use s=2 (Kleinberg's default)",
        )
    if gamma < 0 or n_states < 2:
        raise InputError(
            f"Kleinberg gamma={gamma}, n_states={n_states}: need gamma >= 0 and at least 2 states",
            hint="use gamma=1, n_states=2",
        )
    gaps = np.diff(_sorted_times(timestamps)).astype(np.float64)
    n = int(gaps.size)
    total = float(gaps.sum())
    if n == 0 or total <= 0:
        return []
    alpha = (n / total) * s ** np.arange(n_states, dtype=np.float64)
    emit = gaps[:, None] * alpha[None, :] - np.log(alpha)[None, :]  # n × k
    up = gamma * math.log(n) if n > 1 else 0.0
    k = n_states
    trans = [[(j - i) * up if j > i else 0.0 for j in range(k)] for i in range(k)]
    cost = [0.0] + [math.inf] * (k - 1)
    back = np.zeros((n, k), dtype=np.int8 if k < 128 else np.int32)
    rows = emit.tolist()
    for t in range(n):
        row = rows[t]
        new = [0.0] * k
        arg = [0] * k
        for j in range(k):
            best, bi = math.inf, 0
            for i in range(k):
                c = cost[i] + trans[i][j]
                if c < best:
                    best, bi = c, i
            new[j] = best + row[j]
            arg[j] = bi
        back[t] = arg
        cost = new
    state = min(range(k), key=lambda j: cost[j])
    states = [0] * n
    for t in range(n - 1, -1, -1):
        states[t] = state
        state = int(back[t, state])
    return states


def kleinberg_bursts(
    timestamps: npt.ArrayLike,
    *,
    s: float = 2.0,
    gamma: float = 1.0,
    n_states: int = 2,
    peak_window: int = 3600,
) -> list[Burst]:
    """Kleinberg's bursts of an event stream, offline (module notes): the reference.

    Parameters
    ----------
    timestamps
        Event times, unix seconds, any order.
    s, gamma, n_states
        Rate ratio between levels, cost of moving one level up (times
        :math:`\\ln n`) and number of levels (2: one burst level).
    peak_window
        A burst's ``peak_rate`` is its most events in a window of this many seconds
        (per hour); ``baseline_rate`` is the base state's rate :math:`\\alpha_0`.

    Returns
    -------
    list[Burst]
        One per maximal run of level :math:`\\ge \\ell` for each :math:`\\ell \\ge 1`
        (nested for ``n_states > 2``), ordered by start then level. A burst's
        events are those emitted in its states: ``start`` is the time of its first
        event, ``end`` of its last; ``detected_at = start``.

    Examples
    --------
    >>> b = kleinberg_bursts([0, 100, 200, 300, 301, 302, 303, 304, 305, 400, 500])
    >>> [(x.start, x.end) for x in b]
    [(301, 305)]
    """
    ts = _sorted_times(timestamps)
    states = np.asarray(kleinberg_states(ts, s=s, gamma=gamma, n_states=n_states))
    if states.size == 0:
        return []
    gaps_total = float(ts[-1] - ts[0])
    base = (ts.size - 1) / gaps_total * _HOUR
    event_time = ts[1:]  # the event each gap ends in
    out: list[Burst] = []
    for level in range(1, n_states):
        on = np.concatenate([[0], (states >= level).astype(np.int8), [0]])
        d = np.diff(on)
        for a, b in zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1) - 1, strict=True):
            t0, t1 = int(event_time[a]), int(event_time[b])
            seg = event_time[a : b + 1]
            within = np.searchsorted(seg, seg + peak_window, side="left") - np.arange(seg.size)
            peak = float(within.max()) * _HOUR / peak_window
            out.append(Burst(t0, t0, t1, peak, base, level))
    out.sort(key=lambda x: (x.start, x.level))
    return out


# --------------------------------------------------------------------------- online


def threshold_for(
    false_alarms_per_day: float = DEFAULT_FALSE_ALARMS_PER_DAY,
    *,
    bin_seconds: int = DEFAULT_BIN_SECONDS,
) -> float:
    """The CUSUM threshold :math:`h = \\ln(86400 / \\Delta / \\mathrm{FA})` whose bound
    (:func:`false_alarm_rate`) is the given false alarms per day.

    Examples
    --------
    >>> round(threshold_for(1 / 30, bin_seconds=300), 2)
    9.06
    """
    if not false_alarms_per_day > 0 or bin_seconds <= 0:
        raise InputError(
            f"false alarms per day {false_alarms_per_day}, bin {bin_seconds} s: both must be "
            "above zero",
            hint="e.g. false_alarms_per_day=1/30, bin_seconds=300",
        )
    return max(0.0, math.log(_DAY / bin_seconds / false_alarms_per_day))


def false_alarm_rate(threshold: float, *, bin_seconds: int = DEFAULT_BIN_SECONDS) -> float:
    """Upper bound on the false alarms per day of a CUSUM with this threshold under the
    null (stationary Poisson counts at the baseline): :math:`86400/\\Delta \\cdot e^{-h}`.

    Examples
    --------
    >>> round(false_alarm_rate(threshold_for(0.1, bin_seconds=60), bin_seconds=60), 6)
    0.1
    """
    if bin_seconds <= 0:
        raise InputError(f"bin of {bin_seconds} s", hint="bin_seconds must be above zero")
    return _DAY / bin_seconds * math.exp(-threshold)


class BurstDetector:
    """Online burst detection on binned event counts (module notes).

    Feed each closed bin with :meth:`update`; bins may be skipped (they count 0).
    Every option is keyword-only.

    Parameters
    ----------
    bin_seconds
        Bin width in seconds; bin starts are multiples of it.
    min_ratio
        :math:`r`: the burst rate the CUSUM tests for, and the least ratio of the
        alarm bin to the baseline.
    threshold
        CUSUM threshold :math:`h`; default :func:`threshold_for`
        ``(false_alarms_per_day, bin_seconds=bin_seconds)``.
    false_alarms_per_day
        Target bound on false alarms per day under the null, when ``threshold`` is
        not given.
    halflife_seconds
        Half-life of the baseline EWMA (and of the overdispersion estimate).
    warmup_seconds
        No alarm before this much event time has built the baseline.
    min_rate
        Floor of the baseline, events per hour (a silent topic is not at rate 0).
    end_ratio, end_seconds
        A burst ends once its mean rate over the last ``end_seconds`` is below
        ``end_ratio`` × baseline; its ``end`` is the start of that window, and that
        mean is the baseline from then on (the frozen one is as old as the burst).
    settle_seconds
        A burst that has not fallen back after this long is the topic's new level:
        it ends there and the baseline becomes what it would have learned meanwhile
        (an EWMA kept in the shadow through the burst).
    overdispersion
        Scale the log-likelihood ratio by the estimated dispersion
        :math:`\\phi \\ge 1` (quasi-Poisson). False disables it (pure Poisson).

    Examples
    --------
    >>> d = BurstDetector(bin_seconds=60, warmup_seconds=600)
    >>> for m in range(30):
    ...     _ = d.update(m * 60, 2)
    >>> [e.kind for e in d.update(30 * 60, 40)]
    ['burst_started']
    >>> d.bursts[0].start, d.bursts[0].detected_at, d.bursts[0].end
    (1800, 1860, None)
    """

    def __init__(
        self,
        *,
        bin_seconds: int = DEFAULT_BIN_SECONDS,
        min_ratio: float = 3.0,
        threshold: float | None = None,
        false_alarms_per_day: float = DEFAULT_FALSE_ALARMS_PER_DAY,
        halflife_seconds: float = 6 * _HOUR,
        warmup_seconds: float = _HOUR,
        min_rate: float = 6.0,
        end_ratio: float = 1.5,
        end_seconds: float = _HOUR,
        settle_seconds: float = 12 * _HOUR,
        overdispersion: bool = True,
    ) -> None:
        bin_seconds = int(bin_seconds)
        if bin_seconds <= 0:
            raise InputError(
                f"burst detector bin of {bin_seconds} s",
                hint="bin_seconds must be a positive number of seconds",
            )
        if not min_ratio > 1:
            raise InputError(
                f"burst detector min_ratio={min_ratio}: must be above 1",
                hint="use e.g. min_ratio=3",
            )
        if halflife_seconds <= 0 or warmup_seconds < 0 or min_rate <= 0:
            raise InputError(
                f"burst detector halflife {halflife_seconds} s, warm-up {warmup_seconds} s, "
                f"min_rate {min_rate}/h: the half-life and min_rate must be above zero, the "
                "warm-up not negative",
                hint="e.g. halflife_seconds=21600, min_rate=6",
            )
        if not 0 < end_ratio <= min_ratio or end_seconds < 0 or settle_seconds <= 0:
            raise InputError(
                f"burst detector end_ratio={end_ratio}, end_seconds={end_seconds}, "
                f"settle_seconds={settle_seconds}",
                hint="end_ratio must lie in (0, min_ratio]; end_seconds must not be negative, "
                "settle_seconds above zero",
            )
        h = (
            threshold_for(false_alarms_per_day, bin_seconds=bin_seconds)
            if threshold is None
            else float(threshold)
        )
        if not h > 0:
            raise InputError(
                f"burst detector threshold {h}: must be above zero",
                hint="leave threshold unset to derive it from the target",
            )
        self.options: dict[str, Any] = {
            "bin_seconds": bin_seconds,
            "min_ratio": float(min_ratio),
            "threshold": h,
            "halflife_seconds": float(halflife_seconds),
            "warmup_seconds": float(warmup_seconds),
            "min_rate": float(min_rate),
            "end_ratio": float(end_ratio),
            "end_seconds": float(end_seconds),
            "settle_seconds": float(settle_seconds),
            "overdispersion": bool(overdispersion),
        }
        self._bin = bin_seconds
        self._log_r = math.log(min_ratio)
        self._r = float(min_ratio)
        self._h = h
        self._alpha = 1.0 - 2.0 ** (-bin_seconds / halflife_seconds)
        self._warmup = math.ceil(warmup_seconds / bin_seconds)
        self._floor = min_rate * bin_seconds / _HOUR
        self._end_ratio = float(end_ratio)
        self._end_bins = max(1, math.ceil(end_seconds / bin_seconds))
        self._settle = float(settle_seconds)
        self._overdispersion = bool(overdispersion)
        # state
        self.next_bin: int | None = None
        self.n_learned = 0
        self.baseline = 0.0  # events per bin
        self.shadow = 0.0  # the baseline as it would be had it kept learning in a burst
        self.dispersion = 1.0
        self.cusum = 0.0
        self.run_start: int | None = None
        self.run_peak = 0
        self.recent: deque[int] = deque()  # the burst's last counts, up to end_seconds
        self.recent_sum = 0
        self._bursts: list[Burst] = []
        self._active = False

    # ------------------------------------------------------------------ feeding

    @property
    def bursts(self) -> list[Burst]:
        """Every burst so far, in order; the last has ``end=None`` while ongoing."""
        return list(self._bursts)

    @property
    def active(self) -> Burst | None:
        """The ongoing burst, if any."""
        return self._bursts[-1] if self._active else None

    def update(self, bin_start: int, count: int) -> list[BurstEvent]:
        """Feed the closed bin starting at ``bin_start`` (event time, unix s) with
        ``count`` events; skipped bins since the last call count 0.

        Returns the bursts started or ended by these bins. Costs O(1) per bin.
        """
        b, x = int(bin_start), int(count)
        if b % self._bin:
            raise InputError(
                f"bin start {b} is not a multiple of {self._bin} s",
                hint="pass bin_start = ts - ts % bin_seconds",
            )
        if x < 0:
            raise InputError(f"bin {b}: count {x} is negative", hint="counts are event counts")
        if self.next_bin is not None and b < self.next_bin:
            raise InputError(
                f"bin {b} comes after bin {self.next_bin - self._bin} was already fed",
                hint="feed each bin once, in event-time order",
            )
        events: list[BurstEvent] = []
        t = b if self.next_bin is None else self.next_bin
        while t < b:
            self._step(t, 0, events)
            t += self._bin
        self._step(b, x, events)
        self.next_bin = b + self._bin
        return events

    def _level(self) -> float:
        return max(self.baseline, self._floor)

    def _step(self, b: int, x: int, events: list[BurstEvent]) -> None:
        lam = self._level()
        if self._active:
            cur = self._bursts[-1]
            if x > self.run_peak:
                self.run_peak = x
                self._bursts[-1] = _with(cur, peak_rate=x * _HOUR / self._bin)
            if len(self.recent) == self._end_bins:
                self.recent_sum -= self.recent.popleft()
            self.recent.append(x)
            self.recent_sum += x
            n = len(self.recent)
            if n == self._end_bins and self.recent_sum < self._end_ratio * lam * n:
                # fallen back: the baseline restarts from the level it fell back to
                self.baseline = self.recent_sum / n
                self._end(b - (n - 1) * self._bin, b + self._bin, events)
                return
            self.shadow += self._alpha * (x - self.shadow)
            if b + self._bin - cur.start >= self._settle:
                # the burst became the topic's new level: it is the baseline from now on
                self.baseline = self.shadow
                self._end(b + self._bin, b + self._bin, events)
            return
        if self.n_learned >= self._warmup:
            z = (x * self._log_r - (self._r - 1.0) * lam) / self._phi()
            s = self.cusum + z
            if s <= 0:
                self._reset_run()
            else:
                if self.run_start is None:
                    self.run_start, self.run_peak = b, 0
                self.cusum = s
                self.run_peak = max(self.run_peak, x)
                if s >= self._h and x >= self._r * lam:
                    burst = Burst(
                        start=self.run_start,
                        detected_at=b + self._bin,
                        end=None,
                        peak_rate=self.run_peak * _HOUR / self._bin,
                        baseline_rate=lam * _HOUR / self._bin,
                    )
                    self._bursts.append(burst)
                    self._active = True
                    self.shadow = self.baseline
                    self.recent.clear()
                    self.recent_sum = 0
                    events.append(BurstEvent("burst_started", b + self._bin, burst))
                    return
        self._learn(x, lam)

    def _end(self, end: int | None, at: int, events: list[BurstEvent]) -> None:
        done = _with(self._bursts[-1], end=end)
        self._bursts[-1] = done
        events.append(BurstEvent("burst_ended", at, done))
        self._active = False
        self._reset_run()

    def _phi(self) -> float:
        return max(1.0, self.dispersion) if self._overdispersion else 1.0

    def _learn(self, x: int, lam: float) -> None:
        self.n_learned += 1
        a = max(self._alpha, 1.0 / self.n_learned)
        if self.n_learned > 1:
            self.dispersion += a * ((x - lam) ** 2 / lam - self.dispersion)
        self.baseline += a * (x - self.baseline)

    def _reset_run(self) -> None:
        self.cusum, self.run_start, self.run_peak = 0.0, None, 0

    # ------------------------------------------------------------------ state

    def to_dict(self) -> dict[str, Any]:
        """The options and state as plain JSON types (:meth:`from_dict` restores it)."""
        return {
            "version": 1,
            "options": dict(self.options),
            "state": {
                "next_bin": self.next_bin,
                "n_learned": self.n_learned,
                "baseline": self.baseline,
                "shadow": self.shadow,
                "dispersion": self.dispersion,
                "cusum": self.cusum,
                "run_start": self.run_start,
                "run_peak": self.run_peak,
                "recent": list(self.recent),
                "active": self._active,
                "bursts": [x.as_json() for x in self._bursts],
            },
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BurstDetector:
        """A detector continuing exactly where :meth:`to_dict`'s left off."""
        try:
            if data["version"] != 1:
                raise KeyError("version")
            det = cls(**data["options"])
            st = data["state"]
            det.next_bin = None if st["next_bin"] is None else int(st["next_bin"])
            det.n_learned = int(st["n_learned"])
            det.baseline = float(st["baseline"])
            det.shadow = float(st["shadow"])
            det.dispersion = float(st["dispersion"])
            det.cusum = float(st["cusum"])
            det.run_start = None if st["run_start"] is None else int(st["run_start"])
            det.run_peak = int(st["run_peak"])
            det.recent = deque(int(c) for c in st["recent"])
            det.recent_sum = sum(det.recent)
            det._active = bool(st["active"])
            det._bursts = [Burst(**x) for x in st["bursts"]]
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(
                f"burst detector state is not one BurstDetector.to_dict() wrote ({exc})",
                hint="recompute the topic's bursts from its events (detect_bursts)",
            ) from exc
        return det


def _with(b: Burst, **changes: Any) -> Burst:
    d = b.as_json()
    d.update(changes)
    return Burst(**d)


def bin_counts(
    timestamps: npt.ArrayLike, *, bin_seconds: int = DEFAULT_BIN_SECONDS
) -> tuple[I64, I64]:
    """Event counts in every bin from the first event's bin to the last's (zeros
    included): ``(bin_starts, counts)``, bin starts multiples of ``bin_seconds``.

    Examples
    --------
    >>> starts, counts = bin_counts([5, 61, 62, 250], bin_seconds=60)
    >>> starts.tolist(), counts.tolist()
    ([0, 60, 120, 180, 240], [1, 2, 0, 0, 1])
    """
    if int(bin_seconds) <= 0:
        raise InputError(f"bin of {bin_seconds} s", hint="bin_seconds must be above zero")
    ts = _sorted_times(timestamps)
    if ts.size == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    bins = ts // bin_seconds
    counts = np.bincount(bins - bins[0]).astype(np.int64)
    starts = (bins[0] + np.arange(counts.size, dtype=np.int64)) * bin_seconds
    return starts, counts


def detect_bursts(
    timestamps: npt.ArrayLike,
    *,
    bin_seconds: int = DEFAULT_BIN_SECONDS,
    **detector_options: Any,
) -> list[Burst]:
    """Bin ``timestamps`` and run :class:`BurstDetector` over them in order: the same
    bursts as feeding the bins one by one as they close.

    Examples
    --------
    >>> ts = [m * 60 + k for m in range(120) for k in range(2)] + [7200 + k for k in range(60)]
    >>> [(b.start, b.detected_at) for b in detect_bursts(ts, bin_seconds=60)]
    [(7200, 7260)]
    """
    det = BurstDetector(bin_seconds=bin_seconds, **detector_options)
    starts, counts = bin_counts(timestamps, bin_seconds=bin_seconds)
    nz = np.flatnonzero(counts)
    for b, c in zip(starts[nz].tolist(), counts[nz].tolist(), strict=True):
        det.update(b, c)
    return det.bursts
