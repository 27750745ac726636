"""One message per account: rates against a hand count, and what a window measured."""

from __future__ import annotations

import numpy as np
import pytest

from kolgraph.plan.cascades import cascades_from_frame
from kolgraph.plan.messages import measured_per_message, message_rates

# cascade 0: 0 → 1 → 2 → 3; cascade 1: 1 → 0; cascade 2: 0 → 3
C = cascades_from_frame(
    [0, 0, 0, 0, 1, 1, 2, 2], [0, 1, 2, 3, 1, 0, 0, 3], [0, 1, 2, 3, 10, 11, 20, 21], 5
)


def test_rates_are_mean_later_adopters_without_a_prior() -> None:
    r = message_rates(C, prior=0.0)
    # 0: 3 after it, 0 after it, 1 after it -> 4/3; 1: 2 and 1 -> 1.5; 2: 1; 3: 0, 0
    assert r[:4] == pytest.approx([4 / 3, 1.5, 1.0, 0.0])


def test_the_prior_pulls_rarely_seen_accounts_to_the_mean() -> None:
    mean = (3 + 2 + 1 + 0 + 1 + 0 + 1 + 0) / 8
    r = message_rates(C, prior=2.0)
    assert r[3] == pytest.approx((0 + 2 * mean) / 4)  # 3 had nobody after it, twice
    assert r[4] == pytest.approx(mean)  # never seen: the mean itself
    assert 0.0 < r[3] < mean


def test_measured_takes_each_accounts_first_cascade_in_the_window() -> None:
    rates = np.array([10.0, 20.0, 30.0, 40.0, 50.0])
    pred, meas, posted = measured_per_message(C, [0, 1, 4], rates)
    # 0's first cascade is 0 (3 after it), 1's first is 0 too (2 after it); 4 never posted
    assert (pred, meas, posted) == (30.0, 5.0, 2)
    assert measured_per_message(C, [4], rates) == (0.0, 0.0, 0)
