"""Export a store's graph as Parquet files, for Spark, pandas and DuckDB.

:func:`export_parquet` writes the accounts and both edge types of any
:class:`~kolgraph.store.base.Store` with pyarrow; :func:`read_manifest` and
:func:`read_graph_arrays` read an export back (checked against its manifest).

Layout
------
A contract other modules and tools read; one directory per export::

    manifest.json                  what was exported, from which store, and the files
    accounts/part-00000.parquet    idx:int64, key:string, platform:string,
                                   account_id:string, name:string, kind:string,
                                   followers:float64 (NaN unknown), cost:float64
    follows/part-00000.parquet     src:int64 (the follower's idx), dst:int64 (the followed)
    reposts/part-00000.parquet     src:int64 (who reposted), dst:int64 (whose post),
                                   weight:float64, ts:int64 (unix seconds)

``idx`` is the store's dense index: node ``i`` of
:meth:`~kolgraph.store.base.Store.graph_arrays` is row ``i`` of
:meth:`~kolgraph.store.base.Store.accounts_frame`. The edge tables keep the
order of :class:`~kolgraph.store.base.GraphArrays`. Each table is split into
parts of at most ``rows_per_file`` rows; an empty table has one part with no
rows and the full schema, so every reader finds its columns.

The export is written into a sibling directory ``DIR.tmp-<hex>`` and renamed
to ``DIR`` at the end: a reader sees the previous export or the complete new
one, and a failed export leaves ``DIR`` as it was.
"""

from __future__ import annotations

import json
import secrets
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from kolgraph.errors import InputError, StoreError
from kolgraph.store.base import GraphArrays, Store

__all__ = [
    "COLUMNS",
    "FORMAT",
    "MANIFEST",
    "TABLES",
    "VERSION",
    "Manifest",
    "TableFiles",
    "export_parquet",
    "read_graph_arrays",
    "read_manifest",
]

#: ``format`` of every manifest this module writes, and the version it reads.
FORMAT = "kolgraph-graph"
VERSION = 1
#: The manifest's file name inside an export directory.
MANIFEST = "manifest.json"
#: Tables in the order they are written.
TABLES = ("accounts", "follows", "reposts")
#: Columns and types of each table, in order (the manifest's ``schema``).
COLUMNS: dict[str, dict[str, str]] = {
    "accounts": {
        "idx": "int64",
        "key": "string",
        "platform": "string",
        "account_id": "string",
        "name": "string",
        "kind": "string",
        "followers": "float64",
        "cost": "float64",
    },
    "follows": {"src": "int64", "dst": "int64"},
    "reposts": {"src": "int64", "dst": "int64", "weight": "float64", "ts": "int64"},
}

_ARROW_TYPES = {"int64": pa.int64(), "string": pa.string(), "float64": pa.float64()}
_HINT_REEXPORT = "export again with `kolgraph export parquet DIR --overwrite`"


def _arrow_schema(table: str) -> pa.Schema:
    return pa.schema([(c, _ARROW_TYPES[t]) for c, t in COLUMNS[table].items()])


@dataclass(frozen=True)
class TableFiles:
    """One table of an export: its part files (relative to the export), rows and columns."""

    files: tuple[str, ...]
    rows: int
    schema: Mapping[str, str]


