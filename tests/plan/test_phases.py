"""Phases of the topic life cycle: the default calendar and the phase of each account."""

from __future__ import annotations

import itertools

import numpy as np

from kolgraph.plan.phases import PHASES, assign_phases
from kolgraph.plan.schedule import LIFE_DAYS, calendar_from_hours


def test_the_default_calendar_is_contiguous_and_lives_one_to_two_weeks() -> None:
    days = [(d0, d1) for d0, d1, _ in PHASES.values()]
    assert list(PHASES) == ["origin", "explosion", "mass_spread", "flattening"]
    assert days[0][0] == 0
    assert all(d0 < d1 for d0, d1 in days)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(days))
    assert LIFE_DAYS[0] <= days[-1][1] <= LIFE_DAYS[1]
    # the cascade-timed calendar of a topic at 10% after a day, 50% after 3, 90% after 7
    assert calendar_from_hours(24, 72, 168) == dict(zip(PHASES, days, strict=True))


def test_without_a_model_phases_follow_kind_and_pagerank() -> None:
    kinds = np.array(["own", "kol", "kol", "media", "kol"], dtype=object)
    pr = np.array([0.1, 0.4, 0.3, 0.2, 0.05])
    phases = assign_phases(kinds, pr, None, top_share=0.2)
    assert phases == ["origin", "explosion", "mass_spread", "mass_spread", "flattening"]
