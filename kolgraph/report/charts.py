"""The charts of a plan report, as Plotly figures, and each as an HTML fragment.

Every builder takes the plan's JSON (:class:`~kolgraph.schemas.plans.PlanResponse`) or a
part of it and returns a :class:`plotly.graph_objects.Figure`, or None when the plan has
nothing to draw. :func:`chart_html` renders a figure as a ``<div>`` with a stable id and
the script that draws it; plotly.js itself is embedded once by the page.

Plotly reads a subset of HTML in labels and hover text, so every account name is
escaped (:func:`label`) before it reaches a figure.
"""

from __future__ import annotations

import html
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio

from kolgraph.report.overlap import JaccardMatrix
from kolgraph.schemas.plans import BudgetCurveOut, ForecastOut, PlanResponse

__all__ = [
    "CHART_IDS",
    "PHASE_COLOURS",
    "PHASE_LABELS",
    "budget_curve_figure",
    "chart_html",
    "communities_figure",
    "forecast_figure",
    "frequency_figure",
    "label",
    "overlap_figure",
    "timeline_figure",
]

#: The id of each chart's container, by chart.
CHART_IDS = {
    "timeline": "chart-timeline",
    "budget_curve": "chart-budget-curve",
    "overlap": "chart-overlap",
    "communities": "chart-communities",
    "frequency": "chart-frequency",
    "forecast": "chart-forecast",
}
#: Phases of the topic life cycle as a reader sees them.
PHASE_LABELS = {
    "origin": "Origin",
    "explosion": "Explosion",
    "mass_spread": "Mass spread",
    "flattening": "Flattening",
}
PHASE_COLOURS = {
    "origin": "#4f46e5",
    "explosion": "#dc2626",
    "mass_spread": "#d97706",
    "flattening": "#059669",
}

_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
_INK = "#1f2937"
_MUTED = "#6b7280"
_GRID = "#e5e7eb"
_AXIS = "#9ca3af"
_ACCENT = "#2563eb"
_SECOND = "#f59e0b"
_PALE = "#cbd5e1"
_CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["lasso2d"]}


def label(name: str, *, at_most: int = 28) -> str:
    """``name`` as Plotly text: cut to ``at_most`` characters and HTML-escaped."""
    cut = name if len(name) <= at_most else name[: at_most - 1] + "…"
    return html.escape(cut, quote=True)


def _styled(
    fig: go.Figure, *, height: int, margin: dict[str, int] | None = None, **layout: Any
) -> go.Figure:
    """``fig`` in the report's look: white, light grid, the system font, legend on top."""
    fig.update_layout(
        template="none",
        height=height,
        margin=margin or {"l": 70, "r": 30, "t": 40, "b": 60},
        font={"family": _FONT, "size": 12, "color": _INK},
        paper_bgcolor="white",
        plot_bgcolor="white",
        hoverlabel={"font": {"family": _FONT, "size": 12}},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        **layout,
    )
    fig.update_xaxes(
        gridcolor=_GRID, linecolor=_AXIS, zeroline=False, ticks="outside", tickcolor=_AXIS
    )
    fig.update_yaxes(gridcolor=_GRID, linecolor=_AXIS, zeroline=False)
    return fig


def chart_html(fig: go.Figure, div_id: str) -> str:
    """The figure as a ``<div id=div_id>`` and its drawing script (no plotly.js)."""
    return str(
        pio.to_html(
            fig,
            full_html=False,
            include_plotlyjs=False,
            div_id=div_id,
            config=_CONFIG,
            validate=True,
        )
    )


def timeline_figure(doc: PlanResponse) -> go.Figure | None:
    """One horizontal bar per phase over the days it runs, its accounts in the hover.

    Returns None when the plan has no phases.
    """
    if not doc.phases:
        return None
    names = {a.key: a.name for a in doc.accounts}
    ys, base, width, text, hover, colours = [], [], [], [], [], []
    for ph in doc.phases:
        title = PHASE_LABELS.get(ph.phase, ph.phase)
        who = [label(names.get(k, k)) for k in ph.accounts]
        n = len(who)
        ys.append(title)
        base.append(ph.day_from)
        width.append(max(ph.day_to - ph.day_from, 0.25))
        text.append(f"{n} account{'s' if n != 1 else ''}")
        listed = "<br>".join(who[:25]) + (f"<br>… and {n - 25} more" if n > 25 else "")
        hover.append(
            f"<b>{title}</b>: days {ph.day_from}–{ph.day_to}<br>{html.escape(ph.what)}"
            + (f"<br><br>{listed}" if who else "")
        )
        colours.append(PHASE_COLOURS.get(ph.phase, _ACCENT))
    last = max(ph.day_to for ph in doc.phases)
    fig = go.Figure(
        go.Bar(
            orientation="h",
            y=ys,
            x=width,
            base=base,
            text=text,
            textposition="inside",
            insidetextanchor="middle",
            textfont={"color": "white"},
            marker={"color": colours},
            hovertext=hover,
            hoverinfo="text",
            showlegend=False,
        )
    )
    return _styled(
        fig,
        height=90 + 52 * len(ys),
        xaxis={
            "title": {"text": "day of the campaign (day 0: the first post)"},
            "range": [0, last],
            "dtick": 1 if last <= 21 else None,
        },
        yaxis={"autorange": "reversed", "showgrid": False},
        margin={"l": 100, "r": 30, "t": 20, "b": 60},
        bargap=0.35,
    )


