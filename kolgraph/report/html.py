"""A kept plan as one self-contained HTML page a strategist can send to a client.

The page (``templates/report.html.j2``, autoescaped) holds the plan's summary, its account
table and six Plotly charts (:mod:`kolgraph.report.charts`); plotly.js is embedded once,
inline, so the file opens with no network at all. Important numbers carry their raw value
for machines: ``<span data-field="unique_reach" data-value="12345">12,345</span>``, and
each account row its key (``<tr data-key="x:1">``) with ``data-value`` on its cost and
marginal reach.
"""

from __future__ import annotations

import functools
import math
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from enum import Enum
from pathlib import Path
from typing import Any

import plotly.offline
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from kolgraph import __version__
from kolgraph.audience.overlap import OverlapReport
from kolgraph.report import charts
from kolgraph.report.files import write_whole
from kolgraph.report.kept import read_kept_plan
from kolgraph.report.overlap import jaccard_matrix
from kolgraph.schemas.plans import PlanResponse, ReachFrequencyOut
from kolgraph.store.base import Store

__all__ = ["forecast_sentence", "plan_report_html", "render_report", "write_plan_html"]


def num(value: float | None, digits: int = 0) -> str:
    """``value`` with thousands separators and ``digits`` decimals; '–' when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:,.{digits}f}"


def money(value: float | None) -> str:
    """An amount: no decimals when it is whole, else two."""
    if value is None:
        return "–"
    return num(value, 0 if float(value).is_integer() else 2)


def pct(value: float | None, digits: int = 1) -> str:
    """A share as a percentage."""
    return "–" if value is None else f"{value * 100:.{digits}f}%"


def days(value: float) -> str:
    """A number of days without a needless ``.0``."""
    return f"{value:g}"


def value(x: object) -> str:
    """An enum member as its value (``Kind.KOL`` → ``kol``), anything else as text."""
    return str(x.value) if isinstance(x, Enum) else str(x)


def sentence(text: str) -> str:
    """``text`` with a full stop, and a capital first letter when it starts with a word."""
    text = text.strip()
    if not text:
        return text
    first = text.split(maxsplit=1)[0]
    if first.isalpha() and first.islower():
        text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


@functools.cache
def _env() -> Environment:
    env = Environment(
        loader=PackageLoader("kolgraph.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(num=num, money=money, pct=pct, days=days, value=value, sentence=sentence)
    return env


@functools.cache
def _plotlyjs() -> Markup:
    """plotly.js as shipped with the ``plotly`` package (read once per process)."""
    return Markup(plotly.offline.get_plotlyjs())


def _plain(v: object) -> str:
    if isinstance(v, list | tuple) and len(v) == 2 and all(isinstance(x, int | float) for x in v):
        return f"{v[0]:g}–{v[1]:g}"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def calibration_lines(data: Mapping[str, Any]) -> list[str]:
    """A forecast's calibration as readable parts.

    ``{"points": 270, "horizon_days": [0.3, 8.5], "err": {"model": 0.8}}`` reads
    ``["points 270", "horizon days 0.3–8.5", "err: model 0.8"]``.
    """
    lines = []
    for k, v in data.items():
        name = str(k).replace("_", " ")
        if isinstance(v, Mapping):
            inner = ", ".join(f"{str(ik).replace('_', ' ')} {_plain(iv)}" for ik, iv in v.items())
            lines.append(f"{name}: {inner}")
        else:
            lines.append(f"{name} {_plain(v)}")
    return lines


def forecast_sentence(doc: PlanResponse) -> str:
    """What the forecast says and what its interval means, in one or two sentences."""
    fc = doc.forecast
    if fc is None:
        return (
            f"No forecast: the rank run this plan was made from has no engagement model "
            f"(it needs timestamped cascades), so the plan maximised {doc.objective} without "
            "predicting how many people it moves."
        )
    mv = fc.moved_users
    share = round(mv.interval * 100)
    text = (
        f"The plan is expected to move about {num(mv.expected)} people within "
        f"{fc.horizon_days:g} days. The {share}% interval, {num(mv.low)} to {num(mv.high)}, "
        f"is set from how far off plans made the same way were on this store's own history: "
        f"about {share} campaigns in 100 like this one land inside such a range."
    )
    if mv.extrapolated:
        text += " No past plan had this horizon, so the interval is extrapolated."
    return text


def _kinds(doc: PlanResponse) -> str:
    counts = Counter(value(a.kind) for a in doc.accounts)
    return ", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "none"


def render_report(
    doc: PlanResponse,
    heat: OverlapReport | None,
    *,
    missing: Sequence[str] = (),
    created: float | None = None,
    now: float | None = None,
) -> str:
    """The plan's report page (needs no store).

    Parameters
    ----------
    doc
        The plan's JSON.
    heat
        The exact overlap of its accounts
        (:func:`~kolgraph.report.overlap.plan_overlap`); None falls back to the
        pairs kept with the plan, and the page says so.
    missing
        Keys of the plan that are no longer in the store (named on the page).
    created
        When the plan was made (unix seconds), if known.
    now
        The time the report is dated (unix seconds; default: now).

    Returns
    -------
    str
        One HTML document with everything inline (styles, data, plotly.js).
    """
    matrix = jaccard_matrix(doc, heat, missing=missing)
    figures = {
        "timeline": charts.timeline_figure(doc),
        "budget_curve": (
            charts.budget_curve_figure(doc.budget_curve, plan_budget=doc.budget)
            if doc.budget_curve
            else None
        ),
        "overlap": charts.overlap_figure(matrix),
        "communities": charts.communities_figure(doc),
        "frequency": charts.frequency_figure(doc),
        "forecast": charts.forecast_figure(doc.forecast) if doc.forecast else None,
    }
    rendered = {
        name: None if fig is None else Markup(charts.chart_html(fig, charts.CHART_IDS[name]))
        for name, fig in figures.items()
    }
    target = doc.target
    coverage = (
        target.coverage
        if target is not None
        else (doc.unique_reach / doc.target_size if doc.target_size else None)
    )
    frequencies: list[ReachFrequencyOut] = [
        rf for rf in (doc.reach_frequency, doc.reach_frequency_target) if rf is not None
    ]
    engaged = [a.marginal_engaged for a in doc.accounts if a.marginal_engaged is not None]
    stamp = "%Y-%m-%d %H:%M UTC"
    return (
        _env()
        .get_template("report.html.j2")
        .render(
            doc=doc,
            version=__version__,
            plotlyjs=_plotlyjs(),
            charts=rendered,
            matrix=matrix,
            names={a.key: a.name for a in doc.accounts},
            phase_labels=charts.PHASE_LABELS,
            coverage=coverage,
            target_everyone=target is None or target.everyone,
            target_filters=[] if target is None else target.filters,
            spent_share=doc.spent / doc.budget if doc.budget else None,
            kinds=_kinds(doc),
            marginal_total=sum(a.marginal_reach for a in doc.accounts),
            engaged_total=sum(engaged) if engaged else None,
            estimated=any(a.cost_estimated for a in doc.accounts),
            frequencies=frequencies,
            forecast_sentence=forecast_sentence(doc),
            calibration=calibration_lines(doc.forecast.calibration) if doc.forecast else [],
            created=None if created is None else time.strftime(stamp, time.gmtime(created)),
            generated=time.strftime(stamp, time.gmtime(time.time() if now is None else now)),
        )
    )


def plan_report_html(store: Store, plan_id: str) -> str:
    """The report page of the kept plan ``plan_id`` (see :func:`render_report`).

    The overlap heat map is counted exactly from the store's current edges when every
    planned account is still stored (at most 100 of them).

    Raises
    ------
    NotFound
        No plan has that id.
    """
    kept = read_kept_plan(store, plan_id)
    ov = kept.overlap
    return render_report(kept.doc, ov.heat, missing=ov.missing, created=kept.created)


def write_plan_html(store: Store, plan_id: str, path: Path) -> int:
    """Write the report page of the kept plan ``plan_id`` to ``path``; returns its size.

    Raises
    ------
    NotFound
        No plan has that id (nothing is written).
    InputError
        ``path`` cannot be written (:func:`~kolgraph.report.files.write_whole`).
    """
    return write_whole(Path(path), plan_report_html(store, plan_id).encode("utf-8"))
