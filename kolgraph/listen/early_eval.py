r"""How well :class:`~kolgraph.listen.early.SizeForecaster` forecasts real cascades' final size.

Three public cascade sets from ``../shared/data`` (its README.md) are read as
:class:`~kolgraph.listen.early.EarlyCascade`:

``douban``
    ``douban/cascades.txt.gz``, ``uid unix_ts,uid unix_ts,...`` in adoption order
    (2008-2011); followers are the users' degrees in ``douban/social_edges.txt.gz``.
``twitter``
    ``twitter-graph-cascades/train.txt`` and ``test.txt`` pooled (their own split is
    not by time), ``source uid t uid t ...``: the source user posts at the first listed
    time. The times are seconds (from an unknown epoch): adoptions follow a clear
    24-hour cycle in them, and the median gap between adoptions is 6 minutes. Followers
    are degrees in ``graph.txt``.
``higgs``
    ``higgs-twitter/higgs-activity_time.txt.gz``: the ``RT`` rows ``A B ts`` (A
    retweeted B) of one B make a cascade started at its first retweet; followers are
    the retweeters' degrees in ``higgs-retweet_network.edgelist.gz`` (a proxy: the
    follower graph is not in the data set, and the degree counts the whole week).
    The data set covers one week, so cascades starting in its last
    ``min_followup_hours`` are left out (their final size is not known).

Per data set the cascades are sorted by start: the forecaster is fitted on the
earliest ``train_share`` and tested on the rest (never the reverse). Only cascades
with at least ``min_early`` adoptions within the first hour are kept (the forecast is
of topics that have taken off), for every horizon alike. At each horizon the report
gives, for the forecaster and the baselines, the median absolute percentage error
:math:`\operatorname{med} |\hat N - N| / N`, the mean absolute log error
:math:`\overline{|\log\frac{\hat N + 1}{N + 1}|}`, the coverage of the 80% interval
(the share of test cascades whose final size is in ``[low, high]``) and its median
width ``high - low``.

Baselines: ``current`` (the size now, no growth; its interval is the point);
``current x factor`` (the size now times :math:`e^{\tilde r}`, :math:`\tilde r` the
median training log ratio :math:`\log\frac{N_\infty + 1}{N_t + 1}`, with split-conformal
quantiles of the same ratios as interval); ``seismic`` (SEISMIC alone with
:math:`n^*` the training adopters' mean degree, no interval; where it is infinite the
current size); and ``prior`` (:meth:`SizeForecaster.prior`, no training).
"""

from __future__ import annotations

import gzip
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from kolgraph.errors import InputError, NotFound
from kolgraph.listen.early import HOUR, EarlyCascade, SizeForecaster, _q, seismic_forecast

__all__ = [
    "DATASETS",
    "DatasetSummary",
    "EarlyEvalReport",
    "EvalRow",
    "evaluate",
    "load_douban",
    "load_higgs",
    "load_twitter",
    "score",
    "time_split",
]


def _lines(path: Path) -> Iterator[str]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        yield from fh


def _degrees(path: Path, sep: str | None = None) -> Counter[str]:
    """Each user's degree (edges it is on, either end) in an edge list ``a b [...]``."""
    deg: Counter[str] = Counter()
    for line in _lines(path):
        parts = line.strip().split(sep)
        if len(parts) >= 2 and parts[0].isdigit() and parts[1].isdigit():
            deg[parts[0]] += 1
            deg[parts[1]] += 1
    return deg


def _cascade(adopters: list[tuple[str, float]], deg: Counter[str]) -> EarlyCascade:
    adopters.sort(key=lambda a: a[1])
    t0 = adopters[0][1]
    return EarlyCascade(
        times=np.array([ts - t0 for _, ts in adopters], dtype=float),
        followers=np.array([float(deg[u]) if u in deg else math.nan for u, _ in adopters]),
        start=t0,
        final_size=len(adopters),
    )


def load_douban(data_dir: Path) -> list[EarlyCascade]:
    """Douban cascades (``douban/``); malformed ``uid ts`` pairs are skipped."""
    deg = _degrees(data_dir / "douban" / "social_edges.txt.gz", ",")
    out = []
    for line in _lines(data_dir / "douban" / "cascades.txt.gz"):
        pairs = [p.split() for p in line.strip().split(",")]
        adopters = [(p[0], float(p[1])) for p in pairs if len(p) == 2 and p[1].isdigit()]
        if adopters:
            out.append(_cascade(adopters, deg))
    return out


