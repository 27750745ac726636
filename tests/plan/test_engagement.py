"""The engagement model on small hand-made cascades."""

from __future__ import annotations

import numpy as np
import pytest

from kolgraph.errors import InputError
from kolgraph.plan.cascades import cascades_from_frame
from kolgraph.plan.engagement import Evidence, EvidenceBuilder, build_evidence, fit_engagement

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


def _same(a: Evidence, b: Evidence) -> bool:
    return all(
        np.array_equal(getattr(a, k), getattr(b, k))
        for k in ("v", "u", "pair_x", "account_x", "active", "known", "co_count")
    ) and (a.history_days, a.cascade_rate) == (b.history_days, b.cascade_rate)


def test_evidence_does_not_depend_on_the_group_size() -> None:
    history = _history(seed=2)
    follows = (np.arange(2, 300), np.zeros(298, dtype=np.int64))  # many follow account 0
    now = int(history.ts.max()) + 1
    whole = build_evidence(history, now=now, follows=follows)
    for block_pairs in (1, 50, 500):
        b = EvidenceBuilder(history, now=now, follows=follows, block_pairs=block_pairs)
        assert len(b.groups) > 1
        assert b.n_pairs == whole.n_pairs
        assert _same(b.build(), whole)
    assert (np.diff(whole.keys()) > 0).all()  # sorted, no duplicates


def test_the_model_keeps_the_most_likely_pairs_and_their_people_stay_counted() -> None:
    history = _history(seed=3)
    now = int(history.ts.max()) + 1
    model = fit_engagement(history)
    full = build_evidence(history, now=now)
    p_full, _ = model._raw(full)
    k = full.n_pairs // 3
    kept = model.evidence(EvidenceBuilder(history, now=now, block_pairs=40), max_pairs=k)
    assert kept.n_pairs == k
    order = np.lexsort((np.arange(full.n_pairs), -p_full))[:k]  # p descending, then key
    want = np.zeros(full.n_pairs, dtype=bool)
    want[order] = True
    assert _same(kept, full.subset(want))
    assert np.array_equal(model._raw(kept)[0], p_full[want])
    # each account's total is the account model's, with or without its dropped pairs
    a, b = model.probabilities(full, horizon_days=7), model.probabilities(kept, horizon_days=7)
    tot_a = np.asarray(a.P.sum(axis=1)).ravel() + a.novel
    tot_b = np.asarray(b.P.sum(axis=1)).ravel() + b.novel
    big = tot_a > np.asarray(a.P.sum(axis=1)).ravel() + 1e-12  # accounts whose total binds
    assert np.allclose(tot_a[big], tot_b[big])
    assert model.evidence(EvidenceBuilder(history, now=now), max_pairs=full.n_pairs).n_pairs == (
        full.n_pairs
    )
