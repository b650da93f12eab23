"""Complaints (投诉) to the supervising department, from every channel (M13).

A bidder files one online; the department's staff enter those that come by letter, visit,
phone or e-mail. The statutory clock runs from the complaint: 10 days from knowing (less the
time an objection waited for its answer), acceptance within 3 working days, a written
decision within 30 working days (条例 第六十条、第六十一条). The department may order the
proceedings suspended (第六十二条). A complainant whose complaints keep being refused or
dismissed is flagged (seed task 63; 条例 第七十七条 on false complaints).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sunbid.evaluation import award
from sunbid.evaluation.common import logged_in
from sunbid.evaluation.model import TRANSITIONS, EvaluationAction
from sunbid.identity.policy import Action, allowed, authorize, authorize_read
from sunbid.kernel.context import Context
from sunbid.kernel.errors import Conflict, DomainError, NotFound, RuleViolation, not_found
from sunbid.kernel.events import event_from
from sunbid.kernel.ids import new_id
from sunbid.kernel.rules import REGS
from sunbid.supervision.model import (
    NEEDS_OBJECTION,
    UNFOUNDED,
    Complaint,
    ComplaintAction,
    ComplaintChannel,
    ComplaintMatter,
    ComplaintStatus,
    DueAction,
    due_actions,
)
from sunbid.supervision.ports import SupervisionUnitOfWork
from sunbid.tendering.model import Tender, TenderStatus

#: The evaluation states a supervisor's suspension applies to, as the state machine has them.
_SUSPENDABLE = frozenset(state for (state, action) in TRANSITIONS if action is EvaluationAction.SUSPEND)


def _complaint_not_found(complaint_id: str) -> NotFound:
    return NotFound("complaint_not_found", f"未找到投诉：{complaint_id}", f"No complaint {complaint_id}")


def _emit(
    uow: SupervisionUnitOfWork, ctx: Context, name: str, complaint: Complaint, *, public: bool, **data: Any
) -> None:
    uow.emit(
        event_from(
            ctx,
            name,
            "complaint",
            complaint.id,
            public=public,
            tender_id=complaint.tender_id,
            section_id=complaint.section_id,
            **data,
        )
    )


def _objection(
    uow: SupervisionUnitOfWork, tender: Tender, matter: ComplaintMatter, objection_id: str | None, org_id: str
) -> tuple[datetime, datetime | None, datetime | None]:
    """The prior objection on the same matter by the complainant: (raised, answered, answer due)."""
    if objection_id is None:
        raise RuleViolation(
            "objection_required_first",
            f"就招标文件、开标或评标结果投诉的，应当先向招标人提出异议（{REGS}第六十条）",
            f"A complaint about the tender documents, the opening or the evaluation result must follow an objection "
            f"to the tenderer ({REGS}第六十条)",
            rule="complaint_window_days",
        )
    found: Any = None
    if matter is ComplaintMatter.TENDER_DOCUMENTS:
        found = next((o for o in tender.objections if o.id == objection_id), None)
        due = found.answer_due if found else None
    elif matter is ComplaintMatter.OPENING:
        found = next((o for o in uow.opening_objections.for_tender(tender.id) if o.id == objection_id), None)
        due = found.raised_at if found else None  # answered on the spot (条例 第四十四条)
    else:
        for evaluation in uow.evaluations.for_tender(tender.id):
            found = next((o for o in evaluation.objections if o.id == objection_id), found)
        due = found.answer_due if found else None
    if found is None or found.objector_org_id != org_id:
        raise DomainError(
            "objection_not_found_for_complaint",
            "未找到投诉人就该事项提出的异议",
            "No objection on this matter by the complainant was found",
            objection_id=objection_id,
        )
    return found.raised_at, found.answered_at, due


def _check_window(
    ctx: Context, known_at: datetime, objection: tuple[datetime, datetime | None, datetime | None] | None
) -> None:
    """10 days from knowing, not counting the time the objection waited for its answer."""
    now = ctx.clock.now()
    if known_at > now:
        raise DomainError(
            "known_at_in_future",
            "知道违法行为的时间不能晚于现在",
            "The complainant cannot have known it later than now",
        )
    paused = timedelta(0)
    if objection is not None:
        raised, answered, due = objection
        if answered is None and due is not None and now <= due:
            raise Conflict(
                "objection_answer_awaited",
                "异议尚在答复期内，答复后或答复期满后方可投诉",
                "The objection is still within its answer period: complain once it is answered or the period ends",
                answer_due=due.isoformat(),
            )
        end = answered or due or raised
        if end > raised and end > known_at:
            paused = end - max(raised, known_at)
    limit = known_at + timedelta(days=ctx.rules.days("complaint_window_days")) + paused
    if now > limit:
        rule = ctx.rules["complaint_window_days"]
        raise RuleViolation(
            "complaint_too_late",
            f"投诉应当自知道或者应当知道之日起{rule.value}日内提出（{rule.citation}；异议答复期间不计算在内）",
            f"Complaints are made within {rule.value} days of knowing ({rule.citation}; the time an objection "
            "waited for its answer is not counted)",
            rule="complaint_window_days",
            deadline=limit.isoformat(),
        )


def _file(
    uow: SupervisionUnitOfWork,
    ctx: Context,
    *,
    tender_id: str,
    section_id: str | None,
    complainant_org_id: str,
    channel: ComplaintChannel,
    matter: ComplaintMatter,
    text: str,
    known_at: datetime,
    objection_id: str | None,
    evidence_sha256: str | None,
) -> Complaint:
    if not text.strip():
        raise DomainError("complaint_text_required", "投诉书须载明投诉事项和理由", "A complaint states what and why")
    if known_at.tzinfo is None:
        raise DomainError("time_zone_required", "时间须带时区", "The time needs a time zone")
    with uow:
        tender = uow.tenders.get(tender_id)
        if tender is None or tender.status in (TenderStatus.DRAFT, TenderStatus.CANCELLED):
            raise not_found("tender", tender_id)
        if section_id is not None and all(s.id != section_id for s in tender.sections):
            raise not_found("section", section_id)
        if uow.organisations.get(complainant_org_id) is None:
            raise not_found("organisation", complainant_org_id)
        objection = (
            _objection(uow, tender, matter, objection_id, complainant_org_id) if matter in NEEDS_OBJECTION else None
        )
        _check_window(ctx, known_at, objection)
        now = ctx.clock.now()
        accept_due = ctx.rules.deadline("complaint_accept_working_days", now).at
        complaint = Complaint(
            id=new_id("cpl", now),
            tender_id=tender.id,
            section_id=section_id,
            complainant_org_id=complainant_org_id,
            channel=channel,
            matter=matter,
            text=text,
            known_at=known_at,
            received_at=now,
            accept_due=accept_due,
            entered_by=ctx.actor.user_id or "system",
            objection_id=objection_id,
            evidence_sha256=evidence_sha256,
        )
        uow.complaints.add(complaint)
        _emit(
            uow,
            ctx,
            "ComplaintReceived",
            complaint,
            public=False,
            channel=str(channel),
            matter=str(matter),
            complainant_org_id=complainant_org_id,
            accept_due=accept_due.isoformat(),
            evidence_sha256=evidence_sha256,
        )
        uow.commit()
    return complaint


def file_complaint(
    uow: SupervisionUnitOfWork,
    ctx: Context,
    tender_id: str,
    *,
    matter: ComplaintMatter,
    text: str,
    known_at: datetime,
    section_id: str | None = None,
    objection_id: str | None = None,
    evidence_sha256: str | None = None,
) -> Complaint:
    """A bidder's complaint on the platform (投诉书)."""
    authorize(ctx.actor, Action.COMPLAINT_FILE)
    assert ctx.actor.org_id is not None
    return _file(
        uow,
        ctx,
        tender_id=tender_id,
        section_id=section_id,
        complainant_org_id=ctx.actor.org_id,
        channel=ComplaintChannel.WEB,
        matter=matter,
        text=text,
        known_at=known_at,
        objection_id=objection_id,
        evidence_sha256=evidence_sha256,
    )