def budget_curve_figure(curve: BudgetCurveOut, *, plan_budget: float) -> go.Figure | None:
    """The objective's value and the cost per engaged (or reached) person against budget.

    The knee (where returns fall off) and the plan's own budget are marked. Returns
    None when the curve has no points.
    """
    pts = curve.points
    if not pts:
        return None
    x = [p.budget for p in pts]
    per: list[float | None] = [p.cost_per_engaged for p in pts]
    per_name = "cost per engaged person"
    if all(v is None for v in per):
        per = [p.cost_per_reached for p in pts]
        per_name = "cost per reached person"
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=x,
            y=[p.value for p in pts],
            mode="lines+markers",
            name=f"value ({html.escape(curve.objective)})",
            line={"color": _ACCENT, "width": 3},
            marker={"size": 8},
            customdata=[[p.accounts, p.spent, p.unique_reach] for p in pts],
            hovertemplate="budget %{x:,.0f}<br>value %{y:,.1f}<br>%{customdata[0]} accounts, "
            "spent %{customdata[1]:,.0f}<br>unique reach %{customdata[2]:,}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=per,
            mode="lines+markers",
            name=per_name,
            yaxis="y2",
            line={"color": _SECOND, "width": 2, "dash": "dot"},
            marker={"size": 7, "symbol": "diamond"},
            hovertemplate="budget %{x:,.0f}<br>" + per_name + " %{y:,.4f}<extra></extra>",
        )
    )
    if curve.knee_budget is not None:
        fig.add_vline(
            x=curve.knee_budget,
            line={"color": "#dc2626", "dash": "dash", "width": 2},
            annotation={
                "text": f"knee: {curve.knee_budget:,.0f}",
                "font": {"color": "#dc2626"},
            },
            annotation_position="top left",
        )
    if x[0] <= plan_budget <= x[-1] and plan_budget != curve.knee_budget:
        fig.add_vline(
            x=plan_budget,
            line={"color": _MUTED, "dash": "dot", "width": 1},
            annotation={"text": "this plan", "font": {"color": _MUTED}},
            annotation_position="bottom right",
        )
    return _styled(
        fig,
        height=380,
        xaxis={"title": {"text": "budget"}, "tickformat": ",.0f"},
        yaxis={"title": {"text": f"value ({html.escape(curve.objective)})"}, "rangemode": "tozero"},
        yaxis2={
            "title": {"text": per_name},
            "overlaying": "y",
            "side": "right",
            "showgrid": False,
            "rangemode": "tozero",
            "linecolor": _AXIS,
            "tickformat": ",.2f",
        },
        margin={"l": 70, "r": 80, "t": 40, "b": 60},
    )


def overlap_figure(m: JaccardMatrix) -> go.Figure | None:
    """A heat map of the Jaccard index of every pair (the diagonal left blank).

    Returns None when the plan has fewer than two accounts.
    """
    n = len(m.keys)
    if n < 2:
        return None
    z: list[list[float | None]] = [
        [None if i == j else m.jaccard[i][j] for j in range(n)] for i in range(n)
    ]
    names = [label(nm, at_most=22) for nm in m.names]
    hover = [
        [
            f"{label(m.names[i], at_most=40)} × {label(m.names[j], at_most=40)}<br>"
            + (
                "not kept with the plan"
                if m.jaccard[i][j] is None
                else f"Jaccard {m.jaccard[i][j]:.3f}"
                + ("" if m.shared[i][j] is None else f", {m.shared[i][j]:,} shared")
            )
            for j in range(n)
        ]
        for i in range(n)
    ]
    top = max((v for row in z for v in row if v is not None), default=0.0) or 1.0
    ticks = list(range(n))
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=ticks,
            y=ticks,
            zmin=0.0,
            zmax=top,
            colorscale=[[0.0, "#f8fafc"], [0.5, "#60a5fa"], [1.0, "#1e3a8a"]],
            customdata=hover,
            hovertemplate="%{customdata}<extra></extra>",
            texttemplate="%{z:.2f}" if n <= 14 else None,
            textfont={"size": 10},
            xgap=1,
            ygap=1,
            colorbar={"title": {"text": "Jaccard"}, "thickness": 14},
        )
    )
    side = max(360, min(26 * n, 2400) + 190)
    return _styled(
        fig,
        height=side,
        xaxis={
            "tickvals": ticks,
            "ticktext": names,
            "tickangle": -45,
            "showgrid": False,
            "side": "bottom",
        },
        yaxis={"tickvals": ticks, "ticktext": names, "autorange": "reversed", "showgrid": False},
        margin={"l": 170, "r": 30, "t": 20, "b": 160},
    )


