"""The ``kolgraph`` command line.

Scripts depend on these command names and options; keep them stable. Every
command takes ``--db PATH`` (default from ``KOLGRAPH_DB``) and ``--store``.
Errors print what went wrong, where, and how to fix it, and exit with code 2.

Each command group lives in its own module and is registered below; the
options, consoles and error handling they share are in
:mod:`kolgraph.cli.common`.

==============================  ==========================
commands                        module
==============================  ==========================
``import ...``                  :mod:`kolgraph.cli.imports`
``rank``, ``runs [diff]``       :mod:`kolgraph.cli.rank`
``accounts``, ``communities``   :mod:`kolgraph.cli.read`
``export ...``                  :mod:`kolgraph.cli.export`
``plan [compare]``, ``plans``,  :mod:`kolgraph.cli.plan`
``evaluate``, ``backtest``
``overlap``, ``affinity``,      :mod:`kolgraph.cli.audience`
``lookalike``
``report``                      :mod:`kolgraph.cli.report`
``crawl ...``, ``simulate``     :mod:`kolgraph.cli.crawl`
``serve``                       :mod:`kolgraph.cli.serve`
``keys create|list|revoke``     :mod:`kolgraph.cli.keys`
``jobs [list|show|cancel]``     :mod:`kolgraph.cli.jobs`
``listen``, ``topics ...``,     :mod:`kolgraph.cli.listen`
``respond``
``alerts ...``                  :mod:`kolgraph.cli.alerts`
``demo``                        :mod:`kolgraph.cli.demo`
==============================  ==========================
"""

from __future__ import annotations

from typing import Annotated

import typer

from kolgraph import __version__
from kolgraph.cli import (
    alerts,
    audience,
    crawl,
    demo,
    export,
    imports,
    jobs,
    keys,
    listen,
    plan,
    rank,
    read,
    report,
    serve,
)
from kolgraph.cli.common import out

__all__ = ["app", "main"]

app = typer.Typer(
    name="kolgraph",
    help="Find the social accounts that really move a message, and plan campaigns through them.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)

app.add_typer(imports.import_app, name="import")
app.add_typer(rank.runs_app, name="runs")
app.add_typer(export.export_app, name="export")
app.command("rank")(rank.rank)
app.command("accounts")(read.accounts)
app.command("communities")(read.communities)
app.add_typer(plan.plan_app, name="plan")
app.add_typer(plan.plans_app, name="plans")
app.command("evaluate")(plan.evaluate)
app.command("backtest")(plan.backtest)
app.command("overlap")(audience.overlap)
app.command("affinity")(audience.affinity)
app.command("lookalike")(audience.lookalike)
app.command("report")(report.report)
app.command("serve")(serve.serve)
app.add_typer(keys.keys_app, name="keys")
app.command("demo")(demo.demo)
app.add_typer(crawl.crawl_app, name="crawl")
app.command("simulate")(crawl.simulate)
app.add_typer(jobs.jobs_app, name="jobs")
app.command("listen")(listen.listen)
app.add_typer(listen.topics_app, name="topics")
app.command("respond")(listen.respond)
app.add_typer(alerts.alerts_app, name="alerts")


@app.callback(invoke_without_command=True)
def _root(
    version: Annotated[bool, typer.Option("--version", help="Show the version and exit.")] = False,
) -> None:
    if version:
        out.print(f"kolgraph {__version__}")
        raise typer.Exit()


def main() -> None:
    """Entry point of the ``kolgraph`` console script."""
    app()