def enter_complaint(
    uow: SupervisionUnitOfWork,
    ctx: Context,
    tender_id: str,
    *,
    complainant_org_id: str,
    channel: ComplaintChannel,
    matter: ComplaintMatter,
    text: str,
    known_at: datetime,
    section_id: str | None = None,
    objection_id: str | None = None,
    evidence_sha256: str | None = None,
) -> Complaint:
    """A complaint that came by letter, visit, phone or e-mail, entered by the department's staff."""
    authorize(ctx.actor, Action.COMPLAINT_ENTER)
    if channel is ComplaintChannel.WEB:
        raise DomainError(
            "channel_invalid", "网上投诉由投诉人自行提交", "Online complaints are filed by the complainant"
        )
    return _file(
        uow,
        ctx,
        tender_id=tender_id,
        section_id=section_id,
        complainant_org_id=complainant_org_id,
        channel=channel,
        matter=matter,
        text=text,
        known_at=known_at,
        objection_id=objection_id,
        evidence_sha256=evidence_sha256,
    )


def _handled(uow: SupervisionUnitOfWork, ctx: Context, complaint_id: str) -> Complaint:
    authorize(ctx.actor, Action.COMPLAINT_HANDLE)
    complaint = uow.complaints.get(complaint_id, for_update=True)
    if complaint is None:
        raise _complaint_not_found(complaint_id)
    return complaint


