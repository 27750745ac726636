"""Pure parsers of Bilibili's JSON pages: payload in, :class:`~kolgraph.crawl.page.Page` out.

No I/O: every function takes the task the page was fetched for and the
decoded JSON, and raises :class:`~kolgraph.errors.ParseError` naming the
missing or malformed field, the task kind, target and cursor when the page is
not what Bilibili sends. Ids come back as strings (Bilibili mixes numbers and
numeric strings: ``card.mid`` is a string, ``list[*].mid`` a number);
times as unix seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kolgraph.crawl.bilibili.client import (
    PAGE_CAP,
    PAGE_LIMIT_CODE,
    RELATION_PAGE_SIZE,
    page_number,
    task_label,
)
from kolgraph.crawl.page import Page, Post, Profile, Repost, Verified
from kolgraph.crawl.task import Task, TaskKind
from kolgraph.errors import ParseError

__all__ = [
    "parse",
    "parse_card",
    "parse_dynamics",
    "parse_relations",
    "parse_reposts",
    "verified_of",
]

_HINT = (
    "the page was quarantined and will be fetched again; if it keeps failing Bilibili "
    "changed its format: fix kolgraph/crawl/bilibili/parse.py and run `kolgraph crawl replay`"
)


class _Where:
    """Names a place in a page for error messages."""

    def __init__(self, task: Task) -> None:
        self.prefix = task_label(task)

    def error(self, path: str, problem: str) -> ParseError:
        return ParseError(f"{self.prefix}: {path} {problem}", hint=_HINT)


def _field(obj: Any, key: str, path: str, where: _Where) -> Any:
    """``obj[key]``; the error names ``path.key`` when ``obj`` has no such field."""
    if not isinstance(obj, dict):
        raise where.error(path, f"is {_kind(obj)}, not an object")
    if key not in obj:
        raise where.error(f"{path}.{key}", "is missing")
    return obj[key]


def _object(value: Any, path: str, where: _Where) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise where.error(path, f"is {_kind(value)}, not an object")
    return value


def _list(value: Any, path: str, where: _Where) -> list[Any]:
    if not isinstance(value, list):
        raise where.error(path, f"is {_kind(value)}, not a list")
    return value


def _int(value: Any, path: str, where: _Where) -> int:
    """An integer given as a JSON number or a numeric string."""
    if isinstance(value, bool):
        raise where.error(path, f"is a boolean ({value}), not an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    raise where.error(path, f"is {_kind(value)} {value!r}, not an integer")


def _id(value: Any, path: str, where: _Where) -> str:
    """A positive numeric id (number or numeric string) as a string."""
    n = _int(value, path, where)
    if n <= 0:
        raise where.error(path, f"is {n}, not a positive id")
    return str(n)


def _str(value: Any, path: str, where: _Where) -> str:
    if not isinstance(value, str):
        raise where.error(path, f"is {_kind(value)}, not a string")
    return value


def _flag(value: Any, path: str, where: _Where) -> bool:
    """``has_more``: a boolean on api.bilibili.com, 0/1 on api.vc.bilibili.com."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise where.error(path, f"is {_kind(value)} {value!r}, not a boolean")


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def verified_of(official: Any) -> Verified | None:
    """Bilibili's verification type as kolgraph's ``verified``.

    ``official`` is an ``Official`` / ``official_verify`` object:
    ``type`` -1 (or absent) is none, 0 a verified person (UP主认证,
    个人认证), 1 a verified organisation (机构认证: company, media,
    government).
    """
    if not isinstance(official, dict):
        return None
    t = official.get("type")
    if t == 0:
        return "person"
    if t == 1:
        return "org"
    return None


def _data(task: Task, payload: Any, where: _Where) -> Any:
    """The envelope's ``data`` after checking ``code`` is 0."""
    code = _int(_field(payload, "code", "root", where), "root.code", where)
    if code != 0:
        msg = payload.get("message") or payload.get("msg") or ""
        raise where.error("root.code", f"is {code} ({msg!r}), not 0")
    return _field(payload, "data", "root", where)


