"""The synthetic network a platform simulator serves.

Built from :func:`kolgraph.synth.generate_demo`, so it has planted
communities, KOLs, media, brand accounts and repost cascades. Every platform
serves the same network in its own response format; ids are numeric strings
(``"1000000000"`` + position) and post ids are numeric too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from kolgraph.synth import generate_demo

__all__ = ["SimNetwork", "SimPost"]

ID_BASE = 1_000_000_000
POST_BASE = 5_000_000_000_000
I64 = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class SimPost:
    """A post of the simulated network."""

    post_id: str
    author: int
    ts: int
    reposts: int


def _csr(keys: npt.NDArray[np.integer], values: npt.NDArray[np.integer], n: int) -> tuple[I64, I64]:
    order = np.lexsort((-values.astype(np.int64), keys))
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys, minlength=n), out=indptr[1:])
    return indptr, values[order].astype(np.int64)


class SimNetwork:
    """A seeded network with follower lists, timelines and repost lists.

    Parameters
    ----------
    n_accounts
        Number of accounts.
    seed
        Seed of the generator; the same seed and size give the same network.

    Notes
    -----
    Lists are ordered as platforms order them: newest first. Here "newest"
    is the highest position, so a follower list is a stable order and pages
    never shift while a crawl runs.
    """

    def __init__(self, n_accounts: int = 2_000, *, seed: int = 7) -> None:
        net = generate_demo(n_accounts, seed=seed, n_posts=max(1, n_accounts // 10))
        n = net.n_accounts
        self.n = n
        self.seed = seed
        acc = net.accounts
        self.names: list[str] = acc["name"].astype(str).tolist()
        self.kinds: list[str] = acc["kind"].astype(str).tolist()
        self.followers_count: I64 = acc["followers"].to_numpy(dtype=np.int64)
        self._fol_ptr, self._fol = _csr(net.follow_dst, net.follow_src, n)
        self._fng_ptr, self._fng = _csr(net.follow_src, net.follow_dst, n)
        posts = net.posts
        self.posts: list[SimPost] = [
            SimPost(str(POST_BASE + k), int(a), int(t), int(r))
            for k, (a, t, r) in enumerate(
                zip(posts["author"], posts["ts"], posts["reposts"], strict=True)
            )
        ]
        self._post_index = {p.post_id: k for k, p in enumerate(self.posts)}
        by_author: dict[int, list[int]] = {}
        for k, p in enumerate(self.posts):
            by_author.setdefault(p.author, []).append(k)
        self._timeline = {
            a: sorted(ks, key=lambda k: -self.posts[k].ts) for a, ks in by_author.items()
        }
        post_of = {pid: k for k, pid in enumerate(posts["post_id"].tolist())}
        r_post = np.fromiter(
            (post_of[p] for p in net.repost_post), dtype=np.int64, count=net.n_reposts
        )
        order = np.lexsort((net.repost_ts, r_post))
        self._rep_ptr = np.zeros(len(self.posts) + 1, dtype=np.int64)
        np.cumsum(np.bincount(r_post, minlength=len(self.posts)), out=self._rep_ptr[1:])
        self._rep_user: I64 = net.repost_src[order].astype(np.int64)
        self._rep_ts: I64 = net.repost_ts[order].astype(np.int64)
        self.following_count: I64 = np.diff(self._fng_ptr)

    # ids ----------------------------------------------------------------------
    def account_id(self, i: int) -> str:
        return str(ID_BASE + int(i))

    def index(self, account_id: str | int) -> int | None:
        """Position of an account id, ``None`` if there is no such account."""
        try:
            i = int(account_id) - ID_BASE
        except (TypeError, ValueError):
            return None
        return i if 0 <= i < self.n else None

    def post(self, post_id: str | int) -> SimPost | None:
        k = self._post_index.get(str(post_id))
        return None if k is None else self.posts[k]

    def verified(self, i: int) -> str | None:
        """``"person"`` for KOLs, ``"org"`` for media and brand accounts, else ``None``."""
        return {"kol": "person", "media": "org", "own": "org"}.get(self.kinds[i])

    def top_accounts(self, n: int) -> list[str]:
        """Ids of the ``n`` most-followed accounts, most-followed first."""
        order = np.lexsort((np.arange(self.n), -self.followers_count))[:n]
        return [self.account_id(int(i)) for i in order]

    # lists, newest first -------------------------------------------------------
    def followers(self, i: int) -> I64:
        return self._fol[self._fol_ptr[i] : self._fol_ptr[i + 1]]

    def following(self, i: int) -> I64:
        return self._fng[self._fng_ptr[i] : self._fng_ptr[i + 1]]

    def timeline(self, i: int) -> list[SimPost]:
        return [self.posts[k] for k in self._timeline.get(int(i), [])]

    def reposts(self, post_id: str) -> tuple[I64, I64]:
        """``(reposter positions, unix times)`` of a post's reposts, newest first."""
        k = self._post_index[str(post_id)]
        lo, hi = self._rep_ptr[k], self._rep_ptr[k + 1]
        return self._rep_user[lo:hi][::-1], self._rep_ts[lo:hi][::-1]

    # the ground truth a complete crawl can see ----------------------------------
    def n_follows(self) -> int:
        return int(self._fol.shape[0])
