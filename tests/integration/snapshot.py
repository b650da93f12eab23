"""A fingerprint of every table, to prove that a refused request changed nothing."""

from __future__ import annotations

import hashlib

import sqlalchemy as sa

from sunbid.bootstrap import Platform
from sunbid.storage.tables import metadata


def snapshot(platform: Platform) -> dict[str, str]:
    out = {}
    with platform.engine.connect() as conn:
        for table in metadata.sorted_tables:
            rows = sorted(repr(tuple(row)) for row in conn.execute(sa.select(table)))
            out[table.name] = hashlib.sha256("\n".join(rows).encode()).hexdigest()[:16] + f":{len(rows)}"
    return out
