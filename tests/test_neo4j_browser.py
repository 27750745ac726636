"""Neo4j Browser for real: headless Chromium connects to the suite's server, takes the
kolgraph style the way the guide says (a dropped ``kolgraph.grass``), runs two saved queries
from ``cypher/browser/`` and draws nodes with the style's captions and colours.

Debian's ``/usr/bin/chromium`` is driven by Playwright; no browser is downloaded. Skips with
a reason when Chromium, Playwright or the Browser artifact is missing.
"""

from __future__ import annotations

import shutil
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from neo4j_server import REPO_ROOT, LocalNeo4j

from kolgraph.demo import load_demo
from kolgraph.model import Account, Kind
from kolgraph.rank.job import RankParams, run_rank
from kolgraph.store import Store
from kolgraph.synth import generate_demo

pytestmark = pytest.mark.neo4j

CHROMIUM = "/usr/bin/chromium"
BROWSER_DIR = REPO_ROOT / "cypher" / "browser"
KOL_COLOUR = "#F16667"  # node.KOL in kolgraph.grass
PARTNER_COLOUR = "#57C7E3"  # node.Partner


@pytest.fixture(scope="module")
def page(neo4j_server: LocalNeo4j | None) -> Iterator[Any]:
    if neo4j_server is None:
        pytest.skip("KOLGRAPH_NEO4J_URI names an outside server; the Browser test uses the suite's")
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    try:
        with urllib.request.urlopen(f"{neo4j_server.http_url}/browser/", timeout=10) as resp:
            served = resp.status == 200
    except OSError:
        served = False
    if not served:
        pytest.skip("this server does not serve Neo4j Browser (org.neo4j.client:neo4j-browser)")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            pg = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
            pg.goto(
                f"{neo4j_server.http_url}/browser/?dbms=bolt://127.0.0.1:{neo4j_server.bolt_port}"
                "&preselectAuthMethod=NO_AUTH",
                wait_until="networkidle",
            )
            pg.wait_for_selector("text=Connected to Neo4j", timeout=60_000)
            yield pg
        finally:
            browser.close()


@pytest.fixture(scope="module")
def ranked(neo4j_settings: Any) -> Iterator[Store]:
    from kolgraph.store import open_store

    st = open_store(neo4j_settings, backend="neo4j")
    st.clear()
    load_demo(st, generate_demo(1_500, seed=9))
    run_rank(st, params=RankParams(overlap_top_k=50))
    yield st
    st.clear()


def _run(pg: Any, command: str) -> Any:
    """Type ``command`` into Browser's editor, run it, return the newest result frame."""
    before = len(pg.query_selector_all('[data-testid="frame"]'))
    pg.click('[data-testid="activeEditor"]')
    pg.keyboard.insert_text(command)
    pg.click('[data-testid="editor-Run"]')
    pg.wait_for_function(  # a function, not a string: Browser's CSP forbids eval
        "(n) => document.querySelectorAll('[data-testid=\"frame\"]').length > n",
        arg=before,
        timeout=30_000,
    )
    return pg.query_selector('[data-testid="frame"]')  # Browser puts the newest frame first


def _drawn(pg: Any, frame: Any) -> tuple[list[str], list[str]]:
    """Captions and fill colours of the nodes drawn in a result frame's graph view."""
    frame.wait_for_selector("svg g.node", timeout=30_000)
    pg.wait_for_timeout(1_000)  # let the layout settle before reading
    captions = [  # Browser wraps a long caption over several text lines in the circle
        " ".join((t.text_content() or "").strip() for t in node.query_selector_all("text"))
        for node in frame.query_selector_all("svg g.node")
    ]
    fills = [
        (c.get_attribute("fill") or "").upper()
        for c in frame.query_selector_all("svg g.node circle.b-outline")
    ]
    return [c for c in captions if c.strip()], fills


