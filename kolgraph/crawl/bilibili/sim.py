"""Bilibili as the simulator plays it: the real endpoints, shapes, page sizes and limits.

:data:`SIM` serves a :class:`~kolgraph.crawl.simulator.network.SimNetwork` on
the paths of the real API (both hosts on one server):

``/x/web-interface/card?mid=``
    ``data.card`` with ``mid`` (a string, as on Bilibili), ``name``,
    ``fans``, ``attention``, ``Official`` and ``official_verify``.
``/x/relation/followers?vmid=&pn=&ps=`` and ``/x/relation/followings``
    ``data.list`` (newest first, ``ps`` ≤ 50, default 50) and ``data.total``;
    only the first 5 pages of a list are served, later pages answer
    ``{"code": 22007, "message": "限制只访问前5页"}``; a page past the end of
    the list is an empty ``list``.
``/x/polymer/web-dynamic/v1/feed/space?host_mid=&offset=``
    12 dynamics per page, newest first; ``data.offset`` is the last item's
    ``id_str`` and ``data.has_more`` a boolean; the last page has
    ``has_more: false`` and ``offset: ""``.
``/dynamic_repost/v1/dynamic_repost/repost_detail?dynamic_id=&offset=``
    (api.vc.bilibili.com) 20 reposts per page, newest first, each
    ``items[*].desc`` with ``uid``, ``timestamp`` and ``user_profile``;
    ``has_more`` is 0/1, ``offset`` is ``"0:{dynamic id of the last repost}"``
    and is left out on the last page; the envelope has ``msg`` besides
    ``message`` and no ``ttl``, as on that host. As on Bilibili, no more
    than about 550 reposts are served: the list ends (``has_more: 0``) after
    28 pages.

Unknown accounts or posts answer ``{"code": -404, "message": "啥都木有"}``;
a missing or non-numeric id ``-400``. A request is authorized by any
non-empty ``SESSDATA`` cookie not containing ``expired``; otherwise (and for
the ``expired`` fault) the answer is code -101 "账号未登录". Throttling is
HTTP 412 with ``{"code": -412, "message": "请求被拦截"}`` and, like Bilibili,
no ``Retry-After``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from kolgraph.crawl.simulator.network import SimNetwork, SimPost
from kolgraph.crawl.simulator.routes import Handler, Route, SimRequest, SimResponse

__all__ = ["FEED_PAGE_SIZE", "REPOST_PAGE_SIZE", "REPOST_SOFT_CAP", "SIM", "BilibiliSim"]

RELATION_PAGE_SIZE_MAX = 50
RELATION_PAGE_CAP = 5
FEED_PAGE_SIZE = 12
REPOST_PAGE_SIZE = 20
#: Reposts served per dynamic at most (28 pages of 20: "about 550").
REPOST_SOFT_CAP = 28 * REPOST_PAGE_SIZE
#: A repost's dynamic id: the reposted post id times this, plus its position.
_REPOST_ID_FACTOR = 100_000
_NOFACE = "https://i0.hdslb.com/bfs/face/member/noface.jpg"
_FOLLOW_EPOCH = 1_700_000_000


# ------------------------------------------------------------------------ envelopes
def _ok(data: Any) -> SimResponse:
    return SimResponse(200, {"code": 0, "message": "0", "ttl": 1, "data": data})


def _err(code: int, message: str) -> SimResponse:
    return SimResponse(200, {"code": code, "message": message, "ttl": 1})


def _vc_ok(data: Any) -> SimResponse:
    return SimResponse(200, {"code": 0, "msg": "", "message": "", "data": data})


def _vc_err(code: int, message: str) -> SimResponse:
    return SimResponse(200, {"code": code, "msg": message, "message": message, "data": {}})


_BAD_REQUEST = (-400, "请求错误")
_NOT_FOUND = (-404, "啥都木有")


def _account(net: SimNetwork, req: SimRequest, name: str) -> int | SimResponse:
    """The position of the account named by query parameter ``name``, or the error answer."""
    raw = req.query.get(name, "")
    if not raw.isdigit():
        return _err(*_BAD_REQUEST)
    i = net.index(raw)
    return _err(*_NOT_FOUND) if i is None else i


# ------------------------------------------------------------------------- objects
def _official(net: SimNetwork, i: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(Official, official_verify)`` of account ``i``."""
    verified = net.verified(i)
    if verified == "person":
        title = "bilibili 知名UP主"
        return {"role": 1, "title": title, "desc": "", "type": 0}, {"type": 0, "desc": title}
    if verified == "org":
        role = 5 if net.kinds[i] == "media" else 3
        title = f"{net.names[i]}官方账号"
        return {"role": role, "title": title, "desc": "", "type": 1}, {"type": 1, "desc": title}
    return {"role": 0, "title": "", "desc": "", "type": -1}, {"type": -1, "desc": ""}


def _vip() -> dict[str, Any]:
    return {
        "vipType": 0,
        "vipDueDate": 0,
        "dueRemark": "",
        "accessStatus": 0,
        "vipStatus": 0,
        "vipStatusWarn": "",
        "themeType": 0,
        "label": {"path": ""},
    }


