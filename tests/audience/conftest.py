"""Small stores whose audience answers are worked out by hand in the tests.

One store holds three graphs on platform ``x`` (audiences are disjoint between them,
except where said):

* overlap: ``x:a`` ← u1..u4, ``x:b`` ← u3..u5, ``x:c`` ← u5, u6;
* affinity: the brand ``x:brand`` ← p0..p4; KOLs ``x:k1`` ← p0..p3, ``x:k2`` ← p0..p9,
  ``x:k3`` ← p0, ``x:k4`` ← p5..p9;
* lookalikes: ``x:t`` ← q0..q9; KOLs ``x:l1`` (cost 100) ← q0..q7, ``x:l2`` (cost 50)
  ← q0..q4 and r0..r4, ``x:l3`` (cost 10) ← r0..r9; media ``x:l4`` (cost 1000) ← q0..q9.

Only the ``u``, ``p``, ``q`` and ``r`` users follow anyone, so the people in anyone's
audience are u1..u6, p0..p9, q0..q9 and r0..r9: 36.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kolgraph.model import Account, Kind
from kolgraph.rank.job import RankParams, run_rank
from kolgraph.store import SQLiteStore

POPULATION = 36


def audience_edges() -> list[tuple[str, str]]:
    """Follower → followed edges of the three graphs (see the module docstring)."""
    followers = {
        "x:a": [f"x:u{i}" for i in (1, 2, 3, 4)],
        "x:b": [f"x:u{i}" for i in (3, 4, 5)],
        "x:c": [f"x:u{i}" for i in (5, 6)],
        "x:brand": [f"x:p{i}" for i in range(5)],
        "x:k1": [f"x:p{i}" for i in range(4)],
        "x:k2": [f"x:p{i}" for i in range(10)],
        "x:k3": ["x:p0"],
        "x:k4": [f"x:p{i}" for i in range(5, 10)],
        "x:t": [f"x:q{i}" for i in range(10)],
        "x:l1": [f"x:q{i}" for i in range(8)],
        "x:l2": [f"x:q{i}" for i in range(5)] + [f"x:r{i}" for i in range(5)],
        "x:l3": [f"x:r{i}" for i in range(10)],
        "x:l4": [f"x:q{i}" for i in range(10)],
    }
    return [(f, acc) for acc, fs in followers.items() for f in fs]


ACCOUNTS = [
    Account("x", "a", name="Ay", kind=Kind.KOL, cost=10.0),
    Account("x", "b", name="Bee", kind=Kind.KOL),
    Account("x", "c", name="Sea", kind=Kind.MEDIA),
    Account("x", "brand", name="Rival Brand", kind=Kind.OWN),
    *(Account("x", f"k{i}", name=f"Kay {i}", kind=Kind.KOL) for i in range(1, 5)),
    Account("x", "t", name="Target", kind=Kind.KOL, cost=500.0),
    Account("x", "l1", name="Ell One", kind=Kind.KOL, cost=100.0),
    Account("x", "l2", name="Ell Two", kind=Kind.KOL, cost=50.0),
    Account("x", "l3", name="Ell Three", kind=Kind.KOL, cost=10.0),
    Account("x", "l4", name="Ell News", kind=Kind.MEDIA, cost=1000.0),
]


def build_audience_store(db: Path, *, rank: bool = False) -> Path:
    """The three graphs in a new SQLite store at ``db``, ranked with whole sketches if asked."""
    st = SQLiteStore(db)
    try:
        st.upsert_accounts(ACCOUNTS)
        edges = audience_edges()
        st.add_follows([s for s, _ in edges], [d for _, d in edges])
        if rank:
            run_rank(st, params=RankParams(overlap_top_k=10, sketch_min_audience=1))
    finally:
        st.close()
    return db


@pytest.fixture
def audience_db(tmp_path: Path) -> Path:
    """An unranked store of the three graphs."""
    return build_audience_store(tmp_path / "aud.db")


@pytest.fixture
def ranked_audience_db(tmp_path: Path) -> Path:
    """The three graphs, ranked (audience sketches of every account, stored whole)."""
    return build_audience_store(tmp_path / "aud.db", rank=True)
