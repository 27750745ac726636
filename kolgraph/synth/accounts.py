"""Accounts' prices per post, zero-padded ids and readable names.

The *Costs* part of the model in :mod:`kolgraph.synth`.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from kolgraph.arrays import F64, I32, I64

__all__ = ["accounts_frame", "padded_numbers", "post_costs"]

_KOL_CPF = 0.08  # cost ≈ cpf · followers^0.9
_MEDIA_CPF = 0.16
_COST_EXP = 0.9
_COST_SIGMA = 0.3

_TOPICS = (
    "beauty", "tech", "food", "travel", "gaming", "finance", "fitness", "parenting",
    "fashion", "auto", "music", "sports", "pets", "film", "books", "education",
    "health", "home", "outdoors", "art",
)  # fmt: skip
_FIRST = (
    "Ava", "Liam", "Mia", "Noah", "Zoe", "Ethan", "Lily", "Lucas", "Chloe", "Leo",
    "Emma", "Ryan", "Grace", "Owen", "Ivy", "Jack", "Ruby", "Max", "Nora", "Sam",
    "Wei", "Yuki", "Aria", "Kai",
)  # fmt: skip
_LAST = (
    "Chen", "Smith", "Wang", "Garcia", "Kim", "Patel", "Lee", "Brown", "Nguyen", "Lopez",
    "Zhang", "Silva", "Tanaka", "Muller", "Rossi", "Khan", "Li", "Martin", "Park", "Liu",
    "Cohen", "Novak", "Sato", "Wu",
)  # fmt: skip
_MEDIA_PREFIX = ("Daily", "Global", "Metro", "Morning", "Weekly", "National", "City", "Evening")
_MEDIA_SUFFIX = ("Wire", "Times", "Post", "Journal", "Report", "Digest", "Insider", "Herald")
_OWN_NAMES = ("Brand Official", "Brand Support", "Brand Store", "Brand Club", "Brand News")


def post_costs(
    rng: np.random.Generator, followers: I64, n_own: int, n_media: int, n_kol: int
) -> F64:
    """Price of one post: grows sub-linearly with audience; NaN for users."""
    n = followers.shape[0]
    cost = np.full(n, np.nan, dtype=np.float64)
    cost[:n_own] = rng.integers(20, 51, n_own)
    media = slice(n_own, n_own + n_media)
    kol = slice(n_own + n_media, n_own + n_media + n_kol)
    for part, cpf, floor in ((media, _MEDIA_CPF, 20.0), (kol, _KOL_CPF, 5.0)):
        f = followers[part].astype(np.float64)
        noise = rng.lognormal(0.0, _COST_SIGMA, f.size)
        cost[part] = np.maximum(floor, np.rint(cpf * f**_COST_EXP * noise))
    return cost


def accounts_frame(
    rng: np.random.Generator,
    kind: npt.NDArray[np.object_],
    followers: I64,
    cost: F64,
    community: I32,
    n_own: int,
    n_media: int,
    n_kol: int,
) -> pd.DataFrame:
    """Ids and readable names of every account."""
    n = kind.shape[0]
    ids = padded_numbers(n)
    topics = [_topic(int(c)) for c in range(int(community.max()) + 1)]

    own = [_OWN_NAMES[i] if i < len(_OWN_NAMES) else f"Brand Account {i + 1}" for i in range(n_own)]
    pre = rng.integers(0, len(_MEDIA_PREFIX), n_media)
    suf = rng.integers(0, len(_MEDIA_SUFFIX), n_media)
    media = [
        f"{_MEDIA_PREFIX[p]} {topics[c].title()} {_MEDIA_SUFFIX[s]}"
        for p, s, c in zip(
            pre.tolist(), suf.tolist(), community[n_own : n_own + n_media].tolist(), strict=True
        )
    ]
    first = rng.integers(0, len(_FIRST), n_kol)
    last = rng.integers(0, len(_LAST), n_kol)
    n_special = n_own + n_media + n_kol
    kols = [
        f"{_FIRST[a]} {_LAST[b]} ({topics[c]})"
        for a, b, c in zip(
            first.tolist(),
            last.tolist(),
            community[n_own + n_media : n_special].tolist(),
            strict=True,
        )
    ]
    names = np.char.add("user_", ids).astype(object)
    names[:n_special] = own + media + kols
    return pd.DataFrame(
        {
            "account_id": ids,
            "name": names,
            "kind": kind,
            "followers": followers,
            "cost": cost,
            "community": community.astype(np.int64),
        }
    )


def padded_numbers(n: int) -> npt.NDArray[np.str_]:
    """``"000000", "000001", ...``: ``n`` zero-padded numbers of one width (at least 6)."""
    width = max(6, len(str(max(n - 1, 0))))
    digits = np.empty((n, width), dtype=np.uint8)
    rest = np.arange(n, dtype=np.int64)
    for j in range(width - 1, -1, -1):
        digits[:, j] = rest % 10 + ord("0")
        rest //= 10
    return digits.view(f"S{width}").ravel().astype(f"U{width}")


def _topic(c: int) -> str:
    base = _TOPICS[c % len(_TOPICS)]
    return base if c < len(_TOPICS) else f"{base} {c // len(_TOPICS) + 1}"
