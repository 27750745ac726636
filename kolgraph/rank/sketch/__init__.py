r"""Audience sketches: unique reach and overlap of any set of accounts, with error bounds.

Exact overlap by sparse products (:mod:`kolgraph.rank.overlap`) is kept for the
top-K accounts; this package covers the long tail.
:func:`~kolgraph.rank.sketch.build.build_sketches` keeps, for every account whose
audience has at least ``min_audience`` members, the ``k`` smallest hashes of its
members (a *bottom-k*, or KMV, sketch). Sketches merge, so one stored set of
sketches answers

* :func:`~kolgraph.rank.sketch.union.estimate_union`: the unique reach
  :math:`|\bigcup_i N_i|` of any set of accounts;
* :func:`~kolgraph.rank.sketch.pairs.estimate_jaccard`,
  :func:`~kolgraph.rank.sketch.pairs.estimate_overlap` and, for many pairs at
  once, :func:`~kolgraph.rank.sketch.pairs.estimate_overlaps`: Jaccard similarity
  and shared audience of accounts;

each as an :class:`~kolgraph.rank.sketch.sketches.Estimate` carrying a confidence
interval. Audiences of at most ``k`` members are stored whole, so estimates that
only involve them are exact. :func:`~kolgraph.rank.sketch.build.adjust_for_coverage`
attaches the crawl coverage of each account (crawled followers / followers the
platform reports); every estimate from the adjusted sketches then refers to the
*true* audiences.

Modules, by algorithm family:

* :mod:`~kolgraph.rank.sketch.hashing`: the seeded member hash;
* :mod:`~kolgraph.rank.sketch.sketches`: the stored sketches
  (:class:`~kolgraph.rank.sketch.sketches.AudienceSketches`, saved as ``.npz``) and
  the :class:`~kolgraph.rank.sketch.sketches.Estimate` they give;
* :mod:`~kolgraph.rank.sketch.build`: building them, vectorized (one sort of
  ``(row, hash)`` keys) and in plain Python for tests, and crawl coverage;
* :mod:`~kolgraph.rank.sketch.union`: the union estimators below;
* :mod:`~kolgraph.rank.sketch.pairs`: the pair estimators below.

The hash
--------
A member ``u`` (a column of the audience matrix, ``u < 2**32``) hashes to

.. math::

    h(u) = f\bigl(f((u + s_1) \bmod 2^{32}) \oplus s_2\bigr),

with :math:`f` MurmurHash3's 32-bit finalizer and :math:`(s_1, s_2)` the two
halves of ``splitmix64(seed)``. Every step is a bijection of 32-bit words, so
distinct members never collide: sets stored whole give exact answers.

Estimators
----------
Let :math:`\tau_i` be the largest hash kept for account :math:`i` when its
audience :math:`N_i` has more than ``k`` members (its ``k``-th smallest hash),
and :math:`2^{32}` otherwise. For a set :math:`Q` of accounts take
:math:`\theta = \min_{i \in Q} \tau_i`. Every member of :math:`\bigcup_Q N_i`
with hash below :math:`\theta` is in the sketch of each account it belongs to,
so the sketches yield the sample :math:`S = \{x \in \bigcup_Q N_i : h(x) <
\theta\}`, a uniform random sample of the union (a *theta sketch*, [2]_), with
the exact multiplicity :math:`c(x) = |\{i \in Q : x \in N_i\}|` of each
sampled member.

Theta estimate of the union (``method="theta"``)
    :math:`\hat U = |S| \, 2^{32} / \theta`. For a single account this is the
    unbiased KMV estimate :math:`(k-1)/u_{(k)}` of [1]_, with relative standard
    error :math:`1/\sqrt{k-2}` (8.9 % at ``k = 128``). The interval is the
    exact Poisson (Garwood) interval of :math:`|S|` scaled by
    :math:`2^{32}/\theta`.
Ratio estimate of the union (``method="ratio"``)
    Exact audience sizes are known, and
    :math:`\sum_{i \in Q} |N_i| = \sum_{x \in \bigcup N_i} c(x)`, so
    :math:`U = \sum_i |N_i| / \bar c` with :math:`\bar c` the mean
    multiplicity over the union, estimated on :math:`S`. Disjoint audiences give
    exact answers; in general the relative error is
    :math:`\mathrm{sd}(c) / (\bar c \sqrt{|S|})`, smaller than the theta
    estimate's :math:`1/\sqrt{|S|}` whenever the multiplicities vary less than
    their mean (a few moderately overlapping audiences: typically 3-10 times
    smaller); many heavily shared audiences favour the theta estimate. The
    interval is the delta-method normal interval of the ratio with a
    finite-population correction; its half-width is at least
    :math:`\ln(2/\alpha)/|S|` of the value, the "rule of three" for overlaps
    the sample missed.
Choice (``method="auto"``, the default)
    Both are computed from the same sample; the one with the smaller estimated
    standard error is reported (:attr:`Estimate.method` says which).
Pairs
    For two accounts :math:`S` has :math:`n` members of which :math:`x` are
    shared, :math:`\hat J = x/n`, with the Clopper-Pearson interval of the
    binomial proportion. The shared audience follows from the exact sizes:
    :math:`|N_a \cap N_b| = J(|N_a| + |N_b|)/(1 + J)`, a monotone map of the
    Jaccard interval.

Values and intervals are also cut to what the sketches prove: the union has
at least as many members as distinct hashes were seen and as the largest
audience, and at most :math:`\sum_i |N_i|`; the shared audience is at most
the smaller audience. This lowers the error, at the price of a small bias for
nearly nested audiences (about +0.5 % of the union on random pairs at
``k = 128``). With coverage below 1 only the lower bound applies.

Crawl coverage
--------------
When a crawl sees only part of an account's followers, set its coverage
:math:`p_i \in (0, 1]`. The model: each member of :math:`N_i` was crawled
independently with probability :math:`p_i` (accounts independently). Then
:math:`|N_i| = |\tilde N_i| / p_i` and
:math:`|N_a \cap N_b| = |\tilde N_a \cap \tilde N_b| / (p_a p_b)` (tilde:
crawled). For a union, a crawled member seen in the accounts :math:`C` counts

.. math::

    w(C) = 1 - \prod_{i \in C} \Bigl(1 - \frac{1}{p_i}\Bigr),

which makes :math:`\sum_x w(C_x)` an unbiased estimate of the true union
(inclusion-exclusion over the crawled sets; one account gives :math:`1/p_i`,
two give :math:`1/p_a + 1/p_b - 1/(p_a p_b)`). The estimates multiply the
crawled union by the sample mean of :math:`w`, and intervals add the thinning
variance :math:`\sum_x w(w-1)` (unbiased, since :math:`E[w] = 1` per true
member) to the sketch error. The variance of :math:`w` grows quickly when
coverage is low and many accounts share members; the error of the crawled
sizes themselves is left out.

References
----------
.. [1] K. Beyer, P. J. Haas, B. Reinwald, Y. Sismanis, R. Gemulla, "On
   synopses for distinct-value estimation under multiset operations",
   SIGMOD 2007.
.. [2] A. Dasgupta, K. Lang, L. Rhodes, J. Thaler, "A framework for estimating
   stream expression cardinalities", ICDT 2016.
"""
