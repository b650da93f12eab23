"""Identity use cases: register, log in, authenticate, manage tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sunbid.identity import passwords
from sunbid.identity.credit_code import validate_credit_code
from sunbid.identity.model import ApiToken, Organisation, OrganisationRelation, RelationKind, Session, User
from sunbid.identity.policy import Action, authorize
from sunbid.identity.ports import IdentityUnitOfWork
from sunbid.kernel.context import Actor, Context, Role
from sunbid.kernel.errors import Conflict, DomainError, Unauthenticated, not_found
from sunbid.kernel.events import event_from as _event
from sunbid.kernel.ids import new_id
from sunbid.kernel.query import Page, page_of

SESSION_LIFETIME = timedelta(hours=12)
SELF_REGISTERED_ROLES = frozenset({Role.TENDERER, Role.AGENCY, Role.BIDDER})
MIN_PASSWORD = 10


@dataclass(frozen=True)
class NewOrganisation:
    name: str
    credit_code: str
    address: str
    legal_representative: str = ""


@dataclass(frozen=True)
class NewUser:
    username: str
    display_name: str
    password: str
    role: Role
    org_id: str | None
    #: The argon2id hash of ``password``, made once for many accounts that start with the same
    #: published password (the demo's); ``password`` is then neither hashed again nor checked.
    password_hash: str | None = None


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise DomainError(
            "password_too_short",
            f"密码至少 {MIN_PASSWORD} 个字符",
            f"A password has at least {MIN_PASSWORD} characters",
        )


def _add_org(uow: IdentityUnitOfWork, ctx: Context, cmd: NewOrganisation) -> Organisation:
    code = validate_credit_code(cmd.credit_code)
    if uow.organisations.by_credit_code(code) is not None:
        raise Conflict(
            "organisation_exists",
            "该统一社会信用代码已注册",
            "An organisation with this credit code exists",
            credit_code=code,
        )
    org = Organisation(
        id=new_id("org", ctx.clock.now()),
        name=cmd.name.strip(),
        credit_code=code,
        address=cmd.address.strip(),
        created_at=ctx.clock.now(),
        legal_representative=cmd.legal_representative.strip(),
    )
    uow.organisations.add(org)
    uow.emit(
        _event(
            ctx,
            "OrganisationRegistered",
            "organisation",
            org.id,
            public=True,
            name=org.name,
            credit_code=org.credit_code,
        )
    )
    return org


def _add_user(uow: IdentityUnitOfWork, ctx: Context, cmd: NewUser) -> User:
    if cmd.password_hash is None:
        _check_password(cmd.password)
    elif not passwords.is_password_hash(cmd.password_hash):
        raise DomainError(
            "password_hash_invalid", "密码摘要须为 argon2id 格式", "A password hash must be an argon2id hash"
        )
    if uow.users.by_username(cmd.username) is not None:
        raise Conflict("username_taken", "用户名已被使用", "The username is taken", username=cmd.username)
    needs_org = cmd.role in (Role.TENDERER, Role.AGENCY, Role.BIDDER)
    if needs_org and cmd.org_id is None:
        raise DomainError(
            "organisation_required",
            "该角色的用户须属于一个单位",
            "Users in this role belong to an organisation",
            role=str(cmd.role),
        )
    if cmd.org_id is not None and uow.organisations.get(cmd.org_id) is None:
        raise not_found("organisation", cmd.org_id)
    user = User(
        id=new_id("usr", ctx.clock.now()),
        username=cmd.username,
        display_name=cmd.display_name,
        password_hash=cmd.password_hash or passwords.hash_password(cmd.password),
        role=cmd.role,
        org_id=cmd.org_id,
        created_at=ctx.clock.now(),
    )
    uow.users.add(user)
    uow.emit(_event(ctx, "UserCreated", "user", user.id, public=False, role=str(user.role), org_id=user.org_id))
    return user


def create_organisation(uow: IdentityUnitOfWork, ctx: Context, cmd: NewOrganisation) -> Organisation:
    authorize(ctx.actor, Action.ORG_CREATE)
    with uow:
        org = _add_org(uow, ctx, cmd)
        uow.commit()
    return org


def create_user(uow: IdentityUnitOfWork, ctx: Context, cmd: NewUser) -> User:
    authorize(ctx.actor, Action.USER_CREATE)
    with uow:
        user = _add_user(uow, ctx, cmd)
        uow.commit()
    return user


def register(uow: IdentityUnitOfWork, ctx: Context, org: NewOrganisation, user: NewUser) -> tuple[Organisation, User]:
    """Free self-registration of a market entity and its first user (电子招标投标办法 第九条)."""
    if user.role not in SELF_REGISTERED_ROLES:
        raise DomainError(
            "role_not_self_registrable",
            "只有招标人、招标代理机构和投标人可以自行注册",
            "Only tenderers, agencies and bidders register themselves",
            role=str(user.role),
        )
    with uow:
        new_org = _add_org(uow, ctx, org)
        new_user = _add_user(uow, ctx, NewUser(user.username, user.display_name, user.password, user.role, new_org.id))
        uow.commit()
    return new_org, new_user


def login(uow: IdentityUnitOfWork, ctx: Context, username: str, password: str) -> tuple[str, Session, User]:
    """Returns the session token (shown once), the session and the user."""
    with uow:
        user = uow.users.by_username(username)
        ok = passwords.verify_password(user.password_hash if user else None, password)
        if user is None or not ok or not user.active:
            raise Unauthenticated("login_failed", "用户名或密码错误", "Wrong username or password")
        token = passwords.new_secret("sbs")
        now = ctx.clock.now()
        session = Session(
            id=new_id("ses", now),
            user_id=user.id,
            token_hash=passwords.token_hash(token),
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
            address=ctx.address,
        )
        uow.sessions.add(session)
        uow.emit(_event(ctx, "UserLoggedIn", "user", user.id, public=False))
        uow.commit()
    return token, session, user


def logout(uow: IdentityUnitOfWork, ctx: Context, token: str) -> None:
    with uow:
        session = uow.sessions.by_token_hash(passwords.token_hash(token))
        if session is not None and session.revoked_at is None:
            session.revoked_at = ctx.clock.now()
            uow.emit(_event(ctx, "UserLoggedOut", "user", session.user_id, public=False))
            uow.commit()


def authenticate(uow: IdentityUnitOfWork, ctx: Context, token: str) -> Actor:
    """The actor a bearer token (session or API token) stands for."""
    digest = passwords.token_hash(token)
    now = ctx.clock.now()
    with uow:
        user_id: str | None = None
        if token.startswith("sbs_"):
            session = uow.sessions.by_token_hash(digest)
            if session is not None and session.is_valid(now):
                user_id = session.user_id
        elif token.startswith("sbt_"):
            api_token = uow.api_tokens.by_token_hash(digest)
            if api_token is not None and api_token.is_valid(now):
                user_id = api_token.user_id
        user = uow.users.get(user_id) if user_id else None
        if user is None or not user.active:
            raise Unauthenticated(
                "token_invalid",
                "登录已失效或令牌无效，请重新登录",
                "The session or token is invalid or has expired; log in again",
            )
        return user.as_actor()


def create_api_token(
    uow: IdentityUnitOfWork, ctx: Context, name: str, lifetime: timedelta | None = None
) -> tuple[str, ApiToken]:
    authorize(ctx.actor, Action.TOKEN_MANAGE)
    assert ctx.actor.user_id is not None
    token = passwords.new_secret("sbt")
    now = ctx.clock.now()
    record = ApiToken(
        id=new_id("tok", now),
        user_id=ctx.actor.user_id,
        name=name,
        token_hash=passwords.token_hash(token),
        created_at=now,
        expires_at=now + lifetime if lifetime else None,
    )
    with uow:
        uow.api_tokens.add(record)
        uow.emit(_event(ctx, "ApiTokenCreated", "user", ctx.actor.user_id, public=False, token_id=record.id, name=name))
        uow.commit()
    return token, record


def revoke_api_token(uow: IdentityUnitOfWork, ctx: Context, token_id: str) -> ApiToken:
    with uow:
        record = uow.api_tokens.get(token_id, for_update=True)
        if record is None or record.user_id != ctx.actor.user_id:
            authorize(ctx.actor, Action.TOKEN_MANAGE, None)
            raise not_found("token", token_id)
        if record.revoked_at is None:
            record.revoked_at = ctx.clock.now()
            uow.emit(_event(ctx, "ApiTokenRevoked", "user", record.user_id, public=False, token_id=record.id))
            uow.commit()
    return record


def list_api_tokens(uow: IdentityUnitOfWork, ctx: Context) -> list[ApiToken]:
    authorize(ctx.actor, Action.TOKEN_MANAGE)
    assert ctx.actor.user_id is not None
    with uow:
        return uow.api_tokens.for_user(ctx.actor.user_id)


def get_user(uow: IdentityUnitOfWork, ctx: Context, user_id: str) -> User:
    with uow:
        user = uow.users.get(user_id)
        if user is None or (user.id != ctx.actor.user_id and ctx.actor.role is not Role.ADMINISTRATOR):
            raise not_found("user", user_id)
        return user


def get_organisation(uow: IdentityUnitOfWork, ctx: Context, org_id: str) -> Organisation:
    """Registered organisations are public facts of the market-entity registry."""
    with uow:
        org = uow.organisations.get(org_id)
        if org is None:
            raise not_found("organisation", org_id)
        return org


def list_organisations(uow: IdentityUnitOfWork, ctx: Context, after: str | None, limit: int) -> Page[Organisation]:
    authorize(ctx.actor, Action.ORG_LIST)
    with uow:
        return page_of(uow.organisations.page(after=after, limit=limit), limit, lambda o: o.id)


def list_users(uow: IdentityUnitOfWork, ctx: Context, after: str | None, limit: int) -> Page[User]:
    authorize(ctx.actor, Action.USER_LIST)
    with uow:
        return page_of(uow.users.page(after=after, limit=limit), limit, lambda u: u.id)


# ---------------------------------------------------------------------------- the registry
def add_relation(
    uow: IdentityUnitOfWork, ctx: Context, parent_org_id: str, child_org_id: str, kind: RelationKind, source: str
) -> OrganisationRelation:
    """Record that one organisation controls or manages another (条例 第三十四条)."""
    authorize(ctx.actor, Action.ORG_RELATION_MANAGE)
    if parent_org_id == child_org_id:
        raise DomainError("relation_to_itself", "单位不能与自身存在关联关系", "An organisation cannot relate to itself")
    if not source.strip():
        raise DomainError("relation_source_required", "须注明关联关系的来源", "Say where the relationship is recorded")
    with uow:
        for org_id in (parent_org_id, child_org_id):
            if uow.organisations.get(org_id) is None:
                raise not_found("organisation", org_id)
        now = ctx.clock.now()
        relation = OrganisationRelation(
            id=new_id("orr", now),
            parent_org_id=parent_org_id,
            child_org_id=child_org_id,
            kind=kind,
            source=source.strip(),
            recorded_at=now,
            recorded_by=ctx.actor.user_id,
        )
        uow.organisations.add_relation(relation)
        uow.emit(
            _event(
                ctx,
                "OrganisationRelationRecorded",
                "organisation",
                parent_org_id,
                public=True,
                relation_id=relation.id,
                child_org_id=child_org_id,
                kind=str(kind),
            )
        )
        uow.commit()
    return relation


def relations_of(uow: IdentityUnitOfWork, ctx: Context, org_id: str) -> list[OrganisationRelation]:
    with uow:
        if uow.organisations.get(org_id) is None:
            raise not_found("organisation", org_id)
        return uow.organisations.relations([org_id])
