"""The neo4j-admin bulk export: files parse back, the way the importer reads them, to the store.

The files are read with a small RFC 4180 tokenizer that keeps what Python's csv
module loses (whether a field was quoted: the importer stores an empty quoted
field as an empty string and an empty unquoted one as no property), cross-checked
against :mod:`csv`, and typed from the header (``long``, ``double``, ``:LABEL``
split on ``;``) as ``neo4j-admin database import full`` does.
"""

from __future__ import annotations

import csv
import gzip
import io
import math
import re
import shlex
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from kolgraph.demo import load_demo
from kolgraph.errors import InputError, StoreError
from kolgraph.model import Account, EdgeType, Kind
from kolgraph.store import RepostBatch, SQLiteStore, Store
from kolgraph.store.bulk import export_neo4j_import
from kolgraph.synth import generate_demo

MISSING = object()  # an empty unquoted field: the importer sets no property

ACCOUNTS = [
    Account("x", "1", name='Alice, "the" KOL', kind=Kind.KOL, followers=1000, cost=500.0),
    Account("x", "2", name="Daily\nNews", kind=Kind.MEDIA, followers=5000),
    Account("x", "3", name="Our Brand", kind=Kind.OWN, cost=0.0),
    Account("x", "4", name="", kind=Kind.USER),
    Account("weibo", "9", name=" 微博 用户\r\n ", kind=Kind.USER, followers=0, cost=0.1),
    Account("x", 'odd,"id"', name="a;b", kind=Kind.KOL, followers=12, cost=1e-05),
]
FOLLOWS = [
    ("x:3", "x:1"),
    ("x:4", "x:1"),
    ("x:5", "x:1"),  # x:5 is created by the edge: a user with no name
    ("x:4", "x:2"),
    ("weibo:9", 'x:odd,"id"'),
    ('x:odd,"id"', "x:2"),
]
REPOSTS = [
    ("x:5", "x:1", "p1", 100, "repost", 1.0),
    ("x:5", "x:2", "", 1_767_225_600, "mention", 2.5),
    ("x:4", "x:1", 'p,"2"', 150, "reply", 1.0),
    ('x:odd,"id"', "x:1", "p1", 160, "repost", 0.1),
]


def fill(store: Store, accounts: list[Account] = ACCOUNTS) -> None:
    store.upsert_accounts(accounts)
    store.add_follows([s for s, _ in FOLLOWS], [d for _, d in FOLLOWS])
    cols = list(zip(*REPOSTS, strict=True))
    store.add_reposts(
        RepostBatch.from_columns(
            list(cols[0]), list(cols[1]), list(cols[2]), list(cols[3]), list(cols[4]), list(cols[5])
        )
    )


@pytest.fixture
def store(tmp_path: Path) -> SQLiteStore:
    s = SQLiteStore(tmp_path / "kolgraph.db")
    fill(s)
    return s


# --------------------------------------------------------------------------- reading back
def tokenize(text: str) -> list[list[tuple[str, bool]]]:
    """RFC 4180 records of ``(value, quoted)`` fields (``""`` inside quotes is one quote)."""
    records: list[list[tuple[str, bool]]] = []
    fields: list[tuple[str, bool]] = []
    unquoted = re.compile(r"[^,\n]*")
    i = 0
    while i < len(text):
        if text[i] == '"':
            parts, j = [], i + 1
            while True:
                k = text.index('"', j)
                parts.append(text[j:k])
                if text.startswith('""', k):
                    parts.append('"')
                    j = k + 2
                else:
                    i = k + 1
                    break
            fields.append(("".join(parts), True))
        else:
            m = unquoted.match(text, i)
            assert m is not None
            assert '"' not in m.group() and "\r" not in m.group(), m.group()
            fields.append((m.group(), False))
            i = m.end()
        if i < len(text) and text[i] == ",":
            i += 1
        elif i < len(text) and text[i] == "\n":
            records.append(fields)
            fields = []
            i += 1
        else:
            raise AssertionError(f"bad CSV at offset {i}: {text[i : i + 20]!r}")
    assert not fields, "the last line must end with a newline"
    return records


def read_text(path: Path) -> str:
    """The file's text as written (no newline translation: a CR inside a name stays)."""
    if path.suffix == ".gz":
        with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
            return fh.read()
    with path.open(encoding="utf-8", newline="") as fh:
        return fh.read()


