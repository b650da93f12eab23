"""Passwords are stored as argon2id hashes; tokens only as their SHA-256."""

from __future__ import annotations

import hashlib

from sunbid.identity.passwords import hash_password, is_password_hash, new_secret, token_hash, verify_password

PASSWORD = "correct horse battery staple"


def test_hashed_password_verifies_and_wrong_password_does_not() -> None:
    stored = hash_password(PASSWORD)
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    assert verify_password(stored, PASSWORD)
    assert not verify_password(stored, PASSWORD + "!")
    assert not verify_password(stored, "")


def test_no_hash_never_verifies() -> None:
    assert not verify_password(None, PASSWORD)
    assert not verify_password(None, "")


def test_only_argon2id_hashes_with_readable_parameters_count_as_password_hashes() -> None:
    assert is_password_hash(hash_password(PASSWORD))
    assert not is_password_hash(PASSWORD)
    assert not is_password_hash("$argon2i$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA")
    assert not is_password_hash("$argon2id$v=19$m=oops")


def test_a_malformed_hash_does_not_verify() -> None:
    assert not verify_password("not-an-argon2-hash", PASSWORD)
    assert not verify_password("", PASSWORD)


def test_new_secrets_are_prefixed_and_unguessable() -> None:
    secrets = {new_secret("sbs") for _ in range(100)}
    assert len(secrets) == 100
    assert all(s.startswith("sbs_") and len(s) >= 40 for s in secrets)


def test_token_hash_is_the_hex_sha256() -> None:
    assert token_hash("sbs_abc") == hashlib.sha256(b"sbs_abc").hexdigest()
