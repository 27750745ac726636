"""Turn m.weibo.cn JSON pages into :class:`~kolgraph.crawl.page.Page` objects.

Pure functions, no I/O: each takes the :class:`~kolgraph.crawl.task.Task`
that fetched a page and the decoded JSON, and returns what the page says in
Weibo's raw ids (numeric uids and post ``mid`` strings). A page that cannot be
read raises :class:`~kolgraph.errors.ParseError` naming the field and the
task (kind, target, cursor).

Every m.weibo.cn answer is an envelope ``{"ok": 1, "data": {...}}``. ``ok``
``0`` with a ``msg`` such as ``"这里还没有内容"`` ("nothing here yet") is how a
list ends (or how an unknown account's list looks); such a page parses to an
empty :class:`Page` with no next cursor. Login walls (``ok == -100``),
throttling and not-found answers are mapped to typed errors by the client's
business-code check before parsing, see :mod:`kolgraph.crawl.weibo.client`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from kolgraph.crawl.page import Page, Post, Profile, Repost, Verified
from kolgraph.crawl.task import Task, TaskKind
from kolgraph.errors import ParseError

__all__ = [
    "FANS_MAX_PAGES",
    "FANS_PAGE_SIZE",
    "FOLLOWS_MAX_PAGES",
    "FOLLOWS_PAGE_SIZE",
    "REPOSTS_MAX_PAGES",
    "REPOSTS_PAGE_SIZE",
    "TIMELINE_PAGE_SIZE",
    "parse",
    "parse_count",
    "parse_followers",
    "parse_following",
    "parse_posts",
    "parse_profile",
    "parse_reposts",
    "parse_time",
    "verified_kind",
]

#: Users per page of a fan list (``containerid=231051_-_fans_-_{uid}``).
FANS_PAGE_SIZE = 20
#: Weibo serves at most 250 pages (``since_id`` 1..250, about 5,000 fans) of
#: anyone's fan list to other users; later pages come back empty.
FANS_MAX_PAGES = 250
#: Users per page of a follow list (``containerid=231051_-_followers_-_{uid}``).
FOLLOWS_PAGE_SIZE = 20
#: The same visibility cap as fan lists (250 pages, about 5,000 accounts).
FOLLOWS_MAX_PAGES = 250
#: Posts per page of a timeline (``containerid=107603{uid}``); pinned posts come on top.
TIMELINE_PAGE_SIZE = 10
#: Reposts per page of ``/api/statuses/repostTimeline``.
REPOSTS_PAGE_SIZE = 10
#: kolgraph stops a repost list after 100 pages (1,000 reposts); Weibo itself
#: often serves fewer pages of a heavily reposted post (``data.max`` says how many).
REPOSTS_MAX_PAGES = 100

_CST = timezone(timedelta(hours=8))  # Weibo's times are China Standard Time
_WEIBO_TIME = "%a %b %d %H:%M:%S %z %Y"  # "Sat Nov 21 10:00:00 +0800 2026"
_LOCAL_TIMES = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d")
_COUNT = re.compile(r"(\d+(?:\.\d+)?)\s*(万|亿)?\+?")
_UNITS = {None: 1, "万": 10_000, "亿": 100_000_000}
_USER_CARD = 10  # card_type of one user in a card_group
_POST_CARD = 9  # card_type of one post (``mblog``)


# helpers ------------------------------------------------------------------------------
def _where(task: Task) -> str:
    return f"weibo {task.kind.value} page of {task.target} (cursor {task.cursor!r})"


def _error(task: Task, message: str) -> ParseError:
    return ParseError(
        f"{_where(task)}: {message}",
        hint="the page is quarantined and fetched again; if it keeps failing, m.weibo.cn "
        "changed its format and kolgraph/crawl/weibo/parse.py needs an update",
    )


def _dict(task: Task, value: Any, field: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        got = "missing" if value is None else f"a {type(value).__name__}"
        raise _error(task, f"field {field!r} is {got}, expected an object")
    return value


def _list(task: Task, value: Any, field: str) -> list[Any]:
    if not isinstance(value, list):
        got = "missing" if value is None else f"a {type(value).__name__}"
        raise _error(task, f"field {field!r} is {got}, expected a list")
    return value


def _id(task: Task, value: Any, field: str) -> str:
    """A numeric id given as a JSON number or a digit string."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return str(value)
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return value
    raise _error(task, f"field {field!r} is {value!r}, expected a numeric id")


