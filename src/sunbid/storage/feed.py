"""The change feed: events in commit order, by a monotonic sequence number."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from sunbid.storage.tables import events


def read_events(
    engine: Engine, *, after: int, limit: int, include_private: bool, subject_id: str | None = None
) -> list[dict[str, Any]]:
    cols = [
        events.c.seq,
        events.c.name,
        events.c.subject_type,
        events.c.subject_id,
        events.c.occurred_at,
        events.c.public,
        events.c.data,
    ]
    stmt = sa.select(*cols).where(events.c.seq > after).order_by(events.c.seq).limit(limit)
    if not include_private:
        stmt = stmt.where(events.c.public.is_(True))
    if subject_id is not None:
        stmt = stmt.where(events.c.subject_id == subject_id)
    with engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(stmt)]
