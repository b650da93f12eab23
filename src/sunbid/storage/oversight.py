"""SQLAlchemy repositories of the supervision room's warnings, scans, credit and spot checks."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session as OrmSession

from sunbid.kernel.calendar import end_of_china_day
from sunbid.kernel.clock import CHINA
from sunbid.storage import tables as t
from sunbid.storage.repositories import SqlRepository
from sunbid.supervision.credit_model import (
    SERIOUS_PENALTIES,
    CreditAssessment,
    CreditFact,
    CreditGrade,
    CreditState,
    FactKind,
    Grade,
    Penalty,
    PenaltyKind,
    SubjectType,
)
from sunbid.supervision.ports import Announced, ScanTrigger, WarningFilter
from sunbid.supervision.spot_model import SpotCheck
from sunbid.supervision.warning_model import (
    CloseOutcome,
    EarlyWarning,
    ScanEvent,
    ScanMark,
    ScanStatus,
    WarningStatus,
)
from sunbid.tendering.model import TenderStatus


def _json_object(value: Any) -> dict[str, Any]:
    """A JSON column's object (PostgreSQL and SQLite both give it parsed; a string is parsed)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


def _experts_named(evidence: dict[str, Any]) -> list[str]:
    """The committee members an expert indicator's evidence names (``expert_id`` or ``expert_ids``)."""
    many = evidence.get("expert_ids")
    ids = many if isinstance(many, list) else [evidence.get("expert_id")]
    return [str(e) for e in ids if e is not None]


#: Values per IN list: well under every driver's parameter limit.
CHUNK = 500


def _chunks(values: Sequence[str]) -> list[Sequence[str]]:
    return [values[i : i + CHUNK] for i in range(0, len(values), CHUNK)]


class WarningRepository(SqlRepository[EarlyWarning]):
    model, table = EarlyWarning, t.warnings

    def by_fingerprints(self, fingerprints: Sequence[str]) -> list[EarlyWarning]:
        out: list[EarlyWarning] = []
        for part in _chunks(list(fingerprints)):
            out += self.session.scalars(sa.select(EarlyWarning).where(self.table.c.fingerprint.in_(part)))
        return out

    def for_tender(self, tender_id: str) -> list[EarlyWarning]:
        stmt = sa.select(EarlyWarning).where(self.table.c.tender_id == tender_id).order_by(self.table.c.id)
        return list(self.session.scalars(stmt))

    def page(self, *, after: str | None, limit: int, where: WarningFilter) -> list[EarlyWarning]:
        c = self.table.c
        stmt = sa.select(EarlyWarning)
        for column, value in (
            (c.status, where.status),
            (c.severity, where.severity),
            (c.indicator, where.indicator),
            (c.tender_id, where.tender_id),
            (c.assignee_id, where.assignee_id),
        ):
            if value is not None:
                stmt = stmt.where(column == str(value))
        return self._page(stmt, after, limit)

    def standing_counts(self, tender_ids: Sequence[str]) -> dict[str, int]:
        c = self.table.c
        out: dict[str, int] = {}
        for part in _chunks(list(tender_ids)):
            stmt = (
                sa.select(c.tender_id, sa.func.count())
                .where(c.tender_id.in_(part), c.status != WarningStatus.DISMISSED.value)
                .group_by(c.tender_id)
            )
            out.update({str(tender_id): int(n) for tender_id, n in self.session.execute(stmt)})
        return out


class ScanMarkRepository:
    def __init__(self, session: OrmSession) -> None:
        self.session = session

    def due(self, *, limit: int, max_attempts: int) -> list[ScanTrigger]:
        m = t.risk_scan_marks
        pending = sa.or_(
            m.c.tender_id.is_(None), (m.c.status == ScanStatus.FAILED.value) & (m.c.attempts < max_attempts)
        )
        tenders = t.tenders
        openings = (
            sa.select(tenders.c.id, tenders.c.concluded_at)
            .outerjoin(
                m,
                sa.and_(m.c.tender_id == tenders.c.id, m.c.event == ScanEvent.OPENING.value, m.c.ref == tenders.c.id),
            )
            .where(tenders.c.concluded_at.is_not(None), pending)
            .order_by(tenders.c.concluded_at, tenders.c.id)
            .limit(limit)
        )
        ev = t.evaluations
        awards = (
            sa.select(ev.c.tender_id, ev.c.section_id, ev.c.decided_at)
            .outerjoin(
                m,
                sa.and_(
                    m.c.tender_id == ev.c.tender_id, m.c.event == ScanEvent.AWARD.value, m.c.ref == ev.c.section_id
                ),
            )
            .where(ev.c.decided_at.is_not(None), ev.c.winner_bid_id.is_not(None), pending)
            .order_by(ev.c.decided_at, ev.c.id)
            .limit(limit)
        )
        found = [
            ScanTrigger(r.id, ScanEvent.OPENING.value, r.id, r.concluded_at) for r in self.session.execute(openings)
        ]
        found += [
            ScanTrigger(r.tender_id, ScanEvent.AWARD.value, r.section_id, r.decided_at)
            for r in self.session.execute(awards)
        ]
        found.sort(key=lambda s: (s.happened_at, s.tender_id, s.event, s.ref))
        return found[:limit]

    def get(self, tender_id: str, event: str, ref: str) -> ScanMark | None:
        return self.session.get(ScanMark, (tender_id, ScanEvent(event), ref))

    def add(self, mark: ScanMark) -> None:
        self.session.add(mark)

    def for_tender(self, tender_id: str) -> list[ScanMark]:
        m = t.risk_scan_marks
        stmt = sa.select(ScanMark).where(m.c.tender_id == tender_id).order_by(m.c.happened_at, m.c.event, m.c.ref)
        return list(self.session.scalars(stmt))


