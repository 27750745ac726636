"""KeyMapper: account classification, salted hashing of ordinary users, pinning."""

from __future__ import annotations

import hashlib
import hmac
import re

import pytest

from kolgraph.crawl.keys import KeyMapper
from kolgraph.crawl.page import Profile
from kolgraph.model import Kind

HASHED = re.compile(r"x:h[0-9a-f]{20}")


def mapper(salt: str | None = "pepper", kol_followers: int = 1000) -> KeyMapper:
    return KeyMapper("x", salt=salt, kol_followers=kol_followers)


@pytest.mark.parametrize(
    ("profile", "kind"),
    [
        (Profile("1", verified="org", followers=3), Kind.MEDIA),
        (Profile("1", verified="org", followers=10**7), Kind.MEDIA),  # org wins over size
        (Profile("1", verified="person", followers=3), Kind.KOL),
        (Profile("1", verified="person"), Kind.KOL),
        (Profile("1", followers=1000), Kind.KOL),  # exactly the threshold
        (Profile("1", followers=999), Kind.USER),
        (Profile("1", followers=0), Kind.USER),
        (Profile("1"), Kind.USER),  # follower count unknown
    ],
)
def test_kind(profile: Profile, kind: Kind) -> None:
    assert mapper().kind(profile) is kind


def test_kol_threshold_zero_makes_everyone_with_a_count_a_kol() -> None:
    m = mapper(kol_followers=0)
    assert m.kind(Profile("1", followers=0)) is Kind.KOL
    assert m.kind(Profile("1")) is Kind.USER


@pytest.mark.parametrize("salt", [None, ""])
def test_no_salt_keeps_raw_ids(salt: str | None) -> None:
    m = mapper(salt)
    assert not m.hashing
    assert m.hashed_id("42") == "42"
    for kind in Kind:
        assert m.key("42", kind) == "x:42"
    acc = m.account(Profile("42", name="Bob", followers=3))
    assert (acc.key, acc.name, acc.kind) == ("x:42", "Bob", Kind.USER)


def test_salted_users_are_hashed() -> None:
    m = mapper("pepper")
    assert m.hashing
    key = m.key("42", Kind.USER)
    assert HASHED.fullmatch(key), key
    digest = hmac.new(b"pepper", b"x:42", hashlib.sha256).hexdigest()[:20]
    assert key == f"x:h{digest}"
    assert m.hashed_id("42") == f"h{digest}"
    assert m.key("42") == key  # the default kind is user


def test_hash_is_deterministic_and_salt_dependent() -> None:
    a, b, other = mapper("pepper"), mapper("pepper"), mapper("salt")
    assert a.key("42") == b.key("42")
    assert a.key("42") != other.key("42")
    assert a.key("42") != a.key("43")
    # the platform is part of the hashed message: the same id on two platforms differs
    weibo = KeyMapper("weibo", salt="pepper", kol_followers=1000)
    assert weibo.hashed_id("42") != a.hashed_id("42")
    assert weibo.key("42").startswith("weibo:h")


def test_hash_is_keyed_not_a_plain_digest() -> None:
    plain = hashlib.sha256(b"x:42").hexdigest()[:20]
    salted = hashlib.sha256(b"pepperx:42").hexdigest()[:20]
    assert mapper().hashed_id("42") not in (f"h{plain}", f"h{salted}")


def test_kol_and_media_keep_ids_and_names() -> None:
    m = mapper()
    kol = m.account(Profile("7", name="Alice", followers=50_000))
    media = m.account(Profile("8", name="Daily News", verified="org"))
    person = m.account(Profile("9", name="Verified Vic", verified="person", followers=1))
    assert (kol.key, kol.name, kol.kind, kol.followers) == ("x:7", "Alice", Kind.KOL, 50_000)
    assert (media.key, media.name, media.kind) == ("x:8", "Daily News", Kind.MEDIA)
    assert (person.key, person.name, person.kind) == ("x:9", "Verified Vic", Kind.KOL)


def test_hashed_users_lose_their_names() -> None:
    m = mapper()
    acc = m.account(Profile("42", name="Bob Smith", followers=12))
    assert HASHED.fullmatch(acc.key)
    assert acc.key == m.key("42")
    assert acc.account_id == acc.key.partition(":")[2]
    assert acc.name == ""
    assert acc.kind is Kind.USER
    assert acc.followers == 12
    assert acc.platform == "x"


def test_pin_keeps_the_first_key_when_a_later_profile_classifies_differently() -> None:
    m = mapper()
    first = m.account(Profile("5", name="Rising", followers=10))  # a user today
    assert HASHED.fullmatch(first.key)
    later = m.account(Profile("5", name="Rising", followers=10**6))  # a KOL tomorrow
    assert later.key == first.key  # one key per id for the whole crawl
    assert later.name == ""  # still hidden behind the hash
    assert m.key("5", Kind.KOL) == first.key


def test_pin_keeps_a_public_key_when_an_account_later_looks_ordinary() -> None:
    m = mapper()
    first = m.key("6", Kind.KOL)
    assert first == "x:6"
    acc = m.account(Profile("6", name="Fading", followers=1))
    assert acc.key == "x:6"
    assert acc.name == "Fading"  # not hashed, so nothing to hide


def test_pin_from_the_crawl_state_wins() -> None:
    m = mapper()
    m.pin("5", "x:5")  # chosen by an earlier run, restored on resume
    assert m.key("5", Kind.USER) == "x:5"
    assert m.account(Profile("5", name="Eve", followers=1)).name == "Eve"
    hashed = mapper().key("11")
    m.pin("11", hashed)
    assert m.key("11", Kind.KOL) == hashed
    assert m.account(Profile("11", name="Mallory", verified="person")).name == ""


def test_keys_of_different_ids_do_not_collide() -> None:
    m = mapper()
    keys = {m.key(str(i)) for i in range(2000)}
    assert len(keys) == 2000
