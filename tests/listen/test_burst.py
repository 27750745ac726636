"""Burst detection: Kleinberg's automaton against brute force, the online detector's
alarms, state and incremental use."""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pytest

from kolgraph.errors import InputError
from kolgraph.listen.burst import (
    Burst,
    BurstDetector,
    bin_counts,
    detect_bursts,
    false_alarm_rate,
    kleinberg_bursts,
    kleinberg_states,
    threshold_for,
)

# ------------------------------------------------------------------ Kleinberg


def _cost(gaps: list[float], states: tuple[int, ...], s: float, gamma: float, k: int) -> float:
    """Kleinberg's cost of one state sequence, written from the paper's definition."""
    n = len(gaps)
    rate = n / sum(gaps)
    total, prev = 0.0, 0
    for x, q in zip(gaps, states, strict=True):
        if q > prev:
            total += (q - prev) * gamma * math.log(n)
        a = rate * s**q
        total += -math.log(a * math.exp(-a * x))
        prev = q
    return total


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize(("k", "s", "gamma"), [(2, 2.0, 1.0), (3, 2.0, 0.5), (2, 3.0, 0.2)])
def test_kleinberg_states_are_the_minimum_cost_sequence(
    seed: int, k: int, s: float, gamma: float
) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 8))
    gaps = rng.exponential(1.0, n) * rng.choice([0.05, 1.0], n)
    ts = np.concatenate([[1000.0], 1000.0 + np.cumsum(gaps * 100)]).round()
    g = np.diff(ts).tolist()
    if sum(g) == 0:
        return
    got = kleinberg_states(ts, s=s, gamma=gamma, n_states=k)
    best = min(_cost(g, q, s, gamma, k) for q in itertools.product(range(k), repeat=len(g)))
    assert len(got) == len(g)
    assert _cost(g, tuple(got), s, gamma, k) == pytest.approx(best, rel=1e-12, abs=1e-9)


def test_kleinberg_finds_the_dense_hour_in_a_poisson_stream() -> None:
    rng = np.random.default_rng(3)
    quiet1 = np.sort(rng.uniform(0, 36000, 100))  # 10/h for 10 h
    dense = np.sort(rng.uniform(36000, 39600, 200))  # 200/h for 1 h
    quiet2 = np.sort(rng.uniform(39600, 75600, 100))
    bursts = kleinberg_bursts(np.concatenate([quiet2, dense, quiet1]))
    long = [b for b in bursts if b.end is not None and b.end - b.start > 600]
    assert len(long) == 1
    b = long[0]
    assert abs(b.start - 36000) < 300 and abs(b.end - 39600) < 300  # type: ignore[operator]
    assert b.detected_at == b.start and b.level == 1
    span = max(quiet2.max(), dense.max()) - quiet1.min()
    assert b.baseline_rate == pytest.approx(399 / span * 3600, rel=0.01)  # the mean rate
    assert 150 < b.peak_rate < 260


def test_kleinberg_levels_nest() -> None:
    ts = [0, 1000, 2000, 3000, 3010, 3020, 3021, 3022, 3023, 3024, 3030, 3040, 4000, 5000]
    bursts = kleinberg_bursts(ts, n_states=3, gamma=0.3)
    outer = [b for b in bursts if b.level == 1]
    inner = [b for b in bursts if b.level == 2]
    assert outer and inner
    assert all(any(o.start <= i.start and i.end <= o.end for o in outer) for i in inner)  # type: ignore[operator]


def test_kleinberg_degenerate_inputs() -> None:
    assert kleinberg_bursts([]) == []
    assert kleinberg_bursts([5]) == []
    assert kleinberg_bursts([7, 7, 7]) == []
    assert kleinberg_states([0, 10, 20, 30]) == [0, 0, 0]
    with pytest.raises(InputError):
        kleinberg_states([0, 1, 2], s=1.0)
    with pytest.raises(InputError):
        kleinberg_states([0, 1, float("nan")])


# ------------------------------------------------------------------ online detector