class CreditRepository:
    def __init__(self, session: OrmSession) -> None:
        self.session = session

    def grade(self, subject_type: SubjectType, subject_id: str, *, for_update: bool = False) -> CreditGrade | None:
        c = t.credit_grades.c
        stmt = sa.select(CreditGrade).where(c.subject_type == subject_type.value, c.subject_id == subject_id)
        if for_update:
            stmt = stmt.with_for_update()
        return self.session.scalars(stmt).first()

    def grades(self) -> list[CreditGrade]:
        return list(self.session.scalars(sa.select(CreditGrade)))

    def add(self, grade: CreditGrade) -> None:
        self.session.add(grade)

    def add_assessment(self, assessment: CreditAssessment) -> None:
        """Appended to the subject's history, numbered after its last entry."""
        c = t.credit_assessments.c
        last = self.session.scalar(
            sa.select(sa.func.max(c.number)).where(
                c.subject_type == assessment.subject_type.value, c.subject_id == assessment.subject_id
            )
        )
        assessment.number = int(last or 0) + 1
        self.session.add(assessment)

    def history(self, subject_type: SubjectType, subject_id: str) -> list[CreditAssessment]:
        c = t.credit_assessments.c
        stmt = (
            sa.select(CreditAssessment)
            .where(c.subject_type == subject_type.value, c.subject_id == subject_id)
            .order_by(c.number)
        )
        return list(self.session.scalars(stmt))

    def page(
        self, *, after: str | None, limit: int, subject_type: SubjectType | None = None, grade: Grade | None = None
    ) -> list[CreditGrade]:
        c = t.credit_grades.c
        stmt = sa.select(CreditGrade)
        if subject_type is not None:
            stmt = stmt.where(c.subject_type == subject_type.value)
        if grade is not None:
            stmt = stmt.where(c.grade == grade.value)
        if after is not None:
            stmt = stmt.where(c.subject_id < after)
        return list(self.session.scalars(stmt.order_by(c.subject_id.desc()).limit(limit + 1)))

    def state(self) -> CreditState:
        stmt = sa.select(CreditState).where(t.credit_state.c.id == 1).with_for_update()
        found = self.session.scalars(stmt).first()
        if found is None:
            found = CreditState(id=1)
            self.session.add(found)
            self.session.flush()
        return found


class PenaltyRepository(SqlRepository[Penalty]):
    model, table = Penalty, t.credit_penalties

    def of_org(self, org_id: str) -> list[Penalty]:
        c = self.table.c
        stmt = sa.select(Penalty).where(c.org_id == org_id).order_by(c.decided_on.desc(), c.id.desc())
        return list(self.session.scalars(stmt))


class SpotCheckRepository(SqlRepository[SpotCheck]):
    model, table = SpotCheck, t.spot_checks

    def page(self, *, after: str | None, limit: int) -> list[SpotCheck]:
        return self._page(sa.select(SpotCheck), after, limit)

    def population(
        self, *, category: str | None, announced_from: datetime | None, announced_to: datetime | None
    ) -> list[Announced]:
        c = t.tenders.c
        live = (TenderStatus.ANNOUNCED.value, TenderStatus.SUSPENDED.value)
        stmt = sa.select(c.id, c.tenderer_org_id, c.agency_org_id).where(c.status.in_(live))
        if category is not None:
            stmt = stmt.where(c.category == category)
        if announced_from is not None:
            stmt = stmt.where(c.announced_at >= announced_from)
        if announced_to is not None:
            stmt = stmt.where(c.announced_at <= announced_to)
        return [Announced(r.id, r.tenderer_org_id, r.agency_org_id) for r in self.session.execute(stmt.order_by(c.id))]


