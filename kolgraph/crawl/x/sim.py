"""The X API v2 as the simulator plays it: real paths, field selection, paging and errors.

Served from a :class:`~kolgraph.crawl.simulator.network.SimNetwork`:

* ``GET /2/users/{id}``, ``/2/users/{id}/followers``, ``/2/users/{id}/following``,
  ``/2/users/{id}/tweets``, ``/2/tweets/{id}/retweeted_by`` and
  ``/2/tweets/{id}/quote_tweets``, each with the real response nesting
  (``data`` / ``includes`` / ``meta`` with ``result_count``, ``next_token``,
  ``previous_token``, ``newest_id`` / ``oldest_id`` on timelines);
* objects carry the default fields (users: ``id``, ``name``, ``username``;
  tweets: ``id``, ``text``, ``edit_history_tweet_ids``) plus only the
  ``user.fields`` / ``tweet.fields`` asked for;
* ``max_results`` defaults and bounds per endpoint as documented (out of
  bounds, a bad id or a bad ``pagination_token`` → HTTP 400
  ``invalid-request``); ``pagination_token`` is opaque;
* an unknown account or post → HTTP 200 with only an ``errors`` array
  (``resource-not-found``), as the real API answers;
* no or an ``expired`` bearer token → HTTP 401 problem JSON; "slow down" →
  HTTP 429 with ``x-rate-limit-limit``, ``x-rate-limit-remaining: 0`` and
  ``x-rate-limit-reset`` (unix seconds).

The simulated network has no quote posts, so ``quote_tweets`` of every
known post is an empty list (``{"meta": {"result_count": 0}}``). Verified
KOLs are served with ``verified_type`` ``blue``, verified media and brand
accounts with ``business``.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from kolgraph.crawl.simulator.network import I64, SimNetwork, SimPost
from kolgraph.crawl.simulator.routes import Handler, Route, SimRequest, SimResponse

__all__ = ["SIM", "XSim"]

PROBLEMS = "https://api.x.com/2/problems"

#: ``(default, min, max)`` of ``max_results`` per list endpoint.
_PAGE = {
    "followers": (100, 1, 1000),
    "following": (100, 1, 1000),
    "tweets": (10, 5, 100),
    "retweeted_by": (100, 1, 100),
    "quote_tweets": (10, 10, 100),
}
#: How many of an account's most recent tweets the timeline can reach.
TIMELINE_CAP = 3200
#: Requests per 15-minute window announced in ``x-rate-limit-limit``.
WINDOW_LIMIT = 15

_USER_FIELDS = ("created_at", "protected", "public_metrics", "verified", "verified_type")
_TWEET_FIELDS = ("author_id", "created_at", "public_metrics")
_ID = r"(?P<id>[^/]+)"


def _iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _token(offset: int) -> str:
    return base64.b32encode(f"kg:{offset}".encode()).decode().rstrip("=").lower()


def _offset(token: str) -> int | None:
    padded = token.upper() + "=" * (-len(token) % 8)
    try:
        text = base64.b32decode(padded).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    if not text.startswith("kg:") or not text[3:].isdigit():
        return None
    return int(text[3:])


def _fields(req: SimRequest, name: str, known: Sequence[str]) -> set[str]:
    asked = {f.strip() for f in req.query.get(name, "").split(",") if f.strip()}
    return asked & set(known)


def _invalid(parameter: str, value: str, message: str) -> SimResponse:
    return SimResponse(
        400,
        {
            "errors": [{"parameters": {parameter: [value]}, "message": message}],
            "title": "Invalid Request",
            "detail": "One or more parameters to your request was invalid.",
            "type": f"{PROBLEMS}/invalid-request",
        },
    )


def _not_found(kind: str, value: str, parameter: str = "id") -> SimResponse:
    return SimResponse(
        200,
        {
            "errors": [
                {
                    "value": value,
                    "detail": f"Could not find {kind} with {parameter}: [{value}].",
                    "title": "Not Found Error",
                    "resource_type": kind,
                    "parameter": parameter,
                    "resource_id": value,
                    "type": f"{PROBLEMS}/resource-not-found",
                }
            ]
        },
    )


def _username(net: SimNetwork, i: int) -> str:
    return f"kg_{net.account_id(i)[-9:]}"


def _user(net: SimNetwork, i: int, fields: set[str]) -> dict[str, Any]:
    user: dict[str, Any] = {
        "id": net.account_id(i),
        "name": net.names[i],
        "username": _username(net, i),
    }
    kind = net.verified(i)
    if "created_at" in fields:
        user["created_at"] = _iso(1_262_304_000 + 86_400 * (i % 4_000))
    if "protected" in fields:
        user["protected"] = False
    if "public_metrics" in fields:
        user["public_metrics"] = {
            "followers_count": int(net.followers_count[i]),
            "following_count": int(net.following_count[i]),
            "tweet_count": len(net.timeline(i)),
            "listed_count": 0,
            "like_count": 0,
            "media_count": 0,
        }
    if "verified" in fields:
        user["verified"] = kind is not None
    if "verified_type" in fields:
        user["verified_type"] = {"person": "blue", "org": "business"}.get(kind or "", "none")
    return user


def _tweet(net: SimNetwork, post: SimPost, fields: set[str]) -> dict[str, Any]:
    tweet: dict[str, Any] = {
        "id": post.post_id,
        "text": f"post {post.post_id} by {net.names[post.author]}",
        "edit_history_tweet_ids": [post.post_id],
    }
    if "author_id" in fields:
        tweet["author_id"] = net.account_id(post.author)
    if "created_at" in fields:
        tweet["created_at"] = _iso(post.ts)
    if "public_metrics" in fields:
        tweet["public_metrics"] = {
            "retweet_count": post.reposts,
            "reply_count": 0,
            "like_count": 0,
            "quote_count": 0,
            "bookmark_count": 0,
            "impression_count": 0,
        }
    return tweet


def _page_args(req: SimRequest, endpoint: str) -> tuple[int, int] | SimResponse:
    """``(offset, size)`` of the requested page, or the 400 answer to bad arguments."""
    default, lo, hi = _PAGE[endpoint]
    raw = req.query.get("max_results")
    size = default
    if raw is not None:
        try:
            size = int(raw)
        except ValueError:
            return _invalid(
                "max_results", raw, f"The `max_results` query parameter value [{raw}] is not valid"
            )
        if not lo <= size <= hi:
            return _invalid(
                "max_results",
                raw,
                f"The `max_results` query parameter value [{raw}] is not between {lo} and {hi}",
            )
    token = req.query.get("pagination_token")
    offset = 0
    if token is not None:
        decoded = _offset(token)
        if decoded is None:
            return _invalid(
                "pagination_token",
                token,
                f"The `pagination_token` query parameter value [{token}] is not valid",
            )
        offset = decoded
    return offset, size


def _meta(offset: int, size: int, shown: int, total: int) -> dict[str, Any]:
    meta: dict[str, Any] = {"result_count": shown}
    if offset > 0:
        meta["previous_token"] = _token(max(0, offset - size))
    if offset + size < total:
        meta["next_token"] = _token(offset + size)
    return meta


def _bad_id(value: str) -> SimResponse | None:
    if value.isdigit() and len(value) <= 19:
        return None
    return _invalid("id", value, f"The `id` query parameter value [{value}] is not valid")


def _account(net: SimNetwork, m: re.Match[str]) -> int | SimResponse:
    """The index of the user ``{id}`` names, or the answer to a bad or unknown id."""
    uid = m["id"]
    if (bad := _bad_id(uid)) is not None:
        return bad
    i = net.index(uid)
    return _not_found("user", uid) if i is None else i


def _tweet_id(net: SimNetwork, m: re.Match[str]) -> str | SimResponse:
    """The post id ``{id}`` names, or the answer to a bad or unknown id."""
    tid = m["id"]
    if (bad := _bad_id(tid)) is not None:
        return bad
    return _not_found("tweet", tid) if net.post(tid) is None else tid


def _users_page(net: SimNetwork, req: SimRequest, endpoint: str, users: I64) -> SimResponse:
    """The requested page of a list of users (followers, following, retweeters)."""
    args = _page_args(req, endpoint)
    if isinstance(args, SimResponse):
        return args
    offset, size = args
    chunk = users[offset : offset + size]
    fields = _fields(req, "user.fields", _USER_FIELDS)
    body: dict[str, Any] = {}
    if len(chunk):
        body["data"] = [_user(net, int(j), fields) for j in chunk]
    body["meta"] = _meta(offset, size, len(chunk), len(users))
    return SimResponse(body=body)


# --------------------------------------------------------------------------- handlers
def _user_lookup(net: SimNetwork, req: SimRequest, m: re.Match[str]) -> SimResponse:
    i = _account(net, m)
    if isinstance(i, SimResponse):
        return i
    return SimResponse(body={"data": _user(net, i, _fields(req, "user.fields", _USER_FIELDS))})


def _follow_list(endpoint: str) -> Handler:
    def handler(net: SimNetwork, req: SimRequest, m: re.Match[str]) -> SimResponse:
        i = _account(net, m)
        if isinstance(i, SimResponse):
            return i
        ids = net.followers(i) if endpoint == "followers" else net.following(i)
        return _users_page(net, req, endpoint, ids)

    return handler


def _timeline(net: SimNetwork, req: SimRequest, m: re.Match[str]) -> SimResponse:
    i = _account(net, m)
    if isinstance(i, SimResponse):
        return i
    args = _page_args(req, "tweets")
    if isinstance(args, SimResponse):
        return args
    offset, size = args
    posts = net.timeline(i)[:TIMELINE_CAP]  # simulated posts are originals: exclude is moot
    chunk = posts[offset : offset + size]
    fields = _fields(req, "tweet.fields", _TWEET_FIELDS)
    body: dict[str, Any] = {}
    meta = _meta(offset, size, len(chunk), len(posts))
    if chunk:
        body["data"] = [_tweet(net, p, fields) for p in chunk]
        meta = {"newest_id": chunk[0].post_id, "oldest_id": chunk[-1].post_id, **meta}
    body["meta"] = meta
    return SimResponse(body=body)


def _retweeted_by(net: SimNetwork, req: SimRequest, m: re.Match[str]) -> SimResponse:
    tid = _tweet_id(net, m)
    if isinstance(tid, SimResponse):
        return tid
    users, _ = net.reposts(tid)
    return _users_page(net, req, "retweeted_by", users)


def _quote_tweets(net: SimNetwork, req: SimRequest, m: re.Match[str]) -> SimResponse:
    tid = _tweet_id(net, m)
    answer = tid if isinstance(tid, SimResponse) else _page_args(req, "quote_tweets")
    if isinstance(answer, SimResponse):
        return answer  # a bad or unknown id, or bad paging arguments
    return SimResponse(body={"meta": {"result_count": 0}})


# --------------------------------------------------------------------------- platform
class XSim:
    """The X API v2 endpoints of the simulator (a
    :class:`~kolgraph.crawl.simulator.routes.SimPlatform`)."""

    name = "x"

    def routes(self) -> Iterable[Route]:
        """The six endpoints the X adapter calls."""
        return [
            Route(re.compile(rf"/2/users/{_ID}"), _user_lookup),
            Route(re.compile(rf"/2/users/{_ID}/followers"), _follow_list("followers")),
            Route(re.compile(rf"/2/users/{_ID}/following"), _follow_list("following")),
            Route(re.compile(rf"/2/users/{_ID}/tweets"), _timeline),
            Route(re.compile(rf"/2/tweets/{_ID}/retweeted_by"), _retweeted_by),
            Route(re.compile(rf"/2/tweets/{_ID}/quote_tweets"), _quote_tweets),
        ]

    def authorized(self, req: SimRequest) -> bool:
        """A non-empty ``Authorization: Bearer`` token that does not contain ``expired``."""
        scheme, _, token = req.headers.get("authorization", "").partition(" ")
        token = token.strip()
        return scheme.lower() == "bearer" and bool(token) and "expired" not in token

    def rate_limited(self, retry_after: float) -> SimResponse:
        """HTTP 429 with the ``x-rate-limit-*`` headers; the window resets in ``retry_after`` s."""
        now = time.time()
        reset = math.ceil(now + retry_after) if retry_after > 0 else math.floor(now)
        return SimResponse(
            429,
            {
                "title": "Too Many Requests",
                "detail": "Too Many Requests",
                "type": "about:blank",
                "status": 429,
            },
            headers={
                "x-rate-limit-limit": str(WINDOW_LIMIT),
                "x-rate-limit-remaining": "0",
                "x-rate-limit-reset": str(reset),
            },
        )

    def expired(self) -> SimResponse:
        """HTTP 401 problem JSON, as X answers a missing, wrong or revoked bearer token."""
        return SimResponse(
            401,
            {
                "title": "Unauthorized",
                "type": "about:blank",
                "status": 401,
                "detail": "Unauthorized",
            },
        )


SIM = XSim()