def _series(seed: int) -> tuple[list[int], list[int]]:
    """Bins of 5 minutes: a slow topic, a burst, a quiet gap without events, a second burst."""
    rng = np.random.default_rng(seed)
    lam = np.full(600, 4.0)
    lam[200:230] = 40.0
    lam[300:340] = 0.0
    lam[450:500] = 60.0
    counts = rng.poisson(lam)
    starts = (np.arange(600) + 10_000) * 300
    return starts.tolist(), counts.tolist()


def test_detector_finds_the_bursts_of_a_synthetic_series() -> None:
    starts, counts = _series(1)
    det = BurstDetector()
    for b, c in zip(starts, counts, strict=True):
        det.update(b, c)
    bursts = det.bursts
    assert len(bursts) == 2
    for burst, i0, i1 in zip(bursts, (200, 450), (230, 500), strict=True):
        assert abs(burst.start - starts[i0]) <= 300  # the change point, within a bin
        assert starts[i0] < burst.detected_at <= starts[i0] + 2 * 300
        assert burst.end is not None and abs(burst.end - starts[i1]) <= 2 * 300
        assert burst.baseline_rate == pytest.approx(48, rel=0.35)  # 4 per 5 min
        assert burst.peak_rate > 3 * burst.baseline_rate


def test_detection_delay_matches_the_cusum_arithmetic() -> None:
    # Constant 2 per bin (24/h), then 7 per bin: each burst bin adds 7 ln 3 - 2*2 = 3.69
    # to the CUSUM, which needs three bins to pass h = 9.06.
    det = BurstDetector(overdispersion=False, warmup_seconds=3600)
    for i in range(48):
        assert det.update(i * 300, 2) == []
    seen = [det.update((48 + j) * 300, 7) for j in range(4)]
    assert [len(e) for e in seen] == [0, 0, 1, 0]
    b = seen[2][0].burst
    assert seen[2][0].kind == "burst_started" and seen[2][0].at == 51 * 300
    assert (b.start, b.detected_at, b.end) == (48 * 300, 51 * 300, None)
    # the baseline keeps learning in the run (a mean until 1/n falls below the EWMA's weight)
    lam = [2.0, 2.0 + 5 / 49]
    lam.append(lam[1] + (7 - lam[1]) / 50)
    assert b.baseline_rate == pytest.approx(lam[2] * 12) and b.peak_rate == pytest.approx(84.0)
    z = [7 * math.log(3) - 2 * x for x in lam]
    assert z[0] + z[1] < threshold_for() <= sum(z)


def test_a_busy_topic_doubling_is_not_a_burst() -> None:
    rng = np.random.default_rng(0)
    counts = np.concatenate([rng.poisson(200, 100), rng.poisson(420, 100)])  # ×2.1
    for overdispersion in (True, False):
        det = BurstDetector(overdispersion=overdispersion)
        top = 0.0
        for i, c in enumerate(counts.tolist()):
            assert det.update(i * 300, c) == []
            top = max(top, det.cusum)
        if not overdispersion:
            assert top > threshold_for()  # the CUSUM rose: only the effect gate held it


def test_no_alarm_during_warm_up_and_min_rate_floor() -> None:
    det = BurstDetector(warmup_seconds=3600)
    assert det.update(0, 50) == []  # the first bins build the baseline
    assert det.update(300, 0) == []
    det2 = BurstDetector(warmup_seconds=0)
    assert det2.update(0, 3) == []  # against the floor of 6/h = 0.5 per bin: too few
    assert [e.kind for e in det2.update(300, 12)] == ["burst_started"]


def test_a_burst_that_settles_ends_and_rebaselines() -> None:
    det = BurstDetector(overdispersion=False, settle_seconds=6 * 3600)
    for i in range(24):
        det.update(i * 300, 10)
    kinds = []
    for i in range(24, 24 + 100):
        kinds += [(e.kind, e.at) for e in det.update(i * 300, 60)]
    assert kinds[0] == ("burst_started", 25 * 300)
    assert kinds[1] == ("burst_ended", 24 * 300 + 6 * 3600)
    assert det.bursts[0].end == 24 * 300 + 6 * 3600
    assert 30 < det.baseline < 60  # the shadow EWMA took over half of the new level
    assert det.update(124 * 300, 60) == []  # the new level is no burst


