"""Weibo adapter: crawls the mobile JSON API of m.weibo.cn.

Endpoints
---------
Every request is a ``GET`` with the headers ``Referer: https://m.weibo.cn/``,
``X-Requested-With: XMLHttpRequest`` and ``MWeibo-Pwa: 1``; ids are numeric
(uid such as ``1669879400``, post ``mid`` such as ``4607741009594608``).

``profile`` (cookie optional)
    ``https://m.weibo.cn/api/container/getIndex?type=uid&value={uid}``
``followers`` (cookie required)
    ``https://m.weibo.cn/api/container/getIndex?containerid=231051_-_fans_-_{uid}``
    and ``&since_id={n}`` for page ``n`` ≥ 2
``following`` (cookie required)
    ``https://m.weibo.cn/api/container/getIndex?containerid=231051_-_followers_-_{uid}``
    and ``&page={n}`` for page ``n`` ≥ 2
``posts`` (cookie optional)
    ``https://m.weibo.cn/api/container/getIndex?type=uid&value={uid}&containerid=107603{uid}``
    and ``&page={n}`` for page ``n`` ≥ 2
``reposts`` (cookie required)
    ``https://m.weibo.cn/api/statuses/repostTimeline?id={mid}&page={n}``

Answers are ``{"ok": 1, "data": ...}``: the profile in ``data.userInfo``;
fans and follows as ``card_type`` 10 items (``user``) in
``data.cards[*].card_group``, the next page in ``data.cardlistInfo.since_id``
(fans) or ``data.cardlistInfo.page`` (follows); posts as ``card_type`` 9
cards (``mblog``: ``mid``, ``created_at`` like ``"Sat Nov 21 10:00:00 +0800
2026"``, ``reposts_count``); reposts in ``data.data`` (``user``,
``created_at``) with ``data.total_number`` and ``data.max`` (pages served).
``{"ok": 0, "msg": "这里还没有内容"}`` ("nothing here yet") ends a list.

Credentials
-----------
``weibo_cookie`` (environment ``KOLGRAPH_WEIBO_COOKIE``): the ``Cookie``
header of a logged-in m.weibo.cn session (copy it from the browser's
developer tools; it must contain ``SUB=...``). Guests get profiles and
timelines, but fan and follow lists and repost lists answer with the login
wall ``{"ok": -100, "url": "https://passport.weibo.cn/signin/..."}``, so those
tasks refuse to run without a cookie (:class:`~kolgraph.errors.AccessDenied`
naming the setting). An expired cookie gets the same ``ok: -100`` answer and
the same error: log in again and replace the setting. The cookie is sent with
every request when it is set; set it even for profile-only crawls, since
m.weibo.cn blocks many cookieless clients outright with HTTP 432. Settings of
the other platforms: ``x_bearer_token`` (``KOLGRAPH_X_BEARER_TOKEN``) and
``bilibili_cookie`` (``KOLGRAPH_BILIBILI_COOKIE``).

Limits and coverage
-------------------
* Fan lists: 20 per page and at most 250 pages (``since_id`` 1..250), so only
  the newest ~5,000 fans of an account are visible to anyone but the account
  itself (as crawler authors report; Weibo documents no number). For a KOL
  with millions of fans the follower edges are a sample of recent fans; the
  profile's ``followers_count`` keeps the true size and the crawler records
  the list as partial (``max_pages``).
* Follow lists: 20 per page. Weibo documents no cap for m.weibo.cn; kolgraph
  assumes the fan-list cap of 250 pages (follow lists are rarely that long).
* Timelines: 10 posts per page (a pinned post may come on top of page 1); no
  cap of Weibo's own, the crawler's ``max_posts`` budget bounds it. A repost on
  a timeline becomes a repost edge to the original author; a repost of a
  deleted post is skipped.
* Reposts: about 10 per page; Weibo serves ``data.max`` pages and often stops
  well short of ``data.total_number`` for heavily reposted posts (hidden,
  deleted and private reposts are never listed). kolgraph stops after 100
  pages (1,000 reposts) per post; ``total_number`` is kept for coverage.
* Counts of 10,000 or more come as display strings (``"1.2万"``,
  ``"6335.7万"``, ``"1.1亿"``) and are read to that precision.
* Rate limits are undocumented. Weibo throttles with HTTP 418 (no
  ``Retry-After``) or ``{"ok": 0, "errno": "100005", "msg": "请求过于频繁"}``;
  both are retried with backoff. Keep ``KOLGRAPH_CRAWL_RPM`` low: crawlers
  report 418s even at a page every few seconds, per IP as much as per cookie.
* ``verified_type`` 0 (orange V) is ``"person"``, 1-7 (government, company,
  media, school, website, app, organisation blue V) is ``"org"``; -1, 8
  (pending), 200/220 (达人 badges) and 400 are unverified.
"""

from __future__ import annotations

from kolgraph.crawl.adapter import Platform
from kolgraph.crawl.task import TaskKind
from kolgraph.crawl.weibo.client import WeiboClient
from kolgraph.crawl.weibo.parse import FANS_MAX_PAGES, FOLLOWS_MAX_PAGES, REPOSTS_MAX_PAGES, parse

__all__ = ["PLATFORM", "WeiboClient", "parse"]

PLATFORM = Platform(
    name="weibo",
    make_client=WeiboClient,
    parse=parse,
    max_pages={
        TaskKind.FOLLOWERS: FANS_MAX_PAGES,
        TaskKind.FOLLOWING: FOLLOWS_MAX_PAGES,
        TaskKind.REPOSTS: REPOSTS_MAX_PAGES,
    },
)
