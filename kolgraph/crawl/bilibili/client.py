"""Bilibili's HTTP client: one request per task, business codes mapped to typed errors.

The client only builds requests and checks the JSON envelope's ``code``;
turning the payload into a :class:`~kolgraph.crawl.page.Page` is
:mod:`kolgraph.crawl.bilibili.parse`'s job. See :mod:`kolgraph.crawl.bilibili`
for the endpoints, credentials and limits.
"""

from __future__ import annotations

from kolgraph.crawl.http import Fetched, HttpClient
from kolgraph.crawl.task import Task, TaskKind
from kolgraph.errors import (
    AccessDenied,
    BadPage,
    InputError,
    NotFound,
    Protected,
    RateLimited,
    Unavailable,
)
from kolgraph.settings import Settings

__all__ = [
    "API_HOST",
    "COOKIE_ENV",
    "ENDPOINTS",
    "PAGE_CAP",
    "RELATION_PAGE_SIZE",
    "VC_HOST",
    "BilibiliClient",
    "check_envelope",
    "make_client",
    "page_number",
    "task_label",
]

API_HOST = "https://api.bilibili.com"
VC_HOST = "https://api.vc.bilibili.com"
COOKIE_ENV = "KOLGRAPH_BILIBILI_COOKIE"

#: ``(host, path)`` of the endpoint each task kind calls.
ENDPOINTS: dict[TaskKind, tuple[str, str]] = {
    TaskKind.PROFILE: (API_HOST, "/x/web-interface/card"),
    TaskKind.FOLLOWERS: (API_HOST, "/x/relation/followers"),
    TaskKind.FOLLOWING: (API_HOST, "/x/relation/followings"),
    TaskKind.POSTS: (API_HOST, "/x/polymer/web-dynamic/v1/feed/space"),
    TaskKind.REPOSTS: (VC_HOST, "/dynamic_repost/v1/dynamic_repost/repost_detail"),
}

#: Items per page of the relation lists (``ps``; the largest the API serves).
RELATION_PAGE_SIZE = 50
#: Pages of another user's follower / following list the API serves (code 22007 beyond).
PAGE_CAP = 5

#: Codes by which Bilibili says "slow down": -412 request intercepted (IP risk
#: control), -352 risk-control check failed, -509 / -799 too many requests,
#: -503 overload protection. Raised as :class:`RateLimited`, which the HTTP
#: layer retries with backoff.
RATE_LIMIT_CODES = frozenset({-412, -352, -509, -799, -503})
#: Server-side failures: the crawler retries the page later.
SERVER_ERROR_CODES = frozenset({-500, -504, -8888})
#: Credential problems: -101 not logged in (missing or expired SESSDATA),
#: -102 account banned. They stop a crawl (its state is saved).
AUTH_CODES = frozenset({-101, -102})
#: -403 insufficient permission for this one resource (a private space or list):
#: :class:`~kolgraph.errors.Protected`, so the crawl marks the task gone and goes on.
PROTECTED_CODES = frozenset({-403})
#: The account, list or post is not there for us: -404 nothing found (deleted
#: or never existed), -626 no such user, 22115 the user hides the list.
GONE_CODES = frozenset({-404, -626, 22115})
#: 22007: beyond the first five pages of another user's relation list; an
#: end-of-list answer that :func:`~kolgraph.crawl.bilibili.parse.parse` reads
#: as an empty last page.
PAGE_LIMIT_CODE = 22007

_AUTH_HINT = (
    f"set {COOKIE_ENV} to the Cookie header of a logged-in bilibili.com session, at least "
    "'SESSDATA=...' (browser dev tools > Application > Cookies > .bilibili.com); "
    "SESSDATA expires after about a month and on logout"
)
_REFERER = "https://www.bilibili.com/"


def task_label(task: Task) -> str:
    """The task as error messages name it: ``bilibili KIND TARGET (CURSOR)``."""
    cursor = "first page" if task.cursor is None else f"cursor {task.cursor!r}"
    return f"bilibili {task.kind.value} {task.target} ({cursor})"


def page_number(task: Task) -> int | None:
    """The relation-list page ``task`` asks for (1 for the first page); ``None``
    when its cursor is not a page number >= 1."""
    if task.cursor is None:
        return 1
    try:
        pn = int(task.cursor)
    except ValueError:
        return None
    return pn if pn >= 1 else None


