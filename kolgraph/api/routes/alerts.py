"""``/v1/topics/{name}/subscriptions`` and ``/v1/subscriptions``: webhook alerts of topics.

Only URLs can be subscribed over the API (an alert command runs on the server: the
command line's ``kolgraph alerts subscribe --command`` and ``listen --alert-cmd``).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from kolgraph.api.deps import StoreDep
from kolgraph.schemas.listen import (
    DeliveriesPage,
    DeliveryOut,
    SubscriptionIn,
    SubscriptionOut,
    SubscriptionsPage,
)
from kolgraph.store.alertstate import Subscription

__all__ = ["router"]

router = APIRouter(tags=["listening"])

TopicName = Annotated[
    str, Path(min_length=1, max_length=64, description='The topic\'s name, or "*".')
]


@router.post(
    "/v1/topics/{name}/subscriptions",
    summary="Subscribe a webhook to a topic's alerts",
    status_code=201,
    response_model=SubscriptionOut,
    responses={404: {"description": "No topic has this name."}},
    description="Alerts are POSTed as JSON with X-Kolgraph-Event-Id (de-duplicate on it: "
    "delivery is at least once) and X-Kolgraph-Signature: t=<unix>,v1=<HMAC-SHA256 of "
    "'<t>.<body>' with the secret returned here, once>.",
)
def subscribe(name: TopicName, body: SubscriptionIn, store: StoreDep) -> SubscriptionOut:
    if name != "*":
        store.listening.get_topic(name)
    sub = Subscription.new(name, url=body.url, kinds=body.kinds, threshold=body.threshold)
    store.alerts.add_subscription(sub)
    return SubscriptionOut.from_record(sub, with_secret=True)


@router.get(
    "/v1/topics/{name}/subscriptions",
    summary="A topic's active subscriptions",
    response_model=SubscriptionsPage,
    responses={404: {"description": "No topic has this name."}},
)
def subscriptions(name: TopicName, store: StoreDep) -> SubscriptionsPage:
    if name != "*":
        store.listening.get_topic(name)
    rows = [SubscriptionOut.from_record(s) for s in store.alerts.subscriptions(name)]
    return SubscriptionsPage(data=rows, count=len(rows))


@router.delete(
    "/v1/subscriptions/{sub_id}",
    summary="Stop a subscription (its delivery log stays)",
    response_model=SubscriptionOut,
    responses={404: {"description": "No subscription has this id."}},
)
def unsubscribe(
    sub_id: Annotated[str, Path(min_length=1, max_length=64)], store: StoreDep
) -> SubscriptionOut:
    return SubscriptionOut.from_record(store.alerts.remove_subscription(sub_id))


@router.get(
    "/v1/topics/{name}/deliveries",
    summary="A topic's alert delivery log, newest first",
    response_model=DeliveriesPage,
    responses={404: {"description": "No topic has this name."}},
)
def deliveries(
    name: TopicName,
    store: StoreDep,
    status: Annotated[Literal["pending", "delivered", "failed"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> DeliveriesPage:
    if name != "*":
        store.listening.get_topic(name)
    rows = store.alerts.deliveries(topic=name, status=status, limit=limit)
    data = [DeliveryOut.from_record(d) for d in rows]
    return DeliveriesPage(data=data, count=len(data))
