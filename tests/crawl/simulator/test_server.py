"""The simulator server: seeded fault injection, fault responses, stats and routing.

Most cases call :meth:`Simulator.handle` directly (no sockets); a few go
through real HTTP on 127.0.0.1 to check what a client actually receives.
The X endpoints serve as the example platform.
"""

from __future__ import annotations

import contextlib
import json
import math
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator

import httpx
import pytest

from kolgraph.crawl.simulator.network import SimNetwork
from kolgraph.crawl.simulator.routes import SimRequest, SimResponse
from kolgraph.crawl.simulator.server import DEFAULT_FAULTS, FAULT_KINDS, Simulator
from kolgraph.crawl.x.sim import SIM
from kolgraph.errors import InputError

AUTH = {"authorization": "Bearer t"}
Make = Callable[..., Simulator]


def user_request(net: SimNetwork, i: int = 0, token: str = "t") -> SimRequest:
    return SimRequest(
        method="GET",
        path=f"/2/users/{net.account_id(i)}",
        query={"user.fields": "public_metrics"},
        headers={"authorization": f"Bearer {token}"},
    )


def sim(net: SimNetwork, **kw: object) -> Simulator:
    """An X-only simulator (not started: :meth:`Simulator.handle` needs no socket)."""
    return Simulator(net, platforms=[SIM], **kw)  # type: ignore[arg-type]


@pytest.fixture
def make(sim_network: SimNetwork) -> Iterator[Make]:
    """Build X-only simulators that are closed after the test."""
    made: list[Simulator] = []

    def build(**kw: object) -> Simulator:
        s = sim(sim_network, **kw)
        made.append(s)
        return s

    yield build
    for s in made:
        s.stop()


def statuses(s: Simulator, net: SimNetwork, n: int) -> list[int]:
    return [s.handle(user_request(net, i % net.n))[0].status for i in range(n)]


# --------------------------------------------------------------------------- fault draw
def test_fault_draws_are_reproducible_for_a_seed(make: Make, sim_network: SimNetwork) -> None:
    net = sim_network
    kinds = list(FAULT_KINDS)
    a = make(fault_rate=0.4, faults=kinds, seed=123, stall=0.0)
    b = make(fault_rate=0.4, faults=kinds, seed=123, stall=0.0)
    c = make(fault_rate=0.4, faults=kinds, seed=124, stall=0.0)
    sa, sb, sc = statuses(a, net, 200), statuses(b, net, 200), statuses(c, net, 200)
    assert sa == sb
    assert sa != sc
    assert a.counts == b.counts
    assert 40 < sum(st != 200 for st in sa) < 120  # about 40 % of 200 fail


def test_fault_rate_zero_never_faults(make: Make, sim_network: SimNetwork) -> None:
    s = make(fault_rate=0.0, faults=list(FAULT_KINDS))
    assert set(statuses(s, sim_network, 300)) == {200}
    assert s.counts == Counter({"requests": 300})


def test_fault_rate_one_always_faults_and_draws_every_kind(
    make: Make, sim_network: SimNetwork
) -> None:
    s = make(fault_rate=1.0, faults=list(FAULT_KINDS), seed=5, stall=0.0)
    for i in range(700):
        s.handle(user_request(sim_network, i % sim_network.n))
    kinds = Counter({k.removeprefix("fault:"): v for k, v in s.counts.items() if ":" in k})
    assert sum(kinds.values()) == 700 == s.counts["requests"]
    assert set(kinds) == set(FAULT_KINDS)
    assert min(kinds.values()) > 50  # drawn uniformly: 100 each on average


def test_default_faults_leave_out_expired(make: Make) -> None:
    s = make(fault_rate=1.0)
    assert s.faults == DEFAULT_FAULTS
    assert "expired" not in s.faults
    assert set(DEFAULT_FAULTS) < set(FAULT_KINDS)


# --------------------------------------------------------------------------- fault kinds
def one_fault(make: Make, kind: str, **kw: object) -> Simulator:
    return make(fault_rate=1.0, faults=[kind], **kw)


