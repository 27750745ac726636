"""``GET /v1/plans/{id}/report.html`` and ``report.xlsx``: a kept plan as a page and a workbook."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

import openpyxl
import pytest
from fastapi.testclient import TestClient

from kolgraph.api.app import create_app

if TYPE_CHECKING:
    from conftest import World

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def planned(world: World) -> Iterator[tuple[TestClient, dict[str, object]]]:
    """A client over this module's store and a plan it made with a budget curve (the
    module's own ``world``: no other module sees the plan)."""
    with TestClient(create_app(world.settings)) as c:
        r = c.post(
            "/v1/plans",
            json={
                "budget": 700,
                "kol": {"min": 1, "max": 3},
                "budget_curve": {"low": 200, "high": 1000, "step": 200},
            },
        )
        assert r.status_code == 200, r.text
        yield c, r.json()


def _value(html: str, name: str) -> str:
    found = re.search(rf'data-field="{name}" data-value="([^"]*)"', html)
    assert found is not None, name
    return found.group(1)


def test_report_html(planned: tuple[TestClient, dict[str, object]]) -> None:
    c, plan = planned
    r = c.get(f"/v1/plans/{plan['id']}/report.html")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    html = r.text
    assert html.startswith("<!DOCTYPE html>")
    for chart in ("chart-timeline", "chart-budget-curve", "chart-overlap", "chart-frequency"):
        assert f'id="{chart}"' in html
    assert float(_value(html, "budget")) == plan["budget"]
    assert float(_value(html, "spent")) == plan["spent"]
    assert int(_value(html, "unique_reach")) == plan["unique_reach"]
    assert int(_value(html, "accounts")) == len(plan["accounts"])  # type: ignore[arg-type]
    rows = re.findall(r'<tr data-key="([^"]+)">', html)
    assert rows == [a["key"] for a in plan["accounts"]]  # type: ignore[attr-defined]


def test_report_xlsx(planned: tuple[TestClient, dict[str, object]]) -> None:
    c, plan = planned
    r = c.get(f"/v1/plans/{plan['id']}/report.xlsx")
    assert r.status_code == 200
    assert r.headers["content-type"] == XLSX
    assert r.headers["content-disposition"] == f'attachment; filename="{plan["id"]}.xlsx"'
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    assert book.sheetnames == ["summary", "accounts", "overlap", "pairs", "budget_curve"]
    keys = [row[0] for row in book["accounts"].iter_rows(min_row=2, values_only=True)]
    assert keys == [a["key"] for a in plan["accounts"]]  # type: ignore[attr-defined]


@pytest.mark.parametrize("suffix", ["report.html", "report.xlsx"])
def test_unknown_plan_is_404(planned: tuple[TestClient, dict[str, object]], suffix: str) -> None:
    c, _ = planned
    r = c.get(f"/v1/plans/pl-nope/{suffix}")
    assert r.status_code == 404
    detail = r.json()["error"]
    assert detail["code"] == "not_found"
    assert "pl-nope" in detail["message"] and "kolgraph plans" in detail["hint"]


def test_openapi_documents_the_report_routes(
    planned: tuple[TestClient, dict[str, object]],
) -> None:
    c, _ = planned
    paths = c.get("/openapi.json").json()["paths"]
    html = paths["/v1/plans/{plan_id}/report.html"]["get"]["responses"]
    xlsx = paths["/v1/plans/{plan_id}/report.xlsx"]["get"]["responses"]
    assert "text/html" in html["200"]["content"] and "404" in html
    assert XLSX in xlsx["200"]["content"] and "404" in xlsx