def test_burst_ends_when_the_rate_falls_back() -> None:
    det = BurstDetector(overdispersion=False)
    for i in range(24):
        det.update(i * 300, 10)
    det.update(24 * 300, 100)
    assert det.active is not None
    out = []
    for i in range(25, 60):
        out += det.update(i * 300, 10)
    assert [e.kind for e in out] == ["burst_ended"]
    assert out[0].burst.end == 25 * 300 and out[0].at == 37 * 300  # one quiet hour later
    assert det.active is None and det.baseline == pytest.approx(10.0)  # the level it fell back to


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_incremental_equals_batch(seed: int) -> None:
    starts, counts = _series(seed)
    ts = [b + k for b, c in zip(starts, counts, strict=True) for k in range(c)]
    batch = detect_bursts(ts, bin_seconds=300)
    det = BurstDetector(bin_seconds=300)
    events = []
    for b, c in zip(starts, counts, strict=True):
        events += det.update(b, c)
    assert det.bursts == batch
    started = [e.burst.start for e in events if e.kind == "burst_started"]
    assert started == [b.start for b in batch]


def test_skipped_bins_count_zero() -> None:
    a, b = BurstDetector(warmup_seconds=0), BurstDetector(warmup_seconds=0)
    for i, c in enumerate([5, 6, 0, 0, 0, 4, 30]):
        a.update(i * 300, c)
    for i, c in [(0, 5), (1, 6), (5, 4), (6, 30)]:
        b.update(i * 300, c)
    assert a.to_dict() == b.to_dict()


def test_state_round_trips_through_json() -> None:
    starts, counts = _series(4)
    whole = BurstDetector()
    for b, c in zip(starts, counts, strict=True):
        whole.update(b, c)
    for cut in (210, 470, 599):  # inside each burst, and near the end
        first = BurstDetector()
        for b, c in zip(starts[:cut], counts[:cut], strict=True):
            first.update(b, c)
        again = BurstDetector.from_dict(json.loads(json.dumps(first.to_dict())))
        for b, c in zip(starts[cut:], counts[cut:], strict=True):
            again.update(b, c)
        assert again.bursts == whole.bursts
        assert again.to_dict() == whole.to_dict()


def test_bad_input_is_refused() -> None:
    det = BurstDetector()
    det.update(600, 1)
    with pytest.raises(InputError):
        det.update(300, 1)  # out of order
    with pytest.raises(InputError):
        det.update(600, 1)  # twice
    with pytest.raises(InputError):
        det.update(1000, 1)  # not a bin start
    with pytest.raises(InputError):
        det.update(900, -1)
    with pytest.raises(InputError):
        BurstDetector(min_ratio=1.0)
    with pytest.raises(InputError):
        BurstDetector.from_dict({"version": 1, "options": {}})


def test_burst_as_json_is_plain() -> None:
    b = Burst(start=1, detected_at=2, end=None, peak_rate=3.0, baseline_rate=1.0)
    assert json.loads(json.dumps(b.as_json())) == {
        "start": 1,
        "detected_at": 2,
        "end": None,
        "peak_rate": 3.0,
        "baseline_rate": 1.0,
        "level": 1,
    }


def test_threshold_and_bound_are_inverse() -> None:
    for bins, target in ((300, 1 / 30), (60, 1 / 30), (60, 0.5)):
        h = threshold_for(target, bin_seconds=bins)
        assert false_alarm_rate(h, bin_seconds=bins) == pytest.approx(target)
    assert threshold_for(bin_seconds=300) == pytest.approx(math.log(288 * 30))


def test_bin_counts() -> None:
    starts, counts = bin_counts([610, 5, 61, 62, 250], bin_seconds=60)
    assert starts.tolist() == list(range(0, 660, 60))
    assert counts.sum() == 5 and counts[1] == 2 and counts[10] == 1
    s0, c0 = bin_counts([], bin_seconds=60)
    assert s0.size == 0 and c0.size == 0
