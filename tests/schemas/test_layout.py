"""The schemas are the bottom of the import graph: they import no module that imports them."""

from __future__ import annotations

import networkx as nx

from kolgraph.schemas.accounts import AccountsPage
from kolgraph.schemas.common import ErrorDetail, ErrorOut, Page
from kolgraph.schemas.crawls import CrawlsPage
from tests.test_layout import import_graph


def test_no_schema_imports_back_a_module_that_imports_the_schemas() -> None:
    graph = import_graph()
    schemas = {m for m in graph if m == "kolgraph.schemas" or m.startswith("kolgraph.schemas.")}
    users = {a for a, b in graph.edges if b in schemas and a not in schemas}
    assert users, "the API, the CLI and the planner import the schemas"
    below = set().union(*(nx.descendants(graph, s) for s in schemas)) - schemas
    assert below & users == set(), f"the schemas import modules that import them: {below & users}"
    assert not any(m.startswith(("kolgraph.api", "kolgraph.cli")) for m in below)


def test_pages_are_data_count_and_next_under_their_own_name() -> None:
    assert list(Page[int].model_fields) == ["data", "count", "next"]
    assert list(CrawlsPage.model_fields) == ["data", "count", "next"]
    assert list(AccountsPage.model_fields) == ["data", "count", "next", "limit", "offset"]
    assert AccountsPage.model_json_schema()["title"] == "AccountsPage"


def test_an_error_is_its_code_message_hint_and_field() -> None:
    err = ErrorOut(error=ErrorDetail(code="not_found", message="no plan 'x'"))
    assert err.model_dump() == {
        "error": {"code": "not_found", "message": "no plan 'x'", "hint": None, "field": None}
    }