def load_twitter(data_dir: Path) -> list[EarlyCascade]:
    """Topo-LSTM Twitter URL cascades (``twitter-graph-cascades/``), train and test pooled."""
    folder = data_dir / "twitter-graph-cascades"
    deg = _degrees(folder / "graph.txt")
    out = []
    for part in ("train.txt", "test.txt"):
        for line in _lines(folder / part):
            fields = line.split()
            if len(fields) < 3:
                continue
            adopters = [(u, float(ts)) for u, ts in zip(fields[1::2], fields[2::2], strict=False)]
            first = min(ts for _, ts in adopters)
            out.append(_cascade([(fields[0], first), *adopters], deg))
    return out


def load_higgs(data_dir: Path, *, min_followup_hours: float = 24.0) -> list[EarlyCascade]:
    """Higgs retweet cascades (``higgs-twitter/``), one per retweeted user.

    Cascades that start less than ``min_followup_hours`` before the data set's last
    row are left out.
    """
    folder = data_dir / "higgs-twitter"
    deg = _degrees(folder / "higgs-retweet_network.edgelist.gz")
    rows: defaultdict[str, list[tuple[str, float]]] = defaultdict(list)
    last = 0.0
    for line in _lines(folder / "higgs-activity_time.txt.gz"):
        parts = line.split()
        if len(parts) == 4 and parts[3] == "RT":
            ts = float(parts[2])
            rows[parts[1]].append((parts[0], ts))
            last = max(last, ts)
    cascades = [_cascade(a, deg) for a in rows.values()]
    return [c for c in cascades if c.start <= last - min_followup_hours * HOUR]


#: The data sets :func:`evaluate` reads: name, loader, and the file that must exist.
DATASETS: dict[str, tuple[Callable[[Path], list[EarlyCascade]], str]] = {
    "douban": (load_douban, "douban/cascades.txt.gz"),
    "twitter": (load_twitter, "twitter-graph-cascades/train.txt"),
    "higgs": (load_higgs, "higgs-twitter/higgs-activity_time.txt.gz"),
}


def time_split(
    cascades: Sequence[EarlyCascade], *, train_share: float = 0.7
) -> tuple[list[EarlyCascade], list[EarlyCascade]]:
    """The earliest ``train_share`` of the cascades by start, and the rest."""
    ordered = sorted(cascades, key=lambda c: c.start)
    cut = round(train_share * len(ordered))
    return ordered[:cut], ordered[cut:]


@dataclass(frozen=True)
class EvalRow:
    """One method's errors on one data set's test cascades at one horizon."""

    dataset: str
    horizon_hours: float
    method: str
    n_test: int
    mdape: float
    mae_log: float
    coverage: float | None
    width: float | None


@dataclass(frozen=True)
class DatasetSummary:
    """How many cascades a data set had, kept (``min_early`` in the first hour) and split."""

    name: str
    cascades: int
    kept: int
    train: int
    test: int
    gamma: float


def score(
    expected: npt.ArrayLike,
    final: npt.ArrayLike,
    low: npt.ArrayLike | None = None,
    high: npt.ArrayLike | None = None,
) -> tuple[float, float, float | None, float | None]:
    """Median absolute percentage error, mean absolute log error, coverage and median width."""
    e, y = np.asarray(expected, dtype=float), np.asarray(final, dtype=float)
    mdape = float(np.median(np.abs(e - y) / y))
    mae_log = float(np.mean(np.abs(np.log((e + 1.0) / (y + 1.0)))))
    if low is None or high is None:
        return mdape, mae_log, None, None
    lo, hi = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    return mdape, mae_log, float(np.mean((lo <= y) & (y <= hi))), float(np.median(hi - lo))


