"""The plan report page: every section, escaped names, no outside resources, the plan's numbers."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest

from kolgraph.errors import InputError, NotFound
from kolgraph.report import plan_report_html, render_report, write_plan_html
from kolgraph.report.charts import CHART_IDS
from kolgraph.report.html import calibration_lines, forecast_sentence, sentence
from kolgraph.report.overlap import jaccard_matrix, plan_overlap
from kolgraph.schemas.plans import PlanResponse
from kolgraph.store import SQLiteStore

from .conftest import HOSTILE, HOSTILE_KEY, ReportWorld

ROOT = Path(__file__).resolve().parents[2]
PIP_WHEEL = (sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q")
SECTIONS = (
    "summary",
    "accounts",
    "timeline",
    "budget-curve",
    "overlap",
    "communities",
    "frequency",
    "forecast",
    "method",
)


@dataclass
class Page:
    """What a report page holds, read with the standard library's HTML parser."""

    tags: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)
    rows: dict[str, dict[str, str]] = field(default_factory=dict)
    ids: set[str] = field(default_factory=set)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self._row: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.page.tags.append((tag, a))
        if "id" in a:
            self.page.ids.add(a["id"])
        if tag == "tr":
            self._row = a.get("data-key")
            if self._row is not None:
                self.page.rows[self._row] = {}
        name, value = a.get("data-field"), a.get("data-value")
        if name is None or value is None:
            return
        if self._row is not None:
            self.page.rows[self._row][name] = value
        else:
            self.page.fields.setdefault(name, value)

    def handle_endtag(self, tag: str) -> None:
        if tag == "tr":
            self._row = None


def read_page(text: str) -> Page:
    reader = _Reader()
    reader.feed(text)
    reader.close()
    return reader.page


def kept(world: ReportWorld, plan_id: str) -> tuple[str, PlanResponse]:
    with SQLiteStore(world.db) as st:
        html = plan_report_html(st, plan_id)
        doc = PlanResponse.model_validate(st.get_plan(plan_id).body)
    return html, doc


@pytest.fixture(scope="module")
def forecast_page(report_world: ReportWorld) -> tuple[str, PlanResponse]:
    """The report of the plan with a budget curve, a target and a forecast."""
    return kept(report_world, report_world.forecast)


def test_every_section_and_chart_is_there(forecast_page: tuple[str, PlanResponse]) -> None:
    html, doc = forecast_page
    page = read_page(html)
    assert set(SECTIONS) <= page.ids
    assert set(CHART_IDS.values()) <= page.ids
    assert html.startswith("<!DOCTYPE html>")
    assert f"<title>Campaign plan {doc.id}</title>" in html
    assert "made without --budget-curve" not in html
    assert doc.budget_curve is not None and doc.budget_curve.knee_budget is not None
    assert float(page.fields["knee_budget"]) == doc.budget_curve.knee_budget
    # the forecast's interval is explained in words, with where it comes from
    assert "80% interval, 12 to 35" in html
    assert "about 80 campaigns in 100" in html
    assert "points 40; horizon days 0.5–9; method model" in html
    # the method section: notes, schedule, run and plan id
    assert page.fields.get("plan_id") is None  # ids are shown, not valued
    text = unescape(html).lower()
    assert doc.schedule.note.lower() in text
    for note in doc.notes:
        assert note.lower() in text
    assert str(doc.run_id) in html


def test_numbers_on_the_page_equal_the_plan(forecast_page: tuple[str, PlanResponse]) -> None:
    html, doc = forecast_page
    f = read_page(html).fields
    assert doc.forecast is not None and doc.target is not None
    assert float(f["budget"]) == doc.budget
    assert float(f["spent"]) == doc.spent
    assert int(f["unique_reach"]) == doc.unique_reach
    assert int(f["target_size"]) == doc.target_size
    assert float(f["target_coverage"]) == doc.target.coverage
    assert int(f["accounts"]) == len(doc.accounts)
    mv = doc.forecast.moved_users
    assert (float(f["forecast_expected"]), float(f["forecast_low"]), float(f["forecast_high"])) == (
        mv.expected,
        mv.low,
        mv.high,
    )


def test_account_rows_equal_the_plan(report_world: ReportWorld) -> None:
    html, doc = kept(report_world, report_world.plain)
    rows = read_page(html).rows
    assert list(rows) == [a.key for a in doc.accounts]
    for a in doc.accounts:
        assert float(rows[a.key]["cost"]) == a.cost
        assert int(rows[a.key]["marginal_reach"]) == a.marginal_reach
        assert int(rows[a.key]["audience"]) == a.audience
    # an estimated price is marked as such
    estimated = [a for a in doc.accounts if a.cost_estimated]
    assert estimated and "est.</span>" in html


