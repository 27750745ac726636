"""The m.weibo.cn HTTP client: one request per task, business codes → typed errors.

No parsing here beyond the envelope check (:func:`check_answer`); pages are
read by :mod:`kolgraph.crawl.weibo.parse`. Endpoints, credentials and limits
are documented in :mod:`kolgraph.crawl.weibo`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kolgraph.crawl.http import Fetched, HttpClient
from kolgraph.crawl.task import Task, TaskKind
from kolgraph.errors import AccessDenied, InputError, NotFound, RateLimited
from kolgraph.settings import Settings

__all__ = [
    "AUTH_HINT",
    "COOKIE_REQUIRED",
    "INDEX_PATH",
    "MOBILE_BASE",
    "RATE_LIMIT_STATUSES",
    "REPOSTS_PATH",
    "WeiboClient",
    "check_answer",
]

MOBILE_BASE = "https://m.weibo.cn"
INDEX_PATH = "/api/container/getIndex"
REPOSTS_PATH = "/api/statuses/repostTimeline"
#: Weibo answers "slow down" with HTTP 418 (and 429 at the edge).
AUTH_STATUSES = frozenset({401, 403, 432})  # 432: m.weibo.cn refuses a client without a cookie
RATE_LIMIT_STATUSES = frozenset({418, 429})
#: Lists m.weibo.cn shows only to a logged-in session (guests get ``ok: -100``).
COOKIE_REQUIRED = frozenset({TaskKind.FOLLOWERS, TaskKind.FOLLOWING, TaskKind.REPOSTS})

AUTH_HINT = (
    "set KOLGRAPH_WEIBO_COOKIE (setting weibo_cookie) to the Cookie header of a logged-in "
    "m.weibo.cn session (it must contain SUB=...); log in again and copy a fresh one when "
    "it expires"
)

FANS_CONTAINER = "231051_-_fans_-_{uid}"
FOLLOWS_CONTAINER = "231051_-_followers_-_{uid}"
TIMELINE_CONTAINER = "107603{uid}"

# Business codes in a 200 answer (Weibo open-platform error codes, reused by m.weibo.cn).
_THROTTLE_ERRNOS = frozenset({"100005", "10022", "10023", "10024", "20016"})
_THROTTLE_WORDS = ("频繁", "频率", "稍后再试")  # "too frequent", "rate", "try later"
_NOT_FOUND_ERRNOS = frozenset({"20003", "20101"})  # no such user / no such post
_NOT_FOUND_WORDS = ("不存在", "已被删除", "已删除", "无权", "不可见", "暂无查看权限")
_LOGIN_OK = -100  # "请先登录": the login wall, or an expired / invalid cookie


def _where(task: Task) -> str:
    return f"weibo {task.kind.value} of {task.target} (cursor {task.cursor!r})"


def check_answer(task: Task, fetched: Fetched) -> None:
    """Map the business code of a 200 answer to a typed error.

    m.weibo.cn wraps every answer in ``{"ok": ..., "msg": ..., "data": ...}``:

    * ``ok == 1``: a page; nothing to do;
    * ``ok == -100`` (``{"ok": -100, "url": "https://passport.weibo.cn/signin/..."}``):
      the login wall, i.e. no or an expired cookie → :class:`AccessDenied`;
    * ``ok == 0`` with ``errno`` 100005 or a "请求过于频繁" ("too frequent")
      message → :class:`RateLimited` (retried by the HTTP layer);
    * ``ok == 0`` with ``errno`` 20003 (no such user) / 20101 (no such post)
      or a "不存在" / "已被删除" / "无权" message → :class:`NotFound`;
    * ``ok == 0`` otherwise (``"这里还没有内容"``, "nothing here yet") is how
      a list ends, so it is no error; for a profile, where it means there is
      no such account, it is :class:`NotFound`.

    Anything else (not an object, no ``ok``) is left to the parser.
    """
    payload: Any = fetched.payload
    if not isinstance(payload, Mapping):
        return
    ok = payload.get("ok")
    if ok == 1:
        return
    msg = str(payload.get("msg") or "")
    where = f"{_where(task)}: ok={ok!r} msg={msg!r}"
    if ok == _LOGIN_OK:
        raise AccessDenied(f"{where}: m.weibo.cn wants a login", hint=AUTH_HINT)
    if ok != 0:
        return
    errno = str(payload.get("errno", payload.get("error_code", "")) or "")
    if errno in _THROTTLE_ERRNOS or any(w in msg for w in _THROTTLE_WORDS):
        raise RateLimited(f"{where}: throttled (errno {errno or '-'})")
    if errno in _NOT_FOUND_ERRNOS or any(w in msg for w in _NOT_FOUND_WORDS):
        raise NotFound(f"{where}: no such account or post, or it is not visible")
    if task.kind is TaskKind.PROFILE:
        raise NotFound(f"{where}: no such account (or it is blocked or closed)")


def _cookie(settings: Settings) -> str | None:
    if settings.weibo_cookie is None:
        return None
    value = settings.weibo_cookie.get_secret_value().strip()
    return value or None


def _numeric(task: Task, value: str, what: str) -> str:
    if not (value.isascii() and value.isdigit()):
        raise InputError(
            f"{_where(task)}: {what} {value!r} is not numeric",
            hint="Weibo ids are numbers (uid such as 1669879400, post mid such as "
            "4607741009594608); convert a base62 bid or a nickname to its numeric id first",
        )
    return value


class WeiboClient:
    """m.weibo.cn client: :meth:`fetch` sends exactly one GET per task.

    Parameters
    ----------
    http
        The shared HTTP layer (throttle, retries, error mapping).
    settings
        Read for ``weibo_cookie`` (``KOLGRAPH_WEIBO_COOKIE``).
    base_url
        Replaces ``https://m.weibo.cn`` in every endpoint (a simulator's URL).
    """

    def __init__(self, http: HttpClient, settings: Settings, base_url: str | None = None) -> None:
        self.http = http
        self.base = (base_url or MOBILE_BASE).rstrip("/")
        self._cookie = _cookie(settings)

    def _headers(self, task: Task) -> dict[str, str]:
        headers = {
            "Referer": f"{MOBILE_BASE}/",
            "X-Requested-With": "XMLHttpRequest",
            "MWeibo-Pwa": "1",
        }
        if self._cookie is not None:
            headers["Cookie"] = self._cookie
        elif task.kind in COOKIE_REQUIRED:
            raise AccessDenied(
                f"{_where(task)}: m.weibo.cn shows {task.kind.value} lists only to a "
                "logged-in session and no Weibo cookie is set",
                hint=AUTH_HINT,
            )
        return headers

    @staticmethod
    def _params(task: Task) -> tuple[str, dict[str, str | int]]:
        """The endpoint path and query of ``task`` (cursor → ``since_id`` or ``page``)."""
        uid = _numeric(task, task.target, "target")
        page = None if task.cursor is None else _numeric(task, task.cursor, "cursor")
        params: dict[str, str | int]
        match task.kind:
            case TaskKind.PROFILE:
                return INDEX_PATH, {"type": "uid", "value": uid}
            case TaskKind.REPOSTS:
                return REPOSTS_PATH, {"id": uid, "page": page or "1"}
            case TaskKind.FOLLOWERS:
                params, paging = {"containerid": FANS_CONTAINER.format(uid=uid)}, "since_id"
            case TaskKind.FOLLOWING:
                params, paging = {"containerid": FOLLOWS_CONTAINER.format(uid=uid)}, "page"
            case TaskKind.POSTS:
                container = TIMELINE_CONTAINER.format(uid=uid)
                params = {"type": "uid", "value": uid, "containerid": container}
                paging = "page"
            case _:
                raise InputError(
                    f"{_where(task)}: weibo has no {task.kind.value!r} lists",
                    hint="Weibo tasks are profile, followers, following, posts and reposts",
                )
        if page is not None:
            params[paging] = page
        return INDEX_PATH, params

    def fetch(self, task: Task) -> Fetched:
        """Fetch the page ``task`` asks for.

        Raises
        ------
        AccessDenied
            No cookie for a list that needs one, or the cookie is refused.
        NotFound
            No such account or post.
        InputError
            A non-numeric target or cursor, or a task kind Weibo has not.
        RateLimited, Unavailable, BadPage
            From the HTTP layer, after its retries.
        """
        path, params = self._params(task)
        headers = self._headers(task)

        def check(fetched: Fetched) -> None:
            check_answer(task, fetched)

        return self.http.request(
            "GET",
            self.base + path,
            params=params,
            headers=headers,
            check=check,
            auth_hint=AUTH_HINT,
            rate_limit_statuses=RATE_LIMIT_STATUSES,
            auth_statuses=AUTH_STATUSES,
        )
