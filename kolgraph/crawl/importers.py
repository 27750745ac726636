"""Importers for public edge dumps: delimited edge lists, SNAP Higgs activity, cascades.

Every importer works in two phases. **Parse** reads the whole file and
validates each row; with ``on_error="fail"`` the first bad row raises an
:class:`~kolgraph.errors.InputError` naming the file, the line and the reason,
before anything is written. With ``on_error="skip"`` bad rows go to a rejects
file (``line<TAB>reason<TAB>raw row``) and are counted. A bad row is one with
too few fields, a bad id, timestamp or weight, or bytes that are not UTF-8; a
truncated or corrupt gzip stream always raises, because the rest of the file
is unknown. **Write** then adds the
edges in batches; every write is idempotent, so importing the same file twice
changes no counts and an interrupted import is finished by running it again.
Nothing already stored is ever deleted or overwritten by an import.
"""

from __future__ import annotations

import codecs
import gzip
import math
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import BinaryIO

import numpy as np

from kolgraph.errors import InputError
from kolgraph.model import Action, EdgeType, check_platform, node_key
from kolgraph.store.base import Store

__all__ = [
    "ColumnSpec",
    "ImportReport",
    "OnError",
    "import_cascades",
    "import_edges",
    "import_higgs",
    "parse_columns",
]

Progress = Callable[[int], None]

_FIELDS = ("src", "dst", "ts", "weight", "post")
_INT64_MAX = 2**63 - 1
_HIGGS_ACTIONS = {"RT": Action.REPOST, "MT": Action.MENTION, "RE": Action.REPLY}


class OnError(str, Enum):
    """What to do with a bad row."""

    FAIL = "fail"
    SKIP = "skip"


@dataclass
class ImportReport:
    """What an import did."""

    path: str
    kind: str
    rows: int = 0
    edges: int = 0
    new_edges: int = 0
    accounts_before: int = 0
    accounts_after: int = 0
    rejected: int = 0
    rejects_path: str | None = None
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def new_accounts(self) -> int:
        return self.accounts_after - self.accounts_before

    @property
    def rate(self) -> float:
        """Edges per second over the whole import (parse + write)."""
        return self.edges / self.seconds if self.seconds > 0 else 0.0


# --------------------------------------------------------------------------- reading
def _open_binary(path: Path) -> BinaryIO:
    if not path.exists():
        raise InputError("file not found", source=str(path), hint="check the path")
    if path.is_dir():
        raise InputError("is a directory, not a file", source=str(path))
    try:
        with path.open("rb") as fh:
            magic = fh.read(2)
        if magic == b"\x1f\x8b":
            return gzip.open(path, "rb")  # type: ignore[return-value]
        return path.open("rb")
    except OSError as exc:
        raise InputError(
            f"cannot read the file ({exc.strerror or exc})",
            source=str(path),
            hint="check the file's permissions",
        ) from exc


def _lines(path: Path, rejects: _Rejects) -> Iterator[tuple[int, str]]:
    """Yield ``(line_number, stripped_line)``, skipping blanks and ``#`` comments.

    Lines are decoded one at a time, so a line that is not UTF-8 is reported
    with its own line number and is a bad row like any other (``rejects``
    raises or sets it aside). A UTF-8 byte-order mark is ignored. A truncated
    or corrupt gzip stream raises :class:`InputError` naming the first line
    that could not be read.
    """
    lineno = 0
    with _open_binary(path) as fh:
        try:
            for lineno, raw in enumerate(fh, start=1):
                if lineno == 1 and raw.startswith(codecs.BOM_UTF8):
                    raw = raw[len(codecs.BOM_UTF8) :]
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    rejects.undecodable += 1
                    rejects.bad(
                        lineno,
                        f"not UTF-8 text ({exc.reason} at byte {exc.start + 1} of the line)",
                        raw.decode("utf-8", "replace").strip(),
                        hint="convert the file to UTF-8 (e.g. with iconv), or pass --on-error skip",
                    )
                    continue
                text = line.strip()
                if text and not text.startswith("#"):
                    yield lineno, text
        except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
            raise InputError(
                f"compressed file is truncated or corrupt after line {lineno} ({exc})",
                source=str(path),
                line=lineno + 1,
                hint="download or copy the file again; `gzip -t FILE` checks it",
            ) from exc


