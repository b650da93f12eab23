"""Complaints (投诉) to the supervising department, from every channel (M13), and the
registry's qualifications and performance records (M22)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from sunbid.api import idempotency
from sunbid.api.deps import Ctx, Idem, Plat, Uow
from sunbid.api.schemas_evaluation import (
    AcceptIn,
    ComplaintDecisionIn,
    ComplaintIn,
    ComplaintOut,
    EnteredComplaintIn,
    PerformanceRecordIn,
    PerformanceRecordOut,
    QualificationIn,
    QualificationOut,
    RefuseIn,
)
from sunbid.identity import registry
from sunbid.supervision import service as complaints

router = APIRouter(tags=["supervision"])


@router.post("/complaints", response_model=ComplaintOut, status_code=201)
def file_complaint(body: ComplaintIn, request: Request, ctx: Ctx, uow: Uow, p: Plat, idem: Idem) -> object:
    """A bidder's complaint (投诉书): within 10 days of knowing; about the documents, the opening
    or the result, only after an objection on the same matter (条例 第六十条)."""
    return idempotency.created(
        p,
        ctx,
        idem,
        request,
        lambda: ComplaintOut.model_validate(
            complaints.file_complaint(
                uow,
                ctx,
                body.tender_id,
                matter=body.matter,
                text=body.text,
                known_at=body.known_at,
                section_id=body.section_id,
                objection_id=body.objection_id,
                evidence_sha256=body.evidence_sha256,
            )
        ),
    )


@router.post("/complaints/entered", response_model=ComplaintOut, status_code=201)
def enter_complaint(body: EnteredComplaintIn, request: Request, ctx: Ctx, uow: Uow, p: Plat, idem: Idem) -> object:
    """A complaint received by letter, visit, phone or e-mail, entered by the department's staff."""
    return idempotency.created(
        p,
        ctx,
        idem,
        request,
        lambda: ComplaintOut.model_validate(
            complaints.enter_complaint(
                uow,
                ctx,
                body.tender_id,
                complainant_org_id=body.complainant_org_id,
                channel=body.channel,
                matter=body.matter,
                text=body.text,
                known_at=body.known_at,
                section_id=body.section_id,
                objection_id=body.objection_id,
                evidence_sha256=body.evidence_sha256,
            )
        ),
    )


@router.get("/complaints/{complaint_id}", response_model=ComplaintOut)
def get_complaint(complaint_id: str, ctx: Ctx, uow: Uow) -> object:
    return complaints.get_complaint(uow, ctx, complaint_id)


@router.get("/tenders/{tender_id}/complaints", response_model=list[ComplaintOut])
def list_complaints(tender_id: str, ctx: Ctx, uow: Uow) -> object:
    """The complaints about a tender the caller may see: its own, or all for the tender's
    managers and oversight."""
    return complaints.visible_complaints(uow, ctx, tender_id)


@router.post("/complaints/{complaint_id}/acceptance", response_model=ComplaintOut)
def accept(complaint_id: str, body: AcceptIn, ctx: Ctx, uow: Uow) -> object:
    """受理 within 3 working days, optionally ordering the proceedings suspended (第六十二条)."""
    return complaints.accept(uow, ctx, complaint_id, suspend=body.suspend)


@router.post("/complaints/{complaint_id}/refusal", response_model=ComplaintOut)
def refuse(complaint_id: str, body: RefuseIn, ctx: Ctx, uow: Uow) -> object:
    return complaints.refuse(uow, ctx, complaint_id, body.reason)


@router.post("/complaints/{complaint_id}/decision", response_model=ComplaintOut)
def decide(complaint_id: str, body: ComplaintDecisionIn, ctx: Ctx, uow: Uow) -> object:
    """The written decision within 30 working days of acceptance (第六十一条)."""
    return complaints.decide(uow, ctx, complaint_id, upheld=body.upheld, decision=body.decision)


@router.post("/complaints/{complaint_id}/withdrawal", response_model=ComplaintOut)
def withdraw(complaint_id: str, ctx: Ctx, uow: Uow) -> object:
    return complaints.withdraw(uow, ctx, complaint_id)


# ---------------------------------------------------------------------------- the registry
@router.post("/organisations/{org_id}/qualifications", response_model=QualificationOut, status_code=201)
def add_qualification(org_id: str, body: QualificationIn, ctx: Ctx, uow: Uow) -> object:
    """Record a qualification certificate (资质) in the registry (supervisors and administrators)."""
    return registry.add_qualification(uow, ctx, org_id, **body.model_dump())


@router.get("/organisations/{org_id}/qualifications", response_model=list[QualificationOut])
def list_qualifications(org_id: str, ctx: Ctx, uow: Uow) -> object:
    return registry.qualifications(uow, ctx, org_id)


@router.post("/organisations/{org_id}/performances", response_model=PerformanceRecordOut, status_code=201)
def add_performance(org_id: str, body: PerformanceRecordIn, ctx: Ctx, uow: Uow) -> object:
    """Record a completed contract (业绩) from its certificates; contracts completed on this
    platform are recorded by themselves."""
    return registry.add_performance(uow, ctx, org_id, **body.model_dump())


@router.get("/organisations/{org_id}/performances", response_model=list[PerformanceRecordOut])
def list_performances(org_id: str, ctx: Ctx, uow: Uow) -> object:
    return registry.performances(uow, ctx, org_id)
