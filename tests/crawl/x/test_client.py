"""The real X client, through the shared HTTP layer, against the simulated X API."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from kolgraph.crawl.http import Fetched, HttpClient
from kolgraph.crawl.page import Page
from kolgraph.crawl.simulator.network import SimNetwork
from kolgraph.crawl.simulator.server import Simulator
from kolgraph.crawl.task import Task, TaskKind
from kolgraph.crawl.x import PLATFORM, XClient
from kolgraph.crawl.x.client import API_BASE, MAX_RESULTS, check_answer
from kolgraph.crawl.x.parse import parse
from kolgraph.crawl.x.sim import SIM
from kolgraph.errors import AccessDenied, BadPage, InputError, NotFound, QuotaExceeded, RateLimited

FIXTURES = Path(__file__).parent / "fixtures"
HINT = "KOLGRAPH_X_BEARER_TOKEN"
UNKNOWN_USER = "1000999999"
UNKNOWN_POST = "5000099999999"


def load(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def x_sim(sim_network: SimNetwork) -> Iterator[Simulator]:
    """A fault-free simulator serving only the X endpoints (shared: it keeps no state)."""
    with Simulator(sim_network, platforms=[SIM], retry_after=0.0, stall=0.5) as sim:
        yield sim


def make(http: HttpClient, sim: Simulator, **sizes: int) -> XClient:
    return XClient(
        http, http.settings, sim.url, max_results={TaskKind(k): v for k, v in sizes.items()}
    )


def crawl(client: XClient, task: Task, *, limit: int = 200) -> list[Page]:
    """Every page of ``task``'s list, following ``next_token`` to the end."""
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


def busiest_post(net: SimNetwork) -> tuple[str, str, int]:
    post = max(net.posts, key=lambda p: len(net.reposts(p.post_id)[0]))
    return post.post_id, net.account_id(post.author), post.ts


# --------------------------------------------------------------------------- each task kind
def test_profile_is_what_the_network_holds(
    http: HttpClient, x_sim: Simulator, sim_network: SimNetwork
) -> None:
    client = make(http, x_sim)
    for i in (0, 10, 399):
        uid = sim_network.account_id(i)
        fetched = client.fetch(Task(TaskKind.PROFILE, uid))
        assert fetched.url.startswith(f"{x_sim.url}/2/users/{uid}?")
        (profile,) = parse(Task(TaskKind.PROFILE, uid), fetched.payload).profiles
        assert profile.account_id == uid
        assert profile.name == sim_network.names[i]
        assert profile.followers == int(sim_network.followers_count[i])
        assert profile.following == int(sim_network.following_count[i])
        assert profile.posts == len(sim_network.timeline(i))
        assert profile.verified == sim_network.verified(i)


