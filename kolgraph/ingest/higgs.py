"""Importing SNAP Higgs Twitter activity (``userA userB unix_ts RT|MT|RE``) as repost edges."""

from __future__ import annotations

from pathlib import Path

from kolgraph.errors import InputError
from kolgraph.ingest.read import INT64_MAX, check_id, is_uint
from kolgraph.ingest.report import ImportReport, OnError
from kolgraph.ingest.run import EdgeColumns, ImportRun, Progress
from kolgraph.model import Action, EdgeType
from kolgraph.store.base import Store

__all__ = ["import_higgs"]

_HIGGS_ACTIONS = {"RT": Action.REPOST, "MT": Action.MENTION, "RE": Action.REPLY}


def import_higgs(
    store: Store,
    path: str | Path,
    *,
    platform: str = "twitter",
    actions: tuple[str, ...] = ("RT", "MT", "RE"),
    on_error: OnError | str = OnError.FAIL,
    rejects_path: Path | None = None,
    batch_size: int = 50_000,
    progress: Progress | None = None,
) -> ImportReport:
    """Import SNAP Higgs activity rows ``userA userB unix_ts RT|MT|RE``.

    Each row becomes a repost edge ``userA → userB`` (A acted on B) with the
    action ``repost`` (RT), ``mention`` (MT) or ``reply`` (RE). The dump has no
    post ids, so an edge is identified by ``(A, B, ts, action)``.

    Parameters
    ----------
    store, path, platform, on_error, rejects_path, batch_size, progress
        As for :func:`~kolgraph.ingest.edges.import_edges`.
    actions
        Which of ``RT``, ``MT`` and ``RE`` to import; rows of the others are
        read and checked, then left out.

    Returns
    -------
    ImportReport
    """
    run = ImportRun.start(
        path, "higgs activity", platform=platform, on_error=on_error, rejects_path=rejects_path
    )
    unknown = set(actions) - set(_HIGGS_ACTIONS)
    if unknown:
        raise InputError(f"unknown Higgs action(s) {sorted(unknown)}", hint="use RT, MT and/or RE")
    keep = {a: _HIGGS_ACTIONS[a].value for a in actions}
    report, rejects = run.report, run.rejects
    cols = EdgeColumns()
    src_l, dst_l, ts_l, act_l = cols.src, cols.dst, cols.ts, cols.action
    prefix = f"{platform}:"
    for lineno, text in run.lines():
        report.rows += 1
        parts = text.split()
        if len(parts) != 4:
            rejects.bad(
                lineno,
                f"expected 4 fields (userA userB unix_ts RT|MT|RE), found {len(parts)}",
                text,
            )
            continue
        a, b, ts_s, act = parts
        reason = check_id(a, True) or check_id(b, True)
        if reason:
            rejects.bad(lineno, reason, text)
            continue
        if not is_uint(ts_s) or int(ts_s) > INT64_MAX:
            rejects.bad(lineno, f"timestamp {ts_s!r} is not a unix time", text)
            continue
        if act not in _HIGGS_ACTIONS:
            rejects.bad(lineno, f"action {act!r} is not one of RT, MT, RE", text)
            continue
        if act not in keep:
            continue
        src_l.append(prefix + a)
        dst_l.append(prefix + b)
        ts_l.append(int(ts_s))
        act_l.append(keep[act])
    n = len(cols)
    cols.post = [""] * n
    cols.weight = [1.0] * n
    return run.finish(store, EdgeType.REPOST, cols, batch_size=batch_size, progress=progress)