@dataclass(frozen=True)
class Column:
    name: str  # property name ("" for :LABEL, :START_ID, ...)
    kind: str  # ID, START_ID, END_ID, LABEL, TYPE or a property type (long, double, string)
    space: str | None = None


def parse_header(path: Path) -> list[Column]:
    rows = list(csv.reader(io.StringIO(read_text(path), newline="")))
    assert len(rows) == 1, f"{path.name} must hold exactly one header line"
    cols = []
    for spec in rows[0]:
        m = re.fullmatch(r"([^:]*)(?::([A-Za-z_]+)(?:\(([^)]*)\))?)?", spec)
        assert m is not None, spec
        name, kind, space = m.group(1), m.group(2) or "string", m.group(3)
        cols.append(Column(name, kind, space))
    return cols


def convert(value: str, quoted: bool, col: Column) -> Any:
    if value == "" and not quoted:
        return MISSING
    if col.kind in ("long", "int"):
        assert not quoted, f"number {value!r} of {col.name} is quoted"
        return int(value)
    if col.kind in ("double", "float"):
        assert not quoted, f"number {value!r} of {col.name} is quoted"
        return float(value)
    if col.kind == "LABEL":
        return value.split(";")  # the default --array-delimiter
    return value


def read_group(paths: list[Path]) -> tuple[list[Column], list[dict[str, Any]]]:
    """A file group (header first) as rows ``{name or :KIND: value}`` without missing values."""
    header, data = paths[0], paths[1:]
    cols = parse_header(header)
    rows: list[dict[str, Any]] = []
    for path in data:
        text = read_text(path)
        records = tokenize(text)
        # the csv module agrees on the values (it cannot tell "" from an empty field)
        assert [[v for v, _ in r] for r in records] == list(
            csv.reader(io.StringIO(text, newline=""))
        )
        for rec in records:
            assert len(rec) == len(cols), (path.name, rec)
            row: dict[str, Any] = {}
            for (value, quoted), col in zip(rec, cols, strict=True):
                v = convert(value, quoted, col)
                if v is MISSING:
                    continue
                if col.kind in ("ID", "START_ID", "END_ID", "LABEL", "TYPE"):
                    row[":" + col.kind] = v
                    if col.kind == "ID" and col.name:
                        row[col.name] = v  # the ID is stored in the named property
                else:
                    row[col.name] = v
            rows.append(row)
    return cols, rows


def store_follows(store: Store) -> list[tuple[str, str]]:
    frames = list(store.iter_edges(EdgeType.FOLLOW))
    if not frames:
        return []
    df = pd.concat(frames)
    return list(zip(df["src"], df["dst"], strict=True))


def store_reposts(store: Store) -> list[tuple[str, str, str, int, str, float]]:
    frames = list(store.iter_edges(EdgeType.REPOST))
    if not frames:
        return []
    df = pd.concat(frames)
    cols = [df[c].tolist() for c in ("src", "dst", "post_id", "ts", "action", "weight")]
    return [
        (str(s), str(d), str(p), int(t), str(a), float(w))
        for s, d, p, t, a, w in zip(*cols, strict=True)
    ]


# --------------------------------------------------------------------------- accounts
def test_every_account_once_with_labels_and_properties(store: SQLiteStore, tmp_path: Path) -> None:
    result = export_neo4j_import(store, tmp_path / "bulk")
    cols, rows = read_group(result.files["accounts"])
    assert [c.kind for c in cols if c.kind in ("ID", "LABEL")] == ["ID", "LABEL"]
    assert next(c for c in cols if c.kind == "ID") == Column("key", "ID", "Account")

    frame = store.accounts_frame()
    assert len(rows) == len(frame) == result.counts["accounts"] == store.counts().accounts
    assert len({r[":ID"] for r in rows}) == len(rows)  # no duplicate node ids
    for idx, (row, acc) in enumerate(zip(rows, frame.to_dict("records"), strict=True)):
        kind = Kind(acc["kind"])
        assert row["key"] == acc["key"]
        assert row["idx"] == idx  # the dense index is the row order of accounts_frame
        assert isinstance(row["idx"], int)
        assert row["platform"] == acc["platform"] and row["id"] == acc["account_id"]
        assert row["name"] == acc["name"]  # "" stays an empty string, not a missing property
        assert row["kind"] == kind.value
        assert sorted(row[":LABEL"]) == sorted(["Account", kind.label])
        if math.isnan(acc["followers"]):
            assert "followers" not in row
        else:
            assert row["followers"] == int(acc["followers"])
        if math.isnan(acc["cost"]):
            assert "cost" not in row
        else:
            assert row["cost"] == acc["cost"]

    by_key = {r["key"]: r for r in rows}
    assert by_key["x:1"]["name"] == 'Alice, "the" KOL'
    assert by_key["x:2"]["name"] == "Daily\nNews" and "cost" not in by_key["x:2"]
    assert by_key["x:3"]["cost"] == 0.0 and "followers" not in by_key["x:3"]
    assert by_key["x:4"]["name"] == "" and by_key["x:5"]["name"] == ""
    assert by_key["weibo:9"]["name"] == " 微博 用户\r\n "  # spaces and CRLF kept
    assert by_key['x:odd,"id"']["cost"] == 1e-05 and by_key['x:odd,"id"']["name"] == "a;b"
    assert by_key["x:5"][":LABEL"] == ["Account", "User"]