def communities_figure(doc: PlanResponse) -> go.Figure | None:
    """People of each of the target's largest communities and how many the plan reaches.

    Returns None when the plan has no community coverage.
    """
    cc = doc.community_coverage
    if not cc:
        return None
    x = [f"community {c.community}" for c in cc]
    fig = go.Figure(
        [
            go.Bar(
                name="people in the target",
                x=x,
                y=[c.people for c in cc],
                marker={"color": _PALE},
                hovertemplate="%{x}<br>%{y:,} people<extra></extra>",
            ),
            go.Bar(
                name="reached",
                x=x,
                y=[c.reached for c in cc],
                marker={"color": _ACCENT},
                text=[f"{c.share:.0%}" for c in cc],
                textposition="outside",
                hovertemplate="%{x}<br>%{y:,} reached (%{text})<extra></extra>",
            ),
        ]
    )
    return _styled(
        fig, height=360, barmode="group", yaxis={"title": {"text": "people"}}, bargap=0.25
    )


def frequency_figure(doc: PlanResponse) -> go.Figure | None:
    """People reached by exactly 1, 2, 3, ... of the plan's accounts (audience and target).

    Returns None when the plan carries no reach-frequency report.
    """
    series = [
        (rf, name, colour)
        for rf, name, colour in (
            (doc.reach_frequency, "whole audience", _PALE),
            (doc.reach_frequency_target, "target", _ACCENT),
        )
        if rf is not None and rf.distribution
    ]
    if not series:
        return None
    fig = go.Figure(
        [
            go.Bar(
                name=name,
                x=list(range(1, len(rf.distribution) + 1)),
                y=rf.distribution,
                marker={"color": colour},
                hovertemplate=f"{name}<br>%{{y:,}} people reached by exactly %{{x}} "
                "account(s)<extra></extra>",
            )
            for rf, name, colour in series
        ]
    )
    return _styled(
        fig,
        height=360,
        barmode="group",
        xaxis={
            "title": {"text": "reached by exactly this many of the plan's accounts"},
            "dtick": 1,
        },
        yaxis={"title": {"text": "people"}},
        bargap=0.2,
    )


def forecast_figure(fc: ForecastOut) -> go.Figure:
    """The expected moved people (and per message) with their 80% interval as error bars."""
    rows = [("moved people", fc.moved_users)]
    if fc.per_message is not None:
        rows.append(("per message (one post each)", fc.per_message))
    expected = [v.expected for _, v in rows]
    fig = go.Figure(
        go.Bar(
            x=[name for name, _ in rows],
            y=expected,
            marker={"color": [_ACCENT, "#7c3aed"][: len(rows)]},
            error_y={
                "type": "data",
                "array": [v.high - v.expected for _, v in rows],
                "arrayminus": [v.expected - v.low for _, v in rows],
                "visible": True,
                "color": _INK,
                "thickness": 2,
                "width": 14,
            },
            text=[f"{e:,.0f}" for e in expected],
            textposition="inside",
            insidetextanchor="start",
            textfont={"color": "white"},
            customdata=[[v.low, v.high, round(v.interval * 100)] for _, v in rows],
            hovertemplate="%{x}<br>expected %{y:,.1f}<br>%{customdata[2]}% interval "
            "%{customdata[0]:,.1f} – %{customdata[1]:,.1f}<extra></extra>",
            width=0.45,
            showlegend=False,
        )
    )
    return _styled(
        fig,
        height=340,
        yaxis={
            "title": {"text": f"people within {fc.horizon_days:g} days"},
            "rangemode": "tozero",
        },
    )
