"""Export a store as CSV files for ``neo4j-admin database import full`` (Neo4j 5.x).

A first load of a large graph into Neo4j is fastest offline: ``neo4j-admin
database import full`` writes the store files directly from CSV, orders of
magnitude faster than transactional ``UNWIND`` batches.
:func:`export_neo4j_import` writes those CSV files from any
:class:`~kolgraph.store.base.Store` (typically the embedded SQLite store) and
returns the exact command line that imports them.

Files
-----
One header file and one or more data files per input group, so data files can
be split or gzipped without touching the header (the importer reads
``header,data1,data2,...`` as one logical file)::

    accounts_header.csv   key:ID(Account),platform:string,id:string,idx:long,name:string,
                          kind:string,followers:long,cost:double,:LABEL
    accounts_0000.csv     one row per account; :LABEL is "Account;KOL" etc.
    meta_header.csv       id:long,next_idx:long,epoch:long,:LABEL
    meta_0000.csv         the KolgraphMeta node: 0,<number of accounts>,<epoch>,KolgraphMeta
    follows_header.csv    :START_ID(Account),:END_ID(Account)
    follows_0000.csv      follower → followed; type FOLLOWS comes from the command line
    reposts_header.csv    :START_ID(Account),:END_ID(Account),post_id:string,at:long,
                          action:string,weight:double
    reposts_0000.csv      reposter → author; type REPOSTED from the command line
    README.txt            the import steps

The graph is the one ``cypher/README.md`` describes: ``idx`` is the row's
position in :meth:`~kolgraph.store.base.Store.accounts_frame` (the dense
index), and ``KolgraphMeta.next_idx`` is the number of accounts, so the Neo4j
store continues numbering after a bulk load. Indexes and constraints are not
part of the import; the Neo4j store creates them (``cypher/schema.cypher``)
when it first connects.

Quoting
-------
RFC 4180 as the importer reads it (``--quote`` default ``"``; inner quotes
doubled; no backslash escapes). Text properties are always quoted, so names
keep commas, quotes, leading or trailing spaces and newlines, and an empty
name is written ``""`` (an empty string). A missing number is an empty,
unquoted field, which the importer stores as no property. Node keys on edges
are quoted only when some key needs it. When any text contains a line break
the command carries ``--multiline-fields=true`` (slower; off otherwise).
"""

from __future__ import annotations

import gzip
import re
import shlex
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO

import numpy as np
import numpy.typing as npt
import pandas as pd

from kolgraph.errors import InputError, StoreError
from kolgraph.model import EdgeType, Kind
from kolgraph.store.base import Store

__all__ = ["BulkExport", "export_neo4j_import"]

ID_SPACE = "Account"
GROUPS = ("accounts", "meta", "follows", "reposts")
HEADERS: dict[str, list[str]] = {
    "accounts": [
        f"key:ID({ID_SPACE})",
        "platform:string",
        "id:string",
        "idx:long",
        "name:string",
        "kind:string",
        "followers:long",
        "cost:double",
        ":LABEL",
    ],
    "meta": ["id:long", "next_idx:long", "epoch:long", ":LABEL"],
    "follows": [f":START_ID({ID_SPACE})", f":END_ID({ID_SPACE})"],
    "reposts": [
        f":START_ID({ID_SPACE})",
        f":END_ID({ID_SPACE})",
        "post_id:string",
        "at:long",
        "action:string",
        "weight:double",
    ],
}
REL_TYPES = {"follows": "FOLLOWS", "reposts": "REPOSTED"}

_LABELS = {k.value: f"Account;{k.label}" for k in Kind}
_NEEDS_QUOTES = re.compile(r'[",\r\n]|^\s|\s$')
_OWN_FILE = re.compile(r"^(accounts|meta|follows|reposts)_(header|\d{4,})\.csv(\.gz)?$")
# database names: letters, digits, dots and dashes, 3 to 63 characters (Operations Manual)
_DB_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]{2,62}$")
# neo4j-admin splits a file group on commas and reads each name as a regular expression
_UNSAFE_PATH = re.compile(r"[,\[\](){}*+?^$|\\\s'\"]")

ObjArray = npt.NDArray[np.object_]