def _pendant() -> dict[str, Any]:
    return {
        "pid": 0,
        "name": "",
        "image": "",
        "expire": 0,
        "image_enhance": "",
        "image_enhance_frame": "",
    }


def _relation_item(net: SimNetwork, j: int, rank: int) -> dict[str, Any]:
    _, verify = _official(net, j)
    return {
        "mid": int(net.account_id(j)),
        "attribute": 0,
        "mtime": _FOLLOW_EPOCH - 3600 * rank,
        "tag": None,
        "special": 0,
        "contract_info": {},
        "uname": net.names[j],
        "face": _NOFACE,
        "sign": "",
        "face_nft": 0,
        "official_verify": verify,
        "vip": _vip(),
        "nft_icon": "",
        "rec_reason": "",
        "track_id": "",
    }


# -------------------------------------------------------------------------- routes
def _card(net: SimNetwork, req: SimRequest, m: re.Match[str]) -> SimResponse:
    i = _account(net, req, "mid")
    if isinstance(i, SimResponse):
        return i
    official, verify = _official(net, i)
    following = int(net.following_count[i])
    card = {
        "mid": net.account_id(i),
        "name": net.names[i],
        "approve": False,
        "sex": "保密",
        "rank": "10000",
        "face": _NOFACE,
        "DisplayRank": "0",
        "regtime": 0,
        "spacesta": 0,
        "birthday": "",
        "place": "",
        "description": "",
        "article": 0,
        "attentions": [],
        "fans": int(net.followers_count[i]),
        "friend": following,
        "attention": following,
        "sign": "",
        "level_info": {"current_level": 5, "current_min": 0, "current_exp": 0, "next_exp": 0},
        "pendant": _pendant(),
        "nameplate": {
            "nid": 0,
            "name": "",
            "image": "",
            "image_small": "",
            "level": "",
            "condition": "",
        },
        "Official": official,
        "official_verify": verify,
        "vip": _vip(),
    }
    return _ok(
        {
            "card": card,
            "following": False,
            "archive_count": len(net.timeline(i)),
            "article_count": 0,
            "follower": int(net.followers_count[i]),
            "like_num": 0,
        }
    )


def _relations(followers: bool) -> Handler:
    def handler(net: SimNetwork, req: SimRequest, m: re.Match[str]) -> SimResponse:
        i = _account(net, req, "vmid")
        if isinstance(i, SimResponse):
            return i
        pn = max(1, req.int_arg("pn", 1))
        ps = min(RELATION_PAGE_SIZE_MAX, max(1, req.int_arg("ps", RELATION_PAGE_SIZE_MAX)))
        if pn > RELATION_PAGE_CAP:
            return _err(22007, "限制只访问前5页")
        people = net.followers(i) if followers else net.following(i)
        lo = (pn - 1) * ps
        items = [_relation_item(net, int(j), lo + r) for r, j in enumerate(people[lo : lo + ps])]
        return _ok({"list": items, "re_version": 0, "total": int(people.shape[0])})

    return handler


def _dynamic(net: SimNetwork, i: int, post: SimPost) -> dict[str, Any]:
    _, verify = _official(net, i)
    text = f"动态 {post.post_id}"
    return {
        "basic": {
            "comment_id_str": post.post_id,
            "comment_type": 17,
            "like_icon": {"action_url": "", "end_url": "", "id": 0, "start_url": ""},
            "rid_str": post.post_id,
        },
        "id_str": post.post_id,
        "modules": {
            "module_author": {
                "face": _NOFACE,
                "face_nft": False,
                "following": None,
                "jump_url": f"//space.bilibili.com/{net.account_id(i)}/dynamic",
                "label": "",
                "mid": int(net.account_id(i)),
                "name": net.names[i],
                "official_verify": verify,
                "pendant": _pendant(),
                "pub_action": "",
                "pub_location_text": "",
                "pub_time": "",
                "pub_ts": post.ts,
                "type": "AUTHOR_TYPE_NORMAL",
            },
            "module_dynamic": {
                "additional": None,
                "desc": {
                    "rich_text_nodes": [
                        {"orig_text": text, "text": text, "type": "RICH_TEXT_NODE_TYPE_TEXT"}
                    ],
                    "text": text,
                },
                "major": None,
                "topic": None,
            },
            "module_more": {"three_point_items": [{"label": "举报", "type": "THREE_POINT_REPORT"}]},
            "module_stat": {
                "comment": {"count": 0, "forbidden": False},
                "forward": {"count": post.reposts, "forbidden": False},
                "like": {"count": 0, "forbidden": False, "status": False},
            },
        },
        "type": "DYNAMIC_TYPE_WORD",
        "visible": True,
    }


def _space(net: SimNetwork, req: SimRequest, m: re.Match[str]) -> SimResponse:
    i = _account(net, req, "host_mid")
    if isinstance(i, SimResponse):
        return i
    posts = net.timeline(i)
    offset = req.query.get("offset", "")
    start = 0
    if offset:
        ids = [p.post_id for p in posts]
        start = ids.index(offset) + 1 if offset in ids else len(posts)
    chunk = posts[start : start + FEED_PAGE_SIZE]
    has_more = start + len(chunk) < len(posts)
    return _ok(
        {
            "has_more": has_more,
            "items": [_dynamic(net, i, p) for p in chunk],
            "offset": chunk[-1].post_id if has_more else "",
            "update_baseline": chunk[0].post_id if chunk else "",
            "update_num": 0,
        }
    )


