"""Ingest fixtures: an empty SQLite store per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kolgraph.store import SQLiteStore


@pytest.fixture
def st(tmp_path: Path) -> Iterator[SQLiteStore]:
    store = SQLiteStore(tmp_path / "kol.db")
    yield store
    store.close()
