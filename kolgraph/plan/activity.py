r"""Who is active now: the ``active-engagers`` objective.

Past engagers (the people who adopted after an account in past cascades) are only
moved again if the account acts again. This objective weighs each account's past
engagers by the chance that it acts early in a cascade within the horizon, from
its recent activity:

.. math::

    n_v = \sum_{a \in A_v} e^{-(t_{now} - t_a)/\tau}, \qquad
    \lambda_v = n_v \frac{H}{\tau (1 - e^{-T/\tau})}, \qquad
    p_{vu} = 1 - e^{-\lambda_v} \quad (u \in E_v)

with :math:`A_v` the account's adoptions among the first ``early`` of a cascade,
:math:`\tau` the half-life of activity (a share of the history's span
:math:`T`, chosen on splits inside the history), :math:`H` the horizon and
:math:`E_v` its past engagers. The denominator is the decayed length of the
history, so :math:`\lambda_v` is a rate per day times the horizon. The objective
is the expected number of distinct people reached,
:math:`\sum_u 1 - \prod_{v \in S}(1 - p_{vu})`: monotone submodular, like
engagement.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from kolgraph.plan.cascades import DAY, Cascades
from kolgraph.plan.objective import EngagementInputs

__all__ = ["ACTIVE_TAUS", "active_engagers_inputs", "activity_per_day"]

FloatArray = npt.NDArray[np.float64]

#: half-lives of activity tried on the inner splits, as shares of the history's span
ACTIVE_TAUS = (0.05, 0.15, 0.5)


def activity_per_day(history: Cascades, *, now: int, tau_share: float, early: int) -> FloatArray:
    r""":math:`\lambda_v / H`: early appearances per day, decayed over ``tau_share`` of the span.

    Examples
    --------
    >>> from kolgraph.plan.cascades import cascades_from_frame
    >>> c = cascades_from_frame([0, 1], [0, 1], [0, 10 * 86_400], 2)
    >>> r = activity_per_day(c, now=10 * 86_400, tau_share=0.5, early=50)
    >>> bool(r[1] > r[0] > 0)  # the account seen last is the more active now
    True
    """
    n = history.n_nodes
    if history.user.size == 0:
        return np.zeros(n)
    rows = history.position < early
    tau = max(tau_share * history.span_days(), 1.0 / 24.0) * DAY
    age = np.maximum(0, now - history.ts[rows]).astype(np.float64)
    decayed = np.bincount(history.user[rows], weights=np.exp(-age / tau), minlength=n)
    window = tau * -math.expm1(-history.span_days() * DAY / tau) / DAY  # days
    return decayed / max(window, 1.0 / 24.0)


def active_engagers_inputs(
    past: sp.csr_matrix, per_day: FloatArray, horizon_days: float
) -> EngagementInputs:
    """:math:`p_{vu} = 1 - e^{-\\lambda_v}` on the past engagers ``past`` (module doc)."""
    P = past.tocsr().astype(np.float64, copy=True)
    rows = np.repeat(np.arange(P.shape[0]), np.diff(P.indptr))
    P.data = -np.expm1(-per_day[rows] * horizon_days)
    P.eliminate_zeros()
    return EngagementInputs.pairs_only(P)
