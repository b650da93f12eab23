"""Tender plans (招标计划, M1): draft, publish, amend, withdraw."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from sunbid.api import idempotency
from sunbid.api.deps import Ctx, Idem, Plat, Uow
from sunbid.api.routers.organisations import Cursor, Limit
from sunbid.api.schemas import AmendmentIn, PageOut, PlanIn, PlanOut, ReasonIn
from sunbid.kernel.query import decode_cursor
from sunbid.tendering import service as tendering
from sunbid.tendering.model import PLAN_FIELDS, PlanStatus

router = APIRouter(prefix="/plans", tags=["plans"])


def _fields(body: PlanIn) -> tendering.PlanFields:
    return tendering.PlanFields(**{name: getattr(body, name) for name in PLAN_FIELDS})


@router.post("", response_model=PlanOut, status_code=201)
def create_plan(body: PlanIn, request: Request, ctx: Ctx, uow: Uow, p: Plat, idem: Idem) -> object:
    """Draft a tender plan with its seven required fields."""
    return idempotency.created(
        p,
        ctx,
        idem,
        request,
        lambda: PlanOut.model_validate(tendering.create_plan(uow, ctx, _fields(body))),
    )


@router.get("", response_model=PageOut[PlanOut])
def list_plans(
    ctx: Ctx, uow: Uow, cursor: Cursor = None, limit: Limit = 50, status: Annotated[PlanStatus | None, Query()] = None
) -> PageOut[PlanOut]:
    page = tendering.list_plans(uow, ctx, after=decode_cursor(cursor), limit=limit, status=status)
    return PageOut[PlanOut](items=[PlanOut.model_validate(x) for x in page.items], next_cursor=page.next_cursor)


@router.get("/{plan_id}", response_model=PlanOut)
def get_plan(plan_id: str, ctx: Ctx, uow: Uow) -> PlanOut:
    return PlanOut.model_validate(tendering.get_plan(uow, ctx, plan_id))


@router.put("/{plan_id}", response_model=PlanOut)
def update_plan(plan_id: str, body: PlanIn, ctx: Ctx, uow: Uow) -> PlanOut:
    """Edit a draft plan. A published plan changes only by amendment."""
    return PlanOut.model_validate(tendering.update_plan(uow, ctx, plan_id, _fields(body)))


@router.post("/{plan_id}/publish", response_model=PlanOut)
def publish_plan(plan_id: str, ctx: Ctx, uow: Uow) -> PlanOut:
    return PlanOut.model_validate(tendering.publish_plan(uow, ctx, plan_id))


@router.post("/{plan_id}/amendments", response_model=PlanOut, status_code=201)
def amend_plan(plan_id: str, body: AmendmentIn, request: Request, ctx: Ctx, uow: Uow, p: Plat, idem: Idem) -> object:
    """Amend a published plan; every amendment is kept with its reason."""
    return idempotency.created(
        p,
        ctx,
        idem,
        request,
        lambda: PlanOut.model_validate(tendering.amend_plan(uow, ctx, plan_id, _fields(body), body.reason)),
    )


@router.post("/{plan_id}/withdraw", response_model=PlanOut)
def withdraw_plan(plan_id: str, body: ReasonIn, ctx: Ctx, uow: Uow) -> PlanOut:
    return PlanOut.model_validate(tendering.withdraw_plan(uow, ctx, plan_id, body.reason))
