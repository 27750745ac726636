"""The real Bilibili client, through the shared HttpClient, against the simulator."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from kolgraph.crawl.bilibili import PLATFORM, BilibiliClient
from kolgraph.crawl.bilibili.client import check_envelope
from kolgraph.crawl.bilibili.sim import FEED_PAGE_SIZE, REPOST_PAGE_SIZE, SIM
from kolgraph.crawl.http import Fetched, HttpClient
from kolgraph.crawl.page import Page
from kolgraph.crawl.simulator.network import SimNetwork
from kolgraph.crawl.simulator.server import Simulator
from kolgraph.crawl.task import Task, TaskKind
from kolgraph.errors import (
    AccessDenied,
    BadPage,
    InputError,
    KolgraphError,
    NotFound,
    Protected,
    RateLimited,
    Unavailable,
)

FIXTURES = Path(__file__).parent / "fixtures"
CAP = 5 * 50  # accounts of another user's relation list Bilibili serves: 5 pages of 50


@pytest.fixture(scope="module")
def bili(sim_network: SimNetwork) -> Iterator[Simulator]:
    """A fault-free simulator serving only Bilibili (one per module: stopping one takes 0.5 s)."""
    with Simulator(sim_network, platforms=[SIM], retry_after=0.0) as sim:
        yield sim


def client_for(http: HttpClient, sim: Simulator, **settings: Any) -> BilibiliClient:
    client = PLATFORM.make_client(http, http.settings.model_copy(update=settings), sim.url)
    assert isinstance(client, BilibiliClient)
    return client


def crawl(client: BilibiliClient, task: Task, *, limit: int = 50) -> list[Page]:
    """Every page of ``task``'s list, following ``next_cursor`` to the end."""
    pages: list[Page] = []
    while len(pages) < limit:
        page = PLATFORM.parse(task, client.fetch(task).payload)
        pages.append(page)
        if page.next_cursor is None:
            return pages
        task = Task(task.kind, task.target, page.next_cursor, task.owner, task.page + 1, task.ts)
    raise AssertionError(f"{task.kind.value} {task.target} did not end in {limit} pages")


def position(net: SimNetwork, predicate: Any) -> int:
    return next(i for i in range(net.n) if predicate(i))


# ------------------------------------------------------------------------------ profile
def test_profile_matches_the_network(
    http: HttpClient, bili: Simulator, sim_network: SimNetwork
) -> None:
    client = client_for(http, bili)
    net = sim_network
    for verified in ("org", "person", None):
        i = position(net, lambda j, v=verified: net.verified(j) == v)
        (page,) = crawl(client, Task(TaskKind.PROFILE, net.account_id(i)))
        (profile,) = page.profiles
        assert profile.account_id == net.account_id(i)
        assert profile.name == net.names[i]
        assert profile.followers == int(net.followers_count[i])
        assert profile.following == int(net.following_count[i])
        assert profile.verified == verified


# ---------------------------------------------------------------------- relation lists
def test_followers_stop_at_the_first_five_pages(
    http: HttpClient, bili: Simulator, sim_network: SimNetwork
) -> None:
    """Bilibili serves 5 pages of 50 of another user's followers; the rest is not seen."""
    net = sim_network
    i = position(net, lambda j: len(net.followers(j)) > CAP)
    target = net.account_id(i)
    pages = crawl(client_for(http, bili), Task(TaskKind.FOLLOWERS, target))
    assert len(pages) == PLATFORM.max_pages[TaskKind.FOLLOWERS] == 5
    assert all(len(p.follows) == 50 for p in pages)
    seen = [f for p in pages for f in p.follows]
    assert seen == [(net.account_id(int(j)), target) for j in net.followers(i)[:CAP]]
    assert {p.total for p in pages} == {len(net.followers(i))}  # the declared total: coverage


