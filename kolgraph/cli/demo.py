"""``kolgraph demo``: generate, load, rank and plan a synthetic network in one go."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from kolgraph import __version__
from kolgraph.cli.common import (
    DbOpt,
    StoreOpt,
    console,
    handle_errors,
    opened_store,
    progress_bar,
)
from kolgraph.cli.plan import keep_plan
from kolgraph.cli.plan_print import print_plan
from kolgraph.cli.rank import print_rank, rank_with_progress
from kolgraph.cli.read import print_accounts, print_communities, print_flagged
from kolgraph.errors import InputError
from kolgraph.model import Kind

__all__ = ["demo"]


@handle_errors
def demo(
    users: Annotated[int, typer.Option(help="Accounts in the synthetic network.")] = 50_000,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same network).")] = 7,
    budget: Annotated[float, typer.Option(help="Budget of the demo plan.")] = 1_000.0,
    fresh: Annotated[bool, typer.Option("--fresh", help="Wipe the store first.")] = False,
    report: Annotated[
        Path,
        typer.Option(
            help="Write the demo plan's report (one self-contained HTML page) to this file."
        ),
    ] = Path("demo-plan.html"),
    db: DbOpt = None,
    store: StoreOpt = None,
) -> None:
    """Generate a seeded synthetic network, rank it, plan a campaign and print the results.

    The plan carries a budget curve (a quarter of the budget to twice it) and its report
    is written to ``--report`` (default ``demo-plan.html``).
    """
    from kolgraph.demo import is_loaded, load_demo
    from kolgraph.plan import KindRange, PlanParams
    from kolgraph.plan.curve import budget_range
    from kolgraph.report import write_plan_html
    from kolgraph.store import AccountQuery
    from kolgraph.synth import generate_demo

    if users < 100:
        raise InputError(
            f"--users {users} is too small for a meaningful demo", hint="use 100 or more"
        )
    t0 = time.perf_counter()
    with opened_store(db, store, create=True) as st:
        console.print(f"[bold]kolgraph {__version__} demo[/]: {users:,} accounts, seed {seed}")
        with progress_bar() as progress:
            task = progress.add_task("generating network", total=None)
            net = generate_demo(users, seed=seed)
            progress.update(task, completed=1, total=1)
        if fresh:
            st.clear()
        held = st.counts().accounts
        if held and not is_loaded(st, net):
            raise InputError(
                f"the store already holds {held:,} accounts that are not this demo",
                hint="run the demo on another file (--db demo.db) or pass --fresh to wipe it",
            )
        with progress_bar() as progress:
            total = net.n_accounts + net.n_follows + net.n_reposts
            task = progress.add_task("loading the store", total=total)
            load_demo(st, net, progress=lambda n: progress.update(task, advance=n))
        result = rank_with_progress(st)
        print_rank(st, result, top=10)
        print_accounts(st, AccountQuery(kind=Kind.KOL, limit=10), title="top KOLs")
        print_communities(st, 8)
        print_flagged(st)
        params = PlanParams(
            budget=budget,
            mix={
                Kind.KOL: KindRange(3, 15),
                Kind.MEDIA: KindRange(1, 4),
                Kind.OWN: KindRange(1, 3),
            },
        )
        curve = budget_range(budget / 4, budget * 2, budget / 4)
        plan, _ = keep_plan(st, params, curve)
        print_plan(plan)
        size = write_plan_html(st, plan.id, report)
        where = st.location
    console.print(
        f"report of plan {plan.id}: [bold]{report}[/] ({size / 1e6:.1f} MB, one page with "
        "its charts inside: open it in a browser, or send it)",
        highlight=False,
    )
    console.print(f"[green]demo finished in {time.perf_counter() - t0:.1f} s[/] (store: {where})")
    console.print(
        "next: [bold]kolgraph accounts --kind media[/], "
        "[bold]kolgraph plan --budget 2000 --kol 5..20 --format json[/], "
        "[bold]kolgraph serve[/] then http://127.0.0.1:8000/docs, "
        f"[bold]kolgraph report {plan.id} -o plan.xlsx[/]"
    )
