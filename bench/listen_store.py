"""Listening store benchmark: events/s into and out of the embedded store and Neo4j.

Each batch is one :meth:`~kolgraph.store.listenstate.ListenState.add_events` call, as
``kolgraph listen`` makes it: the events, their memberships in two topics (about 30 % of
the events each) and the source checkpoint. Rows per backend and batch size:

- ``add``: new events (numbered, with memberships and checkpoint), best of ``--repeat``;
- ``replay``: the same batches again (every event a duplicate: nothing written);
- ``read``: :meth:`~kolgraph.store.listenstate.ListenState.events` streaming all of them,
  then one topic's.

Usage::

    .venv/bin/python bench/listen_store.py                          # SQLite and Neo4j
    .venv/bin/python bench/listen_store.py --events 500000 --no-neo4j

Without ``KOLGRAPH_NEO4J_URI`` the Neo4j rows use a server started with
``tools/neo4j-server/neo4j.sh`` (home ``bench/out/neo4j-home``; needs Java 17 and Maven);
with it, that server's kolgraph data is cleared (use a scratch database).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))  # the neo4j.sh driver shared with the test suite
sys.path.insert(0, str(REPO / "bench"))

from _table import print_table  # noqa: E402

from kolgraph.store.listenstate import EventRecord, TopicRecord  # noqa: E402

TOPICS = ("bench-launch", "bench-crisis")


def _events(n: int, seed: int = 7) -> list[EventRecord]:
    """``n`` synthetic events over a day, with text, hashtags and parents like real ones."""
    rng = random.Random(seed)
    tags = ["新闻", "launch", "热搜", "crisis", "ai", "sale", "体育", "music"]
    out = []
    for i in range(n):
        kind = rng.choice(("post", "repost", "repost", "mention", "reply"))
        parent = None if kind == "post" else rng.randrange(max(i, 1))
        out.append(
            EventRecord(
                id=f"{i:016x}",
                platform="weibo",
                type=kind,
                author=f"weibo:{rng.randrange(n // 10 + 1)}",
                ts=1_700_000_000 + i * 86_400 // n,
                parent_author=None if parent is None else f"weibo:{parent % (n // 10 + 1)}",
                post=f"p{i}",
                parent_post=None if parent is None else f"p{parent}",
                text=f"转发 event {i} about #{rng.choice(tags)}",
                hashtags=tuple(rng.sample(tags, rng.randrange(3))),
            )
        )
    return out


def _memberships(batch: list[EventRecord], rng: random.Random) -> dict[str, list[str]]:
    return {t: [e.id for e in batch if rng.random() < 0.3] for t in TOPICS}


def _rows(
    name: str, store: Any, events: list[EventRecord], sizes: list[int], repeat: int
) -> list[dict[str, Any]]:
    ls = store.listening
    for t in TOPICS:
        if t not in {r.name for r in ls.topics()}:
            ls.add_topic(TopicRecord(name=t, definition={"hashtags": [t]}, created="2026-01-01"))
    rows = []
    for size in sizes:
        batches = [events[lo : lo + size] for lo in range(0, len(events), size)]
        rng = random.Random(size)
        links = [_memberships(b, rng) for b in batches]
        best = {"add": float("inf"), "replay": float("inf")}
        for _ in range(repeat):  # the best of `repeat` runs: other processes share the cores
            store.clear()
            for what in best:
                t = time.perf_counter()
                new = 0
                for i, (b, m) in enumerate(zip(batches, links, strict=True)):
                    new += ls.add_events(b, topics=m, checkpoint=("bench", str(i))).new
                best[what] = min(best[what], time.perf_counter() - t)
                assert new == (len(events) if what == "add" else 0)
        rows += [_row(name, size, what, len(events), sec) for what, sec in best.items()]
    t = time.perf_counter()
    n = sum(1 for _ in ls.events())
    rows.append(_row(name, "-", "read all", n, time.perf_counter() - t))
    t = time.perf_counter()
    n = sum(1 for _ in ls.events(topic=TOPICS[0]))
    rows.append(_row(name, "-", "read topic", n, time.perf_counter() - t))
    store.clear()
    for t in TOPICS:
        ls.remove_topic(t)
    return rows


def _row(backend: str, batch: Any, what: str, n: int, sec: float) -> dict[str, Any]:
    return {"backend": backend, "batch": batch, "step": what, "events": n, "seconds": sec,
            "events/s": n / sec}  # fmt: skip


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:,.0f}" if v >= 100 else f"{v:.2f}"
    return f"{v:,}" if isinstance(v, int) else str(v)


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--events", type=int, default=200_000, help="events for SQLite")
    ap.add_argument("--neo4j-events", type=int, default=100_000, help="events for Neo4j")
    ap.add_argument("--batch-sizes", default="1000,10000", help="comma-separated")
    ap.add_argument("--repeat", type=int, default=3, help="runs per row (the best is shown)")
    ap.add_argument("--no-neo4j", action="store_true", help="SQLite only")
    args = ap.parse_args()
    sizes = [int(x) for x in args.batch_sizes.split(",") if x.strip()]

    from kolgraph.store import SQLiteStore

    events = _events(max(args.events, args.neo4j_events))
    with tempfile.TemporaryDirectory() as tmp:
        rows = _rows(
            "sqlite", SQLiteStore(Path(tmp) / "bench.db"), events[: args.events], sizes, args.repeat
        )
    if not args.no_neo4j:
        rows += _neo4j(events[: args.neo4j_events], sizes, args.repeat)
    print_table("Listening store: events/s", rows, _fmt)


def _neo4j(events: list[EventRecord], sizes: list[int], repeat: int) -> list[dict[str, Any]]:
    from kolgraph.settings import Settings
    from kolgraph.store import open_store

    settings, server = Settings(), None
    if not settings.neo4j_uri:
        from neo4j_server import LocalNeo4j

        server = LocalNeo4j(REPO / "bench" / "out" / "neo4j-home")
        server.start()
        settings = Settings(neo4j_uri=server.uri, neo4j_user=None, neo4j_password=None)
    try:
        return _rows("neo4j", open_store(settings, backend="neo4j"), events, sizes, repeat)
    finally:
        if server is not None and server.started_here:
            server.stop()


if __name__ == "__main__":
    main()
