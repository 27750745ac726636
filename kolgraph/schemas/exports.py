"""A Parquet export of the graph: ``kolgraph export parquet DIR --format json``.

:class:`ParquetManifestOut` has the fields of the export's ``manifest.json``
(see :mod:`kolgraph.store.parquet`), so the command prints what the directory holds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from kolgraph.store.parquet import Manifest

__all__ = ["ParquetManifestOut", "ParquetTableOut"]


class ParquetTableOut(BaseModel):
    """One table of the export: its part files, rows and column types."""

    # ``schema`` would shadow a BaseModel attribute: the field is ``columns``, named ``schema``
    # in JSON both ways
    model_config = ConfigDict(serialize_by_alias=True, validate_by_name=True)

    files: list[str] = Field(description="Part files, relative to the export directory.")
    rows: int
    columns: dict[str, str] = Field(
        alias="schema", description="Column → type (int64, string, float64), in order."
    )


class ParquetManifestOut(BaseModel):
    """What a Parquet export holds, and where it came from."""

    format: Literal["kolgraph-graph"]
    version: int
    export_id: str
    created: str = Field(description="When the export was written (ISO 8601, UTC).")
    store: str = Field(description="Store backend it was read from (sqlite or neo4j).")
    current_run: str | None = Field(description="The store's published rank run, if any.")
    counts: dict[str, int] = Field(description="Rows of accounts, follows and reposts.")
    tables: dict[str, ParquetTableOut]

    @classmethod
    def from_manifest(cls, m: Manifest) -> ParquetManifestOut:
        """The manifest as :mod:`kolgraph.store.parquet` wrote it."""
        return cls.model_validate(m.to_dict())
