"""``/v1/events`` and ``/v1/topics``: send events, follow topics, read their state.

A server process keeps one :class:`~kolgraph.listen.listener.Listener` (made on the
first request that needs it, its topics rebuilt from the stored events), used under a
lock with the request's store. Each batch of events is stored, applied to its topics,
and their states stored before the answer, so ``GET /v1/topics/{name}`` shows it at
once. With several workers, each keeps its own listener: a worker reloads its topics
when the store's topics changed, but events sent to one worker reach another's
in-memory state only when it reloads; send a stream to one worker.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import APIRouter, FastAPI, Path, Request
from fastapi.responses import Response

from kolgraph.api.deps import SettingsDep, StoreDep
from kolgraph.errors import InputError
from kolgraph.listen.alerts import AlertDispatcher
from kolgraph.listen.events import event_from_json
from kolgraph.listen.listener import Listener
from kolgraph.listen.service import dispatcher_for, listener_for, respond_to_topic
from kolgraph.listen.topics import TopicDef
from kolgraph.schemas.listen import EventError, EventsIn, EventsOut, TopicIn, TopicOut, TopicsPage
from kolgraph.schemas.respond import ResponseRequest, ResponseResponse
from kolgraph.settings import Settings
from kolgraph.store import Store, open_store
from kolgraph.store.crawlstate import now_iso

__all__ = ["router", "shared_listener"]


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    dispatcher: AlertDispatcher | None = getattr(app.state, "alert_dispatcher", None)
    if dispatcher is not None:  # deliveries left pending are taken up by the next server
        dispatcher.close(timeout=5.0)
        dispatcher.store.close()


router = APIRouter(tags=["listening"], lifespan=_lifespan)

TopicName = Annotated[str, Path(min_length=1, max_length=64, description="The topic's name.")]

_LOCK = threading.Lock()

_NO_TOPIC: dict[int | str, dict[str, str]] = {404: {"description": "No topic has this name."}}


def shared_listener(request: Request, store: Store, settings: Settings) -> Listener:
    """This process's listener, with ``store`` as its store (call under :data:`_LOCK`).

    It is made on first use and rebuilt when the store's topics are not the ones it follows.
    """
    state = request.app.state
    listener: Listener | None = getattr(state, "listener", None)
    names = {t.name for t in store.listening.topics()}
    if listener is None or set(listener.trackers) != names:
        listener = listener_for(store, settings, dispatcher=alert_dispatcher(request, settings))
        state.listener = listener
    listener.store = store
    return listener


def alert_dispatcher(request: Request, settings: Settings) -> AlertDispatcher:
    """This process's alert dispatcher, on a store of its own (closed with the app)."""
    state = request.app.state
    dispatcher: AlertDispatcher | None = getattr(state, "alert_dispatcher", None)
    if dispatcher is None:
        dispatcher = dispatcher_for(open_store(settings, create=False), settings)
        state.alert_dispatcher = dispatcher
    return dispatcher


@router.post(
    "/v1/events",
    summary="Send a batch of events",
    response_model=EventsOut,
    description="Stores the events once (an event sent again is recognised by its id), "
    "applies them to the topics they belong to and stores the topics' states. Bad events "
    "are rejected one by one with their index and reason; the others are kept. A batch in "
    "which every event is bad is a 422.",
)
def post_events(
    body: EventsIn, request: Request, store: StoreDep, settings: SettingsDep
) -> EventsOut:
    events = []
    errors: list[EventError] = []
    index_of: list[int] = []
    for i, raw in enumerate(body.events):
        try:
            events.append(event_from_json(raw))
            index_of.append(i)
        except InputError as exc:
            errors.append(_error(i, exc))
    if not events:
        first = errors[0]
        raise InputError(
            f"every event of the batch is bad; the first, events[{first.index}]: {first.message}",
            hint=first.hint,
            field=f"body.events[{first.index}].{first.field}" if first.field else None,
        )
    with _LOCK:
        listener = shared_listener(request, store, settings)
        result = listener.add(events)
        listener.save_states(force=True)
    errors.extend(_error(index_of[i], exc) for i, exc in result.rejected)
    errors.sort(key=lambda e: e.index)
    return EventsOut(
        received=len(body.events),
        new=result.new,
        duplicates=result.duplicates,
        late=result.late,
        rejected=len(errors),
        errors=errors[:100],
    )


def _error(index: int, exc: InputError) -> EventError:
    return EventError(
        index=index, code=exc.code, message=exc.message, hint=exc.hint, field=exc.field
    )


@router.get("/v1/topics", summary="List the topics followed", response_model=TopicsPage)
def list_topics(store: StoreDep) -> TopicsPage:
    rows = [TopicOut.from_record(r) for r in store.listening.topics()]
    return TopicsPage(data=rows, count=len(rows))


@router.post(
    "/v1/topics",
    summary="Follow a topic",
    status_code=201,
    response_model=TopicOut,
    responses={409: {"description": "A topic has this name."}},
    description="Events already stored are matched at once. A name in use is a 409.",
)
def add_topic(body: TopicIn, request: Request, store: StoreDep, settings: SettingsDep) -> TopicOut:
    topic = TopicDef(
        body.name,
        hashtags=tuple(body.hashtags),
        keywords=tuple(body.keywords),
        roots=tuple(body.roots),
        any=body.any,
        platform=body.platform,
    )
    with _LOCK:
        listener = shared_listener(request, store, settings)
        listener.add_topic(topic, now_iso())
    return TopicOut.from_record(store.listening.get_topic(topic.name))


@router.get(
    "/v1/topics/{name}",
    summary="A topic and its state",
    response_model=TopicOut,
    responses=_NO_TOPIC,
)
def get_topic(name: TopicName, store: StoreDep) -> TopicOut:
    return TopicOut.from_record(store.listening.get_topic(name))


@router.delete(
    "/v1/topics/{name}",
    summary="Stop following a topic (its events stay)",
    status_code=204,
    responses=_NO_TOPIC,
    response_class=Response,
)
def remove_topic(name: TopicName, store: StoreDep) -> Response:
    with _LOCK:
        store.listening.remove_topic(name)
    return Response(status_code=204)


@router.post(
    "/v1/topics/{name}/respond",
    summary="Plan a response to a topic against the clock",
    response_model=ResponseResponse,
    responses=_NO_TOPIC,
    description="The planner (same engine and mix rules as /v1/plans) targets the communities "
    "the topic reached and is about to reach, prefers own and media accounts and KOLs "
    "trusted there, never picks an account amplifying the topic, and reports the reach "
    "expected inside the window with its 80% interval.",
)
def respond(
    name: TopicName, body: ResponseRequest, store: StoreDep, settings: SettingsDep
) -> ResponseResponse:
    rp = respond_to_topic(
        store,
        settings,
        name,
        budget=body.budget,
        within_hours=body.within_hours,
        recent_hours=body.recent_hours,
        mix=body.mix_ranges(),
        platform=body.platform,
        max_accounts=body.max_accounts,
    )
    return ResponseResponse.from_response(rp)
