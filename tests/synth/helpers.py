"""Helpers of the generator tests."""

from __future__ import annotations

import numpy as np

from kolgraph.synth import DemoNetwork

START = 1_767_225_600
N = 20_000


def arrays(n: DemoNetwork) -> list[np.ndarray]:
    """The edge arrays of a network, to compare two networks array by array."""
    return [n.follow_src, n.follow_dst, n.repost_src, n.repost_dst, n.repost_post, n.repost_ts]


def pair_codes(src: np.ndarray, dst: np.ndarray, n: int) -> np.ndarray:
    """Each edge ``src[i] → dst[i]`` as one int64 ``src * n + dst``."""
    codes: np.ndarray = src.astype(np.int64) * n + dst
    return codes
