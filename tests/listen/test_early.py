"""SEISMIC and the calibrated final-size forecaster, on hand-computed and simulated cascades."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import integrate

from kolgraph.errors import InputError
from kolgraph.listen.early import (
    FEATURES,
    PAPER_KERNEL,
    PRIOR_SPREAD,
    EarlyCascade,
    MemoryKernel,
    SizeForecaster,
    early_features,
    infectiousness,
    seismic_forecast,
)

C = PAPER_KERNEL.c


def _quad(f: object, a: float, b: float) -> float:
    points = [300.0] if a < 300.0 < b else None
    return float(integrate.quad(f, a, b, points=points, limit=200)[0])  # type: ignore[arg-type]


def test_paper_kernel_is_normalised_and_continuous() -> None:
    assert pytest.approx(0.242 / (300 * 1.242)) == C
    assert pytest.approx(6.4949e-4, rel=1e-4) == C
    # the reference implementation's theta gives its published c
    assert MemoryKernel(theta=0.2314843).c == pytest.approx(0.0006265725, rel=1e-6)
    assert float(PAPER_KERNEL.mass(1e30)) == pytest.approx(1.0, abs=1e-6)
    head = _quad(lambda s: float(PAPER_KERNEL.density(s)), 0, 300)
    tail = float(integrate.quad(lambda s: float(PAPER_KERNEL.density(s)), 300, np.inf)[0])
    assert head + tail == pytest.approx(1.0, abs=1e-6)
    assert float(PAPER_KERNEL.density(-1.0)) == 0.0
    at_s0 = float(PAPER_KERNEL.density(300.0))
    assert float(PAPER_KERNEL.density(300.001)) == pytest.approx(at_s0, rel=1e-5)


@pytest.mark.parametrize("s", [0.0, 10.0, 299.0, 300.0, 301.0, 3600.0, 86400.0])
def test_mass_is_the_integral_of_the_density(s: float) -> None:
    ref = _quad(lambda u: float(PAPER_KERNEL.density(u)), 0.0, s) if s > 0 else 0.0
    assert float(PAPER_KERNEL.mass(s)) == pytest.approx(ref, rel=1e-7, abs=1e-12)


@pytest.mark.parametrize(
    ("age", "w"), [(100, 300), (300, 300), (500, 300), (500, 1000), (5000, 7200), (9000, 7200)]
)
def test_windowed_mass_against_quadrature(age: float, w: float) -> None:
    def weighted(v: float) -> float:
        return (1 - (age - v) / w) * float(PAPER_KERNEL.density(v))

    ref = _quad(weighted, max(0, age - w), age)
    assert float(PAPER_KERNEL.windowed_mass(age, w)) == pytest.approx(ref, rel=1e-7)
    # with an endless window it is the plain mass
    assert float(PAPER_KERNEL.windowed_mass(age, 1e12)) == pytest.approx(
        float(PAPER_KERNEL.mass(age)), rel=1e-6
    )


def test_infectiousness_by_hand() -> None:
    # origin at 0 and one reshare at 100 s, both with 10 followers, seen at 200 s (< s0):
    # p = 1 / (10 c 200 + 10 c 100)
    p = infectiousness([0.0, 100.0], [10.0, 10.0], t_obs=200.0, window="all")
    assert p == pytest.approx(1.0 / (10 * C * 300))
    assert infectiousness([0.0], [10.0], t_obs=200.0) == 0.0
    # later reshares are not seen yet
    assert infectiousness([0.0, 100.0, 500.0], [10.0, 10.0, 10.0], t_obs=200.0, window="all") == p


def test_adaptive_infectiousness_against_brute_force() -> None:
    rng = np.random.default_rng(3)
    t = np.sort(rng.uniform(0, 7200, 12))
    t[0] = 0.0
    n = rng.uniform(5, 50, 12)
    t_obs = 7200.0
    w = min(7200.0, max(300.0, t_obs - t[-6]))  # the 5 latest reshares
    shares = sum(max(0.0, 1 - (t_obs - ti) / w) for ti in t[1:])
    exposure = sum(
        ni
        * _quad(
            lambda u, ti=ti: max(0.0, 1 - (t_obs - u) / w) * float(PAPER_KERNEL.density(u - ti)),
            max(ti, t_obs - w),
            t_obs,
        )
        for ti, ni in zip(t, n, strict=True)
    )
    assert infectiousness(t, n, t_obs=t_obs) == pytest.approx(shares / exposure, rel=1e-6)


def test_seismic_forecast_by_hand() -> None:
    times, followers = [0.0, 100.0], [10.0, 10.0]
    p = 1.0 / (10 * C * 300)
    remaining = 10 * (1 - C * 200) + 10 * (1 - C * 100)
    for gamma in (0.0, 0.5, 1.0):  # gamma p = 0, 0.26, 0.51
        expected = 2 + p * remaining / (1 - gamma * p)
        got = seismic_forecast(times, followers, t_obs=200.0, gamma=gamma, window="all")
        assert got == pytest.approx(expected)
    # alpha scales only the part still to come
    got = seismic_forecast(times, followers, t_obs=200.0, gamma=1.0, alpha=0.5, window="all")
    assert got == pytest.approx(2 + 0.5 * p * remaining / (1 - p))
    # supercritical: gamma p >= 1
    assert seismic_forecast(times, followers, t_obs=200.0, gamma=1 / p, window="all") == math.inf
    # nothing seen yet
    assert seismic_forecast([10.0], [1.0], t_obs=5.0) == 0.0


def test_unknown_followers_take_the_mean_of_the_known() -> None:
    a = seismic_forecast([0.0, 50.0, 90.0], [10.0, np.nan, 30.0], t_obs=200.0, gamma=1.0)
    b = seismic_forecast([0.0, 50.0, 90.0], [10.0, 20.0, 30.0], t_obs=200.0, gamma=1.0)
    assert a == pytest.approx(b)


@pytest.mark.parametrize(
    ("times", "followers", "match"),
    [
        ([0.0, -5.0], [1.0, 1.0], "non-negative"),
        ([0.0, 5.0], [1.0], "follower counts"),
        ([5.0, 0.0], [1.0, 1.0], "sorted"),
        ([0.0, np.nan], [1.0, 1.0], "finite"),
        ([0.0, 1.0], [1.0, -1.0], "non-negative"),
    ],
)
def test_bad_input_is_an_input_error(
    times: list[float], followers: list[float], match: str
) -> None:
    with pytest.raises(InputError, match=match):
        seismic_forecast(times, followers, t_obs=10.0)
    with pytest.raises(InputError, match=match):
        SizeForecaster.prior().predict(times, followers, age_seconds=10.0)


def test_other_bad_arguments() -> None:
    with pytest.raises(InputError):
        MemoryKernel(theta=1.5)
    with pytest.raises(InputError):
        seismic_forecast([0.0], [1.0], t_obs=-1.0)
    with pytest.raises(InputError):
        infectiousness([0.0, 1.0], [1.0, 1.0], t_obs=5.0, window="weekly")
    with pytest.raises(InputError, match="non-negative"):
        SizeForecaster.prior().predict([0.0], [1.0], age_seconds=-3.0)
    with pytest.raises(InputError, match="too few"):
        SizeForecaster().fit(_simulate(5, seed=1))
    with pytest.raises(InputError, match="final_size"):
        SizeForecaster().fit([EarlyCascade(np.zeros(3), np.ones(3), 0.0, 2)])
    with pytest.raises(InputError, match="positive"):
        SizeForecaster().fit(_simulate(30, seed=1), horizons_hours=(0,))
    with pytest.raises(InputError, match="saved"):
        SizeForecaster.from_dict({"features": list(FEATURES)})


def _delays(kernel: MemoryKernel, u: np.ndarray) -> np.ndarray:
    """Inverse of the kernel's mass: reaction delays from uniform draws."""
    c, s0, th = kernel.c, kernel.s0, kernel.theta
    tail = s0 * np.maximum(1e-12, 1 - (u - c * s0) * th / (c * s0)) ** (-1 / th)
    return np.where(u <= c * s0, u / c, tail)


