"""From a platform's raw ids to store keys and accounts, with optional hashing.

Ordinary users' ids are personal data. With ``KOLGRAPH_USER_ID_SALT`` set,
an account the crawler classifies as ``user`` is stored under
``"{platform}:h{HMAC-SHA256(salt, platform:id)[:20]}"`` and without its name;
KOL, media and brand accounts keep their public ids and names. The hash is
keyed by the salt, so it cannot be reversed by hashing candidate ids
without the salt, and the same id always maps to the same key, so edges
still join up.

Classification (:meth:`KeyMapper.kind`): a platform-verified organisation is
``media``, a verified person or an account with at least
``KOLGRAPH_CRAWL_KOL_FOLLOWERS`` declared followers is a ``kol``, and
everyone else a ``user``. An account whose follower count is unknown when it
is first seen (Bilibili's follower lists do not give it) is classified from
what is known then; the crawler keeps the key it chose for it for the rest of
the crawl.
"""

from __future__ import annotations

import hashlib
import hmac

from kolgraph.crawl.page import Profile
from kolgraph.model import Account, Kind, node_key
from kolgraph.settings import Settings

__all__ = ["KeyMapper"]


class KeyMapper:
    """Map raw platform ids to store keys (hashing ordinary users when salted).

    Parameters
    ----------
    platform
        Platform name (the key prefix).
    salt
        Secret salt; ``None`` stores every id as it is.
    kol_followers
        Declared followers from which an unverified account counts as a KOL.
    """

    def __init__(self, platform: str, *, salt: str | None, kol_followers: int) -> None:
        self.platform = platform
        self._salt = None if not salt else salt.encode()
        self.kol_followers = int(kol_followers)
        self._pinned: dict[str, str] = {}

    @classmethod
    def from_settings(cls, platform: str, settings: Settings) -> KeyMapper:
        """The mapper of ``platform`` with the salt and KOL threshold of ``settings``
        (``KOLGRAPH_USER_ID_SALT``, ``KOLGRAPH_CRAWL_KOL_FOLLOWERS``)."""
        salt = settings.user_id_salt
        return cls(
            platform,
            salt=None if salt is None else salt.get_secret_value(),
            kol_followers=settings.crawl_kol_followers,
        )

    @property
    def hashing(self) -> bool:
        """Whether ordinary users' ids are hashed (a salt is set)."""
        return self._salt is not None

    def kind(self, profile: Profile) -> Kind:
        """The campaign kind of an account as far as its profile tells."""
        if profile.verified == "org":
            return Kind.MEDIA
        if profile.verified == "person":
            return Kind.KOL
        if profile.followers is not None and profile.followers >= self.kol_followers:
            return Kind.KOL
        return Kind.USER

    def hashed_id(self, account_id: str) -> str:
        """The salted hash of an id (``h`` + 20 hex digits)."""
        if self._salt is None:
            return account_id
        msg = f"{self.platform}:{account_id}".encode()
        return "h" + hmac.new(self._salt, msg, hashlib.sha256).hexdigest()[:20]

    @property
    def fingerprint(self) -> str:
        """``"raw"`` without a salt, else a short keyed hash of a fixed label that
        tells salts apart without revealing them (kept with a crawl, so a resume
        with another salt, or none, is refused)."""
        if self._salt is None:
            return "raw"
        return "hmac:" + hmac.new(self._salt, b"kolgraph:salt", hashlib.sha256).hexdigest()[:12]

    def pinned(self, account_id: str) -> str | None:
        """The key chosen for ``account_id`` so far, if any."""
        return self._pinned.get(account_id)

    def pin(self, account_id: str, key: str) -> None:
        """Remember the key chosen for ``account_id`` (from the crawl state)."""
        self._pinned[account_id] = key

    def key(self, account_id: str, kind: Kind = Kind.USER) -> str:
        """The store key of ``account_id``: the one chosen before, else by ``kind``.

        With hashing on, the first choice for an id is remembered (pinned),
        so an account keeps one key even if later pages classify it
        differently.
        """
        pinned = self._pinned.get(account_id)
        if pinned is not None:
            return pinned
        if self._salt is None:
            return node_key(self.platform, account_id)
        key = node_key(
            self.platform, self.hashed_id(account_id) if kind is Kind.USER else account_id
        )
        self._pinned[account_id] = key  # one key per id for the rest of the crawl
        return key

    def profile_key(self, account_id: str, profile: Profile | None) -> str:
        """The store key of ``account_id``, classified by its profile when there is one
        (an account a page lists without describing it counts as a user)."""
        return self.key(account_id, Kind.USER if profile is None else self.kind(profile))

    def account(self, profile: Profile) -> Account:
        """The :class:`~kolgraph.model.Account` to store for a profile."""
        kind = self.kind(profile)
        key = self.key(profile.account_id, kind)
        account_id = key.partition(":")[2]
        hidden = account_id != profile.account_id
        return Account(
            platform=self.platform,
            account_id=account_id,
            name="" if hidden else profile.name,
            kind=kind,
            followers=profile.followers,
        )