def test_followers_paged_to_the_end_are_the_network_list(
    http: HttpClient, x_sim: Simulator, sim_network: SimNetwork
) -> None:
    i = 0  # the most-followed account: 309 followers
    uid = sim_network.account_id(i)
    expected = [sim_network.account_id(int(j)) for j in sim_network.followers(i)]
    pages = crawl(make(http, x_sim, followers=50), Task(TaskKind.FOLLOWERS, uid))
    assert len(pages) == -(-len(expected) // 50) > 1
    assert all(len(p.follows) == 50 for p in pages[:-1])
    assert [f for p in pages for f in p.follows] == [(j, uid) for j in expected]
    assert [p.account_id for page in pages for p in page.profiles] == expected
    by_id = {p.account_id: p for page in pages for p in page.profiles}
    j = int(sim_network.followers(i)[0])
    assert by_id[sim_network.account_id(j)].followers == int(sim_network.followers_count[j])
    # the default page size (1000) takes the whole list in one request
    (whole,) = crawl(make(http, x_sim), Task(TaskKind.FOLLOWERS, uid))
    assert [f for f, _ in whole.follows] == expected


def test_following_paged_to_the_end(
    http: HttpClient, x_sim: Simulator, sim_network: SimNetwork
) -> None:
    i = 195  # follows 107 accounts
    uid = sim_network.account_id(i)
    pages = crawl(make(http, x_sim, following=20), Task(TaskKind.FOLLOWING, uid))
    assert len(pages) == 6
    expected = [(uid, sim_network.account_id(int(j))) for j in sim_network.following(i)]
    assert [f for p in pages for f in p.follows] == expected


def test_timeline_is_the_accounts_posts_newest_first(
    http: HttpClient, x_sim: Simulator, sim_network: SimNetwork
) -> None:
    authors = sorted({p.author for p in sim_network.posts})[:8]
    for i in authors:
        uid = sim_network.account_id(i)
        (page,) = crawl(make(http, x_sim), Task(TaskKind.POSTS, uid))
        assert [(p.post_id, p.author, p.ts, p.reposts) for p in page.posts] == [
            (p.post_id, uid, p.ts, p.reposts) for p in sim_network.timeline(i)
        ]


def test_timeline_pages(http: HttpClient) -> None:
    net = SimNetwork(1200, seed=3)
    i = max(range(net.n), key=lambda k: len(net.timeline(k)))
    uid = net.account_id(i)
    with Simulator(net, platforms=[SIM], retry_after=0.0) as sim:
        pages = crawl(make(http, sim, posts=5), Task(TaskKind.POSTS, uid))
    timeline = net.timeline(i)
    assert len(pages) == -(-len(timeline) // 5) > 1
    assert [p.post_id for page in pages for p in page.posts] == [p.post_id for p in timeline]


def test_retweeted_by_is_the_network_reposters(
    http: HttpClient, x_sim: Simulator, sim_network: SimNetwork
) -> None:
    post_id, author, ts = busiest_post(sim_network)
    users, _ = sim_network.reposts(post_id)
    task = Task(TaskKind.REPOSTS, post_id, owner=author, ts=ts)
    pages = crawl(make(http, x_sim, reposts=10), task)
    assert len(pages) == -(-len(users) // 10) > 1
    edges = [r for p in pages for r in p.reposts]
    assert [r.reposter for r in edges] == [sim_network.account_id(int(j)) for j in users]
    assert {(r.author, r.post_id, r.ts, r.action) for r in edges} == {
        (author, post_id, ts, "repost")
    }
    (whole,) = crawl(make(http, x_sim), task)  # 100 per page by default
    assert len(whole.reposts) == len(users)


def test_quotes_of_a_known_post_are_an_empty_list(
    http: HttpClient, x_sim: Simulator, sim_network: SimNetwork
) -> None:
    post_id, author, ts = busiest_post(sim_network)
    (page,) = crawl(make(http, x_sim), Task(TaskKind.QUOTES, post_id, owner=author, ts=ts))
    assert page == Page()


# --------------------------------------------------------------------------- credentials
def test_missing_token_is_refused_before_any_request(http: HttpClient, x_sim: Simulator) -> None:
    for token in (None, SecretStr("  ")):
        settings = http.settings.model_copy(update={"x_bearer_token": token})
        client = XClient(http, settings, x_sim.url)
        with pytest.raises(AccessDenied, match="no X API bearer token") as info:
            client.fetch(Task(TaskKind.PROFILE, "1000000000"))
        assert info.value.hint is not None and HINT in info.value.hint
    assert http.stats.requests == 0


def test_expired_token_is_access_denied_with_a_hint(http: HttpClient, x_sim: Simulator) -> None:
    settings = http.settings.model_copy(update={"x_bearer_token": SecretStr("expired-abc")})
    client = XClient(http, settings, x_sim.url)
    with pytest.raises(AccessDenied, match="Unauthorized") as info:
        client.fetch(Task(TaskKind.FOLLOWERS, "1000000000"))
    assert info.value.hint is not None and HINT in info.value.hint
    assert http.stats.retries == 0


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    "task",
    [
        Task(TaskKind.PROFILE, UNKNOWN_USER),
        Task(TaskKind.FOLLOWERS, UNKNOWN_USER),
        Task(TaskKind.FOLLOWING, UNKNOWN_USER),
        Task(TaskKind.POSTS, UNKNOWN_USER),
        Task(TaskKind.REPOSTS, UNKNOWN_POST, owner="1000000000", ts=1),
        Task(TaskKind.QUOTES, UNKNOWN_POST, owner="1000000000"),
    ],
)
def test_unknown_id_is_not_found(http: HttpClient, x_sim: Simulator, task: Task) -> None:
    with pytest.raises(NotFound, match=f"x {task.kind.value} {task.target}: Could not find"):
        make(http, x_sim).fetch(task)
    assert http.stats.retries == 0


@pytest.mark.parametrize(
    ("task", "message"),
    [
        (Task(TaskKind.PROFILE, "@mira"), "numeric strings"),
        (Task(TaskKind.REPOSTS, "5000000000001", ts=1), "needs the post's author"),
        (Task(TaskKind.QUOTES, "5000000000001"), "needs the post's author"),
        (Task(TaskKind.REPOSTS, "5000000000001", owner="1000000000"), "needs the post's time"),
    ],
)
def test_malformed_task_is_refused_before_any_request(
    http: HttpClient, x_sim: Simulator, task: Task, message: str
) -> None:
    with pytest.raises(InputError, match=message):
        make(http, x_sim).fetch(task)
    assert http.stats.requests == 0


def test_page_sizes_outside_the_api_bounds_are_refused(http: HttpClient) -> None:
    for kind, size in [(TaskKind.FOLLOWERS, 1001), (TaskKind.POSTS, 4), (TaskKind.QUOTES, 9)]:
        with pytest.raises(InputError, match="outside the API's bounds"):
            XClient(http, http.settings, None, max_results={kind: size})
    with pytest.raises(InputError, match="not a paged list"):
        XClient(http, http.settings, None, max_results={TaskKind.PROFILE: 1})


def test_requests_hit_the_real_endpoints(http: HttpClient) -> None:
    client = XClient(http, http.settings, None)
    assert client.base_url == API_BASE == "https://api.x.com"
    url, params = client.request_for(Task(TaskKind.FOLLOWERS, "12", cursor="abc"))
    assert url == "https://api.x.com/2/users/12/followers"
    assert params == {
        "max_results": 1000,
        "user.fields": "public_metrics,verified,verified_type,name,username",
        "pagination_token": "abc",
    }
    url, params = client.request_for(Task(TaskKind.POSTS, "12"))
    assert url == "https://api.x.com/2/users/12/tweets"
    assert params["max_results"] == 100 and params["exclude"] == "retweets"
    assert params["tweet.fields"] == "created_at,public_metrics,author_id"
    url, _ = client.request_for(Task(TaskKind.REPOSTS, "34", owner="12", ts=1))
    assert url == "https://api.x.com/2/tweets/34/retweeted_by"
    url, params = client.request_for(Task(TaskKind.QUOTES, "34", owner="12"))
    assert url == "https://api.x.com/2/tweets/34/quote_tweets"
    assert params["expansions"] == "author_id" and params["max_results"] == 100
    url, params = XClient(http, http.settings, "http://127.0.0.1:9/").request_for(
        Task(TaskKind.PROFILE, "12")
    )
    assert url == "http://127.0.0.1:9/2/users/12" and "max_results" not in params
    assert MAX_RESULTS[TaskKind.FOLLOWERS] == 1000


# --------------------------------------------------------------------------- faults
def test_rate_limits_are_retried_until_every_page_arrives(
    http: HttpClient, sim_network: SimNetwork
) -> None:
    i = 0
    uid = sim_network.account_id(i)
    with Simulator(
        sim_network, platforms=[SIM], fault_rate=0.5, faults=("429",), retry_after=0.0
    ) as sim:
        pages = crawl(make(http, sim, followers=40), Task(TaskKind.FOLLOWERS, uid))
        assert sim.counts["fault:429"] > 0
    expected = [(sim_network.account_id(int(j)), uid) for j in sim_network.followers(i)]
    assert [f for p in pages for f in p.follows] == expected
    assert http.stats.retries > 0
    assert http.stats.errors["RateLimited"] == http.stats.retries


def test_truncated_page_is_a_bad_page(http: HttpClient, sim_network: SimNetwork) -> None:
    with (
        Simulator(
            sim_network, platforms=[SIM], fault_rate=1.0, faults=("truncated",), retry_after=0.0
        ) as sim,
        pytest.raises(BadPage, match="not JSON") as info,
    ):
        make(http, sim).fetch(Task(TaskKind.FOLLOWERS, "1000000000"))
    assert info.value.raw.startswith('{"data":[')


def test_simulator_refuses_what_the_api_refuses(http: HttpClient, x_sim: Simulator) -> None:
    headers = {"Authorization": "Bearer test-token"}
    base = f"{x_sim.url}/2/users/1000000000"
    cases: list[tuple[str, dict[str, str | int]]] = [
        (f"{base}/followers", {"max_results": 1001}),
        (f"{base}/tweets", {"max_results": 4}),
        (f"{base}/followers", {"pagination_token": "not-a-token"}),
        (f"{x_sim.url}/2/users/mira", {}),
    ]
    for url, params in cases:
        with pytest.raises(InputError, match=r"HTTP 400.*Invalid Request"):
            http.request("GET", url, params=params, headers=headers)


def test_simulator_sends_only_the_fields_asked_for(http: HttpClient, x_sim: Simulator) -> None:
    headers = {"Authorization": "Bearer test-token"}
    url = f"{x_sim.url}/2/users/1000000000/followers"
    bare = http.request("GET", url, params={"max_results": 2}, headers=headers).payload
    assert set(bare["data"][0]) == {"id", "name", "username"}
    assert set(bare["meta"]) == {"result_count", "next_token"}
    (profile, _) = parse(Task(TaskKind.FOLLOWERS, "1000000000"), bare).profiles
    assert profile.followers is None and profile.verified is None
    token = bare["meta"]["next_token"]
    second = http.request(
        "GET", url, params={"max_results": 2, "pagination_token": token}, headers=headers
    ).payload
    assert set(second["meta"]) == {"result_count", "next_token", "previous_token"}
    timeline = http.request(
        "GET", f"{x_sim.url}/2/users/1000000008/tweets", params={}, headers=headers
    ).payload
    assert set(timeline["data"][0]) == {"id", "text", "edit_history_tweet_ids"}
    assert {"newest_id", "oldest_id", "result_count"} <= set(timeline["meta"])


def test_rate_limit_and_expired_answers_have_the_real_shape() -> None:
    resp = SIM.rate_limited(30.0)
    assert resp.status == 429
    assert resp.body == load("error_429")
    reset = int(resp.headers["x-rate-limit-reset"])
    assert time.time() + 29 <= reset <= time.time() + 31
    assert resp.headers["x-rate-limit-remaining"] == "0"
    now = SIM.rate_limited(0.0)
    assert int(now.headers["x-rate-limit-reset"]) <= time.time()
    expired = SIM.expired()
    assert (expired.status, expired.body) == (401, load("error_401"))


def test_simulator_checks_the_bearer_token(x_sim: Simulator) -> None:
    url = f"{x_sim.url}/2/users/1000000000"
    for headers, status in [
        ({}, 401),
        ({"Authorization": "Bearer"}, 401),
        ({"Authorization": "Basic abc"}, 401),
        ({"Authorization": "Bearer expired"}, 401),
        ({"Authorization": "Bearer AAAA%2Fabc"}, 200),
    ]:
        assert httpx.get(url, headers=headers).status_code == status


# --------------------------------------------------------------------------- business check
def _fetched(payload: Any) -> Fetched:
    return Fetched(url="https://api.x.com/2/x", status=200, payload=payload, text="", elapsed=0.0)


@pytest.mark.parametrize(
    ("fixture", "error", "message"),
    [
        ("user_not_found", NotFound, r"Could not find user with id"),
        ("user_suspended", NotFound, r"User has been suspended"),
        ("tweet_not_found", NotFound, r"Could not find tweet with id"),
        ("followers_protected", AccessDenied, r"not authorized to see the user"),
        ("error_429", RateLimited, r"Too Many Requests"),
        ("error_429_usage_capped", QuotaExceeded, r"Usage cap exceeded"),
        ("error_401", AccessDenied, r"Unauthorized"),
        ("error_403_client_forbidden", AccessDenied, r"attached to a Project"),
        ("error_400_invalid_request", InputError, r"invalid-request"),
    ],
)
def test_check_maps_error_answers(fixture: str, error: type[Exception], message: str) -> None:
    task = Task(TaskKind.FOLLOWERS, "1480000000000000777", cursor="tok")
    with pytest.raises(error, match=message) as info:
        check_answer(task, _fetched(load(fixture)))
    assert "x followers 1480000000000000777 (pagination_token tok)" in str(info.value)


@pytest.mark.parametrize(
    "fixture", ["user", "followers", "followers_last", "followers_empty", "tweets", "quote_tweets"]
)
def test_check_passes_data(fixture: str) -> None:
    check_answer(Task(TaskKind.FOLLOWERS, "1"), _fetched(load(fixture)))


def test_check_ignores_partial_errors_next_to_data() -> None:
    payload = load("followers")
    payload["errors"] = load("tweet_not_found")["errors"]
    check_answer(Task(TaskKind.FOLLOWERS, "1"), _fetched(payload))


def test_platform_client_factory(http: HttpClient, x_sim: Simulator) -> None:
    client = PLATFORM.make_client(http, http.settings, x_sim.url)
    task = Task(TaskKind.PROFILE, "1000000000")
    page = PLATFORM.parse(task, client.fetch(task).payload)
    assert page.profiles[0].account_id == "1000000000"
