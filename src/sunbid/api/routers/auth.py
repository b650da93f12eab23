"""Login, logout, the current user and API tokens."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request, Response

from sunbid.api import idempotency
from sunbid.api.deps import SESSION_COOKIE, Ctx, Idem, Plat, Uow
from sunbid.api.schemas import LoginIn, LoginOut, NewTokenOut, TokenIn, TokenOut, UserOut
from sunbid.identity import service as identity
from sunbid.identity.policy import Action, authorize

router = APIRouter(prefix="/auth", tags=["identity"])


@router.post("/login", response_model=LoginOut)
def login(body: LoginIn, response: Response, ctx: Ctx, uow: Uow, p: Plat) -> LoginOut:
    """Log in with a password. The token is also set as an HttpOnly session cookie."""
    token, session, user = identity.login(uow, ctx, body.username, body.password)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=p.settings.cookie_secure,
        max_age=int((session.expires_at - session.created_at).total_seconds()),
    )
    return LoginOut(token=token, expires_at=session.expires_at, user_id=user.id, role=user.role, org_id=user.org_id)


@router.post("/logout", status_code=204)
def logout(request: Request, response: Response, ctx: Ctx, uow: Uow) -> Response:
    authorize(ctx.actor, Action.TOKEN_MANAGE)
    auth = request.headers.get("authorization", "")
    token = auth.partition(" ")[2].strip() or request.cookies.get(SESSION_COOKIE, "")
    identity.logout(uow, ctx, token)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/me", response_model=UserOut)
def me(ctx: Ctx, uow: Uow) -> UserOut:
    authorize(ctx.actor, Action.TOKEN_MANAGE)
    assert ctx.actor.user_id is not None
    return UserOut.model_validate(identity.get_user(uow, ctx, ctx.actor.user_id))


@router.post("/tokens", response_model=NewTokenOut, status_code=201)
def create_token(body: TokenIn, request: Request, ctx: Ctx, uow: Uow, p: Plat, idem: Idem) -> object:
    """An API token for a machine acting for you (bid tools, data exchange). Shown once."""

    def create() -> NewTokenOut:
        lifetime = timedelta(days=body.lifetime_days) if body.lifetime_days else None
        token, record = identity.create_api_token(uow, ctx, body.name, lifetime)
        return NewTokenOut.model_validate({**TokenOut.model_validate(record).model_dump(), "token": token})

    authorize(ctx.actor, Action.TOKEN_MANAGE)
    return idempotency.created(p, ctx, idem, request, create)


@router.get("/tokens", response_model=list[TokenOut])
def list_tokens(ctx: Ctx, uow: Uow) -> list[TokenOut]:
    return [TokenOut.model_validate(t) for t in identity.list_api_tokens(uow, ctx)]


@router.delete("/tokens/{token_id}", response_model=TokenOut)
def revoke_token(token_id: str, ctx: Ctx, uow: Uow) -> TokenOut:
    authorize(ctx.actor, Action.TOKEN_MANAGE)
    return TokenOut.model_validate(identity.revoke_api_token(uow, ctx, token_id))
