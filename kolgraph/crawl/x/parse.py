"""Parse X API v2 answers into :class:`~kolgraph.crawl.page.Page` objects (pure, no I/O).

Every function takes the :class:`~kolgraph.crawl.task.Task` that fetched the
page and the decoded JSON, and raises :class:`~kolgraph.errors.ParseError`
naming the field and the task (kind, target, cursor) when the page cannot be
read.

Verification
------------
X's ``verified_type`` becomes :attr:`Profile.verified`:

* ``"business"`` (gold check) and ``"government"`` (grey check) → ``"org"``;
* ``"blue"`` (a paid X Premium check on an individual's account) → ``"person"``;
* ``"none"`` → ``None``;
* no ``verified_type`` but the legacy boolean ``verified`` true → ``"person"``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from kolgraph.crawl.page import Page, Post, Profile, Repost, Verified
from kolgraph.crawl.task import Task, TaskKind
from kolgraph.errors import ParseError

__all__ = [
    "parse",
    "parse_follows",
    "parse_posts",
    "parse_profile",
    "parse_quotes",
    "parse_reposts",
    "parse_time",
    "parse_user",
    "verified_kind",
]

_VERIFIED_TYPES: dict[str, Verified | None] = {
    "business": "org",
    "government": "org",
    "blue": "person",
    "none": None,
}


class _Reader:
    """Error reporting for one page: every message names the task and the field path."""

    def __init__(self, task: Task) -> None:
        self.task = task
        cursor = "first page" if task.cursor is None else f"pagination_token {task.cursor}"
        self.source = f"x {task.kind.value} {task.target} ({cursor})"

    def fail(self, message: str) -> ParseError:
        return ParseError(
            message,
            source=self.source,
            hint="the page was quarantined and will be fetched again; if it keeps failing "
            "X changed its format: fix kolgraph/crawl/x/parse.py and replay the archive",
        )

    def obj(self, value: Any, path: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(f"{path} is {_kind(value)}, expected an object")
        return value

    def field(self, obj: dict[str, Any], name: str, path: str) -> Any:
        if name not in obj:
            raise self.fail(f"{path}.{name} is missing")
        return obj[name]

    def id(self, value: Any, path: str) -> str:
        if not isinstance(value, str) or not value.isdigit():
            raise self.fail(f"{path} is {value!r}, expected a numeric id string")
        return value

    def count(self, obj: dict[str, Any], name: str, path: str) -> int | None:
        value = obj.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.fail(f"{path}.{name} is {value!r}, expected a non-negative integer")
        return value

    def time(self, value: Any, path: str) -> int:
        try:
            return parse_time(value)
        except ValueError as exc:
            raise self.fail(f"{path} is {value!r}: {exc}") from None


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return f"a {type(value).__name__} ({str(value)[:60]!r})"


def parse_time(value: Any) -> int:
    """Unix seconds of an X timestamp (ISO 8601 in UTC, ``2023-04-05T06:07:08.000Z``).

    Raises
    ------
    ValueError
        ``value`` is not such a timestamp.
    """
    if not isinstance(value, str):
        raise ValueError("expected an ISO 8601 timestamp string")
    dt = datetime.fromisoformat(value)
    if dt.tzinfo is None:
        raise ValueError("timestamp has no time zone")
    return int(dt.timestamp())


def verified_kind(user: dict[str, Any]) -> Verified | None:
    """``"person"``, ``"org"`` or ``None`` from a user object's ``verified_type`` / ``verified``.

    Examples
    --------
    >>> verified_kind({"verified_type": "government"})
    'org'
    >>> verified_kind({"verified": True})
    'person'
    >>> verified_kind({"verified": False, "verified_type": "none"}) is None
    True
    """
    vtype = user.get("verified_type")
    if isinstance(vtype, str) and vtype.lower() in _VERIFIED_TYPES:
        return _VERIFIED_TYPES[vtype.lower()]
    return "person" if user.get("verified") is True else None


def _user(r: _Reader, value: Any, path: str) -> Profile:
    user = r.obj(value, path)
    account_id = r.id(r.field(user, "id", path), f"{path}.id")
    name = user.get("name") or user.get("username") or ""
    if not isinstance(name, str):
        raise r.fail(f"{path}.name is {name!r}, expected a string")
    metrics_raw = user.get("public_metrics")
    followers = following = posts = None
    if metrics_raw is not None:
        metrics = r.obj(metrics_raw, f"{path}.public_metrics")
        mpath = f"{path}.public_metrics"
        followers = r.count(metrics, "followers_count", mpath)
        following = r.count(metrics, "following_count", mpath)
        posts = r.count(metrics, "tweet_count", mpath)
    return Profile(
        account_id=account_id,
        name=name,
        followers=followers,
        following=following,
        posts=posts,
        verified=verified_kind(user),
    )


def parse_user(task: Task, user: Any, path: str = "data") -> Profile:
    """One X user object (``id``, ``name``, ``username``, ``public_metrics``,
    ``verified``, ``verified_type``) as a :class:`Profile`."""
    return _user(_Reader(task), user, path)


def _envelope(r: _Reader, payload: Any) -> dict[str, Any]:
    body = r.obj(payload, "the page")
    if "data" not in body and body.get("errors"):
        errors = body["errors"]
        first = errors[0] if isinstance(errors, list) and errors else errors
        detail = first.get("detail") if isinstance(first, dict) else first
        raise r.fail(f"the page is an X error answer, not data: {detail!r}")
    return body


def _list(r: _Reader, payload: Any) -> tuple[list[Any], str | None, dict[str, Any]]:
    """``(data items, next_token, body)`` of a paged answer."""
    body = _envelope(r, payload)
    meta = r.obj(r.field(body, "meta", "page"), "page.meta")
    count = r.count(meta, "result_count", "page.meta")
    if count is None:
        raise r.fail("page.meta.result_count is missing")
    data = body.get("data", [])
    if not isinstance(data, list):
        raise r.fail(f"page.data is {_kind(data)}, expected a list")
    if count and not data:
        raise r.fail(f"page.meta.result_count is {count} but page.data is missing or empty")
    token = meta.get("next_token")
    if token is not None and (not isinstance(token, str) or not token):
        raise r.fail(f"page.meta.next_token is {token!r}, expected a non-empty string")
    return data, token, body


def _tweets(r: _Reader, data: list[Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """The tweet objects of a page's ``data``, each with its path for error messages."""
    for k, item in enumerate(data):
        path = f"page.data[{k}]"
        yield path, r.obj(item, path)


