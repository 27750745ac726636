"""``kolgraph plan``, ``plans``, ``evaluate`` and ``backtest``: campaigns, kept and checked."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from kolgraph.cli.common import (
    DbOpt,
    FormatOpt,
    OutFormat,
    StoreOpt,
    handle_errors,
    load_settings,
    opened_store,
    out,
    progress_bar,
    utc_minutes,
    write_json,
)
from kolgraph.cli.plan_print import print_evaluation, print_plan
from kolgraph.errors import InputError
from kolgraph.model import Kind

if TYPE_CHECKING:
    from kolgraph.plan import Plan, PlanParams
    from kolgraph.schemas.plans import PlanResponse
    from kolgraph.store.base import Store

__all__ = [
    "backtest",
    "evaluate",
    "keep_plan",
    "plan",
    "plan_app",
    "plan_params",
    "plans",
    "plans_app",
]

plans_app = typer.Typer(help="Kept plans: list them, compare them.")
#: ``kolgraph plan [OPTIONS]`` makes a plan; ``kolgraph plan compare ID ID ...`` is
#: ``kolgraph plans compare``
plan_app = typer.Typer()


class Objective(str, Enum):
    """``plan --objective``: what the plan maximises."""

    auto = "auto"
    engagement = "engagement"
    reach = "reach"
    frequency = "frequency"
    past_engagers = "past-engagers"
    blend = "blend"
    active_engagers = "active-engagers"


def plan_params(
    budget: float,
    kol: str | None,
    media: str | None,
    own: str | None,
    community: list[int] | None,
    platform: str | None,
    include: list[str] | None,
    exclude: list[str] | None,
    include_flagged: bool = False,
    objective: str = "auto",
    min_frequency: int = 2,
    horizon: float = 14.0,
    max_accounts: int | None = None,
    min_gain: float = 0.0,
    partner: str | None = None,
    target_followers_of: list[str] | None = None,
    target_users: tuple[str, ...] = (),
    new_audience_only: bool = False,
    max_per_community: int | None = None,
) -> PlanParams:
    """The plan options as :class:`~kolgraph.plan.PlanParams` (checked when the plan is made)."""
    from kolgraph.plan import KindRange, PlanParams

    mix = {}
    texts = ((Kind.KOL, kol), (Kind.MEDIA, media), (Kind.OWN, own), (Kind.PARTNER, partner))
    for kind, text in texts:
        if text is not None:
            mix[kind] = KindRange.parse(text, name=kind.value)
    return PlanParams(
        budget=budget,
        mix=mix,
        target_communities=tuple(community or ()),
        platform=platform,
        include=tuple(include or ()),
        exclude=tuple(exclude or ()),
        skip_flagged=not include_flagged,
        objective=objective,  # type: ignore[arg-type]
        min_frequency=min_frequency,
        horizon_days=horizon,
        max_accounts=max_accounts,
        min_gain=min_gain,
        target_followers_of=tuple(
            k.strip() for text in target_followers_of or () for k in text.split(",") if k.strip()
        ),
        target_users=target_users,
        new_audience_only=new_audience_only,
        max_per_community=max_per_community,
    )


def keep_plan(
    st: Store, params: PlanParams, budgets: list[float] | None = None, *, at_knee: bool = False
) -> tuple[Plan, PlanResponse]:
    """Make and keep a plan (:func:`~kolgraph.plan.evaluate.make_and_keep`), with a progress
    bar over its budget curve's plans when ``budgets`` are given."""
    from kolgraph.plan.evaluate import make_and_keep

    if budgets is None:
        return make_and_keep(st, params, settings=load_settings())
    with progress_bar() as bar:
        task = bar.add_task(f"budget curve: {len(budgets)} plans", total=len(budgets))
        return make_and_keep(
            st,
            params,
            settings=load_settings(),
            curve=budgets,
            at_knee=at_knee,
            on_point=lambda done, _total: bar.update(task, completed=done),
        )


