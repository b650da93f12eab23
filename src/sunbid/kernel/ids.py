"""Identifiers: time-ordered, URL-safe, prefixed by what they name."""

from __future__ import annotations

import secrets
from datetime import datetime

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32


def _encode(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        value, rem = divmod(value, 32)
        chars.append(_ALPHABET[rem])
    return "".join(reversed(chars))


def new_id(prefix: str, at: datetime) -> str:
    """A ULID-shaped id (48-bit millisecond time + 80 random bits) with a prefix.

    Ids sort by creation time, which makes them usable as pagination cursors.
    """
    millis = int(at.timestamp() * 1000) & ((1 << 48) - 1)
    return f"{prefix}_{_encode(millis, 10)}{_encode(secrets.randbits(80), 16)}"
