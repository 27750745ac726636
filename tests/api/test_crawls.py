"""``/v1/crawls``: crawl jobs as operators see them."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from kolgraph.api.app import create_app
from kolgraph.settings import Settings
from kolgraph.store import SQLiteStore
from kolgraph.store.crawlstate import CrawlBatch, TaskRow


def _task(key: str, seq: int, status: str = "pending") -> TaskRow:
    kind, _, target = key.partition(":")
    return TaskRow(key=key, kind=kind, target=target, depth=0, priority=1.0, seq=seq, status=status)


def test_crawls_list_and_detail(tmp_path: Path) -> None:
    db = tmp_path / "k.db"
    st = SQLiteStore(db)
    st.crawl.begin("weibo-1", "weibo", {"depth": 1, "seeds": ["1"]})
    st.crawl.commit(
        "weibo-1",
        CrawlBatch(
            task=_task("followers:1", 0, "done"),
            follows=[("weibo:2", "weibo:1"), ("weibo:3", "weibo:1")],
            new_tasks=[_task("profile:2", 1), _task("profile:3", 2)],
            stats={"pages": 1},
        ),
    )
    st.crawl.begin("x-1", "x", {"depth": 0})
    st.crawl.commit("x-1", CrawlBatch(task=_task("profile:9", 0, "done"), stats={"pages": 1}))
    st.close()
    with TestClient(create_app(Settings(db=db))) as client:
        r = client.get("/v1/crawls")
        assert r.status_code == 200, r.text
        page = r.json()
        assert set(page) == {"data", "count", "next"} and page["count"] == 2
        crawls = {c["crawl_id"]: c for c in page["data"]}
        assert set(crawls) == {"weibo-1", "x-1"}
        w = crawls["weibo-1"]
        assert w["platform"] == "weibo" and w["params"]["seeds"] == ["1"]
        assert w["tasks"] == {"done": 1, "pending": 2} and w["done"] is False
        assert w["stats"]["pages"] == 1 and w["stats"]["new_follows"] == 2
        assert crawls["x-1"]["done"] is True
        one = client.get("/v1/crawls/weibo-1")
        assert one.status_code == 200 and one.json() == w
        missing = client.get("/v1/crawls/nope")
        assert missing.status_code == 404
        assert "no crawl 'nope'" in missing.json()["error"]["message"]
