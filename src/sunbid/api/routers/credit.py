"""Credit grades (信用等级, M18) of organisations and experts, their recomputation and a
supervisor's override, and the penalties they are made from (双公示)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from sunbid.api import idempotency
from sunbid.api.deps import Ctx, Idem, Plat, Uow
from sunbid.api.routers.organisations import Cursor, Limit
from sunbid.api.schemas_supervision import (
    AssessmentOut,
    CreditDetailOut,
    CreditGradeOut,
    CreditPageOut,
    OverrideIn,
    PenaltyIn,
    PenaltyOut,
    ReasonIn,
    RecomputeOut,
)
from sunbid.kernel.query import decode_cursor
from sunbid.supervision import credit_service as credit
from sunbid.supervision.credit_model import Grade, SubjectType

router = APIRouter(tags=["supervision"])


@router.get("/credit-grades", response_model=CreditPageOut)
def list_grades(
    ctx: Ctx,
    uow: Uow,
    subject_type: SubjectType | None = None,
    grade: Annotated[Grade | None, Query()] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> CreditPageOut:
    """Every graded organisation and expert (supervisors and auditors)."""
    page = credit.list_grades(
        uow,
        ctx,
        after=decode_cursor(cursor),
        limit=limit,
        subject_type=subject_type.value if subject_type else None,
        grade_value=grade.value if grade else None,
    )
    return CreditPageOut(items=[CreditGradeOut.of(g) for g in page.items], next_cursor=page.next_cursor)


@router.post("/credit-grades/recompute", response_model=RecomputeOut)
def recompute(ctx: Ctx, uow: Uow) -> RecomputeOut:
    """Grade every organisation and expert from its records now (the scheduler does it daily)."""
    done = credit.recompute(uow, ctx)
    assert done is not None
    return RecomputeOut(
        day=done.day,
        at=done.at,
        subjects=done.subjects,
        changed=done.changed,
        by_grade=done.by_grade,
        rules_sha256=done.rules_sha256,
    )


@router.get("/credit-grades/{subject_type}/{subject_id}", response_model=CreditDetailOut)
def get_grade(subject_type: SubjectType, subject_id: str, ctx: Ctx, uow: Uow) -> CreditDetailOut:
    """A grade with its reasons and its history: oversight, and the graded organisation or expert."""
    found, history = credit.get_grade(uow, ctx, subject_type.value, subject_id)
    return CreditDetailOut(**CreditGradeOut.of(found).model_dump(), history=[AssessmentOut.of(a) for a in history])


@router.post("/credit-grades/{subject_type}/{subject_id}/override", response_model=CreditGradeOut)
def override(subject_type: SubjectType, subject_id: str, body: OverrideIn, ctx: Ctx, uow: Uow) -> CreditGradeOut:
    """A supervisor's grade in place of the computed one, with its reason (null: back to the
    computed grade)."""
    return CreditGradeOut.of(
        credit.override(uow, ctx, subject_type.value, subject_id, body.grade, body.reason, until=body.until)
    )


@router.post("/organisations/{org_id}/penalties", response_model=PenaltyOut, status_code=201)
def record_penalty(org_id: str, body: PenaltyIn, request: Request, ctx: Ctx, uow: Uow, p: Plat, idem: Idem) -> object:
    """Record a penalty decision (行政处罚) against an organisation; it is public and regrades it."""
    return idempotency.created(
        p,
        ctx,
        idem,
        request,
        lambda: PenaltyOut.model_validate(
            credit.record_penalty(
                uow,
                ctx,
                org_id,
                kind=body.kind,
                authority=body.authority,
                decision_number=body.decision_number,
                decided_on=body.decided_on,
                details=body.details,
                ban_until=body.ban_until,
            )
        ),
    )


@router.get("/organisations/{org_id}/penalties", response_model=list[PenaltyOut])
def list_penalties(org_id: str, ctx: Ctx, uow: Uow) -> object:
    """An organisation's penalties (双公示: public)."""
    return credit.penalties_of(uow, ctx, org_id)


@router.post("/penalties/{penalty_id}/revocation", response_model=PenaltyOut)
def revoke_penalty(penalty_id: str, body: ReasonIn, ctx: Ctx, uow: Uow) -> object:
    """A penalty revoked on review or by a court; it no longer counts."""
    return credit.revoke_penalty(uow, ctx, penalty_id, body.reason)
