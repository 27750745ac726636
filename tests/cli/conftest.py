"""CLI fixtures: a small store imported through the command line."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path

import pytest

from kolgraph.settings import get_settings

from .helpers import kolgraph


@pytest.fixture(autouse=True)
def fresh_settings() -> Iterator[None]:
    """Every command reads the environment afresh, as a new ``kolgraph`` process does."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Messages on stderr are not folded at 80 columns, as in a wide terminal.

    An error names its file by full path, and a path longer than the line (a pytest-xdist
    worker's ``tmp_path`` has one more folder) is folded inside the file name.
    """
    from kolgraph.cli.common import console

    monkeypatch.setattr(console, "width", 250)


@pytest.fixture
def world(tmp_path: Path) -> Path:
    """A small follow graph + reposts + account metadata, imported through the CLI."""
    db = tmp_path / "k.db"
    edges = tmp_path / "follows.csv"
    lines = ["follower,followed"]
    for u in range(40):
        for v in (100, 101, 102, 103):
            if (u + v) % 3:
                lines.append(f"{u},{v}")
        lines.append(f"{u},{200 + u % 5}")
    edges.write_text("\n".join(lines) + "\n")
    code, _, err = kolgraph(
        "import",
        "edges",
        str(edges),
        "--type",
        "follow",
        "--platform",
        "x",
        "--columns",
        "src=follower,dst=followed",
        "--db",
        str(db),
    )
    assert code == 0, err
    reposts = tmp_path / "reposts.tsv.gz"
    with gzip.open(reposts, "wt") as fh:
        fh.write("1\t100\t1700000000\n2\t100\t1700000100\n3\t101\t1700000200\n")
    code, _, err = kolgraph(
        "import",
        "edges",
        str(reposts),
        "--type",
        "repost",
        "--platform",
        "x",
        "--columns",
        "src,dst,ts",
        "--db",
        str(db),
    )
    assert code == 0, err
    meta = tmp_path / "accounts.csv"
    meta.write_text(
        "key,name,kind,followers,cost\n"
        "x:100,Big KOL,kol,5000,300\nx:101,Mid KOL,kol,3000,150\nx:102,News Daily,media,8000,400\n"
        "x:103,Brand,own,1000,\nx:200,Small KOL,kol,200,40\n"
    )
    code, out, err = kolgraph("import", "accounts", str(meta), "--db", str(db))
    assert code == 0, err
    assert "5 accounts read" in out
    return db
