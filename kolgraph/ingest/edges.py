"""Importing delimited edge lists: follower or repost edges in CSV, TSV or whitespace.

:func:`import_edges` reads one edge a row, with its fields placed by
:func:`parse_columns` (``src``, ``dst`` and optionally ``ts``, ``weight`` and
``post``). The delimiter and a header row are detected from the first row
unless given.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from pathlib import Path

from kolgraph.errors import InputError
from kolgraph.ingest.read import check_id, is_uint, parse_ts
from kolgraph.ingest.report import ImportReport, OnError
from kolgraph.ingest.run import EdgeColumns, ImportRun, Progress
from kolgraph.model import Action, EdgeType
from kolgraph.store.base import Store

__all__ = ["ColumnSpec", "import_edges", "parse_columns"]

_FIELDS = ("src", "dst", "ts", "weight", "post")


@dataclass(frozen=True)
class ColumnSpec:
    """Where each field sits in a row: a 0-based position or a header name."""

    fields: dict[str, int | str]

    def positions(self, header: list[str] | None, source: str) -> dict[str, int]:
        """The 0-based position of every field, header names looked up in ``header``.

        Raises
        ------
        InputError
            If a named column is not in the header (or the file has none).
        """
        out: dict[str, int] = {}
        for name, where in self.fields.items():
            if isinstance(where, int):
                out[name] = where
                continue
            if header is None or where not in header:
                raise InputError(
                    f"column {where!r} (for {name}) is not in the header "
                    f"{header if header is not None else '(file has no header row)'}",
                    source=source,
                    line=1,
                    hint="name a header column, or give positions such as --columns src,dst,ts",
                )
            out[name] = header.index(where)
        return out


def parse_columns(spec: str | None) -> ColumnSpec:
    """Parse ``--columns``.

    ``"src,dst,ts"`` names the fields in file order (use ``_`` to skip a
    column); ``"src=follower,dst=followed"`` picks header columns by name and
    ``"src=2,dst=0"`` by 0-based position.

    Examples
    --------
    >>> parse_columns("_,src,dst").fields
    {'src': 1, 'dst': 2}
    >>> parse_columns("dst=followed,src=follower").fields
    {'dst': 'followed', 'src': 'follower'}
    """
    if spec is None or not spec.strip():
        return ColumnSpec({"src": 0, "dst": 1})
    fields: dict[str, int | str] = {}
    for pos, part in enumerate(p.strip() for p in spec.split(",")):
        name, eq, where = part.partition("=")
        name = name.strip()
        if name == "_" and not eq:
            continue
        if name not in _FIELDS:
            raise InputError(
                f"unknown column {name!r} in --columns {spec!r}",
                hint=f"fields are {', '.join(_FIELDS)} (and _ to skip a column)",
            )
        if name in fields:
            raise InputError(f"column {name!r} appears twice in --columns {spec!r}")
        if not eq:
            fields[name] = pos
        else:
            where = where.strip()
            fields[name] = int(where) if is_uint(where) else where
    for required in ("src", "dst"):
        if required not in fields:
            raise InputError(
                f"--columns {spec!r} has no {required} column",
                hint="a mapping needs at least src and dst, e.g. --columns src,dst",
            )
    return ColumnSpec(fields)


def _split(text: str, delimiter: str | None) -> list[str]:
    if delimiter is None:
        return text.split()
    return [p.strip() for p in text.split(delimiter)]


def _resolve_delimiter(delimiter: str | None, sample: str) -> str | None:
    """The delimiter character (None: runs of whitespace); ``auto`` looks at ``sample``."""
    names = {"tab": "\t", "\\t": "\t", "comma": ",", "space": None, "whitespace": None}
    if delimiter is None or delimiter == "auto":
        if "\t" in sample:
            return "\t"
        if "," in sample:
            return ","
        if ";" in sample:
            return ";"
        return None
    if delimiter in names:
        return names[delimiter]
    if len(delimiter) != 1:
        raise InputError(
            f"delimiter {delimiter!r} is not one character",
            hint="use a single character, or one of: auto, tab, comma, space",
        )
    return delimiter


def _looks_like_header(parts: list[str]) -> bool:
    """A first row whose fields are all non-numeric words is a header."""
    return len(parts) >= 2 and all(p and not p.replace(".", "").isdigit() for p in parts)


def import_edges(
    store: Store,
    path: str | Path,
    *,
    edge_type: EdgeType | str = EdgeType.FOLLOW,
    platform: str = "twitter",
    delimiter: str | None = None,
    columns: str | ColumnSpec | None = None,
    header: bool | None = None,
    numeric_ids: bool = True,
    action: Action = Action.REPOST,
    on_error: OnError | str = OnError.FAIL,
    rejects_path: Path | None = None,
    batch_size: int = 50_000,
    progress: Progress | None = None,
) -> ImportReport:
    """Import a delimited edge list (CSV, TSV or whitespace; gzip or plain).

    Parameters
    ----------
    store
        Where the edges go.
    path
        The file; gzip is detected from its first bytes, not its name.
    edge_type
        ``follow`` (src follows dst) or ``repost`` (src reposted dst).
    platform
        Platform of every account in the file; keys become ``platform:id``.
    delimiter
        One character, ``tab``, ``comma``, ``space`` or ``auto`` (default:
        detected from the first row).
    columns
        Field mapping, see :func:`parse_columns`. Default ``src,dst``.
    header
        Whether the first row is a header. ``None`` (default) means: a header
        if a mapping names header columns, or if the first row's ids are not
        numeric while ``numeric_ids`` is set.
    numeric_ids
        Require numeric account ids (true for Weibo, X, Bilibili user ids).
    action
        The action of every repost edge.
    on_error
        ``fail`` (default): the first bad row raises, nothing is written.
        ``skip``: bad rows go to ``rejects_path`` and are counted.
    rejects_path
        Where skipped rows go; default ``./<file name>.rejects.tsv``.
    batch_size
        Edges per store call.
    progress
        Called after each batch with its number of edges.

    Returns
    -------
    ImportReport
    """
    edge_type = EdgeType(edge_type)
    run = ImportRun.start(
        path,
        f"{edge_type.value} edges",
        platform=platform,
        on_error=on_error,
        rejects_path=rejects_path,
    )
    spec = columns if isinstance(columns, ColumnSpec) else parse_columns(columns)
    report, rejects = run.report, run.rejects

    lines = run.lines()
    first = next(lines, None)
    cols = EdgeColumns()
    if first is None:
        return run.finish(store, edge_type, cols, batch_size=batch_size, progress=progress)
    sep = _resolve_delimiter(delimiter, first[1])
    first_parts = _split(first[1], sep)
    names_header = any(isinstance(w, str) for w in spec.fields.values())
    if header is None:
        header = names_header or (numeric_ids and _looks_like_header(first_parts))
    head = first_parts if header else None
    pos = spec.positions(head, report.path)
    need = max(pos.values()) + 1
    src_l, dst_l, ts_l, w_l, post_l = cols.src, cols.dst, cols.ts, cols.weight, cols.post
    p_src, p_dst = pos["src"], pos["dst"]
    p_ts, p_w, p_post = pos.get("ts"), pos.get("weight"), pos.get("post")
    prefix = f"{platform}:"
    rows = [first] if not header else []
    for lineno, text in itertools.chain(rows, lines):
        report.rows += 1
        parts = _split(text, sep)
        if len(parts) < need:
            rejects.bad(
                lineno,
                f"expected at least {need} fields ({', '.join(sorted(pos, key=pos.__getitem__))}), "
                f"found {len(parts)}",
                text,
                hint="check --delimiter and --columns, or pass --on-error skip",
            )
            continue
        s, d = parts[p_src], parts[p_dst]
        reason = check_id(s, numeric_ids) or check_id(d, numeric_ids)
        if reason:
            rejects.bad(
                lineno, reason, text, hint="pass --text-ids for non-numeric ids, or --on-error skip"
            )
            continue
        ts = 0
        if p_ts is not None:
            parsed = parse_ts(parts[p_ts])
            if parsed is None:
                rejects.bad(
                    lineno, f"timestamp {parts[p_ts]!r} is not a number in the 64-bit range", text
                )
                continue
            ts = parsed
        weight = 1.0
        if p_w is not None:
            try:
                weight = float(parts[p_w])
            except ValueError:
                rejects.bad(lineno, f"weight {parts[p_w]!r} is not a number", text)
                continue
            if not (math.isfinite(weight) and weight > 0):
                rejects.bad(lineno, f"weight {parts[p_w]!r} must be a positive finite number", text)
                continue
        src_l.append(prefix + s)
        dst_l.append(prefix + d)
        ts_l.append(ts)
        w_l.append(weight)
        post_l.append(parts[p_post] if p_post is not None else "")
    cols.action = [action.value] * len(src_l)
    return run.finish(store, edge_type, cols, batch_size=batch_size, progress=progress)
