"""Cypher files load by name, are parameterized, and ship inside the wheel."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from kolgraph.errors import NotFound
from kolgraph.model import Kind
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


def _grass_rules() -> dict[str, dict[str, str]]:
    """The rules of ``cypher/browser/kolgraph.grass``: selector → {property: value}."""
    text = (ROOT / "cypher" / "browser" / "kolgraph.grass").read_text()
    rules: dict[str, dict[str, str]] = {}
    for selector, body in re.findall(r"^([\w.]+) \{\n(.*?)^\}$", text, re.M | re.S):
        pairs = (line.strip().rstrip(";").split(":", 1) for line in body.splitlines())
        rules[selector] = {k.strip(): v.strip() for k, v in pairs}
    return rules


def test_browser_style_gives_every_kind_its_own_colour_and_caption() -> None:
    rules = _grass_rules()
    kinds = [rules[f"node.{k.label}"] for k in Kind]  # KOL, Media, Own, Partner, User
    colours = [r["color"] for r in kinds]
    assert len(set(colours)) == len(colours)
    assert rules["node.Partner"]["caption"] == "'{name}'"
    assert rules["node.Partner"]["color"] == "#57C7E3"
    assert rules["node.User"]["caption"] == "'{key}'"
    others = {
        r["color"]
        for sel, r in rules.items()
        if sel.startswith("node.") and sel not in {f"node.{k.label}" for k in Kind}
    }
    assert not set(colours) & others  # no kind shares its colour with another node rule


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
