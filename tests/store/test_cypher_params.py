"""Every call of a named Cypher query passes exactly the parameters the file uses.

A static check over the modules that talk to Neo4j: for each ``execute("name", ...)``,
``execute_batches("name", rows, ...)``, ``repeat("name", column, ...)``, ``frame("name",
...)``, ``query("name", ...)`` and ``tx.run(cypher.load("name"), ...)``, the keyword
arguments must equal the file's ``$parameters`` (``execute_batches`` passes ``$rows``
itself; when the call spreads a ``**mapping``, the explicit keywords must at least be
parameters of the file). This catches the bug a Neo4j-less machine cannot: a query that
would fail at run time on a missing or misspelt parameter.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from kolgraph.store import cypher

ROOT = Path(__file__).resolve().parents[2]
#: Modules that run named queries: every ``neo4j*.py`` / ``gds*.py`` module of the package.
MODULES = sorted(
    p for p in (ROOT / "kolgraph").rglob("*.py") if p.name.startswith(("neo4j", "gds"))
)
DIRECT = {"execute", "execute_batches", "repeat", "frame", "query"}
RESERVED = {"read"}  # keyword of execute / query itself, not a query parameter
#: Parameters a helper passes itself.
IMPLIED = {"execute_batches": {"rows"}}


def _params(name: str) -> set[str]:
    text = "\n".join(
        ln for ln in cypher.load(name).splitlines() if not ln.lstrip().startswith("//")
    )
    return set(re.findall(r"\$([A-Za-z_][A-Za-z0-9_]*)", text))


def _calls() -> list[tuple[str, int, str, set[str], bool]]:
    found = []
    for path in MODULES:
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            fname = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            first = node.args[0]
            name = None
            if fname in DIRECT and isinstance(first, ast.Constant) and isinstance(first.value, str):
                name = first.value
            elif (
                fname == "run"
                and isinstance(first, ast.Call)
                and isinstance(first.func, ast.Attribute)
                and first.func.attr == "load"
                and first.args
                and isinstance(first.args[0], ast.Constant)
            ):
                name = str(first.args[0].value)
            if name is None:
                continue
            kws = {k.arg for k in node.keywords if k.arg is not None} - RESERVED
            kws |= IMPLIED.get(fname, set())
            spread = any(k.arg is None for k in node.keywords)
            found.append((path.name, node.lineno, name, kws, spread))
    return found


CALLS = _calls()


def test_calls_were_found() -> None:
    assert {p.name for p in MODULES} >= {"neo4j.py", "neo4j_crawl.py", "neo4j_runs.py"}
    assert len(CALLS) > 30
    assert {c[2] for c in CALLS} >= {"load_follows", "publish_run", "gds/project"}


@pytest.mark.parametrize(("module", "line", "name", "given", "spread"), CALLS)
def test_parameters_match(module: str, line: int, name: str, given: set[str], spread: bool) -> None:
    wanted = _params(name)
    where = f"{module}:{line} → cypher/{name}.cypher"
    assert given <= wanted, f"{where}: passes unknown parameters {sorted(given - wanted)}"
    if not spread:
        assert wanted <= given, f"{where}: misses parameters {sorted(wanted - given)}"


def test_every_query_file_is_used() -> None:
    used = {c[2] for c in CALLS} | {"schema"}
    # spark/* run inside the Neo4j Connector for Spark, which the Spark engine hands them to
    spark_source = (ROOT / "kolgraph" / "rank" / "spark" / "source.py").read_text()
    used |= {n for n in cypher.names() if n.startswith("spark/") and f'"{n}"' in spark_source}
    unused = {n for n in cypher.names() if not n.startswith(("browser/", "bench/"))} - used
    assert not unused, f"query files nobody runs: {sorted(unused)}"
