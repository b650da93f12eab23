"""Credit grades (信用等级) and the records they are made of (M18).

:func:`recompute` grades every organisation and expert from its records with the model of
:mod:`sunbid.supervision.credit_model`; the scheduler runs it once a China day
(:func:`run_due`), a supervisor on demand. A grade that changes is recorded with its reasons in
the subject's history and in the ledger, and the grade in force is written where the other rooms
read it: ``organisations.credit_grade`` (deposits, objective scores) and ``experts.credit_grade``.

A supervisor may override a grade, with a reason and optionally until a date (:func:`override`);
the override stays in force over recomputations until it is cleared or lapses. Penalties
(行政处罚, 双公示) are recorded by supervisors, public, and regrade their organisation at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sunbid.identity.policy import Action, authorize
from sunbid.kernel.calendar import china_date
from sunbid.kernel.context import Context
from sunbid.kernel.errors import DomainError, NotFound, not_found
from sunbid.kernel.events import event_from
from sunbid.kernel.ids import new_id
from sunbid.kernel.query import Page, page_of
from sunbid.supervision.credit_model import (
    GRADES,
    MODEL,
    Assessment,
    CreditAssessment,
    CreditFact,
    CreditGrade,
    Grade,
    Penalty,
    PenaltyKind,
    SubjectType,
    changed,
    facts_by_subject,
    grade,
    rules_digest,
)
from sunbid.supervision.ports import OversightUnitOfWork
from sunbid.supervision.warning_model import required

#: The ledger subject of a whole recomputation.
RECOMPUTATION_SUBJECT = "credit-grades"


@dataclass(frozen=True)
class Recomputation:
    day: date
    at: datetime
    subjects: int
    changed: int
    by_grade: dict[str, int]
    rules_sha256: str


def _since(ctx: Context, now: datetime) -> datetime:
    days = max(ctx.rules.days(k) for k in ("credit_c_window_days", "credit_a_clean_days", "credit_d_window_days"))
    return now - timedelta(days=days)


def _subject_type(value: str) -> SubjectType:
    try:
        return SubjectType(value)
    except ValueError:
        raise DomainError(
            "credit_subject_type_invalid",
            "信用评价对象须为 organisation 或 expert",
            "A credit subject is an organisation or an expert",
        ) from None


def _exists(uow: OversightUnitOfWork, subject_type: SubjectType, subject_id: str) -> Any:
    found: Any = (
        uow.graded_organisations.get(subject_id, for_update=True)
        if subject_type is SubjectType.ORGANISATION
        else uow.graded_experts.get(subject_id, for_update=True)
    )
    if found is None:
        raise not_found("organisation" if subject_type is SubjectType.ORGANISATION else "expert", subject_id)
    return found


def _apply(
    uow: OversightUnitOfWork,
    ctx: Context,
    subject_type: SubjectType,
    subject_id: str,
    current: CreditGrade | None,
    assessment: Assessment,
    digest: str,
    now: datetime,
) -> CreditGrade:
    """Write a computed assessment: the grade row, the history, the ledger, the grade in force."""
    previous_computed = current.computed_grade if current is not None else None
    previous_force = current.grade if current is not None else None  # as last written
    if current is None:
        current = CreditGrade(
            subject_type=subject_type,
            subject_id=subject_id,
            grade=assessment.grade,
            computed_grade=assessment.grade,
            computed_at=now,
            points=assessment.points,
            good_records=assessment.good_records,
            reasons=assessment.reasons_json(),
            rules_sha256=digest,
        )
        uow.credit.add(current)
    else:
        current.computed_grade, current.computed_at = assessment.grade, now
        current.points, current.good_records = assessment.points, assessment.good_records
        current.reasons, current.rules_sha256 = assessment.reasons_json(), digest
    if current.override_grade is not None and not current.overridden(now):
        _lapse(uow, ctx, current, now)
    current.grade = current.in_force(now)
    if previous_computed is not assessment.grade:
        uow.credit.add_assessment(
            CreditAssessment(
                id=new_id("cra", now),
                subject_type=subject_type,
                subject_id=subject_id,
                at=now,
                kind="computed",
                grade=assessment.grade,
                previous=previous_computed,
                reasons=assessment.reasons_json(),
                actor_id=ctx.actor.user_id,
            )
        )
        uow.emit(
            event_from(
                ctx,
                "CreditGradeComputed",
                subject_type.value,
                subject_id,
                public=True,
                grade=str(assessment.grade),
                previous=str(previous_computed) if previous_computed else None,
                in_force=str(current.grade),
                points=assessment.points,
                good_records=assessment.good_records,
                reasons_sha256=assessment.reasons_sha256(),
                model=MODEL,
                rules_sha256=digest,
            )
        )
    if previous_force is not current.grade:
        _write_in_force(uow, subject_type, subject_id, current.grade)
    return current


def _write_in_force(uow: OversightUnitOfWork, subject_type: SubjectType, subject_id: str, value: Grade) -> None:
    record = _exists(uow, subject_type, subject_id)
    record.credit_grade = str(value)


def _lapse(uow: OversightUnitOfWork, ctx: Context, current: CreditGrade, now: datetime) -> None:
    old = current.override_grade
    current.override_grade = None
    current.override_reason = current.override_by = None
    current.override_at = current.override_until = None
    uow.credit.add_assessment(
        CreditAssessment(
            id=new_id("cra", now),
            subject_type=current.subject_type,
            subject_id=current.subject_id,
            at=now,
            kind="override_lapsed",
            grade=current.computed_grade,
            previous=old,
            reasons=[],
            actor_id=ctx.actor.user_id,
        )
    )
    uow.emit(
        event_from(
            ctx,
            "CreditGradeOverrideLapsed",
            current.subject_type.value,
            current.subject_id,
            public=True,
            overridden=str(old) if old else None,
            grade=str(current.computed_grade),
        )
    )


def recompute(uow: OversightUnitOfWork, ctx: Context, *, scheduled: bool = False) -> Recomputation | None:
    """Grade every organisation and expert from its records. ``scheduled``: only once a China day
    (None when today's recomputation is done); the scheduler's pass (:func:`run_due`) is the platform's own
    and asks no permission, whoever started the pass."""
    if not scheduled:
        authorize(ctx.actor, Action.CREDIT_MANAGE)
    now = ctx.clock.now()
    today = china_date(now)
    with uow:
        state = uow.credit.state()  # locked: a second scheduler waits here, then finds today done
        if scheduled and state.last_day == today:
            return None
        digest = rules_digest(ctx.rules)
        facts = facts_by_subject(uow.credit_facts.facts(_since(ctx, now)))
        current = {(g.subject_type, g.subject_id): g for g in uow.credit.grades()}
        counts = dict.fromkeys(GRADES, 0)
        changes = 0
        subjects = uow.credit_facts.subjects()
        for subject_type, subject_id in subjects:
            known = current.get((subject_type, subject_id))
            assessment = grade(facts.get((subject_type, subject_id), []), ctx.rules, now)
            lapsing = known is not None and known.override_grade is not None and not known.overridden(now)
            if changed(known, assessment, digest) or lapsing:
                known = _apply(uow, ctx, subject_type, subject_id, known, assessment, digest, now)
                changes += 1
            assert known is not None
            counts[str(known.grade)] += 1
        state.last_day, state.last_run_at = today, now
        uow.emit(
            event_from(
                ctx,
                "CreditGradesRecomputed",
                "credit",
                RECOMPUTATION_SUBJECT,
                public=True,
                day=today.isoformat(),
                model=MODEL,
                rules_sha256=digest,
                subjects=len(subjects),
                changed=changes,
                by_grade=counts,
                scheduled=scheduled,
            )
        )
        uow.commit()
    return Recomputation(today, now, len(subjects), changes, counts, digest)


def run_due(uow: OversightUnitOfWork, ctx: Context) -> list[tuple[str, str]]:
    """The scheduler's daily recomputation."""
    done = recompute(uow, ctx, scheduled=True)
    return [] if done is None else [("recompute_credit_grades", done.day.isoformat())]


def _regrade(uow: OversightUnitOfWork, ctx: Context, subject_type: SubjectType, subject_id: str) -> CreditGrade:
    """Grade one subject now (inside a unit of work)."""
    now = ctx.clock.now()
    facts: Sequence[CreditFact] = uow.credit_facts.facts(_since(ctx, now), subject=(subject_type, subject_id))
    assessment = grade(facts, ctx.rules, now)
    known = uow.credit.grade(subject_type, subject_id, for_update=True)
    digest = rules_digest(ctx.rules)
    if known is None or changed(known, assessment, digest):
        return _apply(uow, ctx, subject_type, subject_id, known, assessment, digest, now)
    return known


def override(
    uow: OversightUnitOfWork,
    ctx: Context,
    subject_type: str,
    subject_id: str,
    grade_value: str | None,
    reason: str,
    *,
    until: datetime | None = None,
) -> CreditGrade:
    """A supervisor's grade in place of the computed one (or, with None, back to the computed one),
    with its reason; optionally until a time, after which the computed grade is in force again."""
    authorize(ctx.actor, Action.CREDIT_GRADE_SET)
    kind = _subject_type(subject_type)
    if grade_value is not None and grade_value not in GRADES:
        raise DomainError(
            "credit_grade_invalid",
            f"信用等级须为 {'、'.join(GRADES)} 之一",
            f"A credit grade is one of {', '.join(GRADES)}",
        )
    text = required(reason, "reason_required", "须说明理由", "A reason is required")
    now = ctx.clock.now()
    if until is not None and (until.tzinfo is None or until <= now):
        raise DomainError(
            "override_until_invalid",
            "调整的截止时间须带时区且晚于现在",
            "An override ends later than now, with a time zone",
        )
    if grade_value is None and until is not None:
        raise DomainError(
            "override_until_invalid", "恢复计算等级时不能设截止时间", "Clearing an override takes no end time"
        )
    with uow:
        _exists(uow, kind, subject_id)
        current = _regrade(uow, ctx, kind, subject_id)
        previous = current.grade
        new = Grade(grade_value) if grade_value is not None else None
        if new is None and current.override_grade is None:
            raise DomainError("no_override", "该对象没有人工调整的信用等级", "This subject's grade is not overridden")
        current.override_grade, current.override_reason = new, text if new is not None else None
        current.override_by = ctx.actor.user_id if new is not None else None
        current.override_at = now if new is not None else None
        current.override_until = until
        current.grade = current.in_force(now)
        uow.credit.add_assessment(
            CreditAssessment(
                id=new_id("cra", now),
                subject_type=kind,
                subject_id=subject_id,
                at=now,
                kind="override" if new is not None else "override_cleared",
                grade=current.grade,
                previous=previous,
                reasons=[],
                actor_id=ctx.actor.user_id,
                note=text,
            )
        )
        uow.emit(
            event_from(
                ctx,
                "CreditGradeOverridden" if new is not None else "CreditGradeOverrideCleared",
                kind.value,
                subject_id,
                public=True,
                grade=str(current.grade),
                previous=str(previous),
                computed=str(current.computed_grade),
                until=until.isoformat() if until else None,
                reason=text,
            )
        )
        if previous is not current.grade:
            _write_in_force(uow, kind, subject_id, current.grade)
        uow.commit()
    return current


def get_grade(
    uow: OversightUnitOfWork, ctx: Context, subject_type: str, subject_id: str
) -> tuple[CreditGrade, list[CreditAssessment]]:
    """A subject's grade, its reasons and its history: oversight, and the subject itself."""
    kind = _subject_type(subject_type)
    missing = NotFound("credit_grade_not_found", f"未找到信用等级：{subject_id}", f"No credit grade of {subject_id}")
    with uow:
        expert_user = None
        if kind is SubjectType.EXPERT:
            expert = uow.experts.get(subject_id)
            expert_user = expert.user_id if expert is not None else None
        authorize(ctx.actor, Action.CREDIT_READ, (kind.value, subject_id, expert_user))
        found = uow.credit.grade(kind, subject_id)
        if found is None:
            raise missing
        return found, uow.credit.history(kind, subject_id)


def list_grades(
    uow: OversightUnitOfWork,
    ctx: Context,
    *,
    after: str | None,
    limit: int,
    subject_type: str | None = None,
    grade_value: str | None = None,
) -> Page[CreditGrade]:
    authorize(ctx.actor, Action.CREDIT_LIST)
    kind = _subject_type(subject_type) if subject_type is not None else None
    if grade_value is not None and grade_value not in GRADES:
        raise DomainError("credit_grade_invalid", "信用等级无效", "Unknown credit grade")
    with uow:
        rows = uow.credit.page(
            after=after, limit=limit, subject_type=kind, grade=Grade(grade_value) if grade_value else None
        )
    return page_of(rows, limit, lambda g: g.subject_id)


# ---------------------------------------------------------------------------- penalties (双公示)
def _penalty_not_found(penalty_id: str) -> NotFound:
    return NotFound("penalty_not_found", f"未找到处罚记录：{penalty_id}", f"No penalty {penalty_id}")


def record_penalty(
    uow: OversightUnitOfWork,
    ctx: Context,
    org_id: str,
    *,
    kind: PenaltyKind,
    authority: str,
    decision_number: str,
    decided_on: date,
    details: str,
    ban_until: date | None = None,
) -> Penalty:
    """A penalty decided against an organisation (行政处罚决定), published and graded at once."""
    authorize(ctx.actor, Action.PENALTY_RECORD)
    who = required(authority, "penalty_authority_required", "须写明作出处罚的机关", "The deciding authority is named")
    number = required(
        decision_number, "decision_number_required", "须写明处罚决定书文号", "The decision's number is given"
    )
    text = required(
        details, "penalty_details_required", "须写明违法事实和处罚内容", "The facts and the penalty are stated"
    )
    now = ctx.clock.now()
    if decided_on > china_date(now):
        raise DomainError("decided_on_in_future", "决定日期不能晚于今天", "A decision cannot be dated after today")
    if kind is PenaltyKind.BIDDING_BAN and ban_until is None:
        raise DomainError("ban_until_required", "取消投标资格须写明截止日期", "A bidding ban states the date it ends")
    if ban_until is not None and ban_until <= decided_on:
        raise DomainError("ban_until_invalid", "取消投标资格的截止日期须晚于决定日期", "A ban ends after the decision")
    with uow:
        _exists(uow, SubjectType.ORGANISATION, org_id)
        penalty = Penalty(
            id=new_id("pen", now),
            org_id=org_id,
            kind=kind,
            authority=who,
            decision_number=number,
            decided_on=decided_on,
            details=text,
            recorded_at=now,
            recorded_by=ctx.actor.user_id,
            ban_until=ban_until,
        )
        uow.penalties.add(penalty)
        uow.emit(
            event_from(
                ctx,
                "PenaltyRecorded",
                "organisation",
                org_id,
                public=True,
                penalty_id=penalty.id,
                kind=str(kind),
                authority=who,
                decision_number=number,
                decided_on=decided_on.isoformat(),
                ban_until=ban_until.isoformat() if ban_until else None,
            )
        )
        _regrade(uow, ctx, SubjectType.ORGANISATION, org_id)
        uow.commit()
    return penalty


def revoke_penalty(uow: OversightUnitOfWork, ctx: Context, penalty_id: str, reason: str) -> Penalty:
    """A penalty revoked (行政复议、诉讼撤销): it no longer counts, and its organisation is regraded."""
    authorize(ctx.actor, Action.PENALTY_RECORD)
    text = required(reason, "reason_required", "须说明理由", "A reason is required")
    with uow:
        penalty = uow.penalties.get(penalty_id, for_update=True)
        if penalty is None:
            raise _penalty_not_found(penalty_id)
        if penalty.revoked_at is not None:
            raise DomainError("penalty_revoked", "该处罚已撤销", "This penalty is already revoked")
        penalty.revoked_at, penalty.revoked_reason = ctx.clock.now(), text
        uow.emit(
            event_from(
                ctx, "PenaltyRevoked", "organisation", penalty.org_id, public=True, penalty_id=penalty.id, reason=text
            )
        )
        _regrade(uow, ctx, SubjectType.ORGANISATION, penalty.org_id)
        uow.commit()
    return penalty


def penalties_of(uow: OversightUnitOfWork, ctx: Context, org_id: str) -> list[Penalty]:
    """An organisation's penalties: public (双公示)."""
    authorize(ctx.actor, Action.PENALTY_READ)
    with uow:
        if uow.graded_organisations.get(org_id) is None:
            raise not_found("organisation", org_id)
        return uow.penalties.of_org(org_id)