def parse_profile(task: Task, payload: Any) -> Page:
    """``GET /2/users/{id}``: the account's :class:`Profile`.

    Raises
    ------
    ParseError
        No ``data`` object, a missing or non-numeric id, an id other than the
        task's target, or counts that are not non-negative integers.
    """
    r = _Reader(task)
    body = _envelope(r, payload)
    profile = _user(r, r.field(body, "data", "page"), "page.data")
    if profile.account_id != task.target:
        raise r.fail(f"page.data.id is {profile.account_id!r}, not the requested {task.target!r}")
    return Page(profiles=[profile])


def parse_follows(task: Task, payload: Any) -> Page:
    """``GET /2/users/{id}/followers`` or ``/following``: one page of the list.

    Every listed user becomes a :class:`Profile`; edges are
    ``(follower, target)`` for followers and ``(target, followed)`` for
    following. ``next_cursor`` is ``meta.next_token`` (absent on the last page).
    """
    r = _Reader(task)
    data, token, _ = _list(r, payload)
    profiles = [_user(r, item, f"page.data[{k}]") for k, item in enumerate(data)]
    if task.kind is TaskKind.FOLLOWERS:
        follows = [(p.account_id, task.target) for p in profiles]
    else:
        follows = [(task.target, p.account_id) for p in profiles]
    return Page(profiles=profiles, follows=follows, next_cursor=token)


