"""Audience questions about any accounts: overlap of a set, affinity to a brand, lookalikes.

Every answer uses the planner's audience (followers and engagers,
:func:`kolgraph.rank.graph.follower_matrix`) over the store's current edges, so the
numbers agree with a plan of the same accounts.

* :mod:`~kolgraph.audience.keys`: account keys to node indices (unknown keys named
  all at once, each with the closest stored key) and audience rows of a few accounts;
* :mod:`~kolgraph.audience.overlap`: exact pairwise overlap, union and exclusive
  audiences of up to :data:`~kolgraph.audience.overlap.MAX_KEYS` accounts;
* :mod:`~kolgraph.audience.affinity`: which accounts' audiences over-index on a
  brand's, ranked by a lower confidence bound with a minimum-support rule;
* :mod:`~kolgraph.audience.lookalike`: accounts whose audiences most resemble one
  account's (sketch candidates, exact Jaccard).
"""