@dataclass(frozen=True)
class BulkExport:
    """What :func:`export_neo4j_import` wrote and how to import it.

    Attributes
    ----------
    out_dir
        The directory holding the files.
    files
        Files per input group (``accounts``, ``meta``, ``follows``,
        ``reposts``), header first, then the data parts in order; ``readme``
        holds ``README.txt``. A group with no rows has only its header.
    counts
        Rows written per group (``meta`` is always 1).
    seconds
        Wall time of the export.
    command
        The ``neo4j-admin database import full ...`` command line for these
        files, with paths as the importer sees them (``container_dir``).
    database
        The database the command imports into.
    multiline_fields
        Whether some text contains a line break (the command then passes
        ``--multiline-fields=true``).
    """

    out_dir: Path
    files: dict[str, list[Path]]
    counts: dict[str, int]
    seconds: float
    command: str
    database: str
    multiline_fields: bool
    rate: float = field(init=False)

    def __post_init__(self) -> None:
        rows = sum(self.counts.values())
        object.__setattr__(self, "rate", rows / self.seconds if self.seconds > 0 else 0.0)

    @property
    def rows(self) -> int:
        """Rows written in all groups."""
        return sum(self.counts.values())


def export_neo4j_import(
    store: Store,
    out_dir: Path,
    *,
    batch_size: int = 500_000,
    progress: Callable[[int], None] | None = None,
    database: str = "neo4j",
    container_dir: str | None = None,
    rows_per_file: int | None = None,
    compress: bool = False,
    epoch: int = 0,
    follows_from_arrays: bool = True,
) -> BulkExport:
    """Write ``store`` as header and data CSV files for ``neo4j-admin database import full``.

    Parameters
    ----------
    store
        Any store; accounts come from :meth:`~Store.accounts_frame` (whose
        row order is the dense ``idx``), edges from :meth:`~Store.iter_edges`.
    out_dir
        Directory for the files; created if missing. Files of an earlier
        export there (same names) are replaced; other files are left alone.
    batch_size
        Rows formatted and written per step (bounds memory beside the
        accounts frame).
    progress
        Called after each batch with the number of rows it held.
    database
        Database name the command imports into (``neo4j`` by default; with
        Enterprise Edition a new name that is then ``CREATE DATABASE``-d).
    container_dir
        Where ``neo4j-admin`` sees ``out_dir``; default ``/import/<name of
        out_dir>``, matching ``docker-compose.yml`` (host ``./neo4j/import``
        is the container's ``/import``).
    rows_per_file
        Split data files after this many rows (default: one data file per
        group).
    compress
        Write data files gzipped (``.csv.gz``; the importer reads them
        as they are). Headers stay plain text.
    epoch
        ``KolgraphMeta.epoch`` of the imported graph.
    follows_from_arrays
        Read follow edges from :meth:`~Store.graph_arrays` (dense indices,
        mapped to keys through the accounts frame with one numpy ``take``)
        instead of :meth:`~Store.iter_edges`. Same edges; on the SQLite store
        several times faster once the columnar snapshot is current (and the
        snapshot is then ready for the next rank run). Reposts always come
        from :meth:`~Store.iter_edges` (they carry post ids and actions).

    Returns
    -------
    BulkExport
        Files, counts, timing and the import command.

    Raises
    ------
    InputError
        On a bad option (``batch_size`` or ``rows_per_file`` below 1, a
        database name Neo4j refuses, a ``container_dir`` the importer cannot
        take as a path).
    StoreError
        If an account has a kind outside kol, media, own, partner, user.

    Notes
    -----
    Export a store nothing writes to meanwhile: an edge added during the
    export may name an account that missed the accounts file, and
    ``neo4j-admin`` refuses relationships to missing nodes (unless run with
    ``--skip-bad-relationships``).

    Examples
    --------
    >>> from kolgraph.store import SQLiteStore
    >>> import tempfile
    >>> tmp = Path(tempfile.mkdtemp())
    >>> with SQLiteStore(tmp / "k.db") as store:
    ...     result = export_neo4j_import(store, tmp / "bulk")
    >>> result.counts
    {'accounts': 0, 'meta': 1, 'follows': 0, 'reposts': 0}
    >>> result.command.split()[:5]
    ['neo4j-admin', 'database', 'import', 'full', 'neo4j']
    """
    if batch_size < 1:
        raise InputError(f"batch_size must be >= 1, got {batch_size}")
    if rows_per_file is not None and rows_per_file < 1:
        raise InputError(f"rows_per_file must be >= 1, got {rows_per_file}")
    if not _DB_NAME.match(database) or database.lower().startswith("system"):
        raise InputError(
            f"invalid Neo4j database name {database!r}",
            hint="use 3-63 letters, digits, dots or dashes, e.g. neo4j or kolgraph",
        )
    out_dir = Path(out_dir)
    target = container_dir if container_dir is not None else f"/import/{out_dir.name}"
    if not PurePosixPath(target).is_absolute() or _UNSAFE_PATH.search(target):
        raise InputError(
            f"container_dir {target!r} cannot be passed to neo4j-admin",
            hint="use an absolute path without commas, spaces, quotes or regex characters, "
            "e.g. /import/kolgraph",
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.iterdir():
        if old.is_file() and (_OWN_FILE.match(old.name) or old.name == "README.txt"):
            old.unlink()

    started = time.perf_counter()
    suffix = ".csv.gz" if compress else ".csv"
    files: dict[str, list[Path]] = {}
    counts: dict[str, int] = {}
    for group in GROUPS:
        header = out_dir / f"{group}_header.csv"
        header.write_text(",".join(HEADERS[group]) + "\n", encoding="utf-8")
        files[group] = [header]

    def writer(group: str) -> _PartWriter:
        return _PartWriter(out_dir, group, suffix, rows_per_file, files[group])

    # accounts ------------------------------------------------------------------
    # arrays first: accounts are only ever appended, so every index in them is < len(frame)
    arrays = store.graph_arrays() if follows_from_arrays else None
    frame = store.accounts_frame()
    n_accounts = len(frame)
    if arrays is not None and arrays.n_nodes > n_accounts:
        raise StoreError(
            f"the store lost accounts during the export ({arrays.n_nodes} > {n_accounts})",
            hint="do not clear the store while exporting; run the export again",
        )
    keys = frame["key"]
    quote_keys = bool(pd.Series(_text(keys), dtype=object).str.contains(_NEEDS_QUOTES).any())
    multiline = any(
        _has_line_break(_text(frame[col])) for col in ("key", "platform", "account_id", "name")
    )
    with writer("accounts") as out:
        for lo in range(0, n_accounts, batch_size):
            part = frame.iloc[lo : lo + batch_size]
            out.write(_account_lines(part, lo))
            if progress is not None:
                progress(len(part))
    counts["accounts"] = n_accounts
    key_values = _keys(keys, quote_keys)  # by idx, for the follow arrays
    del frame, keys

    # meta ----------------------------------------------------------------------
    with writer("meta") as out:
        out.write(np.array([f"0,{n_accounts},{int(epoch)},KolgraphMeta"], dtype=object))
    counts["meta"] = 1

    # edges ---------------------------------------------------------------------
    if arrays is not None:
        with writer("follows") as out:
            for lo in range(0, arrays.n_follows, batch_size):
                src = arrays.follow_src[lo : lo + batch_size]
                dst = arrays.follow_dst[lo : lo + batch_size]
                out.write(_join([key_values[src], key_values[dst]]))
                if progress is not None:
                    progress(len(src))
        counts["follows"] = arrays.n_follows
        del arrays
    edge_groups = [("reposts", EdgeType.REPOST)]
    if "follows" not in counts:
        edge_groups.insert(0, ("follows", EdgeType.FOLLOW))
    for group, edge_type in edge_groups:
        n = 0
        with writer(group) as out:
            for batch in store.iter_edges(edge_type, batch_size=batch_size):
                if not len(batch):
                    continue
                if edge_type is EdgeType.REPOST:
                    lines, has_break = _repost_lines(batch, quote_keys)
                    multiline = multiline or has_break
                else:
                    lines = _pair(batch, quote_keys)
                out.write(lines)
                n += len(batch)
                if progress is not None:
                    progress(len(batch))
        counts[group] = n

    command = _command(files, out_dir, target, database, multiline)
    seconds = time.perf_counter() - started
    result = BulkExport(
        out_dir=out_dir,
        files=files,
        counts=counts,
        seconds=seconds,
        command=command,
        database=database,
        multiline_fields=multiline,
    )
    readme = out_dir / "README.txt"
    readme.write_text(_readme(result, target), encoding="utf-8")
    files["readme"] = [readme]
    return result


# --------------------------------------------------------------------------- formatting
def _text(col: pd.Series) -> ObjArray:
    """A text column as an array of ``str``, missing values as empty strings."""
    values = col.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(values, skipna=False) == "string":
        return values  # the usual case: already all str, no copy
    return col.astype(object).where(col.notna(), "").astype(str).to_numpy(dtype=object)


def _joined(values: ObjArray) -> str:
    """All values in one string (one C-level pass), to test for a character in any of them."""
    return "\0".join(values.tolist())


def _has_line_break(values: ObjArray) -> bool:
    text = _joined(values)
    return "\n" in text or "\r" in text


def _quote(col: pd.Series | ObjArray) -> ObjArray:
    """Every value quoted RFC 4180 style (inner quotes doubled)."""
    values = _text(col) if isinstance(col, pd.Series) else col
    if '"' in _joined(values):  # rare: only then pay for the per-value replace
        doubled = pd.Series(values, dtype=object).str.replace('"', '""', regex=False)
        values = doubled.to_numpy(dtype=object)
    quoted: ObjArray = '"' + values + '"'
    return quoted


def _keys(col: pd.Series, quote: bool) -> ObjArray:
    return _quote(col) if quote else _text(col)


def _numbers(col: pd.Series, *, integer: bool) -> ObjArray:
    """Numbers as text; NaN (and ±inf) become empty fields, i.e. no property."""
    values = col.to_numpy(dtype=np.float64, na_value=np.nan)
    out = np.full(values.shape[0], "", dtype=object)
    ok = np.isfinite(values)
    if integer:
        out[ok] = values[ok].astype(np.int64).astype(str)
    else:
        out[ok] = values[ok].astype(str)  # shortest repr that round-trips, e.g. 0.1, 1e-05
    return out


def _account_lines(part: pd.DataFrame, first_idx: int) -> ObjArray:
    labels = part["kind"].map(_LABELS)
    if labels.isna().any():
        bad = sorted({str(k) for k in part["kind"][labels.isna()]})
        raise StoreError(
            f"accounts with unknown kind {', '.join(bad)} cannot be exported",
            hint="fix the kind (kol, media, own, partner or user) with kolgraph import accounts",
        )
    idx = np.arange(first_idx, first_idx + len(part), dtype=np.int64).astype(str).astype(object)
    cols: list[ObjArray] = [
        _quote(part["key"]),
        _quote(part["platform"]),
        _quote(part["account_id"]),
        idx,
        _quote(part["name"]),
        _text(part["kind"]),
        _numbers(part["followers"], integer=True),
        _numbers(part["cost"], integer=False),
        labels.to_numpy(dtype=object),
    ]
    return _join(cols)


def _pair(batch: pd.DataFrame, quote_keys: bool) -> ObjArray:
    return _join([_keys(batch["src"], quote_keys), _keys(batch["dst"], quote_keys)])


def _repost_lines(batch: pd.DataFrame, quote_keys: bool) -> tuple[ObjArray, bool]:
    post = _text(batch["post_id"])
    has_break = _has_line_break(post)
    cols: list[ObjArray] = [
        _keys(batch["src"], quote_keys),
        _keys(batch["dst"], quote_keys),
        _quote(post),
        _numbers(batch["ts"], integer=True),
        _quote(batch["action"]),
        _numbers(batch["weight"], integer=False),
    ]
    return _join(cols), has_break


def _join(cols: list[ObjArray]) -> ObjArray:
    """Join columns of text into CSV lines (elementwise, no per-row Python loop)."""
    line = cols[0]
    for col in cols[1:]:
        line = line + "," + col
    return line


class _PartWriter(AbstractContextManager["_PartWriter"]):
    """Writes lines to ``<group>_0000.csv``, ``<group>_0001.csv``, ... (split by row count)."""

    def __init__(
        self, out_dir: Path, group: str, suffix: str, rows_per_file: int | None, paths: list[Path]
    ) -> None:
        self.out_dir = out_dir
        self.group = group
        self.suffix = suffix
        self.rows_per_file = rows_per_file
        self.paths = paths
        self._fh: IO[str] | None = None
        self._rows = 0

    def _open(self) -> IO[str]:
        path = self.out_dir / f"{self.group}_{len(self.paths) - 1:04d}{self.suffix}"
        self.paths.append(path)
        self._rows = 0
        if self.suffix.endswith(".gz"):
            return gzip.open(path, "wt", encoding="utf-8", newline="", compresslevel=1)
        return open(path, "w", encoding="utf-8", newline="", buffering=1 << 20)

    def write(self, lines: ObjArray) -> None:
        for chunk in self._chunks(lines):
            if self._fh is None:
                self._fh = self._open()
            self._fh.write("\n".join(chunk.tolist()))
            self._fh.write("\n")
            self._rows += len(chunk)

    def _chunks(self, lines: ObjArray) -> Iterator[ObjArray]:
        lo = 0
        while lo < len(lines):
            if self.rows_per_file is None:
                yield lines[lo:]
                return
            if self._fh is not None and self._rows >= self.rows_per_file:
                self._fh.close()
                self._fh = None
            room = self.rows_per_file - (self._rows if self._fh is not None else 0)
            yield lines[lo : lo + room]
            lo += room

    def __exit__(self, *exc: object) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


# --------------------------------------------------------------------------- command
def _command(
    files: dict[str, list[Path]], out_dir: Path, target: str, database: str, multiline: bool
) -> str:
    def group(name: str) -> str:
        return ",".join(str(PurePosixPath(target) / p.relative_to(out_dir)) for p in files[name])

    args = [
        "neo4j-admin",
        "database",
        "import",
        "full",
        database,  # the positional database name first: --nodes/--relationships are greedy
        "--overwrite-destination=true",
        "--id-type=string",
    ]
    if multiline:
        args.append("--multiline-fields=true")
    args += [
        f"--nodes={group('accounts')}",
        f"--nodes={group('meta')}",
        f"--relationships={REL_TYPES['follows']}={group('follows')}",
        f"--relationships={REL_TYPES['reposts']}={group('reposts')}",
    ]
    return " ".join(shlex.quote(a) for a in args)


def _readme(result: BulkExport, target: str) -> str:
    c = result.counts
    multiline = (
        "Some names or post ids contain line breaks, so the command passes\n"
        "--multiline-fields=true (the importer is slower in that mode).\n"
        if result.multiline_fields
        else "No text contains a line break, so --multiline-fields stays off (fast path).\n"
    )
    return f"""kolgraph bulk export for neo4j-admin database import full (Neo4j 5.x)
=====================================================================

Rows: {c["accounts"]:,} accounts, {c["follows"]:,} FOLLOWS, {c["reposts"]:,} REPOSTED,
1 KolgraphMeta node (next_idx = {c["accounts"]}).
Exported in {result.seconds:.1f} s ({result.rate:,.0f} rows/s).

Files: <group>_header.csv holds the CSV header (property names and types),
<group>_0000.csv... the data. Data files may be gzipped or split further; keep the
header first in each --nodes / --relationships group. Text is quoted RFC 4180 style
(inner quotes doubled); a missing number is an empty field (no property).
{multiline}
The command (paths as neo4j-admin sees them: this directory is {target}):

  {result.command}

It replaces database {result.database!r} (--overwrite-destination=true): the import
is for a FIRST load into an empty database. Run it while that database is stopped.

With tools/neo4j-server/neo4j.sh (Java 17 + Maven, no Docker)
--------------------------------------------------------------
Export with --container-dir set to this directory's absolute path, then run the
command through the script's admin entry point (neo4j-admin of the same server):

  tools/neo4j-server/neo4j.sh stop
  tools/neo4j-server/neo4j.sh admin {result.command.removeprefix("neo4j-admin ")}
  tools/neo4j-server/neo4j.sh start

With the docker-compose.yml of kolgraph (Community Edition, database neo4j)
--------------------------------------------------------------------------
This directory must be under ./neo4j/import on the host (mounted at /import).

  docker compose stop neo4j
  docker compose run --rm -e HEAP_SIZE=2g neo4j {result.command}
  docker compose start neo4j

`docker compose run` starts a one-off container of the same image with the same
volumes; the image's entrypoint runs neo4j-admin as the neo4j user.

Enterprise Edition: import into a new database instead, while the server runs
--------------------------------------------------------------------------------
Replace the database name after `full` by a new one (e.g. kolgraph), run the
command with `docker compose exec --user neo4j neo4j <command>`, then in the
system database: CREATE DATABASE kolgraph, and set KOLGRAPH_NEO4J_DATABASE=kolgraph.

After the import
----------------
kolgraph creates its constraints and indexes (cypher/schema.cypher: unique
Account.key and Account.idx, ...) the first time the Neo4j store connects, e.g.

  KOLGRAPH_STORE=neo4j kolgraph rank

The KolgraphMeta node carries next_idx = {c["accounts"]}, so accounts added later
continue the dense idx numbering.
"""