def parse_posts(task: Task, payload: Any) -> Page:
    """``GET /2/users/{id}/tweets``: one page of the account's timeline as :class:`Post` s.

    ``reposts`` is ``public_metrics.retweet_count`` and ``quotes``
    ``quote_count``. The account's own retweets (``referenced_tweets`` of
    type ``retweeted``, present when ``exclude=retweets`` was not sent) are
    not its posts and are skipped. A tweet without ``author_id`` is the
    timeline owner's.
    """
    r = _Reader(task)
    data, token, _ = _list(r, payload)
    posts: list[Post] = []
    for path, tweet in _tweets(r, data):
        refs = tweet.get("referenced_tweets") or []
        if isinstance(refs, list) and any(
            isinstance(ref, dict) and ref.get("type") == "retweeted" for ref in refs
        ):
            continue
        post_id = r.id(r.field(tweet, "id", path), f"{path}.id")
        author = tweet.get("author_id", task.target)
        author = r.id(author, f"{path}.author_id")
        ts = r.time(r.field(tweet, "created_at", path), f"{path}.created_at")
        reposts = quotes = None
        if tweet.get("public_metrics") is not None:
            mpath = f"{path}.public_metrics"
            metrics = r.obj(tweet["public_metrics"], mpath)
            reposts = r.count(metrics, "retweet_count", mpath)
            quotes = r.count(metrics, "quote_count", mpath)
        posts.append(Post(post_id=post_id, author=author, ts=ts, reposts=reposts, quotes=quotes))
    return Page(posts=posts, next_cursor=token)


def _owner(r: _Reader) -> str:
    if not r.task.owner:
        raise r.fail("the task has no owner (the post's author), so repost edges have no target")
    return r.task.owner


def parse_reposts(task: Task, payload: Any) -> Page:
    """``GET /2/tweets/{id}/retweeted_by``: who retweeted the post.

    The list holds users, not retweets, so it carries no times: every edge
    gets ``task.ts`` (the post's own time). Edges point from the retweeter to
    ``task.owner``.
    """
    r = _Reader(task)
    author = _owner(r)
    if task.ts is None:
        raise r.fail("the task has no ts and retweeted_by gives no repost times")
    data, token, _ = _list(r, payload)
    profiles = [_user(r, item, f"page.data[{k}]") for k, item in enumerate(data)]
    reposts = [
        Repost(reposter=p.account_id, author=author, post_id=task.target, ts=task.ts)
        for p in profiles
    ]
    return Page(profiles=profiles, reposts=reposts, next_cursor=token)


def parse_quotes(task: Task, payload: Any) -> Page:
    """``GET /2/tweets/{id}/quote_tweets``: quotes of the post as ``"mention"`` edges.

    Each quote tweet's ``author_id`` quoted ``task.owner``'s post at the
    quote's ``created_at`` (``task.ts`` when absent). Quoting users
    expanded in ``includes.users`` become profiles.
    """
    r = _Reader(task)
    author = _owner(r)
    data, token, body = _list(r, payload)
    edges: list[Repost] = []
    for path, tweet in _tweets(r, data):
        quoter = r.id(r.field(tweet, "author_id", path), f"{path}.author_id")
        if "created_at" in tweet:
            ts = r.time(tweet["created_at"], f"{path}.created_at")
        elif task.ts is not None:
            ts = task.ts
        else:
            raise r.fail(f"{path}.created_at is missing and the task has no ts")
        edges.append(
            Repost(reposter=quoter, author=author, post_id=task.target, ts=ts, action="mention")
        )
    profiles: list[Profile] = []
    includes = body.get("includes")
    if includes is not None:
        users = r.obj(includes, "page.includes").get("users", [])
        if not isinstance(users, list):
            raise r.fail(f"page.includes.users is {_kind(users)}, expected a list")
        profiles = [_user(r, u, f"page.includes.users[{k}]") for k, u in enumerate(users)]
    return Page(profiles=profiles, reposts=edges, next_cursor=token)


_PARSERS: dict[TaskKind, Callable[[Task, Any], Page]] = {
    TaskKind.PROFILE: parse_profile,
    TaskKind.FOLLOWERS: parse_follows,
    TaskKind.FOLLOWING: parse_follows,
    TaskKind.POSTS: parse_posts,
    TaskKind.REPOSTS: parse_reposts,
    TaskKind.QUOTES: parse_quotes,
}


def parse(task: Task, payload: Any) -> Page:
    """Parse the X API answer ``payload`` to ``task`` into a :class:`Page`.

    Parameters
    ----------
    task
        The task that fetched the page.
    payload
        The decoded JSON body.

    Returns
    -------
    Page
        Profiles, follow and repost edges, posts, and the next page's
        ``pagination_token`` (``None`` on the last page). X states no list
        totals, so ``total`` is always ``None``.

    Raises
    ------
    ParseError
        Naming the missing or malformed field and the task.
    """
    return _PARSERS[task.kind](task, payload)
