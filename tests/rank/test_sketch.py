"""Audience sketches: exact on small audiences, within their error bounds on large ones."""

from __future__ import annotations

import doctest
import math
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
import scipy.sparse as sp

from kolgraph.errors import InputError, NotFound
from kolgraph.rank.overlap import audience_overlap, union_size
from kolgraph.rank.sketch import build, hashing, pairs, sketches, union
from kolgraph.rank.sketch.build import (
    adjust_for_coverage,
    build_sketches,
    build_sketches_reference,
)
from kolgraph.rank.sketch.hashing import HASH_SPACE, hash_members
from kolgraph.rank.sketch.pairs import estimate_jaccard, estimate_overlap, estimate_overlaps
from kolgraph.rank.sketch.sketches import AudienceSketches
from kolgraph.rank.sketch.union import estimate_union

I64 = npt.NDArray[np.int64]


def _rows(sets: list[I64], n_cols: int) -> sp.csr_matrix:
    """A matrix whose row i is the audience sets[i]."""
    r = np.concatenate([np.full(len(s), i, dtype=np.int64) for i, s in enumerate(sets)])
    c = np.concatenate(sets).astype(np.int64)
    return sp.csr_matrix(
        (np.ones(r.size, dtype=np.float32), (r, c)), shape=(len(sets), n_cols)
    ).tocsr()


def _random_audience(n: int, seed: int) -> sp.csr_matrix:
    rng = np.random.default_rng(seed)
    dense = rng.random((n, n)) < rng.uniform(0.02, 0.6, size=(n, 1))
    np.fill_diagonal(dense, False)
    return sp.csr_matrix(dense.astype(np.float32))


def _members(a: sp.csr_matrix, v: int) -> set[int]:
    return set(a[v].indices.tolist())


# ---------------------------------------------------------------------------
# hashing and building


def test_hash_is_a_seeded_bijection() -> None:
    x = np.arange(200_000)
    h = hash_members(x, seed=5)
    assert h.dtype == np.uint32
    assert np.unique(h).size == x.size  # no collisions
    assert not np.array_equal(h, hash_members(x, seed=6))
    assert np.array_equal(h, hash_members(x, seed=5))
    # roughly uniform: each of 16 buckets holds about 1/16
    share = np.bincount(h >> np.uint32(28), minlength=16) / x.size
    assert np.abs(share - 1 / 16).max() < 0.005
    with pytest.raises(InputError):
        hash_members([-1])
    with pytest.raises(InputError):
        hash_members([1.5])


