"""Topic definitions and matching: hashtags, keywords (Chinese by words), roots, any."""

from __future__ import annotations

import pytest

from kolgraph.errors import InputError
from kolgraph.listen.events import event_from_json
from kolgraph.listen.topics import Matcher, TopicDef


def _ev(**kw: object) -> object:
    base = {"platform": "weibo", "type": "post", "author": "1", "ts": 1341100972}
    return event_from_json({**base, **kw})


def test_hashtags_match_given_and_in_text_tags_case_insensitively() -> None:
    m = Matcher(TopicDef("higgs", hashtags=("#Higgs",)))
    assert m.matches(_ev(hashtags=["HIGGS"]))
    assert m.matches(_ev(text="it is #higgs time"))
    assert not m.matches(_ev(text="higgs without a tag"))


def test_latin_keywords_match_whole_words_only() -> None:
    m = Matcher(TopicDef("cern", keywords=("boson", "large hadron")))
    assert m.matches(_ev(text="The BOSON is found"))
    assert m.matches(_ev(text="the Large   Hadron collider"))
    assert not m.matches(_ev(text="bosons everywhere"))


def test_chinese_keywords_match_runs_of_whole_words() -> None:
    m = Matcher(TopicDef("apple", keywords=("苹果",)))
    assert m.matches(_ev(text="我今天买了苹果"))
    assert not m.matches(_ev(text="苹果汁很好喝"))  # jieba reads 苹果汁 as one word
    assert not m.matches(_ev(text="香蕉"))


def test_root_posts_take_every_repost_below_them_in_arrival_order() -> None:
    m = Matcher(TopicDef("thread", roots=("p1",)))
    root = _ev(post="p1")
    child = _ev(type="repost", author="2", parent_author="1", post="p2", parent_post="p1")
    grandchild = _ev(type="repost", author="3", parent_author="2", post="p3", parent_post="p2")
    other = _ev(type="repost", author="4", parent_author="9", post="p9", parent_post="p8")
    assert [m.matches(e) for e in (root, child, grandchild, other)] == [True, True, True, False]


def test_any_and_platform_filters() -> None:
    m = Matcher(TopicDef("all", any=True, platform="x"))
    assert m.matches(_ev(platform="x")) and not m.matches(_ev())


def test_a_topic_must_match_something_and_have_a_usable_name() -> None:
    with pytest.raises(InputError, match="matches nothing"):
        TopicDef("empty")
    with pytest.raises(InputError, match="not usable"):
        TopicDef("\tbad", any=True)
    d = TopicDef("round trip", hashtags=("A",), keywords=("B c",), roots=("r",), platform="x")
    assert TopicDef.from_json(d.name, d.as_json()) == d
