"""The real Weibo client, through the shared HTTP layer, against the simulated m.weibo.cn."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from kolgraph.crawl.http import Fetched, HttpClient
from kolgraph.crawl.page import Page
from kolgraph.crawl.simulator.app import PLATFORMS
from kolgraph.crawl.simulator.network import SimNetwork
from kolgraph.crawl.simulator.routes import Route, SimRequest, SimResponse
from kolgraph.crawl.simulator.server import Simulator
from kolgraph.crawl.task import Task, TaskKind
from kolgraph.crawl.weibo import PLATFORM, WeiboClient
from kolgraph.crawl.weibo.client import MOBILE_BASE, check_answer
from kolgraph.crawl.weibo.parse import (
    FANS_MAX_PAGES,
    FANS_PAGE_SIZE,
    FOLLOWS_PAGE_SIZE,
    REPOSTS_PAGE_SIZE,
    parse,
    parse_count,
    parse_time,
)
from kolgraph.crawl.weibo.sim import EMPTY, SIM, WeiboSim, weibo_count, weibo_time
from kolgraph.errors import AccessDenied, BadPage, InputError, NotFound, RateLimited

FIXTURES = Path(__file__).parent / "fixtures"
HINT = "KOLGRAPH_WEIBO_COOKIE"
UNKNOWN_USER = "1000999999"
UNKNOWN_POST = "5000099999999"
NOWHERE = "http://127.0.0.1:9"  # for tests that must not send a request


def load(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def make(http: HttpClient, base_url: str, cookie: str | None = "SUB=test") -> WeiboClient:
    """The client as the crawler builds it (``PLATFORM.make_client``) for ``base_url``,
    with ``cookie`` as ``weibo_cookie``."""
    secret = None if cookie is None else SecretStr(cookie)
    settings = http.settings.model_copy(update={"weibo_cookie": secret})
    client = PLATFORM.make_client(http, settings, base_url)
    assert isinstance(client, WeiboClient)
    return client


def crawl(client: WeiboClient, task: Task, *, limit: int = 400) -> list[Page]:
    """Every page of ``task``'s list, following ``next_cursor`` to the end."""
    pages: list[Page] = []
    cursor: str | None = None
    for n in range(limit):
        t = Task(task.kind, task.target, cursor=cursor, owner=task.owner, page=n, ts=task.ts)
        page = parse(t, client.fetch(t).payload)
        pages.append(page)
        cursor = page.next_cursor
        if cursor is None:
            return pages
    raise AssertionError(f"{task.key} did not end within {limit} pages")


def ids(net: SimNetwork, positions: Iterable[Any]) -> list[str]:
    return [net.account_id(int(i)) for i in positions]


def most(net: SimNetwork, size: Any) -> int:
    """Position of the account with the largest ``size(i)``."""
    return max(range(net.n), key=size)


# ------------------------------------------------------------------------------ each task kind
def test_profile_is_what_the_network_holds(
    http: HttpClient, simulator: Simulator, sim_network: SimNetwork
) -> None:
    assert SIM.name == PLATFORM.name == "weibo"
    client = make(http, simulator.url)
    kinds = {sim_network.verified(i) for i in range(sim_network.n)}
    assert kinds == {"person", "org", None}
    picks = [0, 10, 399] + [
        next(i for i in range(sim_network.n) if sim_network.verified(i) == k)
        for k in ("person", "org")
    ]
    for i in picks:
        uid = sim_network.account_id(i)
        fetched = client.fetch(Task(TaskKind.PROFILE, uid))
        assert fetched.url.startswith(f"{simulator.url}/api/container/getIndex?")
        assert f"value={uid}" in fetched.url
        (profile,) = parse(Task(TaskKind.PROFILE, uid), fetched.payload).profiles
        assert profile.account_id == uid
        assert profile.name == sim_network.names[i]
        assert profile.followers == int(sim_network.followers_count[i])
        assert profile.following == int(sim_network.following_count[i])
        assert profile.posts == len(sim_network.timeline(i))
        assert profile.verified == sim_network.verified(i)


def test_profile_and_timeline_need_no_cookie(
    http: HttpClient, simulator: Simulator, sim_network: SimNetwork
) -> None:
    client = make(http, simulator.url, None)
    uid = sim_network.account_id(0)
    (profile,) = parse(
        Task(TaskKind.PROFILE, uid), client.fetch(Task(TaskKind.PROFILE, uid)).payload
    ).profiles
    assert profile.account_id == uid
    assert crawl(client, Task(TaskKind.POSTS, uid))