def test_a_plan_without_a_curve_or_forecast_says_so(report_world: ReportWorld) -> None:
    html, doc = kept(report_world, report_world.plain)
    page = read_page(html)
    assert doc.budget_curve is None and doc.forecast is None
    assert "chart-budget-curve" not in page.ids and "chart-forecast" not in page.ids
    assert "no-budget-curve" in page.ids
    assert "made without --budget-curve; plan again with --budget-curve LOW..HIGH:STEP" in html
    assert "No forecast: the rank run" in html
    for chart in ("chart-timeline", "chart-overlap", "chart-communities", "chart-frequency"):
        assert chart in page.ids
    assert "forecast_expected" not in page.fields


def test_hostile_names_are_escaped(forecast_page: tuple[str, PlanResponse]) -> None:
    html, doc = forecast_page
    assert HOSTILE_KEY in {a.key for a in doc.accounts}
    assert HOSTILE not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    scripts = [a for tag, a in read_page(html).tags if tag == "script"]
    # plotly.js once, one drawing script per chart and the charts' resize for print
    assert len(scripts) == 1 + len(CHART_IDS) + 1


def test_the_page_needs_no_network(forecast_page: tuple[str, PlanResponse]) -> None:
    html, _ = forecast_page
    tags = read_page(html).tags
    outside = [
        (tag, name, value)
        for tag, attrs in tags
        for name, value in attrs.items()
        if name in {"src", "href", "srcset", "data", "action", "poster"}
        and value.strip().lower().startswith(("http:", "https:", "//"))
    ]
    assert outside == []
    assert not [t for t, _ in tags if t in {"iframe", "object", "embed", "img"}]
    # the one link: an empty icon, so a served page asks for no /favicon.ico
    assert [a for t, a in tags if t == "link"] == [{"rel": "icon", "href": "data:,"}]
    assert "@import" not in html
    assert "url(http" not in html.replace(" ", "")


def test_overlap_is_exact_from_the_store(report_world: ReportWorld) -> None:
    with SQLiteStore(report_world.db) as st:
        doc = PlanResponse.model_validate(st.get_plan(report_world.plain).body)
        ov = plan_overlap(st, doc)
    assert ov.heat is not None and ov.missing == []
    m = jaccard_matrix(doc, ov.heat)
    assert m.exact and m.keys == [a.key for a in doc.accounts]
    n = len(m.keys)
    assert len(m.pairs()) == n * (n - 1) // 2
    html = render_report(doc, ov.heat)
    assert "counted exactly from the store's current edges" in unescape(html)
    assert "overlap-fallback" not in read_page(html).ids


def test_a_gone_account_falls_back_to_the_kept_pairs(report_world: ReportWorld) -> None:
    html, doc = kept(report_world, report_world.gone)
    page = read_page(html)
    assert "overlap-fallback" in page.ids and "chart-overlap" in page.ids
    text = unescape(html)
    assert "1 of the plan's accounts is no longer in the store (x:gone)" in text
    assert f"from the {len(doc.overlap)} pairs kept with the plan" in text
    assert "x:gone" in page.rows


def test_render_needs_no_store(report_world: ReportWorld) -> None:
    _, doc = kept(report_world, report_world.curve)
    again = PlanResponse.model_validate_json(doc.model_dump_json())
    html = render_report(again, None, created=0.0, now=86_400.0)
    assert "planned 1970-01-01 00:00 UTC" in html and "report made 1970-01-02 00:00 UTC" in html
    assert "not counted again from the store" in html


def test_unknown_plan_and_unwritable_file(report_world: ReportWorld, tmp_path: Path) -> None:
    with SQLiteStore(report_world.db) as st:
        with pytest.raises(NotFound, match="no plan with id 'pl-nope'"):
            plan_report_html(st, "pl-nope")
        with pytest.raises(InputError, match="does not exist"):
            write_plan_html(st, report_world.plain, tmp_path / "no" / "r.html")
        with pytest.raises(InputError, match="is a folder"):
            write_plan_html(st, report_world.plain, tmp_path)
        size = write_plan_html(st, report_world.plain, tmp_path / "r.html")
    assert size == (tmp_path / "r.html").stat().st_size
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]  # no temporary file left


def test_words() -> None:
    assert sentence("returns fall off after 500") == "Returns fall off after 500."
    assert sentence("moved_users: people") == "moved_users: people."
    assert sentence("Done.") == "Done."
    assert calibration_lines({"points": 3, "err": {"model": 0.5, "naive": 1.25}}) == [
        "points 3",
        "err: model 0.5, naive 1.25",
    ]


def test_forecast_sentence_without_a_forecast(report_world: ReportWorld) -> None:
    _, doc = kept(report_world, report_world.plain)
    assert forecast_sentence(doc).startswith("No forecast")


def test_wheel_ships_the_templates(tmp_path: Path) -> None:
    pytest.importorskip("hatchling")
    subprocess.run(
        [*PIP_WHEEL, "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    names = zipfile.ZipFile(next(tmp_path.glob("kolgraph-*.whl"))).namelist()
    assert "kolgraph/report/templates/report.html.j2" in names
    assert "kolgraph/report/templates/report.css" in names