def _simulate(
    n: int, *, seed: int, branching: float = 0.6, kernel: MemoryKernel | None = None
) -> list[EarlyCascade]:
    """Self-exciting cascades: each adopter with lognormal followers ``m`` gets
    Poisson(p m) resharers after delays drawn from the kernel, p = branching / E[m]."""
    kernel = kernel or MemoryKernel(theta=0.8, s0=600.0)
    rng = np.random.default_rng(seed)
    mean_followers = 20.0
    p = branching / mean_followers
    out = []
    for i in range(n):
        times, followers = [0.0], [float(rng.lognormal(math.log(200.0), 0.8))]
        k = 0
        while k < len(times) and len(times) < 5000:
            kids = rng.poisson(p * followers[k])
            times.extend(times[k] + _delays(kernel, rng.uniform(size=kids)))
            followers.extend(rng.lognormal(math.log(mean_followers) - 0.5, 1.0, size=kids))
            k += 1
        order = np.argsort(times, kind="stable")
        out.append(
            EarlyCascade(
                times=np.asarray(times)[order],
                followers=np.asarray(followers)[order],
                start=1_600_000_000.0 + 3600.0 * i,
                final_size=len(times),
            )
        )
    return out


def test_seismic_recovers_the_infectiousness_of_a_simulated_cascade() -> None:
    kernel = MemoryKernel(theta=0.8, s0=600.0)
    rng = np.random.default_rng(7)
    p, n_followers = 0.005, 100.0
    times = [0.0]
    k = 0
    counts = [20_000.0]
    while k < len(times):
        kids = rng.poisson(p * counts[k])
        times.extend(times[k] + _delays(kernel, rng.uniform(size=kids)))
        counts.extend([n_followers] * kids)
        k += 1
    order = np.argsort(times, kind="stable")
    t, f = np.asarray(times)[order], np.asarray(counts)[order]
    est = infectiousness(t, f, t_obs=1800.0, kernel=kernel, window="all")
    assert est == pytest.approx(p, rel=0.2)
    forecast = seismic_forecast(
        t, f, t_obs=1800.0, kernel=kernel, gamma=n_followers, window="all"
    )  # (the adaptive window suits a fading topic; this one's p is constant)
    seen = int(np.sum(t <= 1800.0))
    assert seen < 0.8 * len(t)  # there was something left to forecast
    assert forecast == pytest.approx(len(t), rel=0.2)
    assert abs(forecast - len(t)) < 0.5 * (len(t) - seen)