def test_fault_429_is_the_platforms_rate_limit(make: Make, sim_network: SimNetwork) -> None:
    s = one_fault(make, "429", retry_after=30.0)
    before = time.time()
    resp, stall = s.handle(user_request(sim_network))
    assert (resp.status, stall) == (429, 0.0)
    assert resp.body["title"] == "Too Many Requests"
    assert resp.headers["x-rate-limit-remaining"] == "0"
    reset = int(resp.headers["x-rate-limit-reset"])  # X announces a unix time
    assert before + 30 <= reset <= math.ceil(time.time() + 30)
    assert s.counts == Counter({"requests": 1, "fault:429": 1})


@pytest.mark.parametrize("kind", ["500", "503"])
def test_fault_server_errors(make: Make, sim_network: SimNetwork, kind: str) -> None:
    resp, stall = one_fault(make, kind).handle(user_request(sim_network))
    assert (resp.status, stall) == (int(kind), 0.0)
    assert resp.body == {"error": "server error"}


def test_fault_timeout_stalls_then_answers_504(make: Make, sim_network: SimNetwork) -> None:
    resp, stall = one_fault(make, "timeout", stall=12.5).handle(user_request(sim_network))
    assert resp.status == 504
    assert stall == 12.5


def test_fault_truncated_cuts_the_real_body(make: Make, sim_network: SimNetwork) -> None:
    real, _ = make().handle(user_request(sim_network, 3))
    full = real.encode()
    json.loads(full)  # the unfaulted answer is JSON
    resp, stall = one_fault(make, "truncated").handle(user_request(sim_network, 3))
    cut = resp.encode()
    assert (resp.status, stall) == (200, 0.0)
    assert full.startswith(cut)
    assert 0 < len(cut) < len(full)
    with pytest.raises(json.JSONDecodeError):
        json.loads(cut)


def test_fault_malformed_is_an_html_page(make: Make, sim_network: SimNetwork) -> None:
    resp, _ = one_fault(make, "malformed").handle(user_request(sim_network))
    assert resp.status == 200
    assert resp.headers["Content-Type"] == "text/html"
    assert resp.encode().startswith(b"<html>")
    with pytest.raises(json.JSONDecodeError):
        json.loads(resp.encode())


def test_fault_expired_is_the_platforms_auth_error(make: Make, sim_network: SimNetwork) -> None:
    resp, _ = one_fault(make, "expired").handle(user_request(sim_network))
    assert resp.status == 401
    assert resp.body["title"] == "Unauthorized"
    assert resp == SIM.expired()


def test_bad_credentials_are_refused_without_a_fault(make: Make, sim_network: SimNetwork) -> None:
    s = make()
    assert s.handle(user_request(sim_network, token="expired"))[0].status == 401
    no_auth = SimRequest("GET", f"/2/users/{sim_network.account_id(0)}", {}, {})
    assert s.handle(no_auth)[0].status == 401
    assert s.handle(user_request(sim_network))[0].status == 200
    assert s.counts == Counter({"requests": 3})


# --------------------------------------------------------------------------- over HTTP
def test_http_round_trip_stats_and_404(sim_network: SimNetwork) -> None:
    kinds = ["429", "500", "503", "truncated", "malformed"]
    with (
        Simulator(sim_network, platforms=[SIM], fault_rate=0.5, faults=kinds, seed=9) as s,
        httpx.Client(base_url=s.url, headers=AUTH) as client,
    ):
        got = Counter[int]()
        bodies_ok = 0
        for i in range(40):
            r = client.get(f"/2/users/{sim_network.account_id(i)}")
            got[r.status_code] += 1
            if r.headers["content-type"].startswith("application/json"):
                with contextlib.suppress(json.JSONDecodeError):  # a truncated body
                    bodies_ok += "data" in r.json()
        missing = client.get("/nope/nothing")
        stats = client.get("/__sim/stats").json()
        again = client.get("/__sim/stats").json()
    assert missing.status_code == 404
    assert missing.json() == {"error": "no route for /nope/nothing"}
    assert stats == again  # reading the stats is not a request to the platform
    assert stats["requests"] == 40
    assert stats["not_found"] == 1
    faults = {k.removeprefix("fault:"): v for k, v in stats.items() if k.startswith("fault:")}
    assert set(faults) <= set(kinds)
    assert sum(faults.values()) == 40 - bodies_ok
    assert got[429] == faults.get("429", 0)
    assert got[500] == faults.get("500", 0)
    assert got[503] == faults.get("503", 0)
    assert got[200] == 40 - got[429] - got[500] - got[503]
    assert 5 < sum(faults.values()) < 35


