"""A seeded synthetic social network for demos, tests, the crawl simulator and benchmarks.

:func:`generate_demo` plants communities, KOLs, media and brand-own accounts
in a follower graph with heavy-tailed audiences, spreads posts along follower
edges as repost cascades, and prices every KOL, media and own account by its
audience. It returns a :class:`DemoNetwork` of numpy arrays; :mod:`kolgraph.demo`
writes one to a store.

* :mod:`~kolgraph.synth.network`: :class:`DemoNetwork` and :func:`generate_demo`;
* :mod:`~kolgraph.synth.follows`: communities, fitness and follow edges;
* :mod:`~kolgraph.synth.cascades`: posts and their repost cascades;
* :mod:`~kolgraph.synth.accounts`: prices, ids and names;
* :mod:`~kolgraph.synth.codes`: sorted int64 codes the drawing steps share.

Everything is vectorized with numpy: the follower graph is drawn per
community by inverse-CDF sampling and the cascades of all posts advance
together, one generation at a time. The same ``seed`` always gives identical
arrays.

The model
---------
Accounts
    ``n_users`` accounts in total, laid out as own, media, KOL, then ordinary
    users. Account ids are zero-padded numbers of equal width (``"000123"``),
    so sorting keys keeps this order and a fresh store's dense index equals the
    position in :attr:`DemoNetwork.accounts`.
Communities
    ``n_communities`` topics of Zipf-like uneven sizes. Users, KOLs and media
    each have one; all own accounts share the brand's community.
Follows
    Each account follows a lognormal number of accounts (mean
    ``mean_follows``). A target is drawn from the follower's community with
    probability 0.8 and otherwise from a community chosen by size; within a
    community it is drawn in proportion to a fitness: Lomax (power-law) for
    users, lognormal and much larger for KOLs. Media and own accounts take a
    fixed share of every community's draws (media 12 % in all, each own
    account about a quarter of a typical KOL's, three times that for "Brand
    Official"), so their audiences cross communities. Self-loops and duplicate
    pairs are dropped and redrawn.
Cascades
    About ``n_users / 25`` posts, 85 % by KOL, media or own accounts. Post times
    follow the phases of a topic over 14 days (origin, explosion, mass spread,
    flattening). Each reposter exposes its followers; a follower reposts with a
    per-post probability (lognormal virality, damped per generation), seeing
    the post from whichever followed account showed it first. Every repost
    edge therefore runs along a follow edge, each generation is later than the
    one before, and reposts after the 14-day window are dropped.
Costs
    A post costs about ``0.08 · followers^0.9`` for a KOL and twice that per
    follower for media, with lognormal noise, rounded to whole units (at least
    5 and 20); own accounts cost 20-50; users have no price.
"""

from __future__ import annotations

from kolgraph.synth.cascades import WINDOW_DAYS
from kolgraph.synth.network import PLATFORM, DemoNetwork, generate_demo

__all__ = ["PLATFORM", "WINDOW_DAYS", "DemoNetwork", "generate_demo"]
