"""The crawl loop end to end: real clients against the local platform simulator."""

from __future__ import annotations

import logging
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kolgraph.crawl.archive import read_archive
from kolgraph.crawl.budget import CrawlBudget
from kolgraph.crawl.replay import replay
from kolgraph.crawl.runner import crawl, crawl_id_for
from kolgraph.crawl.seeds import read_seeds
from kolgraph.crawl.simulator.app import PLATFORMS as SIM_PLATFORMS
from kolgraph.crawl.simulator.network import SimNetwork
from kolgraph.crawl.simulator.server import Simulator
from kolgraph.errors import AccessDenied, InputError
from kolgraph.settings import Settings
from kolgraph.store import SQLiteStore

from .helpers import edges

PLATFORMS = ("weibo", "x", "bilibili")


@pytest.fixture
def db(tmp_path: Path) -> Iterator[SQLiteStore]:
    st = SQLiteStore(tmp_path / "crawl.db")
    try:
        yield st
    finally:
        st.close()


def _store(tmp_path: Path, name: str) -> SQLiteStore:
    return SQLiteStore(tmp_path / f"{name}.db")


# ----------------------------------------------------------------------------- truth
def test_depth_one_crawl_collects_exactly_the_seeds_lists(
    settings_for: Callable[..., Settings],
    simulator: Simulator,
    sim_network: SimNetwork,
    db: SQLiteStore,
) -> None:
    net = sim_network
    seeds = net.top_accounts(3)
    report = crawl(
        db, "x", seeds, settings=settings_for(), base_url=simulator.url, budget=CrawlBudget()
    )
    assert report.status == "done"
    assert report.failed == 0 and report.quarantined == 0
    follows, reposts = edges(db)
    want: set[tuple[str, str]] = set()
    for s in seeds:
        i = net.index(s)
        assert i is not None
        want |= {(f"x:{net.account_id(int(f))}", f"x:{s}") for f in net.followers(i)}
        want |= {(f"x:{s}", f"x:{net.account_id(int(g))}") for g in net.following(i)}
    assert follows == want
    want_reposters = set()
    for s in seeds:
        i = net.index(s)
        assert i is not None
        for post in net.timeline(i)[:20]:
            users, _ = net.reposts(post.post_id)
            want_reposters |= {
                (f"x:{net.account_id(int(u))}", f"x:{s}", post.post_id) for u in users
            }
    got = {(r[0], r[1], r[2]) for r in reposts if r[4] == "repost"}
    assert got == want_reposters
    # every account one hop away was profiled; the seeds' declared followers are complete
    assert report.coverage == 1.0
    info = db.crawl.info(report.crawl_id)
    assert info.tasks == {"done": sum(report.tasks.values())}
    assert info.stats["pages"] == report.pages


@pytest.mark.slow
@pytest.mark.parametrize("platform", PLATFORMS)
def test_faults_at_ten_percent_give_the_same_edges(
    settings_for: Callable[..., Settings], platform: str, sim_network: SimNetwork, tmp_path: Path
) -> None:
    seeds = sim_network.top_accounts(3)
    budget = CrawlBudget(depth=1)
    with Simulator(sim_network, SIM_PLATFORMS, retry_after=0.0) as clean:
        a = _store(tmp_path, "clean")
        ra = crawl(a, platform, seeds, settings=settings_for(), base_url=clean.url, budget=budget)
    with Simulator(
        sim_network, SIM_PLATFORMS, fault_rate=0.10, seed=11, retry_after=0.0, stall=0.8
    ) as faulty:
        b = _store(tmp_path, "faulty")
        rb = crawl(
            b,
            platform,
            seeds,
            settings=settings_for(crawl_timeout=0.5),
            base_url=faulty.url,
            budget=budget,
            archive_dir=tmp_path / "archive",
        )
        faults = sum(v for k, v in faulty.counts.items() if k.startswith("fault:"))
    assert ra.status == rb.status == "done"
    assert faults >= 10  # the crawl really met faults...
    assert rb.http["retries"] > 0 and rb.quarantined > 0
    assert rb.failed == 0
    assert edges(a) == edges(b)  # ...and still collected exactly the same edges
    assert len(edges(a)[0]) > 100
    quarantine = list(read_archive(tmp_path / "archive", quarantine=True))
    assert len(quarantine) == rb.quarantined
    assert all(r["error"] for r in quarantine)


