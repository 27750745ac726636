"""Load Cypher statements from ``cypher/*.cypher`` by name.

In an installed wheel the files live in the package (``kolgraph/cypher/``);
in a source checkout (editable install) they are read from the repository's
top-level ``cypher/`` folder. Names are whitelisted to ``[a-z0-9_/]`` so no
path from user input can reach the file system.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from pathlib import Path

from kolgraph.errors import NotFound

__all__ = ["cypher_dir", "load", "names", "statements"]

_NAME_RE = re.compile(r"^[a-z0-9_]+(/[a-z0-9_]+)*$")


@cache
def cypher_dir() -> Path:
    """The directory holding the ``.cypher`` files."""
    packaged = resources.files("kolgraph") / "cypher"
    if packaged.is_dir():
        return Path(str(packaged))
    source = Path(__file__).resolve().parents[2] / "cypher"
    if source.is_dir():
        return source
    raise NotFound(
        "the cypher/ query folder is missing from this installation",
        hint="reinstall kolgraph (pip install kolgraph) or run from a full source checkout",
    )


def names() -> list[str]:
    """All query names, e.g. ``["schema", "load_accounts", ...]``."""
    root = cypher_dir()
    return sorted(str(p.relative_to(root).with_suffix("")) for p in root.rglob("*.cypher"))


@cache
def load(name: str) -> str:
    """The text of ``cypher/<name>.cypher``.

    Raises
    ------
    NotFound
        If no such query exists.
    """
    if not _NAME_RE.match(name):
        raise NotFound(f"invalid query name {name!r}")
    path = cypher_dir() / f"{name}.cypher"
    if not path.is_file():
        raise NotFound(f"no Cypher query named {name!r}", hint=f"known: {', '.join(names())}")
    return path.read_text(encoding="utf-8")


def statements(name: str) -> list[str]:
    """The statements of a multi-statement file, split on ``;`` at line ends.

    ``//`` comment lines are dropped.
    """
    text = "\n".join(line for line in load(name).splitlines() if not line.lstrip().startswith("//"))
    return [s.strip() for s in re.split(r";\s*(?:\n|$)", text) if s.strip()]