# ------------------------------------------------------------------------- profile
def parse_card(task: Task, payload: Any) -> Page:
    """A user card (``/x/web-interface/card``): one :class:`Profile`.

    Reads ``data.card``: ``mid``, ``name``, ``fans`` (followers),
    ``attention`` (followings) and ``Official.type`` (falling back to
    ``official_verify.type``) for ``verified``.
    """
    where = _Where(task)
    data = _object(_data(task, payload, where), "data", where)
    card = _object(_field(data, "card", "data", where), "data.card", where)
    account_id = _id(_field(card, "mid", "data.card", where), "data.card.mid", where)
    name = _str(_field(card, "name", "data.card", where), "data.card.name", where)
    fans = _int(_field(card, "fans", "data.card", where), "data.card.fans", where)
    attention = _int(_field(card, "attention", "data.card", where), "data.card.attention", where)
    official = card.get("Official")
    if not isinstance(official, dict):
        official = card.get("official_verify")
    return Page(
        profiles=[
            Profile(
                account_id=account_id,
                name=name,
                followers=fans,
                following=attention,
                verified=verified_of(official),
            )
        ]
    )


# ------------------------------------------------------------------- relation lists
def parse_relations(task: Task, payload: Any) -> Page:
    """A page of followers (``/x/relation/followers``) or followings (``/followings``).

    Each ``data.list[*]`` item is an account (``mid``, ``uname``,
    ``official_verify``) following the target (followers) or followed by it
    (following). The next cursor is the next page number, ``None`` after an
    empty page, once ``total`` is reached, or at page :data:`PAGE_CAP` (the
    API refuses later pages of another user's list with code 22007, which is
    read here as an empty last page).
    """
    where = _Where(task)
    pn = _page(task, where)
    if isinstance(payload, dict) and payload.get("code") == PAGE_LIMIT_CODE:
        return Page()
    data = _object(_data(task, payload, where), "data", where)
    items = _list(_field(data, "list", "data", where), "data.list", where)
    total_raw = data.get("total")
    total = None if total_raw is None else _int(total_raw, "data.total", where)
    page = Page(total=total)
    for k, item in enumerate(items):
        path = f"data.list[{k}]"
        mid = _id(_field(item, "mid", path, where), f"{path}.mid", where)
        uname = item.get("uname")
        page.profiles.append(
            Profile(
                account_id=mid,
                name=uname if isinstance(uname, str) else "",
                verified=verified_of(item.get("official_verify")),
            )
        )
        if task.kind is TaskKind.FOLLOWERS:
            page.follows.append((mid, task.target))
        else:
            page.follows.append((task.target, mid))
    end = not items or pn >= PAGE_CAP or (total is not None and pn * RELATION_PAGE_SIZE >= total)
    page.next_cursor = None if end else str(pn + 1)
    return page


def _page(task: Task, where: _Where) -> int:
    pn = page_number(task)
    if pn is None:
        raise where.error("the task's cursor", "is not a page number >= 1")
    return pn


# ------------------------------------------------------------------------ dynamics
def parse_dynamics(task: Task, payload: Any) -> Page:
    """A page of an account's dynamics (``/x/polymer/web-dynamic/v1/feed/space``).

    Each ``data.items[*]`` is a :class:`Post`: ``id_str``, the author's
    ``modules.module_author.mid``, its time ``pub_ts`` and its repost count
    ``modules.module_stat.forward.count``. The next cursor is ``data.offset``
    while ``data.has_more`` is true.
    """
    where = _Where(task)
    data = _object(_data(task, payload, where), "data", where)
    items = _list(_field(data, "items", "data", where), "data.items", where)
    page = Page()
    for k, item in enumerate(items):
        path = f"data.items[{k}]"
        post_id = _id(_field(item, "id_str", path, where), f"{path}.id_str", where)
        modules = _object(_field(item, "modules", path, where), f"{path}.modules", where)
        mpath = f"{path}.modules"
        author = _object(
            _field(modules, "module_author", mpath, where), f"{mpath}.module_author", where
        )
        apath = f"{mpath}.module_author"
        mid = _id(_field(author, "mid", apath, where), f"{apath}.mid", where)
        ts = _int(_field(author, "pub_ts", apath, where), f"{apath}.pub_ts", where)
        reposts: int | None = None
        stat = modules.get("module_stat")
        if stat is not None:
            spath = f"{mpath}.module_stat"
            forward = _object(_field(stat, "forward", spath, where), f"{spath}.forward", where)
            reposts = _int(
                _field(forward, "count", f"{spath}.forward", where),
                f"{spath}.forward.count",
                where,
            )
        page.posts.append(Post(post_id=post_id, author=mid, ts=ts, reposts=reposts))
    has_more = _flag(_field(data, "has_more", "data", where), "data.has_more", where)
    offset = data.get("offset")
    page.next_cursor = _next_offset(task, has_more, offset, "data.offset", where)
    return page