def test_quarantine_logs_a_clear_line(
    settings_for: Callable[..., Settings],
    sim_network: SimNetwork,
    db: SQLiteStore,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with (
        Simulator(sim_network, SIM_PLATFORMS, fault_rate=0.3, faults=("malformed",), seed=2) as sim,
        caplog.at_level(logging.WARNING, logger="kolgraph.crawl"),
    ):
        report = crawl(
            db,
            "weibo",
            sim_network.top_accounts(1),
            settings=settings_for(),
            base_url=sim.url,
            archive_dir=tmp_path / "a",
        )
    assert report.status == "done" and report.quarantined > 0
    lines = [r.getMessage() for r in caplog.records if "quarantined" in r.getMessage()]
    assert len(lines) == report.quarantined
    assert "not JSON" in lines[0] and "quarantine.jsonl.gz" in lines[0]


# ----------------------------------------------------------------------------- resume
@pytest.mark.slow
def test_budget_stop_and_rerun_equals_one_run(
    settings_for: Callable[..., Settings],
    simulator: Simulator,
    sim_network: SimNetwork,
    tmp_path: Path,
) -> None:
    seeds = sim_network.top_accounts(2)
    settings = settings_for()
    whole = _store(tmp_path, "whole")
    crawl(
        whole,
        "bilibili",
        seeds,
        settings=settings,
        base_url=simulator.url,
        budget=CrawlBudget(depth=2, max_posts=2),
    )
    parts = _store(tmp_path, "parts")
    first = crawl(
        parts,
        "bilibili",
        seeds,
        settings=settings,
        base_url=simulator.url,
        budget=CrawlBudget(depth=2, max_posts=2, max_accounts=20),
    )
    assert first.status == "stopped: max accounts"
    assert first.tasks.get("pending", 0) > 0
    assert edges(parts) != edges(whole)
    rest = CrawlBudget(depth=2, max_posts=2)
    second = crawl(parts, "bilibili", seeds, settings=settings, base_url=simulator.url, budget=rest)
    assert second.crawl_id == first.crawl_id  # same command, same crawl
    assert second.status == "done"
    assert edges(parts) == edges(whole)
    third = crawl(parts, "bilibili", seeds, settings=settings, base_url=simulator.url, budget=rest)
    assert third.pages == 0 and third.new_follows == 0


def test_expired_credentials_stop_with_state_saved(
    settings_for: Callable[..., Settings], sim_network: SimNetwork, tmp_path: Path
) -> None:
    seeds = sim_network.top_accounts(2)
    with Simulator(sim_network, SIM_PLATFORMS) as sim:
        whole = _store(tmp_path, "whole")
        crawl(whole, "x", seeds, settings=settings_for(), base_url=sim.url)
        st = _store(tmp_path, "st")
        partial = crawl(
            st,
            "x",
            seeds,
            settings=settings_for(),
            base_url=sim.url,
            budget=CrawlBudget(max_accounts=5),
        )
        before = edges(st)
        with pytest.raises(AccessDenied) as err:
            crawl(
                st,
                "x",
                seeds,
                settings=settings_for(x_bearer_token="expired-token"),
                base_url=sim.url,
            )
        assert err.value.hint and "KOLGRAPH_X_BEARER_TOKEN" in err.value.hint
        assert edges(st) == before  # nothing lost
        assert st.crawl.info(partial.crawl_id).tasks.get("pending", 0) > 0
        crawl(st, "x", seeds, settings=settings_for(), base_url=sim.url)
    assert edges(st) == edges(whole)


def test_unknown_seed_is_marked_gone(
    settings_for: Callable[..., Settings], simulator: Simulator, db: SQLiteStore
) -> None:
    report = crawl(db, "x", ["999"], settings=settings_for(), base_url=simulator.url)
    assert report.gone == 1 and report.tasks == {"gone": 1}


def _crawl_cmd(url: str, seeds: Path, db: Path, archive: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "kolgraph",
        "crawl",
        "x",
        "--seeds",
        str(seeds),
        "--base-url",
        url,
        "--depth",
        "2",
        "--max-posts",
        "3",
        "--no-throttle",
        "--db",
        str(db),
        "--archive",
        str(archive),
        "--format",
        "json",
    ]


@pytest.mark.slow
def test_kill_nine_three_times_then_resume_equals_an_uninterrupted_crawl(
    settings_for: Callable[..., Settings], sim_network: SimNetwork, tmp_path: Path
) -> None:
    seeds = sim_network.top_accounts(3)
    seeds_file = tmp_path / "seeds.txt"
    seeds_file.write_text("\n".join(seeds) + "\n")
    env = {
        **os.environ,
        "KOLGRAPH_X_BEARER_TOKEN": "t",
        "KOLGRAPH_CRAWL_MAX_DELAY": "0.02",
        "KOLGRAPH_CRAWL_BACKOFF": "0.001",
        "KOLGRAPH_CRAWL_BACKOFF_MAX": "0.01",
        "KOLGRAPH_CRAWL_RETRIES": "8",
    }
    rng = random.Random(5)
    db = tmp_path / "killed.db"
    kills = 0
    # a little latency per response stretches the crawl to a few seconds so kills land mid-run
    with Simulator(sim_network, SIM_PLATFORMS, latency=0.002) as sim:
        cmd = _crawl_cmd(sim.url, seeds_file, db, tmp_path / "archive")
        for _ in range(3):
            before = _pages(db) if db.exists() else 0
            proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            # wait until this run has committed pages, then a random moment more
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and proc.poll() is None:
                if db.exists() and _pages(db) > before:
                    break
                time.sleep(0.05)
            time.sleep(rng.uniform(0.1, 0.8))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                kills += 1
            proc.communicate(timeout=60)
        final = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
        assert final.returncode == 0, final.stderr
        whole = _store(tmp_path, "whole")
        crawl(
            whole,
            "x",
            seeds,
            settings=settings_for(),
            base_url=sim.url,
            budget=CrawlBudget(depth=2, max_posts=3),
        )
    assert kills == 3
    killed = SQLiteStore(db)
    try:
        assert edges(killed) == edges(whole)
        cid = crawl_id_for(
            "x",
            seeds,
            {
                "depth": 2,
                "max_pages": None,
                "max_followers": None,
                "max_posts": 3,
                "base_url": sim.url,
            },
        )
        tasks = {t.key: (t.status, t.seen) for t in killed.crawl.tasks(cid)}
        assert len(tasks) > 300
        assert set(tasks.values()) <= {(s, n) for s, n in tasks.values() if s in ("done", "gone")}
        # the archive holds at least every page the store saw (pages of killed
        # runs may appear twice: fetched, archived, then killed before the commit)
        archived = {
            (r["task"]["kind"], r["task"]["target"], r["task"]["page"])
            for r in read_archive(tmp_path / "archive")
        }
        assert len(archived) == killed.crawl.info(cid).stats["pages"]
        assert len(list((tmp_path / "archive").glob("*.jsonl.gz"))) == 4  # one per session
    finally:
        killed.close()


def _pages(db: Path) -> int:
    import sqlite3

    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            row = con.execute("SELECT stats FROM crawls").fetchone()
        finally:
            con.close()
    except sqlite3.Error:
        return 0
    if row is None:
        return 0
    import json

    return int(json.loads(row[0]).get("pages", 0))


# ----------------------------------------------------------------------------- replay, privacy
@pytest.mark.parametrize("platform", PLATFORMS)
def test_replay_rebuilds_the_same_store_offline(
    settings_for: Callable[..., Settings],
    platform: str,
    simulator: Simulator,
    sim_network: SimNetwork,
    tmp_path: Path,
) -> None:
    crawled = _store(tmp_path, "crawled")
    crawl(
        crawled,
        platform,
        sim_network.top_accounts(2),
        settings=settings_for(),
        base_url=simulator.url,
        archive_dir=tmp_path / "arch",
    )
    simulator.stop()  # no network from here on
    rebuilt = _store(tmp_path, "rebuilt")
    report = replay(rebuilt, tmp_path / "arch", settings=settings_for())
    assert report.bad == 0 and report.pages > 0
    assert edges(rebuilt) == edges(crawled)
    a = crawled.accounts_frame().set_index("key").sort_index()
    b = rebuilt.accounts_frame().set_index("key").sort_index()
    assert a.index.equals(b.index)
    assert (a["followers"].fillna(-1) == b["followers"].fillna(-1)).all()
    again = replay(rebuilt, tmp_path / "arch", settings=settings_for())
    assert again.new_follows == 0 and again.new_reposts == 0


def test_salted_crawl_hashes_only_ordinary_users(
    settings_for: Callable[..., Settings],
    simulator: Simulator,
    sim_network: SimNetwork,
    tmp_path: Path,
) -> None:
    seeds = sim_network.top_accounts(2)
    plain = _store(tmp_path, "plain")
    crawl(plain, "weibo", seeds, settings=settings_for(), base_url=simulator.url)
    salted = _store(tmp_path, "salted")
    crawl(
        salted,
        "weibo",
        seeds,
        settings=settings_for(user_id_salt="pepper"),
        base_url=simulator.url,
    )
    pf, pr = edges(plain)
    sf, sr = edges(salted)
    assert len(pf) == len(sf) and len(pr) == len(sr)  # the same graph, relabelled
    acc = salted.accounts_frame()
    users = acc[acc["kind"] == "user"]
    public = acc[acc["kind"] != "user"]
    assert len(users) > 0 and len(public) > 0
    assert users["key"].str.match(r"^weibo:h[0-9a-f]{20}$").all()
    assert (users["name"].fillna("") == "").all()
    plain_ids = set(plain.accounts_frame()["key"])
    assert set(public["key"]) <= plain_ids  # KOL and media keep their public ids
    assert not (set(users["key"]) & plain_ids)


def test_read_seeds(tmp_path: Path) -> None:
    f = tmp_path / "s.txt"
    f.write_text("# seeds\n123\n\nweibo:456  # a KOL\n123\n")
    assert read_seeds(f, "weibo") == ["123", "456"]
    f.write_text("x:1\n")
    with pytest.raises(InputError, match=r"s.txt:1.*platform 'x'"):
        read_seeds(f, "weibo")
    f.write_text("# nothing\n")
    with pytest.raises(InputError, match="no account ids"):
        read_seeds(f, "weibo")
    with pytest.raises(InputError, match="cannot read seeds"):
        read_seeds(tmp_path / "missing.txt", "weibo")


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_post_seed_starts_from_its_reposts(
    platform: str,
    settings_for: Callable[..., Settings],
    simulator: Simulator,
    sim_network: SimNetwork,
    db: SQLiteStore,
) -> None:
    net = sim_network
    post = max(net.posts, key=lambda p: p.reposts)
    author = net.account_id(post.author)
    report = crawl(
        db,
        platform,
        [f"post:{author}/{post.post_id}@{post.ts}"],
        settings=settings_for(),
        base_url=simulator.url,
        budget=CrawlBudget(depth=0),
    )
    assert report.status == "done"
    _, reposts = edges(db)
    users, _ = net.reposts(post.post_id)
    want = {(f"{platform}:{net.account_id(int(u))}", f"{platform}:{author}") for u in users}
    assert {(r[0], r[1]) for r in reposts if r[2] == post.post_id} == want
    assert len(want) == post.reposts > 10


def test_post_seeds_are_read_and_checked(tmp_path: Path) -> None:
    f = tmp_path / "s.txt"
    f.write_text("post:12/345\npost:12/346@1700000000\n99\n")
    assert read_seeds(f, "x") == ["post:12/345", "post:12/346@1700000000", "99"]
    for bad in ("post:12", "post:/345", "post:12/345@soon"):
        f.write_text(bad + "\n")
        with pytest.raises(InputError, match="bad post seed"):
            read_seeds(f, "x")


def test_retry_failed_puts_given_up_tasks_back(
    settings_for: Callable[..., Settings], sim_network: SimNetwork, tmp_path: Path
) -> None:
    seeds = sim_network.top_accounts(2)
    budget = CrawlBudget(max_attempts=2)
    with Simulator(sim_network, SIM_PLATFORMS) as clean:
        whole = _store(tmp_path, "whole")
        crawl(whole, "x", seeds, settings=settings_for(), base_url=clean.url, budget=budget)
        st = _store(tmp_path, "st")
        with Simulator(sim_network, SIM_PLATFORMS, fault_rate=1.0, faults=("malformed",)) as broken:
            first = crawl(
                st,
                "x",
                seeds,
                settings=settings_for(),
                base_url=broken.url,
                budget=budget,
                crawl_id="c",
            )
        assert first.tasks == {"failed": 2} and first.quarantined == 4
        again = crawl(
            st, "x", seeds, settings=settings_for(), base_url=clean.url, budget=budget, crawl_id="c"
        )
        assert again.pages == 0  # failed tasks stay failed...
        fixed = crawl(
            st,
            "x",
            seeds,
            settings=settings_for(),
            base_url=clean.url,
            budget=budget,
            crawl_id="c",
            retry_failed=True,
        )
    assert "failed" not in fixed.tasks  # ...until asked for
    assert edges(st) == edges(whole)
