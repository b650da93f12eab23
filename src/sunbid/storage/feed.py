"""The change feed: ledger entries in commit order, by their gapless sequence number."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine

from sunbid.ledger.entries import Entry
from sunbid.storage import ledger


def read_events(
    engine: Engine, *, after: int | None, limit: int, include_private: bool, subject_id: str | None = None
) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = ledger.entry_rows(conn, after=after, limit=limit, subject_id=subject_id, public_only=not include_private)
        out = []
        for row in rows:
            entry = Entry.from_json(ledger.entry_json(row))
            out.append(
                {
                    "seq": entry.seq,
                    "name": entry.name,
                    "subject_type": entry.subject_type,
                    "subject_id": entry.subject_id,
                    "occurred_at": entry.occurred_at,
                    "public": entry.public,
                    "data": entry.data,
                }
            )
        return out
