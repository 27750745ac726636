"""``kolgraph alerts``: webhook subscriptions to topic alerts, and their delivery log."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from kolgraph.cli.common import (
    DbOpt,
    FormatOpt,
    OutFormat,
    StoreOpt,
    console,
    handle_errors,
    opened_store,
    out,
    write_json,
)

__all__ = ["alerts_app"]

alerts_app = typer.Typer(
    help="Topic alerts: subscribe a webhook or a command, list, remove, see deliveries.",
    no_args_is_help=True,
)


@alerts_app.command("subscribe")
@handle_errors
def subscribe(
    topic: Annotated[str, typer.Argument(help='The topic, or "*" for every topic.')],
    url: Annotated[str | None, typer.Option(help="POST each alert here (http/https).")] = None,
    command: Annotated[
        str | None, typer.Option(help="Or run this command, the alert JSON on its stdin.")
    ] = None,
    kind: Annotated[
        list[str] | None,
        typer.Option(
            "--kind",
            help="burst, burst_ended, phase_change, new_top_amplifier, forecast_threshold "
            "(repeat; default: all).",
        ),
    ] = None,
    threshold: Annotated[
        float | None,
        typer.Option(help="forecast_threshold: alert when the forecast final size crosses it."),
    ] = None,
    db: DbOpt = None,
    store: StoreOpt = None,
    fmt: FormatOpt = OutFormat.table,
) -> None:
    """Subscribe to a topic's alerts; the signing secret is printed once."""
    from kolgraph.schemas.listen import SubscriptionOut
    from kolgraph.store.alertstate import Subscription

    sub = Subscription.new(topic, url=url, command=command, kinds=kind, threshold=threshold)
    with opened_store(db, store, create=True) as st:
        if topic != "*":
            st.listening.get_topic(topic)
        st.alerts.add_subscription(sub)
    if fmt is OutFormat.json:
        write_json(SubscriptionOut.from_record(sub, with_secret=True))
        return
    out.print(sub.secret, highlight=False, soft_wrap=True)
    console.print(
        f"subscription {sub.id} to {topic} ({', '.join(sub.kinds)}) -> {sub.target}; the "
        "secret above signs every webhook (X-Kolgraph-Signature): copy it now",
        highlight=False,
    )


@alerts_app.command("list")
@handle_errors
def list_subs(
    topic: Annotated[str | None, typer.Option(help='Only this topic\'s (and "*").')] = None,
    db: DbOpt = None,
    store: StoreOpt = None,
    fmt: FormatOpt = OutFormat.table,
) -> None:
    """Active subscriptions, oldest first."""
    from kolgraph.schemas.listen import SubscriptionOut, SubscriptionsPage

    with opened_store(db, store) as st:
        subs = st.alerts.subscriptions(topic)
    if fmt is OutFormat.json:
        rows = [SubscriptionOut.from_record(s) for s in subs]
        write_json(SubscriptionsPage(data=rows, count=len(rows)))
        return
    t = Table(title=f"{len(subs)} subscription(s)")
    for col in ("id", "topic", "kinds", "threshold", "to", "created"):
        t.add_column(col)
    for s in subs:
        t.add_row(s.id, s.topic, ", ".join(s.kinds), str(s.threshold or "-"), s.target, s.created)
    out.print(t)


@alerts_app.command("remove")
@handle_errors
def remove(
    sub_id: Annotated[str, typer.Argument(help="The subscription's id.")],
    db: DbOpt = None,
    store: StoreOpt = None,
) -> None:
    """Stop a subscription (its delivery log stays)."""
    with opened_store(db, store) as st:
        sub = st.alerts.remove_subscription(sub_id)
    console.print(f"subscription {sub.id} to {sub.topic} removed", highlight=False)


@alerts_app.command("deliveries")
@handle_errors
def deliveries(
    topic: Annotated[str | None, typer.Option(help="Only this topic's.")] = None,
    status: Annotated[str | None, typer.Option(help="pending, delivered or failed.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="At most this many.")] = 50,
    db: DbOpt = None,
    store: StoreOpt = None,
    fmt: FormatOpt = OutFormat.table,
) -> None:
    """The delivery log, newest first: every alert sent, its attempts and last error."""
    from kolgraph.errors import InputError
    from kolgraph.schemas.listen import DeliveriesPage, DeliveryOut
    from kolgraph.store.alertstate import DELIVERY_STATUSES

    if status is not None and status not in DELIVERY_STATUSES:
        raise InputError(f"unknown status {status!r}", hint="use pending, delivered or failed")
    with opened_store(db, store) as st:
        rows = st.alerts.deliveries(topic=topic, status=status, limit=limit)
    if fmt is OutFormat.json:
        data = [DeliveryOut.from_record(d) for d in rows]
        write_json(DeliveriesPage(data=data, count=len(data)))
        return
    t = Table(title=f"{len(rows)} deliveries")
    for col in ("alert", "topic", "kind", "subscription", "status", "attempts", "last", "error"):
        t.add_column(col)
    for d in rows:
        t.add_row(
            d.event_id,
            d.topic,
            d.kind,
            d.subscription_id,
            d.status,
            str(d.attempts),
            str(d.last_status or "-"),
            (d.last_error or "-")[:60],
        )
    out.print(t)