class _Rejects:
    """Collects bad rows; raises on the first one when failing fast."""

    def __init__(self, path: Path, on_error: OnError, rejects_path: Path | None) -> None:
        self.path = path
        self.on_error = on_error
        self.rows: list[tuple[int, str, str]] = []
        self.undecodable = 0  # rejected lines that never reached an importer (not UTF-8)
        self.out = rejects_path or Path.cwd() / f"{path.name}.rejects.tsv"

    def bad(self, lineno: int, reason: str, raw: str, hint: str | None = None) -> None:
        if self.on_error is OnError.FAIL:
            raise InputError(
                reason,
                source=str(self.path),
                line=lineno,
                hint=hint or "fix the row, or pass --on-error skip to set bad rows aside",
            )
        self.rows.append((lineno, reason, raw))

    def write(self, report: ImportReport) -> None:
        report.rejected = len(self.rows)
        if not self.rows:
            return
        try:
            with self.out.open("w", encoding="utf-8") as fh:
                fh.write("line\treason\trow\n")
                for lineno, reason, raw in self.rows:
                    fh.write(f"{lineno}\t{reason}\t{raw}\n")
        except OSError as exc:
            raise InputError(
                f"cannot write the rejects file {self.out} ({exc.strerror or exc})",
                source=str(self.path),
                hint="pass --rejects with a writable path",
            ) from exc
        report.rejects_path = str(self.out)


def _split(text: str, delimiter: str | None) -> list[str]:
    if delimiter is None:
        return text.split()
    return [p.strip() for p in text.split(delimiter)]


def _resolve_delimiter(delimiter: str | None, sample: str) -> str | None:
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


# --------------------------------------------------------------------------- columns
@dataclass(frozen=True)
class ColumnSpec:
    """Where each field sits in a row: a 0-based position or a header name."""

    fields: dict[str, int | str]

    def positions(self, header: list[str] | None, source: str) -> dict[str, int]:
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
            fields[name] = int(where) if _is_uint(where) else where
    for required in ("src", "dst"):
        if required not in fields:
            raise InputError(
                f"--columns {spec!r} has no {required} column",
                hint="a mapping needs at least src and dst, e.g. --columns src,dst",
            )
    return ColumnSpec(fields)


def _is_uint(value: str) -> bool:
    """``value`` is a non-empty run of the ASCII digits 0-9 (``str.isdigit`` also takes ``²``)."""
    return value.isascii() and value.isdigit()


def _check_id(value: str, numeric: bool) -> str | None:
    """Return an error reason for a bad id, or None."""
    if not value:
        return "empty account id"
    if numeric and not _is_uint(value):
        return f"account id {value!r} is not numeric"
    if not numeric and (":" in value or any(c.isspace() for c in value)):
        return f"account id {value!r} contains ':' or whitespace"
    return None


def _parse_ts(value: str) -> int | None:
    """A timestamp (integer or decimal, truncated) that fits in 64 bits, or None."""
    try:
        ts = int(value) if _is_uint(value) else int(float(value))
    except (ValueError, OverflowError):  # not a number; inf / nan
        return None
    return ts if -_INT64_MAX <= ts <= _INT64_MAX else None


# --------------------------------------------------------------------------- writing
def _write(
    store: Store,
    edge_type: EdgeType,
    cols: dict[str, list[str] | list[int] | list[float]],
    batch_size: int,
    progress: Progress | None,
) -> int:
    src = cols["src"]
    n = len(src)
    new = 0
    for lo in range(0, n, batch_size):
        hi = min(n, lo + batch_size)
        if edge_type is EdgeType.FOLLOW:
            new += store.add_follows(src[lo:hi], cols["dst"][lo:hi])  # type: ignore[arg-type]
        else:
            new += store.add_reposts(
                src[lo:hi],  # type: ignore[arg-type]
                cols["dst"][lo:hi],  # type: ignore[arg-type]
                cols["post"][lo:hi],  # type: ignore[arg-type]
                cols["ts"][lo:hi],  # type: ignore[arg-type]
                cols["action"][lo:hi],  # type: ignore[arg-type]
                cols["weight"][lo:hi],  # type: ignore[arg-type]
            )
        if progress is not None:
            progress(hi - lo)
    return new


