r"""One message per account: how many people engage after it, and what was measured.

A plan's ``per_message`` forecast answers "if every chosen account posts once,
how many people engage after those posts?". Each account's rate is its mean
number of later adopters over the past cascades it took part in, shrunk towards
the mean of all accounts so that an account seen once does not decide alone:

.. math::

    a_v = \frac{\sum_{c \ni v} \text{later}_c(v) + \kappa\, \bar a}{n_v + \kappa},
    \qquad \text{per message}(S) = \sum_{v \in S} a_v

with :math:`\text{later}_c(v)` the adopters of cascade :math:`c` after
:math:`v`, :math:`n_v` the cascades :math:`v` took part in, :math:`\bar a` the
mean over all adoptions and :math:`\kappa` the prior weight. Separate messages
reach people independently, so the values add up (people who engage with two of
the messages count twice, as they do in the measurement).

What was *measured* for a set (:func:`measured_per_message`): for every chosen
account that took part in a cascade of the later window, the adopters after it
in the first such cascade; the prediction it is compared with sums the rates of
those same accounts. The log ratios of measured to predicted on splits inside the
history set the interval (:class:`~kolgraph.plan.forecast.Calibration`).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from kolgraph.plan.cascades import Cascades

__all__ = ["measured_per_message", "message_rates"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


def message_rates(history: Cascades, *, prior: float = 2.0) -> FloatArray:
    """:math:`a_v`: expected adopters after one message of each account (module doc).

    Examples
    --------
    >>> from kolgraph.plan.cascades import cascades_from_frame
    >>> c = cascades_from_frame([0, 0, 0, 1, 1], [0, 1, 2, 0, 2], [0, 1, 2, 5, 6], 3)
    >>> message_rates(c, prior=0.0).round(2).tolist()  # 0 led twice: 2 then 1 after it
    [1.5, 1.0, 0.0]
    """
    n = history.n_nodes
    if history.user.size == 0:
        return np.zeros(n)
    later = (np.repeat(history.sizes, history.sizes) - 1 - history.position).astype(np.float64)
    count = np.bincount(history.user, minlength=n).astype(np.float64)
    total = np.bincount(history.user, weights=later, minlength=n)
    mean = float(later.mean())
    return (total + prior * mean) / np.maximum(count + prior, 1e-12)


def measured_per_message(
    window: Cascades, chosen: npt.ArrayLike, rates: FloatArray
) -> tuple[float, float, int]:
    """(predicted, measured, accounts that posted) for ``chosen`` in ``window``.

    Each chosen account's first cascade in ``window`` (by start) is its message;
    accounts that took part in none are left out of both sums.
    """
    S = np.unique(np.asarray(chosen, dtype=np.int64))
    if S.size == 0 or window.user.size == 0:
        return 0.0, 0.0, 0
    hit = np.isin(window.user, S)
    rows = np.flatnonzero(hit)
    if rows.size == 0:
        return 0.0, 0.0, 0
    start = np.repeat(window.start, window.sizes)[rows]
    order = np.lexsort((rows, start))
    users = window.user[rows[order]]
    _, first = np.unique(users, return_index=True)
    pick = rows[order][first]
    later = np.repeat(window.sizes, window.sizes)[pick] - 1 - window.position[pick]
    posted = window.user[pick]
    return float(rates[posted].sum()), float(later.sum()), int(posted.size)
