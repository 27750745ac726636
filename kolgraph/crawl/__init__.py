"""Crawling follower and repost edges from Weibo, X and Bilibili, resumably.

* :mod:`~kolgraph.crawl.runner` (:func:`~kolgraph.crawl.runner.crawl`) runs a
  crawl; :mod:`~kolgraph.crawl.crawler` is its breadth-first loop, checkpointed
  in the store's crawl state; :mod:`~kolgraph.crawl.budget` and
  :mod:`~kolgraph.crawl.seeds` say how far it goes and where it starts.
* :mod:`~kolgraph.crawl.task` and :mod:`~kolgraph.crawl.page` are what the
  crawler asks for and what a parsed page says; :mod:`~kolgraph.crawl.rows`
  turns a page into store rows under the keys of :mod:`~kolgraph.crawl.keys`.
* :mod:`~kolgraph.crawl.adapter` is the interface of a platform adapter; one
  package per platform (``weibo``, ``x``, ``bilibili``) implements it with a
  ``client.py`` (requests, through the shared :mod:`~kolgraph.crawl.http`
  layer), a pure ``parse.py`` and a ``sim.py`` (the platform as the
  :mod:`~kolgraph.crawl.simulator` plays it); :mod:`~kolgraph.crawl.platforms`
  finds an adapter by name.
* :mod:`~kolgraph.crawl.archive` keeps every raw page;
  :mod:`~kolgraph.crawl.replay` parses an archive into a store again.
"""
