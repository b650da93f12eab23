"""What a reader may see in a listing, and pages of results with opaque cursors."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from sunbid.kernel.errors import DomainError

T = TypeVar("T")
_ID = re.compile(r"[a-z]{3}_[0-9A-Z]{26}")


@dataclass(frozen=True)
class Scope:
    """Rows a reader may list: all of them, or the public ones plus those of some organisations."""

    everything: bool = False
    org_ids: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def encode_cursor(last_id: str) -> str:
    return base64.urlsafe_b64encode(last_id.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> str | None:
    if not cursor:
        return None
    try:
        raw = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raw = ""
    if not _ID.fullmatch(raw):
        raise DomainError("cursor_invalid", "分页游标无效", "The page cursor is not valid")
    return raw


def page_of(rows: list[T], limit: int, key: Callable[[T], str]) -> Page[T]:
    """Rows were fetched with ``limit + 1`` to learn whether another page follows."""
    if len(rows) > limit:
        rows = rows[:limit]
        return Page(rows, encode_cursor(key(rows[-1])))
    return Page(rows, None)