def test_partner_accounts_get_the_partner_label(tmp_path: Path) -> None:
    with SQLiteStore(tmp_path / "kolgraph.db") as st:
        fill(st, [*ACCOUNTS, Account("x", "7", name="Ally Co", kind=Kind.PARTNER, cost=25.0)])
        result = export_neo4j_import(st, tmp_path / "bulk")
    _, rows = read_group(result.files["accounts"])
    ally = next(r for r in rows if r["key"] == "x:7")
    assert ally[":LABEL"] == ["Account", "Partner"] and ally["kind"] == "partner"
    assert ally["cost"] == 25.0


def test_unknown_kind_is_refused(tmp_path: Path) -> None:
    class BadKinds(SQLiteStore):
        def accounts_frame(self) -> pd.DataFrame:
            df = super().accounts_frame()
            df.loc[0, "kind"] = "celebrity"
            return df

    bad = BadKinds(tmp_path / "k.db")
    fill(bad)
    with pytest.raises(StoreError, match="celebrity"):
        export_neo4j_import(bad, tmp_path / "bulk")


# --------------------------------------------------------------------------- edges
@pytest.mark.parametrize("from_arrays", [True, False])
def test_edges_match_the_store(store: SQLiteStore, tmp_path: Path, from_arrays: bool) -> None:
    result = export_neo4j_import(store, tmp_path / "bulk", follows_from_arrays=from_arrays)
    _, accounts = read_group(result.files["accounts"])
    ids = {r[":ID"] for r in accounts}

    fcols, follows = read_group(result.files["follows"])
    assert [c.kind for c in fcols] == ["START_ID", "END_ID"]
    assert {c.space for c in fcols} == {"Account"}
    got = [(r[":START_ID"], r[":END_ID"]) for r in follows]
    assert Counter(got) == Counter(store_follows(store))
    assert len(got) == result.counts["follows"] == store.counts().follows == len(FOLLOWS)
    assert {k for e in got for k in e} <= ids  # no relationship to a missing node

    rcols, reposts = read_group(result.files["reposts"])
    assert [c.name for c in rcols[2:]] == ["post_id", "at", "action", "weight"]
    assert [c.kind for c in rcols[2:]] == ["string", "long", "string", "double"]
    got_r = [
        (r[":START_ID"], r[":END_ID"], r["post_id"], r["at"], r["action"], r["weight"])
        for r in reposts
    ]
    assert Counter(got_r) == Counter(store_reposts(store))
    assert Counter(got_r) == Counter(REPOSTS)  # empty post id kept as "", 'p,"2"' intact
    assert len(got_r) == result.counts["reposts"] == store.counts().reposts


def test_follow_arrays_and_iter_edges_write_the_same_file(
    store: SQLiteStore, tmp_path: Path
) -> None:
    a = export_neo4j_import(store, tmp_path / "a", follows_from_arrays=True)
    b = export_neo4j_import(store, tmp_path / "b", follows_from_arrays=False)
    fa, fb = (sorted(read_text(r.files["follows"][1]).splitlines()) for r in (a, b))
    assert fa == fb and len(fa) == len(FOLLOWS)


