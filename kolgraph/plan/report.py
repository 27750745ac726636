"""A backtest as a terminal table and markdown (one layout for the CLI and the bench).

Its JSON is :class:`~kolgraph.schemas.backtest.BacktestOut`.
"""

from __future__ import annotations

import math

from rich.table import Table

from kolgraph.plan.backtest import BASELINES, OBJECTIVES, BacktestResult

__all__ = ["backtest_markdown", "backtest_table", "calibration_line"]


def _order(result: BacktestResult) -> list[str]:
    head = ["kolgraph (auto)", *OBJECTIVES]
    tail = ["hindsight (ceiling)"]
    return [m for m in head + list(BASELINES) + tail if m in result.moved]


def _ratio(x: float) -> str:
    return "-" if math.isnan(x) else f"{x:.3f}"


def backtest_table(result: BacktestResult, *, title: str = "backtest") -> Table:
    """Moved users per method and k, and the ratio to the best baseline."""
    c = result.counts
    t = Table(
        title=f"{title}: moved users on {c['test_cascades']:,} test cascades "
        f"({c['test_users']:,} users); auto = {result.objective}; audience = {result.audience}"
    )
    t.add_column("method")
    for k in result.ks:
        t.add_column(f"k={k} / best baseline", justify="right")
    for k in result.ks:
        t.add_column(f"moved k={k}", justify="right")
    ratios = result.ratios()
    for m in _order(result):
        t.add_row(m, *(_ratio(v) for v in ratios[m]), *(f"{v:,.0f}" for v in result.moved[m]))
    return t


def calibration_line(result: BacktestResult) -> str:
    """The forecast checks in one line."""
    n = len(result.forecast)
    line = (
        f"forecast of the default plan: measured value inside the 80% interval at "
        f"{result.coverage:.0%} of {n} (k, horizon) points; median expected / measured "
        f"{result.median_ratio:.2f}"
    )
    if result.per_message:
        line += (
            f"; per message: inside at {result.message_coverage:.0%} of "
            f"{len(result.per_message)} sizes, median expected / measured "
            f"{result.message_median_ratio:.2f}"
        )
    return line


def backtest_markdown(result: BacktestResult, *, title: str = "backtest") -> str:
    """The table of :func:`backtest_table` as markdown, with the forecast check."""
    ratios = result.ratios()
    ks = result.ks
    lines = [
        f"### {title}",
        "",
        f"Test cascades {result.counts['test_cascades']:,}, users {result.counts['test_users']:,}; "
        f"auto = {result.objective}; audience = {result.audience}.",
        "",
        "| method | "
        + " | ".join(f"k={k}" for k in ks)
        + " | "
        + " | ".join(f"moved k={k}" for k in ks)
        + " |",
        "|---|" + "---:|" * (2 * len(ks)),
    ]
    for m in _order(result):
        lines.append(
            f"| {m} | "
            + " | ".join(_ratio(v) for v in ratios[m])
            + " | "
            + " | ".join(f"{v:,.0f}" for v in result.moved[m])
            + " |"
        )
    lines += ["", calibration_line(result), ""]
    return "\n".join(lines)
