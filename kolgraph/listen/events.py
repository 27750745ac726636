"""The event schema of ``kolgraph listen`` and ``POST /v1/events``, and its parser.

One event per JSON object (one per line in JSON Lines):

=================  =========================================================  ========
field              meaning                                                    required
=================  =========================================================  ========
``platform``       the platform (``weibo``, ``x``, ``twitter``, ``bilibili``...)  yes
``type``           ``post``, ``repost``, ``mention`` or ``reply``              yes
``author``         the acting account's id on the platform                    yes
``parent_author``  the account reposted, mentioned or replied to              for all but ``post``
``post``           the id of the post this event is (or made)                 no
``parent_post``    the id of the post it reposts or replies to                no
``ts``             when: unix seconds, or ISO 8601 (``Z``/offset; none = UTC) yes
``text``           the text                                                   no
``hashtags``       a list of hashtags (``#`` optional)                        no
=================  =========================================================  ========

Other fields are ignored. Hashtags are kept lower-case without ``#``, together with
the ``#tag`` (and Weibo's ``#tag#``) found in ``text``. An event's id is a digest of
``platform, type, author, parent_author, post, parent_post, ts``: the same event sent
twice is one event.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final

import orjson

from kolgraph.errors import InputError
from kolgraph.store.listenstate import EventRecord

__all__ = ["EVENT_TYPES", "event_from_json", "event_id", "parse_event_line", "parse_ts"]

EVENT_TYPES: Final = ("post", "repost", "mention", "reply")
_TYPES = frozenset(EVENT_TYPES)
_PLATFORM = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
#: ``#tag`` (Twitter/X) and ``#话题#`` (Weibo), in any script
_TAG_IN_TEXT = re.compile(r"#([^\s#]{1,100})#?")
#: 2000-01-01 and 2100-01-01: timestamps outside are typos (milliseconds, years)
_TS_MIN, _TS_MAX = 946_684_800, 4_102_444_800
_MAX_ID = 256
_MAX_TEXT = 100_000


def _bad(message: str, field: str | None, hint: str) -> InputError:
    return InputError(message, hint=hint, field=field)


def parse_ts(value: Any) -> int:
    """Unix seconds from an int/float of seconds or an ISO 8601 string (naive = UTC).

    Raises
    ------
    InputError
        Not a time, or outside 2000..2100 (milliseconds given for seconds, say).
    """
    if isinstance(value, bool):
        raise _bad("ts is true/false", "ts", "give unix seconds or an ISO 8601 time")
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise _bad(f"ts is {value}", "ts", "give unix seconds or an ISO 8601 time")
        ts = int(value)
    elif isinstance(value, str):
        text = value.strip()
        try:
            ts = int(float(text)) if text.replace(".", "", 1).isdigit() else _iso(text)
        except ValueError:
            shown = text[:40]
            raise _bad(
                f"ts {shown!r} is not a time",
                "ts",
                "give unix seconds or an ISO 8601 time like 2012-07-04T07:00:00Z",
            ) from None
    else:
        raise _bad(f"ts is a {type(value).__name__}", "ts", "give unix seconds or an ISO 8601 time")
    if not _TS_MIN <= ts < _TS_MAX:
        raise _bad(
            f"ts {ts} is not between 2000 and 2100",
            "ts",
            "give seconds (not milliseconds) since 1970-01-01 UTC",
        )
    return ts


def _iso(text: str) -> int:
    when = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return int(when.timestamp())


#: an id that needs no cleaning: no surrounding space, no tab, line break or unit separator
_CLEAN_ID = re.compile(r"[^\s\x1f](?:[^\t\n\r\x1f]*[^\s\x1f])?")


def _ident(raw: Mapping[str, Any], name: str, *, required: bool) -> str | None:
    value = raw.get(name)
    if value.__class__ is str and len(value) <= _MAX_ID and _CLEAN_ID.fullmatch(value):
        return value  # the common case, checked at once
    if value is None or value == "":
        if required:
            raise _bad(f"{name} is missing", name, f"every event needs {name!r}")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise _bad(f"{name} is a {type(value).__name__}", name, f"give {name} as a string id")
    text = str(value).strip()
    if not text or len(text) > _MAX_ID or any(c in text for c in "\t\n\r\x1f"):
        raise _bad(
            f"{name} {text[:40]!r} is not an id",
            name,
            f"give {name} as 1 to {_MAX_ID} characters without tabs or line breaks",
        )
    return text


def _hashtags(raw: Mapping[str, Any], text: str | None) -> tuple[str, ...]:
    given = raw.get("hashtags")
    if given is None and (not text or "#" not in text):
        return ()
    tags: list[str] = []
    if given is not None:
        if not isinstance(given, list) or not all(isinstance(t, str) for t in given):
            raise _bad("hashtags is not a list of strings", "hashtags", 'give ["tag", ...]')
        tags.extend(given)
    if text:
        tags.extend(_TAG_IN_TEXT.findall(text))
    seen: dict[str, None] = {}
    for tag in tags:
        norm = tag.strip().lstrip("#").rstrip("#").casefold()
        if norm:
            seen.setdefault(norm, None)
    return tuple(seen)


_PLATFORMS: dict[Any, str] = {}


def _platform(raw: Mapping[str, Any]) -> str:
    given = raw.get("platform")
    name = _ident(raw, "platform", required=True)
    assert name is not None
    name = name.lower()
    if not _PLATFORM.match(name):
        raise _bad(
            f"platform {name[:40]!r} is not a platform name",
            "platform",
            "use a lower-case name like weibo, x, twitter or bilibili",
        )
    if isinstance(given, str) and len(_PLATFORMS) < 1000:
        _PLATFORMS[given] = name
    return name


def event_id(
    platform: str,
    type_: str,
    author: str,
    parent_author: str | None,
    post: str | None,
    parent_post: str | None,
    ts: int,
) -> str:
    """The event's id: 24 hex digits of BLAKE2b over its identifying fields."""
    parts = (platform, type_, author, parent_author or "", post or "", parent_post or "", str(ts))
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=12).hexdigest()


