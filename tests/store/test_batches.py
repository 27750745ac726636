"""RepostBatch: columns checked once, bad rows named."""

from __future__ import annotations

import numpy as np
import pytest

from kolgraph.errors import InputError
from kolgraph.store.batches import RepostBatch


def test_from_columns_converts_and_defaults_the_weight() -> None:
    b = RepostBatch.from_columns(
        ["x:1", "x:2"], ["x:0", "x:0"], ["p", "q"], [10, 20], ["repost"] * 2
    )
    assert len(b) == 2
    assert b.ts.dtype == np.int64 and b.weight.dtype == np.float64
    assert b.src.dtype == object and b.src.tolist() == ["x:1", "x:2"]
    assert b.weight.tolist() == [1.0, 1.0]
    w = RepostBatch.from_columns(["x:1"], ["x:0"], ["p"], np.array([5]), ["reply"], ["2.5"])
    assert w.weight.tolist() == [2.5] and w.ts.tolist() == [5]


def test_bad_columns_name_the_row() -> None:
    with pytest.raises(InputError, match=r"64-bit integers \(row 1: 1180591620717411303424\)"):
        RepostBatch.from_columns(["a:1", "a:2"], ["b:1", "b:1"], ["p", "p"], [1, 2**70], ["r"] * 2)
    with pytest.raises(InputError, match="row 0: 'heavy'"):
        RepostBatch.from_columns(["a:1"], ["b:1"], ["p"], [1], ["r"], ["heavy"])
    with pytest.raises(InputError, match="row 2: None"):
        RepostBatch.from_columns(["a:1"] * 3, ["b:1"] * 3, ["p"] * 3, [1, 2, None], ["r"] * 3)
    with pytest.raises(InputError, match=r"different lengths.*ts 2"):
        RepostBatch.from_columns(["a:1"], ["b:1"], ["p"], [1, 2], ["r"])


def test_constructor_checks_shapes_and_dtypes() -> None:
    good = RepostBatch.from_columns(["a:1"], ["b:1"], ["p"], [1], ["r"])
    with pytest.raises(InputError, match="int64"):
        RepostBatch(
            good.src, good.dst, good.post_id, good.ts.astype(np.int32), good.action, good.weight
        )
    with pytest.raises(InputError, match="one length"):
        RepostBatch(good.src, good.dst[:0], good.post_id, good.ts, good.action, good.weight)


def test_slices_concat_and_empty() -> None:
    b = RepostBatch.from_columns(
        ["a:1", "a:2", "a:3"], ["b:1"] * 3, ["p"] * 3, [1, 2, 3], ["r"] * 3
    )
    assert b[1:].ts.tolist() == [2, 3] and len(b[:0]) == 0
    both = RepostBatch.concat([b[:1], b[2:]])
    assert both.src.tolist() == ["a:1", "a:3"] and both.ts.dtype == np.int64
    assert len(RepostBatch.concat([])) == len(RepostBatch.empty()) == 0
