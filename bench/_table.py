"""A markdown table on stdout, shared by the benchmark scripts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def print_table(title: str, rows: list[dict[str, Any]], fmt: Callable[[Any], str]) -> None:
    """Print ``rows`` (dicts with the same keys) under ``## title``; ``fmt`` renders a cell."""
    print(f"\n## {title}\n")
    cols = list(rows[0])
    cells = [[fmt(r[c]) for c in cols] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(cols)]
    print("| " + " | ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in cells:
        print("| " + " | ".join(v.rjust(w) for v, w in zip(row, widths, strict=True)) + " |")