@pytest.mark.parametrize(("k", "min_audience", "seed"), [(2, 1, 0), (8, 1, 3), (16, 5, 99)])
def test_vectorized_builder_matches_reference(k: int, min_audience: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 70
    r = rng.integers(0, n, 2500)
    c = rng.integers(0, n, 2500)
    data = rng.choice([0.0, 1.0, 2.0], size=2500, p=[0.1, 0.8, 0.1])
    # duplicates, explicit zeros and unsorted indices: not canonical
    a = sp.csr_matrix((data, (r, c)), shape=(n, n))
    a = sp.csr_matrix((a.data, a.indices, a.indptr), shape=(n, n))
    a.has_sorted_indices = False
    raw = sp.coo_matrix((data, (r, c)), shape=(n, n))
    fast = build_sketches(raw, k=k, min_audience=min_audience, seed=seed)
    ref = build_sketches_reference(raw, k=k, min_audience=min_audience, seed=seed)
    for name in ("nodes", "sizes", "indptr", "hashes"):
        assert np.array_equal(getattr(fast, name), getattr(ref, name)), name
    assert (fast.k, fast.seed, fast.n, fast.min_audience) == (k, seed, n, min_audience)
    fast.check()
    # every sketch is the k smallest hashes of the row's members, ascending
    dense = raw.toarray()
    for i, v in enumerate(fast.nodes.tolist()):
        members = np.flatnonzero(dense[v] != 0)
        expect = np.sort(hash_members(members, seed=seed))[:k]
        assert np.array_equal(fast.hashes[fast.indptr[i] : fast.indptr[i + 1]], expect)
    assert not (np.diff(fast.nodes) <= 0).any()


def test_builder_does_not_modify_input() -> None:
    a = sp.csr_matrix(([1.0, 1.0, 0.0], ([0, 0, 1], [1, 1, 2])), shape=(3, 3))
    before = (a.data.copy(), a.indices.copy(), a.indptr.copy())
    sk = build_sketches(a, k=4)
    assert sk.nodes.tolist() == [0]  # the duplicate counts once, the explicit zero not at all
    assert sk.sizes.tolist() == [1]
    for x, y in zip(before, (a.data, a.indices, a.indptr), strict=True):
        assert np.array_equal(x, y)


def test_sketches_are_small_for_small_audiences() -> None:
    sizes = [3, 5, 500, 40]
    rng = np.random.default_rng(0)
    a = _rows([rng.choice(10_000, size=s, replace=False) for s in sizes], 10_000)
    sk = build_sketches(a, k=64)
    assert np.diff(sk.indptr).tolist() == [3, 5, 64, 40]
    one = estimate_union(sk, [2])  # a truncated sketch, but the size is stored exactly
    assert one.exact and one.value == one.low == one.high == 500
    assert sk.thresholds.tolist() == [HASH_SPACE, HASH_SPACE, int(sk.sketch(2)[-1]), HASH_SPACE]


# ---------------------------------------------------------------------------
# exact answers when audiences fit in the sketch


def test_exact_when_audiences_fit() -> None:
    a = _random_audience(40, 1)
    sk = build_sketches(a, k=64)  # every audience has < 40 members
    rng = np.random.default_rng(2)
    for _ in range(20):
        nodes = rng.choice(40, size=int(rng.integers(1, 8)), replace=False)
        est = estimate_union(sk, nodes)
        truth = union_size(a, nodes)
        assert est.exact and est.method == "whole"
        assert est.value == est.low == est.high == truth
    df = estimate_overlaps(sk, np.arange(40))
    ex = audience_overlap(a, np.arange(40))
    assert df["exact"].all()
    assert df[["a", "b"]].values.tolist() == ex[["a", "b"]].values.tolist()
    assert np.array_equal(df["shared"].to_numpy(), ex["shared"].to_numpy())
    np.testing.assert_allclose(df["jaccard"], ex["jaccard"], rtol=1e-12)
    np.testing.assert_allclose(df["overlap"], ex["overlap"], rtol=1e-12)
    for x, y in [(0, 1), (5, 17), (30, 39)]:
        sa, sb = _members(a, x), _members(a, y)
        jac = estimate_jaccard(sk, x, y)
        assert jac.exact
        assert jac.value == pytest.approx(len(sa & sb) / len(sa | sb), rel=1e-12)
        ov = estimate_overlap(sk, x, y)
        assert ov.exact and ov.value == len(sa & sb) == ov.low == ov.high


def test_empty_sets_and_empty_audiences() -> None:
    a = sp.csr_matrix(([1.0, 1.0, 1.0], ([0, 0, 2], [1, 2, 1])), shape=(4, 4))
    sk = build_sketches(a, k=4)
    assert sk.nodes.tolist() == [0, 2]
    assert estimate_union(sk, []).value == 0.0
    assert estimate_union(sk, [1, 3]).exact
    assert estimate_union(sk, [0, 1, 2]).value == 2.0
    assert estimate_jaccard(sk, 0, 1) == estimate_jaccard(sk, 1, 3)
    assert estimate_jaccard(sk, 0, 1).value == 0.0
    assert estimate_jaccard(sk, 0, 2).value == 0.5
    assert estimate_overlaps(sk, [1, 3]).empty


# ---------------------------------------------------------------------------
# a pure-Python reading of the estimators, same sample, same formulas


def _ref_union(sk: AudienceSketches, nodes: list[int]) -> tuple[float, float]:
    """(ratio, theta) point estimates with Python sets, cut to the proven bounds."""
    sets = [set(sk.sketch(v).tolist()) for v in nodes]
    sizes = [len(sk.sketch(v)) if len(sk.sketch(v)) < sk.k else None for v in nodes]
    true_sizes = [int(sk.sizes[np.searchsorted(sk.nodes, v)]) for v in nodes]
    taus = [max(s) if sz is None or t > sk.k else HASH_SPACE
            for s, sz, t in zip(sets, sizes, true_sizes, strict=True)]  # fmt: skip
    theta = min(taus)
    sample = {h for s in sets for h in s if h < theta}
    mult = [sum(h in s for s in sets) for h in sample]
    total = sum(true_sizes)
    lower = max(len(set().union(*sets)), max(true_sizes))
    ratio = total / (sum(mult) / len(mult))
    theta_est = len(sample) * HASH_SPACE / theta
    return min(max(ratio, lower), total), min(max(theta_est, lower), total)


def _ref_jaccard(sk: AudienceSketches, x: int, y: int) -> float:
    sa, sb = set(sk.sketch(x).tolist()), set(sk.sketch(y).tolist())
    size = {v: int(sk.sizes[np.searchsorted(sk.nodes, v)]) for v in (x, y)}
    theta = min(
        max(sa) if size[x] > sk.k else HASH_SPACE, max(sb) if size[y] > sk.k else HASH_SPACE
    )
    sample = {h for h in sa | sb if h < theta}
    return len({h for h in sample if h in sa and h in sb}) / len(sample)


def test_estimators_match_python_reading() -> None:
    rng = np.random.default_rng(3)
    sets = [rng.choice(50_000, size=int(s), replace=False) for s in rng.integers(50, 3000, 12)]
    sets.append(np.concatenate([sets[0][:400], rng.choice(50_000, 100)]))  # overlaps row 0
    a = _rows(sets, 50_000)
    sk = build_sketches(a, k=32, seed=4)
    for _ in range(15):
        nodes = rng.choice(len(sets), size=int(rng.integers(2, 7)), replace=False).tolist()
        ratio, theta = _ref_union(sk, nodes)
        assert estimate_union(sk, nodes, method="ratio").value == pytest.approx(ratio, rel=1e-9)
        assert estimate_union(sk, nodes, method="theta").value == pytest.approx(theta, rel=1e-9)
    df = estimate_overlaps(sk, np.arange(len(sets)))
    cols = zip(df["a"].tolist(), df["b"].tolist(), df["jaccard"], df["shared"], strict=True)
    for x, y, jac, shared in cols:
        ref = _ref_jaccard(sk, x, y)
        assert jac == pytest.approx(ref, rel=1e-12)
        assert estimate_jaccard(sk, x, y).value == pytest.approx(ref, rel=1e-12)
        assert estimate_overlap(sk, x, y).value == pytest.approx(shared, rel=1e-12)


# ---------------------------------------------------------------------------
# errors within the stated bounds


def _pair_trials(k: int) -> list[tuple[AudienceSketches, int, int, int]]:
    """50 pairs of audiences of 2k-50k members with controlled Jaccard, one seed each."""
    rng = np.random.default_rng(2024)
    universe = 120_000
    trials = []
    for t in range(50):
        sa, sb = (int(s) for s in rng.integers(2_000, 50_000, size=2))
        jac = rng.uniform(0.0, 0.9)
        inter = int(min(jac * (sa + sb) / (1 + jac), sa, sb))
        perm = rng.permutation(universe)[: sa + sb - inter]
        a_set, b_set = perm[:sa], np.concatenate([perm[:inter], perm[sa:]])
        trials.append((build_sketches(_rows([a_set, b_set], universe), k=k, seed=t), sa, sb, inter))
    return trials


@pytest.fixture(scope="module")
def pair_trials() -> list[tuple[AudienceSketches, int, int, int]]:
    return _pair_trials(128)


def test_pair_estimates_within_bounds(
    pair_trials: list[tuple[AudienceSketches, int, int, int]],
) -> None:
    """Union, Jaccard and shared audience: ≥ 90 % of truths inside the 95 % intervals, no bias."""
    inside = {"union": 0, "jaccard": 0, "shared": 0, "kmv": 0}
    union_err, jac_err = [], []
    for sk, sa, sb, inter in pair_trials:
        union, jac = sa + sb - inter, inter / (sa + sb - inter)
        u = estimate_union(sk, [0, 1])
        j = estimate_jaccard(sk, 0, 1)
        s = estimate_overlap(sk, 0, 1)
        assert not (u.exact or j.exact or s.exact)
        assert u.sample_size >= sk.k - 1
        inside["union"] += u.low <= union <= u.high
        inside["jaccard"] += j.low <= jac <= j.high
        inside["shared"] += s.low <= inter <= s.high
        union_err.append(u.value / union - 1)
        jac_err.append(j.value - jac)
        # the documented KMV bound: relative standard error at most 1/sqrt(k - 2)
        theta = estimate_union(sk, [0, 1], method="theta")
        inside["kmv"] += abs(theta.value / union - 1) <= 1.96 / math.sqrt(sk.k - 2)
        assert theta.low <= theta.value <= theta.high
    for name, count in inside.items():
        assert count >= 45, (name, count)
    # unbiased: the mean error is far below one standard error of a single estimate
    assert abs(np.mean(union_err)) < 0.015
    assert abs(np.mean(jac_err)) < 0.015
    # and the ratio estimator, using exact sizes, beats the KMV bound by a wide margin
    assert np.sqrt(np.mean(np.square(union_err))) < 0.5 / math.sqrt(128 - 2)


def test_biased_estimates_would_fail(
    pair_trials: list[tuple[AudienceSketches, int, int, int]],
) -> None:
    """The checks above have teeth: a 10 % bias puts many truths outside the intervals."""
    outside = 0
    for sk, sa, sb, inter in pair_trials:
        u = estimate_union(sk, [0, 1])
        biased = (u.low * 1.1, u.high * 1.1)
        outside += not biased[0] <= sa + sb - inter <= biased[1]
    assert outside > 5


def test_union_of_many_sets_within_bounds() -> None:
    """Unions of 12 overlapping audiences: every method covers and is unbiased."""
    rng = np.random.default_rng(8)
    universe = 60_000
    weight = rng.pareto(1.5, universe) + 0.01  # popular members are in many audiences
    cdf = np.cumsum(weight) / weight.sum()
    inside = {"auto": 0, "ratio": 0, "theta": 0}
    errors: dict[str, list[float]] = {method: [] for method in inside}
    trials = 200
    for t in range(trials):
        sets = [
            np.unique(np.searchsorted(cdf, rng.random(int(s))))
            for s in rng.integers(300, 8_000, size=12)
        ]
        sk = build_sketches(_rows(sets, universe), k=64, seed=t)
        truth = np.unique(np.concatenate(sets)).size
        for method in inside:
            est = estimate_union(sk, np.arange(12), method=method)  # type: ignore[arg-type]
            assert not est.exact
            inside[method] += est.low <= truth <= est.high
            errors[method].append(est.value / truth - 1)
    for method, count in inside.items():
        assert count >= 0.9 * trials, (method, count)
        # no bias: the mean error is within three of its standard errors of zero
        err = np.array(errors[method])
        assert abs(err.mean()) < 3 * err.std() / math.sqrt(trials), method


def test_agrees_with_exact_overlap_on_a_graph() -> None:
    a = _random_audience(120, 5)
    top = np.arange(0, 120, 2)
    exact = audience_overlap(a, top)
    sk = build_sketches(a, k=32, seed=1)
    est = estimate_overlaps(sk, top)
    both = exact.merge(est, on=["a", "b"], suffixes=("", "_est"))
    assert len(both) >= 0.9 * len(exact)
    inside = (both["jaccard"] >= both["jaccard_low"]) & (both["jaccard"] <= both["jaccard_high"])
    assert inside.mean() >= 0.9
    assert np.corrcoef(both["jaccard"], both["jaccard_est"])[0, 1] > 0.8
    assert list(est["jaccard"]) == sorted(est["jaccard"], reverse=True)
    # with k above every audience the sketch answers are the exact ones
    full = estimate_overlaps(build_sketches(a, k=128), top)
    assert np.array_equal(full["shared"].to_numpy(), exact["shared"].to_numpy())
    np.testing.assert_allclose(full["jaccard"], exact["jaccard"], rtol=1e-12)


# ---------------------------------------------------------------------------
# crawl coverage


def test_coverage_formulas_on_whole_audiences() -> None:
    # A = {0, ..., 5}, B = {5, 6, 7}, both crawled at half coverage
    a = _rows([np.arange(6), np.array([5, 6, 7])], 8)
    a.resize((8, 8))  # nodes 2..7 have empty audiences
    sk = adjust_for_coverage(build_sketches(a, k=8), [0.5, 0.5])
    pa, pb = 0.5, 0.5
    assert estimate_union(sk, [0]).value == pytest.approx(6 / pa)
    assert estimate_union(sk, [1]).value == pytest.approx(3 / pb)
    shared = 1 / (pa * pb)
    assert estimate_overlap(sk, 0, 1).value == pytest.approx(shared)
    union = 6 / pa + 3 / pb - shared
    assert estimate_union(sk, [0, 1]).value == pytest.approx(union)
    assert estimate_jaccard(sk, 0, 1).value == pytest.approx(shared / union)
    est = estimate_union(sk, [0, 1])
    assert not est.exact and est.low >= 8 and est.high > est.value
    # per-account coverage: w(C) = 1 - prod(1 - 1/p) over the accounts a member was seen in
    uneven = adjust_for_coverage(build_sketches(a, k=8), [0.5, 0.25])
    expect = 5 * 2 + 2 * 4 + (1 - (1 - 2) * (1 - 4))
    assert estimate_union(uneven, [0, 1]).value == pytest.approx(expect)
    # the shared audience cannot exceed the smaller adjusted audience
    assert estimate_overlap(uneven, 0, 1).value == pytest.approx(min(8.0, 12, 3 / 0.25))
    # one number for all, per sketched node, or per node of the graph: same thing
    same = [adjust_for_coverage(build_sketches(a, k=8), c) for c in (0.5, [0.5, 0.5], [0.5] * 8)]
    assert len({estimate_union(s, [0, 1]).value for s in same}) == 1
    # coverage 1 changes nothing
    plain = build_sketches(a, k=8)
    assert estimate_union(adjust_for_coverage(plain, 1.0), [0, 1]) == estimate_union(plain, [0, 1])


def test_coverage_adjustment_is_unbiased_under_its_model() -> None:
    """Thin audiences at random with known coverage: the adjusted union averages to the truth."""
    rng = np.random.default_rng(12)
    universe = 4_000
    sets = [rng.choice(universe, size=int(s), replace=False) for s in (800, 1_500, 600, 2_000)]
    truth_union = np.unique(np.concatenate(sets)).size
    truth_shared = np.intersect1d(sets[0], sets[1]).size
    cov = np.array([0.6, 0.8, 0.5, 0.9])
    unions, shared, inside = [], [], 0
    for t in range(200):
        thinned = [s[rng.random(s.size) < p] for s, p in zip(sets, cov, strict=True)]
        sk = adjust_for_coverage(build_sketches(_rows(thinned, universe), k=4_096, seed=t), cov)
        est = estimate_union(sk, [0, 1, 2, 3])
        unions.append(est.value)
        inside += est.low <= truth_union <= est.high
        shared.append(estimate_overlap(sk, 0, 1).value)
    se = np.std(unions) / np.sqrt(len(unions))
    assert abs(np.mean(unions) - truth_union) < 3 * se
    assert abs(np.mean(shared) - truth_shared) < 3 * np.std(shared) / np.sqrt(len(shared))
    assert inside >= 0.9 * 200


def test_coverage_validation() -> None:
    sk = build_sketches(_random_audience(10, 1), k=4)
    for bad in (0.0, 1.5, float("nan"), -0.1):
        with pytest.raises(InputError):
            adjust_for_coverage(sk, bad)
    with pytest.raises(InputError):
        adjust_for_coverage(sk, [0.5, 0.5])


# ---------------------------------------------------------------------------
# storage and validation


def test_save_load_round_trip(tmp_path: Path) -> None:
    a = _random_audience(60, 7)
    sk = adjust_for_coverage(build_sketches(a, k=8, min_audience=3, seed=11), 0.75)
    path = tmp_path / "run-1.sketch"
    sk.save(path)
    assert path.exists()  # exactly the path given, no ".npz" appended
    back = AudienceSketches.load(path)
    for name in ("nodes", "sizes", "indptr", "hashes", "coverage"):
        got, want = getattr(back, name), getattr(sk, name)
        assert got.dtype == want.dtype and np.array_equal(got, want), name
    assert (back.k, back.seed, back.n, back.min_audience) == (8, 11, 60, 3)
    assert estimate_union(back, [1, 2, 3]) == estimate_union(sk, [1, 2, 3])
    # the same bytes, for a run artifact in the store
    again = AudienceSketches.from_bytes(sk.to_bytes())
    assert np.array_equal(again.hashes, sk.hashes) and again.k == sk.k
    assert np.array_equal(again.coverage, sk.coverage)


def test_load_errors(tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        AudienceSketches.load(tmp_path / "missing.npz")
    other = tmp_path / "other.npz"
    np.savez(other, x=np.arange(3))
    with pytest.raises(InputError):
        AudienceSketches.load(other)
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not a zip file")
    with pytest.raises(InputError):
        AudienceSketches.load(junk)
    with pytest.raises(InputError):
        AudienceSketches.from_bytes(b"")


def test_argument_validation() -> None:
    a = _random_audience(30, 2)
    for kwargs in ({"k": 1}, {"k": 0}, {"k": 2.5}, {"min_audience": 0}, {"seed": -1}):
        with pytest.raises(InputError):
            build_sketches(a, **kwargs)
    with pytest.raises(InputError):
        build_sketches(np.ones((3, 3)))
    sk = build_sketches(a, k=4, min_audience=12)
    small = int(np.flatnonzero(np.diff(a.indptr) < 12)[0])
    big = [int(v) for v in sk.nodes[:3]]
    bad_nodes: list[object] = [[big[0], 30], [-1], [big[0], big[0]], [[big[0]]], [0.5], [small]]
    for nodes in bad_nodes:
        with pytest.raises(InputError):
            estimate_union(sk, nodes)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="min_audience"):
        estimate_jaccard(sk, big[0], small)
    with pytest.raises(InputError):
        estimate_jaccard(sk, big[0], big[0])
    with pytest.raises(InputError):
        estimate_overlap(sk, big[0], 99)
    with pytest.raises(InputError):
        estimate_overlaps(sk, [big[0], small])
    for conf in (0.0, 1.0, 1.5):
        with pytest.raises(InputError):
            estimate_union(sk, big, confidence=conf)
        with pytest.raises(InputError):
            estimate_jaccard(sk, big[0], big[1], confidence=conf)
    with pytest.raises(InputError):
        estimate_union(sk, big, method="minhash")  # type: ignore[arg-type]


def test_docstring_examples() -> None:
    results = [
        doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        for module in (hashing, sketches, build, union, pairs)
    ]
    result = doctest.TestResults(sum(r.failed for r in results), sum(r.attempted for r in results))
    assert result.attempted > 0 and result.failed == 0