def test_followers_paged_to_the_end(
    http: HttpClient, simulator: Simulator, sim_network: SimNetwork
) -> None:
    net = sim_network
    i = most(net, lambda k: len(net.followers(k)))
    uid = net.account_id(i)
    pages = crawl(make(http, simulator.url), Task(TaskKind.FOLLOWERS, uid))
    follows = [edge for page in pages for edge in page.follows]
    assert follows == [(f, uid) for f in ids(net, net.followers(i))]
    assert len(pages) == math.ceil(len(net.followers(i)) / FANS_PAGE_SIZE) > 1
    assert all(len(p.follows) <= FANS_PAGE_SIZE for p in pages)
    # every listed fan comes with its declared counts
    first = pages[0].profiles[0]
    j = net.index(first.account_id)
    assert j is not None and first.followers == int(net.followers_count[j])


def test_followers_stop_at_the_250_page_cap(http: HttpClient, sim_network: SimNetwork) -> None:
    """Weibo serves 250 fan pages (≈5,000 fans at 20 a page); with one fan a page
    the simulator reaches the cap and the crawl gets exactly the newest 250 fans."""
    net = sim_network
    i = most(net, lambda k: len(net.followers(k)))
    assert len(net.followers(i)) > FANS_MAX_PAGES
    assert PLATFORM.max_pages[TaskKind.FOLLOWERS] == FANS_MAX_PAGES == 250
    uid = net.account_id(i)
    with Simulator(net, platforms=[WeiboSim(fans_page_size=1)], retry_after=0.0) as sim:
        client = make(http, sim.url)
        pages = crawl(client, Task(TaskKind.FOLLOWERS, uid))
        assert len(pages) == FANS_MAX_PAGES
        follows = [edge for page in pages for edge in page.follows]
        assert follows == [(f, uid) for f in ids(net, net.followers(i)[:FANS_MAX_PAGES])]
        # past the cap Weibo answers "nothing here yet"
        beyond = Task(TaskKind.FOLLOWERS, uid, cursor=str(FANS_MAX_PAGES + 1))
        fetched = client.fetch(beyond)
        assert fetched.payload == EMPTY
        assert parse(beyond, fetched.payload) == Page()


def test_following_paged_to_the_end(
    http: HttpClient, simulator: Simulator, sim_network: SimNetwork
) -> None:
    net = sim_network
    i = most(net, lambda k: len(net.following(k)))
    uid = net.account_id(i)
    pages = crawl(make(http, simulator.url), Task(TaskKind.FOLLOWING, uid))
    assert [e for p in pages for e in p.follows] == [(uid, f) for f in ids(net, net.following(i))]
    assert len(pages) == math.ceil(len(net.following(i)) / FOLLOWS_PAGE_SIZE) > 1


def test_posts_paged_to_the_end(http: HttpClient, sim_network: SimNetwork) -> None:
    net = sim_network
    i = most(net, lambda k: len(net.timeline(k)))
    uid = net.account_id(i)
    timeline = net.timeline(i)
    assert len(timeline) > 2
    with Simulator(net, platforms=[WeiboSim(timeline_page_size=2)], retry_after=0.0) as sim:
        pages = crawl(make(http, sim.url), Task(TaskKind.POSTS, uid))
    posts = [p for page in pages for p in page.posts]
    assert [(p.post_id, p.author, p.ts, p.reposts) for p in posts] == [
        (p.post_id, uid, p.ts, p.reposts) for p in timeline
    ]
    assert len(pages) == math.ceil(len(timeline) / 2)
    assert {page.total for page in pages} == {len(timeline)}


def test_reposts_are_what_the_network_holds(
    http: HttpClient, simulator: Simulator, sim_network: SimNetwork
) -> None:
    net = sim_network
    client = make(http, simulator.url)
    busiest = max(net.posts, key=lambda p: len(net.reposts(p.post_id)[0]))
    assert len(net.reposts(busiest.post_id)[0]) > REPOSTS_PAGE_SIZE
    for post in net.posts:
        users, times = net.reposts(post.post_id)
        if len(users) == 0:
            continue
        owner = net.account_id(post.author)
        task = Task(TaskKind.REPOSTS, post.post_id, owner=owner, ts=post.ts)
        pages = crawl(client, task)
        reposts = [r for page in pages for r in page.reposts]
        assert [(r.reposter, r.ts) for r in reposts] == list(
            zip(ids(net, users), (int(t) for t in times), strict=True)
        )
        assert {(r.author, r.post_id, r.action) for r in reposts} == {
            (owner, post.post_id, "repost")
        }
        assert {page.total for page in pages} == {len(users)}
        assert len(pages) == math.ceil(len(users) / REPOSTS_PAGE_SIZE)