def test_page_six_is_refused_and_read_as_the_end(
    http: HttpClient, bili: Simulator, sim_network: SimNetwork
) -> None:
    net = sim_network
    i = position(net, lambda j: len(net.followers(j)) > CAP)
    task = Task(TaskKind.FOLLOWERS, net.account_id(i), cursor="6")
    fetched = client_for(http, bili).fetch(task)
    assert fetched.payload == {"code": 22007, "message": "限制只访问前5页", "ttl": 1}
    assert PLATFORM.parse(task, fetched.payload) == Page()


def test_short_follower_list_is_complete(
    http: HttpClient, bili: Simulator, sim_network: SimNetwork
) -> None:
    net = sim_network
    i = max(
        (j for j in range(net.n) if len(net.followers(j)) <= CAP),
        key=lambda j: len(net.followers(j)),
    )
    target = net.account_id(i)
    pages = crawl(client_for(http, bili), Task(TaskKind.FOLLOWERS, target))
    assert len(pages) == -(-len(net.followers(i)) // 50)
    seen = [f for p in pages for f in p.follows]
    assert seen == [(net.account_id(int(j)), target) for j in net.followers(i)]
    verified = {p.account_id: p.verified for page in pages for p in page.profiles}
    assert verified == {net.account_id(int(j)): net.verified(int(j)) for j in net.followers(i)}


def test_following_list(http: HttpClient, bili: Simulator, sim_network: SimNetwork) -> None:
    net = sim_network
    i = max(range(net.n), key=lambda j: len(net.following(j)))
    target = net.account_id(i)
    pages = crawl(client_for(http, bili), Task(TaskKind.FOLLOWING, target))
    assert len(pages) > 1
    seen = [f for p in pages for f in p.follows]
    assert seen == [(target, net.account_id(int(j))) for j in net.following(i)]


# ------------------------------------------------------------------------ posts, reposts
def test_posts_page_through_a_timeline(http: HttpClient) -> None:
    net = SimNetwork(2_000, seed=3)  # has timelines longer than one page
    i = max(range(net.n), key=lambda j: len(net.timeline(j)))
    assert len(net.timeline(i)) > FEED_PAGE_SIZE
    with Simulator(net, platforms=[SIM], retry_after=0.0) as sim:
        pages = crawl(client_for(http, sim), Task(TaskKind.POSTS, net.account_id(i)))
    assert [len(p.posts) for p in pages] == [FEED_PAGE_SIZE, len(net.timeline(i)) - 12]
    got = [(p.post_id, p.author, p.ts, p.reposts) for page in pages for p in page.posts]
    want = [(p.post_id, net.account_id(p.author), p.ts, p.reposts) for p in net.timeline(i)]
    assert got == want


def test_reposts_equal_the_network(
    http: HttpClient, bili: Simulator, sim_network: SimNetwork
) -> None:
    net = sim_network
    client = client_for(http, bili)
    posts = [p for p in net.posts if p.reposts > 0]
    assert max(p.reposts for p in posts) > REPOST_PAGE_SIZE  # paging is exercised
    for post in posts:
        owner = net.account_id(post.author)
        pages = crawl(client, Task(TaskKind.REPOSTS, post.post_id, owner=owner, ts=post.ts))
        users, times = net.reposts(post.post_id)
        got = [(r.reposter, r.author, r.post_id, r.ts) for p in pages for r in p.reposts]
        want = [
            (net.account_id(int(u)), owner, post.post_id, int(t))
            for u, t in zip(users, times, strict=True)
        ]
        assert got == want
        assert {p.total for p in pages} == {post.reposts}


# ------------------------------------------------------------------- credentials, ids
def test_missing_cookie_is_refused_before_any_request(http: HttpClient, bili: Simulator) -> None:
    client = client_for(http, bili, bilibili_cookie=None)
    with pytest.raises(AccessDenied) as info:
        client.fetch(Task(TaskKind.PROFILE, "1000000000"))
    assert "KOLGRAPH_BILIBILI_COOKIE" in str(info.value)
    assert http.stats.requests == 0


def test_expired_cookie_is_access_denied(http: HttpClient, bili: Simulator) -> None:
    client = client_for(http, bili, bilibili_cookie=SecretStr("SESSDATA=expired-123"))
    with pytest.raises(AccessDenied, match=r"code -101 '账号未登录'") as info:
        client.fetch(Task(TaskKind.FOLLOWERS, "1000000000"))
    assert "KOLGRAPH_BILIBILI_COOKIE" in (info.value.hint or "")
    assert http.stats.retries == 0


def test_bare_cookie_value_is_sent_as_sessdata(http: HttpClient, bili: Simulator) -> None:
    client = client_for(http, bili, bilibili_cookie=SecretStr("abc123"))
    assert client.cookie() == "SESSDATA=abc123"
    (page,) = crawl(client, Task(TaskKind.PROFILE, "1000000000"))
    assert [p.account_id for p in page.profiles] == ["1000000000"]


def test_cookie_without_sessdata_is_access_denied(http: HttpClient, bili: Simulator) -> None:
    client = client_for(http, bili, bilibili_cookie=SecretStr("buvid3=abc"))
    with pytest.raises(AccessDenied):
        client.fetch(Task(TaskKind.PROFILE, "1000000000"))


@pytest.mark.parametrize(
    "task",
    [
        Task(TaskKind.PROFILE, "1999999999"),
        Task(TaskKind.FOLLOWERS, "1999999999"),
        Task(TaskKind.FOLLOWING, "1999999999"),
        Task(TaskKind.POSTS, "1999999999"),
        Task(TaskKind.REPOSTS, "5999999999999", owner="1000000000", ts=1),
    ],
    ids=lambda t: t.kind.value,
)
def test_unknown_id_is_not_found(http: HttpClient, bili: Simulator, task: Task) -> None:
    with pytest.raises(NotFound, match=r"code -404 '啥都木有'"):
        client_for(http, bili).fetch(task)


def test_cursor_maps_to_the_paging_parameter(http: HttpClient, bili: Simulator) -> None:
    client = client_for(http, bili)
    fetched = client.fetch(Task(TaskKind.FOLLOWING, "1000000000", cursor="3"))
    assert "pn=3" in fetched.url and "ps=50" in fetched.url
    fetched = client.fetch(Task(TaskKind.REPOSTS, "5000000000004", cursor="0:7", owner="1"))
    assert "offset=0%3A7" in fetched.url
    with pytest.raises(InputError, match=r"a relation-list cursor is a page number"):
        client.fetch(Task(TaskKind.FOLLOWERS, "1000000000", cursor="0"))
    with pytest.raises(InputError, match=r"bilibili has no quotes list"):
        client.fetch(Task(TaskKind.QUOTES, "5000000000004", owner="1000000000"))


def test_base_url_replaces_both_hosts(http: HttpClient) -> None:
    real = BilibiliClient(http, http.settings, None)
    local = BilibiliClient(http, http.settings, "http://127.0.0.1:9/")
    assert real.url(TaskKind.PROFILE) == "https://api.bilibili.com/x/web-interface/card"
    assert real.url(TaskKind.REPOSTS) == (
        "https://api.vc.bilibili.com/dynamic_repost/v1/dynamic_repost/repost_detail"
    )
    for kind in PLATFORM.account_tasks + PLATFORM.post_tasks + (TaskKind.PROFILE,):
        assert local.url(kind) == "http://127.0.0.1:9" + real.url(kind).split(".com", 1)[1]


# ------------------------------------------------------------------------------ faults
def test_throttling_is_retried_until_every_page_arrives(
    http: HttpClient, sim_network: SimNetwork
) -> None:
    net = sim_network
    i = position(net, lambda j: len(net.followers(j)) > CAP)
    post = max(net.posts, key=lambda p: p.reposts)
    owner = net.account_id(post.author)
    tasks = [
        Task(TaskKind.PROFILE, net.account_id(i)),
        Task(TaskKind.FOLLOWERS, net.account_id(i)),
        Task(TaskKind.REPOSTS, post.post_id, owner=owner, ts=post.ts),
    ]
    with Simulator(net, platforms=[SIM], retry_after=0.0) as sim:
        clean = [crawl(client_for(http, sim), t) for t in tasks]
    with Simulator(net, platforms=[SIM], fault_rate=0.5, faults=("429",), retry_after=0.0) as sim:
        faulty = [crawl(client_for(http, sim), t) for t in tasks]
        assert sim.counts["fault:429"] > 0
    assert faulty == clean
    assert http.stats.retries > 0
    assert http.stats.errors["RateLimited"] == http.stats.retries


def test_throttling_that_never_ends_raises_rate_limited(
    http: HttpClient, sim_network: SimNetwork
) -> None:
    with (
        HttpClient(http.settings.model_copy(update={"crawl_retries": 2}), seed=0) as few,
        Simulator(
            sim_network, platforms=[SIM], fault_rate=1.0, faults=("429",), retry_after=0.0
        ) as sim,
    ):
        with pytest.raises(RateLimited, match=r"HTTP 412"):
            client_for(few, sim).fetch(Task(TaskKind.PROFILE, "1000000000"))
        assert few.stats.requests == 3


def test_truncated_page_is_a_bad_page(http: HttpClient, sim_network: SimNetwork) -> None:
    with (
        Simulator(
            sim_network, platforms=[SIM], fault_rate=1.0, faults=("truncated",), retry_after=0.0
        ) as sim,
        pytest.raises(BadPage, match=r"body is not JSON"),
    ):
        client_for(http, sim).fetch(Task(TaskKind.FOLLOWERS, "1000000000"))


# ------------------------------------------------------------------ business codes
def fetched(payload: Any) -> Fetched:
    return Fetched(
        url="https://api.bilibili.com/x/relation/followers?vmid=1",
        status=200,
        payload=payload,
        text=json.dumps(payload, ensure_ascii=False),
        elapsed=0.01,
    )


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        (fixture("error_rate_limited.json"), RateLimited),
        (fixture("error_risk_control.json"), RateLimited),
        (fixture("error_too_frequent.json"), RateLimited),
        ({"code": -503, "message": "过载保护,服务暂不可用", "ttl": 1}, RateLimited),
        ({"code": -500, "message": "服务器错误", "ttl": 1}, Unavailable),
        (fixture("error_not_logged_in.json"), AccessDenied),
        ({"code": -403, "message": "访问权限不足", "ttl": 1}, Protected),
        (fixture("error_not_found.json"), NotFound),
        (fixture("error_privacy.json"), NotFound),
        ({"code": -400, "message": "请求错误", "ttl": 1}, InputError),
        ({"code": 4101999, "message": "新的错误", "ttl": 1}, BadPage),
    ],
    ids=lambda v: str(v["code"]) if isinstance(v, dict) else "",
)
def test_business_codes_map_to_typed_errors(payload: Any, error: type[KolgraphError]) -> None:
    task = Task(TaskKind.FOLLOWING, "20000001", cursor="2")
    with pytest.raises(error) as info:
        check_envelope(task, fetched(payload))
    assert type(info.value) is error
    assert f"code {payload['code']}" in info.value.message
    assert "bilibili following 20000001 (cursor '2')" in info.value.message


def test_success_and_the_page_limit_pass_the_check() -> None:
    for name in ("card.json", "followers.json", "repost_detail.json", "feed_space.json"):
        check_envelope(Task(TaskKind.PROFILE, "20000001"), fetched(fixture(name)))
    limit = fetched(fixture("error_page_limit.json"))
    check_envelope(Task(TaskKind.FOLLOWERS, "20000001", cursor="6"), limit)
    with pytest.raises(BadPage, match=r"code 22007"):
        check_envelope(Task(TaskKind.PROFILE, "20000001"), limit)
    check_envelope(Task(TaskKind.PROFILE, "20000001"), fetched([1, 2]))  # left to the parser
