"""Rows shared by the stores: stored values to and from the records of :mod:`kolgraph.store.base`.

Both stores keep the same values in the same shape (maps as JSON text, flags
as lists, an account field that is None meaning "leave the stored value
alone"), and report a missing account, run or plan with the same error; each
of those conversions is written here once.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from kolgraph.errors import NotFound, StoreError
from kolgraph.model import Account, Kind
from kolgraph.store.base import AccountRecord, PlanRecord, RunInfo
from kolgraph.store.scores import SCORE_COLUMNS

__all__ = [
    "KINDS",
    "PLAN_FIELDS",
    "RUN_FIELDS",
    "CommunityRow",
    "account_record",
    "account_row",
    "community_density",
    "community_rows",
    "no_account",
    "no_plan",
    "no_run",
    "not_running",
    "plan_record",
    "plan_values",
    "run_info",
    "scores_not_kept",
]

#: Stored fields of a rank run, in the order the embedded store selects them.
RUN_FIELDS = (
    "id",
    "status",
    "started",
    "finished",
    "params",
    "counts",
    "timings",
    "quality",
    "error",
)
#: Stored fields of a plan, in the order the embedded store selects them.
PLAN_FIELDS = ("id", "run_id", "created", "params", "body", "evaluation")

#: ``(community, size, internal_edges, external_edges, density, top, bridges)``
CommunityRow = tuple[int, int, int, int | None, float, list[int], list[int] | None]


# ----------------------------------------------------------------------------- accounts
#: ``$kinds`` of ``update_accounts.cypher``: labels are chosen by comparing a row's kind
#: with these values, so the Cypher names no kind literally.
KINDS = {k.value: k.value for k in Kind}


def account_row(a: Account) -> dict[str, Any]:
    """An account as an update row: ``key, name, kind, followers, cost``.

    None leaves the stored value alone: an empty name and the default kind
    ``user`` are None, so a bare edge import never erases a name or a kind.
    """
    return {
        "key": a.key,
        "name": a.name or None,
        "kind": a.kind.value if a.kind is not Kind.USER else None,
        "followers": a.followers,
        "cost": a.cost,
    }


def account_record(
    account: Mapping[str, Any], scores: Sequence[Any], run_id: str | None
) -> AccountRecord:
    """An :class:`AccountRecord` from stored values.

    Parameters
    ----------
    account
        ``key, platform, account_id, name, kind, followers, cost`` (a missing
        name is ``""``, a missing kind ``user``).
    scores
        The current run's values in :data:`~kolgraph.store.scores.SCORE_COLUMNS`
        order (None when the account is not scored; flags a list of str or None).
    run_id
        The run the scores come from (None when not scored).
    """
    s = dict(zip(SCORE_COLUMNS, scores, strict=True))
    return AccountRecord(
        key=account["key"],
        platform=account["platform"],
        account_id=account["account_id"],
        name=account["name"] or "",
        kind=Kind(account["kind"] or Kind.USER.value),
        followers=account["followers"],
        cost=account["cost"],
        pagerank=s["pagerank"],
        community=s["community"],
        audience=s["audience"],
        tier=s["tier"],
        run_id=run_id,
        engagement=s["engagement"],
        anomaly=s["anomaly"],
        spread=s["spread"],
        flags=tuple(s["flags"] or ()),
    )


def no_account(key: str) -> NotFound:
    return NotFound(
        f"no account {key!r}", hint="keys look like 'platform:id'; list accounts to find one"
    )


# ----------------------------------------------------------------------------- communities
def community_density(size: int, internal_edges: int) -> float:
    """``internal_edges / (size * (size - 1))`` (0 below two members), at most 1."""
    return min(1.0, internal_edges / (size * (size - 1))) if size >= 2 else 0.0


def community_rows(communities: pd.DataFrame) -> list[CommunityRow]:
    """``(community, size, internal_edges, external_edges, density, top, bridges)``
    per row of :attr:`~kolgraph.store.base.RunResults.communities`, as native values.

    Optional columns that are absent give ``external_edges`` and ``bridges`` None
    and a ``density`` derived from ``size`` and ``internal_edges``; both stores
    write what this returns.
    """
    c = communities
    n = len(c)
    external = c["external_edges"].tolist() if "external_edges" in c else [None] * n
    density = c["density"].tolist() if "density" in c else [None] * n
    bridges = c["bridges"].tolist() if "bridges" in c else [None] * n
    rows = []
    for cid, size, internal, ext, dens, top, br in zip(
        c["community"].tolist(),
        c["size"].tolist(),
        c["internal_edges"].tolist(),
        external,
        density,
        c["top"].tolist(),
        bridges,
        strict=True,
    ):
        size, internal = int(size), int(internal)
        rows.append(
            (
                int(cid),
                size,
                internal,
                None if ext is None or ext != ext else int(ext),
                community_density(size, internal) if dens is None or dens != dens else float(dens),
                [int(i) for i in top],
                None if br is None else [int(i) for i in br],
            )
        )
    return rows


# ----------------------------------------------------------------------------- runs
def run_info(props: Mapping[str, Any]) -> RunInfo:
    """A :class:`RunInfo` from the stored fields :data:`RUN_FIELDS` (maps as JSON text)."""
    return RunInfo(
        id=props["id"],
        status=props["status"],
        started=float(props["started"]),
        finished=None if props.get("finished") is None else float(props["finished"]),
        params=json.loads(props.get("params") or "{}"),
        counts=json.loads(props.get("counts") or "{}"),
        timings=json.loads(props.get("timings") or "{}"),
        quality=json.loads(props.get("quality") or "{}"),
        error=props.get("error"),
    )


def no_run(run_id: str) -> NotFound:
    return NotFound(f"no rank run {run_id!r}", hint="list runs with `kolgraph runs`")


def not_running(run_id: str, status: str, what: str) -> StoreError:
    """The error for writing to a run that is no longer running (``what``: the refused step)."""
    return StoreError(f"run {run_id} is {status}; only a running run {what}")


def scores_not_kept(info: RunInfo, hint: str) -> NotFound:
    return NotFound(f"the scores of run {info.id} ({info.status}) are no longer kept", hint=hint)


# ----------------------------------------------------------------------------- plans
def plan_values(record: PlanRecord) -> dict[str, Any]:
    """The stored fields :data:`PLAN_FIELDS` of a plan (maps as JSON text)."""
    return {
        "id": record.id,
        "run_id": record.run_id,
        "created": record.created,
        "params": json.dumps(record.params),
        "body": json.dumps(record.body),
        "evaluation": None if record.evaluation is None else json.dumps(record.evaluation),
    }


def plan_record(props: Mapping[str, Any]) -> PlanRecord:
    """A :class:`PlanRecord` from the stored fields :data:`PLAN_FIELDS`."""
    return PlanRecord(
        id=props["id"],
        run_id=props.get("run_id"),
        created=float(props["created"]),
        params=json.loads(props["params"]),
        body=json.loads(props["body"]),
        evaluation=None if props.get("evaluation") is None else json.loads(props["evaluation"]),
    )


def no_plan(plan_id: str) -> NotFound:
    return NotFound(f"no plan with id {plan_id!r}", hint="`kolgraph plans` lists the kept plans")