@dataclass(frozen=True)
class EarlyEvalReport:
    """The errors of every method at every horizon on every data set read."""

    datasets: tuple[DatasetSummary, ...]
    rows: tuple[EvalRow, ...]
    horizons: tuple[float, ...]
    min_early: int
    train_share: float

    def as_json(self) -> dict[str, Any]:
        return {
            "horizons_hours": list(self.horizons),
            "min_early": self.min_early,
            "train_share": self.train_share,
            "datasets": [asdict(d) for d in self.datasets],
            "rows": [
                {
                    k: (round(v, 4) if isinstance(v, float) and math.isfinite(v) else v)
                    for k, v in asdict(r).items()
                }
                for r in self.rows
            ],
        }

    def row(self, dataset: str, horizon: float, method: str) -> EvalRow:
        for r in self.rows:
            if (r.dataset, r.horizon_hours, r.method) == (dataset, float(horizon), method):
                return r
        raise NotFound(f"no row for {dataset} at {horizon} h by {method}")

    def table(self) -> str:
        """The report as a markdown table (and one line per data set above it)."""
        out = [
            f"- {d.name}: {d.cascades} cascades, {d.kept} with >= {self.min_early} adoptions "
            f"in the first hour; train {d.train} (earliest), test {d.test}; n* = {d.gamma:.1f}"
            for d in self.datasets
        ]
        out += [
            "",
            "| data set | h | method | n test | MdAPE | MAE log | 80% coverage | width |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for r in self.rows:
            cov = "-" if r.coverage is None else f"{r.coverage:.2f}"
            width = "-" if r.width is None else f"{r.width:.1f}"
            out.append(
                f"| {r.dataset} | {r.horizon_hours:g} | {r.method} | {r.n_test} | "
                f"{r.mdape:.3f} | {r.mae_log:.3f} | {cov} | {width} |"
            )
        return "\n".join(out)


def _evaluate_one(
    name: str,
    cascades: list[EarlyCascade],
    horizons: tuple[float, ...],
    min_early: int,
    train_share: float,
) -> tuple[DatasetSummary, list[EvalRow]]:
    kept = [c for c in cascades if int(np.sum(c.times <= HOUR)) >= min_early]
    train, test = time_split(kept, train_share=train_share)
    model = SizeForecaster().fit(train, horizons_hours=horizons)
    prior = SizeForecaster.prior()
    gamma = model.n_star
    summary = DatasetSummary(name, len(cascades), len(kept), len(train), len(test), gamma)
    y = np.array([c.final_size for c in test], dtype=float)
    rows = []
    for h in horizons:
        t_obs = h * HOUR

        def now(cs: list[EarlyCascade], t: float = t_obs) -> np.ndarray:
            return np.array([np.sum(c.times <= t) for c in cs], dtype=float)

        n_train, n_test = now(train), now(test)
        r = np.sort(np.log((np.array([c.final_size for c in train]) + 1.0) / (n_train + 1.0)))
        med = float(np.median(r))
        forecasts = [model.predict(c.times, c.followers, age_seconds=t_obs) for c in test]
        priors = [prior.predict(c.times, c.followers, age_seconds=t_obs) for c in test]
        seis = np.array(
            [seismic_forecast(c.times, c.followers, t_obs=t_obs, gamma=gamma) for c in test]
        )
        seis = np.where(np.isfinite(seis), seis, n_test)
        factor = (n_test + 1.0) * math.exp(med) - 1.0
        methods: list[tuple[str, tuple[float, float, float | None, float | None]]] = [
            (
                "model",
                score(
                    [f.expected for f in forecasts],
                    y,
                    [f.low for f in forecasts],
                    [f.high for f in forecasts],
                ),
            ),
            ("current", score(n_test, y, n_test, n_test)),
            (
                "current x factor",
                score(
                    factor,
                    y,
                    np.maximum(n_test, (n_test + 1.0) * math.exp(_q(r, 0.1)) - 1.0),
                    (n_test + 1.0) * math.exp(_q(r, 0.9)) - 1.0,
                ),
            ),
            ("seismic", score(seis, y)),
            (
                "prior",
                score(
                    [f.expected for f in priors],
                    y,
                    [f.low for f in priors],
                    [f.high for f in priors],
                ),
            ),
        ]
        for method, (mdape, mae, cov, width) in methods:
            rows.append(EvalRow(name, float(h), method, len(test), mdape, mae, cov, width))
    return summary, rows


def evaluate(
    data_dir: Path,
    *,
    horizons: Sequence[float] = (1, 2, 6),
    min_early: int = 3,
    train_share: float = 0.7,
    datasets: Sequence[str] = tuple(DATASETS),
) -> EarlyEvalReport:
    """Fit on the earliest cascades and measure the forecasts on the latest, per data set.

    Parameters
    ----------
    data_dir
        ``../shared/data`` (its README.md lists the data sets); a data set whose files
        are missing is left out.
    horizons
        Hours after each cascade's start at which it is forecast.
    min_early
        The fewest adoptions (the first included) in the first hour a cascade needs.
    train_share
        The earliest share of each data set's kept cascades (by start) fitted on.
    datasets
        Which of :data:`DATASETS` to read.

    Raises
    ------
    NotFound
        ``data_dir`` holds none of the data sets.
    InputError
        An unknown data set name, or too few cascades to fit on.
    """
    unknown = set(datasets) - set(DATASETS)
    if unknown:
        raise InputError(f"unknown data set(s) {sorted(unknown)}", hint=f"use {list(DATASETS)}")
    hs = tuple(float(h) for h in horizons)
    summaries, rows = [], []
    for name in datasets:
        loader, probe = DATASETS[name]
        if not (data_dir / probe).exists():
            continue
        summary, found = _evaluate_one(name, loader(data_dir), hs, min_early, train_share)
        summaries.append(summary)
        rows.extend(found)
    if not summaries:
        raise NotFound(
            f"no cascade data set under {data_dir}",
            hint="pass the folder ../shared/data beside the checkout (see its README.md)",
        )
    return EarlyEvalReport(tuple(summaries), tuple(rows), hs, min_early, train_share)
