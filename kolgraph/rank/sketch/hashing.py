"""The seeded member hash of the audience sketches: a bijection of 32-bit words."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from kolgraph.arrays import U32
from kolgraph.errors import InputError

__all__ = ["HASH_SPACE", "check_seed", "hash_members", "hash_reference", "seed_keys"]

#: Hashes are 32-bit words; a threshold of ``HASH_SPACE`` means "the whole audience is kept".
HASH_SPACE = 1 << 32
_M32 = 0xFFFFFFFF
_M64 = 0xFFFFFFFFFFFFFFFF
_C1 = 0x85EBCA6B
_C2 = 0xC2B2AE35


def _splitmix64(x: int) -> int:
    x = (x + 0x9E3779B97F4A7C15) & _M64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _M64
    return x ^ (x >> 31)


def seed_keys(seed: int) -> tuple[int, int]:
    """The two 32-bit keys ``(s1, s2)`` of the hash of ``seed``: halves of ``splitmix64(seed)``."""
    s = _splitmix64(seed & _M64)
    return s & _M32, s >> 32


def _fmix32(h: U32) -> U32:
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(_C1)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(_C2)
    return h ^ (h >> np.uint32(16))


def _fmix32_py(h: int) -> int:
    h ^= h >> 16
    h = (h * _C1) & _M32
    h ^= h >> 13
    h = (h * _C2) & _M32
    return h ^ (h >> 16)


def hash_reference(u: int, s1: int, s2: int) -> int:
    """:func:`hash_members` of one member in plain Python, keys from :func:`seed_keys` (tests)."""
    return _fmix32_py(_fmix32_py((u + s1) & _M32) ^ s2)


def check_seed(seed: int) -> int:
    """``seed`` as an ``int``; :class:`InputError` unless it is a non-negative integer."""
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise InputError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)


def hash_members(members: npt.ArrayLike, *, seed: int = 0) -> U32:
    """Seeded 32-bit hash of member ids, a bijection of ``[0, 2**32)``.

    Parameters
    ----------
    members
        Non-negative integer member ids below ``2**32`` (audience matrix
        columns).
    seed
        Chooses the hash function; sketches only combine under one seed.

    Returns
    -------
    numpy.ndarray
        ``uint32`` hashes, same shape as ``members``.

    Examples
    --------
    >>> h = hash_members([0, 1, 2], seed=0)
    >>> h.dtype.name, len(set(h.tolist()))
    ('uint32', 3)
    """
    s1, s2 = seed_keys(check_seed(seed))
    arr = np.asarray(members)
    if arr.size and (arr.dtype.kind not in "iu" or arr.min() < 0 or arr.max() > _M32):
        raise InputError("members must be integers in [0, 2**32)")
    x = arr.astype(np.uint32)
    return _fmix32(_fmix32(x + np.uint32(s1)) ^ np.uint32(s2))
