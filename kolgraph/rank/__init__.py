"""Ranking: the rank job and the algorithms its stages run.

The job (:mod:`kolgraph.rank.job`) runs the stages of :mod:`kolgraph.rank.stages`
in order: ``load`` (:mod:`~kolgraph.rank.graph`), ``pagerank``
(:mod:`~kolgraph.rank.pagerank`) and ``communities``
(:mod:`~kolgraph.rank.communities`) on a rank engine
(:mod:`~kolgraph.rank.engine`), ``overlap`` (:mod:`~kolgraph.rank.overlap`),
``quality`` (:mod:`~kolgraph.rank.quality`), ``influence``
(:mod:`~kolgraph.rank.influence`), ``sketches`` (:mod:`~kolgraph.rank.sketch`),
``engagement`` (:mod:`kolgraph.plan.learned`) and ``write``.
:mod:`~kolgraph.rank.diff` compares two runs.
"""
