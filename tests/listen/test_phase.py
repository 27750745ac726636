"""Topic phase from the topic's own curve: synthetic curves and the Higgs week."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from kolgraph.listen.burst import bin_counts, detect_bursts
from kolgraph.listen.burst_eval import read_higgs_times
from kolgraph.listen.phase import phase_changes, topic_phase


def _curve() -> tuple[list[int], list[float]]:
    """5-minute bins: 12 h flat at 5, 3 h doubling every half hour, 6 h plateau, decay."""
    flat = [5.0] * 144
    rise = [5.0 * 2 ** (i / 6) for i in range(1, 37)]  # 5 → 320
    plateau = [320.0] * 72
    decay = [320.0 * 0.5 ** (i / 12) for i in range(1, 145)]  # halves every hour
    counts = flat + rise + plateau + decay
    return [i * 300 for i in range(len(counts))], counts


def test_unambiguous_synthetic_phases() -> None:
    starts, counts = _curve()
    bursts = detect_bursts(
        [s + k for s, c in zip(starts, counts, strict=True) for k in range(int(c))]
    )
    assert bursts and 144 * 300 <= bursts[0].start <= 160 * 300

    def at(i: int) -> str:
        return topic_phase(starts, counts, bursts=bursts, now=i * 300)

    assert at(100) == "origin"
    assert at(175) == "explosion"  # an hour before the plateau, doubling
    assert at(250) == "mass_spread"  # on the plateau
    assert at(330) == "flattening"  # ~2.5 h into the decay: a third of the peak passed
    changes = phase_changes(starts, counts, bursts=bursts)
    assert [p for _, p in changes] == ["origin", "explosion", "mass_spread", "flattening"]


def test_no_bins_and_bad_bins() -> None:
    assert topic_phase([], [], bursts=[], now=1000) == "origin"
    assert phase_changes([], [], bursts=[]) == []
    from kolgraph.errors import InputError

    with pytest.raises(InputError):
        topic_phase([0, 300], [1], bursts=[], now=600)
    with pytest.raises(InputError):
        topic_phase([0, 301], [1, 2], bursts=[], now=600)


def _utc(text: str) -> int:
    return int(dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC).timestamp())


@pytest.mark.slow
def test_higgs_week_phases(shared_data: Path) -> None:
    ts = read_higgs_times(shared_data / "higgs-twitter" / "higgs-activity_time.txt.gz")
    starts, counts = bin_counts(ts)
    bursts = detect_bursts(ts)

    def at(text: str) -> str:
        return topic_phase(starts, counts, bursts=bursts, now=_utc(text))

    assert at("2012-07-04T06:00") == "explosion"
    assert at("2012-07-04T07:00") == "explosion"
    for t in ("2012-07-05T12:00", "2012-07-06T00:00", "2012-07-06T12:00"):
        assert at(t) in ("mass_spread", "flattening")
    for t in ("2012-07-07T06:00", "2012-07-07T18:00"):
        assert at(t) == "flattening"
    changes = phase_changes(starts, counts, bursts=bursts)
    assert changes[0][1] == "origin"
    last_explosion = max(t for t, p in changes if p == "explosion")
    assert last_explosion < _utc("2012-07-04T12:00")
    assert np.all(np.diff([t for t, _ in changes]) > 0)
