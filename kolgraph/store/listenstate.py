"""The listening part of the store contract: a store's :attr:`~kolgraph.store.base.Store.listening`.

What ``kolgraph listen`` and ``POST /v1/events`` keep:

* **events**, each under its id (:attr:`EventRecord.id`, a digest of its fields), so a
  replayed stream changes nothing; every new event gets the next sequence number
  (``seq``), which is the order events arrived in;
* **topics**, by name: how a topic matches events (a JSON definition), when it was
  added, and its last computed state (a JSON summary written by the listener after
  each batch, read by ``topics show`` and the API without recomputing anything);
* **membership**: which events belong to which topic (written with the events, and
  for a topic added later by matching the stored events);
* **checkpoints**: per source (a followed file, ``stdin``), the position after the
  last batch stored, so a killed listener resumes there.

:meth:`ListenState.add_events` stores events, their memberships and the checkpoint
in one transaction. ``store.clear()`` removes events, memberships, states and
checkpoints, and keeps topic definitions.
"""

from __future__ import annotations

import abc
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kolgraph.errors import NotFound

__all__ = ["EventRecord", "ListenState", "TopicRecord"]


@dataclass(frozen=True, slots=True)
class EventRecord:
    """One stored event (see :mod:`kolgraph.listen.events` for the input schema).

    ``author`` and ``parent_author`` are node keys (``"platform:id"``); ``ts`` is
    unix seconds; ``seq`` is 0 until the store numbers the event.
    """

    id: str
    platform: str
    type: str
    author: str
    ts: int
    parent_author: str | None = None
    post: str | None = None
    parent_post: str | None = None
    text: str | None = None
    hashtags: tuple[str, ...] = ()
    seq: int = 0


@dataclass(frozen=True, slots=True)
class TopicRecord:
    """A topic as stored: its definition, when it was added, and its last state."""

    name: str
    definition: dict[str, Any]
    created: str
    events: int = 0
    state: dict[str, Any] | None = None
    updated: str | None = None

    @staticmethod
    def unknown(name: str) -> NotFound:
        """The error for a topic the store does not have."""
        return NotFound(
            f"no topic named {name!r}",
            hint="list the topics with `kolgraph topics list`, add one with `kolgraph topics add`",
        )


@dataclass(frozen=True, slots=True)
class AddedEvents:
    """What :meth:`ListenState.add_events` did: new events (and their ids), duplicates, and
    new memberships per topic."""

    new: int
    duplicates: int
    memberships: dict[str, int] = field(default_factory=dict)
    new_ids: frozenset[str] = frozenset()


class ListenState(abc.ABC):
    """Events, topics, topic memberships and source checkpoints kept in a store."""

    # events --------------------------------------------------------------------
    @abc.abstractmethod
    def add_events(
        self,
        events: Sequence[EventRecord],
        *,
        topics: Mapping[str, Sequence[str]] | None = None,
        checkpoint: tuple[str, str] | None = None,
    ) -> AddedEvents:
        """Store events (ignoring ids already stored) and, in the same transaction,
        the memberships ``topics`` (topic name → event ids, of this batch or stored
        earlier; repeated ones ignored) and the checkpoint ``(source, position)``.

        New events are numbered in the order given, after every stored event.
        Memberships of a topic the store does not have (removed while the listener
        ran) and of ids of no stored event are skipped; ``memberships`` counts the new
        ones for every topic named in ``topics``.
        """

    @abc.abstractmethod
    def events(
        self,
        *,
        topic: str | None = None,
        since: int | None = None,
        until: int | None = None,
        after_seq: int = 0,
    ) -> Iterator[EventRecord]:
        """Stored events (of ``topic``, with ``since <= ts < until``, ``seq > after_seq``)
        ordered by ``(ts, seq)``."""

    @abc.abstractmethod
    def count_events(self, *, topic: str | None = None) -> int:
        """How many events are stored (in ``topic``)."""

    @abc.abstractmethod
    def stored_ids(self, ids: Sequence[str]) -> set[str]:
        """Which of ``ids`` are stored events."""

    @abc.abstractmethod
    def last_seq(self) -> int:
        """The sequence number of the newest event (0 when there is none)."""

    # topics --------------------------------------------------------------------
    @abc.abstractmethod
    def add_topic(self, record: TopicRecord) -> None:
        """Keep a new topic (:class:`~kolgraph.errors.Conflict` if the name is taken)."""

    @abc.abstractmethod
    def get_topic(self, name: str) -> TopicRecord:
        """The topic ``name`` (:class:`NotFound` if none), ``events`` counted."""

    @abc.abstractmethod
    def topics(self) -> list[TopicRecord]:
        """Every topic, oldest first."""

    @abc.abstractmethod
    def remove_topic(self, name: str) -> None:
        """Remove a topic, its memberships and state (:class:`NotFound` if none); its
        events stay."""

    @abc.abstractmethod
    def save_state(self, name: str, state: dict[str, Any], when: str) -> None:
        """Replace the topic's last computed state (:class:`NotFound` if no topic)."""

    # checkpoints ---------------------------------------------------------------
    @abc.abstractmethod
    def checkpoint(self, source: str) -> str | None:
        """The position stored for ``source`` (``None`` if none)."""
