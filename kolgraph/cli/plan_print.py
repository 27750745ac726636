"""The tables of ``kolgraph plan`` and ``kolgraph evaluate``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.table import Table

from kolgraph.cli.common import out, utc_minutes

if TYPE_CHECKING:
    from kolgraph.plan import Plan, PlannedAccount
    from kolgraph.plan.curve import BudgetCurve
    from kolgraph.plan.evaluate import Evaluation

__all__ = ["print_curve", "print_evaluation", "print_plan"]


def _forecast_cell(f: dict[str, Any]) -> str:
    """A forecast value with its 80% interval and what it was measured on."""
    return (
        f"{f['expected']:,.0f} (80% interval {f['low']:,.0f}..{f['high']:,.0f}, measured "
        f"on {f['calibrated_on']} points of this store's history"
        + (", extrapolated" if f["extrapolated"] else "")
        + ")"
    )


def _explanation(a: PlannedAccount) -> list[str]:
    """Engaged people an account adds, its cost per engaged person, and the evidence."""
    g = a.marginal_engaged
    if g is None:
        return ["-", "-", "-"]
    per = f"{a.cost / g:,.2f}" if g > 0 else "-"
    if not a.evidence_cascades:
        seen = "no past cascade"
    else:
        last = a.evidence_last_days
        seen = f"{a.evidence_cascades:,} cascades" + (
            "" if last is None else f", last {last:,.1f} d ago"
        )
    return [f"{g:,.1f}", per, seen]


def print_plan(plan: Plan) -> None:
    """The plan's accounts by phase, then its totals, forecast and notes."""
    from kolgraph.plan.phases import PHASES

    warned = any(a.warnings for a in plan.accounts)
    explained = any(a.marginal_engaged is not None for a in plan.accounts)
    cols = ["phase", "days", "key", "name", "kind", "marginal reach", "audience", "cost"]
    if explained:
        cols += ["engaged +", "cost / engaged", "evidence"]
    numeric = {"marginal reach", "audience", "cost", "engaged +", "cost / engaged"}
    t = Table(title=f"campaign plan: budget {plan.budget:,.0f}, spent {plan.spent:,.0f}")
    for col in cols + (["warnings"] if warned else []):
        t.add_column(col, justify="right" if col in numeric else "left")
    for a in plan.accounts:
        row = [
            a.phase.replace("_", " "),
            f"{a.day_from}-{a.day_to}",
            a.key,
            a.name,
            a.kind.value,
            f"{a.marginal_reach:,}",
            f"{a.audience:,}",
            f"{a.cost:,.0f}" + ("*" if a.cost_estimated else ""),
        ]
        if explained:
            row += _explanation(a)
        t.add_row(*row, *([", ".join(a.warnings) or "-"] if warned else []))
    out.print(t)
    for label, rf in (("reach", plan.reach_frequency), ("target", plan.reach_frequency_target)):
        if rf is not None:
            out.print(
                f"{label} {rf.unique_reach:,} unique · {rf.gross_impressions:,} impressions · "
                f"frequency {rf.avg_frequency:.2f} · 1+ {rf.reach_1_plus:,} · "
                f"2+ {rf.reach_2_plus:,} · 3+ {rf.reach_3_plus:,}",
                highlight=False,
            )
    if plan.budget_curve is not None:
        print_curve(plan.budget_curve)
    if plan.schedule is not None:
        out.print(f"[dim]days: {plan.schedule.note}[/]", highlight=False)
    s = Table(show_header=False, title="plan totals")
    if plan.id:
        s.add_row("plan id", plan.id)
    s.add_row("accounts", f"{len(plan.accounts)}")
    s.add_row(
        "expected unique reach",
        f"{plan.unique_reach:,} of {plan.target_size:,} targeted ({plan.target_coverage:.1%})",
    )
    for part in plan.target_parts:
        s.add_row("target", part)
    if plan.community_coverage:
        top = ", ".join(
            f"{c}: {hit / people:.0%} of {people:,}"
            for c, people, hit in plan.community_coverage[:4]
        )
        s.add_row("largest communities reached", top)
    s.add_row("summed audiences", f"{plan.total_audience:,}")
    s.add_row("overlap (duplicated share)", f"{plan.overlap_rate:.1%}")
    s.add_row("objective", plan.objective)
    s.add_row("stopped because", plan.stop_reason)
    if plan.forecast:
        s.add_row(
            f"people moved within {plan.forecast['horizon_days']:g} days",
            _forecast_cell(plan.forecast["moved_users"]),
        )
        if plan.forecast.get("per_message"):
            s.add_row(
                "people engaged per message (each account posts once)",
                _forecast_cell(plan.forecast["per_message"]),
            )
    if len(plan.overlap):
        r = plan.overlap.iloc[0]
        s.add_row("most overlapping pair", f"{r['a']} / {r['b']}: Jaccard {r['jaccard']:.3f}")
    quiet = [p for p in PHASES if not any(a.phase == p for a in plan.accounts)]
    if quiet:
        s.add_row("phases with no account", ", ".join(q.replace("_", " ") for q in quiet))
    out.print(s)
    for note in plan.notes:
        out.print(f"[dim]note: {note}[/]")
    if plan.id:
        out.print(
            f"evaluate it later: kolgraph evaluate {plan.id} --cascades FILE", highlight=False
        )


