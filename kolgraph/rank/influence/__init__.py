r"""Learned influence: edge probabilities, Independent Cascade spread, IMM seeds.

Four steps share one graph type,
:class:`~kolgraph.rank.influence.learn.InfluenceGraph` (directed influence edges
``u → v`` with a probability :math:`p_{uv}` that ``v`` reposts what ``u`` shows it),
one module each:

* learning, :mod:`~kolgraph.rank.influence.learn`:
  :func:`~kolgraph.rank.influence.learn.edge_probabilities` learns :math:`p_{uv}`
  from repost history (reposts over exposures, smoothed by a Beta prior;
  restricted to one topic with ``mask``).
* spread, :mod:`~kolgraph.rank.influence.spread`:
  :func:`~kolgraph.rank.influence.spread.ic_spread` estimates the expected spread
  of a seed set under the Independent Cascade (IC) model by Monte Carlo, with a
  confidence interval; :func:`~kolgraph.rank.influence.spread.ic_spread_exact` is
  the obviously-correct reference (enumeration of every live-edge world, tiny
  graphs only); :func:`~kolgraph.rank.influence.spread.ic_spread_many` estimates
  the spread of every node of a list as a single seed (for ranking accounts), by
  forward Monte Carlo or from reverse-reachable (RR) sets.
* RR sets and IMM, :mod:`~kolgraph.rank.influence.imm`:
  :func:`~kolgraph.rank.influence.imm.influence_seeds` picks ``k`` seeds by IMM
  (reverse-reachable sets, greedy maximum coverage) with the
  ``(1 - 1/e - ε)`` guarantee at failure probability ``δ``;
  :func:`~kolgraph.rank.influence.imm.rr_sets` exposes the sampler.

Spread estimates and RR sets run on one simulation core,
:mod:`~kolgraph.rank.influence.cascade`.

Implementation
--------------
Every simulation (forward cascades and reverse-reachable sets alike) runs as
a level-synchronous breadth-first search over **many independent sets at
once** in numpy: the frontier of all sets is one array of ``set · n + node``
codes; the edges of all frontier nodes are gathered from a CSR in one
``repeat``/``arange`` (int32 when it fits), one float32 coin is drawn per
edge, and newly reached ``(set, node)`` codes are deduplicated by sorting
and checked against the visited pairs: a sorted code array merged level by
level while sets are small, a ``sets × n`` boolean table once they reach a
sizeable share of the graph. Each edge of a set is examined at most once,
exactly as in the IC model. Batches are sized from the work per set of the
previous batch (a few million elements), and blocks of sets run on a
thread pool (numpy releases the GIL in sorting, gathering and random
filling); each block draws from its own ``SeedSequence`` child, so results
depend on ``seed`` only, never on the number of threads.

Measured on 2 cores: about 45 million edge coin flips per second; IMM for
``k = 50, ε = 0.1`` on the 1M-account / 10M-edge demo network with learned
probabilities (RR sets of about 2 nodes) takes about 4 s. The cost of IMM
grows with the mean RR-set size, so a graph where a random account reaches a
sizeable share of the network (supercritical probabilities) needs far more
work: there, bound it with ``max_rr_sets`` or a larger ``epsilon``. A
compiled per-set BFS (numba) would be several times faster still; numpy
alone meets the target, so kolgraph does not depend on it.

The model
---------
IC: when ``u`` becomes active it gets one chance to activate each
out-neighbour ``v``, succeeding independently with probability
:math:`p_{uv}`. Equivalently (live-edge view) every edge is live with its
probability, independently, and the activated set is everything reachable
from the seeds over live edges. Parallel rows ``u → v`` are independent
edges.
"""