def event_from_json(raw: Any) -> EventRecord:
    """Check one decoded event (a JSON object) and make its record.

    Raises
    ------
    InputError
        A missing or bad field; ``field`` names it.
    """
    if not isinstance(raw, dict):
        raise _bad(
            f"an event is a JSON object, not a {type(raw).__name__}",
            None,
            "send one object per line",
        )
    platform = _PLATFORMS.get(raw.get("platform"))
    if platform is None:
        platform = _platform(raw)
    type_ = raw.get("type")
    if type_ not in _TYPES:
        raise _bad(
            f"type {str(type_)[:40]!r} is not an event type",
            "type",
            "use post, repost, mention or reply",
        )
    author = _ident(raw, "author", required=True)
    parent = _ident(raw, "parent_author", required=type_ != "post")
    text = raw.get("text")
    if text is not None and not isinstance(text, str):
        raise _bad(f"text is a {type(text).__name__}", "text", "give text as a string")
    if text is not None and len(text) > _MAX_TEXT:
        text = text[:_MAX_TEXT]
    post = _ident(raw, "post", required=False)
    parent_post = _ident(raw, "parent_post", required=False)
    ts = parse_ts(raw.get("ts")) if "ts" in raw else None
    if ts is None:
        raise _bad("ts is missing", "ts", "every event needs 'ts' (unix seconds or ISO 8601)")
    return EventRecord(
        id=event_id(platform, type_, author or "", parent, post, parent_post, ts),
        platform=platform,
        type=type_,
        author=f"{platform}:{author}",
        ts=ts,
        parent_author=f"{platform}:{parent}" if parent is not None else None,
        post=post,
        parent_post=parent_post,
        text=text or None,
        hashtags=_hashtags(raw, text),
    )


def parse_event_line(line: bytes | str) -> EventRecord:
    """Decode and check one JSON Lines line.

    Raises
    ------
    InputError
        Not JSON (with the character where decoding failed), or a bad event.
    """
    try:
        raw = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        raise _bad(
            f"not JSON: {exc.msg} at character {exc.pos}", None, "send one JSON object per line"
        ) from None
    return event_from_json(raw)