# ------------------------------------------------------------------------------- credentials
@pytest.mark.parametrize("kind", [TaskKind.FOLLOWERS, TaskKind.FOLLOWING, TaskKind.REPOSTS])
def test_missing_cookie_is_refused_before_any_request(http: HttpClient, kind: TaskKind) -> None:
    client = make(http, NOWHERE, None)
    target = "5000000000000" if kind is TaskKind.REPOSTS else "1000000000"
    with pytest.raises(AccessDenied) as err:
        client.fetch(Task(kind, target, owner="1000000000"))
    assert err.value.hint is not None and HINT in err.value.hint
    assert "no Weibo cookie is set" in str(err.value)
    assert http.stats.requests == 0


def test_blank_cookie_counts_as_missing(http: HttpClient) -> None:
    client = make(http, NOWHERE, "   ")
    with pytest.raises(AccessDenied, match="no Weibo cookie"):
        client.fetch(Task(TaskKind.FOLLOWERS, "1000000000"))


@pytest.mark.parametrize("kind", [TaskKind.PROFILE, TaskKind.FOLLOWERS, TaskKind.POSTS])
def test_expired_cookie_gets_the_login_wall(
    http: HttpClient, simulator: Simulator, kind: TaskKind
) -> None:
    client = make(http, simulator.url, "SUB=expired-2026; SUBP=0033")
    with pytest.raises(AccessDenied, match=r"ok=-100") as err:
        client.fetch(Task(kind, "1000000000"))
    assert err.value.hint is not None and HINT in err.value.hint


# ---------------------------------------------------------------------------- not found, input
def test_unknown_ids_are_not_found(http: HttpClient, simulator: Simulator) -> None:
    client = make(http, simulator.url)
    with pytest.raises(NotFound, match="no such account"):
        client.fetch(Task(TaskKind.PROFILE, UNKNOWN_USER))
    with pytest.raises(NotFound, match=rf"reposts of {UNKNOWN_POST} .*no such account or post"):
        client.fetch(Task(TaskKind.REPOSTS, UNKNOWN_POST, owner=UNKNOWN_USER))


def test_unknown_account_lists_look_empty(http: HttpClient, simulator: Simulator) -> None:
    """m.weibo.cn answers a list of an unknown uid like an empty list: no edges, no next page."""
    client = make(http, simulator.url)
    for kind in (TaskKind.FOLLOWERS, TaskKind.FOLLOWING, TaskKind.POSTS):
        task = Task(kind, UNKNOWN_USER)
        assert parse(task, client.fetch(task).payload) == Page()


def test_bad_targets_and_kinds_are_input_errors(http: HttpClient) -> None:
    client = make(http, NOWHERE)
    with pytest.raises(InputError, match="target 'some_nick' is not numeric"):
        client.fetch(Task(TaskKind.PROFILE, "some_nick"))
    with pytest.raises(InputError, match="cursor '2&x=1' is not numeric"):
        client.fetch(Task(TaskKind.FOLLOWING, "1000000000", cursor="2&x=1"))
    with pytest.raises(InputError, match="no 'quotes' lists"):
        client.fetch(Task(TaskKind.QUOTES, "5000000000000", owner="1000000000"))
    assert http.stats.requests == 0


def test_default_host_is_m_weibo_cn(http: HttpClient) -> None:
    assert WeiboClient(http, http.settings, None).base == MOBILE_BASE == "https://m.weibo.cn"
    assert WeiboClient(http, http.settings, "http://sim:1/").base == "http://sim:1"


# ------------------------------------------------------------------------------------- faults
def test_throttling_is_retried(http: HttpClient, sim_network: SimNetwork) -> None:
    net = sim_network
    i = most(net, lambda k: len(net.followers(k)))
    uid = net.account_id(i)
    with Simulator(net, PLATFORMS, fault_rate=0.5, faults=("429",), retry_after=0.0, seed=1) as sim:
        pages = crawl(make(http, sim.url), Task(TaskKind.FOLLOWERS, uid))
        assert sim.counts["fault:429"] > 0
    assert [e for p in pages for e in p.follows] == [(f, uid) for f in ids(net, net.followers(i))]
    assert http.stats.retries > 0
    assert http.stats.errors["RateLimited"] == http.stats.retries


