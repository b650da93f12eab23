"""A fingerprint of every table, to prove that a refused request changed nothing."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
import sqlalchemy as sa

from sunbid.bootstrap import Platform
from sunbid.kernel.errors import DomainError
from sunbid.storage.tables import metadata


def snapshot(platform: Platform) -> dict[str, str]:
    out = {}
    with platform.engine.connect() as conn:
        for table in metadata.sorted_tables:
            rows = sorted(repr(tuple(row)) for row in conn.execute(sa.select(table)))
            out[table.name] = hashlib.sha256("\n".join(rows).encode()).hexdigest()[:16] + f":{len(rows)}"
    return out


def refused(platform: Platform, code: str, call: Any, kind: type[DomainError] = DomainError) -> DomainError:
    """``call`` is refused with ``code`` and a message in both languages, and changes nothing."""
    before = snapshot(platform)
    with pytest.raises(kind) as info:
        call()
    error = info.value
    assert error.code == code, error
    assert error.message_zh.strip() and error.message_en.strip(), error
    assert snapshot(platform) == before, f"{code}: the refusal changed the database"
    return error