@dataclass(frozen=True)
class Manifest:
    """What ``manifest.json`` of an export says.

    Attributes
    ----------
    export_id
        A new id per export (``pq-<hex>``).
    created
        When the export was written (ISO 8601, UTC).
    store
        The store backend it was read from (``sqlite``, ``neo4j``).
    current_run
        The store's published rank run at the time, or None.
    tables
        ``accounts``, ``follows`` and ``reposts``: files, rows and columns.
    format, version
        :data:`FORMAT` and :data:`VERSION`.
    """

    export_id: str
    created: str
    store: str
    current_run: str | None
    tables: Mapping[str, TableFiles]
    format: str = FORMAT
    version: int = VERSION

    @property
    def counts(self) -> dict[str, int]:
        """Rows per table."""
        return {name: t.rows for name, t in self.tables.items()}

    def to_dict(self) -> dict[str, Any]:
        """The manifest as the JSON document ``manifest.json`` holds."""
        return {
            "format": self.format,
            "version": self.version,
            "export_id": self.export_id,
            "created": self.created,
            "store": self.store,
            "current_run": self.current_run,
            "counts": self.counts,
            "tables": {
                name: {"files": list(t.files), "rows": t.rows, "schema": dict(t.schema)}
                for name, t in self.tables.items()
            },
        }

    def to_json(self) -> str:
        """``manifest.json``'s text (indented by 2)."""
        return json.dumps(self.to_dict(), indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str, *, source: str = MANIFEST) -> Manifest:
        """Parse and check a manifest.

        Parameters
        ----------
        text
            The JSON text.
        source
            Where it was read, for error messages.

        Raises
        ------
        InputError
            Not JSON, another format or version, or a field missing or of the
            wrong type.
        """
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"the manifest is not JSON ({exc.msg} at line {exc.lineno})",
                source=source,
                hint=_HINT_REEXPORT,
            ) from None
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            found = doc.get("format") if isinstance(doc, dict) else type(doc).__name__
            raise InputError(
                f"not a kolgraph graph export (format {found!r}, expected {FORMAT!r})",
                source=source,
                hint="point at the directory `kolgraph export parquet` wrote",
            )
        if doc.get("version") != VERSION:
            raise InputError(
                f"manifest version {doc.get('version')!r} is not supported (this kolgraph "
                f"reads version {VERSION})",
                source=source,
                hint=f"export again with this kolgraph, or read it with the kolgraph that "
                f"wrote it; {_HINT_REEXPORT}",
            )
        try:
            tables = {name: _table_files(doc["tables"][name]) for name in TABLES}
            current_run = doc["current_run"]
            manifest = cls(
                export_id=str(doc["export_id"]),
                created=str(doc["created"]),
                store=str(doc["store"]),
                current_run=None if current_run is None else str(current_run),
                tables=tables,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(
                f"the manifest lacks or garbles a field ({type(exc).__name__}: {exc})",
                source=source,
                hint=_HINT_REEXPORT,
            ) from None
        counts = doc.get("counts")
        if counts is not None and counts != manifest.counts:
            raise InputError(
                f"the manifest's counts {counts} disagree with its tables' rows {manifest.counts}",
                source=source,
                hint=_HINT_REEXPORT,
            )
        return manifest


def _table_files(doc: Any) -> TableFiles:
    files, rows, schema = doc["files"], doc["rows"], doc["schema"]
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        raise TypeError("files must be a list of paths")
    if not isinstance(rows, int) or rows < 0:
        raise ValueError(f"rows must be a count, got {rows!r}")
    if not isinstance(schema, dict):
        raise TypeError("schema must map columns to types")
    return TableFiles(
        files=tuple(files), rows=rows, schema={str(k): str(v) for k, v in schema.items()}
    )


# --------------------------------------------------------------------------- writing
def export_parquet(
    store: Store,
    directory: Path,
    *,
    rows_per_file: int = 5_000_000,
    overwrite: bool = False,
    progress: Callable[[int], None] | None = None,
) -> Manifest:
    """Write ``store``'s graph as Parquet files in ``directory`` (see the module docstring).

    Parameters
    ----------
    store
        Any store: accounts from :meth:`~Store.accounts_frame`, edges from
        :meth:`~Store.graph_arrays` (dense indices, written slice by slice).
    directory
        The export's directory. Created (with its parents) if missing; may be
        an empty directory.
    rows_per_file
        Rows per part file at most.
    overwrite
        Replace ``directory`` when it holds an earlier export. Without it, a
        non-empty ``directory`` is refused.
    progress
        Called after each part file with the number of rows it holds.

    Returns
    -------
    Manifest
        What was written (also in ``directory/manifest.json``).

    Raises
    ------
    InputError
        ``rows_per_file`` below 1; ``directory`` is a file, or non-empty
        without ``overwrite``, or (with ``overwrite``) non-empty but not an
        export of this module.
    StoreError
        The store's accounts and edge arrays disagree on the number of
        accounts (it was written to during the export).

    Notes
    -----
    Replacing an export renames the old directory away, the new one in, and
    deletes the old one; between the two renames ``directory`` does not exist.

    Examples
    --------
    >>> import tempfile
    >>> from kolgraph.store import SQLiteStore
    >>> tmp = Path(tempfile.mkdtemp())
    >>> with SQLiteStore(tmp / "k.db") as store:
    ...     manifest = export_parquet(store, tmp / "graph")
    >>> manifest.counts
    {'accounts': 0, 'follows': 0, 'reposts': 0}
    >>> sorted(p.name for p in (tmp / "graph").iterdir())
    ['accounts', 'follows', 'manifest.json', 'reposts']
    """
    if rows_per_file < 1:
        raise InputError(
            f"rows_per_file must be at least 1, got {rows_per_file}",
            field="rows_per_file",
            hint="pass a positive number of rows per part file",
        )
    directory = Path(directory)
    _check_target(directory, overwrite=overwrite)

    arrays = store.graph_arrays()
    accounts = store.accounts_frame()
    if len(accounts) != arrays.n_nodes:
        raise StoreError(
            f"the store has {len(accounts)} accounts but its edge arrays {arrays.n_nodes} "
            "nodes: it was written to during the export",
            hint="export again once imports and crawls into the store have finished",
        )
    run = store.current_run()

    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = directory.with_name(f"{directory.name}.tmp-{secrets.token_hex(4)}")
    tmp.mkdir()
    try:
        tables = {
            "accounts": _write_table(
                tmp, "accounts", _accounts_columns(accounts), rows_per_file, progress
            ),
            "follows": _write_table(
                tmp,
                "follows",
                {"src": arrays.follow_src, "dst": arrays.follow_dst},
                rows_per_file,
                progress,
            ),
            "reposts": _write_table(
                tmp,
                "reposts",
                {
                    "src": arrays.repost_src,
                    "dst": arrays.repost_dst,
                    "weight": arrays.repost_weight,
                    "ts": arrays.repost_ts,
                },
                rows_per_file,
                progress,
            ),
        }
        manifest = Manifest(
            export_id="pq-" + secrets.token_hex(6),
            created=datetime.now(UTC).isoformat(timespec="seconds"),
            store=store.name,
            current_run=run.id if run else None,
            tables=tables,
        )
        (tmp / MANIFEST).write_text(manifest.to_json(), encoding="utf-8")
        _move_into_place(tmp, directory)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return manifest


def _check_target(directory: Path, *, overwrite: bool) -> None:
    """Refuse a target that is a file, or holds something that must not be replaced."""
    if directory.exists() and not directory.is_dir():
        raise InputError(
            "the export directory is a file",
            source=str(directory),
            hint="choose a new directory for the export",
        )
    if not directory.is_dir() or not any(directory.iterdir()):
        return
    if not overwrite:
        raise InputError(
            "the export directory exists and is not empty",
            source=str(directory),
            hint="pass --overwrite to replace an earlier export there, or choose a new directory",
        )
    try:
        fmt = json.loads((directory / MANIFEST).read_text(encoding="utf-8")).get("format")
    except (OSError, ValueError, AttributeError):
        fmt = None
    if fmt != FORMAT:
        raise InputError(
            f"the directory holds no kolgraph graph export ({MANIFEST} missing or of "
            "another format), so --overwrite does not replace it",
            source=str(directory),
            hint="choose a new or empty directory, or empty this one yourself",
        )


def _move_into_place(tmp: Path, directory: Path) -> None:
    """Rename ``tmp`` to ``directory``, replacing what is there (old away, new in, old gone)."""
    if not directory.exists():
        tmp.rename(directory)
        return
    old = directory.with_name(f"{directory.name}.old-{secrets.token_hex(4)}")
    directory.rename(old)
    try:
        tmp.rename(directory)
    except BaseException:
        old.rename(directory)
        raise
    shutil.rmtree(old, ignore_errors=True)  # the new export is in place; a leftover only costs disk


def _accounts_columns(accounts: pd.DataFrame) -> dict[str, pa.Array | npt.NDArray[Any]]:
    """The accounts frame as the ``accounts`` table's columns (``idx`` added)."""
    cols: dict[str, pa.Array | npt.NDArray[Any]] = {"idx": np.arange(len(accounts), dtype=np.int64)}
    for name, kind in COLUMNS["accounts"].items():
        if name == "idx":
            continue
        if kind == "string":  # None and NaN (pandas' missing text) become null
            cols[name] = pa.array(
                accounts[name].to_numpy(dtype=object), type=pa.string(), from_pandas=True
            )
        else:  # NaN stays NaN: unknown followers and cost
            cols[name] = accounts[name].to_numpy(dtype=np.float64, na_value=np.nan)
    return cols


def _write_table(
    root: Path,
    table: str,
    columns: Mapping[str, pa.Array | npt.NDArray[Any]],
    rows_per_file: int,
    progress: Callable[[int], None] | None,
) -> TableFiles:
    """Write ``columns`` (all of one length) as ``root/table/part-NNNNN.parquet`` slices."""
    schema = _arrow_schema(table)
    (root / table).mkdir()
    n = len(next(iter(columns.values())))
    files: list[str] = []
    for lo in range(0, max(n, 1), rows_per_file):  # an empty table still gets one part
        hi = min(lo + rows_per_file, n)
        arrays = [_slice(columns[field.name], lo, hi, field.type) for field in schema]
        rel = f"{table}/part-{len(files):05d}.parquet"
        _write_part(pa.Table.from_arrays(arrays, schema=schema), root / rel)
        files.append(rel)
        if progress is not None and hi > lo:
            progress(hi - lo)
    return TableFiles(files=tuple(files), rows=n, schema=dict(COLUMNS[table]))


def _slice(values: pa.Array | npt.NDArray[Any], lo: int, hi: int, type_: pa.DataType) -> pa.Array:
    if isinstance(values, pa.Array):
        return values.slice(lo, hi - lo)
    return pa.array(values[lo:hi], type=type_)  # numpy → arrow, widened (int32 → int64)


def _write_part(table: pa.Table, path: Path) -> None:
    pq.write_table(table, path)


# --------------------------------------------------------------------------- reading
def read_manifest(directory: Path) -> Manifest:
    """The checked manifest of the export in ``directory``.

    Raises
    ------
    InputError
        The directory or its ``manifest.json`` is missing, the manifest is
        not JSON or of another format or version, or a file it lists is
        missing.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise InputError(
            "no such export directory",
            source=str(directory),
            hint="pass the directory `kolgraph export parquet DIR` wrote",
        )
    path = directory / MANIFEST
    if not path.is_file():
        raise InputError(
            f"the directory has no {MANIFEST}, so it is no (complete) kolgraph graph export",
            source=str(directory),
            hint=_HINT_REEXPORT,
        )
    manifest = Manifest.from_json(path.read_text(encoding="utf-8"), source=str(path))
    missing = [
        f for t in manifest.tables.values() for f in t.files if not (directory / f).is_file()
    ]
    if missing:
        raise InputError(
            f"{len(missing)} file(s) the manifest lists are missing: {', '.join(missing[:5])}",
            source=str(directory),
            hint=f"copy the export whole, or {_HINT_REEXPORT}",
        )
    return manifest


def read_graph_arrays(directory: Path) -> GraphArrays:
    """The edges of an export as :class:`~kolgraph.store.base.GraphArrays`.

    Equal to the exporting store's :meth:`~Store.graph_arrays` at the time:
    same order, ``int32`` indices, ``int64`` times, ``float32`` weights.

    Raises
    ------
    InputError
        What :func:`read_manifest` raises; a part file that is not Parquet or
        lacks a column; rows that disagree with the manifest; an index outside
        ``0 .. accounts - 1``.
    """
    directory = Path(directory)
    manifest = read_manifest(directory)
    n_nodes = _count_rows(directory, manifest, "accounts")
    follows = _read_columns(directory, manifest, "follows")
    reposts = _read_columns(directory, manifest, "reposts")
    for name, cols in (("follows", follows), ("reposts", reposts)):
        for col in ("src", "dst"):
            v = cols[col]
            if len(v) and (v.min() < 0 or v.max() >= n_nodes):
                raise InputError(
                    f"{name}.{col} holds an index outside 0..{n_nodes - 1} (the accounts)",
                    source=str(directory),
                    hint=_HINT_REEXPORT,
                )
    return GraphArrays(
        n_nodes,
        follows["src"].astype(np.int32),
        follows["dst"].astype(np.int32),
        reposts["src"].astype(np.int32),
        reposts["dst"].astype(np.int32),
        reposts["ts"].astype(np.int64),
        reposts["weight"].astype(np.float32),
    )


def _part_error(path: Path, exc: Exception) -> InputError:
    return InputError(
        f"cannot read the Parquet file ({exc})", source=str(path), hint=_HINT_REEXPORT
    )


def _check_rows(directory: Path, table: str, found: int, expected: int) -> None:
    if found != expected:
        raise InputError(
            f"{table} has {found} rows but the manifest says {expected}",
            source=str(directory),
            hint=_HINT_REEXPORT,
        )


def _count_rows(directory: Path, manifest: Manifest, table: str) -> int:
    """Rows of a table from the part files' footers (no data read)."""
    total = 0
    for rel in manifest.tables[table].files:
        try:
            total += int(pq.ParquetFile(directory / rel).metadata.num_rows)
        except (OSError, pa.ArrowException) as exc:
            raise _part_error(directory / rel, exc) from None
    _check_rows(directory, table, total, manifest.tables[table].rows)
    return total


def _read_columns(directory: Path, manifest: Manifest, table: str) -> dict[str, npt.NDArray[Any]]:
    """A table's columns (as :data:`COLUMNS` types) from all its parts, in order."""
    names = list(COLUMNS[table])
    parts: dict[str, list[npt.NDArray[Any]]] = {c: [] for c in names}
    for rel in manifest.tables[table].files:
        path = directory / rel
        try:
            data = pq.read_table(path, columns=names).cast(_arrow_schema(table))
        except (OSError, pa.ArrowException, KeyError) as exc:
            raise _part_error(path, exc) from None
        for c in names:
            parts[c].append(data.column(c).to_numpy())
    out = {
        c: np.concatenate(p) if p else np.zeros(0, dtype=_ARROW_TYPES[t].to_pandas_dtype())
        for (c, p), t in zip(parts.items(), COLUMNS[table].values(), strict=True)
    }
    _check_rows(directory, table, len(out[names[0]]), manifest.tables[table].rows)
    return out
