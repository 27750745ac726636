"""Importing account metadata: names, kinds, follower counts and prices."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

from kolgraph.errors import InputError
from kolgraph.model import Account, Kind, check_platform, split_key
from kolgraph.store.base import Store

__all__ = ["import_accounts", "read_accounts"]

_KINDS = {k.value for k in Kind}


def read_accounts(path: str | Path, *, platform: str | None = None) -> list[Account]:
    """Read accounts from a CSV file with a header row.

    Columns: either ``key`` (``platform:id``) or ``id`` (with a ``platform``
    column or the ``platform`` argument); optional ``name``, ``kind`` (kol,
    media, own, user), ``followers`` (integer) and ``cost`` (price per post).
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
    out: list[Account] = []
    for lineno, row in enumerate(reader, start=2):

        def bad(msg: str, lineno: int = lineno) -> InputError:
            return InputError(msg, source=str(path), line=lineno)

        try:
            if row.get("key"):
                plat, account_id = split_key(row["key"].strip())
            else:
                plat = (row.get("platform") or platform or "").strip()
                account_id = (row.get("id") or "").strip()
                if not plat:
                    raise bad(
                        "no platform",
                    )
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
        followers: int | None = None
        if (row.get("followers") or "").strip():
            try:
                followers = int(row["followers"].strip())
            except ValueError as exc:
                raise bad(f"followers {row['followers']!r} is not an integer") from exc
            if followers < 0:
                raise bad("followers must be >= 0")
        cost: float | None = None
        if (row.get("cost") or "").strip():
            try:
                cost = float(row["cost"].strip())
            except ValueError as exc:
                raise bad(f"cost {row['cost']!r} is not a number") from exc
            if not math.isfinite(cost) or cost < 0:
                raise bad("cost must be a finite number >= 0")
        out.append(
            Account(
                platform=plat,
                account_id=account_id,
                name=(row.get("name") or "").strip(),
                kind=Kind(kind_s) if kind_s else Kind.USER,
                followers=followers,
                cost=cost,
            )
        )
    if not out:
        raise InputError("file has a header but no accounts", source=str(path))
    return out


def import_accounts(
    store: Store, path: str | Path, *, platform: str | None = None
) -> tuple[int, int]:
    """Upsert the accounts of a CSV file; return ``(rows, new accounts)``."""
    accounts = read_accounts(path, platform=platform)
    return len(accounts), store.upsert_accounts(accounts)
