"""Importing account metadata from CSV: names, kinds, follower counts and prices."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from kolgraph.errors import InputError
from kolgraph.model import Account, Kind, check_platform, split_key
from kolgraph.store.base import Store

__all__ = ["import_accounts", "read_accounts"]

_KINDS = {k.value for k in Kind}
_Number = TypeVar("_Number", int, float)


def read_accounts(path: str | Path, *, platform: str | None = None) -> list[Account]:
    """Read accounts from a CSV file with a header row.

    Columns: either ``key`` (``platform:id``) or ``id`` (with a ``platform``
    column or the ``platform`` argument); optional ``name``, ``kind`` (kol,
    media, own, partner, user), ``followers`` (integer) and ``cost`` (price per post).
    Empty cells leave the stored value unchanged.

    Raises
    ------
    InputError
        Naming the file, line and field of the first bad value.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", source=str(path))
    text = path.read_text(encoding="utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    fields = set(reader.fieldnames or ())
    if not fields:
        raise InputError("file is empty", source=str(path), hint="the first row must be a header")
    if "key" not in fields and "id" not in fields:
        raise InputError(
            f"no 'key' or 'id' column in header {sorted(fields)}",
            source=str(path),
            line=1,
            hint="add a key column (platform:id) or id and platform columns",
        )
    out = [
        _read_row(row, platform, source=str(path), line=lineno)
        for lineno, row in enumerate(reader, start=2)
    ]
    if not out:
        raise InputError("file has a header but no accounts", source=str(path))
    return out


def _read_row(
    row: dict[str, str | None], platform: str | None, *, source: str, line: int
) -> Account:
    """The account of CSV row ``row``, line ``line`` of file ``source``.

    ``platform`` is the platform of a row with an ``id`` but no ``platform``.
    """

    def bad(message: str) -> InputError:
        return InputError(message, source=source, line=line)

    try:
        if row.get("key"):
            plat, account_id = split_key((row["key"] or "").strip())
        else:
            plat = (row.get("platform") or platform or "").strip()
            account_id = (row.get("id") or "").strip()
            if not plat:
                raise bad("no platform")
            if not account_id:
                raise bad("empty id")
        check_platform(plat)
    except InputError as exc:
        if exc.source is None:
            raise bad(exc.message) from exc
        raise
    kind_s = (row.get("kind") or "").strip().lower()
    if kind_s and kind_s not in _KINDS:
        raise bad(f"kind {kind_s!r} is not one of {', '.join(sorted(_KINDS))}")
    followers = _number(row, "followers", int, "an integer", bad)
    if followers is not None and followers < 0:
        raise bad("followers must be >= 0")
    cost = _number(row, "cost", float, "a number", bad)
    if cost is not None and (not math.isfinite(cost) or cost < 0):
        raise bad("cost must be a finite number >= 0")
    return Account(
        platform=plat,
        account_id=account_id,
        name=(row.get("name") or "").strip(),
        kind=Kind(kind_s) if kind_s else Kind.USER,
        followers=followers,
        cost=cost,
    )


def _number(
    row: dict[str, str | None],
    column: str,
    parse: Callable[[str], _Number],
    noun: str,
    bad: Callable[[str], InputError],
) -> _Number | None:
    """The number in ``row[column]`` (``parse`` of the stripped cell), None for an empty cell."""
    raw = row.get(column) or ""
    if not raw.strip():
        return None
    try:
        return parse(raw.strip())
    except ValueError as exc:
        raise bad(f"{column} {raw!r} is not {noun}") from exc


def import_accounts(
    store: Store, path: str | Path, *, platform: str | None = None
) -> tuple[int, int]:
    """Upsert the accounts of a CSV file; return ``(rows, new accounts)``."""
    accounts = read_accounts(path, platform=platform)
    return len(accounts), store.upsert_accounts(accounts)
