"""Account metadata from CSV: keys or ids, kinds, follower counts, prices, and bad cells."""

from __future__ import annotations

from pathlib import Path

import pytest

from kolgraph.errors import InputError
from kolgraph.ingest.accounts import import_accounts, read_accounts
from kolgraph.model import Account, Kind
from kolgraph.store import SQLiteStore

from .helpers import write


def test_key_column_with_every_field(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "accounts.csv",
        "\ufeffkey,name,kind,followers,cost\n"
        "x:1, Big KOL ,KOL,5000,300.5\n"
        "x:2,,,,\n"
        "weibo:3,News,media, 12 , 40\n",
    )
    assert read_accounts(path) == [
        Account("x", "1", "Big KOL", Kind.KOL, 5000, 300.5),
        Account("x", "2", "", Kind.USER, None, None),  # empty cells leave stored values alone
        Account("weibo", "3", "News", Kind.MEDIA, 12, 40.0),
    ]


def test_id_column_with_platform_column_or_argument(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", "id,platform,name\n7,x,Seven\n8,,Eight\n")
    accounts = read_accounts(path, platform="weibo")
    assert [(a.platform, a.account_id, a.name) for a in accounts] == [
        ("x", "7", "Seven"),
        ("weibo", "8", "Eight"),
    ]
    with pytest.raises(InputError, match="no platform") as info:
        read_accounts(path)
    assert info.value.line == 3 and info.value.source == str(path)


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("x:1,nobody,7,1", r"kind 'nobody' is not one of kol, media, own, partner, user"),
        ("x:1,kol,many,1", r"followers 'many' is not an integer"),
        ("x:1,kol,-1,1", r"followers must be >= 0"),
        ("x:1,kol,1,cheap", r"cost 'cheap' is not a number"),
        ("x:1,kol,1,-5", r"cost must be a finite number >= 0"),
        ("x:1,kol,1,inf", r"cost must be a finite number >= 0"),
        ("nokey,kol,1,1", r"invalid account key 'nokey'"),
        ("X:1,kol,1,1", r"invalid platform name 'X'"),
    ],
)
def test_bad_cell_names_file_and_line(tmp_path: Path, row: str, reason: str) -> None:
    path = write(tmp_path, "a.csv", "key,kind,followers,cost\nx:0,user,1,\n" + row + "\n")
    with pytest.raises(InputError, match=reason) as info:
        read_accounts(path)
    assert info.value.source == str(path) and info.value.line == 3
    assert str(info.value).startswith(f"{path}:3: ")


def test_empty_id(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", "id,platform\n,x\n")
    with pytest.raises(InputError, match="empty id") as info:
        read_accounts(path)
    assert info.value.line == 2


@pytest.mark.parametrize(
    ("content", "reason", "line"),
    [
        ("", r"file is empty", None),
        ("name,kind\nA,kol\n", r"no 'key' or 'id' column", 1),
        ("key,name\n", r"file has a header but no accounts", None),
    ],
)
def test_bad_files(tmp_path: Path, content: str, reason: str, line: int | None) -> None:
    path = write(tmp_path, "a.csv", content)
    with pytest.raises(InputError, match=reason) as info:
        read_accounts(path)
    assert info.value.source == str(path) and info.value.line == line


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        read_accounts(tmp_path / "nope.csv")


def test_import_upserts(st: SQLiteStore, tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", "key,name,kind,cost\nx:1,One,kol,10\nx:2,Two,own,\n")
    assert import_accounts(st, path) == (2, 2)
    assert import_accounts(st, path) == (2, 0)  # the same file again adds nothing
    frame = st.accounts_frame().set_index("key")
    assert frame.loc["x:1", "kind"] == "kol" and frame.loc["x:1", "cost"] == 10.0
    assert frame.loc["x:2", "kind"] == "own"


def test_partner_kind_is_read_and_stored(st: SQLiteStore, tmp_path: Path) -> None:
    path = write(
        tmp_path, "a.csv", "key,name,kind,cost\nx:7,Ally Co,Partner,25\nx:8,Sister Brand,partner,\n"
    )
    assert read_accounts(path) == [
        Account("x", "7", "Ally Co", Kind.PARTNER, None, 25.0),
        Account("x", "8", "Sister Brand", Kind.PARTNER, None, None),
    ]
    assert import_accounts(st, path) == (2, 2)
    frame = st.accounts_frame().set_index("key")
    assert frame.loc[["x:7", "x:8"], "kind"].tolist() == ["partner", "partner"]
    assert frame.loc["x:7", "cost"] == 25.0
