"""The event schema: what is accepted, what is rejected and why, and event identity."""

from __future__ import annotations

import pytest

from kolgraph.errors import InputError
from kolgraph.listen.events import event_from_json, parse_event_line, parse_ts

BASE = {
    "platform": "weibo",
    "type": "repost",
    "author": "42",
    "parent_author": "7",
    "ts": 1341100972,
}


def test_an_event_becomes_a_record_with_node_keys_and_hashtags() -> None:
    e = event_from_json(
        {
            **BASE,
            "post": "p2",
            "parent_post": "p1",
            "text": "看 #热点# and #Higgs",
            "hashtags": ["#CERN", "higgs"],
        }
    )
    assert (e.author, e.parent_author, e.post, e.parent_post) == ("weibo:42", "weibo:7", "p2", "p1")
    assert e.hashtags == ("cern", "higgs", "热点")
    assert len(e.id) == 24 and e.seq == 0


def test_iso_and_numeric_times_agree() -> None:
    assert parse_ts("2012-07-01T00:02:52Z") == parse_ts(1341100972) == parse_ts("1341100972")
    assert parse_ts("2012-07-01T08:02:52+08:00") == 1341100972
    assert parse_ts("2012-07-01T00:02:52") == 1341100972  # naive = UTC


def test_the_id_depends_on_identity_not_on_text() -> None:
    a = event_from_json({**BASE, "text": "one"})
    b = event_from_json({**BASE, "text": "two"})
    c = event_from_json({**BASE, "ts": BASE["ts"] + 1})
    assert a.id == b.id != c.id


@pytest.mark.parametrize(
    ("patch", "field", "words"),
    [
        ({"type": "like"}, "type", "not an event type"),
        ({"author": None}, "author", "missing"),
        ({"parent_author": None}, "parent_author", "missing"),
        ({"ts": 1341100972000}, "ts", "milliseconds"),
        ({"ts": "yesterday"}, "ts", "not a time"),
        ({"ts": True}, "ts", "true/false"),
        ({"ts": float("nan")}, "ts", "nan"),
        ({"platform": "We Ibo!"}, "platform", "not a platform"),
        ({"hashtags": "higgs"}, "hashtags", "not a list"),
        ({"author": "a\tb"}, "author", "not an id"),
        ({"text": 5}, "text", "string"),
    ],
)
def test_bad_fields_name_the_field_and_say_how_to_fix(patch: dict, field: str, words: str) -> None:
    with pytest.raises(InputError) as err:
        event_from_json({**BASE, **patch})
    assert err.value.field == field and err.value.hint
    assert words in (err.value.message + (err.value.hint or ""))


def test_a_post_needs_no_parent_and_missing_ts_is_named() -> None:
    post = event_from_json({"platform": "x", "type": "post", "author": "1", "ts": 1341100972})
    assert post.parent_author is None
    with pytest.raises(InputError, match="ts is missing"):
        event_from_json({"platform": "x", "type": "post", "author": "1"})


def test_lines_that_are_not_json_objects_are_rejected_with_the_position() -> None:
    with pytest.raises(InputError, match="at character"):
        parse_event_line(b'{"platform": "x",')
    with pytest.raises(InputError, match="JSON object"):
        parse_event_line(b"[1, 2]")
