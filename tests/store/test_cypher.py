"""Cypher files load by name, are parameterized, and ship inside the wheel."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from kolgraph.errors import NotFound
from kolgraph.store import cypher

ROOT = Path(__file__).resolve().parents[2]


def test_every_file_loads_and_has_no_inlined_values() -> None:
    assert "schema" in cypher.names()
    for name in cypher.names():
        text = cypher.load(name)
        assert text.strip(), name
        body = "\n".join(x for x in text.splitlines() if not x.lstrip().startswith("//"))
        # values come in as $parameters, never as quoted literals spliced into the text
        assert not re.search(r"'[^']*'|\"[^\"]*\"", body), f"{name} has a string literal"


def test_schema_statements_are_idempotent() -> None:
    stmts = cypher.statements("schema")
    assert stmts and all("IF NOT EXISTS" in s for s in stmts)


def test_unknown_and_unsafe_names() -> None:
    with pytest.raises(NotFound):
        cypher.load("nope")
    with pytest.raises(NotFound):
        cypher.load("../pyproject")


def test_wheel_ships_cypher(tmp_path: Path) -> None:
    pytest.importorskip("hatchling")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    wheel = next(tmp_path.glob("kolgraph-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "kolgraph/cypher/schema.cypher" in names
    assert "kolgraph/py.typed" in names