def _int(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def parse_count(value: Any) -> int | None:
    """A count as Weibo displays it: ``143``, ``"143"``, ``"1.2万"``, ``"6335.7万"``,
    ``"1.1亿"`` or ``"100万+"``; ``None`` for a missing or unreadable value.

    Examples
    --------
    >>> parse_count("6335.7万"), parse_count(1008), parse_count("100万+")
    (63357000, 1008, 1000000)
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if not isinstance(value, str):
        return None
    m = _COUNT.fullmatch(value.strip().replace(",", ""))
    if m is None:
        return None
    return int(Decimal(m.group(1)) * _UNITS[m.group(2)])


def _count(task: Task, obj: Mapping[str, Any], key: str, where: str) -> int | None:
    """The optional count ``obj[key]`` (at path ``where``): absent → ``None``;
    present but unreadable → error."""
    value = obj.get(key)
    if value is None:
        return None
    n = parse_count(value)
    if n is None:
        raise _error(task, f"field '{where}.{key}' is {value!r}, expected a count")
    return n


def parse_time(value: Any) -> int | None:
    """Unix seconds of a Weibo time; ``None`` when the value has no absolute date.

    m.weibo.cn gives ``"Sat Nov 21 10:00:00 +0800 2026"``; older pages used
    ``"2026-11-21"`` (China time) or relative forms (``"3分钟前"``, ``"昨天
    10:00"``, ``"11-21"``) that cannot be dated without a clock.

    Examples
    --------
    >>> parse_time("Sat Nov 21 10:00:00 +0800 2026")
    1795226400
    >>> parse_time("刚刚") is None
    True
    """
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        return int(datetime.strptime(text, _WEIBO_TIME).timestamp())
    except ValueError:
        pass
    for fmt in _LOCAL_TIMES:
        try:
            return int(datetime.strptime(text, fmt).replace(tzinfo=_CST).timestamp())
        except ValueError:
            continue
    return None


def verified_kind(user: Mapping[str, Any]) -> Verified | None:
    """``"person"`` for ``verified_type`` 0 (orange V), ``"org"`` for 1-7 (blue V:
    government, company, media, school, website, app, organisation), else ``None``
    (-1 ordinary user, 8 company under review, 200/220 "达人" badges, 400 deceased)."""
    if user.get("verified") is False:
        return None
    vt = _int(user.get("verified_type"))
    if vt == 0:
        return "person"
    if vt is not None and 1 <= vt <= 7:
        return "org"
    return None


def _profile(task: Task, user: Mapping[str, Any], field: str) -> Profile:
    name = user.get("screen_name")
    return Profile(
        account_id=_id(task, user.get("id"), f"{field}.id"),
        name=name if isinstance(name, str) else "",
        followers=_count(task, user, "followers_count", field),
        following=_count(task, user, "follow_count", field),
        posts=_count(task, user, "statuses_count", field),
        verified=verified_kind(user),
    )


def _data(task: Task, payload: Any) -> Mapping[str, Any] | None:
    """The ``data`` object of an ``ok == 1`` answer; ``None`` for an ``ok == 0`` (empty) one."""
    env = _dict(task, payload, "<page>")
    ok = env.get("ok")
    if ok == 1:
        return _dict(task, env.get("data"), "data")
    if ok == 0:
        return None
    raise _error(task, f"field 'ok' is {ok!r} (msg {env.get('msg')!r}), expected 1 or 0")


def _page_number(task: Task) -> int:
    if task.cursor is None:
        return 1
    n = _int(task.cursor)
    if n is None or n < 1:
        raise _error(task, f"cursor {task.cursor!r} is not a page number")
    return n


def _user_cards(task: Task, data: Mapping[str, Any]) -> Iterator[tuple[Mapping[str, Any], str]]:
    """Every ``card_type`` 10 user of ``data.cards[*].card_group[*]``, with its path."""
    for c, card in enumerate(_list(task, data.get("cards"), "data.cards")):
        card = _dict(task, card, f"data.cards[{c}]")
        group = card.get("card_group")
        if group is None:
            continue
        for g, item in enumerate(_list(task, group, f"data.cards[{c}].card_group")):
            path = f"data.cards[{c}].card_group[{g}]"
            item = _dict(task, item, path)
            if _int(item.get("card_type")) != _USER_CARD:
                continue
            yield _dict(task, item.get("user"), f"{path}.user"), f"{path}.user"


def _next_page(
    task: Task,
    info: Mapping[str, Any],
    key: str | None,
    current: int,
    *,
    had_items: bool,
    absent_ends: bool,
    cap: int | None,
) -> str | None:
    """The cursor of the page after page ``current``, or ``None`` at the end.

    ``info[key]`` is the next page number Weibo announces; ``null``, ``""`` or
    ``0`` there means "last page". When the key is absent the list ends if
    ``absent_ends``, else the next page is ``current + 1``. A page without
    items ends the list, and so does a next page beyond ``cap``.
    """
    if not had_items:
        return None
    if key is not None and key in info:
        value = info[key]
        if value in (None, "", 0, "0"):
            return None
        nxt = _int(value)
        if nxt is None:
            raise _error(task, f"field 'cardlistInfo.{key}' is {value!r}, expected a page number")
    elif absent_ends:
        return None
    else:
        nxt = current + 1
    if nxt <= current or (cap is not None and nxt > cap):
        return None
    return str(nxt)


def _info(task: Task, data: Mapping[str, Any]) -> Mapping[str, Any]:
    info = data.get("cardlistInfo")
    return {} if info is None else _dict(task, info, "data.cardlistInfo")


def _total(info: Mapping[str, Any]) -> int | None:
    return parse_count(info.get("total"))


# one function per task kind ---------------------------------------------------------
def parse_profile(task: Task, payload: Any) -> Page:
    """``GET /api/container/getIndex?type=uid&value={uid}`` → the account's profile."""
    data = _data(task, payload)
    if data is None:
        msg = payload.get("msg") if isinstance(payload, Mapping) else None
        raise _error(task, f"'ok' is 0 (msg {msg!r}): no data.userInfo in a profile page")
    user = _dict(task, data.get("userInfo"), "data.userInfo")
    return Page(profiles=[_profile(task, user, "data.userInfo")])


def _user_list(task: Task, payload: Any, *, fans: bool) -> Page:
    data = _data(task, payload)
    if data is None:
        return Page()
    page = Page()
    for user, path in _user_cards(task, data):
        prof = _profile(task, user, path)
        page.profiles.append(prof)
        edge = (prof.account_id, task.target) if fans else (task.target, prof.account_id)
        page.follows.append(edge)
    info = _info(task, data)
    page.next_cursor = _next_page(
        task,
        info,
        "since_id" if fans else "page",
        _page_number(task),
        had_items=bool(page.follows),
        absent_ends=fans,
        cap=FANS_MAX_PAGES if fans else FOLLOWS_MAX_PAGES,
    )
    page.total = _total(info)
    return page


def parse_followers(task: Task, payload: Any) -> Page:
    """A fan-list page (``containerid=231051_-_fans_-_{uid}``, cursor ``since_id``).

    Follows are ``(fan, target)``; the next cursor is ``cardlistInfo.since_id``
    (the next page number), ``None`` after the last page or past page
    :data:`FANS_MAX_PAGES`.
    """
    return _user_list(task, payload, fans=True)


def parse_following(task: Task, payload: Any) -> Page:
    """A follow-list page (``containerid=231051_-_followers_-_{uid}``, cursor ``page``).

    Follows are ``(target, followed)``; the next cursor is ``cardlistInfo.page``
    when given, else the next page number while pages have users.
    """
    return _user_list(task, payload, fans=False)


def parse_posts(task: Task, payload: Any) -> Page:
    """A timeline page (``containerid=107603{uid}``, cursor ``page``).

    Every ``card_type`` 9 card holds an ``mblog``. Original posts become
    :class:`Post` objects (``reposts`` from ``reposts_count``); a repost by the
    account (an ``mblog`` with a ``retweeted_status``) becomes a
    :class:`Repost` edge from the account to the original author, dated by the
    repost (reposts of deleted posts, which have no author, are skipped).
    """
    data = _data(task, payload)
    if data is None:
        return Page()
    page = Page()
    seen = 0
    for c, card in enumerate(_list(task, data.get("cards"), "data.cards")):
        path = f"data.cards[{c}]"
        card = _dict(task, card, path)
        if _int(card.get("card_type")) != _POST_CARD or card.get("mblog") is None:
            continue
        seen += 1
        blog = _dict(task, card["mblog"], f"{path}.mblog")
        author = task.target
        if blog.get("user") is not None:
            user = _dict(task, blog["user"], f"{path}.mblog.user")
            author = _id(task, user.get("id"), f"{path}.mblog.user.id")
        ts = parse_time(blog.get("created_at"))
        if ts is None:
            raise _error(
                task,
                f"field '{path}.mblog.created_at' is {blog.get('created_at')!r}, "
                "expected a time like 'Sat Nov 21 10:00:00 +0800 2026'",
            )
        original = blog.get("retweeted_status")
        if original is not None:
            original = _dict(task, original, f"{path}.mblog.retweeted_status")
            ouser = original.get("user")
            if ouser is None:  # "抱歉，此微博已被作者删除" — the original is gone
                continue
            ouser = _dict(task, ouser, f"{path}.mblog.retweeted_status.user")
            opid = original.get("mid", original.get("id"))
            page.reposts.append(
                Repost(
                    reposter=author,
                    author=_id(task, ouser.get("id"), f"{path}.mblog.retweeted_status.user.id"),
                    post_id=_id(task, opid, f"{path}.mblog.retweeted_status.mid"),
                    ts=ts,
                )
            )
            continue
        page.posts.append(
            Post(
                post_id=_id(task, blog.get("mid", blog.get("id")), f"{path}.mblog.mid"),
                author=author,
                ts=ts,
                reposts=_count(task, blog, "reposts_count", f"{path}.mblog"),
            )
        )
    info = _info(task, data)
    page.next_cursor = _next_page(
        task, info, "page", _page_number(task), had_items=seen > 0, absent_ends=False, cap=None
    )
    page.total = _total(info)
    return page


def parse_reposts(task: Task, payload: Any) -> Page:
    """A page of ``/api/statuses/repostTimeline?id={mid}&page={n}``.

    ``data.data`` lists the reposts (``user`` and ``created_at`` each); every
    one is a :class:`Repost` from the reposter to ``task.owner`` (the post's
    author; the item's ``retweeted_status.user`` when the task has no owner),
    dated by the item or, when its time is relative, by ``task.ts``.
    ``data.total_number`` is the stated total and ``data.max`` the number of
    pages Weibo will serve; the list stops there or at :data:`REPOSTS_MAX_PAGES`.
    """
    data = _data(task, payload)
    if data is None:
        return Page()
    page = Page()
    items = _list(task, data.get("data"), "data.data")
    for k, item in enumerate(items):
        path = f"data.data[{k}]"
        item = _dict(task, item, path)
        user = _dict(task, item.get("user"), f"{path}.user")
        prof = _profile(task, user, f"{path}.user")
        page.profiles.append(prof)
        author = task.owner
        if author is None:
            original = item.get("retweeted_status")
            if isinstance(original, Mapping) and isinstance(original.get("user"), Mapping):
                author = _id(task, original["user"].get("id"), f"{path}.retweeted_status.user.id")
            else:
                raise _error(task, f"no task owner and no '{path}.retweeted_status.user'")
        ts = parse_time(item.get("created_at"))
        if ts is None:
            ts = task.ts
        if ts is None:
            raise _error(
                task,
                f"field '{path}.created_at' is {item.get('created_at')!r} and the task has no ts",
            )
        page.reposts.append(
            Repost(reposter=prof.account_id, author=author, post_id=task.target, ts=ts)
        )
    last = _int(data.get("max"))
    page.next_cursor = _next_page(
        task,
        {},
        None,
        _page_number(task),
        had_items=bool(items),
        absent_ends=False,
        cap=REPOSTS_MAX_PAGES if last is None else min(last, REPOSTS_MAX_PAGES),
    )
    page.total = parse_count(data.get("total_number"))
    return page


_PARSERS = {
    TaskKind.PROFILE: parse_profile,
    TaskKind.FOLLOWERS: parse_followers,
    TaskKind.FOLLOWING: parse_following,
    TaskKind.POSTS: parse_posts,
    TaskKind.REPOSTS: parse_reposts,
}


def parse(task: Task, payload: Any) -> Page:
    """Parse the page ``task`` fetched (dispatch on ``task.kind``).

    Raises
    ------
    ParseError
        When the page lacks a field or has one of the wrong type (the message
        names the field, the task kind, target and cursor), or for a task kind
        Weibo does not have (``quotes``).
    """
    parser = _PARSERS.get(task.kind)
    if parser is None:
        raise _error(task, f"weibo has no {task.kind.value!r} lists")
    return parser(task, payload)
