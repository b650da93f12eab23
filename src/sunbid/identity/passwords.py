"""Password hashing with argon2id, and secret tokens stored only as their SHA-256."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher, extract_parameters
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# A real hash of a random password, checked when the user does not exist, so that the
# time a failed login takes does not reveal whether the username is known.
_DUMMY = _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def is_password_hash(value: str) -> bool:
    """Whether ``value`` is an argon2id hash with readable parameters (not whether it is right)."""
    try:
        extract_parameters(value)
    except InvalidHashError:
        return False
    return value.startswith("$argon2id$")


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def new_secret(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
