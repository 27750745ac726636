r"""Who a plan is for: the target audience as a mask over the store's accounts.

A strategist narrows "everyone" with any of four filters, combined as an
intersection (each one narrows what the others left):

* **communities**: members of the rank run's communities;
* **followers of** some accounts: the union of their audiences (a brand's or a
  competitor's followers and engagers);
* **users**: a list of account keys (a customer segment);
* **new audience only**: minus everyone in the audience of the brand's ``own``
  accounts (people the brand already reaches for free).

With :math:`C` the community members, :math:`F = \bigcup_{a} N(a)` over the
listed accounts, :math:`U` the listed users and :math:`O = \bigcup_{o \in own} N(o)`,

.. math:: T = C \cap F \cap U \setminus O

where a filter not given is everyone. An empty :math:`T` is an error that says
how many people each filter kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from kolgraph.audience.keys import unknown_keys_error
from kolgraph.errors import InputError
from kolgraph.model import Kind
from kolgraph.plan.prepared import KeyIndex

__all__ = ["Target", "read_keys_file", "target_of"]


@dataclass(frozen=True)
class Target:
    """The people a plan counts, and how they were chosen."""

    mask: npt.NDArray[np.bool_]
    #: one line per filter: what it kept (``"followers of x:brand: 1,204 people"``)
    parts: tuple[str, ...] = ()

    @property
    def size(self) -> int:
        return int(self.mask.sum())

    @property
    def everyone(self) -> bool:
        """True when no filter was given: the plan counts every account's audience."""
        return not self.parts


def _rows_union(audience: sp.csr_matrix, idx: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    n = audience.shape[1]
    out = np.zeros(n, dtype=bool)
    for i in idx.tolist():
        out[audience.indices[audience.indptr[i] : audience.indptr[i + 1]]] = True
    return out


def _positions(keys: Sequence[str], key_index: KeyIndex, what: str) -> npt.NDArray[np.int64]:
    found = [key_index.get(k) for k in keys]
    unknown = [k for k, i in zip(keys, found, strict=True) if i is None]
    if unknown:
        err = unknown_keys_error(unknown, key_index.all_keys())
        raise InputError(f"{what}: {err.message}", hint=err.hint)
    return np.asarray(found, dtype=np.int64)


def target_of(
    audience: sp.csr_matrix,
    accounts: pd.DataFrame,
    community: pd.Series,
    *,
    communities: Sequence[int] = (),
    followers_of: Sequence[str] = (),
    users: Sequence[str] = (),
    new_audience_only: bool = False,
    key_index: KeyIndex | None = None,
    community_values: npt.NDArray[np.float64] | None = None,
    own: npt.NDArray[np.int64] | None = None,
) -> Target:
    """The target mask :math:`T` (module notes) over the ``n`` accounts of ``audience``.

    Parameters
    ----------
    audience
        ``n × n`` audience matrix (:func:`~kolgraph.rank.graph.follower_matrix`).
    accounts
        Accounts in dense order (``key``, ``kind``).
    community
        The current run's community of each account (may hold missing values).
    communities, followers_of, users, new_audience_only
        The filters; none given means everyone.
    key_index, community_values, own
        The accounts' key index, ``community`` as float with NaN and the ``own``
        accounts, when they are kept (:class:`~kolgraph.plan.prepared.Prepared`);
        derived from ``accounts`` and ``community`` otherwise.

    Returns
    -------
    Target

    Raises
    ------
    InputError
        If a listed account or user is not in the store (all of them named at
        once, each with the closest stored key), the brand has no ``own`` account
        for ``new_audience_only``, or the filters leave nobody.

    Examples
    --------
    >>> import pandas as pd, scipy.sparse as sp
    >>> A = sp.csr_matrix([[0, 1, 1, 0], [0, 0, 1, 1], [0, 0, 0, 0], [0, 0, 0, 0]])
    >>> acc = pd.DataFrame({"key": ["x:a", "x:b", "x:c", "x:d"],
    ...                     "kind": ["kol", "own", "user", "user"]})
    >>> t = target_of(A, acc, pd.Series([0, 0, 1, 1]), followers_of=["x:a"],
    ...               new_audience_only=True)
    >>> t.mask.tolist(), t.size
    ([False, True, False, False], 1)
    """
    n = audience.shape[0]
    mask = np.ones(n, dtype=bool)
    parts: list[str] = []
    if key_index is None and (followers_of or users):
        key_index = KeyIndex(accounts["key"].astype(str).to_numpy(dtype=object))
    if communities:
        comm = (
            community.to_numpy(dtype="float64", na_value=np.nan)
            if community_values is None
            else community_values
        )
        members = np.isin(comm, np.asarray(list(communities), dtype=np.float64))
        if not members.any():
            raise InputError(
                f"target communities {list(communities)} have no members",
                hint="list communities with `kolgraph communities` or GET /v1/communities",
            )
        mask &= members
        parts.append(
            f"communities {', '.join(map(str, communities))}: {int(members.sum()):,} people"
        )
    if followers_of:
        assert key_index is not None
        idx = _positions(followers_of, key_index, "target followers of")
        fans = _rows_union(audience, idx)
        mask &= fans
        parts.append(f"followers of {', '.join(followers_of)}: {int(fans.sum()):,} people")
    if users:
        assert key_index is not None
        idx = _positions(users, key_index, "target users")
        listed = np.zeros(n, dtype=bool)
        listed[idx] = True
        mask &= listed
        parts.append(f"listed users: {int(listed.sum()):,} people")
    if new_audience_only:
        if own is None:
            own = np.flatnonzero(accounts["kind"].to_numpy() == Kind.OWN.value)
        if own.size == 0:
            raise InputError(
                "new audience only: the store has no own account whose audience to leave out",
                hint="label the brand's accounts own (kolgraph import accounts, kind=own), "
                "or drop --new-audience-only",
            )
        reached = _rows_union(audience, own.astype(np.int64))
        removed = int((mask & reached).sum())
        mask &= ~reached
        parts.append(
            f"new audience only: {removed:,} left out who already are in the audience of the "
            f"{own.size} own account(s) ({int(reached.sum()):,} people)"
        )
    if not mask.any():
        raise InputError(
            "the target is empty: " + "; ".join(parts) + "; together: nobody",
            hint="widen the target: fewer filters, other communities or more accounts",
        )
    return Target(mask=mask, parts=tuple(parts))


def read_keys_file(path: Path, *, platform: str | None = None) -> tuple[str, ...]:
    """Account keys from a file: one per line, or the ``key`` column of a CSV.

    Blank lines and lines starting with ``#`` are skipped, as is a first line
    ``key``; on a line with commas the first field is the key. A key written
    without ``platform:`` gets ``platform`` when one is given. Duplicates are
    dropped (first one kept).

    Raises
    ------
    InputError
        If the file cannot be read or holds no key.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            f"cannot read the target users file {path}: {exc}",
            hint="give a UTF-8 text file with one account key (platform:id) per line",
        ) from None
    keys: dict[str, None] = {}
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.split(",", 1)[0].strip().strip('"')
        if not line or line.startswith("#") or (n == 1 and line.lower() == "key"):
            continue
        if ":" not in line and platform is not None:
            line = f"{platform}:{line}"
        keys.setdefault(line, None)
    if not keys:
        raise InputError(
            f"the target users file {path} holds no account key",
            hint="write one account key (platform:id) per line",
        )
    return tuple(keys)
