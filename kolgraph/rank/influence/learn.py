"""The influence graph and how its edge probabilities are learned from repost history."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from kolgraph.arrays import F64, I32
from kolgraph.errors import InputError
from kolgraph.store.base import GraphArrays

__all__ = ["InfluenceGraph", "edge_probabilities"]

_SLICE = 1 << 20  # elements per slice of the in-place elementwise passes


@dataclass(frozen=True)
class InfluenceGraph:
    """Directed influence edges ``src → dst`` over ``n`` nodes with probabilities.

    ``prob[i]`` is the probability that ``dst[i]`` reposts what ``src[i]``
    shows it (an IC edge probability). Rows are independent edges; a pair may
    repeat.
    """

    n: int
    src: I32
    dst: I32
    prob: F64

    @property
    def m(self) -> int:
        """Number of edges (rows)."""
        return int(self.src.shape[0])

    def check(self) -> InfluenceGraph:
        """Validate the arrays (1-D, same lengths, ids in range, probabilities in [0, 1])."""
        if self.n < 0:
            raise InputError(f"node count must be >= 0, got {self.n}")
        if not (self.src.ndim == self.dst.ndim == self.prob.ndim == 1):
            raise InputError("src, dst and prob must be 1-D arrays")
        if not (self.src.shape == self.dst.shape == self.prob.shape):
            raise InputError(
                f"edge arrays have different lengths "
                f"(src {self.src.shape[0]}, dst {self.dst.shape[0]}, prob {self.prob.shape[0]})"
            )
        if self.m and (
            int(self.src.min()) < 0
            or int(self.dst.min()) < 0
            or int(self.src.max()) >= self.n
            or int(self.dst.max()) >= self.n
        ):
            raise InputError(f"edge endpoints must lie in [0, {self.n})")
        if self.m and not (
            np.isfinite(self.prob).all() and (self.prob >= 0).all() and (self.prob <= 1).all()
        ):
            raise InputError("edge probabilities must be finite and in [0, 1]")
        return self


def edge_probabilities(
    arrays: GraphArrays,
    *,
    prior_reposts: float = 1.0,
    prior_exposures: float = 20.0,
    min_prob: float = 0.0,
    max_prob: float = 1.0,
    mask: npt.ArrayLike | None = None,
    exposures: npt.ArrayLike | None = None,
) -> InfluenceGraph:
    r"""Learn IC edge probabilities from follow edges and repost history.

    Influence runs against the follow edge: when ``f`` follows ``a`` (follow
    edge ``f → a``), ``a``'s posts reach ``f``, so the influence edge is
    ``a → f``. A repost edge ``f → a`` (``f`` reposted what ``a`` showed) is
    one success on the influence edge ``a → f``.

    Parameters
    ----------
    arrays
        Follow and repost edges as dense index arrays.
    prior_reposts, prior_exposures
        Beta-prior pseudo-counts :math:`\alpha` (successes) and :math:`\beta`
        (exposures); an edge without history gets the prior mean
        :math:`\alpha / \beta` (default 0.05). ``prior_exposures`` must be
        positive.
    min_prob, max_prob
        Probabilities are clipped to ``[min_prob, max_prob]``
        (``0 <= min_prob <= max_prob <= 1``).
    mask
        Boolean array over the repost events: only events where it is true
        count, as successes and as activity. This is how a caller learns
        **per-topic** probabilities: pass the events of one topic (one
        hashtag, one community's posts, one campaign). Follow edges are kept
        whatever the mask, so every topic graph has the same edges and only
        the probabilities differ.
    exposures
        Optional number of posts each account showed its audience (length
        ``n_nodes``), for callers that know post ids, e.g. the number of
        distinct post ids where the account is the reposter or the author.
        Default: estimated from the repost events (see Notes).

    Returns
    -------
    InfluenceGraph
        One edge per distinct ``(a, f)`` pair with ``a != f`` that is a
        follow edge ``f → a`` or a (masked) repost edge ``f → a``; edges whose
        probability is 0 after clipping are dropped. Sorted by ``(src, dst)``.

    Raises
    ------
    InputError
        On a bad prior, clip range, mask or exposures array.

    Notes
    -----
    With :math:`c_{af}` the summed weight of (masked) repost events ``f → a``
    and :math:`E_a` the number of posts ``a`` showed,

    .. math::

        p_{af} = \operatorname{clip}\!\left(
            \frac{c_{af} + \alpha}{E_a + \beta},\ p_{\min},\ p_{\max}\right)

    the posterior mean of a Beta(:math:`\alpha`, :math:`\beta - \alpha`)
    prior after :math:`E_a` exposures with :math:`c_{af}` reposts. Repost
    pairs without a follow edge are included: engagement implies exposure.

    :class:`GraphArrays` has no post ids, so by default :math:`E_a` is the
    number of posts ``a`` is known to have shown, from repost events alone:

    .. math::

        E_a = \max\Big( \sum_{e:\ \mathrm{src}_e = a} w_e,\
                        \max_f c_{af} \Big)

    ``a`` showed every post it reposted, and, since an account reposts a
    given post at most once, at least as many posts as any single follower
    reposted from it. Counting every event where ``a`` is the *author* would
    instead divide each follower's reposts by the reposts of *all*
    followers, so accounts with many reposters would look less persuasive
    per follower the more they are reposted. The default is a lower bound on
    the true number of posts (originals that nobody reposted are invisible
    to it); pass ``exposures`` when post ids are known.

    Examples
    --------
    >>> import numpy as np
    >>> from kolgraph.store.base import GraphArrays
    >>> i32 = lambda *v: np.array(v, dtype=np.int32)
    >>> arrays = GraphArrays(3, follow_src=i32(1, 2), follow_dst=i32(0, 0),
    ...     repost_src=i32(1, 1), repost_dst=i32(0, 0),
    ...     repost_ts=np.zeros(2, dtype=np.int64),
    ...     repost_weight=np.ones(2, dtype=np.float32))
    >>> g = edge_probabilities(arrays)  # 0 showed 2 posts; 1 reposted both, 2 none
    >>> [(int(u), int(v), round(float(p), 4)) for u, v, p in zip(g.src, g.dst, g.prob)]
    [(0, 1, 0.1364), (0, 2, 0.0455)]

    References
    ----------
    .. [1] A. Goyal, F. Bonchi, L. V. S. Lakshmanan, "Learning influence
       probabilities in social networks", WSDM 2010.
    """
    alpha, beta = float(prior_reposts), float(prior_exposures)
    if not (math.isfinite(alpha) and alpha >= 0):
        raise InputError(f"prior_reposts must be finite and >= 0, got {prior_reposts}")
    if not (math.isfinite(beta) and beta > 0):
        raise InputError(f"prior_exposures must be finite and > 0, got {prior_exposures}")
    if not 0.0 <= min_prob <= max_prob <= 1.0:
        raise InputError(
            f"need 0 <= min_prob <= max_prob <= 1, got min_prob={min_prob}, max_prob={max_prob}"
        )
    n = int(arrays.n_nodes)
    rs = arrays.repost_src.astype(np.int64)
    rd = arrays.repost_dst.astype(np.int64)
    w = arrays.repost_weight.astype(np.float64)
    if mask is not None:
        sel = np.asarray(mask)
        if sel.dtype != np.bool_ or sel.shape != rs.shape:
            raise InputError(
                f"mask must be a boolean array with one entry per repost event "
                f"({rs.shape[0]}), got dtype {sel.dtype} and shape {sel.shape}"
            )
        rs, rd, w = rs[sel], rd[sel], w[sel]
    if w.size and not (np.isfinite(w).all() and (w >= 0).all()):
        raise InputError("repost weights must be finite and >= 0")

    # successes per influence pair (author a → reposter f), code a·n + f
    keep = rs != rd
    r_code = rd[keep] * n + rs[keep]
    order = np.argsort(r_code)  # equal codes only get summed, so stability is moot
    r_code, r_w = r_code[order], w[keep][order]
    first = np.flatnonzero(np.r_[True, r_code[1:] != r_code[:-1]]) if r_code.size else order
    pair_code = r_code[first]
    succ = np.add.reduceat(r_w, first) if r_code.size else np.zeros(0, dtype=np.float64)

    if exposures is None:
        shown = np.bincount(rs, weights=w, minlength=n).astype(np.float64)
        if pair_code.size:
            author = pair_code // n  # sorted, so each author's pairs are contiguous
            starts = np.flatnonzero(np.r_[True, author[1:] != author[:-1]])
            best = np.maximum.reduceat(succ, starts)
            np.maximum.at(shown, author[starts], best)
        expo = shown
    else:
        expo = np.asarray(exposures, dtype=np.float64)
        if expo.shape != (n,) or not (np.isfinite(expo).all() and (expo >= 0).all()):
            raise InputError(
                f"exposures must be {n} finite numbers >= 0 (one per account), "
                f"got shape {expo.shape}"
            )

    # Influence codes a·n + f of the follow edges f → a, then the repost pairs: built in
    # place (int64 copies of the 10M-row follow arrays would cost 80 MB each).
    f_keep = arrays.follow_src != arrays.follow_dst
    n_f = int(np.count_nonzero(f_keep))
    codes = np.empty(n_f + pair_code.size, dtype=np.int64)
    head = codes[:n_f]
    head[:] = arrays.follow_dst[f_keep]
    head *= n
    head += arrays.follow_src[f_keep]
    codes[n_f:] = pair_code
    del head, f_keep
    codes.sort()
    if codes.size > 1:
        codes = codes[np.r_[True, codes[1:] != codes[:-1]]]
    c = np.zeros(codes.size, dtype=np.float64)
    c[np.searchsorted(codes, pair_code)] = succ
    # author of each code (codes are sorted, so authors are runs): int32 straight away
    bounds = np.searchsorted(codes, np.arange(n + 1, dtype=np.int64) * n)
    a = np.repeat(np.arange(n, dtype=np.int32), np.diff(bounds))
    # prob = clip((c + alpha) / (expo[a] + beta)), elementwise in place, in slices
    c += alpha
    denom = expo + beta
    for lo in range(0, c.size, _SLICE):
        c[lo : lo + _SLICE] /= denom[a[lo : lo + _SLICE]]
    prob = np.clip(c, min_prob, max_prob, out=c)
    if n:
        np.remainder(codes, n, out=codes)
    live = prob > 0
    if live.all():
        return InfluenceGraph(n, a, codes.astype(np.int32), prob).check()
    return InfluenceGraph(n, a[live], codes[live].astype(np.int32), prob[live]).check()
