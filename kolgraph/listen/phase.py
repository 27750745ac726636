r"""The phase of a topic's life cycle, read from its own event curve.

At each bin end :math:`t` (only bins that closed by :math:`t` count) with :math:`w`
the bins of ``window_seconds``:

.. math:: R_t = \tfrac1w \sum_{i=t-w+1}^{t} x_i, \quad
          P_t = \tfrac1w \sum_{i=t-2w+1}^{t-w} x_i, \quad
          g_t = \frac{R_t}{\max(P_t, \epsilon)}, \quad
          M_t = \max_{u \le t} R_u

(recent rate, the rate of the window before, growth, peak so far; :math:`g_t = 1`
until the curve is :math:`2w` bins long: nothing is known of the time before). A burst is
*known* at :math:`t` once detected (``detected_at`` :math:`\le t`) and *active*
until its ``end``. The phase (:data:`kolgraph.plan.phases.Phase`) is the first rule
that holds:

1. **explosion** -- the rate is rising steeply: :math:`g_t \ge` ``growth_ratio``
   with at least ``min_events`` in the recent window, or a burst is active and the
   rate is still climbing to a new peak (:math:`g_t > 1.1` and :math:`R_t = M_t`);
2. **origin** -- no burst known yet (the topic has not taken off);
3. **flattening** -- the rate has fallen below ``flat_fraction`` of the peak and is
   not growing steeply (:math:`R_t < f M_t`);
4. **mass_spread** -- otherwise: volume is high but past the steepest growth
   (near the peak, or on a plateau).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from kolgraph.arrays import F64, I64
from kolgraph.errors import InputError
from kolgraph.listen.burst import DEFAULT_BIN_SECONDS, Burst
from kolgraph.plan.phases import Phase

__all__ = ["phase_changes", "topic_phase"]

#: "Still climbing" in a burst: the recent window is 10% above the one before.
_RISING = 1.1
_NAMES: tuple[Phase, ...] = ("origin", "explosion", "mass_spread", "flattening")


def _dense(
    bin_starts: npt.ArrayLike, counts: npt.ArrayLike, bin_seconds: int, until: int | None
) -> tuple[I64, F64]:
    """Bin ends and counts on a dense grid from the first bin to ``until`` (a bin end)."""
    if bin_seconds <= 0:
        raise InputError(f"bin of {bin_seconds} s", hint="bin_seconds must be above zero")
    s = np.asarray(bin_starts, dtype=np.int64).ravel()
    c = np.asarray(counts, dtype=np.float64).ravel()
    if s.shape != c.shape:
        raise InputError(
            f"{s.size} bin starts but {c.size} counts", hint="pass one count per bin start"
        )
    if s.size and (np.any(s % bin_seconds) or np.any(np.diff(s) <= 0)):
        raise InputError(
            "bin starts must be increasing multiples of bin_seconds",
            hint="bin with kolgraph.listen.burst.bin_counts",
        )
    if s.size == 0:
        return np.zeros(0, np.int64), np.zeros(0)
    first = int(s[0])
    last = int(s[-1]) + bin_seconds if until is None else until - until % bin_seconds
    n = max(0, (last - first) // bin_seconds)
    dense = np.zeros(n)
    keep = s < first + n * bin_seconds
    dense[(s[keep] - first) // bin_seconds] = c[keep]
    ends = first + bin_seconds * (np.arange(n, dtype=np.int64) + 1)
    return ends, dense


def _phase_codes(
    ends: I64,
    x: F64,
    bursts: Sequence[Burst],
    *,
    bin_seconds: int,
    window_seconds: int,
    growth_ratio: float,
    flat_fraction: float,
    min_events: float,
) -> npt.NDArray[np.int8]:
    """The phase (index into ``_NAMES``) at every bin end (module notes)."""
    w = max(1, round(window_seconds / bin_seconds))
    csum = np.concatenate([[0.0], np.cumsum(x)])
    idx = np.arange(1, x.size + 1)
    recent = (csum[idx] - csum[np.maximum(idx - w, 0)]) / w
    before = (csum[np.maximum(idx - w, 0)] - csum[np.maximum(idx - 2 * w, 0)]) / w
    growth = np.where(idx >= 2 * w, recent / np.maximum(before, 1.0 / w), 1.0)
    peak = np.maximum.accumulate(recent)
    known = np.zeros(x.size, dtype=bool)
    active = np.zeros(x.size, dtype=bool)
    for b in bursts:
        seen = ends >= b.detected_at
        known |= seen
        active |= seen & (ends > b.start) & (True if b.end is None else ends <= b.end)
    steep = (growth >= growth_ratio) & (recent * w >= min_events)
    climbing = active & (growth > _RISING) & (recent >= peak)
    code = np.full(x.size, 2, dtype=np.int8)  # mass_spread
    code[recent < flat_fraction * peak] = 3
    code[~known] = 0
    code[steep | climbing] = 1
    return code


def _check(growth_ratio: float, flat_fraction: float, window_seconds: int) -> None:
    if not growth_ratio > 1 or not 0 < flat_fraction < 1 or window_seconds <= 0:
        raise InputError(
            f"phase rules growth_ratio={growth_ratio}, flat_fraction={flat_fraction}, "
            f"window_seconds={window_seconds}",
            hint="growth_ratio above 1, flat_fraction in (0, 1), a positive window",
        )


def topic_phase(
    bin_starts: npt.ArrayLike,
    counts: npt.ArrayLike,
    *,
    bursts: Sequence[Burst],
    now: int,
    bin_seconds: int = DEFAULT_BIN_SECONDS,
    window_seconds: int = 3 * 3600,
    growth_ratio: float = 2.0,
    flat_fraction: float = 1.0 / 3.0,
    min_events: float = 30.0,
) -> Phase:
    """The topic's phase at ``now`` from its binned curve and bursts (module notes).

    Bins that had not closed by ``now`` are ignored; bins missing from
    ``bin_starts`` count 0.

    Examples
    --------
    >>> starts = [i * 300 for i in range(72)]
    >>> topic_phase(starts, [5] * 72, bursts=[], now=72 * 300)
    'origin'
    >>> b = Burst(start=40 * 300, detected_at=41 * 300, end=None, peak_rate=600.0,
    ...           baseline_rate=60.0)
    >>> curve = [5] * 40 + [50] * 8
    >>> topic_phase(starts[:48], curve, bursts=[b], now=48 * 300, window_seconds=3600)
    'explosion'
    >>> topic_phase(starts, curve + [50] * 24, bursts=[b], now=72 * 300, window_seconds=3600)
    'mass_spread'
    """
    _check(growth_ratio, flat_fraction, window_seconds)
    ends, x = _dense(bin_starts, counts, bin_seconds, int(now))
    if x.size == 0:
        return "origin"
    code = _phase_codes(
        ends,
        x,
        bursts,
        bin_seconds=bin_seconds,
        window_seconds=window_seconds,
        growth_ratio=growth_ratio,
        flat_fraction=flat_fraction,
        min_events=min_events,
    )
    return _NAMES[int(code[-1])]


def phase_changes(
    bin_starts: npt.ArrayLike,
    counts: npt.ArrayLike,
    *,
    bursts: Sequence[Burst],
    bin_seconds: int = DEFAULT_BIN_SECONDS,
    now: int | None = None,
    window_seconds: int = 3 * 3600,
    growth_ratio: float = 2.0,
    flat_fraction: float = 1.0 / 3.0,
    min_events: float = 30.0,
) -> list[tuple[int, Phase]]:
    """Every change of :func:`topic_phase` over the curve: ``(bin end, phase)`` pairs,
    the first at the first bin's end; up to ``now`` (default: the last bin's end).

    Each phase is what :func:`topic_phase` says at that time (bursts count from
    their ``detected_at``), so the sequence is what a live listener would report.
    """
    _check(growth_ratio, flat_fraction, window_seconds)
    ends, x = _dense(bin_starts, counts, bin_seconds, None if now is None else int(now))
    if x.size == 0:
        return []
    code = _phase_codes(
        ends,
        x,
        bursts,
        bin_seconds=bin_seconds,
        window_seconds=window_seconds,
        growth_ratio=growth_ratio,
        flat_fraction=flat_fraction,
        min_events=min_events,
    )
    change = np.flatnonzero(np.concatenate([[True], code[1:] != code[:-1]]))
    return [(int(ends[i]), _NAMES[int(code[i])]) for i in change]