def test_meta_node_continues_idx(store: SQLiteStore, tmp_path: Path) -> None:
    result = export_neo4j_import(store, tmp_path / "bulk", epoch=42)
    cols, rows = read_group(result.files["meta"])
    assert not any(c.kind == "ID" for c in cols)  # not connected, needs no node id
    assert rows == [
        {"id": 0, "next_idx": store.counts().accounts, "epoch": 42, ":LABEL": ["KolgraphMeta"]}
    ]
    assert result.counts["meta"] == 1


# --------------------------------------------------------------------------- command
def test_command_references_every_file_with_the_right_types(
    store: SQLiteStore, tmp_path: Path
) -> None:
    result = export_neo4j_import(store, tmp_path / "bulk", database="kolgraph")
    args = shlex.split(result.command)
    assert args[:5] == ["neo4j-admin", "database", "import", "full", "kolgraph"]
    assert not any(a.startswith("--") for a in args[:5])  # database before the greedy options
    assert all(a.startswith("--") for a in args[5:])
    assert "--overwrite-destination=true" in args and "--id-type=string" in args
    assert "--multiline-fields=true" in args  # names with line breaks

    nodes = [a.removeprefix("--nodes=") for a in args if a.startswith("--nodes=")]
    rels = dict(
        a.removeprefix("--relationships=").split("=", 1)
        for a in args
        if a.startswith("--relationships=")
    )
    assert set(rels) == {"FOLLOWS", "REPOSTED"}

    def container(paths: list[Path]) -> str:
        return ",".join(f"/import/bulk/{p.name}" for p in paths)

    assert nodes == [container(result.files["accounts"]), container(result.files["meta"])]
    assert rels["FOLLOWS"] == container(result.files["follows"])
    assert rels["REPOSTED"] == container(result.files["reposts"])
    # every file written (but the README) is in the command exactly once, header first
    written = sorted(p.name for p in (tmp_path / "bulk").iterdir() if p.name != "README.txt")
    named = [f.rsplit("/", 1)[1] for g in [*nodes, *rels.values()] for f in g.split(",")]
    assert sorted(named) == written
    for group in [*nodes, *rels.values()]:
        assert group.split(",")[0].endswith("_header.csv")
    # relationship headers carry no :TYPE column: the type comes from the command
    for g in ("follows", "reposts"):
        assert all(c.kind != "TYPE" for c in parse_header(result.files[g][0]))


def test_safe_keys_are_written_bare_and_multiline_stays_off(tmp_path: Path) -> None:
    s = SQLiteStore(tmp_path / "k.db")
    plain = [
        Account(a.platform, a.account_id.replace(",", "").replace('"', ""), name="n", kind=a.kind)
        for a in ACCOUNTS
    ]
    s.upsert_accounts(plain)
    s.add_follows(["x:3", "x:4"], ["x:1", "x:1"])
    s.add_reposts(RepostBatch.from_columns(["x:4"], ["x:1"], ["p"], [5], ["repost"], [1.0]))
    result = export_neo4j_import(s, tmp_path / "bulk", container_dir="/data/import/kg")
    assert not result.multiline_fields
    assert "--multiline-fields" not in result.command
    assert "/data/import/kg/follows_header.csv" in result.command
    assert read_text(result.files["follows"][1]).splitlines() == ["x:3,x:1", "x:4,x:1"]
    _, rows = read_group(result.files["reposts"])
    assert rows[0][":START_ID"] == "x:4" and rows[0]["post_id"] == "p"


@pytest.mark.parametrize(("name", "post_id"), [("plain", "p\n1"), ("a\rb", "p1"), ("a\nb", "p1")])
def test_any_line_break_turns_multiline_on(tmp_path: Path, name: str, post_id: str) -> None:
    s = SQLiteStore(tmp_path / "k.db")
    s.upsert_accounts([Account("x", "1", name=name)])
    s.add_reposts(RepostBatch.from_columns(["x:2"], ["x:1"], [post_id], [5], ["repost"], [1.0]))
    result = export_neo4j_import(s, tmp_path / "bulk")
    assert result.multiline_fields and "--multiline-fields=true" in result.command
    _, rows = read_group(result.files["reposts"])
    assert rows[0]["post_id"] == post_id
    _, accounts = read_group(result.files["accounts"])
    assert accounts[0]["name"] == name


