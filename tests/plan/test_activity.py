"""The active-engagers objective: activity rates against a hand count, probabilities, greedy."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

from kolgraph.plan.activity import active_engagers_inputs, activity_per_day
from kolgraph.plan.cascades import DAY, cascades_from_frame
from kolgraph.plan.objective import EngagementObjective, greedy_select


def test_activity_is_a_decayed_count_over_the_decayed_length_of_the_history() -> None:
    # account 0 leads cascades on days 0 and 10, account 1 on day 20 (the history spans 20 days)
    c = cascades_from_frame(
        [0, 0, 1, 1, 2, 2],
        [0, 2, 0, 2, 1, 2],
        [0, 1, int(10 * DAY), int(10 * DAY) + 1, int(20 * DAY), int(20 * DAY) + 1],
        3,
    )
    now = int(20 * DAY) + 1
    r = activity_per_day(c, now=now, tau_share=0.5, early=1)  # tau = 10 days; first only
    window = 10 * (1 - math.exp(-2.0))
    age0 = [(now - 0) / DAY, (now - 10 * DAY) / DAY]
    assert r[0] == pytest.approx(sum(math.exp(-a / 10) for a in age0) / window)
    assert r[1] == pytest.approx(math.exp(-(1 / DAY) / 10) / window)
    assert r[2] == 0.0  # never among the first
    assert r[1] > r[0] / 2  # one recent lead weighs more than half of two older ones


def test_probabilities_rise_with_activity_and_horizon() -> None:
    past = sp.csr_matrix(np.array([[0, 1, 1], [0, 0, 1], [0, 0, 0]], dtype=float))
    rate = np.array([0.1, 1.0, 5.0])
    short = active_engagers_inputs(past, rate, 1.0).P.toarray()
    long = active_engagers_inputs(past, rate, 7.0).P.toarray()
    assert short[0, 1] == pytest.approx(1 - math.exp(-0.1))
    assert short[1, 2] == pytest.approx(1 - math.exp(-1.0))
    assert (long >= short).all() and long[0, 1] > short[0, 1]
    assert short[2].sum() == 0  # no past engagers, nothing to move


def test_greedy_prefers_the_active_account_with_the_same_engagers() -> None:
    # accounts 0 and 1 had the same past engagers; 1 is the one still active
    past = sp.csr_matrix(np.array([[0, 0, 1, 1], [0, 0, 1, 1], [0, 0, 0, 0], [0, 0, 0, 0]]))
    rate = np.array([0.01, 0.5, 0.0, 0.0])
    obj = EngagementObjective(active_engagers_inputs(past, rate, 14.0))
    sel = greedy_select(obj, np.arange(4), k=1)
    assert sel.accounts == [1]
