"""Evaluation (M7-M11) and award (M12-M14): the scheme a tender declares, the committee's work,
the report, publicity and objections, the decision, the notices, the contract, performance."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from sunbid.api import idempotency
from sunbid.api.deps import Ctx, Idem, Plat, Uow
from sunbid.api.schemas_evaluation import (
    ContractIn,
    CorrectionIn,
    DecisionIn,
    ExplanationAnswerIn,
    ExplanationOut,
    ExplanationRequestIn,
    FailIn,
    MotionIn,
    MotionOut,
    NoticeOut,
    PerformanceIn,
    PerformanceOut,
    PublicityAnswerIn,
    PublicityIn,
    PublicityObjectionIn,
    PublicityObjectionOut,
    ReportOut,
    ReportSignatureIn,
    SchemeOut,
    ScoreIn,
    ScoreOut,
    SigningStatementOut,
    StartIn,
    VoteIn,
)
from sunbid.evaluation import award, declare, sitting
from sunbid.evaluation.common import load, member
from sunbid.evaluation.report_document import report_document
from sunbid.kernel.errors import DomainError, NotFound

router = APIRouter(tags=["evaluation"])


# ---------------------------------------------------------------------------- the scheme
@router.put("/tenders/{tender_id}/evaluation-scheme", response_model=SchemeOut)
def set_scheme(tender_id: str, body: dict[str, Any], ctx: Ctx, uow: Uow) -> SchemeOut:
    """Declare the evaluation scheme (评标办法) of a draft tender, as its documents state it:
    method, factors and weights, price formula, aggregation, abnormal-price rules, award mode.
    See docs/evaluation-methods.md for the format."""
    return SchemeOut(scheme=declare.set_scheme(uow, ctx, tender_id, body).as_json())


@router.get("/tenders/{tender_id}/evaluation-scheme", response_model=SchemeOut)
def get_scheme(tender_id: str, ctx: Ctx, uow: Uow) -> SchemeOut:
    return SchemeOut(scheme=declare.get_scheme(uow, ctx, tender_id))


# ---------------------------------------------------------------------------- the evaluation
@router.post("/tenders/{tender_id}/evaluations", status_code=201)
def start(tender_id: str, body: StartIn, request: Request, ctx: Ctx, uow: Uow, p: Plat, idem: Idem) -> object:
    """Start a section's evaluation once the opening is concluded and its committee sits."""

    def run() -> dict[str, Any]:
        evaluation = sitting.start(uow, ctx, tender_id, body.section_id)
        return sitting.view(p.uow(), ctx, evaluation.id)

    return idempotency.created(p, ctx, idem, request, run)


@router.get("/evaluations/{evaluation_id}")
def get_evaluation(evaluation_id: str, ctx: Ctx, uow: Uow) -> dict[str, Any]:
    """The evaluation as the caller may see it (members by code while the technical part is anonymous)."""
    return sitting.view(uow, ctx, evaluation_id)


@router.get("/evaluations/{evaluation_id}/bids/{bid}/files/{index}")
def get_bid_file(evaluation_id: str, bid: str, index: int, ctx: Ctx, uow: Uow) -> StreamingResponse:
    """A bid file, decrypted for the committee (technical files only, by code, while anonymous)."""
    name, handle = sitting.bid_file(uow, ctx, evaluation_id, bid, index)
    return StreamingResponse(
        sitting.iter_chunks(handle),
        media_type="application/octet-stream",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"},
    )


@router.put("/evaluations/{evaluation_id}/scores", response_model=ScoreOut)
def put_score(evaluation_id: str, body: ScoreIn, ctx: Ctx, uow: Uow) -> object:
    """A member's score of one subjective factor of one bid (repeatable until the part locks)."""
    return sitting.score(
        uow, ctx, evaluation_id, bid=body.bid, factor_id=body.factor_id, points=body.points, comment=body.comment
    )


@router.post("/evaluations/{evaluation_id}/technical-lock")
def lock_technical(evaluation_id: str, ctx: Ctx, uow: Uow, p: Plat) -> dict[str, Any]:
    """Lock the technical scores; the commercial, credit and price parts are then unmasked."""
    sitting.lock_technical(uow, ctx, evaluation_id)
    return sitting.view(p.uow(), ctx, evaluation_id)


@router.post("/evaluations/{evaluation_id}/motions", response_model=MotionOut, status_code=201)
def propose(evaluation_id: str, body: MotionIn, request: Request, ctx: Ctx, uow: Uow, p: Plat, idem: Idem) -> object:
    """Put a question to the committee (reject a bid with its ground, accept an explanation,
    adjust a price, reject all bids, order tied bids); the proposer's vote counts for it."""
    return idempotency.created(
        p,
        ctx,
        idem,
        request,
        lambda: MotionOut.model_validate(
            sitting.propose(
                uow,
                ctx,
                evaluation_id,
                kind=body.kind,
                reason=body.reason,
                bid=body.bid,
                ground=body.ground,
                payload=body.payload,
            )
        ),
    )


