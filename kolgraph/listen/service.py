"""Setting up a listener from the settings: its forecaster, its alerts, its topics.

The CLI (``kolgraph listen``, ``kolgraph topics``) and the API share these, so both
follow topics the same way.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import numpy as np

from kolgraph.errors import InputError
from kolgraph.listen.alerts import AlertDispatcher
from kolgraph.listen.cascade import AccountContext, replay
from kolgraph.listen.early import EarlyCascade, SizeForecaster
from kolgraph.listen.listener import Listener, account_context
from kolgraph.listen.respond import ResponsePlan, response_plan
from kolgraph.listen.topics import TopicDef
from kolgraph.model import Kind
from kolgraph.plan.params import KindRange
from kolgraph.settings import Settings
from kolgraph.store.alertstate import Subscription
from kolgraph.store.base import Store
from kolgraph.store.crawlstate import now_iso

__all__ = [
    "add_topic",
    "dispatcher_for",
    "fit_forecaster",
    "listener_for",
    "open_listener",
    "recompute_topic",
    "respond_to_topic",
]

#: fewer past cascades than this and the forecaster is the prior
MIN_CASCADES = 50


def fit_forecaster(store: Store, context: AccountContext) -> SizeForecaster:
    """The size forecaster fitted on the store's past cascades, or the prior without them."""
    from kolgraph.plan.cascades import cascades_from_store

    try:
        history = cascades_from_store(store)
    except Exception:
        return SizeForecaster.prior()
    if history.n_cascades < MIN_CASCADES:
        return SizeForecaster.prior()
    keys = store.accounts_frame()["key"].to_numpy()
    followers = np.array([context.followers.get(k, np.nan) for k in keys.tolist()], dtype=float)
    cascades: list[EarlyCascade] = []
    users, times, offsets = history.user, history.ts, history.offsets
    for c in range(history.n_cascades):
        lo, hi = int(offsets[c]), int(offsets[c + 1])
        t = times[lo:hi].astype(np.float64)
        if hi - lo < 2:
            continue
        order = np.argsort(t, kind="stable")
        t = t[order]
        cascades.append(
            EarlyCascade(
                times=t - t[0],
                followers=followers[users[lo:hi][order]],
                start=int(t[0]),
                final_size=hi - lo,
            )
        )
    if len(cascades) < MIN_CASCADES:
        return SizeForecaster.prior()
    return SizeForecaster().fit(cascades)


def listener_for(
    store: Store,
    settings: Settings,
    *,
    lateness: int | None = None,
    dispatcher: AlertDispatcher | None = None,
    only: str | None = None,
) -> Listener:
    """A listener with the settings' lateness, bins and window, its topics (or ``only``
    that one) loaded."""
    context = account_context(store)
    listener = Listener(
        store,
        lateness=settings.listen_lateness_seconds if lateness is None else lateness,
        state_seconds=settings.listen_state_seconds,
        bin_seconds=settings.listen_bin_seconds,
        window_hours=settings.listen_window_hours,
        forecaster=fit_forecaster(store, context),
        alerts=dispatcher,
    )
    return listener.load(only=only)


def dispatcher_for(store: Store, settings: Settings) -> AlertDispatcher:
    """An alert dispatcher with the settings' retries and timeouts, started."""
    return AlertDispatcher(
        store,
        max_attempts=settings.alert_max_attempts,
        backoff_base=settings.alert_backoff_seconds,
        backoff_cap=settings.alert_backoff_max_seconds,
        timeout=settings.alert_timeout_seconds,
        command_timeout=settings.alert_command_timeout_seconds,
    ).start()


@contextmanager
def open_listener(
    store: Store,
    settings: Settings,
    *,
    lateness: int | None = None,
    alert_cmd: str | None = None,
) -> Iterator[Listener]:
    """A loaded listener whose alerts go to the store's subscriptions.

    ``alert_cmd`` subscribes a command to every alert of every topic while the listener
    runs (the subscription is removed when it stops; its deliveries stay in the log).
    """
    sub = None
    if alert_cmd is not None:
        sub = Subscription.new("*", command=alert_cmd)
        store.alerts.add_subscription(sub)
    dispatcher = dispatcher_for(store, settings)
    try:
        yield listener_for(store, settings, lateness=lateness, dispatcher=dispatcher)
    finally:
        dispatcher.close(timeout=settings.alert_timeout_seconds)
        if sub is not None:
            store.alerts.remove_subscription(sub.id)


def add_topic(store: Store, settings: Settings, topic: TopicDef) -> None:
    """Follow a new topic: store it and build its state from the stored events."""
    listener = listener_for(store, settings)
    listener.add_topic(topic, now_iso())


def recompute_topic(store: Store, settings: Settings, name: str) -> None:
    """Rebuild a topic's state from its stored events and store it."""
    store.listening.get_topic(name)
    listener_for(store, settings, only=name)


def respond_to_topic(
    store: Store,
    settings: Settings,
    name: str,
    *,
    budget: float,
    within_hours: float = 8.0,
    recent_hours: float = 6.0,
    mix: Mapping[Kind, KindRange] | None = None,
    platform: str | None = None,
    max_accounts: int | None = None,
) -> ResponsePlan:
    """A response plan for topic ``name`` (:func:`~kolgraph.listen.respond.response_plan`).

    The topic's adopters and the accounts amplifying it (every account that caused at
    least one of its events in the amplifier window, ``listen_window_hours``) come from
    its stored events, replayed as the listener applies them; "now" is its newest event.
    """
    record = store.listening.get_topic(name)
    events = sorted(store.listening.events(topic=name), key=lambda e: e.seq)
    if not events:
        raise InputError(
            f"topic {name!r} has no events yet",
            hint="listen to a stream first (`kolgraph listen FILE`), or check the topic's "
            "definition with `kolgraph topics show`",
        )
    cascade = replay(
        events, account_context(store), window=int(settings.listen_window_hours * 3600)
    )
    plan = response_plan(
        store,
        adopters=list(cascade.adopters.items()),
        amplifiers=[k for k, n in cascade.recent.items() if n > 0],
        now=int(cascade.last_ts or events[-1].ts),
        within_hours=within_hours,
        budget=budget,
        mix=mix,
        platform=platform or record.definition.get("platform"),
        recent_hours=recent_hours,
        max_accounts=max_accounts,
        settings=settings,
    )
    return plan