def check_envelope(task: Task, fetched: Fetched) -> None:
    """Raise the typed error that the envelope's business ``code`` stands for.

    Parameters
    ----------
    task
        The task the page was fetched for (named in error messages).
    fetched
        The decoded page.

    Raises
    ------
    RateLimited
        For the throttling codes (retried by :class:`~kolgraph.crawl.http.HttpClient`).
    Unavailable
        For server-side failures.
    AccessDenied
        When the cookie is missing, expired or not allowed.
    NotFound
        When the account, list or post does not exist or is hidden.
    InputError
        For -400 (a malformed request: a kolgraph bug).
    BadPage
        For any other non-zero code.

    Notes
    -----
    A payload without an integer ``code`` passes; the parser names what is
    wrong with it. Code 22007 passes for the relation lists (see
    :data:`PAGE_LIMIT_CODE`).
    """
    payload = fetched.payload
    if not isinstance(payload, dict):
        return
    code = payload.get("code")
    if not isinstance(code, int) or isinstance(code, bool) or code == 0:
        return
    message = payload.get("message") or payload.get("msg") or ""
    what = f"{task_label(task)}: code {code} {message!r}"
    if code == PAGE_LIMIT_CODE and task.kind in (TaskKind.FOLLOWERS, TaskKind.FOLLOWING):
        return
    if code in RATE_LIMIT_CODES:
        raise RateLimited(what)
    if code in SERVER_ERROR_CODES:
        raise Unavailable(what, hint="Bilibili's servers are failing; the page is retried later")
    if code in AUTH_CODES:
        raise AccessDenied(what, hint=_AUTH_HINT)
    if code in PROTECTED_CODES:
        raise Protected(what, hint="this resource is private to other accounts; it is skipped")
    if code in GONE_CODES:
        raise NotFound(what)
    if code == -400:
        raise InputError(
            what,
            hint="Bilibili rejected the request as malformed; this is a kolgraph bug, "
            "please report it with the URL",
        )
    raise BadPage(
        f"{what}: unexpected business code",
        url=fetched.url,
        raw=fetched.text,
    )


class BilibiliClient:
    """Fetch one Bilibili page per task through the shared :class:`HttpClient`.

    Parameters
    ----------
    http
        The throttled, retrying HTTP layer.
    settings
        Where the cookie comes from (``bilibili_cookie``, env ``KOLGRAPH_BILIBILI_COOKIE``).
    base_url
        When given (e.g. a simulator's ``http://127.0.0.1:PORT``), it replaces
        the scheme and host of every endpoint on both Bilibili hosts.
    """

    def __init__(self, http: HttpClient, settings: Settings, base_url: str | None = None) -> None:
        self.http = http
        self.settings = settings
        self.base_url = None if base_url is None else base_url.rstrip("/")

    def url(self, kind: TaskKind) -> str:
        """The full URL of the endpoint ``kind`` calls."""
        try:
            host, path = ENDPOINTS[kind]
        except KeyError:
            raise _no_list(kind) from None
        return f"{self.base_url or host}{path}"

    def cookie(self) -> str:
        """The Cookie header (a bare value is taken as ``SESSDATA``).

        Raises
        ------
        AccessDenied
            When ``bilibili_cookie`` is not set or empty.
        """
        secret = self.settings.bilibili_cookie
        value = "" if secret is None else secret.get_secret_value().strip()
        if not value:
            raise AccessDenied("bilibili needs a logged-in cookie and none is set", hint=_AUTH_HINT)
        return value if "=" in value else f"SESSDATA={value}"

    def params(self, task: Task) -> dict[str, str | int]:
        """The query parameters of ``task`` (its cursor mapped to the paging parameter)."""
        kind = task.kind
        if kind is TaskKind.PROFILE:
            return {"mid": task.target}
        if kind in (TaskKind.FOLLOWERS, TaskKind.FOLLOWING):
            return {"vmid": task.target, "pn": _page_number(task), "ps": RELATION_PAGE_SIZE}
        if kind is TaskKind.POSTS:
            return {
                "host_mid": task.target,
                "offset": task.cursor or "",
                "timezone_offset": -480,
                "features": "itemOpusStyle",
            }
        if kind is TaskKind.REPOSTS:
            params: dict[str, str | int] = {"dynamic_id": task.target}
            if task.cursor:
                params["offset"] = task.cursor
            return params
        raise _no_list(kind)

    def fetch(self, task: Task) -> Fetched:
        """Fetch the page ``task`` asks for.

        Raises
        ------
        AccessDenied
            No cookie is set, or Bilibili says it is expired or not allowed.
        NotFound, RateLimited, Unavailable, BadPage, InputError
            See :func:`check_envelope` and :meth:`HttpClient.request`.
        """
        url = self.url(task.kind)
        params = self.params(task)
        headers = {"Cookie": self.cookie(), "Referer": _REFERER}

        def check(fetched: Fetched) -> None:
            check_envelope(task, fetched)

        return self.http.request(
            "GET",
            url,
            params=params,
            headers=headers,
            check=check,
            auth_hint=_AUTH_HINT,
            rate_limit_statuses=frozenset({412, 429}),
        )


def _no_list(kind: TaskKind) -> InputError:
    return InputError(
        f"bilibili has no {kind.value} list",
        hint=f"Bilibili tasks are {', '.join(k.value for k in ENDPOINTS)}",
    )


def _page_number(task: Task) -> int:
    pn = page_number(task)
    if pn is None:
        raise InputError(
            f"{task_label(task)}: a relation-list cursor is a page number >= 1",
            hint="the crawl state holds a cursor this adapter did not write; "
            "delete the crawl and start it again",
        )
    return pn


def make_client(http: HttpClient, settings: Settings, base_url: str | None) -> BilibiliClient:
    """The :attr:`~kolgraph.crawl.adapter.Platform.make_client` of Bilibili."""
    return BilibiliClient(http, settings, base_url)
