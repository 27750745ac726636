"""The demo's store side: loading a generated network, and recognising it in a store."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kolgraph.demo import is_loaded, load_demo
from kolgraph.errors import InputError
from kolgraph.store import SQLiteStore
from kolgraph.synth import generate_demo


def _pair_codes(src: np.ndarray, dst: np.ndarray, n: int) -> np.ndarray:
    codes: np.ndarray = src.astype(np.int64) * n + dst
    return codes


# --------------------------------------------------------------------------- load
def test_load_into_sqlite(tmp_path: Path) -> None:
    net = generate_demo(2_000, seed=3)
    seen: list[int] = []
    store = SQLiteStore(tmp_path / "k.db")
    try:
        counts = load_demo(store, net, batch_size=10_000, progress=seen.append)
        expected = {"accounts": 2_000, "follows": net.n_follows, "reposts": net.n_reposts}
        assert counts == expected
        stored = store.counts()
        assert (stored.accounts, stored.follows, stored.reposts) == tuple(expected.values())
        assert sum(seen) == sum(expected.values())

        # the store's dense order is the network's order
        frame = store.accounts_frame()
        assert list(frame["key"]) == list(net.keys())
        assert list(frame["kind"]) == list(net.accounts["kind"])
        np.testing.assert_array_equal(frame["followers"], net.accounts["followers"])
        np.testing.assert_array_equal(frame["cost"], net.accounts["cost"])
        arrays = store.graph_arrays()
        stored_follows = np.sort(_pair_codes(arrays.follow_src, arrays.follow_dst, 2_000))
        np.testing.assert_array_equal(
            stored_follows, _pair_codes(net.follow_src, net.follow_dst, 2_000)
        )

        again = load_demo(store, net)
        assert again == {"accounts": 0, "follows": 0, "reposts": 0}
        assert store.counts() == stored
    finally:
        store.close()


def test_load_rejects_bad_batch(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "k.db")
    try:
        with pytest.raises(InputError):
            load_demo(store, generate_demo(1_000), batch_size=0)
    finally:
        store.close()


# --------------------------------------------------------------------------- is_loaded
def test_is_loaded_only_for_the_same_network(tmp_path: Path) -> None:
    from dataclasses import replace

    from kolgraph.model import Account, Kind

    net = generate_demo(1_000, seed=2)
    with SQLiteStore(tmp_path / "k.db") as store:
        assert not is_loaded(store, net)  # empty
        load_demo(store, net)
        assert is_loaded(store, net)
        assert not is_loaded(store, generate_demo(1_000, seed=3))  # same size, other edges
        assert not is_loaded(store, generate_demo(1_001, seed=2))

        # one sampled follow edge (the first one) moved elsewhere: counts and keys still match
        src, dst = int(net.follow_src[0]), int(net.follow_dst[0])
        followed = set(net.follow_dst[net.follow_src == src].tolist())
        other = next(v for v in range(net.n_accounts) if v != src and v not in followed)
        moved = net.follow_dst.copy()
        moved[0] = other
        assert dst != other and not is_loaded(store, replace(net, follow_dst=moved))
        # a sample of 0 edges checks the accounts and counts only
        assert is_loaded(store, replace(net, follow_dst=moved), sample=0)

        store.upsert_accounts([Account("demo", "extra", "extra", Kind.USER, None, None)])
        assert not is_loaded(store, net)  # an account that is not the demo's