def _finish(
    store: Store,
    report: ImportReport,
    rejects: _Rejects,
    edge_type: EdgeType,
    cols: dict[str, list[str] | list[int] | list[float]],
    batch_size: int,
    progress: Progress | None,
    t0: float,
) -> ImportReport:
    report.edges = len(cols["src"])
    report.rows += rejects.undecodable
    if report.edges == 0:
        if rejects.rows:
            rejects.write(report)
            raise InputError(
                f"no valid rows: all {len(rejects.rows)} rows were rejected "
                f"(see {report.rejects_path})",
                source=report.path,
                hint="check the delimiter and --columns against the file",
            )
        raise InputError(
            "file has no edges (it is empty or only comments)",
            source=report.path,
            hint="check that this is the file you meant",
        )
    rejects.write(report)
    report.accounts_before = store.counts().accounts
    report.new_edges = _write(store, edge_type, cols, batch_size, progress)
    report.accounts_after = store.counts().accounts
    report.seconds = time.perf_counter() - t0
    return report


# --------------------------------------------------------------------------- importers
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
    on_error
        ``fail`` (default): the first bad row raises, nothing is written.
        ``skip``: bad rows go to ``rejects_path`` and are counted.

    Returns
    -------
    ImportReport
    """
    t0 = time.perf_counter()
    path = Path(path)
    edge_type = EdgeType(edge_type)
    on_error = OnError(on_error)
    check_platform(platform)
    spec = columns if isinstance(columns, ColumnSpec) else parse_columns(columns)
    report = ImportReport(path=str(path), kind=f"{edge_type.value} edges")
    rejects = _Rejects(path, on_error, rejects_path)

    lines = _lines(path, rejects)
    first = next(lines, None)
    cols: dict[str, list[str] | list[int] | list[float]] = {
        "src": [],
        "dst": [],
        "ts": [],
        "weight": [],
        "post": [],
        "action": [],
    }
    if first is None:
        return _finish(store, report, rejects, edge_type, cols, batch_size, progress, t0)
    sep = _resolve_delimiter(delimiter, first[1])
    first_parts = _split(first[1], sep)
    names_header = any(isinstance(w, str) for w in spec.fields.values())
    if header is None:
        header = names_header or (numeric_ids and _looks_like_header(first_parts))
    head = first_parts if header else None
    pos = spec.positions(head, str(path))
    need = max(pos.values()) + 1
    src_l: list[str] = cols["src"]  # type: ignore[assignment]
    dst_l: list[str] = cols["dst"]  # type: ignore[assignment]
    ts_l: list[int] = cols["ts"]  # type: ignore[assignment]
    w_l: list[float] = cols["weight"]  # type: ignore[assignment]
    post_l: list[str] = cols["post"]  # type: ignore[assignment]
    p_src, p_dst = pos["src"], pos["dst"]
    p_ts, p_w, p_post = pos.get("ts"), pos.get("weight"), pos.get("post")
    prefix = f"{platform}:"
    rows = [first] if not header else []
    for lineno, text in _chain(rows, lines):
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
        reason = _check_id(s, numeric_ids) or _check_id(d, numeric_ids)
        if reason:
            rejects.bad(
                lineno, reason, text, hint="pass --text-ids for non-numeric ids, or --on-error skip"
            )
            continue
        ts = 0
        if p_ts is not None:
            parsed = _parse_ts(parts[p_ts])
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
    cols["action"] = [action.value] * len(src_l)
    return _finish(store, report, rejects, edge_type, cols, batch_size, progress, t0)


def _looks_like_header(parts: list[str]) -> bool:
    """A first row whose fields are all non-numeric words is a header."""
    return len(parts) >= 2 and all(p and not p.replace(".", "").isdigit() for p in parts)


def _chain(
    first: list[tuple[int, str]], rest: Iterator[tuple[int, str]]
) -> Iterator[tuple[int, str]]:
    yield from first
    yield from rest


def import_higgs(
    store: Store,
    path: str | Path,
    *,
    platform: str = "twitter",
    actions: tuple[str, ...] = ("RT", "MT", "RE"),
    on_error: OnError | str = OnError.FAIL,
    rejects_path: Path | None = None,
    batch_size: int = 50_000,
    progress: Progress | None = None,
) -> ImportReport:
    """Import SNAP Higgs activity rows ``userA userB unix_ts RT|MT|RE``.

    Each row becomes a repost edge ``userA → userB`` (A acted on B) with the
    action ``repost`` (RT), ``mention`` (MT) or ``reply`` (RE). The dump has no
    post ids, so an edge is identified by ``(A, B, ts, action)``.
    """
    t0 = time.perf_counter()
    path = Path(path)
    on_error = OnError(on_error)
    check_platform(platform)
    unknown = set(actions) - set(_HIGGS_ACTIONS)
    if unknown:
        raise InputError(f"unknown Higgs action(s) {sorted(unknown)}", hint="use RT, MT and/or RE")
    keep = {a: _HIGGS_ACTIONS[a].value for a in actions}
    report = ImportReport(path=str(path), kind="higgs activity")
    rejects = _Rejects(path, on_error, rejects_path)
    src_l: list[str] = []
    dst_l: list[str] = []
    ts_l: list[int] = []
    act_l: list[str] = []
    prefix = f"{platform}:"
    for lineno, text in _lines(path, rejects):
        report.rows += 1
        parts = text.split()
        if len(parts) != 4:
            rejects.bad(
                lineno,
                f"expected 4 fields (userA userB unix_ts RT|MT|RE), found {len(parts)}",
                text,
            )
            continue
        a, b, ts_s, act = parts
        reason = _check_id(a, True) or _check_id(b, True)
        if reason:
            rejects.bad(lineno, reason, text)
            continue
        if not _is_uint(ts_s) or int(ts_s) > _INT64_MAX:
            rejects.bad(lineno, f"timestamp {ts_s!r} is not a unix time", text)
            continue
        if act not in _HIGGS_ACTIONS:
            rejects.bad(lineno, f"action {act!r} is not one of RT, MT, RE", text)
            continue
        if act not in keep:
            continue
        src_l.append(prefix + a)
        dst_l.append(prefix + b)
        ts_l.append(int(ts_s))
        act_l.append(keep[act])
    n = len(src_l)
    cols: dict[str, list[str] | list[int] | list[float]] = {
        "src": src_l,
        "dst": dst_l,
        "ts": ts_l,
        "action": act_l,
        "post": [""] * n,
        "weight": [1.0] * n,
    }
    return _finish(store, report, rejects, EdgeType.REPOST, cols, batch_size, progress, t0)


def _parse_cascade_line(text: str) -> tuple[str | None, list[tuple[str, str]]]:
    """Return (cascade id or None, [(uid, ts), ...]) for either cascade format."""
    if "," in text:  # douban: "uid ts,uid ts,..."
        pairs = []
        for item in text.split(","):
            item = item.strip()
            if not item:
                continue
            bits = item.split()
            if len(bits) != 2:
                raise ValueError(f"adoption {item!r} is not 'uid ts'")
            pairs.append((bits[0], bits[1]))
        return None, pairs
    bits = text.split()
    if len(bits) == 2:
        return None, [(bits[0], bits[1])]
    if len(bits) % 2 == 1 and len(bits) >= 3:  # topo-lstm: "root uid ts uid ts ..."
        return bits[0], [(bits[i], bits[i + 1]) for i in range(1, len(bits), 2)]
    raise ValueError(
        f"{len(bits)} fields: expected 'uid ts,uid ts,...' or 'query uid ts uid ts ...'"
    )


def import_cascades(
    store: Store,
    path: str | Path,
    *,
    platform: str = "douban",
    on_error: OnError | str = OnError.FAIL,
    rejects_path: Path | None = None,
    batch_size: int = 50_000,
    progress: Progress | None = None,
) -> ImportReport:
    """Import adoption cascades as repost edges.

    Two line formats are read: ``uid ts,uid ts,...`` (Douban) and
    ``root uid ts uid ts ...`` (Topo-LSTM Twitter cascades, whose first field is
    the cascade's source user, listed without a time: it is taken to post at
    the first listed time). Within a cascade adopters are taken in time order.
    Each adopter after the first becomes a reposter of the **most recent earlier
    adopter it follows** (follow edges already in the store), or of the first
    adopter when it follows none of them. All edges of a cascade share the post
    id ``"<root uid>@<root ts>"``, so re-importing adds nothing.

    Import follow edges first: linking uses them.
    """
    t0 = time.perf_counter()
    path = Path(path)
    on_error = OnError(on_error)
    check_platform(platform)
    report = ImportReport(path=str(path), kind="cascades")
    rejects = _Rejects(path, on_error, rejects_path)
    cascades: list[tuple[str | None, list[tuple[str, int]]]] = []
    for lineno, text in _lines(path, rejects):
        report.rows += 1
        try:
            cid, pairs = _parse_cascade_line(text)
        except ValueError as exc:
            rejects.bad(lineno, str(exc), text[:200])
            continue
        bad = None if cid is None else _check_id(cid, True)
        if bad:
            rejects.bad(lineno, f"source user: {bad}", text[:200])
            continue
        parsed: list[tuple[str, int]] = []
        for uid, ts_s in pairs:
            bad = _check_id(uid, True)
            ts = _parse_ts(ts_s)
            if bad is None and ts is None:
                bad = f"timestamp {ts_s!r} is not a number in the 64-bit range"
            if bad:
                break
            parsed.append((uid, ts))  # type: ignore[arg-type]
        if bad:
            rejects.bad(lineno, bad, text[:200])
            continue
        if cid is not None and parsed:  # the source user posts first
            parsed.insert(0, (cid, min(t for _, t in parsed)))
        if len(parsed) >= 2:
            cascades.append((None, parsed))

    follows = _follow_lookup(store, platform, {u for _, c in cascades for u, _ in c})
    src_l: list[str] = []
    dst_l: list[str] = []
    ts_l: list[int] = []
    post_l: list[str] = []
    linked = 0
    prefix = f"{platform}:"
    for cid, adopters in cascades:
        adopters.sort(key=lambda p: p[1])
        root_uid, root_ts = adopters[0]
        post = f"{cid if cid is not None else root_uid}@{root_ts}"
        position: dict[str, int] = {root_uid: 0}
        for i, (uid, ts) in enumerate(adopters[1:], start=1):
            if uid in position:
                continue  # an adopter counts once per cascade
            parent = root_uid
            best = -1
            for followed in follows.get(uid, ()):
                p = position.get(followed, -1)
                if p > best:
                    best, parent = p, followed
            if best >= 0:
                linked += 1
            position[uid] = i
            if parent == uid:
                continue
            src_l.append(prefix + uid)
            dst_l.append(prefix + parent)
            ts_l.append(ts)
            post_l.append(post)
    n = len(src_l)
    report.notes.append(
        f"{len(cascades)} cascades; {linked} of {n} adoptions linked through a follow edge, "
        "the rest to the cascade's first adopter"
    )
    cols: dict[str, list[str] | list[int] | list[float]] = {
        "src": src_l,
        "dst": dst_l,
        "ts": ts_l,
        "post": post_l,
        "action": [Action.REPOST.value] * n,
        "weight": [1.0] * n,
    }
    return _finish(store, report, rejects, EdgeType.REPOST, cols, batch_size, progress, t0)


def _follow_lookup(store: Store, platform: str, uids: set[str]) -> dict[str, list[str]]:
    """Accounts each of ``uids`` follows (raw ids), from the store's follow edges."""
    if not uids or store.counts().follows == 0:
        return {}
    uid_list = sorted(uids)
    idx = store.keys_to_index([node_key(platform, u) for u in uid_list])
    known = idx >= 0
    if not known.any():
        return {}
    g = store.graph_arrays()
    index_to_uid = dict(
        zip(
            idx[known].tolist(), (u for u, k in zip(uid_list, known, strict=True) if k), strict=True
        )
    )
    mask = np.zeros(g.n_nodes, dtype=bool)
    mask[idx[known]] = True
    sel = mask[g.follow_src] & mask[g.follow_dst]
    out: dict[str, list[str]] = {}
    for s, d in zip(g.follow_src[sel].tolist(), g.follow_dst[sel].tolist(), strict=True):
        out.setdefault(index_to_uid[s], []).append(index_to_uid[d])
    return out
