"""Request-scoped dependencies: the platform, the caller's context, idempotency keys."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request

from sunbid.bootstrap import Platform
from sunbid.identity import service as identity
from sunbid.kernel.context import PUBLIC, Context
from sunbid.kernel.errors import Unauthenticated
from sunbid.storage.uow import SqlUnitOfWork

SESSION_COOKIE = "sunbid_session"


async def platform(request: Request) -> Platform:
    p: Platform = request.app.state.platform
    return p


async def uow(p: Annotated[Platform, Depends(platform)]) -> SqlUnitOfWork:
    return p.uow()


def context(
    request: Request,
    p: Annotated[Platform, Depends(platform)],
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Context:
    address = request.client.host if request.client else None
    token = None
    if authorization:
        scheme, _, value = authorization.partition(" ")
        token = value.strip() if scheme.lower() == "bearer" else None
        if token is None:
            raise Unauthenticated("auth_scheme_unsupported", "仅支持 Bearer 令牌", "Only Bearer tokens are accepted")
    base = Context(actor=PUBLIC, clock=p.clock, rules=p.rules, address=address)
    if token is None and SESSION_COOKIE in request.cookies:
        # A browser keeps sending a cookie after its session has ended: treat it as the
        # public, so that public pages still work; protected actions then ask to log in.
        try:
            actor = identity.authenticate(p.uow(), base, request.cookies[SESSION_COOKIE])
        except Unauthenticated:
            return base
        return Context(actor=actor, clock=p.clock, rules=p.rules, address=address)
    if token is None:
        return base
    actor = identity.authenticate(p.uow(), base, token)
    return Context(actor=actor, clock=p.clock, rules=p.rules, address=address)


@dataclass(frozen=True)
class IdempotencyKey:
    key: str | None
    request_hash: str


async def idempotency_key(
    request: Request,
    idempotency_key: Annotated[
        str | None,
        Header(alias="Idempotency-Key", max_length=200, description="Retrying with the same key never creates twice"),
    ] = None,
) -> IdempotencyKey:
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.url.path}\n".encode())
    if idempotency_key is not None and request.headers.get("content-type", "").startswith("application/json"):
        digest.update(await request.body())
    return IdempotencyKey(idempotency_key, digest.hexdigest())


Ctx = Annotated[Context, Depends(context)]
Uow = Annotated[SqlUnitOfWork, Depends(uow)]
Plat = Annotated[Platform, Depends(platform)]
Idem = Annotated[IdempotencyKey, Depends(idempotency_key)]