def print_curve(curve: BudgetCurve) -> None:
    """The budget curve: one row per budget, the knee marked."""
    t = Table(title=f"budget curve ({curve.objective})")
    cols = ["budget", "spent", "accounts", curve.objective, "+ per 1,000", "unique reach"]
    cols += ["engaged"]
    for col in (*cols, "cost / engaged", ""):
        t.add_column(col, justify="right")
    for i, (pt, more) in enumerate(zip(curve.points, curve.marginal(), strict=True)):
        per = pt.cost_per_engaged
        t.add_row(
            f"{pt.budget:,.0f}",
            f"{pt.spent:,.0f}",
            str(pt.accounts),
            f"{pt.value:,.1f}",
            "-" if more is None else f"{more:,.1f}",
            f"{pt.unique_reach:,}",
            "-" if pt.engaged is None else f"{pt.engaged:,.0f}",
            "-" if per is None else f"{per:,.2f}",
            "knee" if i == curve.knee else "",
        )
    out.print(t)
    out.print(f"[dim]{curve.note}[/]", highlight=False)


def print_evaluation(ev: Evaluation) -> None:
    """A campaign against its plan: totals, then per account and per phase."""
    s = Table(show_header=False, title=f"campaign of plan {ev.plan_id}")
    s.add_row("first post of a planned account", utc_minutes(ev.start) + " UTC")
    s.add_row("cascades", f"{ev.cascades:,}")
    s.add_row("people engaged (actual)", f"{ev.engaged:,}")
    within = f"{ev.engaged_within_horizon:,}"
    s.add_row(f"  of them within {ev.horizon_days:g} days", within)
    if ev.predicted is not None:
        p = ev.predicted
        verdict = "inside" if ev.inside_interval else "outside"
        s.add_row(
            f"predicted within {ev.horizon_days:g} days",
            f"{p['expected']:,.0f} (80% interval {p['low']:,.0f}..{p['high']:,.0f}): actual "
            f"{within} is {verdict}",
        )
    else:
        s.add_row("predicted", "- (the plan had no forecast)")
    if ev.peak_day is not None:
        s.add_row(
            "peak day",
            f"day {ev.peak_day}"
            + (
                ""
                if ev.explosion_on_time is None
                else " (explosion on time)"
                if ev.explosion_on_time
                else " (not in the planned explosion days)"
            ),
        )
    out.print(s)
    t = Table(title="per account (people credited to the planned account they engaged after)")
    for col in ("key", "kind", "phase", "planned days", "posted day", "expected", "moved"):
        t.add_column(col, justify="right" if col in {"posted day", "expected", "moved"} else "left")
    t.add_column("incremental", justify="right")
    t.add_column("lesson")
    for a in ev.accounts:
        t.add_row(
            a.key,
            a.kind,
            a.phase.replace("_", " "),
            f"{a.planned_days[0]}-{a.planned_days[1]}",
            "-" if a.first_day is None else f"{a.first_day:.1f}",
            "-" if a.predicted is None else f"{a.predicted:,.0f}",
            f"{a.engaged:,}",
            f"{a.incremental:,}",
            a.lesson,
        )
    out.print(t)
    ph = Table(title="per phase (people moved on the plan's phase days)")
    for col in ("phase", "days", "planned accounts", "posted", "moved"):
        ph.add_column(col, justify="left" if col in {"phase", "days"} else "right")
    for o in ev.phases:
        ph.add_row(
            o.phase.replace("_", " "),
            f"{o.day_from}-{o.day_to}",
            str(o.planned_accounts),
            str(o.posted_accounts),
            f"{o.engaged:,}",
        )
    out.print(ph)
    for note in ev.notes:
        out.print(f"[dim]note: {note}[/]", highlight=False)
