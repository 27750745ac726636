"""X parser: recorded-shape answers of the real API → profiles, edges, posts and cursors."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from kolgraph.crawl.page import Page, Post, Profile, Repost
from kolgraph.crawl.task import Task, TaskKind
from kolgraph.crawl.x import PLATFORM, TIMELINE_PAGES, XClient
from kolgraph.crawl.x.parse import parse, parse_time, verified_kind
from kolgraph.errors import ParseError

FIXTURES = Path(__file__).parent / "fixtures"
ME = "1480000000000000001"
POST = "1760000000000000003"
POST_TS = 1709648530  # 2024-03-05T14:22:10Z


def load(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- platform
def test_platform_declares_the_x_adapter() -> None:
    assert PLATFORM.name == "x"
    assert PLATFORM.parse is parse
    assert PLATFORM.make_client is XClient
    assert PLATFORM.account_tasks == (TaskKind.FOLLOWERS, TaskKind.FOLLOWING, TaskKind.POSTS)
    assert PLATFORM.post_tasks == (TaskKind.REPOSTS, TaskKind.QUOTES)
    assert PLATFORM.max_pages == {TaskKind.POSTS: TIMELINE_PAGES}
    assert TIMELINE_PAGES * 100 == 3200


# --------------------------------------------------------------------------- profile
def test_profile() -> None:
    page = parse(Task(TaskKind.PROFILE, ME), load("user"))
    assert page == Page(
        profiles=[
            Profile(
                account_id=ME,
                name="Mira Okafor",
                followers=184320,
                following=512,
                posts=20817,
                verified="person",
            )
        ]
    )


def test_profile_of_another_account_is_refused() -> None:
    with pytest.raises(ParseError, match=r"page\.data\.id is '1480000000000000001', not the"):
        parse(Task(TaskKind.PROFILE, "1480000000000000002"), load("user"))


# --------------------------------------------------------------------------- follows
def test_followers_page() -> None:
    page = parse(Task(TaskKind.FOLLOWERS, ME), load("followers"))
    ids = ["1480000000000000101", "1480000000000000102", "1480000000000000103"]
    assert [p.account_id for p in page.profiles] == ids
    assert page.follows == [(i, ME) for i in ids]
    assert [p.verified for p in page.profiles] == ["org", None, "org"]
    assert [(p.followers, p.following, p.posts) for p in page.profiles] == [
        (902114, 1204, 310522),
        (38, 401, 96),
        (51230, 77, 4410),
    ]
    assert [p.name for p in page.profiles] == [
        "Harbor City Times",
        "quietreader_77",  # empty display name → the handle
        "Port Authority of Lindmark",
    ]
    assert page.next_cursor == "7140dibdnow9c7btw3z3c2tpkxd5a0xqx0b0rh1sugi2b"
    assert page.total is None
    assert page.reposts == [] and page.posts == []


def test_followers_last_page_has_no_cursor() -> None:
    task = Task(TaskKind.FOLLOWERS, ME, cursor="7140dibdnow9c7btw3z3c2tpkxd5a0xqx0b0rh1sugi2b")
    page = parse(task, load("followers_last"))
    assert page.next_cursor is None
    assert page.follows == [("1480000000000000104", ME), ("1480000000000000105", ME)]
    legacy, plain = page.profiles
    assert legacy == Profile("1480000000000000104", name="Tomas Reyna", verified="person")
    assert (plain.followers, plain.following, plain.verified) == (2210, 180, None)


def test_empty_follower_list() -> None:
    page = parse(Task(TaskKind.FOLLOWERS, ME), load("followers_empty"))
    assert page == Page()


def test_following_edges_point_from_the_target() -> None:
    page = parse(Task(TaskKind.FOLLOWING, ME), load("following"))
    assert page.follows == [(ME, "1480000000000000201"), (ME, "1480000000000000202")]
    assert [p.verified for p in page.profiles] == ["org", None]
    assert page.next_cursor == "8ffvn3c7ghbsu3bq0pxj2k3d1q7m6w0s8ay4ir9z5ltee"


# --------------------------------------------------------------------------- timeline
def test_timeline_posts() -> None:
    page = parse(Task(TaskKind.POSTS, ME), load("tweets"))
    assert page.posts == [
        Post("1760000000000000003", ME, 1709648530, reposts=42, quotes=5),
        Post("1760000000000000002", ME, 1709542800, reposts=0, quotes=0),
        Post("1759000000000000001", ME, 1709251199, reposts=3, quotes=1),
    ]
    assert page.next_cursor == "7140dibdnow9c7btw4539n0v5ozsnl2s0n8kvyomxzt4h"
    assert page.profiles == [] and page.follows == [] and page.reposts == []


def test_timeline_skips_the_accounts_own_retweets_and_defaults_the_author() -> None:
    payload = load("tweets")
    payload["data"][0]["referenced_tweets"] = [{"type": "retweeted", "id": "1"}]
    payload["data"][1]["referenced_tweets"] = [{"type": "quoted", "id": "2"}]
    del payload["data"][1]["author_id"]
    del payload["data"][2]["public_metrics"]
    page = parse(Task(TaskKind.POSTS, ME), payload)
    assert page.posts == [
        Post("1760000000000000002", ME, 1709542800, reposts=0, quotes=0),
        Post("1759000000000000001", ME, 1709251199),
    ]


# --------------------------------------------------------------------------- reposts
def test_retweeted_by_uses_the_post_time() -> None:
    task = Task(TaskKind.REPOSTS, POST, owner=ME, ts=POST_TS)
    page = parse(task, load("retweeted_by"))
    assert page.reposts == [
        Repost("1480000000000000301", ME, POST, POST_TS),
        Repost("1480000000000000302", ME, POST, POST_TS),
    ]
    assert [(p.account_id, p.verified, p.followers) for p in page.profiles] == [
        ("1480000000000000301", None, 96),
        ("1480000000000000302", "org", 40120),
    ]
    assert page.next_cursor == "7140dibdnow9c7btw481rdt3ln0ke62fyiw5dc8xxbzho"
    assert page.follows == []


@pytest.mark.parametrize(
    ("task", "message"),
    [
        (Task(TaskKind.REPOSTS, POST, ts=POST_TS), "no owner"),
        (Task(TaskKind.REPOSTS, POST, owner=ME), "no ts"),
    ],
)
def test_retweeted_by_needs_owner_and_time(task: Task, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse(task, load("retweeted_by"))


def test_quotes_are_mentions_at_their_own_time() -> None:
    task = Task(TaskKind.QUOTES, POST, owner=ME, ts=POST_TS)
    page = parse(task, load("quote_tweets"))
    assert page.reposts == [
        Repost("1480000000000000401", ME, POST, 1709656800, action="mention"),
        Repost("1480000000000000402", ME, POST, 1709650890, action="mention"),
    ]
    assert [(p.account_id, p.name, p.verified) for p in page.profiles] == [
        ("1480000000000000401", "Sam Ortiz", None),
        ("1480000000000000402", "Kei Nakamura", "person"),
    ]
    assert page.next_cursor == "avbq8fz1u0p4xmh7kq5d2c9wnr3tj6ylg0so8ie1bzat"


def test_quote_without_time_gets_the_post_time() -> None:
    payload = load("quote_tweets")
    del payload["data"][1]["created_at"]
    del payload["includes"]
    page = parse(Task(TaskKind.QUOTES, POST, owner=ME, ts=POST_TS), payload)
    assert [r.ts for r in page.reposts] == [1709656800, POST_TS]
    assert page.profiles == []
    with pytest.raises(ParseError, match=r"page\.data\[1\]\.created_at is missing"):
        parse(Task(TaskKind.QUOTES, POST, owner=ME), payload)


# --------------------------------------------------------------------------- bad pages
def _set(path: list[str | int], value: Any) -> Any:
    def edit(payload: Any) -> Any:
        out = copy.deepcopy(payload)
        node = out
        for key in path[:-1]:
            node = node[key]
        if value is KeyError:
            del node[path[-1]]
        else:
            node[path[-1]] = value
        return out

    return edit


@pytest.mark.parametrize(
    ("task", "fixture", "edit", "message"),
    [
        (Task(TaskKind.PROFILE, ME), "user", lambda p: [p], r"the page is a list"),
        (Task(TaskKind.PROFILE, ME), "user", _set(["data"], KeyError), r"page\.data is missing"),
        (
            Task(TaskKind.PROFILE, ME),
            "user",
            _set(["data", "id"], "@mira"),
            r"page\.data\.id is '@mira', expected a numeric id",
        ),
        (
            Task(TaskKind.FOLLOWERS, ME, cursor="tok123"),
            "followers",
            _set(["meta"], KeyError),
            r"page\.meta is missing",
        ),
        (
            Task(TaskKind.FOLLOWERS, ME),
            "followers",
            _set(["data", 1, "id"], KeyError),
            r"page\.data\[1\]\.id is missing",
        ),
        (
            Task(TaskKind.FOLLOWERS, ME),
            "followers",
            _set(["data", 0, "public_metrics", "followers_count"], "many"),
            r"page\.data\[0\]\.public_metrics\.followers_count is 'many'",
        ),
        (
            Task(TaskKind.FOLLOWING, ME),
            "following",
            _set(["meta", "next_token"], 17),
            r"page\.meta\.next_token is 17",
        ),
        (
            Task(TaskKind.POSTS, ME),
            "tweets",
            _set(["data", 0, "created_at"], "yesterday"),
            r"page\.data\[0\]\.created_at is 'yesterday'",
        ),
        (
            Task(TaskKind.POSTS, ME),
            "tweets",
            _set(["data", 2, "created_at"], KeyError),
            r"page\.data\[2\]\.created_at is missing",
        ),
        (
            Task(TaskKind.POSTS, ME),
            "tweets",
            _set(["data"], KeyError),
            r"page\.meta\.result_count is 3 but page\.data is missing",
        ),
        (
            Task(TaskKind.POSTS, ME),
            "tweets",
            _set(["data"], {"id": "1"}),
            r"page\.data is a dict",
        ),
        (
            Task(TaskKind.QUOTES, POST, owner=ME, ts=POST_TS),
            "quote_tweets",
            _set(["data", 0, "author_id"], KeyError),
            r"page\.data\[0\]\.author_id is missing",
        ),
        (
            Task(TaskKind.QUOTES, POST, owner=ME, ts=POST_TS),
            "quote_tweets",
            _set(["includes", "users"], "none"),
            r"page\.includes\.users is a str",
        ),
        (
            Task(TaskKind.PROFILE, "1480000000000000999"),
            "user_not_found",
            lambda p: p,
            r"X error answer, not data: 'Could not find user",
        ),
    ],
)
def test_bad_pages_name_the_field_and_the_task(
    task: Task, fixture: str, edit: Any, message: str
) -> None:
    with pytest.raises(ParseError, match=message) as info:
        parse(task, edit(load(fixture)))
    text = str(info.value)
    assert f"x {task.kind.value} {task.target}" in text
    assert (task.cursor or "first page") in text


# --------------------------------------------------------------------------- helpers
def test_parse_time() -> None:
    assert parse_time("2024-03-05T14:22:10.000Z") == 1709648530
    assert parse_time("2024-03-05T14:22:10Z") == 1709648530
    assert parse_time("2024-03-05T15:22:10+01:00") == 1709648530
    for bad in ("2024-03-05T14:22:10", "Tue Mar 05 14:22:10 +0000 2024", 1709648530, None):
        with pytest.raises(ValueError):
            parse_time(bad)


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ({"verified": True, "verified_type": "business"}, "org"),
        ({"verified": True, "verified_type": "government"}, "org"),
        ({"verified": True, "verified_type": "blue"}, "person"),
        ({"verified": False, "verified_type": "none"}, None),
        ({"verified": True}, "person"),
        ({"verified": False}, None),
        ({}, None),
        ({"verified": True, "verified_type": "something-new"}, "person"),
    ],
)
def test_verified_kind(user: dict[str, Any], expected: str | None) -> None:
    assert verified_kind(user) == expected
