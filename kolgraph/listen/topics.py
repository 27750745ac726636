"""Topics: what a topic is (hashtags, keywords, root posts, or everything) and matching.

A topic matches an event when the event is on the topic's platform (if it names
one) and any of these holds:

* one of the event's hashtags (given, or ``#tag``/``#话题#`` in its text) is one of
  the topic's hashtags;
* one of the topic's keywords is in the event's normalised text (NFKC, case-folded).
  A keyword of Latin letters or digits must match whole words; a keyword in Chinese
  (or any text without spaces between words) must be a run of whole words of the
  text as segmented by jieba, so ``苹果`` matches ``我买了苹果`` but not ``苹果汁``
  when jieba reads ``苹果汁`` as one word;
* the event's ``post`` is a root, or its ``parent_post`` is a post already in the
  topic (the root and every repost below it, as the events arrive);
* the topic is ``any``: every event of the stream.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from kolgraph.errors import InputError
from kolgraph.store.listenstate import EventRecord

__all__ = ["Matcher", "TopicDef", "normalise_text"]

_NAME = re.compile(r"^[\w][\w .:@#+-]{0,63}$")
_WORDY = re.compile(r"^[0-9a-z_' -]+$")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


def normalise_text(text: str) -> str:
    """NFKC, case-folded, whitespace collapsed: the text keywords are matched on."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _tag(value: str) -> str:
    return value.strip().lstrip("#").rstrip("#").casefold()


@dataclass(frozen=True)
class TopicDef:
    """A topic's definition (stored as :meth:`as_json`)."""

    name: str
    hashtags: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    roots: tuple[str, ...] = ()
    any: bool = False
    platform: str | None = None

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise InputError(
                f"topic name {self.name[:70]!r} is not usable",
                hint="use 1-64 letters, digits, spaces or . : @ # + - _, starting with a letter "
                "or digit",
                field="name",
            )
        object.__setattr__(
            self, "hashtags", tuple(dict.fromkeys(t for t in map(_tag, self.hashtags) if t))
        )
        object.__setattr__(
            self,
            "keywords",
            tuple(dict.fromkeys(k for k in map(normalise_text, self.keywords) if k)),
        )
        object.__setattr__(
            self, "roots", tuple(dict.fromkeys(r.strip() for r in self.roots if r.strip()))
        )
        if not (self.hashtags or self.keywords or self.roots or self.any):
            raise InputError(
                f"topic {self.name!r} matches nothing",
                hint="give --hashtag, --keyword, --root or --any",
            )

    def as_json(self) -> dict[str, Any]:
        """The definition as stored and shown."""
        return {
            "hashtags": list(self.hashtags),
            "keywords": list(self.keywords),
            "roots": list(self.roots),
            "any": self.any,
            "platform": self.platform,
        }

    @classmethod
    def from_json(cls, name: str, raw: dict[str, Any]) -> TopicDef:
        """The definition :meth:`as_json` stored."""
        return cls(
            name=name,
            hashtags=tuple(raw.get("hashtags", ())),
            keywords=tuple(raw.get("keywords", ())),
            roots=tuple(raw.get("roots", ())),
            any=bool(raw.get("any", False)),
            platform=raw.get("platform"),
        )


@lru_cache(maxsize=1)
def _jieba() -> Any:
    import jieba

    jieba.setLogLevel(60)
    return jieba


def _segments(text: str) -> list[str]:
    return [w for w in _jieba().lcut(text, HMM=True) if w.strip()]


def _contains_run(words: Sequence[str], run: Sequence[str]) -> bool:
    n = len(run)
    return any(list(words[i : i + n]) == list(run) for i in range(len(words) - n + 1))


@dataclass
class Matcher:
    """Decides which events belong to one topic; keeps the topic's posts for ``roots``."""

    topic: TopicDef
    posts: set[str] = field(default_factory=set)
    _word_patterns: list[re.Pattern[str]] = field(default_factory=list, init=False)
    _cjk: list[tuple[str, list[str]]] = field(default_factory=list, init=False)
    _tags: frozenset[str] = field(default_factory=frozenset, init=False)

    def __post_init__(self) -> None:
        self.posts.update(self.topic.roots)
        self._tags = frozenset(self.topic.hashtags)
        for kw in self.topic.keywords:
            if _CJK.search(kw) or not _WORDY.match(kw):
                self._cjk.append((kw, _segments(kw) if _CJK.search(kw) else [kw]))
            else:
                self._word_patterns.append(re.compile(rf"(?<!\w){re.escape(kw)}(?!\w)"))

    def matches(self, event: EventRecord) -> bool:
        """Whether ``event`` belongs to the topic (and, for roots, note its post)."""
        topic = self.topic
        if topic.platform is not None and event.platform != topic.platform:
            return False
        hit = (
            topic.any
            or (bool(self._tags) and not self._tags.isdisjoint(event.hashtags))
            or (bool(self.posts) and (event.post in self.posts or event.parent_post in self.posts))
            or (bool(event.text) and self._text_hit(event.text or ""))
        )
        if hit and event.post is not None and topic.roots:
            self.posts.add(event.post)
        return hit

    def _text_hit(self, text: str) -> bool:
        if not (self._word_patterns or self._cjk):
            return False
        norm = normalise_text(text)
        if any(p.search(norm) for p in self._word_patterns):
            return True
        segmented: list[str] | None = None
        for kw, words in self._cjk:
            if kw not in norm:
                continue
            if not _CJK.search(kw):
                return True
            segmented = _segments(norm) if segmented is None else segmented
            if _contains_run(segmented, words):
                return True
        return False

    def select(self, events: Iterable[EventRecord]) -> list[str]:
        """Ids of the matching events, in the order given."""
        return [e.id for e in events if self.matches(e)]