# --------------------------------------------------------------------------- layouts
def test_empty_store_exports_header_only_groups(tmp_path: Path) -> None:
    result = export_neo4j_import(SQLiteStore(tmp_path / "k.db"), tmp_path / "bulk")
    assert result.counts == {"accounts": 0, "meta": 1, "follows": 0, "reposts": 0}
    for group in ("accounts", "follows", "reposts"):
        assert len(result.files[group]) == 1  # the header only
        cols, rows = read_group(result.files[group])
        assert cols and rows == []
    _, meta = read_group(result.files["meta"])
    assert meta[0]["next_idx"] == 0
    args = shlex.split(result.command)
    assert "--nodes=/import/bulk/accounts_header.csv" in args
    assert "--relationships=FOLLOWS=/import/bulk/follows_header.csv" in args
    assert "--multiline-fields=true" not in args


def test_split_gzipped_parts_read_back_the_same(store: SQLiteStore, tmp_path: Path) -> None:
    plain = export_neo4j_import(store, tmp_path / "plain")
    split = export_neo4j_import(
        store, tmp_path / "split", rows_per_file=4, batch_size=3, compress=True
    )
    for group in ("accounts", "meta", "follows", "reposts"):
        header, *parts = split.files[group]
        assert header.suffix == ".csv" and all(p.name.endswith(".csv.gz") for p in parts)
        assert [len(tokenize(read_text(p))) for p in parts[:-1]] == [4] * (len(parts) - 1)
        assert read_group(split.files[group]) == read_group(plain.files[group])
    assert len(split.files["accounts"]) == 1 + 2  # 7 accounts in parts of 4
    assert split.counts == plain.counts


def test_reexport_replaces_its_own_files_only(store: SQLiteStore, tmp_path: Path) -> None:
    out = tmp_path / "bulk"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    export_neo4j_import(store, out, rows_per_file=1)
    assert (out / "follows_0005.csv").exists()
    result = export_neo4j_import(store, out)
    names = {p.name for p in out.iterdir()}
    assert "follows_0005.csv" not in names and "notes.txt" in names
    assert names == {p.name for ps in result.files.values() for p in ps} | {"notes.txt"}


def test_progress_rate_and_readme(store: SQLiteStore, tmp_path: Path) -> None:
    seen: list[int] = []
    result = export_neo4j_import(store, tmp_path / "bulk", batch_size=2, progress=seen.append)
    n = store.counts()
    assert sum(seen) == n.accounts + n.follows + n.reposts
    assert max(seen) <= 2
    assert result.rows == n.accounts + n.follows + n.reposts + 1
    assert result.rate == pytest.approx(result.rows / result.seconds)
    readme = result.files["readme"][0].read_text(encoding="utf-8")
    assert result.command in readme
    assert "docker compose stop neo4j" in readme and "schema.cypher" in readme
    assert f"next_idx = {n.accounts}" in readme


def test_demo_network_round_trip(tmp_path: Path) -> None:
    s = SQLiteStore(tmp_path / "demo.db")
    load_demo(s, generate_demo(1_500, seed=3, n_communities=4))
    result = export_neo4j_import(s, tmp_path / "bulk", batch_size=1_000)
    n = s.counts()
    assert result.counts == {
        "accounts": n.accounts,
        "meta": 1,
        "follows": n.follows,
        "reposts": n.reposts,
    }
    _, follows = read_group(result.files["follows"])
    assert Counter((r[":START_ID"], r[":END_ID"]) for r in follows) == Counter(store_follows(s))
    _, accounts = read_group(result.files["accounts"])
    kinds = Counter(tuple(sorted(r[":LABEL"])) for r in accounts)
    assert {lab for labs in kinds for lab in labs} == {"Account", "KOL", "Media", "Own", "User"}


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"batch_size": 0}, "batch_size"),
        ({"rows_per_file": 0}, "rows_per_file"),
        ({"database": "system"}, "database name"),
        ({"database": "a"}, "database name"),
        ({"database": "bad name"}, "database name"),
        ({"container_dir": "import/kg"}, "container_dir"),
        ({"container_dir": "/import/a,b"}, "container_dir"),
        ({"container_dir": "/import/k(g)"}, "container_dir"),
    ],
)
def test_bad_options(tmp_path: Path, kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(InputError, match=match):
        export_neo4j_import(SQLiteStore(tmp_path / "k.db"), tmp_path / "bulk", **kwargs)
    assert not (tmp_path / "bulk").exists()  # refused before writing anything
