"""``kolgraph keys``: make, list and revoke the API's keys."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from kolgraph.cli.common import (
    DbOpt,
    FormatOpt,
    OutFormat,
    StoreOpt,
    console,
    handle_errors,
    opened_store,
    out,
    write_json,
)

__all__ = ["keys_app"]

keys_app = typer.Typer(help="API keys: create (shown once), list, revoke.", no_args_is_help=True)


@keys_app.command("create")
@handle_errors
def create(
    name: Annotated[str, typer.Option("--name", help="Who or what the key is for.")],
    scope: Annotated[
        str, typer.Option("--scope", help="read, plan (read + make plans) or admin (everything).")
    ] = "read",
    db: DbOpt = None,
    store: StoreOpt = None,
    fmt: FormatOpt = OutFormat.table,
) -> None:
    """Make a key; it is printed once, and the store keeps only a salted hash of it."""
    from kolgraph.keys import create_key
    from kolgraph.schemas.keys import KeyOut, NewKeyOut

    with opened_store(db, store) as st:
        new = create_key(st, name, scope)
    if fmt is OutFormat.json:
        write_json(NewKeyOut(**KeyOut.from_record(new.record).model_dump(), key=new.key))
        return
    out.print(new.key, highlight=False, soft_wrap=True)
    console.print(
        f"key {new.record.id} ({new.record.name}, scope {new.record.scope}) made; "
        "copy it now: it is not shown again",
        highlight=False,
    )


@keys_app.command("list")
@handle_errors
def list_keys(db: DbOpt = None, store: StoreOpt = None, fmt: FormatOpt = OutFormat.table) -> None:
    """Every key, revoked ones too, with its scope and when it was last used."""
    from kolgraph.schemas.keys import KeyOut, KeysPage

    with opened_store(db, store) as st:
        records = st.keys.all()
    if fmt is OutFormat.json:
        write_json(KeysPage(data=[KeyOut.from_record(r) for r in records], count=len(records)))
        return
    t = Table(title=f"API keys ({sum(r.active for r in records)} active)")
    for col in ("id", "name", "scope", "created", "last used", "revoked"):
        t.add_column(col)
    for r in records:
        t.add_row(r.id, r.name, r.scope, r.created, r.last_used or "-", r.revoked or "-")
    out.print(t)


@keys_app.command("revoke")
@handle_errors
def revoke(
    key: Annotated[str, typer.Argument(help="The key's id or active name.")],
    db: DbOpt = None,
    store: StoreOpt = None,
) -> None:
    """Revoke a key: requests with it get 401 from then on (within the server's key cache)."""
    from kolgraph.keys import revoke_key

    with opened_store(db, store) as st:
        r = revoke_key(st, key)
    console.print(f"key {r.id} ({r.name}) revoked at {r.revoked}", highlight=False)