def _repost_item(net: SimNetwork, post: SimPost, k: int, j: int, ts: int) -> dict[str, Any]:
    _, verify = _official(net, j)
    uid = int(net.account_id(j))
    dyn = int(post.post_id) * _REPOST_ID_FACTOR + k
    orig = int(post.post_id)
    card = {
        "user": {"uid": uid, "uname": net.names[j], "face": _NOFACE},
        "item": {
            "rp_id": dyn,
            "uid": uid,
            "content": "转发动态",
            "ctrl": "[]",
            "orig_dy_id": orig,
            "pre_dy_id": orig,
            "timestamp": 0,
            "reply": 0,
            "orig_type": 4,
        },
    }
    return {
        "desc": {
            "uid": uid,
            "type": 1,
            "rid": dyn,
            "acl": 0,
            "view": 0,
            "repost": 0,
            "like": 0,
            "is_liked": 0,
            "dynamic_id": dyn,
            "timestamp": ts,
            "pre_dy_id": orig,
            "orig_dy_id": orig,
            "orig_type": 4,
            "user_profile": {
                "info": {"uid": uid, "uname": net.names[j], "face": _NOFACE, "face_nft": 0},
                "card": {"official_verify": verify},
                "vip": _vip(),
                "pendant": _pendant(),
                "rank": "10000",
                "sign": "",
                "level_info": {"current_level": 4},
            },
            "uid_type": 1,
            "stype": 0,
            "r_type": 1,
            "inner_id": 0,
            "status": 1,
            "dynamic_id_str": str(dyn),
            "pre_dy_id_str": str(orig),
            "orig_dy_id_str": str(orig),
            "rid_str": str(dyn),
        },
        "card": json.dumps(card, ensure_ascii=False),
        "extend_json": "{}",
        "display": {"relation": {"status": 1, "is_follow": 0, "is_followed": 0}},
    }


def _repost_detail(net: SimNetwork, req: SimRequest, m: re.Match[str]) -> SimResponse:
    raw = req.query.get("dynamic_id", "")
    if not raw.isdigit():
        return _vc_err(*_BAD_REQUEST)
    post = net.post(raw)
    if post is None:
        return _vc_err(*_NOT_FOUND)
    users, times = net.reposts(post.post_id)
    n = min(int(users.shape[0]), REPOST_SOFT_CAP)
    start = 0
    offset = req.query.get("offset", "")
    if offset:
        _, _, last = offset.partition(":")
        k = int(last) - int(post.post_id) * _REPOST_ID_FACTOR if last.isdigit() else -1
        start = k + 1 if 0 <= k < n else n
    stop = min(n, start + REPOST_PAGE_SIZE)
    items = [_repost_item(net, post, k, int(users[k]), int(times[k])) for k in range(start, stop)]
    data: dict[str, Any] = {"has_more": int(stop < n), "total": int(users.shape[0])}
    data["items"] = items
    if stop < n:
        data["offset"] = f"0:{int(post.post_id) * _REPOST_ID_FACTOR + stop - 1}"
    data["_gt_"] = 0
    return _vc_ok(data)


# ----------------------------------------------------------------------- platform
class BilibiliSim:
    """Bilibili for the :class:`~kolgraph.crawl.simulator.server.Simulator` (a
    :class:`~kolgraph.crawl.simulator.routes.SimPlatform`)."""

    name = "bilibili"

    def routes(self) -> Iterable[Route]:
        """The five endpoints the adapter calls."""
        return [
            Route(re.compile(r"/x/web-interface/card"), _card),
            Route(re.compile(r"/x/relation/followers"), _relations(followers=True)),
            Route(re.compile(r"/x/relation/followings"), _relations(followers=False)),
            Route(re.compile(r"/x/polymer/web-dynamic/v1/feed/space"), _space),
            Route(re.compile(r"/dynamic_repost/v1/dynamic_repost/repost_detail"), _repost_detail),
        ]

    def authorized(self, req: SimRequest) -> bool:
        """A non-empty ``SESSDATA`` cookie that does not contain ``expired``."""
        for part in req.headers.get("cookie", "").split(";"):
            key, _, value = part.strip().partition("=")
            if key == "SESSDATA":
                return bool(value) and "expired" not in value
        return False

    def rate_limited(self, retry_after: float) -> SimResponse:
        """HTTP 412 ``{"code": -412, "message": "请求被拦截"}`` (Bilibili sends no Retry-After)."""
        return SimResponse(412, {"code": -412, "message": "请求被拦截", "ttl": 1, "data": None})

    def expired(self) -> SimResponse:
        """Code -101 "账号未登录" (not logged in), with HTTP 200."""
        return _err(-101, "账号未登录")


SIM = BilibiliSim()