@router.post("/evaluations/{evaluation_id}/motions/{motion_id}/votes", response_model=MotionOut)
def vote(evaluation_id: str, motion_id: str, body: VoteIn, ctx: Ctx, uow: Uow) -> object:
    return sitting.vote(uow, ctx, evaluation_id, motion_id, agree=body.agree, reason=body.reason)


@router.post("/evaluations/{evaluation_id}/explanations", response_model=ExplanationOut, status_code=201)
def request_explanation(
    evaluation_id: str, body: ExplanationRequestIn, request: Request, ctx: Ctx, uow: Uow, p: Plat, idem: Idem
) -> object:
    """The committee asks a bidder to clarify in writing (条例 第五十二条)."""
    return idempotency.created(
        p,
        ctx,
        idem,
        request,
        lambda: ExplanationOut.model_validate(
            sitting.request_explanation(uow, ctx, evaluation_id, bid=body.bid, question=body.question)
        ),
    )


@router.get("/evaluations/{evaluation_id}/explanations", response_model=list[ExplanationOut])
def list_explanations(evaluation_id: str, ctx: Ctx, uow: Uow) -> object:
    """A bidder's own requests for explanation; the committee and oversight see all."""
    return sitting.explanations_for(uow, ctx, evaluation_id)


@router.post("/evaluations/{evaluation_id}/explanations/{explanation_id}/answer", response_model=ExplanationOut)
def answer_explanation(
    evaluation_id: str, explanation_id: str, body: ExplanationAnswerIn, ctx: Ctx, uow: Uow
) -> object:
    """The bidder's written explanation, before the deadline, with the hash of its evidence."""
    return sitting.answer_explanation(
        uow, ctx, evaluation_id, explanation_id, answer=body.answer, evidence_sha256=body.evidence_sha256
    )


@router.post("/evaluations/{evaluation_id}/conclusion", response_model=ReportOut, status_code=201)
def conclude(evaluation_id: str, ctx: Ctx, uow: Uow) -> object:
    """End the committee's review: the results, the candidates and the report to sign."""
    return sitting.conclude(uow, ctx, evaluation_id)


@router.get("/evaluations/{evaluation_id}/report/statement", response_model=SigningStatementOut)
def signing_statement(evaluation_id: str, ctx: Ctx, uow: Uow, dissent: str | None = None) -> SigningStatementOut:
    """What the calling member signs for the current report version (with its dissent, if any)."""
    with uow:
        loaded = load(uow, evaluation_id)
        seat = member(ctx, loaded)
        report = loaded.evaluation.current_report()
        if report is None:
            raise DomainError("report_missing", "评标报告尚未生成", "There is no report yet")
        return SigningStatementOut(
            statement=sitting.signing_statement(evaluation_id, report.digest, seat.id, (dissent or "").strip() or None)
        )


@router.post("/evaluations/{evaluation_id}/report/signatures", response_model=ReportOut)
def sign_report(evaluation_id: str, body: ReportSignatureIn, ctx: Ctx, uow: Uow, p: Plat) -> object:
    """Sign the report with your own certificate, with your dissent; or refuse (条例 第五十三条)."""
    return sitting.sign_report(
        uow,
        ctx,
        evaluation_id,
        signature=body.signature,
        dissent=body.dissent,
        check=p.signature_check(),
        refuse_to_sign=body.refuse,
    )


@router.get("/evaluations/{evaluation_id}/report.pdf")
def report_pdf(evaluation_id: str, ctx: Ctx, uow: Uow) -> Response:
    """The current report as PDF, rendered from its signed JSON (the same bytes every time)."""
    from sunbid.disclosure.pdf import render_pdf

    view = sitting.view(uow, ctx, evaluation_id)
    report = view.get("report")
    if not report:
        raise NotFound("report_not_found", "评标报告尚未生成或无权查看", "There is no report you may read")
    pdf = render_pdf(report_document(report["body"], report["digest"], report["signatures"]))
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f"inline; filename=report-{evaluation_id}-v{report['version']}.pdf"},
    )


# ---------------------------------------------------------------------------- after the report
@router.post("/evaluations/{evaluation_id}/corrections")
def request_correction(evaluation_id: str, body: CorrectionIn, ctx: Ctx, uow: Uow, p: Plat) -> dict[str, Any]:
    """复核: the tenderer sends the report back to the committee with its reasons."""
    award.request_correction(uow, ctx, evaluation_id, body.reason)
    return sitting.view(p.uow(), ctx, evaluation_id)


