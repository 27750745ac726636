"""Crawl schemas: the JSON of ``crawl``, ``crawl replay`` and ``crawl status``."""

from __future__ import annotations

from collections import Counter

from kolgraph.crawl.crawler import CrawlReport
from kolgraph.crawl.replay import ReplayReport
from kolgraph.schemas.crawls import CrawlOut, CrawlReportOut, CrawlsPage, ReplayOut
from kolgraph.store.crawlstate import CrawlInfo


def _info(crawl_id: str, tasks: dict[str, int]) -> CrawlInfo:
    return CrawlInfo(
        crawl_id=crawl_id,
        platform="weibo",
        params={"depth": 1, "seeds": ["1"]},
        created="2024-01-01T00:00:00+00:00",
        updated="2024-01-01T00:05:00+00:00",
        stats={"pages": 3, "new_follows": 7},
        tasks=tasks,
    )


def test_a_crawl_is_done_when_no_task_is_pending() -> None:
    running = CrawlOut.from_info(_info("w-1", {"pending": 2, "done": 1}))
    finished = CrawlOut.from_info(_info("w-2", {"done": 3, "gone": 1}))
    assert running.done is False and finished.done is True
    doc = running.model_dump(mode="json")
    assert list(doc) == [
        "crawl_id",
        "platform",
        "params",
        "created",
        "updated",
        "tasks",
        "stats",
        "done",
    ]
    assert doc["params"] == {"depth": 1, "seeds": ["1"]}
    assert doc["tasks"] == {"pending": 2, "done": 1} and doc["stats"]["new_follows"] == 7


def test_crawls_are_a_page_in_the_store_order() -> None:
    page = CrawlsPage.from_infos([_info("b", {}), _info("a", {"pending": 1})]).model_dump()
    assert list(page) == ["data", "count", "next"]
    assert page["count"] == 2 and [c["crawl_id"] for c in page["data"]] == ["b", "a"]
    assert CrawlsPage.from_infos([]).model_dump() == {"data": [], "count": 0, "next": None}


def test_a_crawl_report_keeps_its_fields_order_and_values() -> None:
    report = CrawlReport(
        crawl_id="x-1",
        status="done",
        pages=30,
        new_follows=120,
        new_reposts=9,
        accounts=44,
        quarantined=1,
        gone=2,
        failed=0,
        errors=Counter({"BadPage": 1, "Unavailable": 2}),
        elapsed=12.5,
        tasks={"done": 40},
        coverage=0.875,
        http={"requests": 33, "retries": 2, "bytes": 9000, "slept": 0.125, "errors": {"503": 2}},
    )
    doc = CrawlReportOut.from_report(report).model_dump(mode="json")
    expected = {
        "crawl_id": "x-1",
        "status": "done",
        "pages": 30,
        "new_follows": 120,
        "new_reposts": 9,
        "accounts": 44,
        "quarantined": 1,
        "gone": 2,
        "failed": 0,
        "errors": {"BadPage": 1, "Unavailable": 2},
        "elapsed": 12.5,
        "tasks": {"done": 40},
        "coverage": 0.875,
        "http": {"requests": 33, "retries": 2, "bytes": 9000, "slept": 0.125, "errors": {"503": 2}},
        "pages_per_s": 2.4,
    }
    assert doc == expected and list(doc) == list(expected)
    assert type(doc["errors"]) is dict


def test_a_report_without_requests_has_no_http_counts_and_no_speed() -> None:
    doc = CrawlReportOut.from_report(CrawlReport(crawl_id="c")).model_dump(mode="json")
    assert doc["http"] is None
    assert doc["pages_per_s"] == 0.0 and doc["coverage"] is None and doc["status"] == "running"


def test_a_replay_report_is_its_counters_in_order() -> None:
    report = ReplayReport(
        records=10, pages=8, bad=1, accounts=20, new_follows=5, new_reposts=2, skipped=1
    )
    assert ReplayOut.from_report(report).model_dump(mode="json") == {
        "records": 10,
        "pages": 8,
        "bad": 1,
        "accounts": 20,
        "new_follows": 5,
        "new_reposts": 2,
        "skipped": 1,
    }
    assert list(ReplayOut.model_fields) == [
        "records",
        "pages",
        "bad",
        "accounts",
        "new_follows",
        "new_reposts",
        "skipped",
    ]