class _BusyWeibo(WeiboSim):
    """Answers every other request with Weibo's JSON throttle (``errno`` 100005)."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def routes(self) -> Iterable[Route]:
        def busy(route: Route) -> Route:
            def handler(net: SimNetwork, req: SimRequest, m: re.Match[str]) -> SimResponse:
                self.calls += 1
                if self.calls % 2:
                    return SimResponse(200, load("rate_limited"))
                return route.handler(net, req, m)

            return Route(route.pattern, handler)

        return [busy(r) for r in super().routes()]


def test_json_throttle_is_retried(http: HttpClient, sim_network: SimNetwork) -> None:
    post = max(sim_network.posts, key=lambda p: len(sim_network.reposts(p.post_id)[0]))
    owner = sim_network.account_id(post.author)
    with Simulator(sim_network, platforms=[_BusyWeibo()], retry_after=0.0) as sim:
        pages = crawl(make(http, sim.url), Task(TaskKind.REPOSTS, post.post_id, owner=owner))
    users, _ = sim_network.reposts(post.post_id)
    assert [r.reposter for p in pages for r in p.reposts] == ids(sim_network, users)
    assert http.stats.retries == len(pages)


@pytest.mark.parametrize("fault", ["truncated", "malformed"])
def test_broken_pages_are_bad_pages(http: HttpClient, sim_network: SimNetwork, fault: str) -> None:
    with (
        Simulator(sim_network, PLATFORMS, fault_rate=1.0, faults=(fault,), retry_after=0.0) as sim,
        pytest.raises(BadPage, match="body is not JSON"),
    ):
        make(http, sim.url).fetch(Task(TaskKind.FOLLOWERS, "1000000000"))
    assert http.stats.retries == 0


# --------------------------------------------------------------------- business codes (unit)
def _fetched(payload: Any) -> Fetched:
    return Fetched(url=f"{MOBILE_BASE}/api", status=200, payload=payload, text="", elapsed=0.0)


def test_check_answer_maps_business_codes() -> None:
    fans = Task(TaskKind.FOLLOWERS, "2900000001", cursor="3")
    profile = Task(TaskKind.PROFILE, "2900000001")
    reposts = Task(TaskKind.REPOSTS, "4900000000000001", owner="2900000001")
    with pytest.raises(AccessDenied, match="wants a login") as err:
        check_answer(fans, _fetched(load("login_required")))
    assert err.value.hint is not None and HINT in err.value.hint
    with pytest.raises(RateLimited, match="errno 100005") as rl:
        check_answer(fans, _fetched(load("rate_limited")))
    assert rl.value.retry_after is None
    with pytest.raises(NotFound, match="4900000000000001"):
        check_answer(reposts, _fetched(load("post_not_found")))
    with pytest.raises(NotFound, match="no such account"):
        check_answer(profile, _fetched(load("end_of_list")))
    with pytest.raises(NotFound):
        check_answer(profile, _fetched({"ok": 0, "msg": "用户不存在"}))
    with pytest.raises(NotFound):
        check_answer(fans, _fetched({"ok": 0, "errno": "20003", "msg": "用户不存在"}))
    # a list that ends, a page, and shapes left to the parser are no errors
    fine: list[Any] = [load("end_of_list"), load("fans_page1"), load("profile"), [], {"ok": 2}]
    for payload in fine:
        check_answer(fans, _fetched(payload))
    check_answer(profile, _fetched(load("profile")))


# --------------------------------------------------------------------------- sim value shapes
@pytest.mark.parametrize(
    ("n", "shown", "read"),
    [
        (9999, 9999, 9999),
        (10_000, "1万", 10_000),
        (12_345, "1.2万", 12_000),
        (63_357_736, "6335.7万", 63_357_000),
        (123_456_789, "1.2亿", 120_000_000),
    ],
)
def test_sim_counts_read_back(n: int, shown: int | str, read: int) -> None:
    assert weibo_count(n) == shown
    assert parse_count(shown) == read


def test_sim_times_read_back(sim_network: SimNetwork) -> None:
    assert weibo_time(1795226400) == "Sat Nov 21 10:00:00 +0800 2026"
    for post in sim_network.posts:
        assert parse_time(weibo_time(post.ts)) == post.ts
