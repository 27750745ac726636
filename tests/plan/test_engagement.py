"""The engagement model on small hand-made cascades."""

from __future__ import annotations

import numpy as np
import pytest

from kolgraph.errors import InputError
from kolgraph.plan.cascades import cascades_from_frame
from kolgraph.plan.engagement import build_evidence, fit_engagement

DAY = 86_400


def _history(n_casc: int = 80, seed: int = 0):
    """Account 0 posts every cascade; user 1 always reposts it; others now and then."""
    rng = np.random.default_rng(seed)
    c, u, t = [], [], []
    for k in range(n_casc):
        t0 = k * DAY
        others = rng.choice(np.arange(2, 400), size=int(rng.integers(1, 5)), replace=False)
        for pos, user in enumerate([0, 1, *others.tolist()]):
            c.append(k)
            u.append(user)
            t.append(t0 + 60 * pos)
        author = int(rng.integers(2, 400))  # other accounts post small cascades too
        for pos, user in enumerate([author, *rng.choice(np.arange(2, 400), size=2).tolist()]):
            c.append(n_casc + k)
            u.append(user)
            t.append(t0 + 3600 + 60 * pos)
    return cascades_from_frame(c, u, t, 400)


def test_a_user_who_always_reposts_gets_the_highest_probability() -> None:
    history = _history()
    model = fit_engagement(history, kind="logistic")
    ev = build_evidence(history, now=int(history.ts.max()) + 1)
    P = model.probabilities(ev).P.tocsr()
    row = P[0].toarray().ravel()
    assert int(np.argmax(row)) == 1
    assert row[1] > 0.5  # it engaged in every past window
    col = P[:, 1].toarray().ravel()
    assert int(np.argmax(col)) == 0  # and it is 0 that moves 1, not anyone else


def test_boosted_model_agrees_and_account_zero_moves_the_most() -> None:
    history = _history(seed=1)
    model = fit_engagement(history)
    ev = build_evidence(history, now=int(history.ts.max()) + 1)
    P = model.probabilities(ev).P.tocsr()
    assert int(np.argmax(P[0].toarray().ravel())) == 1
    assert int(np.argmax(model.moved(ev))) == 0


def test_longer_horizon_never_lowers_a_probability() -> None:
    history = _history()
    model = fit_engagement(history, kind="logistic")
    ev = build_evidence(history, now=int(history.ts.max()) + 1)
    short = model.probabilities(ev, horizon_days=1).P.toarray()
    long = model.probabilities(ev, horizon_days=30).P.toarray()
    assert (long >= short - 1e-12).all() and long.sum() > short.sum()


def test_too_little_history_is_a_clear_error() -> None:
    history = _history(n_casc=5)
    with pytest.raises(InputError, match="too few"):
        fit_engagement(history)
