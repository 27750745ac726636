"""Crawl state in Neo4j (see :mod:`kolgraph.store.crawlstate`).

A ``(:Crawl {id})`` node holds a crawl's parameters and totals; each task is
a ``(:CrawlTask {crawl_id, key})`` node (unique on the pair). A page is
committed in one managed write transaction: its accounts' properties, its
``FOLLOWS`` / ``REPOSTED`` edges, its task's new cursor, the tasks it found
and the crawl's totals. That transaction starts by write-locking the ``:Crawl``
node, so pages of one crawl committed concurrently serialize and none loses the
others' totals. Accounts missing from the store are created first, in a
transaction of their own (under the meta lock, like every import), after every
key was validated; that step is idempotent, so a crash (or a refused commit, e.g.
to an unknown crawl) between the two transactions leaves at most bare account
nodes that the retried page then uses.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from kolgraph.store import cypher
from kolgraph.store.crawlstate import CrawlBatch, CrawlInfo, CrawlState, TaskRow, now_iso
from kolgraph.store.neo4j_db import Neo4jDatabase, repost_rows
from kolgraph.store.rows import KINDS, account_row

if TYPE_CHECKING:
    from neo4j import ManagedTransaction

__all__ = ["Neo4jCrawlState"]


def _task_props(t: TaskRow) -> dict[str, Any]:
    """A task as node properties (None values remove the property: ``SET t += $task``).

    ``priority`` is stored as a float whatever the caller passed, like the SQLite
    store's REAL column, so it reads back as the same type.
    """
    props = asdict(t)
    props["priority"] = float(t.priority)
    return props


def _task_row(props: dict[str, Any]) -> TaskRow:
    fields = TaskRow.__dataclass_fields__
    return TaskRow(**{k: v for k, v in props.items() if k in fields})


class Neo4jCrawlState(CrawlState):
    """The crawl state of a :class:`~kolgraph.store.neo4j.Neo4jStore`.

    It uses the store's database (:class:`~kolgraph.store.neo4j_db.Neo4jDatabase`):
    its driver, transactions and account indices.
    """

    def __init__(self, db: Neo4jDatabase) -> None:
        self._db = db

    def _crawl_info(self, crawl_id: str) -> CrawlInfo:
        records = self._db.execute("crawl_get", read=True, crawl_id=crawl_id).records
        if not records:
            raise CrawlInfo.unknown(crawl_id)
        c = records[0]["crawl"]
        stored = [c[k] for k in ("id", "platform", "params", "created", "updated", "stats")]
        return CrawlInfo.from_stored(
            stored, {t["status"]: int(t["n"]) for t in records[0]["tasks"]}
        )

    def begin(self, crawl_id: str, platform: str, params: dict[str, Any]) -> CrawlInfo:
        self._db.execute(
            "crawl_begin",
            crawl_id=crawl_id,
            platform=platform,
            params=CrawlInfo.stored_params(params),
            now=now_iso(),
            empty_stats="{}",
        )
        return self._crawl_info(crawl_id)

    def info(self, crawl_id: str) -> CrawlInfo:
        return self._crawl_info(crawl_id)

    def all(self) -> list[CrawlInfo]:
        ids = [r["id"] for r in self._db.execute("crawl_list", read=True).records]
        return [self._crawl_info(i) for i in ids]

    def tasks(self, crawl_id: str, *, status: str | None = None) -> list[TaskRow]:
        records = self._db.execute(
            "crawl_tasks", read=True, crawl_id=crawl_id, status=status
        ).records
        return [_task_row(dict(r["task"])) for r in records]

    def commit(self, crawl_id: str, batch: CrawlBatch) -> tuple[int, int]:
        # validate everything before the first write (accounts are created in a
        # transaction of their own, so a late error would leave them behind)
        src, dst = batch.follow_columns()
        keys = [a.key for a in batch.accounts]
        keys += [*src, *dst, *batch.reposts.src, *batch.reposts.dst]
        ids, _ = self._db.ensure_ids(keys) if keys else ({}, 0)
        accounts = [account_row(a) for a in batch.accounts]
        follows = [[ids[s], ids[d]] for s, d in batch.follows]
        reposts = repost_rows(batch.reposts, ids)
        task = _task_props(batch.task)
        new_tasks = [_task_props(t) for t in batch.new_tasks]
        size = self._db.batch_size

        def work(tx: ManagedTransaction) -> tuple[int, int]:
            # first: lock the crawl node and read its totals (concurrent pages of one
            # crawl serialize here, so no page's totals are lost)
            rec = tx.run(cypher.load("crawl_stats_get"), crawl_id=crawl_id).single()
            if rec is None:
                raise CrawlInfo.unknown(crawl_id, committing=True)
            before: dict[str, int] = json.loads(rec["stats"])
            for lo in range(0, len(accounts), size):
                tx.run(cypher.load("update_accounts"), rows=accounts[lo : lo + size], kinds=KINDS)
            nf = nr = 0
            for lo in range(0, len(follows), size):
                res = tx.run(cypher.load("load_follows"), rows=follows[lo : lo + size])
                nf += res.consume().counters.relationships_created
            for lo in range(0, len(reposts), size):
                res = tx.run(cypher.load("load_reposts"), rows=reposts[lo : lo + size])
                nr += res.consume().counters.relationships_created
            tx.run(cypher.load("crawl_task_save"), crawl_id=crawl_id, task=task).consume()
            for lo in range(0, len(new_tasks), size):
                tx.run(
                    cypher.load("crawl_tasks_add"),
                    crawl_id=crawl_id,
                    rows=new_tasks[lo : lo + size],
                ).consume()
            tx.run(
                cypher.load("crawl_stats"),
                crawl_id=crawl_id,
                stats=batch.totals(before, nf, nr),
                now=now_iso(),
            ).consume()
            return nf, nr

        return self._db.write_tx(work)

    def delete(self, crawl_id: str) -> None:
        self._db.execute("crawl_delete", crawl_id=crawl_id)
