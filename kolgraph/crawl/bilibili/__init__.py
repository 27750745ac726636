"""Bilibili adapter: accounts, follower lists, dynamics and their reposts.

Endpoints
---------
One ``GET`` per task (:mod:`kolgraph.crawl.bilibili.client`); ``api`` is
``https://api.bilibili.com``, ``vc`` is ``https://api.vc.bilibili.com``:

profile
    ``api/x/web-interface/card?mid={id}``; one page.
followers
    ``api/x/relation/followers?vmid={id}&pn={n}&ps=50``; the cursor is the page ``pn``.
following
    ``api/x/relation/followings?vmid={id}&pn={n}&ps=50``; the cursor is the page ``pn``.
posts (dynamics)
    ``api/x/polymer/web-dynamic/v1/feed/space?host_mid={id}&offset={o}``
    ``&timezone_offset=-480&features=itemOpusStyle``; the cursor is ``data.offset``.
reposts
    ``vc/dynamic_repost/v1/dynamic_repost/repost_detail?dynamic_id={post}&offset={o}``;
    the cursor is ``data.offset``.

What is read (:mod:`kolgraph.crawl.bilibili.parse`): the card's ``fans``
and ``attention`` (declared followers / followings) and ``Official.type``
(-1 none, 0 a verified person, 1 a verified organisation → ``verified``
``None`` / ``"person"`` / ``"org"``); each relation item's ``mid``,
``uname`` and ``official_verify``; each dynamic's ``id_str``,
``module_author.mid`` / ``pub_ts`` and ``module_stat.forward.count``; each
repost's ``desc.uid``, ``desc.timestamp`` and ``desc.user_profile``.

The reposts list: the web page of a dynamic now calls
``/x/polymer/web-dynamic/v1/detail/forward?id=`` (documented since 2025), but
that list gives each repost's time only as relative text ("1分钟前"), so
repost times would be lost. ``repost_detail`` is still documented
(bilibili-API-collect, ``docs/dynamic/basicInfo.md``) and gives every
repost's unix ``timestamp``, which the cascade analysis needs; it is used here.

Credentials
-----------
Every request carries the Cookie header from the setting ``bilibili_cookie``
(env ``KOLGRAPH_BILIBILI_COOKIE``): ``SESSDATA=...`` at least, or a whole
browser cookie string (``SESSDATA=...; buvid3=...; b_nut=...``); a bare value
without ``=`` is sent as ``SESSDATA``. Copy it from a logged-in bilibili.com
session (browser dev tools, Application, Cookies). Without it a fetch raises
:class:`~kolgraph.errors.AccessDenied` naming the setting before any request
is sent: anonymous clients meet risk control at once. SESSDATA lasts about a
month and ends on logout; Bilibili then answers code -101 ("账号未登录"), which
stops the crawl with :class:`~kolgraph.errors.AccessDenied` (the crawl state
is saved: set a fresh cookie and rerun). Code -403 (insufficient permission for
one private space or list) only skips that task
(:class:`~kolgraph.errors.Protected`).

Limits and coverage
-------------------
* **Relation lists: 5 pages of 50, newest first.** Bilibili serves only the
  first 5 pages (250 accounts) of another user's follower or following list
  (1,000 of the logged-in user's own followers); page 6 answers code 22007
  "限制只访问前5页". :data:`PLATFORM` declares ``max_pages`` 5 for both, the
  parser ends the list at page 5 (and reads a 22007 answer as an empty last
  page), and ``total`` carries the true count, so the crawler records the list
  as partial: of an account with ``fans`` followers at most
  ``250 / fans`` are seen, the 250 most recent. Follower pages give no
  follower counts of the listed accounts, only their verification. A user may
  hide its following list (code 22115): the task is recorded as gone.
* **Dynamics**: the server picks the page size (about 12); paging follows
  ``offset`` while ``has_more`` is true; a pinned dynamic comes first whatever
  its age. Bilibili documents this endpoint as WBI-signed; requests with a
  logged-in cookie are answered without the signature, but some IPs get -352
  ("风控校验失败") instead: a full browser cookie (``buvid3``, ``b_nut``) helps.
* **Reposts: 20 per page, about 550 in all.** Past roughly 550 reposts of one
  dynamic Bilibili ends the list early (``has_more`` 0), so large cascades
  are truncated; ``total`` still gives the true count. A repost without a
  ``timestamp`` takes the post's time.
* **Rate limiting / risk control.** Bilibili throttles by IP with HTTP 412
  and ``{"code": -412, "message": "请求被拦截"}`` and sends no ``Retry-After``;
  a block lasts from minutes to an hour. -412, -352, -509, -799 and -503 are
  raised as :class:`~kolgraph.errors.RateLimited` and retried with exponential
  backoff by the HTTP layer; -500 / -504 as
  :class:`~kolgraph.errors.Unavailable` (the page is fetched again later). If
  412s keep coming, lower ``KOLGRAPH_CRAWL_RPM``.
* Unknown or deleted accounts and posts (-404, -626) raise
  :class:`~kolgraph.errors.NotFound`: the crawler marks them gone.
"""

from __future__ import annotations

from kolgraph.crawl.adapter import Platform
from kolgraph.crawl.bilibili.client import PAGE_CAP, BilibiliClient, make_client
from kolgraph.crawl.bilibili.parse import parse
from kolgraph.crawl.task import TaskKind

__all__ = ["PLATFORM", "BilibiliClient", "make_client", "parse"]

PLATFORM = Platform(
    name="bilibili",
    make_client=make_client,
    parse=parse,
    max_pages={TaskKind.FOLLOWERS: PAGE_CAP, TaskKind.FOLLOWING: PAGE_CAP},
)