@pytest.fixture(scope="module")
def simulated() -> list[EarlyCascade]:
    return _simulate(1000, seed=11)


@pytest.fixture(scope="module")
def fitted(simulated: list[EarlyCascade]) -> SizeForecaster:
    return SizeForecaster().fit(simulated[:700])


def test_forecaster_covers_simulated_cascades_at_the_nominal_rate(
    simulated: list[EarlyCascade], fitted: SizeForecaster
) -> None:
    test = simulated[700:]
    y = np.array([c.final_size for c in test], dtype=float)
    for h in (1, 2, 6):
        fs = [fitted.predict(c.times, c.followers, age_seconds=h * 3600.0) for c in test]
        assert {f.horizon_hours for f in fs} == {float(h)}
        low, high = np.array([f.low for f in fs]), np.array([f.high for f in fs])
        exp, now = np.array([f.expected for f in fs]), np.array([f.current for f in fs])
        coverage = float(np.mean((low <= y) & (y <= high)))
        assert 0.7 <= coverage <= 0.92, (h, coverage)
        assert np.all(low >= now) and np.all(low <= exp) and np.all(exp <= high)
        # early on, better than assuming no growth (on the log scale); by 6 h most
        # simulated cascades are over and no growth is hard to beat
        model_err = np.mean(np.abs(np.log((exp + 1) / (y + 1))))
        naive_err = np.mean(np.abs(np.log((now + 1) / (y + 1))))
        assert model_err < (1.0 if h < 6 else 1.2) * naive_err, (h, model_err, naive_err)


