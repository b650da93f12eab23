"""Warnings (预警) and risk indicators (M16-M18): supervisors work warnings through, oversight
reads them and a tender's indicators; the tender's managers and bidders see nothing of them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from sunbid.api import idempotency
from sunbid.api.deps import Ctx, Idem, Plat, Uow
from sunbid.api.routers.organisations import Cursor, Limit
from sunbid.api.schemas_supervision import (
    AssignIn,
    CatalogueOut,
    CloseIn,
    FeedbackIn,
    FlagOut,
    IndicatorOut,
    InvestigateIn,
    NoteIn,
    ReasonIn,
    ReferIn,
    ReferralOut,
    ScanMarkOut,
    TenderRiskOut,
    WarningOut,
    WarningPageOut,
)
from sunbid.identity.policy import Action, authorize
from sunbid.kernel.query import decode_cursor
from sunbid.supervision import warning_service as warnings
from sunbid.supervision.ports import WarningFilter
from sunbid.supervision.warning_model import WarningSeverity, WarningStatus

router = APIRouter(tags=["supervision"])


@router.get("/risk/indicators", response_model=CatalogueOut)
def indicator_catalogue(ctx: Ctx) -> CatalogueOut:
    """Every risk indicator the platform computes: its id, titles, basis, definition, severity
    and thresholds (the same catalogue as docs/risk/indicators.md)."""
    from sunbid.risk.catalogue import FAMILIES, cards

    authorize(ctx.actor, Action.RISK_CATALOGUE)
    return CatalogueOut(families=dict(FAMILIES), indicators=[IndicatorOut.model_validate(c) for c in cards()])


@router.get("/tenders/{tender_id}/risk", response_model=TenderRiskOut)
def tender_risk(tender_id: str, ctx: Ctx, uow: Uow, p: Plat) -> TenderRiskOut:
    """Every flag of one tender, every severity, computed now over its market, each with the
    warning made from it; and the automatic scans made of it. Supervisors and auditors."""
    flags, warned, marks = warnings.indicators_of_tender(uow, ctx, p.scanner(), tender_id)
    return TenderRiskOut(
        tender_id=tender_id,
        flags=[FlagOut.of(f, warned.get(f.flag_id)) for f in flags],
        scans=[ScanMarkOut.of(m) for m in marks],
    )


@router.get("/warnings", response_model=WarningPageOut)
def list_warnings(
    ctx: Ctx,
    uow: Uow,
    status: WarningStatus | None = None,
    severity: WarningSeverity | None = None,
    indicator: Annotated[str | None, Query(max_length=64)] = None,
    tender_id: Annotated[str | None, Query(max_length=64)] = None,
    assignee_id: Annotated[str | None, Query(max_length=64)] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> WarningPageOut:
    """Warnings, newest first, filtered by status, severity, indicator, tender or assignee."""
    where = WarningFilter(status, severity, indicator, tender_id, assignee_id)
    page = warnings.list_warnings(uow, ctx, where, decode_cursor(cursor), limit)
    return WarningPageOut(items=[WarningOut.model_validate(w) for w in page.items], next_cursor=page.next_cursor)


@router.get("/warnings/{warning_id}", response_model=WarningOut)
def get_warning(warning_id: str, ctx: Ctx, uow: Uow) -> object:
    return warnings.get_warning(uow, ctx, warning_id)


@router.post("/warnings/{warning_id}/assignment", response_model=WarningOut)
def assign(warning_id: str, body: AssignIn, ctx: Ctx, uow: Uow) -> object:
    """Assign or reassign the warning to a supervisor (分派)."""
    return warnings.assign(uow, ctx, warning_id, body.assignee_id, body.note)


@router.post("/warnings/{warning_id}/acknowledgement", response_model=WarningOut)
def acknowledge(warning_id: str, body: NoteIn, ctx: Ctx, uow: Uow) -> object:
    """The assignee takes the warning on (签收)."""
    return warnings.acknowledge(uow, ctx, warning_id, body.note)


@router.post("/warnings/{warning_id}/investigation", response_model=WarningOut)
def investigate(warning_id: str, body: InvestigateIn, ctx: Ctx, uow: Uow) -> object:
    """Start the investigation, or add to its notes (核查)."""
    return warnings.investigate(uow, ctx, warning_id, body.notes)


@router.post("/warnings/{warning_id}/dismissal", response_model=WarningOut)
def dismiss(warning_id: str, body: ReasonIn, ctx: Ctx, uow: Uow) -> object:
    """Dismiss the warning as no finding, with the reason (排除)."""
    return warnings.dismiss(uow, ctx, warning_id, body.reason)


@router.post("/warnings/{warning_id}/referrals", response_model=ReferralOut, status_code=201)
def refer(warning_id: str, body: ReferIn, request: Request, ctx: Ctx, uow: Uow, p: Plat, idem: Idem) -> object:
    """Refer the warning to another authority with the referral's number (移送): 公安机关,
    纪检监察机关, 市场监督管理部门 …"""
    return idempotency.created(
        p,
        ctx,
        idem,
        request,
        lambda: ReferralOut.model_validate(
            warnings.refer(
                uow,
                ctx,
                warning_id,
                authority=body.authority,
                authority_name=body.authority_name,
                number=body.number,
                note=body.note,
            )
        ),
    )


@router.post("/warnings/{warning_id}/referrals/{referral_id}/feedback", response_model=ReferralOut)
def feedback(warning_id: str, referral_id: str, body: FeedbackIn, ctx: Ctx, uow: Uow) -> object:
    """The authority's feedback on a referral: when it came and its outcome (反馈)."""
    return warnings.record_feedback(
        uow, ctx, warning_id, referral_id, received_at=body.received_at, outcome=body.outcome, text=body.text
    )


@router.post("/warnings/{warning_id}/closure", response_model=WarningOut)
def close(warning_id: str, body: CloseIn, ctx: Ctx, uow: Uow) -> object:
    """Close the warning with the investigation's outcome (办结); a confirmed one counts in credit."""
    return warnings.close(uow, ctx, warning_id, outcome=body.outcome, reason=body.reason)
