"""HTTP client of the X API v2: one request per task, business errors mapped to typed errors.

Parsing lives in :mod:`kolgraph.crawl.x.parse`; this module only builds the
request (URL, query, bearer token) and checks a decoded 200 answer for the
API's error envelope (``{"errors": [...]}`` with no ``data``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from kolgraph.crawl.http import Fetched, HttpClient
from kolgraph.crawl.task import Task, TaskKind
from kolgraph.errors import (
    AccessDenied,
    InputError,
    NotFound,
    Protected,
    QuotaExceeded,
    RateLimited,
)
from kolgraph.settings import Settings

__all__ = [
    "API_BASE",
    "AUTH_HINT",
    "MAX_RESULTS",
    "PAGE_SIZE_LIMITS",
    "TWEET_FIELDS",
    "USER_FIELDS",
    "XClient",
    "check_answer",
]

API_BASE = "https://api.x.com"
USER_FIELDS = "public_metrics,verified,verified_type,name,username"
TWEET_FIELDS = "created_at,public_metrics,author_id"

#: ``(min, max)`` of ``max_results`` per list endpoint, as the API reference states.
PAGE_SIZE_LIMITS: dict[TaskKind, tuple[int, int]] = {
    TaskKind.FOLLOWERS: (1, 1000),
    TaskKind.FOLLOWING: (1, 1000),
    TaskKind.POSTS: (5, 100),
    TaskKind.REPOSTS: (1, 100),
    TaskKind.QUOTES: (10, 100),
}
#: The page sizes the client asks for by default: the largest each endpoint allows.
MAX_RESULTS: dict[TaskKind, int] = {k: hi for k, (_, hi) in PAGE_SIZE_LIMITS.items()}

AUTH_HINT = (
    "set KOLGRAPH_X_BEARER_TOKEN to the app-only bearer token of an X developer App "
    "attached to a Project (developer portal → Keys and tokens); a 401 means the token is "
    "wrong, revoked or expired, a 403 that the App's access level does not include the endpoint"
)

_PROBLEM = "/2/problems/"

#: Path and query parameters (besides ``max_results`` and ``pagination_token``)
#: of each list endpoint.
_LISTS: dict[TaskKind, tuple[str, dict[str, str]]] = {
    TaskKind.FOLLOWERS: ("/2/users/{id}/followers", {"user.fields": USER_FIELDS}),
    TaskKind.FOLLOWING: ("/2/users/{id}/following", {"user.fields": USER_FIELDS}),
    TaskKind.POSTS: ("/2/users/{id}/tweets", {"exclude": "retweets", "tweet.fields": TWEET_FIELDS}),
    TaskKind.REPOSTS: ("/2/tweets/{id}/retweeted_by", {"user.fields": USER_FIELDS}),
    TaskKind.QUOTES: (
        "/2/tweets/{id}/quote_tweets",
        {"tweet.fields": TWEET_FIELDS, "expansions": "author_id", "user.fields": USER_FIELDS},
    ),
}


def _where(task: Task) -> str:
    cursor = "" if task.cursor is None else f" (pagination_token {task.cursor})"
    return f"x {task.kind.value} {task.target}{cursor}"


def _problem_kind(error: Mapping[str, Any]) -> str:
    """The last path part of an X problem ``type`` URI (``resource-not-found``), or ``""``."""
    kind = error.get("type")
    if not isinstance(kind, str) or _PROBLEM not in kind:
        return ""
    return kind.rsplit("/", 1)[-1]


def check_answer(task: Task, fetched: Fetched) -> None:
    """Raise the typed error an X API answer with HTTP 200 stands for; return if it is data.

    The X API v2 answers a lookup of a missing, suspended or protected
    resource with HTTP 200 and a body holding only an ``errors`` array of
    problem objects (``type`` ``https://api.x.com/2/problems/<kind>``).
    Errors next to ``data`` are partial (e.g. an expansion that could not be
    hydrated) and are ignored.

    Parameters
    ----------
    task
        The task the page answers (named in error messages).
    fetched
        The decoded page.

    Raises
    ------
    NotFound
        ``resource-not-found`` (deleted, never existed, or suspended: X reports
        suspended accounts as not found with title ``Forbidden``) or
        ``resource-unavailable``.
    AccessDenied
        ``not-authorized-for-resource`` (a protected account or post),
        ``client-forbidden`` / ``unsupported-authentication`` (the App may not
        use the endpoint).
    RateLimited
        A ``usage-capped`` problem or a problem object with ``status`` 429
        (X sends these with HTTP 429, which the HTTP layer handles first; here
        they are caught when a proxy passes them through with HTTP 200).
    InputError
        Any other error envelope without data (``invalid-request``).
    """
    payload = fetched.payload
    if not isinstance(payload, dict) or "data" in payload:
        return
    errors = payload.get("errors")
    has_errors = isinstance(errors, list) and bool(errors)
    status = payload.get("status")
    # a bare problem object (RFC 7807 style), as X sends with HTTP 401, 403 and 429
    problem = not has_errors and ("type" in payload or isinstance(status, int))
    if not (has_errors or problem):
        return  # an empty list: {"meta": {"result_count": 0}}
    first: Mapping[str, Any] = payload
    if has_errors and isinstance(errors, list) and isinstance(errors[0], dict):
        first = errors[0]
    kind = _problem_kind(first) or _problem_kind(payload)
    detail = str(
        first.get("detail") or first.get("message") or first.get("title") or payload.get("title")
    )
    where = _where(task)
    if kind in ("resource-not-found", "resource-unavailable") or status == 404:
        raise NotFound(f"{where}: {detail}")
    if kind == "not-authorized-for-resource":
        raise Protected(
            f"{where}: {detail}",
            hint="the account or post is protected: its lists are visible only to the user "
            "token of an approved follower, not to an app-only bearer token",
        )
    if kind in ("client-forbidden", "unsupported-authentication") or status in (401, 403):
        raise AccessDenied(f"{where}: {detail}", hint=AUTH_HINT)
    if kind == "usage-capped":
        raise QuotaExceeded(
            f"{where}: {detail}",
            hint="the X Project's monthly post cap is spent: rerun the same command when "
            "it resets (the crawl state is saved) or raise the Project's access tier",
        )
    if status == 429:
        raise RateLimited(f"{where}: {detail}")
    raise InputError(
        f"{where}: X API error {kind or status or 'without a type'}: {detail}",
        hint="the request was rejected; if it names a parameter this is a kolgraph bug, "
        "please report it with the task",
    )


class XClient:
    """Fetch one page of an X API v2 list or lookup per task.

    Endpoints (``{id}`` is the task target; ``pagination_token`` is the task
    cursor when there is one):

    ========= ===================================================================
    profile   ``GET /2/users/{id}?user.fields=...``
    followers ``GET /2/users/{id}/followers?max_results=1000&user.fields=...``
    following ``GET /2/users/{id}/following?max_results=1000&user.fields=...``
    posts     ``GET /2/users/{id}/tweets?max_results=100&exclude=retweets&tweet.fields=...``
    reposts   ``GET /2/tweets/{id}/retweeted_by?max_results=100&user.fields=...``
    quotes    ``GET /2/tweets/{id}/quote_tweets?max_results=100&expansions=author_id&...``
    ========= ===================================================================

    Parameters
    ----------
    http
        The shared HTTP layer (throttle, retries, error mapping).
    settings
        Holds the bearer token (``x_bearer_token``, env ``KOLGRAPH_X_BEARER_TOKEN``).
    base_url
        Replaces ``https://api.x.com`` (e.g. a simulator's URL) when given.
    max_results
        Page size per list kind, overriding :data:`MAX_RESULTS`; each must lie
        within the endpoint's bounds (:data:`PAGE_SIZE_LIMITS`).

    Raises
    ------
    InputError
        A page size outside the endpoint's bounds.
    """

    def __init__(
        self,
        http: HttpClient,
        settings: Settings,
        base_url: str | None = None,
        *,
        max_results: Mapping[TaskKind, int] | None = None,
    ) -> None:
        self.http = http
        self.settings = settings
        self.base_url = (base_url or API_BASE).rstrip("/")
        sizes = dict(MAX_RESULTS)
        for kind, size in (max_results or {}).items():
            if kind not in PAGE_SIZE_LIMITS:
                raise InputError(f"x {kind.value} is not a paged list; it has no page size")
            lo, hi = PAGE_SIZE_LIMITS[kind]
            if not lo <= size <= hi:
                raise InputError(
                    f"x {kind.value} page size {size} is outside the API's bounds [{lo}, {hi}]"
                )
            sizes[kind] = int(size)
        self.max_results = sizes

    # ------------------------------------------------------------------ helpers
    def _headers(self, task: Task) -> dict[str, str]:
        token = self.settings.x_bearer_token
        value = token.get_secret_value().strip() if token is not None else ""
        if not value:
            raise AccessDenied(
                f"{_where(task)}: no X API bearer token is configured", hint=AUTH_HINT
            )
        return {"Authorization": f"Bearer {value}"}

    @staticmethod
    def _validate(task: Task) -> None:
        if not task.target.isdigit():
            raise InputError(
                f"{_where(task)}: X ids are numeric strings, got {task.target!r}",
                hint="give the numeric user or post id, not a @handle or URL",
            )
        if task.kind in (TaskKind.REPOSTS, TaskKind.QUOTES) and not task.owner:
            raise InputError(
                f"{_where(task)}: a {task.kind.value} task needs the post's author (owner)"
            )
        if task.kind is TaskKind.REPOSTS and task.ts is None:
            raise InputError(
                f"{_where(task)}: a reposts task needs the post's time (ts); retweeted_by "
                "gives no repost times"
            )

    def request_for(self, task: Task) -> tuple[str, dict[str, str | int]]:
        """The URL and query parameters of the request ``task`` needs (no I/O).

        Raises
        ------
        InputError
            An id that is not numeric, or a post task without owner (or, for
            reposts, without ts).
        """
        self._validate(task)
        base, target = self.base_url, task.target
        if task.kind is TaskKind.PROFILE:
            return f"{base}/2/users/{target}", {"user.fields": USER_FIELDS}
        path, extra = _LISTS[task.kind]
        url = f"{base}{path.format(id=target)}"
        params: dict[str, str | int] = {"max_results": self.max_results[task.kind], **extra}
        if task.cursor:
            params["pagination_token"] = task.cursor
        return url, params

    def _check(self, task: Task) -> Callable[[Fetched], None]:
        def check(fetched: Fetched) -> None:
            check_answer(task, fetched)

        return check

    # --------------------------------------------------------------------- API
    def fetch(self, task: Task) -> Fetched:
        """Fetch the page ``task`` asks for.

        Raises
        ------
        AccessDenied
            No bearer token configured (no request is sent), the token was
            refused (HTTP 401/403), or the resource is protected.
        NotFound
            The account or post does not exist or is suspended.
        InputError
            A malformed task (non-numeric id, post task without owner).
        RateLimited, Unavailable, BadPage
            From :meth:`HttpClient.request` after its retries.
        """
        url, params = self.request_for(task)
        headers = self._headers(task)
        return self.http.request(
            "GET",
            url,
            params=params,
            headers=headers,
            check=self._check(task),
            auth_hint=AUTH_HINT,
        )
