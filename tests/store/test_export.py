"""Export frames: one row per account with its scores, every edge in fixed columns."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from kolgraph.demo import load_demo
from kolgraph.model import EdgeType
from kolgraph.rank.job import run_rank
from kolgraph.store import SQLiteStore
from kolgraph.store.export import EDGE_COLUMNS, EXPORT_COLUMNS, edge_frames, scores_frame
from kolgraph.synth import generate_demo


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    """A 300-account demo network, loaded but not ranked."""
    with SQLiteStore(tmp_path / "k.db") as st:
        load_demo(st, generate_demo(300, seed=5))
        yield st


def test_scores_frame_of_an_empty_store(tmp_path: Path) -> None:
    with SQLiteStore(tmp_path / "empty.db") as st:
        df = scores_frame(st)
    assert list(df.columns) == list(EXPORT_COLUMNS) and df.empty


def test_scores_frame_before_a_run_keeps_dense_order(store: SQLiteStore) -> None:
    df = scores_frame(store)
    assert list(df.columns) == list(EXPORT_COLUMNS)
    assert list(df["key"]) == list(store.accounts_frame()["key"])
    assert df["pagerank"].isna().all() and df["run_id"].isna().all()
    assert (df["flags"] == "").all()


def test_scores_frame_after_a_run(store: SQLiteStore) -> None:
    result = run_rank(store)
    df = scores_frame(store)
    assert len(df) == store.counts().accounts
    assert df["pagerank"].is_monotonic_decreasing
    assert df["pagerank"].sum() == pytest.approx(1.0)
    assert (df["run_id"] == result.run.id).all()
    assert str(df["followers"].dtype) == "Int64" and str(df["audience"].dtype) == "Int64"
    acc = store.accounts_frame().set_index("key")
    assert (df.set_index("key")["kind"] == acc["kind"].loc[df["key"]]).all()
    flags = store.current_scores()["flags"]
    assert set(df["flags"]) == {" | ".join(f) if f else "" for f in flags}


def test_edge_frames_follows_then_reposts(store: SQLiteStore) -> None:
    frames = list(edge_frames(store))
    assert all(list(f.columns) == list(EDGE_COLUMNS) for f in frames)
    df = pd.concat(frames, ignore_index=True)
    counts = store.counts()
    assert list(df["type"]) == ["follow"] * counts.follows + ["repost"] * counts.reposts
    follows = frames[0]
    assert str(follows["ts"].dtype) == "Int64" and str(follows["weight"].dtype) == "Float64"
    assert follows[["post_id", "ts", "action", "weight"]].isna().all().all()
    # missing values are empty CSV cells, not "nan"
    first = follows.head(1).to_csv(index=False, header=False).strip()
    assert first.endswith("follow,,,,") and "nan" not in first
    reposts = df[df["type"] == "repost"]
    assert reposts["ts"].notna().all() and reposts["post_id"].notna().all()


def test_edge_frames_of_one_type(store: SQLiteStore) -> None:
    reposts = pd.concat(edge_frames(store, [EdgeType.REPOST]), ignore_index=True)
    assert (reposts["type"] == "repost").all() and len(reposts) == store.counts().reposts
    csv = io.StringIO()
    reposts.to_csv(csv, index=False)
    assert csv.getvalue().splitlines()[0] == ",".join(EDGE_COLUMNS)