def test_predict_uses_the_nearest_horizon_in_log_time(fitted: SizeForecaster) -> None:
    t, f = np.array([0.0, 60.0, 900.0]), np.array([100.0, 20.0, 20.0])
    assert fitted.horizons_hours == (1.0, 2.0, 6.0)
    assert fitted.predict(t, f, age_seconds=1.3 * 3600).horizon_hours == 1.0
    assert fitted.predict(t, f, age_seconds=1.5 * 3600).horizon_hours == 2.0
    assert fitted.predict(t, f, age_seconds=4.0 * 3600).horizon_hours == 6.0
    assert fitted.predict(t, f, age_seconds=48 * 3600).horizon_hours == 6.0
    assert fitted.predict(t, f, age_seconds=0.0).horizon_hours == 1.0
    fc = fitted.predict(t, f, age_seconds=3600.0)
    assert fc.method == "seismic+ridge" and fc.current == 3 and fc.calibrated_on > 100
    assert json.loads(json.dumps(fc.as_json()))["interval"] == 0.8


def test_to_dict_round_trip(simulated: list[EarlyCascade], fitted: SizeForecaster) -> None:
    back = SizeForecaster.from_dict(json.loads(json.dumps(fitted.to_dict())))
    assert back.horizons_hours == fitted.horizons_hours and back.gamma == fitted.gamma
    for c in simulated[700:720]:
        for age in (1800.0, 7200.0, 30000.0):
            assert back.predict(c.times, c.followers, age_seconds=age) == fitted.predict(
                c.times, c.followers, age_seconds=age
            )
    data = fitted.to_dict()
    data["features"] = ["log_size"]
    with pytest.raises(InputError, match="other features"):
        SizeForecaster.from_dict(data)


def test_fit_learns_n_star_and_orders_by_start(simulated: list[EarlyCascade]) -> None:
    part = simulated[:300]
    a = SizeForecaster().fit(part)
    b = SizeForecaster().fit(list(reversed(part)))  # the order given does not matter
    assert a.to_dict() == b.to_dict()
    known = np.concatenate([c.followers for c in part])
    assert a.gamma == pytest.approx(float(known.mean()))


def test_prior_is_marked_and_wide() -> None:
    prior = SizeForecaster.prior()
    assert prior.models == ()
    t, f = np.array([0.0, 30.0, 100.0, 400.0]), np.array([50.0, 10.0, 10.0, 10.0])
    fc = prior.predict(t, f, age_seconds=600.0)
    seis = seismic_forecast(t, f, t_obs=600.0, gamma=100.0)
    assert fc.method == "prior" and fc.horizon_hours is None and fc.current == 4
    assert fc.low == 4.0
    assert fc.high == pytest.approx(max(fc.expected, 1.0) * PRIOR_SPREAD)
    if math.isfinite(seis):
        assert fc.expected == pytest.approx(min(max(seis, 4.0), 4 * PRIOR_SPREAD))
    # supercritical SEISMIC: twice the current size
    burst = np.arange(0.0, 600.0, 10.0)
    assert seismic_forecast(burst, np.ones(burst.size), t_obs=600.0) == math.inf
    fc = prior.predict(burst, np.ones(burst.size), age_seconds=600.0)
    assert fc.expected == pytest.approx(2 * burst.size) and fc.low == burst.size


def test_early_features_by_hand() -> None:
    t = np.array([0.0, 100.0, 1000.0, 3000.0, 3500.0])
    f = np.array([10.0, np.nan, 30.0, 20.0, 20.0])
    x = dict(zip(FEATURES, early_features(t, f, t_obs=3600.0, gamma=5.0), strict=True))
    assert x["log_size"] == pytest.approx(math.log(6))
    assert x["log_growth_half"] == pytest.approx(math.log(6) - math.log(4))
    assert x["log_recent"] == pytest.approx(math.log(3))  # 3000 and 3500 are after 2880
    assert x["log_followers"] == pytest.approx(math.log1p(100.0))  # NaN -> mean 20
    assert x["log_first_reshare"] == pytest.approx(math.log(101))
    assert x["log_idle"] == pytest.approx(math.log(101))
    seis = seismic_forecast(t, f, t_obs=3600.0, gamma=5.0)
    assert x["seismic_finite"] == float(math.isfinite(seis))
