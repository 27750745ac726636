"""Evaluate a campaign that ran against the plan kept for it.

A plan is kept with its inputs, run id and JSON (:func:`keep_plan`; the CLI and the
API both plan through :func:`make_and_keep`, so every plan they show has an id that
can be evaluated). Weeks later
the reposts of the campaign's posts are read back (:func:`read_campaign_reposts`:
one row per repost, ``src`` reposted ``dst`` at ``ts``, optionally under ``post``)
and compared with what the plan said (:func:`evaluate_campaign`), with the same
measure the backtest uses:

* **engaged users**: distinct people who adopted in a cascade (one post and its
  reposts, or every repost of one author when posts are not given) *after* the
  first planned account in it; the planned accounts themselves do not count.
  Each such person is credited to the planned account that came first.
* **incremental**: of the people an account moved, those that no other planned
  account moved and that do not follow another planned account that posted (the
  audience the others already reached, from the store's follow graph).
* **phases**: moved people per phase window of the plan (days since the first
  post of a planned account), and the day they peaked against the explosion the
  plan expected.

Nothing is stored unless the evaluation succeeds; then it is kept with the plan.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from kolgraph.errors import InputError
from kolgraph.schemas.plans import PlanResponse
from kolgraph.store.base import PlanRecord, Store

if TYPE_CHECKING:
    from kolgraph.plan.planner import Plan, PlanParams, RunInputs
    from kolgraph.settings import Settings

__all__ = [
    "AccountOutcome",
    "Evaluation",
    "PhaseOutcome",
    "evaluate_campaign",
    "evaluate_plan",
    "keep_plan",
    "make_and_keep",
    "read_campaign_reposts",
    "reposts_frame",
]

DAY = 86_400.0
REQUIRED = ("src", "dst", "ts")


def keep_plan(
    store: Store, plan_id: str, run_id: str | None, params: dict[str, Any], body: dict[str, Any]
) -> PlanRecord:
    """Keep a plan (its JSON ``body`` and the ``params`` it was asked with) for evaluation."""
    record = PlanRecord(plan_id, run_id, time.time(), params, body)
    store.save_plan(record)
    return record


def make_and_keep(
    store: Store,
    params: PlanParams,
    *,
    settings: Settings | None = None,
    curve: Sequence[float] | None = None,
    at_knee: bool = False,
    on_point: Callable[[int, int], None] | None = None,
    inputs: RunInputs | None = None,
) -> tuple[Plan, PlanResponse]:
    """Make a plan (:func:`~kolgraph.plan.planner.make_plan`) and keep it under its id.

    With ``curve`` (budgets) the plan carries its budget curve
    (:func:`~kolgraph.plan.curve.plan_with_curve`) and is made at ``params.budget``,
    or at the curve's knee with ``at_knee``; ``on_point`` follows the curve's plans.
    The kept body is the plan's JSON as the API and ``kolgraph plan --format json``
    return it (:class:`~kolgraph.schemas.plans.PlanResponse`); returns the plan and
    that document. ``inputs`` are the current run's plan inputs when a serving
    process keeps them (:class:`~kolgraph.plan.cache.RunCache`).
    """
    from kolgraph.plan.curve import plan_with_curve
    from kolgraph.plan.planner import make_plan

    if curve is None:
        plan = make_plan(store, params, settings=settings, inputs=inputs)
    else:
        plan = plan_with_curve(
            store,
            params,
            curve,
            budget=None if at_knee else params.budget,
            settings=settings,
            on_point=on_point,
            inputs=inputs,
        )
    doc = PlanResponse.from_plan(plan)
    keep_plan(store, plan.id, plan.run_id, params.as_dict(), doc.model_dump(mode="json"))
    return plan, doc


def _at(where: str, i: int, first_line: int | None) -> str:
    """Where row ``i`` (0-based) is: ``file.csv:3`` (a line) or ``reposts[2]`` (an index)."""
    return f"{where}:{i + first_line}" if first_line is not None else f"{where}[{i}]"


def _parse_ts(values: pd.Series, where: str, first_line: int | None) -> pd.Series:
    num = pd.to_numeric(values, errors="coerce")
    if num.notna().all():
        return num.astype("float64")
    text = values[num.isna()]
    parsed = pd.to_datetime(text, errors="coerce", utc=True, format="ISO8601")
    bad = parsed.isna()
    if bad.any():
        row = int(bad.index[bad.to_numpy()][0])
        raise InputError(
            f"{_at(where, row, first_line)}: ts {str(text[bad].iloc[0])[:40]!r} is neither unix "
            "seconds nor an ISO 8601 time",
            hint="write ts as unix seconds (1341100800) or ISO 8601 (2012-07-01T00:00:00Z)",
        )
    out = num.copy()
    # seconds since the epoch whatever unit pandas parsed to (ns, us, ...)
    seconds = (parsed - pd.Timestamp(0, tz="UTC")) / pd.Timedelta(seconds=1)
    out[num.isna()] = seconds.to_numpy(dtype=np.float64)
    return out.astype("float64")


def reposts_frame(
    rows: pd.DataFrame,
    *,
    platform: str | None = None,
    where: str = "reposts",
    first_line: int | None = None,
) -> pd.DataFrame:
    """Check and normalise repost rows: ``src, dst, ts`` and optional ``post``.

    Keys without a ``platform:`` prefix get ``platform`` (which is then required).
    ``ts`` is unix seconds or ISO 8601; the result has float seconds. A bad row is
    named ``where:LINE`` when ``first_line`` (the line of the first row in a file)
    is given, else ``where[INDEX]`` (0-based, as in a JSON list).
    """
    missing = [c for c in REQUIRED if c not in rows.columns]
    if missing:
        raise InputError(
            f"{where} has no column {', '.join(missing)} (it has: "
            f"{', '.join(map(str, rows.columns[:10])) or 'none'})",
            hint="one row per repost with a header: src,dst,ts[,post] (src reposted dst at ts)",
        )
    if rows.empty:
        raise InputError(f"{where} has no rows", hint="export the campaign's reposts first")
    df = rows.reset_index(drop=True)
    out = pd.DataFrame({c: df[c].astype("string").str.strip() for c in ("src", "dst")})
    for c in ("src", "dst"):
        blank = out[c].isna() | (out[c] == "")
        if blank.any():
            row = int(np.flatnonzero(blank.to_numpy())[0])
            raise InputError(
                f"{_at(where, row, first_line)}: empty {c}",
                hint="every repost needs src and dst",
            )
        bare = ~out[c].str.contains(":", regex=False)
        if bare.any():
            if platform is None:
                row = int(np.flatnonzero(bare.to_numpy())[0])
                raise InputError(
                    f"{_at(where, row, first_line)}: {c} {out[c][row][:40]!r} has no platform "
                    "prefix",
                    hint="write keys as platform:id, or pass the platform (--platform weibo)",
                )
            out.loc[bare, c] = platform + ":" + out.loc[bare, c]
    out["ts"] = _parse_ts(df["ts"].astype("string").str.strip(), where, first_line)
    post = df["post"].astype("string").fillna("") if "post" in df.columns else ""
    out["post"] = post
    return out


def read_campaign_reposts(path: str | Path, *, platform: str | None = None) -> pd.DataFrame:
    """Read a campaign's reposts: CSV or TSV with a header ``src,dst,ts[,post]``.

    Raises
    ------
    InputError
        If the file is missing, unreadable, or a row is bad (named ``file:LINE``).
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(
            f"cascade file {p} does not exist", hint="pass the reposts export with --cascades"
        )
    try:
        with p.open(encoding="utf-8-sig") as fh:
            header = fh.readline()
        # the delimiter from the header: sniffing the rows would take the ':' of keys
        sep = "\t" if "\t" in header else ","
        # header=None: a row with more fields than the header is an error (with a header,
        # pandas would quietly take the first column for an index)
        table = pd.read_csv(
            p, sep=sep, header=None, dtype=str, keep_default_na=False, encoding="utf-8-sig"
        )
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(
            f"cannot read {p} as CSV or TSV: {str(exc)[:200]}",
            hint="one row per repost with a header: src,dst,ts[,post]",
        ) from None
    rows = table.iloc[1:]
    rows.columns = [str(c).strip().lower() for c in table.iloc[0].tolist()]
    return reposts_frame(rows, platform=platform, where=str(p), first_line=2)


