"""Parsing recorded-shape m.weibo.cn answers (fixtures/, see fixtures/README.md)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from kolgraph.crawl.page import Page, Post, Profile, Repost
from kolgraph.crawl.task import Task, TaskKind
from kolgraph.crawl.weibo import PLATFORM
from kolgraph.crawl.weibo.parse import (
    FANS_MAX_PAGES,
    FANS_PAGE_SIZE,
    FOLLOWS_MAX_PAGES,
    REPOSTS_MAX_PAGES,
    parse,
    parse_count,
    parse_time,
)
from kolgraph.errors import ParseError

FIXTURES = Path(__file__).parent / "fixtures"
ME = "2900000001"
POST = "4900000000000001"


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def ts(text: str) -> int:
    value = parse_time(text)
    assert value is not None
    return value


def test_profile_person() -> None:
    page = parse(Task(TaskKind.PROFILE, ME), load("profile.json"))
    assert page.profiles == [
        Profile(ME, "示例博主甲", followers=63357736, following=240, posts=1008, verified="person")
    ]
    assert (page.follows, page.reposts, page.posts, page.next_cursor, page.total) == (
        [],
        [],
        [],
        None,
        None,
    )


def test_profile_org_with_display_counts() -> None:
    page = parse(Task(TaskKind.PROFILE, "2900000002"), load("profile_org.json"))
    assert page.profiles == [
        Profile(
            "2900000002",
            "示例日报",
            followers=63357000,
            following=1652,
            posts=74956,
            verified="org",
        )
    ]


def test_fans_first_page() -> None:
    page = parse(Task(TaskKind.FOLLOWERS, ME), load("fans_page1.json"))
    assert page.follows == [("2900000101", ME), ("2900000102", ME), ("2900000103", ME)]
    assert [
        (p.account_id, p.followers, p.following, p.posts, p.verified) for p in page.profiles
    ] == [
        ("2900000101", 143, 1104, 12, None),
        ("2900000102", 12000, 300, 530, "person"),
        ("2900000103", 8800, 52, 2001, "org"),
    ]
    assert page.next_cursor == "2"
    assert page.total is None


def test_fans_last_page_has_no_since_id() -> None:
    page = parse(Task(TaskKind.FOLLOWERS, ME, cursor="7", page=6), load("fans_last.json"))
    assert page.follows == [("2900000199", ME)]
    assert page.next_cursor is None


def test_fans_stop_at_the_platform_cap() -> None:
    assert FANS_MAX_PAGES == 250 and FANS_MAX_PAGES * FANS_PAGE_SIZE == 5000
    assert PLATFORM.max_pages[TaskKind.FOLLOWERS] == FANS_MAX_PAGES
    payload = load("fans_page1.json")
    payload["data"]["cardlistInfo"]["since_id"] = FANS_MAX_PAGES
    task = Task(TaskKind.FOLLOWERS, ME, cursor=str(FANS_MAX_PAGES - 1))
    assert parse(task, payload).next_cursor == str(FANS_MAX_PAGES)
    payload["data"]["cardlistInfo"]["since_id"] = FANS_MAX_PAGES + 1
    task = Task(TaskKind.FOLLOWERS, ME, cursor=str(FANS_MAX_PAGES))
    assert parse(task, payload).next_cursor is None


def test_follows_page() -> None:
    page = parse(Task(TaskKind.FOLLOWING, ME, cursor="2", page=1), load("follows_page2.json"))
    assert page.follows == [(ME, "2900000201"), (ME, "2900000202")]
    assert page.profiles[1] == Profile(
        "2900000202", "示例政务号", followers=2400000, following=15, posts=9120, verified="org"
    )
    assert page.next_cursor == "3"


def test_follows_stop_at_the_cap_and_at_a_null_page() -> None:
    assert PLATFORM.max_pages[TaskKind.FOLLOWING] == FOLLOWS_MAX_PAGES == 250
    payload = load("follows_page2.json")
    payload["data"]["cardlistInfo"]["page"] = FOLLOWS_MAX_PAGES + 1
    cursor = str(FOLLOWS_MAX_PAGES)
    assert parse(Task(TaskKind.FOLLOWING, ME, cursor=cursor), payload).next_cursor is None
    payload["data"]["cardlistInfo"]["page"] = None
    assert parse(Task(TaskKind.FOLLOWING, ME, cursor="2"), payload).next_cursor is None
    del payload["data"]["cardlistInfo"]["page"]  # no announcement: try the next page
    assert parse(Task(TaskKind.FOLLOWING, ME, cursor="2"), payload).next_cursor == "3"


def test_timeline_posts_and_reposts() -> None:
    page = parse(Task(TaskKind.POSTS, ME), load("timeline_page1.json"))
    assert page.posts == [
        Post(POST, ME, 1795226400, reposts=12),
        Post("4900000000000004", ME, ts("Wed Nov 18 09:30:00 +0800 2026"), reposts=1_000_000),
    ]
    # the account's repost of someone else's post; the repost of a deleted post is skipped
    assert page.reposts == [
        Repost(ME, "2900000009", "4800000000000007", ts("Fri Nov 20 23:59:59 +0800 2026"))
    ]
    assert page.next_cursor == "2"
    assert page.total == 1008
    assert page.profiles == [] and page.follows == []


def test_reposts_page() -> None:
    task = Task(TaskKind.REPOSTS, POST, owner=ME, ts=1795226400)
    page = parse(task, load("reposts_page1.json"))
    assert page.reposts == [
        Repost("2900000301", ME, POST, ts("Sat Nov 21 12:30:00 +0800 2026")),
        Repost("2900000302", ME, POST, ts("Sat Nov 21 11:00:05 +0800 2026")),
    ]
    assert [(p.account_id, p.followers, p.verified) for p in page.profiles] == [
        ("2900000301", 88, None),
        ("2900000302", 125000, "org"),
    ]
    assert page.next_cursor == "2"
    assert page.total == 25


def test_reposts_end_at_data_max_and_at_the_cap() -> None:
    payload = load("reposts_page1.json")
    assert parse(Task(TaskKind.REPOSTS, POST, cursor="2", owner=ME), payload).next_cursor == "3"
    assert parse(Task(TaskKind.REPOSTS, POST, cursor="3", owner=ME), payload).next_cursor is None
    assert PLATFORM.max_pages[TaskKind.REPOSTS] == REPOSTS_MAX_PAGES == 100
    payload["data"]["max"] = 5000
    cursor = str(REPOSTS_MAX_PAGES)
    assert parse(Task(TaskKind.REPOSTS, POST, cursor=cursor, owner=ME), payload).next_cursor is None


def test_reposts_without_owner_use_the_original_author() -> None:
    page = parse(Task(TaskKind.REPOSTS, POST), load("reposts_page1.json"))
    assert {r.author for r in page.reposts} == {ME}


def test_reposts_with_relative_times_fall_back_to_the_post_time() -> None:
    payload = load("reposts_page1.json")
    for item in payload["data"]["data"]:
        item["created_at"] = "3分钟前"
    page = parse(Task(TaskKind.REPOSTS, POST, owner=ME, ts=1795226400), payload)
    assert [r.ts for r in page.reposts] == [1795226400, 1795226400]
    with pytest.raises(ParseError, match=r"data\.data\[0\]\.created_at"):
        parse(Task(TaskKind.REPOSTS, POST, owner=ME), payload)


@pytest.mark.parametrize(
    "kind", [TaskKind.FOLLOWERS, TaskKind.FOLLOWING, TaskKind.POSTS, TaskKind.REPOSTS]
)
def test_end_of_list_is_an_empty_last_page(kind: TaskKind) -> None:
    page = parse(Task(kind, ME, cursor="4", owner=ME), load("end_of_list.json"))
    assert page == Page()


def test_platform_tasks() -> None:
    assert PLATFORM.name == "weibo"
    assert PLATFORM.account_tasks == (TaskKind.FOLLOWERS, TaskKind.FOLLOWING, TaskKind.POSTS)
    assert PLATFORM.post_tasks == (TaskKind.REPOSTS,)
    assert PLATFORM.parse is parse


# bad pages ------------------------------------------------------------------------------
def _bad(kind: TaskKind, payload: Any, match: str, cursor: str | None = None) -> None:
    with pytest.raises(ParseError, match=match) as err:
        parse(Task(kind, ME, cursor=cursor, owner=ME), payload)
    text = str(err.value)
    assert f"weibo {kind.value} page of {ME}" in text and f"cursor {cursor!r}" in text


def test_bad_pages_name_the_problem() -> None:
    _bad(TaskKind.PROFILE, {"ok": 1, "data": {}}, r"'data\.userInfo' is missing")
    _bad(TaskKind.PROFILE, load("end_of_list.json"), r"'ok' is 0 .*这里还没有内容")
    _bad(TaskKind.PROFILE, load("login_required.json"), r"'ok' is -100")
    _bad(TaskKind.FOLLOWERS, [1, 2], r"'<page>' is a list, expected an object")
    _bad(TaskKind.FOLLOWERS, {"ok": 1}, r"'data' is missing")
    _bad(TaskKind.POSTS, {"ok": 1, "data": {"cards": {}}}, r"'data\.cards' is a dict")
    _bad(TaskKind.REPOSTS, {"ok": 1, "data": {"total_number": 3}}, r"'data\.data' is missing")

    fans = load("fans_page1.json")
    fans["data"]["cards"][0]["card_group"][2]["user"]["id"] = [2900000102]
    _bad(TaskKind.FOLLOWERS, fans, r"'data\.cards\[0\]\.card_group\[2\]\.user\.id' is \[")

    fans = load("fans_page1.json")
    fans["data"]["cards"][0]["card_group"][1]["user"]["followers_count"] = "lots"
    _bad(
        TaskKind.FOLLOWERS,
        fans,
        r"'data\.cards\[0\]\.card_group\[1\]\.user\.followers_count' is 'lots', expected a count",
    )

    fans = load("fans_page1.json")
    fans["data"]["cardlistInfo"]["since_id"] = "next"
    _bad(TaskKind.FOLLOWERS, fans, r"'cardlistInfo\.since_id' is 'next'")

    fans = load("fans_page1.json")
    fans["data"]["cards"][0]["card_group"][1]["user"] = None
    _bad(TaskKind.FOLLOWERS, fans, r"card_group\[1\]\.user' is missing")

    timeline = load("timeline_page1.json")
    timeline["data"]["cards"][0]["mblog"]["created_at"] = "15小时前"
    _bad(TaskKind.POSTS, timeline, r"'data\.cards\[0\]\.mblog\.created_at' is '15小时前'")

    timeline = load("timeline_page1.json")
    del timeline["data"]["cards"][3]["mblog"]["mid"]
    del timeline["data"]["cards"][3]["mblog"]["id"]
    _bad(TaskKind.POSTS, timeline, r"'data\.cards\[3\]\.mblog\.mid' is None")

    reposts = load("reposts_page1.json")
    reposts["data"]["data"][1]["user"] = "someone"
    _bad(TaskKind.REPOSTS, reposts, r"'data\.data\[1\]\.user' is a str")

    _bad(TaskKind.FOLLOWING, load("follows_page2.json"), r"cursor 'x' is not a page number", "x")
    _bad(TaskKind.QUOTES, load("reposts_page1.json"), r"weibo has no 'quotes' lists")


def test_repost_without_owner_or_original_is_an_error() -> None:
    payload = copy.deepcopy(load("reposts_page1.json"))
    del payload["data"]["data"][0]["retweeted_status"]
    with pytest.raises(ParseError, match=r"no task owner and no 'data\.data\[0\]"):
        parse(Task(TaskKind.REPOSTS, POST), payload)


# value helpers ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (143, 143),
        ("143", 143),
        ("1,024", 1024),
        ("1.2万", 12000),
        ("6335.7万", 63357000),
        ("100万+", 1_000_000),
        ("1.1亿", 110_000_000),
        ("3亿", 300_000_000),
        (-1, None),
        (True, None),
        ("lots", None),
        (None, None),
        (1.5, None),
    ],
)
def test_parse_count(value: object, expected: int | None) -> None:
    assert parse_count(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Sat Nov 21 10:00:00 +0800 2026", 1795226400),
        ("Sat Nov 21 02:00:00 +0000 2026", 1795226400),
        ("2026-11-21 10:00:00", 1795226400),
        ("2026-11-21 10:00", 1795226400),
        ("2026-11-21", 1795190400),
        ("刚刚", None),
        ("3分钟前", None),
        ("昨天 10:00", None),
        ("11-21", None),
        (1795226400, None),
    ],
)
def test_parse_time(value: object, expected: int | None) -> None:
    assert parse_time(value) == expected