def _evaluation_of(uow: SupervisionUnitOfWork, complaint: Complaint) -> Any:
    if complaint.section_id is None:
        return None
    return uow.evaluations.for_section(complaint.section_id, for_update=True)


def accept(uow: SupervisionUnitOfWork, ctx: Context, complaint_id: str, *, suspend: bool = False) -> Complaint:
    """受理; with ``suspend``, the department orders the section's proceedings suspended until its
    decision (条例 第六十二条)."""
    with uow:
        complaint = _handled(uow, ctx, complaint_id)
        complaint.apply(ComplaintAction.ACCEPT)
        now = ctx.clock.now()
        complaint.accepted_at, complaint.handled_by = now, ctx.actor.user_id
        complaint.decide_due = ctx.rules.deadline("complaint_decide_working_days", now).at
        if suspend:
            evaluation = _evaluation_of(uow, complaint)
            if evaluation is None or evaluation.status not in _SUSPENDABLE:
                raise Conflict(
                    "nothing_to_suspend",
                    "该标段目前没有可以暂停的评标或定标活动",
                    "This section has no evaluation or award step that can be suspended now",
                )
            award.suspend(
                uow,
                ctx,
                evaluation,
                {"complaint_id": complaint.id, "ordered_by": ctx.actor.user_id, "basis": f"{REGS}第六十二条"},
            )
            complaint.suspension_ordered = True
        _emit(
            uow,
            ctx,
            "ComplaintAccepted",
            complaint,
            public=False,
            decide_due=complaint.decide_due.isoformat(),
            suspension_ordered=complaint.suspension_ordered,
        )
        uow.commit()
    return complaint


def refuse(uow: SupervisionUnitOfWork, ctx: Context, complaint_id: str, reason: str) -> Complaint:
    """不予受理, with the reason told to the complainant."""
    if not reason.strip():
        raise DomainError("refusal_reason_required", "不予受理须说明理由", "A refusal states its reason")
    with uow:
        complaint = _handled(uow, ctx, complaint_id)
        complaint.apply(ComplaintAction.REFUSE)
        complaint.refused_reason, complaint.handled_by = reason, ctx.actor.user_id
        complaint.decided_at = ctx.clock.now()
        _emit(uow, ctx, "ComplaintRefused", complaint, public=False, reason=reason)
        _check_repeated(uow, ctx, complaint)
        uow.commit()
    return complaint