def _shows(caption: str, name: str) -> bool:
    """Whether ``caption`` is ``name`` as drawn: Browser wraps a long caption over lines inside
    the circle and, when it runs out of room, ends a line with an ellipsis and drops the rest."""
    if not caption.endswith("…"):
        return caption == name
    words = name.split()
    for part in caption.split():
        if part.endswith("…"):
            if not any(w.startswith(part[:-1]) for w in words):
                return False
        elif part not in words:
            return False
    return True


def _no_crash(pg: Any) -> None:
    assert pg.query_selector("text=Something went wrong") is None


def _drop_style(pg: Any) -> None:
    """The guide's way: drop the ``.grass`` file onto the Browser window."""
    grass = (BROWSER_DIR / "kolgraph.grass").read_text()
    transfer = pg.evaluate_handle(
        "(text) => { const dt = new DataTransfer();"
        " dt.items.add(new File([text], 'kolgraph.grass')); return dt; }",
        grass,
    )
    for event in ("dragenter", "dragover", "drop"):
        pg.dispatch_event('[data-testid="main"]', event, {"dataTransfer": transfer})
    pg.wait_for_selector("text=:style", timeout=10_000)
    _no_crash(pg)


def test_browser_draws_saved_queries_in_the_kolgraph_style(
    page: Any, ranked: Store, tmp_path: Path
) -> None:
    pg = page
    _drop_style(pg)

    acc = ranked.accounts_frame()
    sc = ranked.current_scores()
    kols = acc[acc["kind"] == "kol"].assign(pagerank=sc["pagerank"], community=sc["community"])
    ego = kols.sort_values("pagerank", ascending=False).iloc[0]

    _run(pg, f":param key => '{ego['key']}'")
    frame = _run(pg, (BROWSER_DIR / "ego_network.cypher").read_text())
    captions, fills = _drawn(pg, frame)
    _no_crash(pg)
    names = set(acc["name"].dropna()) | set(acc["key"])
    assert ego["name"] in captions  # a KOL is captioned by its name
    assert len(captions) > 5
    unknown = [c for c in captions if not any(_shows(c, n) for n in names)]
    assert not unknown
    assert KOL_COLOUR in fills  # the style, not Browser's default palette, coloured it
    pg.screenshot(path=str(tmp_path / "browser-ego-network.png"))

    community = int(ego["community"])
    _run(pg, f":param community => {community}")
    frame = _run(pg, (BROWSER_DIR / "top_kols_of_community.cypher").read_text())
    captions, fills = _drawn(pg, frame)
    _no_crash(pg)
    members = kols[kols["community"] == community]
    top = members.sort_values("pagerank", ascending=False)["name"].head(25)
    assert len(captions) == len(top)
    assert all(any(_shows(c, n) for n in top) for c in captions), (captions, list(top))
    assert fills and set(fills) == {KOL_COLOUR}
    pg.screenshot(path=str(tmp_path / "browser-top-kols.png"))
    assert (tmp_path / "browser-top-kols.png").stat().st_size > 10_000


def test_browser_draws_partner_accounts_in_their_own_colour(
    page: Any, ranked: Store, tmp_path: Path
) -> None:
    pg = page
    _drop_style(pg)
    acc = ranked.accounts_frame()
    media = acc[acc["kind"] == "media"].iloc[0]
    ally = Account(str(media["platform"]), str(media["account_id"]), kind=Kind.PARTNER)
    ranked.upsert_accounts([ally])  # an allied brand's account, labelled :Partner
    try:
        _run(pg, f":param keys => ['{ally.key}']")
        frame = _run(pg, (BROWSER_DIR / "plan_accounts.cypher").read_text())
        captions, fills = _drawn(pg, frame)
        _no_crash(pg)
        assert any(_shows(c, str(media["name"])) for c in captions)  # captioned by its name
        assert PARTNER_COLOUR in fills
        pg.screenshot(path=str(tmp_path / "browser-partner.png"))
    finally:
        ranked.upsert_accounts([replace(ally, kind=Kind.MEDIA)])
