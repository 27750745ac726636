"""m.weibo.cn as the simulator plays it: the SimNetwork in Weibo's own JSON shapes.

Routes (``GET`` only, as on m.weibo.cn):

``/api/container/getIndex``
    ``type=uid&value={uid}`` → profile (``data.userInfo``);
    ``containerid=231051_-_fans_-_{uid}[&since_id=n]`` → fans, 20 a page,
    250 pages at most, next page in ``cardlistInfo.since_id``;
    ``containerid=231051_-_followers_-_{uid}[&page=n]`` → follows, 20 a page,
    250 pages at most, next page in ``cardlistInfo.page``;
    ``containerid=107603{uid}[&page=n]`` → timeline, 10 ``card_type`` 9 cards a
    page, ``cardlistInfo.total`` posts, next page in ``cardlistInfo.page``.
``/api/statuses/repostTimeline?id={mid}&page={n}``
    reposts, 10 a page (``data.data``), with ``data.total_number`` and ``data.max``.

Past the end of a list, and for an unknown account, the answer is
``{"ok": 0, "msg": "这里还没有内容", "data": {"cards": []}}``; an unknown post
gives ``{"ok": 0, "errno": "20101", "msg": "不存在的微博"}`` (Weibo's error code
20101, "target weibo does not exist"). Fan and follow lists and reposts need a
cookie (``Cookie`` header); profiles and timelines are served to guests too.
A missing or refused cookie (one containing ``expired``) gets the login wall
``{"ok": -100, "msg": "请先登录", "url": "https://passport.weibo.cn/signin/..."}``
and throttling is an HTTP 418 with no ``Retry-After`` (Weibo sends none).
Follower counts of 10,000 or more are strings such as ``"1.2万"``, as on Weibo.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from typing import Any

from kolgraph.crawl.simulator.network import POST_BASE, SimNetwork, SimPost
from kolgraph.crawl.simulator.routes import Route, SimRequest, SimResponse
from kolgraph.crawl.weibo.client import INDEX_PATH, REPOSTS_PATH
from kolgraph.crawl.weibo.parse import (
    FANS_MAX_PAGES,
    FANS_PAGE_SIZE,
    FOLLOWS_MAX_PAGES,
    FOLLOWS_PAGE_SIZE,
    REPOSTS_MAX_PAGES,
    REPOSTS_PAGE_SIZE,
    TIMELINE_PAGE_SIZE,
)

__all__ = ["EMPTY", "SIM", "WeiboSim", "weibo_count", "weibo_time"]

EMPTY: dict[str, Any] = {"ok": 0, "msg": "这里还没有内容", "data": {"cards": []}}
NO_SUCH_POST: dict[str, Any] = {"ok": 0, "errno": "20101", "msg": "不存在的微博"}
LOGIN_WALL: dict[str, Any] = {
    "ok": -100,
    "msg": "请先登录",
    "url": "https://passport.weibo.cn/signin/welcome?entry=mweibo&r=https%3A%2F%2Fm.weibo.cn%2F",
}
REPOST_BASE = 4_900_000_000_000_000

_CST = timezone(timedelta(hours=8))
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_LOGIN_PREFIXES = ("231051_",)  # fan and follow lists


def weibo_time(ts: int) -> str:
    """Unix seconds as Weibo writes them: ``"Sat Nov 21 10:00:00 +0800 2026"``
    (English names whatever the locale)."""
    d = datetime.fromtimestamp(int(ts), _CST)
    return (
        f"{_DAYS[d.weekday()]} {_MONTHS[d.month - 1]} {d.day:02d} "
        f"{d.hour:02d}:{d.minute:02d}:{d.second:02d} +0800 {d.year}"
    )


def weibo_count(n: int) -> int | str:
    """A count as Weibo shows it: exact below 10,000, else ``"1.2万"`` / ``"3.4亿"``
    (one decimal, rounded down)."""
    if n < 10_000:
        return int(n)
    unit, name = (100_000_000, "亿") if n >= 100_000_000 else (10_000, "万")
    tenths = n * 10 // unit
    whole, frac = divmod(tenths, 10)
    return f"{whole}.{frac}{name}" if frac else f"{whole}{name}"


def _ok(data: dict[str, Any]) -> SimResponse:
    return SimResponse(200, {"ok": 1, "data": data})


def _empty() -> SimResponse:
    return SimResponse(200, EMPTY)


def _page_arg(req: SimRequest, name: str) -> int:
    return req.int_arg(name, 1)


class WeiboSim:
    """The m.weibo.cn endpoints over a :class:`SimNetwork` (see the module docstring).

    Parameters
    ----------
    fans_page_size, follows_page_size, timeline_page_size, reposts_page_size
        Items per page; Weibo's by default. Tests shrink them to reach the page
        caps (250 fan/follow pages, 100 repost pages) with a small network.
    """

    name = "weibo"

    def __init__(
        self,
        *,
        fans_page_size: int = FANS_PAGE_SIZE,
        follows_page_size: int = FOLLOWS_PAGE_SIZE,
        timeline_page_size: int = TIMELINE_PAGE_SIZE,
        reposts_page_size: int = REPOSTS_PAGE_SIZE,
    ) -> None:
        sizes = (fans_page_size, follows_page_size, timeline_page_size, reposts_page_size)
        if min(sizes) < 1:
            raise ValueError(f"page sizes must be positive, got {sizes}")
        self.fans_page_size = fans_page_size
        self.follows_page_size = follows_page_size
        self.timeline_page_size = timeline_page_size
        self.reposts_page_size = reposts_page_size

    # the SimPlatform protocol ----------------------------------------------------------
    def routes(self) -> Iterable[Route]:
        return [
            Route(re.compile(re.escape(INDEX_PATH)), self._index),
            Route(re.compile(re.escape(REPOSTS_PATH)), self._reposts),
        ]

    def authorized(self, req: SimRequest) -> bool:
        """Any non-empty cookie except one containing ``expired``; no cookie is
        fine for profiles and timelines, not for fan/follow lists and reposts."""
        cookie = req.headers.get("cookie", "").strip()
        if cookie:
            return "expired" not in cookie
        if req.path == REPOSTS_PATH:
            return False
        return not req.query.get("containerid", "").startswith(_LOGIN_PREFIXES)

    def rate_limited(self, retry_after: float) -> SimResponse:
        """Weibo's throttle: HTTP 418 "I'm a teapot", no ``Retry-After``."""
        return SimResponse(418, raw=b"", headers={"Content-Type": "text/html; charset=utf-8"})

    def expired(self) -> SimResponse:
        """The login wall m.weibo.cn shows for a missing or expired cookie."""
        return SimResponse(200, LOGIN_WALL)

    # JSON pieces ---------------------------------------------------------------------
    @staticmethod
    def _verified(net: SimNetwork, i: int) -> tuple[bool, int]:
        kind = net.verified(i)
        if kind == "person":
            return True, 0
        if kind == "org":
            return True, 3 if net.kinds[i] == "media" else 2  # media / company blue V
        return False, -1

    def _user(self, net: SimNetwork, i: int) -> dict[str, Any]:
        uid = net.account_id(i)
        verified, vtype = self._verified(net, i)
        followers = int(net.followers_count[i])
        user: dict[str, Any] = {
            "id": int(uid),
            "screen_name": net.names[i],
            "profile_image_url": f"https://tvax1.sinaimg.cn/crop.0.0.180.180.180/{uid}.jpg",
            "profile_url": f"https://m.weibo.cn/u/{uid}?uid={uid}&luicode=10000011",
            "statuses_count": len(net.timeline(i)),
            "verified": verified,
            "verified_type": vtype,
            "close_blue_v": False,
            "description": "",
            "gender": "f" if i % 2 else "m",
            "mbtype": 0,
            "urank": 4,
            "mbrank": 0,
            "follow_me": False,
            "following": False,
            "followers_count": weibo_count(followers),
            "followers_count_str": str(weibo_count(followers)),
            "follow_count": int(net.following_count[i]),
            "cover_image_phone": "https://tva1.sinaimg.cn/crop.0.0.640.640.640/cover.jpg",
            "avatar_hd": f"https://wx1.sinaimg.cn/orj480/{uid}.jpg",
            "like": False,
            "like_me": False,
        }
        if verified:
            user["verified_reason"] = "微博认证"
        return user

    def _user_card(self, net: SimNetwork, i: int, container: str) -> dict[str, Any]:
        uid = net.account_id(i)
        user = self._user(net, i)
        return {
            "card_type": 10,
            "itemid": f"{container}_-_{uid}",
            "scheme": f"https://m.weibo.cn/u/{uid}?uid={uid}&luicode=10000011&lfid={container}",
            "desc1": user.get("verified_reason", ""),
            "desc2": f"粉丝：{user['followers_count']}",
            "user": user,
            "buttons": [
                {"type": "follow", "name": "关注", "sub_type": 0, "params": {"uid": int(uid)}}
            ],
        }

    def _mblog(self, net: SimNetwork, post: SimPost) -> dict[str, Any]:
        return {
            "visible": {"type": 0, "list_id": 0},
            "created_at": weibo_time(post.ts),
            "id": post.post_id,
            "mid": post.post_id,
            "can_edit": False,
            "text": f"模拟微博 {post.post_id}",
            "textLength": 24,
            "source": "微博 weibo.com",
            "favorited": False,
            "pic_ids": [],
            "is_paid": False,
            "mblog_vip_type": 0,
            "user": self._user(net, post.author),
            "reposts_count": post.reposts,
            "comments_count": 0,
            "attitudes_count": 0,
            "pending_approval_count": 0,
            "isLongText": False,
            "mlevel": 0,
            "pic_num": 0,
        }

    # endpoints -----------------------------------------------------------------------
    def _index(self, net: SimNetwork, req: SimRequest, match: re.Match[str]) -> SimResponse:
        cid = req.query.get("containerid", "")
        if cid.startswith("231051_-_fans_-_"):
            return self._user_list(net, req, cid, cid.removeprefix("231051_-_fans_-_"), fans=True)
        if cid.startswith("231051_-_followers_-_"):
            uid = cid.removeprefix("231051_-_followers_-_")
            return self._user_list(net, req, cid, uid, fans=False)
        if cid.startswith("107603"):
            return self._timeline(net, req, cid, cid.removeprefix("107603"))
        if req.query.get("type") == "uid":
            return self._profile(net, req.query.get("value", ""))
        return _empty()

    def _profile(self, net: SimNetwork, uid: str) -> SimResponse:
        i = net.index(uid)
        if i is None:
            return _empty()
        return _ok(
            {
                "avatar_guide": [],
                "isStarStyle": 0,
                "userInfo": self._user(net, i),
                "fans_scheme": f"https://m.weibo.cn/p/index?containerid=231051_-_fans_-_{uid}",
                "follow_scheme": (
                    f"https://m.weibo.cn/p/index?containerid=231051_-_followers_-_{uid}"
                ),
                "tabsInfo": {
                    "selectedTab": 1,
                    "tabs": [
                        {
                            "id": 1,
                            "tabKey": "profile",
                            "title": "主页",
                            "tab_type": "profile",
                            "containerid": f"230283{uid}",
                        },
                        {
                            "id": 2,
                            "tabKey": "weibo",
                            "title": "微博",
                            "tab_type": "weibo",
                            "containerid": f"107603{uid}",
                        },
                    ],
                },
                "showAppTips": 0,
                "scheme": f"sinaweibo://userinfo?uid={uid}",
            }
        )

    def _user_list(
        self, net: SimNetwork, req: SimRequest, cid: str, uid: str, *, fans: bool
    ) -> SimResponse:
        i = net.index(uid)
        page = _page_arg(req, "since_id" if fans else "page")
        if fans:
            size, cap = self.fans_page_size, FANS_MAX_PAGES
        else:
            size, cap = self.follows_page_size, FOLLOWS_MAX_PAGES
        if i is None or not 1 <= page <= cap:
            return _empty()
        everyone = net.followers(i) if fans else net.following(i)
        chunk = everyone[(page - 1) * size : page * size]
        if len(chunk) == 0:
            return _empty()
        more = page * size < len(everyone) and page < cap
        info: dict[str, Any] = {"containerid": cid, "v_p": 42, "show_style": 1}
        if fans:
            if more:
                info["since_id"] = page + 1
        else:
            info["page"] = page + 1 if more else None
        card: dict[str, Any] = {
            "card_type": 11,
            "show_type": 0,
            "card_group": [self._user_card(net, int(j), cid) for j in chunk],
        }
        if page == 1:
            card["title"] = "他的全部粉丝" if fans else "他的全部关注"
        return _ok({"cardlistInfo": info, "cards": [card], "showAppTips": 0})

    def _timeline(self, net: SimNetwork, req: SimRequest, cid: str, uid: str) -> SimResponse:
        i = net.index(uid)
        page = _page_arg(req, "page")
        if i is None or page < 1:
            return _empty()
        posts = net.timeline(i)
        size = self.timeline_page_size
        chunk = posts[(page - 1) * size : page * size]
        if not chunk:
            return _empty()
        cards = [
            {
                "card_type": 9,
                "itemid": f"{cid}_-_{p.post_id}",
                "scheme": f"https://m.weibo.cn/status/{p.post_id}?mblogid={p.post_id}",
                "mblog": self._mblog(net, p),
            }
            for p in chunk
        ]
        more = page * size < len(posts)
        info = {
            "containerid": cid,
            "v_p": 42,
            "show_style": 1,
            "total": len(posts),
            "page": page + 1 if more else None,
        }
        return _ok({"cardlistInfo": info, "cards": cards, "scheme": "", "showAppTips": 0})

    def _reposts(self, net: SimNetwork, req: SimRequest, match: re.Match[str]) -> SimResponse:
        post = net.post(req.query.get("id", ""))
        if post is None:
            return SimResponse(200, NO_SUCH_POST)
        page = _page_arg(req, "page")
        users, times = net.reposts(post.post_id)
        total = len(users)
        size = self.reposts_page_size
        pages = min(math.ceil(total / size), REPOSTS_MAX_PAGES)
        if not 1 <= page <= pages:
            return _empty()
        lo, hi = (page - 1) * size, page * size
        original = {
            "id": post.post_id,
            "mid": post.post_id,
            "created_at": weibo_time(post.ts),
            "user": self._user(net, post.author),
            "reposts_count": post.reposts,
        }
        base = REPOST_BASE + (int(post.post_id) - POST_BASE) * 100_000
        items = [
            {
                "created_at": weibo_time(int(ts)),
                "id": str(base + k),
                "mid": str(base + k),
                "text": "转发微博",
                "raw_text": "转发微博",
                "source": "微博 weibo.com",
                "user": self._user(net, int(u)),
                "retweeted_status": original,
                "reposts_count": 0,
                "comments_count": 0,
                "attitudes_count": 0,
            }
            for k, (u, ts) in enumerate(zip(users[lo:hi], times[lo:hi], strict=True), start=lo)
        ]
        return _ok({"data": items, "total_number": total, "hot_total_number": 0, "max": pages})


SIM = WeiboSim()
