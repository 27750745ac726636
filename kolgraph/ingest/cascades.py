"""Importing adoption cascades (Douban, Topo-LSTM Twitter) as repost edges.

A cascade lists who adopted a post and when, but not from whom. Each adopter
is linked to the most recent earlier adopter it follows (follow edges already
in the store), or else to the cascade's first adopter.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kolgraph.ingest.read import check_id, parse_ts
from kolgraph.ingest.report import ImportReport, OnError
from kolgraph.ingest.run import EdgeColumns, ImportRun, Progress
from kolgraph.model import Action, EdgeType, node_key
from kolgraph.store.base import Store

__all__ = ["import_cascades"]

Adoption = tuple[str, int]  # (raw user id, unix time)


def _parse_cascade_line(text: str) -> tuple[str | None, list[tuple[str, str]]]:
    """Return (cascade id or None, [(uid, ts), ...]) for either cascade format."""
    if "," in text:  # douban: "uid ts,uid ts,..."
        pairs = []
        for item in text.split(","):
            item = item.strip()
            if not item:
                continue
            bits = item.split()
            if len(bits) != 2:
                raise ValueError(f"adoption {item!r} is not 'uid ts'")
            pairs.append((bits[0], bits[1]))
        return None, pairs
    bits = text.split()
    if len(bits) == 2:
        return None, [(bits[0], bits[1])]
    if len(bits) % 2 == 1 and len(bits) >= 3:  # topo-lstm: "root uid ts uid ts ..."
        return bits[0], [(bits[i], bits[i + 1]) for i in range(1, len(bits), 2)]
    raise ValueError(
        f"{len(bits)} fields: expected 'uid ts,uid ts,...' or 'query uid ts uid ts ...'"
    )


def _parse_adoptions(pairs: list[tuple[str, str]]) -> tuple[list[Adoption], str | None]:
    """The adoptions of ``pairs`` with numeric times, or the reason the first bad one is bad."""
    parsed: list[Adoption] = []
    for uid, ts_s in pairs:
        bad = check_id(uid, True)
        if bad:
            return parsed, bad
        ts = parse_ts(ts_s)
        if ts is None:
            return parsed, f"timestamp {ts_s!r} is not a number in the 64-bit range"
        parsed.append((uid, ts))
    return parsed, None


def import_cascades(
    store: Store,
    path: str | Path,
    *,
    platform: str = "douban",
    on_error: OnError | str = OnError.FAIL,
    rejects_path: Path | None = None,
    batch_size: int = 50_000,
    progress: Progress | None = None,
) -> ImportReport:
    """Import adoption cascades as repost edges.

    Two line formats are read: ``uid ts,uid ts,...`` (Douban) and
    ``root uid ts uid ts ...`` (Topo-LSTM Twitter cascades, whose first field is
    the cascade's source user, listed without a time: it is taken to post at
    the first listed time). Within a cascade adopters are taken in time order.
    Each adopter after the first becomes a reposter of the **most recent earlier
    adopter it follows** (follow edges already in the store), or of the first
    adopter when it follows none of them. All edges of a cascade share the post
    id ``"<root uid>@<root ts>"``, so re-importing adds nothing.

    Import follow edges first: linking uses them.

    Parameters
    ----------
    store, path, platform, on_error, rejects_path, batch_size, progress
        As for :func:`~kolgraph.ingest.edges.import_edges`.

    Returns
    -------
    ImportReport
        Its note says how many adoptions were linked through a follow edge.
    """
    run = ImportRun.start(
        path, "cascades", platform=platform, on_error=on_error, rejects_path=rejects_path
    )
    report, rejects = run.report, run.rejects
    cascades: list[list[Adoption]] = []
    for lineno, text in run.lines():
        report.rows += 1
        try:
            cid, pairs = _parse_cascade_line(text)
        except ValueError as exc:
            rejects.bad(lineno, str(exc), text[:200])
            continue
        bad = None if cid is None else check_id(cid, True)
        if bad:
            rejects.bad(lineno, f"source user: {bad}", text[:200])
            continue
        parsed, bad = _parse_adoptions(pairs)
        if bad:
            rejects.bad(lineno, bad, text[:200])
            continue
        if cid is not None and parsed:  # the source user posts first
            parsed.insert(0, (cid, min(t for _, t in parsed)))
        if len(parsed) >= 2:
            cascades.append(parsed)

    follows = _follow_lookup(store, platform, {u for c in cascades for u, _ in c})
    cols = EdgeColumns()
    linked = 0
    prefix = f"{platform}:"
    for adopters in cascades:
        adopters.sort(key=lambda p: p[1])
        root_uid, root_ts = adopters[0]
        post = f"{root_uid}@{root_ts}"
        position: dict[str, int] = {root_uid: 0}
        for i, (uid, ts) in enumerate(adopters[1:], start=1):
            if uid in position:
                continue  # an adopter counts once per cascade
            parent = root_uid
            best = -1
            for followed in follows.get(uid, ()):
                p = position.get(followed, -1)
                if p > best:
                    best, parent = p, followed
            if best >= 0:
                linked += 1
            position[uid] = i
            if parent == uid:
                continue
            cols.src.append(prefix + uid)
            cols.dst.append(prefix + parent)
            cols.ts.append(ts)
            cols.post.append(post)
    n = len(cols)
    report.notes.append(
        f"{len(cascades)} cascades; {linked} of {n} adoptions linked through a follow edge, "
        "the rest to the cascade's first adopter"
    )
    cols.action = [Action.REPOST.value] * n
    cols.weight = [1.0] * n
    return run.finish(store, EdgeType.REPOST, cols, batch_size=batch_size, progress=progress)


def _follow_lookup(store: Store, platform: str, uids: set[str]) -> dict[str, list[str]]:
    """Accounts each of ``uids`` follows (raw ids), from the store's follow edges."""
    if not uids or store.counts().follows == 0:
        return {}
    uid_list = sorted(uids)
    idx = store.keys_to_index([node_key(platform, u) for u in uid_list])
    known = idx >= 0
    if not known.any():
        return {}
    g = store.graph_arrays()
    index_to_uid = dict(
        zip(
            idx[known].tolist(), (u for u, k in zip(uid_list, known, strict=True) if k), strict=True
        )
    )
    mask = np.zeros(g.n_nodes, dtype=bool)
    mask[idx[known]] = True
    sel = mask[g.follow_src] & mask[g.follow_dst]
    out: dict[str, list[str]] = {}
    for s, d in zip(g.follow_src[sel].tolist(), g.follow_dst[sel].tolist(), strict=True):
        out.setdefault(index_to_uid[s], []).append(index_to_uid[d])
    return out
