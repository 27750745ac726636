"""X (Twitter) API v2 adapter: who follows whom, timelines, retweets and quotes.

Endpoints
---------
All requests go to ``https://api.x.com`` (replaced by ``base_url``, e.g. a
simulator's, when given); ``{id}`` is a numeric user or post id and every
list is paged with ``pagination_token`` = the previous page's
``meta.next_token``.

=========== ===================================================================
task        request
=========== ===================================================================
profile     ``GET /2/users/{id}?user.fields=public_metrics,verified,``
            ``verified_type,name,username``
followers   ``GET /2/users/{id}/followers?max_results=1000&user.fields=...``
following   ``GET /2/users/{id}/following?max_results=1000&user.fields=...``
posts       ``GET /2/users/{id}/tweets?max_results=100&exclude=retweets&``
            ``tweet.fields=created_at,public_metrics,author_id``
reposts     ``GET /2/tweets/{id}/retweeted_by?max_results=100&user.fields=...``
quotes      ``GET /2/tweets/{id}/quote_tweets?max_results=100&expansions=author_id&``
            ``tweet.fields=...&user.fields=...``
=========== ===================================================================

Every crawled account gets followers, following and posts tasks; every post
found on a timeline gets reposts and quotes tasks.

Credentials
-----------
An app-only **bearer token** of an X developer App attached to a Project, in
the setting ``x_bearer_token`` (env ``KOLGRAPH_X_BEARER_TOKEN``), sent as
``Authorization: Bearer <token>``. The follows, timeline, retweets and quote
endpoints need a paid access tier (Basic or above, or pay-per-use); the free
tier answers them with HTTP 403. Without a token the client raises
:class:`~kolgraph.errors.AccessDenied` before sending anything.

Limits and coverage
-------------------
Default rate limits per 15-minute window (app-only auth), page sizes and caps:

=============== ======================= ========================== ===============
endpoint        requests / 15 min       results per page           cap
=============== ======================= ========================== ===============
users/{id}      300                     1                          —
followers       15                      1–1000 (default 100)       —
following       15                      1–1000 (default 100)       —
users/tweets    1500 (900 user auth)    5–100 (default 10)         3,200 newest
retweeted_by    75                      1–100 (default 100)        see below
quote_tweets    75                      10–100 (default 10)        —
=============== ======================= ========================== ===============

* A 429 carries ``x-rate-limit-reset`` (unix seconds); the shared HTTP layer
  waits until then (at most ``KOLGRAPH_CRAWL_BACKOFF_MAX`` seconds per retry,
  so set it to 900 for X) and retries.
* Followers and following are the binding limit: 15 pages of 1,000 per
  15 minutes, i.e. 1,000 users a minute per endpoint. A follower list of
  1 million takes about 17 hours; stop early (``max_pages`` of the crawl) and
  the account's follower coverage is partial.
* A timeline reaches only the 3,200 most recent posts: ``max_pages`` of
  posts is 32 pages of 100. The account's own retweets are excluded (they
  are not its posts).
* ``retweeted_by`` lists users, not retweets, so there are no repost times:
  every retweet edge gets the post's own time (``Task.ts``). X long capped
  this list at the 100 most recent retweeters; the adapter follows
  ``next_token`` for as long as X gives one. Quote posts carry their own
  ``created_at`` and become ``"mention"`` edges.
* Every post returned (timelines, quotes) counts toward the Project's
  monthly post cap; when it is spent X answers 429 ``usage-capped``.
* Suspended and deleted accounts and posts answer 200 with an ``errors``
  array (``resource-not-found``) → :class:`~kolgraph.errors.NotFound`;
  protected accounts ``not-authorized-for-resource`` →
  :class:`~kolgraph.errors.AccessDenied`.
* X states no list totals, so pages carry no ``total``; the profile's
  ``public_metrics`` give declared follower and following counts.

Verification: ``verified_type`` ``business`` and ``government`` → ``"org"``,
``blue`` (X Premium) → ``"person"``, ``none`` → ``None``; with no
``verified_type``, the legacy ``verified: true`` → ``"person"``.
"""

from __future__ import annotations

from kolgraph.crawl.adapter import Platform
from kolgraph.crawl.task import TaskKind
from kolgraph.crawl.x.client import XClient
from kolgraph.crawl.x.parse import parse

__all__ = ["PLATFORM", "TIMELINE_PAGES", "XClient", "parse"]

#: Pages of 100 that reach X's 3,200-post timeline cap.
TIMELINE_PAGES = 32

PLATFORM = Platform(
    name="x",
    make_client=XClient,
    parse=parse,
    post_tasks=(TaskKind.REPOSTS, TaskKind.QUOTES),
    max_pages={TaskKind.POSTS: TIMELINE_PAGES},
)
