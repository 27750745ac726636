"""Every .cypher file passes Neo4j's own Cypher parser and semantic analysis.

Uses ``@neo4j-cypher/language-support`` (npm, pinned in ``tools/cypher-lint``), installed
on first use. Skipped when Node.js / npm are missing or the install fails, except under
``CI=true``, where either is a failure (CI's machine has Node.js 20 and npm).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from ci_env import skip_or_fail

#: npm install on first use, then Node.js parses every file: seconds, not milliseconds
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
TOOL = ROOT / "tools" / "cypher-lint"


@pytest.fixture(scope="module")
def linter() -> Path:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        skip_or_fail("Node.js and npm are needed for the Cypher linter")
    if not (TOOL / "node_modules" / "@neo4j-cypher" / "language-support").is_dir():
        res = subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--silent"],
            cwd=TOOL,
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )
        if res.returncode != 0:
            skip_or_fail(f"could not install the Cypher linter: {res.stderr[-500:]}")
    return TOOL / "lint.js"


def _files() -> list[Path]:
    return sorted((ROOT / "cypher").rglob("*.cypher"))


def test_linter_catches_errors(linter: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.cypher"
    bad.write_text("MATCH (n) RETRUN n\n")
    res = subprocess.run(["node", str(linter), str(bad)], capture_output=True, text=True)
    assert res.returncode == 1 and "RETRUN" in res.stdout


def test_every_query_file_is_valid_cypher(linter: Path) -> None:
    files = _files()
    assert len(files) > 10
    res = subprocess.run(
        ["node", str(linter), *map(str, files)], capture_output=True, text=True, check=False
    )
    assert res.returncode == 0, res.stdout + res.stderr