def test_http_faults_are_reproducible(sim_network: SimNetwork) -> None:
    def run(seed: int) -> list[tuple[int, bytes]]:
        with (
            Simulator(
                sim_network,
                platforms=[SIM],
                fault_rate=0.5,
                faults=DEFAULT_FAULTS,
                seed=seed,
                stall=0.0,
            ) as s,
            httpx.Client(base_url=s.url, headers=AUTH) as client,
        ):
            return [
                (r.status_code, r.content)
                for r in (client.get(f"/2/users/{sim_network.account_id(i)}") for i in range(25))
            ]

    first, second = run(1), run(1)
    assert first == second
    assert any(st != 200 for st, _ in first)


def test_http_faults_as_a_client_sees_them(sim_network: SimNetwork) -> None:
    with (
        Simulator(sim_network, platforms=[SIM], fault_rate=1.0, faults=["malformed"]) as s,
        httpx.Client(base_url=s.url, headers=AUTH) as client,
    ):
        r = client.get(f"/2/users/{sim_network.account_id(0)}")
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/html"
    assert int(r.headers["content-length"]) == len(r.content)
    assert b"Bad Gateway" in r.content


def test_http_timeout_fault_stalls(sim_network: SimNetwork) -> None:
    with (
        Simulator(sim_network, platforms=[SIM], fault_rate=1.0, faults=["timeout"], stall=0.3) as s,
        httpx.Client(base_url=s.url, headers=AUTH, timeout=0.05) as client,
        pytest.raises(httpx.ReadTimeout),
    ):
        client.get(f"/2/users/{sim_network.account_id(0)}")


def test_http_passes_query_and_headers(sim_network: SimNetwork) -> None:
    with (
        Simulator(sim_network, platforms=[SIM]) as s,
        httpx.Client(base_url=s.url) as client,
    ):
        uid = sim_network.account_id(7)
        r = client.get(
            f"/2/users/{uid}",
            params={"user.fields": "public_metrics"},
            headers={"AUTHORIZATION": "Bearer t"},  # header names are case-insensitive
        )
        denied = client.get(f"/2/users/{uid}")
    assert r.status_code == 200
    data = r.json()["data"]
    assert data["id"] == uid
    assert data["public_metrics"]["followers_count"] == int(sim_network.followers_count[7])
    assert denied.status_code == 401


# --------------------------------------------------------------------------- validation
@pytest.mark.parametrize("faults", [["418"], ["429", "oops"], "429", []])
def test_invalid_fault_kinds(sim_network: SimNetwork, faults: list[str] | str) -> None:
    with pytest.raises(InputError, match="fault kinds") as info:
        Simulator(sim_network, platforms=[SIM], faults=faults)
    assert info.value.hint is not None
    assert "expired" in info.value.hint  # the valid kinds are listed


@pytest.mark.parametrize("rate", [-0.1, 1.5, math.nan])
def test_invalid_fault_rate(sim_network: SimNetwork, rate: float) -> None:
    with pytest.raises(InputError, match="fault rate"):
        Simulator(sim_network, platforms=[SIM], fault_rate=rate)


def test_stop_without_start_returns(sim_network: SimNetwork) -> None:
    s = sim(sim_network)
    t = threading.Thread(target=s.stop, daemon=True)
    t.start()
    t.join(timeout=5)
    assert not t.is_alive(), "stop() of a simulator that never served hung"
    s.stop()  # twice is fine


def test_url_names_the_bound_port(sim_network: SimNetwork) -> None:
    with Simulator(sim_network, platforms=[SIM]) as s:
        assert s.url.startswith("http://127.0.0.1:")
        assert int(s.url.rsplit(":", 1)[1]) > 0


# --------------------------------------------------------------------------- request/response
def test_sim_request_int_arg() -> None:
    req = SimRequest("GET", "/", {"n": "7", "bad": "x"}, {})
    assert req.int_arg("n", 1) == 7
    assert req.int_arg("bad", 3) == 3
    assert req.int_arg("missing", 5) == 5


def test_sim_response_encode() -> None:
    assert SimResponse(body={"a": "中"}).encode() == '{"a":"中"}'.encode()
    assert SimResponse(body={"a": 1}, raw=b"raw").encode() == b"raw"
    assert SimResponse().status == 200
