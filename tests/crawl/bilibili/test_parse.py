"""Bilibili parsers on recorded-shape fixtures (see fixtures/README.md for their sources)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from kolgraph.crawl.bilibili import PLATFORM, parse
from kolgraph.crawl.bilibili.parse import verified_of
from kolgraph.crawl.page import Page, Post, Profile, Repost
from kolgraph.crawl.task import Task, TaskKind
from kolgraph.errors import ParseError

FIXTURES = Path(__file__).parent / "fixtures"
UP = "20000001"  # the fixtures' account
DYN = "900000000000000101"  # the fixtures' reposted dynamic, posted at POSTED by UP
POSTED = 1690000000


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def reposts_task(cursor: str | None = None, *, ts: int | None = POSTED) -> Task:
    return Task(TaskKind.REPOSTS, DYN, cursor=cursor, owner=UP, ts=ts)


# ----------------------------------------------------------------------------- platform
def test_platform_declares_tasks_and_caps() -> None:
    assert PLATFORM.name == "bilibili"
    assert PLATFORM.parse is parse
    assert PLATFORM.account_tasks == (TaskKind.FOLLOWERS, TaskKind.FOLLOWING, TaskKind.POSTS)
    assert PLATFORM.post_tasks == (TaskKind.REPOSTS,)
    assert PLATFORM.max_pages == {TaskKind.FOLLOWERS: 5, TaskKind.FOLLOWING: 5}


@pytest.mark.parametrize(
    ("official", "expected"),
    [
        ({"type": -1, "desc": ""}, None),
        ({"type": 0, "desc": "UP主认证"}, "person"),
        ({"type": 1, "desc": "机构认证"}, "org"),
        ({}, None),
        (None, None),
    ],
)
def test_verified_of(official: Any, expected: str | None) -> None:
    assert verified_of(official) == expected


# ------------------------------------------------------------------------------ profile
def test_card() -> None:
    page = parse(Task(TaskKind.PROFILE, UP), load("card.json"))
    assert page == Page(
        profiles=[
            Profile(
                account_id=UP, name="示例UP主", followers=1234567, following=321, verified="person"
            )
        ]
    )


def test_card_organisation_and_fallback_to_official_verify() -> None:
    payload = load("card.json")
    payload["data"]["card"]["Official"]["type"] = 1
    assert parse(Task(TaskKind.PROFILE, UP), payload).profiles[0].verified == "org"
    del payload["data"]["card"]["Official"]
    payload["data"]["card"]["official_verify"]["type"] = -1
    assert parse(Task(TaskKind.PROFILE, UP), payload).profiles[0].verified is None


def test_card_missing_fans_names_the_field_and_task() -> None:
    payload = load("card.json")
    del payload["data"]["card"]["fans"]
    with pytest.raises(ParseError, match=r"bilibili profile 20000001 \(first page\): "):
        parse(Task(TaskKind.PROFILE, UP), payload)
    with pytest.raises(ParseError, match=r"data\.card\.fans is missing"):
        parse(Task(TaskKind.PROFILE, UP), payload)


def test_card_mid_must_be_a_number() -> None:
    payload = load("card.json")
    payload["data"]["card"]["mid"] = "abc"
    with pytest.raises(ParseError, match=r"data\.card\.mid is str 'abc', not an integer"):
        parse(Task(TaskKind.PROFILE, UP), payload)


def test_error_envelope_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match=r"root\.code is -404 \('啥都木有'\), not 0"):
        parse(Task(TaskKind.PROFILE, UP), load("error_not_found.json"))
    with pytest.raises(ParseError, match=r"root is list, not an object"):
        parse(Task(TaskKind.PROFILE, UP), [])


# ------------------------------------------------------------------------ relation lists
def test_followers_first_page() -> None:
    page = parse(Task(TaskKind.FOLLOWERS, UP), load("followers.json"))
    assert page.follows == [("30000003", UP), ("30000002", UP), ("30000001", UP)]
    assert page.profiles == [
        Profile("30000003", "路人甲"),
        Profile("30000002", "配音演员乙", verified="person"),
        Profile("30000001", "示例官方账号", verified="org"),
    ]
    assert page.total == 365
    assert page.next_cursor == "2"
    assert page.reposts == [] and page.posts == []


def test_followings_point_from_the_target() -> None:
    page = parse(Task(TaskKind.FOLLOWING, UP, cursor="2"), load("followings.json"))
    assert page.follows == [(UP, "40000002"), (UP, "40000001")]
    assert [p.verified for p in page.profiles] == ["person", "org"]
    assert page.total == 699
    assert page.next_cursor == "3"


def test_relation_list_stops_at_the_five_page_cap() -> None:
    for kind in (TaskKind.FOLLOWERS, TaskKind.FOLLOWING):
        page = parse(Task(kind, UP, cursor="5"), load("followers.json"))
        assert len(page.follows) == 3
        assert page.next_cursor is None  # page 6 would answer code 22007


def test_relation_list_stops_at_total_and_on_an_empty_page() -> None:
    payload = load("followers.json")
    payload["data"]["total"] = 150
    assert parse(Task(TaskKind.FOLLOWERS, UP, cursor="3"), payload).next_cursor is None
    assert parse(Task(TaskKind.FOLLOWERS, UP, cursor="2"), payload).next_cursor == "3"
    payload["data"]["list"] = []
    page = parse(Task(TaskKind.FOLLOWERS, UP, cursor="2"), payload)
    assert page == Page(total=150)


def test_page_limit_answer_is_an_empty_last_page() -> None:
    page = parse(Task(TaskKind.FOLLOWERS, UP, cursor="6"), load("error_page_limit.json"))
    assert page == Page()


def test_relation_item_without_mid() -> None:
    payload = load("followers.json")
    del payload["data"]["list"][1]["mid"]
    with pytest.raises(
        ParseError,
        match=r"bilibili followers 20000001 \(cursor '2'\): data\.list\[1\]\.mid is missing",
    ):
        parse(Task(TaskKind.FOLLOWERS, UP, cursor="2"), payload)


def test_relation_list_that_is_not_a_list() -> None:
    payload = load("followers.json")
    payload["data"]["list"] = None
    with pytest.raises(ParseError, match=r"data\.list is null, not a list"):
        parse(Task(TaskKind.FOLLOWERS, UP), payload)


def test_relation_cursor_must_be_a_page_number() -> None:
    with pytest.raises(ParseError, match=r"cursor 'x'.*is not a page number"):
        parse(Task(TaskKind.FOLLOWERS, UP, cursor="x"), load("followers.json"))


# ------------------------------------------------------------------------------ dynamics
def test_dynamics_page() -> None:
    page = parse(Task(TaskKind.POSTS, UP), load("feed_space.json"))
    assert page.posts == [
        Post("900000000000000101", UP, 1690000000, reposts=12),  # pinned, older
        Post("900000000000000303", UP, 1706840348, reposts=81),  # a forward
        Post("557830373376", UP, 1705000000, reposts=473),  # id_str as a JSON number
    ]
    assert page.next_cursor == "557830373376"
    assert page.follows == [] and page.reposts == [] and page.total is None


def test_dynamics_last_page() -> None:
    page = parse(Task(TaskKind.POSTS, UP, cursor="557830373376"), load("feed_space_end.json"))
    assert page.posts == [Post("269000000000000011", UP, 1561576902, reposts=0)]
    assert page.next_cursor is None


def test_dynamics_without_stat_have_unknown_reposts() -> None:
    payload = load("feed_space_end.json")
    del payload["data"]["items"][0]["modules"]["module_stat"]
    assert parse(Task(TaskKind.POSTS, UP), payload).posts[0].reposts is None


def test_dynamics_cursor_that_does_not_move_ends_the_list() -> None:
    page = parse(Task(TaskKind.POSTS, UP, cursor="557830373376"), load("feed_space.json"))
    assert page.next_cursor is None


def test_dynamics_has_more_without_offset() -> None:
    payload = load("feed_space.json")
    payload["data"]["offset"] = ""
    with pytest.raises(ParseError, match=r"data\.offset is missing although data\.has_more"):
        parse(Task(TaskKind.POSTS, UP), payload)


def test_dynamics_bad_time() -> None:
    payload = load("feed_space.json")
    payload["data"]["items"][2]["modules"]["module_author"]["pub_ts"] = "yesterday"
    with pytest.raises(
        ParseError,
        match=r"bilibili posts 20000001 \(first page\): "
        r"data\.items\[2\]\.modules\.module_author\.pub_ts is str 'yesterday'",
    ):
        parse(Task(TaskKind.POSTS, UP), payload)


def test_dynamics_numeric_string_time_is_read() -> None:
    payload = load("feed_space_end.json")
    payload["data"]["items"][0]["modules"]["module_author"]["pub_ts"] = "1561576902"
    assert parse(Task(TaskKind.POSTS, UP), payload).posts[0].ts == 1561576902


# ------------------------------------------------------------------------------- reposts
def test_reposts_page() -> None:
    page = parse(reposts_task(), load("repost_detail.json"))
    assert page.reposts == [
        Repost("50000001", UP, DYN, 1690003600),
        Repost("50000002", UP, DYN, 1690001800),
    ]
    assert page.profiles == [
        Profile("50000001", "转发者一号"),
        Profile("50000002", "虚构新闻", verified="org"),
    ]
    assert page.next_cursor == "0:900000000000000488"
    assert page.total == 45
    assert page.follows == [] and page.posts == []


def test_reposts_last_page() -> None:
    page = parse(reposts_task("0:900000000000000488"), load("repost_detail_end.json"))
    assert page.reposts == [Repost("50000045", UP, DYN, 1690000120)]
    assert page.profiles == [Profile("50000045", "最后一位转发者", verified="person")]
    assert page.next_cursor is None
    assert page.total == 45


def test_reposts_without_items() -> None:
    payload = {"code": 0, "msg": "", "message": "", "data": {"has_more": 0, "total": 0}}
    assert parse(reposts_task(), payload) == Page(total=0)


def test_repost_without_time_takes_the_post_time() -> None:
    payload = load("repost_detail.json")
    del payload["data"]["items"][0]["desc"]["timestamp"]
    payload["data"]["items"][1]["desc"]["timestamp"] = 0
    page = parse(reposts_task(), payload)
    assert [r.ts for r in page.reposts] == [POSTED, POSTED]
    with pytest.raises(ParseError, match=r"data\.items\[0\]\.desc\.timestamp is missing and"):
        parse(reposts_task(ts=None), payload)


def test_repost_without_uid() -> None:
    payload = copy.deepcopy(load("repost_detail.json"))
    payload["data"]["items"][1]["desc"]["uid"] = 0
    with pytest.raises(
        ParseError,
        match=r"bilibili reposts 900000000000000101 \(first page\): "
        r"data\.items\[1\]\.desc\.uid is 0, not a positive id",
    ):
        parse(reposts_task(), payload)


def test_reposts_task_needs_an_owner() -> None:
    with pytest.raises(ParseError, match=r"owner is missing"):
        parse(Task(TaskKind.REPOSTS, DYN, ts=POSTED), load("repost_detail.json"))


def test_reposts_has_more_must_be_a_flag() -> None:
    payload = load("repost_detail.json")
    payload["data"]["has_more"] = "yes"
    with pytest.raises(ParseError, match=r"data\.has_more is str 'yes', not a boolean"):
        parse(reposts_task(), payload)


# ---------------------------------------------------------------------------- dispatcher
def test_quotes_are_not_a_bilibili_list() -> None:
    with pytest.raises(ParseError, match=r"task kind is not one Bilibili serves"):
        parse(Task(TaskKind.QUOTES, DYN, owner=UP), load("repost_detail.json"))
