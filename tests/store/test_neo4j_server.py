"""The Maven-assembled Neo4j of ``tools/neo4j-server``: script, bulk import, faults mid-run.

These tests stop, overwrite and restart a server. When the suite runs its own server (its
data is scratch: every Neo4j test clears it first) they use that one and leave it running,
which spares starting and stopping a second JVM; when ``KOLGRAPH_NEO4J_URI`` names an outside
server, which must not be touched, they get one of their own (a scratch home on free ports).
"""

from __future__ import annotations

import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from neo4j_server import LocalNeo4j, missing_tools

from kolgraph.demo import load_demo
from kolgraph.errors import StoreError
from kolgraph.rank.job import RankParams, run_rank
from kolgraph.store import SQLiteStore
from kolgraph.store.neo4j import Neo4jStore
from kolgraph.store.neo4j_db import close_drivers
from kolgraph.synth import generate_demo

pytestmark = pytest.mark.neo4j


@pytest.fixture(scope="module")
def scratch(
    tmp_path_factory: pytest.TempPathFactory, neo4j_server: LocalNeo4j | None
) -> Iterator[LocalNeo4j]:
    """A local server of ``neo4j.sh`` that these tests may stop and overwrite.

    The suite's own when it has one (left running, with no kolgraph data); otherwise a second
    local server (needs the same tools as the suite's; skips/fails the same way).
    """
    if neo4j_server is not None:
        started_here = neo4j_server.started_here  # a restart here does not change who stops it
        try:
            yield neo4j_server
        finally:
            neo4j_server.started_here = started_here
            if neo4j_server.running():
                with _store(neo4j_server) as st:
                    st.clear()
        return
    if missing_tools():
        pytest.skip("KOLGRAPH_NEO4J_URI is set and Java/Maven are missing: no scratch server")
    server = LocalNeo4j(tmp_path_factory.mktemp("neo4j-scratch"), heap="768m")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _store(server: LocalNeo4j) -> Neo4jStore:
    return Neo4jStore(server.uri, retry_seconds=2.0, connect_timeout=60.0)


def test_start_is_a_no_op_on_a_running_server(scratch: LocalNeo4j) -> None:
    pid = (scratch.home / "run" / "neo4j.pid").read_text().strip()
    res = scratch._script("start")
    assert res.returncode == 0
    assert res.stdout.strip() == scratch.uri == f"bolt://127.0.0.1:{scratch.bolt_port}"
    assert (scratch.home / "run" / "neo4j.pid").read_text().strip() == pid
    status = scratch._script("status")
    assert status.returncode == 0 and status.stdout.strip() == scratch.uri


def test_status_and_stop_of_a_home_with_no_server(tmp_path: Path) -> None:
    idle = LocalNeo4j(tmp_path / "idle")
    res = idle._script("status")
    assert res.returncode == 3 and "not running" in res.stderr
    assert idle._script("stop").returncode == 0  # stopping nothing is fine


def _frame(store: SQLiteStore | Neo4jStore) -> pd.DataFrame:
    cols = ["key", "platform", "account_id", "name", "kind", "followers", "cost", "verified"]
    acc = store.accounts_frame()
    return acc[[c for c in cols if c in acc.columns]].set_index("key").sort_index()


def _pairs(store: SQLiteStore | Neo4jStore) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    g = store.graph_arrays()
    key = store.accounts_frame()["key"].to_numpy()
    follows = set(zip(key[g.follow_src], key[g.follow_dst], strict=True))
    reposts = set(zip(key[g.repost_src], key[g.repost_dst], strict=True))
    return follows, reposts


def test_bulk_import_of_an_export_matches_the_embedded_store(
    scratch: LocalNeo4j, tmp_path: Path
) -> None:
    db = tmp_path / "lite.db"
    lite = SQLiteStore(db)
    # 40 posts: reposts still, but too few cascades for the rank job to fit an engagement
    # model (the Neo4j parity test covers that), so both rank runs below stay short
    load_demo(lite, generate_demo(2_000, seed=21, n_posts=40))
    out_dir = tmp_path / "bulk"
    cli = [sys.executable, "-m", "kolgraph", "export", "neo4j-import", str(out_dir)]
    export = subprocess.run(
        [*cli, "--db", str(db), "--container-dir", str(out_dir)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert export.returncode == 0, export.stderr
    command = export.stdout.strip().splitlines()[-1]
    assert command.startswith("neo4j-admin database import full neo4j ")
    args = shlex.split(command)[1:]
    # the README in the directory tells the same steps, through the same script
    readme = (out_dir / "README.txt").read_text()
    assert f"tools/neo4j-server/neo4j.sh admin {command.removeprefix('neo4j-admin ')}" in readme

    scratch.stop()
    imported = scratch.admin(*args)
    assert imported.returncode == 0, imported.stdout[-3000:] + imported.stderr[-3000:]
    assert "IMPORT DONE" in imported.stdout + imported.stderr
    scratch.start()
    # connect as a new process would: the drivers this one keeps hold bookmarks and schema
    # checks of the database that the import replaced
    close_drivers()

    neo = _store(scratch)
    assert neo.counts() == lite.counts()
    a, b = _frame(lite), _frame(neo)
    assert list(a.index) == list(b.index)
    pd.testing.assert_frame_equal(a, b, check_dtype=False)
    assert _pairs(neo) == _pairs(lite)
    # the imported store ranks like the embedded one
    params = RankParams(overlap_top_k=50)
    run_rank(lite, params=params)
    run_rank(neo, params=params)
    pa = lite.current_scores().set_index(lite.accounts_frame()["key"])["pagerank"].sort_index()
    pb = neo.current_scores().set_index(neo.accounts_frame()["key"])["pagerank"].sort_index()
    assert np.abs(pa.to_numpy() - pb.to_numpy()).max() < 1e-9
    # new accounts continue the dense idx numbering after the imported ones
    n = len(a)
    from kolgraph.model import Account

    neo.upsert_accounts([Account("x", "after-import")])
    assert neo.accounts_frame().shape[0] == n + 1
    assert neo.graph_arrays().n_nodes == n + 1


def test_server_gone_mid_run_is_a_store_error_and_the_previous_run_stays(
    scratch: LocalNeo4j,
) -> None:
    neo = _store(scratch)
    neo.clear()
    load_demo(neo, generate_demo(1_500, seed=4))
    first = run_rank(neo, params=RankParams(overlap_top_k=50))
    before = neo.current_scores()

    def stop_between_stages(stage: str, done: int, total: int) -> None:
        if stage == "overlap" and done == 0:  # after PageRank and communities, before writing
            scratch.stop()

    try:
        with pytest.raises(StoreError) as info:
            run_rank(neo, params=RankParams(overlap_top_k=50), progress=stop_between_stages)
        assert scratch.uri in info.value.message
        assert info.value.hint and "neo4j.sh status" in info.value.hint
    finally:
        scratch.start()
    after = _store(scratch)
    cur = after.current_run()
    assert cur is not None and cur.id == first.run.id
    pd.testing.assert_frame_equal(after.current_scores(), before)
    # and the job can simply be run again
    again = run_rank(after, params=RankParams(overlap_top_k=50))
    assert after.current_run().id == again.run.id  # type: ignore[union-attr]
