"""The online detector on the real Higgs week, and its false-alarm bound by simulation."""

from __future__ import annotations

from pathlib import Path

import pytest

from kolgraph.listen.burst import false_alarm_rate
from kolgraph.listen.burst_eval import evaluate_higgs, simulate_false_alarms


@pytest.mark.parametrize("rate", [12.0, 600.0])
def test_simulated_false_alarms_stay_under_the_bound(rate: float) -> None:
    # A low threshold makes false alarms frequent enough to count in 20 days.
    h = 4.0
    bound = false_alarm_rate(h, bin_seconds=300)  # 288 e^-4 = 5.3 per day
    measured = simulate_false_alarms(
        rate, days=20, seed=7, threshold=h, min_ratio=1.5, overdispersion=False
    )
    assert measured <= bound


@pytest.mark.slow
def test_higgs_announcement_is_flagged_within_fifteen_minutes(shared_data: Path) -> None:
    r = evaluate_higgs(shared_data / "higgs-twitter" / "higgs-activity_time.txt.gz")
    assert r.events == 563_069
    # Kleinberg's week-level burst over the busiest bin starts on 4 July 04:00-05:00 UTC
    assert 1341374400 <= r.reference_start < 1341378000
    assert r.detected_at is not None and r.delay_minutes is not None
    # Bound: the reference start falls anywhere in a bin (1 bin), the alarm bin must
    # close (1 bin), and at 3x a baseline of > 100 events per bin one bin's CUSUM
    # increment exceeds h (1 bin): 3 bins of 5 minutes.
    assert -60 <= r.delay_minutes <= 15
    assert r.detected_start is not None and r.detected_start <= r.detected_at
    target = [a for a in r.alarms if a.verdict == "target"]
    assert len(target) == 1 and target[0].burst.peak_rate > 10 * target[0].burst.baseline_rate
    before = [a for a in r.alarms if a.burst.detected_at < r.reference_start - 3600]
    assert r.false_alarms_before + r.confirmed_before == len(before)
    assert r.confirmed_before >= 2  # the 1 July rumour and the 2 July Tevatron day
    assert r.as_json()["alarms"][0]["burst"]["start"] == r.alarms[0].burst.start
