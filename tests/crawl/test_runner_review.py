"""Regression tests from a review of the crawl loop (runner, keys, CLI, SQLite state)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kolgraph.crawl.budget import CrawlBudget
from kolgraph.crawl.replay import replay
from kolgraph.crawl.runner import crawl
from kolgraph.crawl.simulator.network import SimNetwork
from kolgraph.crawl.simulator.server import Simulator
from kolgraph.errors import InputError
from kolgraph.settings import Settings
from kolgraph.store import SQLiteStore

from .helpers import edges


@pytest.fixture
def stores(tmp_path: Path) -> Iterator[Callable[[str], SQLiteStore]]:
    opened: list[SQLiteStore] = []

    def make(name: str) -> SQLiteStore:
        st = SQLiteStore(tmp_path / f"{name}.db")
        opened.append(st)
        return st

    yield make
    for st in opened:
        st.close()


def _ordinary(net: SimNetwork) -> str:
    """An unverified account with a few followers (an ordinary user)."""
    for i in range(net.n):
        n = len(net.followers(i))
        if net.verified(i) is None and 3 <= n < 50 and net.timeline(i):
            return net.account_id(i)
    raise AssertionError("no ordinary account in the simulated network")


# ----------------------------------------------------------------------------- replay + salt
def test_salted_replay_keeps_a_post_seed_authors_key(
    settings_for: Callable[..., Settings],
    simulator: Simulator,
    sim_network: SimNetwork,
    stores: Callable[[str], SQLiteStore],
    tmp_path: Path,
) -> None:
    net = sim_network
    post = max(net.posts, key=lambda p: p.reposts)
    author = net.account_id(post.author)
    settings = settings_for(user_id_salt="pepper")
    crawled = stores("crawled")
    crawl(
        crawled,
        "weibo",
        [f"post:{author}/{post.post_id}"],
        settings=settings,
        base_url=simulator.url,
        budget=CrawlBudget(depth=0),
        archive_dir=tmp_path / "arch",
    )
    rebuilt = stores("rebuilt")
    replay(rebuilt, tmp_path / "arch", settings=settings)
    assert edges(crawled)[1]
    assert edges(rebuilt) == edges(crawled)


def test_salted_replay_keeps_an_ordinary_seeds_public_key(
    settings_for: Callable[..., Settings],
    simulator: Simulator,
    sim_network: SimNetwork,
    stores: Callable[[str], SQLiteStore],
    tmp_path: Path,
) -> None:
    seed = _ordinary(sim_network)
    settings = settings_for(user_id_salt="pepper")
    crawled = stores("crawled")
    crawl(
        crawled,
        "bilibili",
        [seed],
        settings=settings,
        base_url=simulator.url,
        archive_dir=tmp_path / "arch",
    )
    assert f"bilibili:{seed}" in set(crawled.accounts_frame()["key"])
    rebuilt = stores("rebuilt")
    replay(rebuilt, tmp_path / "arch", settings=settings)
    assert edges(crawled)[0]
    assert edges(rebuilt) == edges(crawled)
    assert set(rebuilt.accounts_frame()["key"]) == set(crawled.accounts_frame()["key"])


def test_unsalted_crawl_replayed_with_a_salt_hashes_users(
    settings_for: Callable[..., Settings],
    simulator: Simulator,
    sim_network: SimNetwork,
    stores: Callable[[str], SQLiteStore],
    tmp_path: Path,
) -> None:
    """Keys recorded by a crawl must not make a salted replay keep raw user ids."""
    crawl(
        stores("crawled"),
        "weibo",
        sim_network.top_accounts(1),
        settings=settings_for(),
        base_url=simulator.url,
        archive_dir=tmp_path / "arch",
    )
    rebuilt = stores("rebuilt")
    replay(rebuilt, tmp_path / "arch", settings=settings_for(user_id_salt="pepper"))
    acc = rebuilt.accounts_frame()
    users = acc[acc["kind"] == "user"]
    assert len(users) > 0
    assert users["key"].str.match(r"^weibo:h[0-9a-f]{20}$").all()


# ----------------------------------------------------------------------------- resume identity
def test_a_crawl_id_of_another_platform_is_refused(
    settings_for: Callable[..., Settings],
    simulator: Simulator,
    sim_network: SimNetwork,
    stores: Callable[[str], SQLiteStore],
) -> None:
    st = stores("st")
    seeds = sim_network.top_accounts(1)
    crawl(
        st,
        "weibo",
        seeds,
        settings=settings_for(),
        base_url=simulator.url,
        crawl_id="mine",
        budget=CrawlBudget(max_accounts=1),
    )
    before = edges(st)
    with pytest.raises(InputError, match="weibo"):
        crawl(st, "x", seeds, settings=settings_for(), base_url=simulator.url, crawl_id="mine")
    assert edges(st) == before


def test_switching_the_salt_on_mid_crawl_is_refused(
    settings_for: Callable[..., Settings],
    simulator: Simulator,
    sim_network: SimNetwork,
    stores: Callable[[str], SQLiteStore],
) -> None:
    """Resuming an unsalted crawl with a salt would store raw ids of users it had queued."""
    st = stores("st")
    seeds = sim_network.top_accounts(1)
    first = crawl(
        st,
        "weibo",
        seeds,
        settings=settings_for(),
        base_url=simulator.url,
        budget=CrawlBudget(max_accounts=1),
    )
    assert first.status == "stopped: max accounts"
    raw_users = set(st.accounts_frame()["key"])
    with pytest.raises(InputError, match="KOLGRAPH_USER_ID_SALT"):
        crawl(
            st, "weibo", seeds, settings=settings_for(user_id_salt="pepper"), base_url=simulator.url
        )
    assert set(st.accounts_frame()["key"]) == raw_users


def test_x_post_seed_without_a_time_is_refused_before_crawling(
    settings_for: Callable[..., Settings],
    simulator: Simulator,
    sim_network: SimNetwork,
    stores: Callable[[str], SQLiteStore],
) -> None:
    post = max(sim_network.posts, key=lambda p: p.reposts)
    author = sim_network.account_id(post.author)
    st = stores("st")
    with pytest.raises(InputError, match="UNIX_TIME"):
        crawl(
            st,
            "x",
            [f"post:{author}/{post.post_id}"],
            settings=settings_for(),
            base_url=simulator.url,
            budget=CrawlBudget(depth=0),
        )
    assert st.crawl.all() == []  # refused before the crawl began


# ----------------------------------------------------------------------------- budgets
@pytest.mark.parametrize(
    ("budget", "kinds"),
    [
        (CrawlBudget(max_pages=0), {"profile"}),
        (CrawlBudget(max_followers=0), {"profile", "posts", "reposts"}),
        (CrawlBudget(max_posts=0), {"profile", "followers", "following"}),
    ],
)
def test_a_zero_budget_fetches_none_of_those_pages(
    settings_for: Callable[..., Settings],
    simulator: Simulator,
    sim_network: SimNetwork,
    stores: Callable[[str], SQLiteStore],
    budget: CrawlBudget,
    kinds: set[str],
) -> None:
    st = stores("st")
    report = crawl(
        st,
        "weibo",
        sim_network.top_accounts(2),
        settings=settings_for(),
        base_url=simulator.url,
        budget=budget,
    )
    assert report.status == "done"
    assert {t.kind for t in st.crawl.tasks(report.crawl_id)} <= kinds
    follows, reposts = edges(st)
    if "followers" not in kinds:
        assert not follows
    if "reposts" not in kinds:
        assert not reposts


def test_a_negative_wall_time_is_refused() -> None:
    with pytest.raises(InputError, match="wall_time"):
        CrawlBudget(wall_time=-1)


# ----------------------------------------------------------------------------- seeds
def test_a_prefixed_post_seed_is_checked_like_a_bare_one(tmp_path: Path) -> None:
    from kolgraph.crawl.seeds import read_seeds

    f = tmp_path / "s.txt"
    f.write_text("weibo:post:12/345@1700000000\n")
    assert read_seeds(f, "weibo") == ["post:12/345@1700000000"]
    f.write_text("weibo:post:12/345@soon\n")
    with pytest.raises(InputError, match="bad post seed"):
        read_seeds(f, "weibo")


def test_many_seeds_are_added_in_linear_time(tmp_path: Path) -> None:
    import time

    from kolgraph.crawl.crawler import Crawler
    from kolgraph.crawl.keys import KeyMapper
    from kolgraph.crawl.platforms import get_platform

    st = SQLiteStore(tmp_path / "s.db")
    try:
        st.crawl.begin("c", "weibo", {})
        crawler = Crawler(
            st,
            get_platform("weibo"),
            None,
            crawl_id="c",
            keys=KeyMapper("weibo", salt=None, kol_followers=10),
        )
        t = time.monotonic()
        assert crawler.seed([str(i) for i in range(40_000)]) == 40_000
        assert time.monotonic() - t < 5  # quadratic: ~25 s
        assert crawler.seed(["1", "40000"]) == 1
    finally:
        st.close()


# ----------------------------------------------------------------------------- SQLite crawl state
def test_crawl_tables_survive_a_first_transaction_that_rolled_back(tmp_path: Path) -> None:
    from kolgraph.errors import NotFound
    from kolgraph.store.crawlstate import CrawlBatch, TaskRow

    st = SQLiteStore(tmp_path / "s.db")
    try:
        row = TaskRow(key="profile:1", kind="profile", target="1", depth=0, priority=0, seq=0)
        with pytest.raises(NotFound):
            st.crawl.commit("nope", CrawlBatch(task=row))
        info = st.crawl.begin("c", "weibo", {})
        assert info.crawl_id == "c"
        st.crawl.commit("c", CrawlBatch(task=row))
        assert [t.key for t in st.crawl.tasks("c")] == ["profile:1"]
    finally:
        st.close()


# ----------------------------------------------------------------------------- budgets and resume
def test_max_accounts_counts_the_same_across_a_resume(
    settings_for: Callable[..., Settings],
    simulator: Simulator,
    sim_network: SimNetwork,
    stores: Callable[[str], SQLiteStore],
) -> None:
    """A missing seed's profile counts toward --max-accounts in a run as after a resume."""
    seeds = ["999", *sim_network.top_accounts(2)]
    budget = CrawlBudget(max_accounts=2)
    whole = stores("whole")
    crawl(whole, "x", seeds, settings=settings_for(), base_url=simulator.url, budget=budget)

    def stop_after_first_page(report: object, queued: int) -> None:
        raise KeyboardInterrupt

    parts = stores("parts")
    with pytest.raises(KeyboardInterrupt):
        crawl(
            parts,
            "x",
            seeds,
            settings=settings_for(),
            base_url=simulator.url,
            budget=budget,
            on_progress=stop_after_first_page,
        )
    crawl(parts, "x", seeds, settings=settings_for(), base_url=simulator.url, budget=budget)
    assert edges(parts) == edges(whole)
