"""What a running job reports through: estimates, the log tail, the stop flag."""

from __future__ import annotations

import pytest

from kolgraph.jobs import Cancelled, JobContext


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_linear_estimate_from_the_counter_since_the_stage_began() -> None:
    clock = Clock()
    ctx = JobContext("j", clock=clock)
    assert ctx.snapshot().eta is None  # nothing known yet
    ctx.stage("write", done=0, total=100)
    assert ctx.snapshot().eta is None  # nothing done yet: no rate
    clock.t += 10
    ctx.advance(25)
    p = ctx.snapshot()
    assert (p.stage, p.done, p.total, p.eta) == ("write", 25, 100, 30.0)
    ctx.update(60)
    ctx.stage("crawl", done=0)  # no total: no estimate
    clock.t += 5
    ctx.update(10)
    assert ctx.snapshot().eta is None


def test_a_given_estimate_counts_down_and_stops_at_zero() -> None:
    clock = Clock()
    ctx = JobContext("j", clock=clock)
    ctx.stage("pagerank", done=1, total=9, eta=20.0)
    clock.t += 5
    assert ctx.snapshot().eta == 15.0
    clock.t += 30
    assert ctx.snapshot().eta == 0.0


def test_log_tail_is_bounded_and_every_report_changes_the_version() -> None:
    ctx = JobContext("j", log_lines=3)
    v = ctx.version
    for i in range(5):
        ctx.log(f"line {i}" + "x" * (1000 if i == 4 else 0))
    log = ctx.snapshot().log
    assert len(log) == 3 and log[0].endswith("line 2") and len(log[-1]) <= 300
    assert ctx.version > v


def test_check_raises_once_stopped_with_the_first_reason() -> None:
    ctx = JobContext("j")
    ctx.check()
    assert not ctx.stopping
    ctx.stop("the server shut down", "interrupted")
    ctx.stop("cancelled on request")
    with pytest.raises(Cancelled) as err:
        ctx.check()
    assert err.value.status == "interrupted" and "shut down" in err.value.reason