@plan_app.callback(invoke_without_command=True)
@handle_errors
def plan(
    ctx: typer.Context,
    budget: Annotated[
        float | None,
        typer.Option(
            help="Campaign budget, in the currency of account costs (with --budget-curve: "
            "default the curve's knee)."
        ),
    ] = None,
    kol: Annotated[str | None, typer.Option(help="KOL count range MIN..MAX, e.g. 3..10.")] = None,
    media: Annotated[str | None, typer.Option(help="Media count range MIN..MAX.")] = None,
    own: Annotated[str | None, typer.Option(help="Own-account count range MIN..MAX.")] = None,
    partner: Annotated[
        str | None,
        typer.Option(
            help="Partner-account count range MIN..MAX (co-branding partners and allied "
            "brands; a partner without a price posts for free)."
        ),
    ] = None,
    community: Annotated[
        list[int] | None, typer.Option(help="Target community (repeatable); default everyone.")
    ] = None,
    target_followers_of: Annotated[
        list[str] | None,
        typer.Option(
            help="Target the audience of these accounts (a brand's or a competitor's): "
            "ACCOUNT,ACCOUNT,... (repeatable). Target filters combine by intersection."
        ),
    ] = None,
    target_users: Annotated[
        Path | None,
        typer.Option(
            help="Target only the accounts listed in this file (a customer segment): one key "
            "per line, or a CSV whose first column is the key."
        ),
    ] = None,
    new_audience_only: Annotated[
        bool,
        typer.Option(
            "--new-audience-only",
            help="Leave out of the target people who already follow the brand's own accounts.",
        ),
    ] = False,
    max_per_community: Annotated[
        int | None,
        typer.Option(min=1, help="At most this many chosen accounts from any one community."),
    ] = None,
    budget_curve: Annotated[
        str | None,
        typer.Option(
            help="Also plan at budgets LOW..HIGH:STEP (e.g. 1000..20000:1000): the objective "
            "and cost per engaged person as the budget grows, the knee marked; kept with "
            "the plan and drawn in its report."
        ),
    ] = None,
    platform: Annotated[str | None, typer.Option(help="Only accounts on this platform.")] = None,
    include: Annotated[
        list[str] | None, typer.Option(help="Account key that must be in the plan (repeatable).")
    ] = None,
    exclude: Annotated[
        list[str] | None, typer.Option(help="Account key to leave out (repeatable).")
    ] = None,
    include_flagged: Annotated[
        bool,
        typer.Option(
            "--include-flagged",
            help="Also plan with accounts whose audience the rank run flagged (left out by "
            "default; kept ones are marked 'flagged audience').",
        ),
    ] = False,
    _skip_flagged: Annotated[
        bool, typer.Option("--skip-flagged", hidden=True, help="The default now; no effect.")
    ] = False,
    objective: Annotated[
        Objective,
        typer.Option(
            help="engagement: expected engaged people; reach: unique audience; frequency: "
            "people reached at least --min-frequency times; past-engagers: distinct people "
            "who engaged after the accounts before; blend: engagement and past engagers; "
            "active-engagers: past engagers of accounts likely to act within the horizon; "
            "auto: the best of them on this store's own history (reach without timestamped "
            "cascades)."
        ),
    ] = Objective.auto,
    min_frequency: Annotated[
        int, typer.Option(min=1, help="Exposures that count for --objective frequency.")
    ] = 2,
    horizon: Annotated[
        float, typer.Option(help="Forecast horizon in days (a hot topic lives 7-14).")
    ] = 14.0,
    max_accounts: Annotated[
        int | None, typer.Option(help="At most this many accounts in the plan.")
    ] = None,
    min_gain: Annotated[
        float, typer.Option(help="Stop when the next account adds less than this.")
    ] = 0.0,
    format: FormatOpt = OutFormat.table,
    db: DbOpt = None,
    store: StoreOpt = None,
) -> None:
    """Choose accounts under a budget for the objective, with phase roles and a forecast.

    The plan is kept under the id it prints: evaluate the campaign later with
    ``kolgraph evaluate ID --cascades FILE``, draw it with ``kolgraph report ID``, and
    set plans side by side with ``kolgraph plan compare ID ID ...``.
    """
    if ctx.invoked_subcommand is not None:
        return
    from kolgraph.plan.curve import curve_budgets
    from kolgraph.plan.target import read_keys_file

    budgets = None if budget_curve is None else curve_budgets(budget_curve)
    if budget is None and budgets is None:
        raise InputError(
            "a plan needs --budget (or --budget-curve)", hint="e.g. kolgraph plan --budget 50000"
        )
    users = () if target_users is None else read_keys_file(target_users, platform=platform)
    params = plan_params(
        budget if budget is not None else max(budgets or [1.0]),
        kol,
        media,
        own,
        community,
        platform,
        include,
        exclude,
        include_flagged,
        objective.value,
        min_frequency,
        horizon,
        max_accounts,
        min_gain,
        partner=partner,
        target_followers_of=target_followers_of,
        target_users=users,
        new_audience_only=new_audience_only,
        max_per_community=max_per_community,
    )
    with opened_store(db, store) as st:
        result, doc = keep_plan(st, params, budgets, at_knee=budget is None)
    if format is OutFormat.json:
        write_json(doc)
    else:
        print_plan(result)