@router.post("/evaluations/{evaluation_id}/publicity")
def publish(evaluation_id: str, body: PublicityIn, ctx: Ctx, uow: Uow, p: Plat) -> dict[str, Any]:
    """中标候选人公示, signed by the platform, for at least 3 days (条例 第五十四条)."""
    award.publish_candidates(uow, ctx, evaluation_id, end=body.end, signer=p.identity())
    return sitting.view(p.uow(), ctx, evaluation_id)


@router.post("/evaluations/{evaluation_id}/objections", response_model=PublicityObjectionOut, status_code=201)
def object_to_result(
    evaluation_id: str, body: PublicityObjectionIn, request: Request, ctx: Ctx, uow: Uow, p: Plat, idem: Idem
) -> object:
    """异议 against the evaluation result during the publicity; the award waits for the answer."""
    return idempotency.created(
        p,
        ctx,
        idem,
        request,
        lambda: PublicityObjectionOut.model_validate(award.raise_objection(uow, ctx, evaluation_id, body.text)),
    )


@router.post("/evaluations/{evaluation_id}/objections/{objection_id}/answer", response_model=PublicityObjectionOut)
def answer_objection(evaluation_id: str, objection_id: str, body: PublicityAnswerIn, ctx: Ctx, uow: Uow) -> object:
    return award.answer_objection(uow, ctx, evaluation_id, objection_id, body.answer)


@router.post("/evaluations/{evaluation_id}/decision")
def decide(evaluation_id: str, body: DecisionIn, ctx: Ctx, uow: Uow, p: Plat) -> dict[str, Any]:
    """定标: ranked (rank 1 for state-funded projects unless 条例 第五十五条 applies) or by the
    评定分离 method the tender documents declared, with participants, votes and reasons."""
    award.decide(
        uow,
        ctx,
        evaluation_id,
        winner_bid_id=body.winner_bid_id,
        reasons=body.reasons,
        exceptions={k: v.model_dump() for k, v in body.exceptions.items()},
        participants=[x.model_dump() for x in body.participants],
        votes=[v.model_dump() for v in body.votes],
        criteria_reasons=body.criteria_reasons,
        signer=p.identity(),
    )
    return sitting.view(p.uow(), ctx, evaluation_id)


@router.post("/evaluations/{evaluation_id}/failure")
def fail(evaluation_id: str, body: FailIn, ctx: Ctx, uow: Uow, p: Plat) -> dict[str, Any]:
    """依法重新招标 from the decision stage (e.g. every candidate gave up)."""
    award.fail(uow, ctx, evaluation_id, body.reason)
    return sitting.view(p.uow(), ctx, evaluation_id)


@router.post("/evaluations/{evaluation_id}/notices", response_model=list[NoticeOut], status_code=201)
def issue_notices(evaluation_id: str, ctx: Ctx, uow: Uow, p: Plat) -> object:
    """中标通知书 and 中标结果通知书, to every bidder at the same moment (法 第四十五条)."""
    award.issue_notices(uow, ctx, evaluation_id, p.identity())
    return award.visible_notices(p.uow(), ctx, evaluation_id)


@router.get("/evaluations/{evaluation_id}/notices", response_model=list[NoticeOut])
def list_notices(evaluation_id: str, ctx: Ctx, uow: Uow) -> object:
    """Each bidder sees its own notice; the tender's managers and oversight see all."""
    return award.visible_notices(uow, ctx, evaluation_id)


@router.post("/evaluations/{evaluation_id}/contract")
def sign_contract(evaluation_id: str, body: ContractIn, ctx: Ctx, uow: Uow, p: Plat) -> dict[str, Any]:
    """The contract, checked against the tender and the winning bid (条例 第五十七条)."""
    terms = body.model_dump(exclude={"document_sha256"}, exclude_none=True)
    award.sign_contract(uow, ctx, evaluation_id, terms, body.document_sha256)
    return sitting.view(p.uow(), ctx, evaluation_id)


@router.post("/evaluations/{evaluation_id}/performance", response_model=PerformanceOut, status_code=201)
def record_performance(
    evaluation_id: str, body: PerformanceIn, request: Request, ctx: Ctx, uow: Uow, p: Plat, idem: Idem
) -> object:
    """Milestones, changes, payments and the completion of the contract (M14)."""
    return idempotency.created(
        p,
        ctx,
        idem,
        request,
        lambda: PerformanceOut.model_validate(
            award.record_performance(
                uow,
                ctx,
                evaluation_id,
                kind=body.kind,
                description=body.description,
                occurred_on=body.occurred_on,
                amount=body.amount,
                document_sha256=body.document_sha256,
            )
        ),
    )