# ---------------------------------------------------------------------------- the credit model's records
def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=CHINA)


class CreditFactsRepository:
    """Every record the credit model reads, in a few queries over the rooms' tables."""

    def __init__(self, session: OrmSession) -> None:
        self.session = session

    def subjects(self) -> list[tuple[SubjectType, str]]:
        orgs = self.session.scalars(sa.select(t.organisations.c.id).order_by(t.organisations.c.id))
        experts = self.session.scalars(sa.select(t.experts.c.id).order_by(t.experts.c.id))
        return [(SubjectType.ORGANISATION, str(o)) for o in orgs] + [(SubjectType.EXPERT, str(e)) for e in experts]

    def facts(self, since: datetime, *, subject: tuple[SubjectType, str] | None = None) -> list[CreditFact]:
        only_org = subject[1] if subject is not None and subject[0] is SubjectType.ORGANISATION else None
        only_expert = subject[1] if subject is not None and subject[0] is SubjectType.EXPERT else None
        out: list[CreditFact] = []
        if subject is None or only_org is not None:
            out += self._organisation_facts(since, only_org)
        if subject is None or only_expert is not None:
            out += self._expert_facts(since, only_expert)
        return out

    # ------------------------------------------------------------------ organisations
    def _rows(self, stmt: Any) -> list[Any]:
        return list(self.session.execute(stmt))

    def _organisation_facts(self, since: datetime, org: str | None) -> list[CreditFact]:
        out: list[CreditFact] = []

        def add(org_id: str | None, kind: FactKind, at: datetime, ref: str, until: datetime | None = None) -> None:
            if org_id is not None and (org is None or org_id == org):
                out.append(CreditFact(SubjectType.ORGANISATION, org_id, kind, at, ref, until=until))

        p = t.credit_penalties.c
        stmt: Any = sa.select(p.id, p.org_id, p.kind, p.decided_on, p.ban_until).where(
            p.revoked_at.is_(None), (p.decided_on >= since.date()) | (p.ban_until >= since.date())
        )
        if org is not None:
            stmt = stmt.where(p.org_id == org)
        for r in self._rows(stmt):
            kind = PenaltyKind(r.kind)
            until = end_of_china_day(r.ban_until) if r.ban_until is not None else None
            at = _day_start(r.decided_on)
            if kind in SERIOUS_PENALTIES:
                add(r.org_id, FactKind.PENALTY_SERIOUS, at, r.id, until)
            elif kind is PenaltyKind.OTHER:
                add(r.org_id, FactKind.MINOR_PENALTY, at, r.id)
            if until is not None:
                add(r.org_id, FactKind.BIDDING_BAN, at, r.id, until)

        c = t.complaints.c
        stmt = sa.select(c.id, c.complainant_org_id, c.decided_at).where(
            c.repeated_unfounded.is_(True), c.decided_at >= since
        )
        for r in self._rows(stmt):
            add(r.complainant_org_id, FactKind.REPEATED_COMPLAINTS, r.decided_at, r.id)

        w = t.warnings.c
        stmt = sa.select(w.id, w.org_ids, w.ended_at).where(
            w.status == WarningStatus.CLOSED.value,
            w.closed_outcome == CloseOutcome.CONFIRMED.value,
            w.ended_at >= since,
        )
        for r in self._rows(stmt):
            for org_id in r.org_ids or []:
                add(str(org_id), FactKind.CONFIRMED_WARNING, r.ended_at, r.id)

        tn, ev, bids = t.tenders.c, t.evaluations.c, t.bids.c
        stmt = (
            sa.select(
                ev.id,
                tn.tenderer_org_id,
                tn.agency_org_id,
                bids.bidder_org_id.label("winner_org_id"),
                ev.contract,
                ev.contract_signed_at,
                ev.contract_overdue_flagged_at,
                ev.publicity_overdue_flagged_at,
                ev.awarded_at,
            )
            .join(t.tenders, tn.id == ev.tender_id)
            .outerjoin(t.bids, bids.id == ev.winner_bid_id)
            .where(
                (ev.contract_signed_at >= since)
                | (ev.contract_overdue_flagged_at >= since)
                | (ev.publicity_overdue_flagged_at >= since)
                | (ev.awarded_at >= since)
            )
        )
        for r in self._rows(stmt):
            managers = (r.tenderer_org_id, r.agency_org_id)
            signed_late = isinstance(r.contract, dict) and bool(r.contract.get("late"))
            late_at = r.contract_overdue_flagged_at or (r.contract_signed_at if signed_late else None)
            if late_at is not None and late_at >= since:
                for org_id in (r.tenderer_org_id, r.winner_org_id):
                    add(org_id, FactKind.LATE_CONTRACT, late_at, r.id)
            if r.publicity_overdue_flagged_at is not None and r.publicity_overdue_flagged_at >= since:
                for org_id in managers:
                    add(org_id, FactKind.LATE_PUBLICITY, r.publicity_overdue_flagged_at, r.id)
            if r.awarded_at is not None and r.awarded_at >= since:
                for org_id in managers:
                    add(org_id, FactKind.AWARDED_TENDER, r.awarded_at, r.id)

        o = t.objections.c
        stmt = (
            sa.select(o.id, o.overdue_flagged_at, tn.tenderer_org_id, tn.agency_org_id)
            .join(t.tenders, tn.id == o.tender_id)
            .where(o.overdue_flagged_at >= since)
        )
        for r in self._rows(stmt):
            for org_id in (r.tenderer_org_id, r.agency_org_id):
                add(org_id, FactKind.OVERDUE_ANSWER, r.overdue_flagged_at, r.id)
        po = t.publicity_objections.c
        stmt = (
            sa.select(po.id, po.overdue_flagged_at, tn.tenderer_org_id, tn.agency_org_id)
            .join(t.evaluations, ev.id == po.evaluation_id)
            .join(t.tenders, tn.id == ev.tender_id)
            .where(po.overdue_flagged_at >= since)
        )
        for r in self._rows(stmt):
            for org_id in (r.tenderer_org_id, r.agency_org_id):
                add(org_id, FactKind.OVERDUE_ANSWER, r.overdue_flagged_at, r.id)

        d = t.deposits.c
        stmt = (
            sa.select(d.id, d.refund_overdue_flagged_at, tn.tenderer_org_id, tn.agency_org_id)
            .join(t.tenders, tn.id == d.tender_id)
            .where(d.refund_overdue_flagged_at >= since)
        )
        for r in self._rows(stmt):
            for org_id in (r.tenderer_org_id, r.agency_org_id):
                add(org_id, FactKind.OVERDUE_REFUND, r.refund_overdue_flagged_at, r.id)

        perf = t.org_performances.c
        stmt = sa.select(perf.id, perf.org_id, perf.completed_at).where(perf.completed_at >= since)
        if org is not None:
            stmt = stmt.where(perf.org_id == org)
        for r in self._rows(stmt):
            add(r.org_id, FactKind.COMPLETED_CONTRACT, r.completed_at, r.id)
        return out

    # ------------------------------------------------------------------ experts
    def _expert_facts(self, since: datetime, expert: str | None) -> list[CreditFact]:
        out: list[CreditFact] = []

        def where(stmt: sa.Select[Any], column: Any) -> sa.Select[Any]:
            return stmt if expert is None else stmt.where(column == expert)

        s = t.expert_sanctions.c
        for r in self._rows(
            where(sa.select(s.id, s.expert_id, s.decided_on).where(s.cleared_at.is_(None)), s.expert_id)
        ):
            out.append(
                CreditFact(
                    SubjectType.EXPERT,
                    r.expert_id,
                    FactKind.EXPERT_SANCTION,
                    _day_start(r.decided_on),
                    r.id,
                    sanction_on=r.decided_on,
                )
            )
        f = t.expert_flags.c
        for r in self._rows(
            where(sa.select(f.id, f.expert_id, f.flagged_at).where(f.flagged_at >= since), f.expert_id)
        ):
            out.append(CreditFact(SubjectType.EXPERT, r.expert_id, FactKind.EXPERT_DEVIATION, r.flagged_at, r.id))
        w = t.warnings.c
        confirmed = sa.select(w.id, w.evidence, w.ended_at).where(
            w.indicator.like("EXPERT-%"),
            w.status == WarningStatus.CLOSED.value,
            w.closed_outcome == CloseOutcome.CONFIRMED.value,
            w.ended_at >= since,
        )
        found = [(r, _experts_named(_json_object(r.evidence))) for r in self._rows(confirmed)]
        named = {e for _, ids in found for e in ids if expert is None or e == expert}
        experts = set(self.session.scalars(sa.select(t.experts.c.id).where(t.experts.c.id.in_(sorted(named)))))
        for r, ids in found:  # a representative's warning is no expert's record
            for expert_id in sorted(set(ids) & experts):
                out.append(CreditFact(SubjectType.EXPERT, expert_id, FactKind.CONFIRMED_WARNING, r.ended_at, r.id))
        rt = t.expert_ratings.c
        for r in self._rows(
            where(sa.select(rt.id, rt.expert_id, rt.rated_at, rt.score).where(rt.rated_at >= since), rt.expert_id)
        ):
            out.append(
                CreditFact(SubjectType.EXPERT, r.expert_id, FactKind.EXPERT_RATING, r.rated_at, r.id, score=r.score)
            )
        return out
