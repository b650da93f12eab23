"""The change feed: ledger entries in commit order, by their gapless sequence number."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine

from sunbid.storage import ledger


def read_events(
    engine: Engine, *, after: int | None, limit: int, include_private: bool, subject_id: str | None = None
) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = ledger.entry_rows(conn, after=after, limit=limit, subject_id=subject_id, public_only=not include_private)
        out = []
        for row in rows:
            body = ledger.entry_json(row)
            out.append(
                {
                    "seq": row.seq,
                    "name": body["name"],
                    "subject_type": body["subject_type"],
                    "subject_id": body["subject_id"],
                    "occurred_at": row.occurred_at,
                    "public": body["public"],
                    "data": body["data"],
                }
            )
        return out
