"""Screenshot the report of a demo plan for the docs: ``docs/report.png``.

The plan is the README walk-through's, made on the seeded demo (``kolgraph demo``: the
synthetic network of 50,000 accounts, seed 7, ranked): budget 3,000, 3 to 10 KOLs, up to 2
media and 1 own account, for the audience of the rival title ``demo:000008`` that the
brand's own accounts do not reach, with a budget curve from 500 to 5,000, so every section
of the report has something to show.
Headless Chromium (Debian's ``/usr/bin/chromium``, driven by Playwright) opens the report
file and shoots the top of it at viewport width.

Re-run from the repository root (about two minutes, most of it ranking)::

    .venv/bin/python bench/report_screenshot.py
    .venv/bin/python bench/report_screenshot.py --users 5000 --out /tmp/report.png

``--db FILE`` keeps the demo store in FILE (and reuses it when it already holds the same
demo); ``--html FILE`` also keeps the report page. The PNG should stay under ~600 KB:
lower ``--height`` if it grows past that.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from kolgraph.demo import is_loaded, load_demo
from kolgraph.model import Kind
from kolgraph.plan import KindRange, PlanParams
from kolgraph.plan.evaluate import make_and_keep
from kolgraph.rank.job import run_rank
from kolgraph.report import write_plan_html
from kolgraph.store import SQLiteStore
from kolgraph.synth import generate_demo

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CURVE = [500.0 * i for i in range(1, 11)]
RIVAL = "demo:000008"


def demo_plan(db: Path, *, users: int, seed: int) -> str:
    """The demo store at ``db`` (filled and ranked unless it already holds it) and a new
    plan with a budget curve and a target; returns the plan's id."""
    net = generate_demo(users, seed=seed)
    st = SQLiteStore(db)
    try:
        if not is_loaded(st, net):
            if st.counts().accounts:
                raise SystemExit(f"{db} holds other data than this demo: give another --db")
            load_demo(st, net)
            run_rank(st)
        params = PlanParams(
            budget=3_000.0,
            mix={
                Kind.KOL: KindRange(3, 10),
                Kind.MEDIA: KindRange(0, 2),
                Kind.OWN: KindRange(0, 1),
            },
            target_followers_of=(RIVAL,),
            new_audience_only=True,
        )
        return make_and_keep(st, params, curve=CURVE)[1].id
    finally:
        st.close()


def screenshot(html: Path, png: Path, *, width: int, height: int) -> None:
    """The top ``height`` pixels of the page at ``html``, ``width`` wide, as a PNG."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.goto(html.as_uri(), wait_until="load")
            page.wait_for_selector("#chart-overlap g.hm image", state="attached")
            full = int(page.evaluate("document.documentElement.scrollHeight"))
            page.screenshot(
                path=str(png),
                full_page=True,
                clip={"x": 0, "y": 0, "width": width, "height": min(height, full)},
            )
        finally:
            browser.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=50_000, help="accounts in the demo network")
    ap.add_argument("--seed", type=int, default=7, help="the demo's seed")
    ap.add_argument("--db", type=Path, help="keep (or reuse) the demo store in this file")
    ap.add_argument("--html", type=Path, help="also keep the report page in this file")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "report.png")
    ap.add_argument("--width", type=int, default=1280)
    ap.add_argument("--height", type=int, default=3800, help="pixels from the top of the page")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "demo.db"
        t0 = time.perf_counter()
        plan_id = demo_plan(db, users=args.users, seed=args.seed)
        print(f"plan {plan_id} in {db} ({time.perf_counter() - t0:.1f} s)")
        html = args.html or Path(tmp) / "report.html"
        t0 = time.perf_counter()
        st = SQLiteStore(db)
        try:
            size = write_plan_html(st, plan_id, html)
        finally:
            st.close()
        print(f"report {html}: {size / 1e6:.1f} MB in {time.perf_counter() - t0:.2f} s")
        screenshot(html, args.out, width=args.width, height=args.height)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e3:.0f} KB)")


if __name__ == "__main__":
    main()
