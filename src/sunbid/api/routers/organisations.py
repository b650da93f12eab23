"""Market entities and users: self-registration, and administration."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from sunbid.api import idempotency
from sunbid.api.deps import Ctx, Idem, Plat, Uow
from sunbid.api.schemas import (
    CreditGradeIn,
    OrganisationIn,
    OrganisationOut,
    PageOut,
    RegistrationIn,
    RegistrationOut,
    RelationIn,
    RelationOut,
    UserIn,
    UserOut,
)
from sunbid.identity import service as identity
from sunbid.kernel.query import decode_cursor

router = APIRouter(tags=["identity"])
Cursor = Annotated[str | None, Query(max_length=200, description="From next_cursor of the previous page")]
Limit = Annotated[int, Query(ge=1, le=200)]


def _org(body: OrganisationIn) -> identity.NewOrganisation:
    return identity.NewOrganisation(body.name, body.credit_code, body.address, body.legal_representative)


@router.post("/registrations", response_model=RegistrationOut, status_code=201)
def register(body: RegistrationIn, request: Request, ctx: Ctx, uow: Uow, p: Plat, idem: Idem) -> object:
    """Free self-registration of a tenderer, agency or bidder and its first user (电子招标投标办法 第九条)."""

    def create() -> RegistrationOut:
        org, user = identity.register(
            uow,
            ctx,
            _org(body.organisation),
            identity.NewUser(body.username, body.display_name, body.password, body.role, None),
        )
        return RegistrationOut(organisation=OrganisationOut.model_validate(org), user=UserOut.model_validate(user))

    return idempotency.created(p, ctx, idem, request, create)


@router.post("/organisations", response_model=OrganisationOut, status_code=201)
def create_organisation(body: OrganisationIn, request: Request, ctx: Ctx, uow: Uow, p: Plat, idem: Idem) -> object:
    def create() -> OrganisationOut:
        return OrganisationOut.model_validate(identity.create_organisation(uow, ctx, _org(body)))

    return idempotency.created(p, ctx, idem, request, create)


@router.get("/organisations", response_model=PageOut[OrganisationOut])
def list_organisations(ctx: Ctx, uow: Uow, cursor: Cursor = None, limit: Limit = 50) -> PageOut[OrganisationOut]:
    page = identity.list_organisations(uow, ctx, decode_cursor(cursor), limit)
    return PageOut[OrganisationOut](
        items=[OrganisationOut.model_validate(o) for o in page.items], next_cursor=page.next_cursor
    )


@router.get("/organisations/{org_id}", response_model=OrganisationOut)
def get_organisation(org_id: str, ctx: Ctx, uow: Uow) -> OrganisationOut:
    """Registered market entities are public (公共服务平台 market-entity registry)."""
    return OrganisationOut.model_validate(identity.get_organisation(uow, ctx, org_id))


@router.post("/users", response_model=UserOut, status_code=201)
def create_user(body: UserIn, request: Request, ctx: Ctx, uow: Uow, p: Plat, idem: Idem) -> object:
    def create() -> UserOut:
        return UserOut.model_validate(
            identity.create_user(
                uow, ctx, identity.NewUser(body.username, body.display_name, body.password, body.role, body.org_id)
            )
        )

    return idempotency.created(p, ctx, idem, request, create)


@router.get("/users", response_model=PageOut[UserOut])
def list_users(ctx: Ctx, uow: Uow, cursor: Cursor = None, limit: Limit = 50) -> PageOut[UserOut]:
    page = identity.list_users(uow, ctx, decode_cursor(cursor), limit)
    return PageOut[UserOut](items=[UserOut.model_validate(u) for u in page.items], next_cursor=page.next_cursor)


@router.get("/users/{user_id}", response_model=UserOut)
def get_user(user_id: str, ctx: Ctx, uow: Uow) -> UserOut:
    from sunbid.identity.policy import Action, authorize

    authorize(ctx.actor, Action.TOKEN_MANAGE)
    return UserOut.model_validate(identity.get_user(uow, ctx, user_id))


@router.put("/organisations/{org_id}/credit-grade", response_model=OrganisationOut)
def set_credit_grade(org_id: str, body: CreditGradeIn, ctx: Ctx, uow: Uow) -> OrganisationOut:
    """A supervisor sets the credit grade (信用等级) in place of the computed one, with its reason
    (null: back to the computed grade). The grade may reduce the deposit the jurisdiction's rules
    ask of the organisation. The same as ``POST /credit-grades/organisation/{org_id}/override``."""
    from sunbid.supervision import credit_service

    credit_service.override(uow, ctx, "organisation", org_id, body.grade, body.reason)
    return OrganisationOut.model_validate(identity.get_organisation(uow, ctx, org_id))


@router.post("/organisations/{org_id}/relations", response_model=RelationOut, status_code=201)
def add_relation(org_id: str, body: RelationIn, request: Request, ctx: Ctx, uow: Uow, p: Plat, idem: Idem) -> object:
    """Record that this organisation controls or manages another (条例 第三十四条: such units may
    not bid in the same section)."""
    return idempotency.created(
        p,
        ctx,
        idem,
        request,
        lambda: RelationOut.model_validate(
            identity.add_relation(uow, ctx, org_id, body.child_org_id, body.kind, body.source)
        ),
    )


@router.get("/organisations/{org_id}/relations", response_model=list[RelationOut])
def list_relations(org_id: str, ctx: Ctx, uow: Uow) -> list[RelationOut]:
    """Control and management relationships on record (public, like the registry)."""
    return [RelationOut.model_validate(r) for r in identity.relations_of(uow, ctx, org_id)]