@dataclass(frozen=True)
class AccountOutcome:
    """What one planned account did."""

    key: str
    kind: str
    phase: str
    planned_days: tuple[int, int]
    posted: bool
    first_day: float | None
    predicted: float | None
    engaged: int
    incremental: int
    lesson: str


@dataclass(frozen=True)
class PhaseOutcome:
    """Moved people inside one phase window of the plan."""

    phase: str
    day_from: int
    day_to: int
    planned_accounts: int
    posted_accounts: int
    engaged: int


@dataclass(frozen=True)
class Evaluation:
    """A campaign that ran, against its plan."""

    plan_id: str
    start: float
    horizon_days: float
    engaged: int
    engaged_within_horizon: int
    predicted: dict[str, float] | None
    inside_interval: bool | None
    accounts: list[AccountOutcome]
    phases: list[PhaseOutcome]
    peak_day: int | None
    explosion_on_time: bool | None
    cascades: int
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The evaluation as plain data, as it is kept with its plan."""
        return asdict(self)


def _moved(df: pd.DataFrame, planned: set[str]) -> tuple[pd.DataFrame, int]:
    """Rows (cascade, user, ts, by) of moved users, each credited to the first planned account."""
    label = np.where(df["post"].to_numpy() == "", "@" + df["dst"].to_numpy(), df["post"])
    rep = pd.DataFrame({"c": label, "u": df["src"].to_numpy(), "t": df["ts"].to_numpy()})
    rep["o"] = 1
    authors = (
        pd.DataFrame({"c": label, "u": df["dst"].to_numpy(), "t": df["ts"].to_numpy()})
        .sort_values("t", kind="stable")
        .drop_duplicates("c")
    )
    authors["o"] = 0  # the author comes first at its cascade's first time
    ad = pd.concat([authors, rep], ignore_index=True)
    ad = ad.sort_values(["c", "t", "o"], kind="stable").drop_duplicates(["c", "u"])
    ad["pos"] = ad.groupby("c", sort=False).cumcount()
    is_planned = ad["u"].isin(planned)
    first = ad[is_planned].drop_duplicates("c")[["c", "pos", "u"]]
    first.columns = ["c", "first_pos", "by"]
    m = ad.merge(first, on="c", how="inner")
    m = m[(m["pos"] > m["first_pos"]) & ~m["u"].isin(planned)]
    return m[["c", "u", "t", "by"]], int(ad["c"].nunique())


def _followers_of_others(store: Store, keys: list[str], users: pd.Series) -> dict[str, set[str]]:
    """For each planned key: the moved users who follow *another* planned account."""
    arrays = store.graph_arrays()
    idx = store.keys_to_index(keys)
    uniq = pd.unique(users)
    uidx = store.keys_to_index(list(uniq))
    user_of = {int(i): k for k, i in zip(uniq.tolist(), uidx.tolist(), strict=True) if i >= 0}
    src, dst = arrays.follow_src, arrays.follow_dst
    followers: dict[int, set[str]] = {}
    for i in idx.tolist():
        if i < 0:
            followers[i] = set()
            continue
        f = src[dst == i]
        followers[i] = {user_of[int(s)] for s in f.tolist() if int(s) in user_of}
    out: dict[str, set[str]] = {}
    for k in keys:
        others = [followers[j] for kk, j in zip(keys, idx.tolist(), strict=True) if kk != k]
        out[k] = set().union(*others) if others else set()
    return out


def _lesson(a: dict[str, Any], posted: bool, first: float | None, got: int, inc: int) -> str:
    d0, d1 = int(a["day_from"]), int(a["day_to"])
    if not posted:
        return "did not post in the campaign's reposts: nothing to learn about it"
    when = f"posted on day {first:.1f}" + (
        "" if d0 <= (first or 0) <= d1 + 1 else f" (planned days {d0}-{d1})"
    )
    if got == 0:
        return f"{when} but moved nobody: do not book it for this kind of message again"
    share = inc / got
    pred = a.get("marginal_engaged")
    if pred:
        r = got / pred
        verdict = (
            "beat the plan, book it again"
            if r >= 1.25
            else "fell short of the plan"
            if r <= 0.75
            else "as planned"
        )
        return (
            f"moved {got:,} against {pred:,.0f} expected ({r:.2f}x), {share:.0%} "
            f"incremental; {when}: {verdict}"
        )
    return f"moved {got:,}, {share:.0%} of them incremental; {when}"


def evaluate_campaign(
    plan: PlanRecord, reposts: pd.DataFrame, *, store: Store | None = None
) -> Evaluation:
    """Compare the campaign's reposts (:func:`reposts_frame`) with the kept plan.

    Raises
    ------
    InputError
        If no repost names a planned account.
    """
    accounts = list(plan.body.get("accounts", []))
    keys = [a["key"] for a in accounts]
    planned = set(keys)
    acted = pd.concat([reposts["src"], reposts["dst"]], ignore_index=True)
    if not acted.isin(planned).any():
        shown = ", ".join(keys[:5]) + (" ..." if len(keys) > 5 else "")
        raise InputError(
            f"the reposts name none of plan {plan.id}'s accounts ({shown})",
            hint="export the reposts of the campaign's own posts (keys as platform:id), or "
            "check the plan id",
        )
    first_act: dict[str, float] = {}
    for col in ("src", "dst"):
        g = reposts[reposts[col].isin(planned)].groupby(col)["ts"].min()
        for k, t in g.items():
            first_act[str(k)] = min(float(t), first_act.get(str(k), np.inf))
    start = min(first_act.values())
    moved, n_cascades = _moved(reposts, planned)
    fc = plan.body.get("forecast") or None
    horizon = float(fc["horizon_days"]) if fc else float(plan.params.get("horizon_days", 14.0))
    in_h = moved[moved["t"] <= start + horizon * DAY]
    engaged = int(moved["u"].nunique())
    engaged_h = int(in_h["u"].nunique())
    # a person counts once, for the account they engaged after first
    credit = moved.sort_values("t", kind="stable").drop_duplicates("u")
    by: dict[str, set[str]] = {k: set() for k in keys}
    for k, u in zip(credit["by"].tolist(), credit["u"].tolist(), strict=True):
        by[k].add(u)
    moved_by_any: dict[str, set[str]] = {
        str(k): set(g.tolist()) for k, g in moved.groupby("by")["u"]
    }
    posted = [k for k in keys if k in first_act]  # one that did not post reached nobody
    reached: dict[str, set[str]] = {k: set() for k in keys}
    if store is not None and len(posted) > 1:
        reached.update(_followers_of_others(store, posted, credit["u"]))
    outcomes = []
    for a in accounts:
        k = a["key"]
        others = set().union(*(moved_by_any.get(o, set()) for o in keys if o != k))
        inc = len(by[k] - others - reached[k])
        first = (first_act[k] - start) / DAY if k in first_act else None
        outcomes.append(
            AccountOutcome(
                key=k,
                kind=str(a.get("kind", "")),
                phase=str(a.get("phase", "")),
                planned_days=(int(a["day_from"]), int(a["day_to"])),
                posted=k in first_act,
                first_day=None if first is None else round(first, 3),
                predicted=a.get("marginal_engaged"),
                engaged=len(by[k]),
                incremental=inc,
                lesson=_lesson(a, k in first_act, first, len(by[k]), inc),
            )
        )
    day = np.floor((credit["t"].to_numpy() - start) / DAY).astype(np.int64)
    phases = []
    for ph in plan.body.get("phases", []):
        d0, d1 = int(ph["day_from"]), int(ph["day_to"])
        members = set(ph.get("accounts", []))
        phases.append(
            PhaseOutcome(
                phase=ph["phase"],
                day_from=d0,
                day_to=d1,
                planned_accounts=len(members),
                posted_accounts=len(members & set(first_act)),
                engaged=int(((day >= d0) & (day < max(d1, d0 + 1))).sum()),
            )
        )
    peak = int(np.bincount(day[day >= 0]).argmax()) if (day >= 0).any() else None
    expl = next((p for p in phases if p.phase == "explosion"), None)
    on_time = None if peak is None or expl is None else expl.day_from <= peak <= expl.day_to
    predicted = inside = None
    notes: list[str] = []
    if fc:
        mu = fc["moved_users"]
        predicted = {k: float(mu[k]) for k in ("expected", "low", "high")}
        inside = predicted["low"] <= engaged_h <= predicted["high"]
        notes.append(
            f"{engaged_h:,} people engaged within {horizon:g} days against "
            f"{predicted['expected']:,.0f} expected (80% interval "
            f"{predicted['low']:,.0f}-{predicted['high']:,.0f}): "
            + ("inside" if inside else "outside")
            + " the interval"
        )
    else:
        notes.append("the plan had no forecast (no engagement model): only what happened is shown")
    if peak is not None and expl is not None:
        notes.append(
            f"moved people peaked on day {peak}; the plan expected the explosion on days "
            f"{expl.day_from}-{expl.day_to}"
        )
    silent = [o.key for o in outcomes if not o.posted]
    if silent:
        notes.append(f"{len(silent)} planned account(s) did not post: {', '.join(silent[:5])}")
    return Evaluation(
        plan_id=plan.id,
        start=start,
        horizon_days=horizon,
        engaged=engaged,
        engaged_within_horizon=engaged_h,
        predicted=predicted,
        inside_interval=inside,
        accounts=outcomes,
        phases=phases,
        peak_day=peak,
        explosion_on_time=on_time,
        cascades=n_cascades,
        notes=notes,
    )


def evaluate_plan(store: Store, plan_id: str, reposts: pd.DataFrame) -> Evaluation:
    """Evaluate a kept plan and keep the evaluation with it (only when it succeeds).

    Raises
    ------
    NotFound
        If no plan has this id.
    InputError
        If the reposts name none of the plan's accounts.
    """
    record = store.get_plan(plan_id)
    ev = evaluate_campaign(record, reposts, store=store)
    store.save_plan(
        PlanRecord(
            record.id, record.run_id, record.created, record.params, record.body, ev.as_dict()
        )
    )
    return ev