def _next_offset(task: Task, has_more: bool, offset: Any, path: str, where: _Where) -> str | None:
    if not has_more:
        return None
    if offset is None or offset == "":
        raise where.error(path, "is missing although data.has_more is true")
    if isinstance(offset, bool) or not isinstance(offset, str | int):
        raise where.error(path, f"is {_kind(offset)}, not a string")
    nxt = str(offset)
    # a cursor that does not move would fetch the same page forever
    return None if nxt == task.cursor else nxt


# ------------------------------------------------------------------------- reposts
def parse_reposts(task: Task, payload: Any) -> Page:
    """A page of a dynamic's reposts (``api.vc.bilibili.com/.../repost_detail``).

    Each ``data.items[*].desc`` is a repost by ``uid`` at ``timestamp``
    (the task's post time when absent or 0) of the task's post, whose author
    is ``task.owner``; ``desc.user_profile`` names the reposter and gives
    its verification. The next cursor is ``data.offset`` while
    ``data.has_more`` is 1; ``data.total`` is the repost count.
    """
    where = _Where(task)
    if task.owner is None:
        raise where.error("the task's owner", "is missing (the author of the reposted post)")
    data = _object(_data(task, payload, where), "data", where)
    raw_items = data.get("items")  # absent on a post nobody reposted
    items = [] if raw_items is None else _list(raw_items, "data.items", where)
    total_raw = data.get("total")
    page = Page(total=None if total_raw is None else _int(total_raw, "data.total", where))
    for k, item in enumerate(items):
        path = f"data.items[{k}].desc"
        desc = _object(_field(item, "desc", f"data.items[{k}]", where), path, where)
        uid = _id(_field(desc, "uid", path, where), f"{path}.uid", where)
        raw_ts = desc.get("timestamp")
        ts = 0 if raw_ts is None else _int(raw_ts, f"{path}.timestamp", where)
        if ts <= 0:
            if task.ts is None:
                raise where.error(f"{path}.timestamp", "is missing and the task gives no post time")
            ts = int(task.ts)
        page.reposts.append(Repost(reposter=uid, author=task.owner, post_id=task.target, ts=ts))
        profile = desc.get("user_profile")
        info = profile.get("info") if isinstance(profile, dict) else None
        card = profile.get("card") if isinstance(profile, dict) else None
        uname = info.get("uname") if isinstance(info, dict) else None
        page.profiles.append(
            Profile(
                account_id=uid,
                name=uname if isinstance(uname, str) else "",
                verified=verified_of(card.get("official_verify"))
                if isinstance(card, dict)
                else None,
            )
        )
    has_more = _flag(_field(data, "has_more", "data", where), "data.has_more", where)
    page.next_cursor = _next_offset(task, has_more, data.get("offset"), "data.offset", where)
    return page


# ---------------------------------------------------------------------- dispatcher
_PARSERS: dict[TaskKind, Callable[[Task, Any], Page]] = {
    TaskKind.PROFILE: parse_card,
    TaskKind.FOLLOWERS: parse_relations,
    TaskKind.FOLLOWING: parse_relations,
    TaskKind.POSTS: parse_dynamics,
    TaskKind.REPOSTS: parse_reposts,
}


def parse(task: Task, payload: Any) -> Page:
    """Parse a Bilibili page fetched for ``task``.

    Parameters
    ----------
    task
        The task the page was fetched for.
    payload
        The decoded JSON body.

    Returns
    -------
    Page
        Profiles, follows, reposts or posts, the next cursor and the stated total.

    Raises
    ------
    ParseError
        When a field is missing or malformed (the message names it, with the
        task kind, target and cursor), or the task kind is not a Bilibili list.
    """
    parser = _PARSERS.get(task.kind)
    if parser is None:
        raise _Where(task).error("task kind", "is not one Bilibili serves")
    return parser(task, payload)