def decide(uow: SupervisionUnitOfWork, ctx: Context, complaint_id: str, *, upheld: bool, decision: str) -> Complaint:
    """The written decision (书面处理决定); a suspension it ordered ends with it."""
    if not decision.strip():
        raise DomainError(
            "decision_text_required", "处理决定须载明事实、理由和依据", "The decision states facts, reasons and basis"
        )
    with uow:
        complaint = _handled(uow, ctx, complaint_id)
        outcome = ComplaintStatus.UPHELD if upheld else ComplaintStatus.DISMISSED
        complaint.apply(ComplaintAction.DECIDE, outcome)
        now = ctx.clock.now()
        complaint.decided_at, complaint.decision = now, decision
        if complaint.suspension_ordered:
            evaluation = _evaluation_of(uow, complaint)
            if evaluation is not None:
                award.resume(uow, ctx, evaluation, f"complaint {complaint.id} decided")
        _emit(
            uow,
            ctx,
            "ComplaintDecided",
            complaint,
            public=True,
            outcome=str(outcome),
            decision=decision,
            late=complaint.decide_due is not None and now > complaint.decide_due,
        )
        if not upheld:
            _check_repeated(uow, ctx, complaint)
        uow.commit()
    return complaint


def withdraw(uow: SupervisionUnitOfWork, ctx: Context, complaint_id: str) -> Complaint:
    with uow:
        complaint = uow.complaints.get(complaint_id, for_update=True)
        if complaint is None or ctx.actor.org_id != complaint.complainant_org_id:
            raise _complaint_not_found(complaint_id)
        complaint.apply(ComplaintAction.WITHDRAW)
        complaint.withdrawn_at = ctx.clock.now()
        if complaint.suspension_ordered:
            evaluation = _evaluation_of(uow, complaint)
            if evaluation is not None:
                award.resume(uow, ctx, evaluation, f"complaint {complaint.id} withdrawn")
        _emit(uow, ctx, "ComplaintWithdrawn", complaint, public=False)
        uow.commit()
    return complaint


def _check_repeated(uow: SupervisionUnitOfWork, ctx: Context, complaint: Complaint) -> None:
    """Flag a complainant whose refused or dismissed complaints reach the threshold in the window."""
    since = ctx.clock.now() - timedelta(days=ctx.rules.days("complaint_unfounded_window_days"))
    unfounded = [c for c in uow.complaints.of_complainant(complaint.complainant_org_id, since) if c.status in UNFOUNDED]
    if len(unfounded) >= ctx.rules.count("complaint_unfounded_threshold"):
        complaint.repeated_unfounded = True
        _emit(
            uow,
            ctx,
            "RepeatedUnfoundedComplaints",
            complaint,
            public=False,
            complainant_org_id=complaint.complainant_org_id,
            count=len(unfounded),
            complaints=[c.id for c in unfounded],
        )


def get_complaint(uow: SupervisionUnitOfWork, ctx: Context, complaint_id: str) -> Complaint:
    with uow:
        complaint = uow.complaints.get(complaint_id)
        if complaint is None:
            raise _complaint_not_found(complaint_id)
        tender = uow.tenders.get(complaint.tender_id)
        authorize_read(ctx.actor, Action.COMPLAINT_READ, (tender, complaint), _complaint_not_found(complaint_id))
        return complaint


def visible_complaints(uow: SupervisionUnitOfWork, ctx: Context, tender_id: str) -> list[Complaint]:
    logged_in(ctx)
    with uow:
        tender = uow.tenders.get(tender_id)
        if tender is None:
            raise not_found("tender", tender_id)
        return [
            c for c in uow.complaints.for_tender(tender_id) if allowed(ctx.actor, Action.COMPLAINT_READ, (tender, c))
        ]


def run_due(uow: SupervisionUnitOfWork, ctx: Context) -> list[tuple[str, str]]:
    """Flag acceptances and decisions the department owes past their working-day deadlines."""
    done: list[tuple[str, str]] = []
    with uow:
        ids = uow.complaints.open_ids()
    for complaint_id in ids:
        with uow:
            complaint = uow.complaints.get(complaint_id, for_update=True)
            assert complaint is not None
            now = ctx.clock.now()
            for action, subject in due_actions(complaint, now):
                if action is DueAction.FLAG_ACCEPT_OVERDUE:
                    complaint.accept_overdue_flagged_at = now
                    _emit(uow, ctx, "ComplaintAcceptanceOverdue", complaint, public=False)
                else:
                    complaint.decide_overdue_flagged_at = now
                    _emit(uow, ctx, "ComplaintDecisionOverdue", complaint, public=False)
                done.append((str(action), subject))
            uow.commit()
    return done
