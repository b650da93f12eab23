"""``Idempotency-Key`` on creating POSTs: a retried request replays the first answer.

The key is claimed in its own transaction before the use case runs, so two concurrent
requests with the same key cannot both create; the answer is stored after it succeeds.
A request that fails releases its key, so the client may correct it and retry.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError

from sunbid.api.deps import IdempotencyKey
from sunbid.bootstrap import Platform
from sunbid.kernel.context import Context
from sunbid.kernel.errors import Conflict, DomainError
from sunbid.storage.tables import idempotency_keys as keys

IN_PROGRESS = 0


def created(
    p: Platform, ctx: Context, idem: IdempotencyKey, request: Request, create: Callable[[], Any]
) -> JSONResponse:
    """A POST that creates something: 201, replayed for a retry with the same key."""
    return run(p, ctx, idem, request.method, request.url.path, 201, create)


def run(
    p: Platform, ctx: Context, idem: IdempotencyKey, method: str, path: str, status: int, create: Callable[[], Any]
) -> JSONResponse:
    if idem.key is None:
        return JSONResponse(jsonable_encoder(create()), status_code=status)
    actor = ctx.actor.user_id or f"public:{ctx.address}"
    where = sa.and_(keys.c.actor == actor, keys.c.key == idem.key)
    with p.engine.begin() as conn:
        row = conn.execute(sa.select(keys).where(where)).first()
    if row is not None:
        return _replay(row, idem)
    try:
        with p.engine.begin() as conn:
            conn.execute(
                sa.insert(keys).values(
                    actor=actor,
                    key=idem.key,
                    method=method,
                    path=path,
                    request_hash=idem.request_hash,
                    status_code=IN_PROGRESS,
                    response_body="",
                    created_at=ctx.clock.now(),
                )
            )
    except IntegrityError:
        with p.engine.begin() as conn:
            row = conn.execute(sa.select(keys).where(where)).first()
        assert row is not None
        return _replay(row, idem)
    try:
        body = jsonable_encoder(create())
    except BaseException:
        with p.engine.begin() as conn:
            conn.execute(sa.delete(keys).where(where))
        raise
    with p.engine.begin() as conn:
        conn.execute(
            sa.update(keys).where(where).values(status_code=status, response_body=json.dumps(body, ensure_ascii=False))
        )
    return JSONResponse(body, status_code=status)


def _replay(row: Any, idem: IdempotencyKey) -> JSONResponse:
    if row.request_hash != idem.request_hash:
        raise DomainError(
            "idempotency_key_reused",
            "该幂等键已用于另一个不同的请求",
            "This Idempotency-Key was used for a different request",
        )
    if row.status_code == IN_PROGRESS:
        raise Conflict(
            "idempotency_in_progress",
            "使用该幂等键的请求仍在处理中，请稍后重试",
            "A request with this Idempotency-Key is still being processed; retry shortly",
        )
    return JSONResponse(
        json.loads(row.response_body), status_code=row.status_code, headers={"Idempotent-Replayed": "true"}
    )