@plans_app.callback(invoke_without_command=True)
@handle_errors
def plans(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(min=1, help="Show this many, newest first.")] = 20,
    format: FormatOpt = OutFormat.table,
    db: DbOpt = None,
    store: StoreOpt = None,
) -> None:
    """The most recent kept plans (every `kolgraph plan` and API plan is kept)."""
    from kolgraph.schemas.plans import PlansPage

    if ctx.invoked_subcommand is not None:
        return
    with opened_store(db, store) as st:
        page = PlansPage.from_records(st.list_plans(limit))
    rows = page.data
    if format is OutFormat.json:
        write_json(page)
        return
    if not rows:
        out.print("no kept plans yet: make one with `kolgraph plan --budget ...`")
        return
    t = Table(title=f"kept plans (newest {len(rows)})")
    for col in ("id", "created (UTC)", "objective", "accounts", "budget", "spent", "evaluated"):
        t.add_column(col, justify="right" if col in {"accounts", "budget", "spent"} else "left")
    for r in rows:
        t.add_row(
            r.id,
            utc_minutes(r.created),
            r.objective,
            str(r.accounts),
            f"{r.budget:,.0f}",
            f"{r.spent:,.0f}",
            "yes" if r.evaluated else "no",
        )
    out.print(t)


@plans_app.command("compare")
@plan_app.command("compare")
@handle_errors
def plans_compare(
    plan_ids: Annotated[
        list[str], typer.Argument(help="2 to 10 kept plan ids (`kolgraph plans`).")
    ],
    format: FormatOpt = OutFormat.table,
    db: DbOpt = None,
    store: StoreOpt = None,
) -> None:
    """Kept plans side by side: cost, forecast, reach and the accounts they share."""
    from kolgraph.plan.compare import compare_plans, comparison_tables, kept_plans
    from kolgraph.schemas.compare import PlanComparisonOut

    with opened_store(db, store) as st:
        comparison = compare_plans(kept_plans(st, plan_ids))
    if format is OutFormat.json:
        write_json(PlanComparisonOut.from_comparison(comparison))
        return
    for table in comparison_tables(comparison):
        out.print(table)


@handle_errors
def evaluate(
    plan_id: Annotated[str, typer.Argument(help="The kept plan's id (`kolgraph plans`).")],
    cascades: Annotated[
        Path,
        typer.Option(
            "--cascades",
            help="The campaign's reposts: CSV or TSV with a header src,dst,ts[,post] "
            "(src reposted dst at ts: unix seconds or ISO 8601).",
        ),
    ],
    platform: Annotated[
        str | None, typer.Option(help="Platform of keys written without a platform: prefix.")
    ] = None,
    format: FormatOpt = OutFormat.table,
    db: DbOpt = None,
    store: StoreOpt = None,
) -> None:
    """Compare a campaign that ran with its kept plan: engaged people predicted vs actual.

    The evaluation is kept with the plan; nothing is stored when it fails.
    """
    from kolgraph.model import check_platform
    from kolgraph.plan.evaluate import evaluate_plan, read_campaign_reposts
    from kolgraph.schemas.evaluation import EvaluationOut

    if platform is not None:
        check_platform(platform)
    with opened_store(db, store) as st:
        st.get_plan(plan_id)  # an unknown id is reported before the file is read
        reposts = read_campaign_reposts(cascades, platform=platform)
        ev = evaluate_plan(st, plan_id, reposts)
    if format is OutFormat.json:
        write_json(EvaluationOut.from_evaluation(ev))
    else:
        print_evaluation(ev)


@handle_errors
def backtest(
    k: Annotated[str, typer.Option(help="Plan sizes to compare, comma-separated.")] = "10,25,50",
    train_share: Annotated[
        float, typer.Option(help="Share of cascades (by start time) to plan from.")
    ] = 0.7,
    markdown: Annotated[
        Path | None, typer.Option(help="Also write the table as markdown to this file.")
    ] = None,
    format: FormatOpt = OutFormat.table,
    db: DbOpt = None,
    store: StoreOpt = None,
) -> None:
    """Plan on the past, count who moved after: kolgraph's objectives against baselines."""
    from kolgraph.plan.backtest import BacktestParams
    from kolgraph.plan.learned import backtest_store
    from kolgraph.plan.report import backtest_markdown, backtest_table, calibration_line
    from kolgraph.schemas.backtest import BacktestOut

    try:
        ks = tuple(int(x) for x in k.split(",") if x.strip())
    except ValueError:
        raise InputError(f"--k {k!r} is not a list of numbers", hint="e.g. --k 10,25,50") from None
    params = BacktestParams(ks=ks, train_share=train_share).check()
    status = out.status("backtest: fitting on the past, planning, counting moved users")
    with opened_store(db, store) as st, status:
        result = backtest_store(st, params=params)
    if markdown is not None:
        markdown.write_text(backtest_markdown(result), encoding="utf-8")
    if format is OutFormat.json:
        write_json(BacktestOut.from_result(result))
        return
    out.print(backtest_table(result))
    out.print(calibration_line(result))
    for note in result.notes:
        out.print(f"[dim]note: {note}[/]")
