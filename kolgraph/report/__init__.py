"""Kept plans as documents a strategist can send: one self-contained HTML page, a workbook.

Layer 5, beside :mod:`kolgraph.schemas`: reads a kept plan's JSON
(:class:`~kolgraph.schemas.plans.PlanResponse`) from the store and counts the overlap of
its accounts again (:mod:`kolgraph.audience.overlap`).

* :mod:`~kolgraph.report.html`: the report page (:func:`plan_report_html`; the pure
  :func:`render_report` needs no store), Jinja2 templates in ``templates/``;
* :mod:`~kolgraph.report.charts`: its Plotly charts;
* :mod:`~kolgraph.report.xlsx`: the workbook (:func:`write_plan_xlsx`);
* :mod:`~kolgraph.report.overlap`: the plan's Jaccard matrix, exact or from the kept pairs;
* :mod:`~kolgraph.report.kept`, :mod:`~kolgraph.report.files`: reading a kept plan,
  writing a file whole.
"""

from kolgraph.report.html import plan_report_html, render_report, write_plan_html
from kolgraph.report.xlsx import XLSX_MEDIA_TYPE, plan_xlsx_bytes, write_plan_xlsx

__all__ = [
    "XLSX_MEDIA_TYPE",
    "plan_report_html",
    "plan_xlsx_bytes",
    "render_report",
    "write_plan_html",
    "write_plan_xlsx",
]
