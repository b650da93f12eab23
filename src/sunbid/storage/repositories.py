"""SQLAlchemy repositories for the rooms' aggregates."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session as OrmSession

from sunbid.evaluation.model import Evaluation, EvaluationStatus, ExplanationStatus
from sunbid.evaluation.model import ObjectionStatus as EvaluationObjectionStatus
from sunbid.experts.model import (
    Committee,
    CommitteeStatus,
    Declaration,
    Draw,
    Employment,
    Expert,
    ExpertStatus,
    Recording,
    Sanction,
    Venue,
    specialty_range,
)
from sunbid.identity.model import ApiToken, Organisation, OrganisationRelation, Qualification, Session, User
from sunbid.identity.model import PerformanceRecord as OrgPerformance
from sunbid.kernel.query import Scope
from sunbid.storage import tables as t
from sunbid.supervision.model import Complaint, ComplaintStatus
from sunbid.tendering.bid_model import (
    Bid,
    BidStatus,
    BidSubmission,
    Deposit,
    DepositStatus,
    OpeningObjection,
    SealedStatement,
)
from sunbid.tendering.model import PlanStatus, Tender, TenderPlan, TenderStatus

T = TypeVar("T")
EVERYONE = Scope()


class SqlRepository(Generic[T]):
    model: type[T]
    table: sa.Table

    def __init__(self, session: OrmSession) -> None:
        self.session = session

    def add(self, obj: T) -> None:
        self.session.add(obj)

    def get(self, ident: str, *, for_update: bool = False) -> T | None:
        if for_update:
            stmt = sa.select(self.model).where(self.table.c.id == ident).with_for_update()
            return self.session.scalars(stmt).first()
        return self.session.get(self.model, ident)

    def _page(self, stmt: sa.Select[Any], after: str | None, limit: int) -> list[T]:
        """Newest first; ``after`` is the id of the last row of the previous page."""
        if after is not None:
            stmt = stmt.where(self.table.c.id < after)
        stmt = stmt.order_by(self.table.c.id.desc()).limit(limit + 1)
        return list(self.session.scalars(stmt))


class _AllRows(SqlRepository[T]):
    def page(self, *, after: str | None, limit: int) -> list[T]:
        return self._page(sa.select(self.model), after, limit)


class OrganisationRepository(_AllRows[Organisation]):
    model, table = Organisation, t.organisations

    def by_credit_code(self, code: str) -> Organisation | None:
        return self.session.scalars(sa.select(Organisation).where(t.organisations.c.credit_code == code)).first()

    def add_relation(self, relation: OrganisationRelation) -> None:
        self.session.add(relation)

    def relations(self, org_ids: list[str]) -> list[OrganisationRelation]:
        """Relations with any of ``org_ids`` on either side."""
        rel = t.organisation_relations
        stmt = (
            sa.select(OrganisationRelation)
            .where(sa.or_(rel.c.parent_org_id.in_(org_ids), rel.c.child_org_id.in_(org_ids)))
            .order_by(rel.c.id)
        )
        return list(self.session.scalars(stmt))


class UserRepository(_AllRows[User]):
    model, table = User, t.users

    def by_username(self, username: str) -> User | None:
        return self.session.scalars(sa.select(User).where(t.users.c.username == username)).first()


class SessionRepository(SqlRepository[Session]):
    model, table = Session, t.sessions

    def by_token_hash(self, token_hash: str) -> Session | None:
        return self.session.scalars(sa.select(Session).where(t.sessions.c.token_hash == token_hash)).first()


class ApiTokenRepository(SqlRepository[ApiToken]):
    model, table = ApiToken, t.api_tokens

    def by_token_hash(self, token_hash: str) -> ApiToken | None:
        return self.session.scalars(sa.select(ApiToken).where(t.api_tokens.c.token_hash == token_hash)).first()

    def for_user(self, user_id: str) -> list[ApiToken]:
        stmt = sa.select(ApiToken).where(t.api_tokens.c.user_id == user_id).order_by(t.api_tokens.c.id)
        return list(self.session.scalars(stmt))


def _scoped(
    table: sa.Table, scope: Scope, public_statuses: tuple[str, ...], org_columns: tuple[str, ...]
) -> sa.ColumnElement[bool]:
    if scope.everything:
        return sa.true()
    conditions: list[sa.ColumnElement[bool]] = [table.c.status.in_(public_statuses)]
    if scope.org_ids:
        conditions += [table.c[col].in_(sorted(scope.org_ids)) for col in org_columns]
    return sa.or_(*conditions)


class PlanRepository(SqlRepository[TenderPlan]):
    model, table = TenderPlan, t.tender_plans
    PUBLIC = (PlanStatus.PUBLISHED.value, PlanStatus.WITHDRAWN.value)

    def page(
        self,
        scope: Scope = EVERYONE,
        *,
        after: str | None,
        limit: int,
        status: PlanStatus | None = None,
    ) -> list[TenderPlan]:
        stmt = sa.select(TenderPlan).where(_scoped(self.table, scope, self.PUBLIC, ("tenderer_org_id",)))
        if status is not None:
            stmt = stmt.where(self.table.c.status == status.value)
        return self._page(stmt, after, limit)


#: Tenders time can still act on: bidding, its close, and the opening's windows.
ACTIVE = (TenderStatus.ANNOUNCED, TenderStatus.SUSPENDED, TenderStatus.BIDDING_CLOSED, TenderStatus.OPENING)


class TenderRepository(SqlRepository[Tender]):
    model, table = Tender, t.tenders
    PUBLIC = tuple(s.value for s in TenderStatus if s not in (TenderStatus.DRAFT, TenderStatus.CANCELLED))

    def page(
        self,
        scope: Scope = EVERYONE,
        *,
        after: str | None,
        limit: int,
        status: TenderStatus | None = None,
    ) -> list[Tender]:
        stmt = sa.select(Tender).where(_scoped(self.table, scope, self.PUBLIC, ("tenderer_org_id", "agency_org_id")))
        if status is not None:
            stmt = stmt.where(self.table.c.status == status.value)
        return self._page(stmt, after, limit)

    def active_ids(self) -> list[str]:
        active = tuple(s.value for s in ACTIVE)
        stmt = sa.select(self.table.c.id).where(self.table.c.status.in_(active)).order_by(self.table.c.id)
        return list(self.session.scalars(stmt))


class BidRepository(SqlRepository[Bid]):
    model, table = Bid, t.bids

    def for_tender(self, tender_id: str) -> list[Bid]:
        stmt = sa.select(Bid).where(self.table.c.tender_id == tender_id).order_by(self.table.c.id)
        return list(self.session.scalars(stmt))

    def of_bidder(self, section_id: str, org_id: str) -> Bid | None:
        stmt = sa.select(Bid).where(self.table.c.section_id == section_id, self.table.c.bidder_org_id == org_id)
        return self.session.scalars(stmt).first()

    def count_sealed(self, tender_id: str, except_sections: list[str]) -> int:
        c = self.table.c
        stmt = sa.select(sa.func.count()).where(c.tender_id == tender_id, c.status == BidStatus.SEALED.value)
        if except_sections:
            stmt = stmt.where(c.section_id.not_in(except_sections))
        return int(self.session.execute(stmt).scalar_one())

    def envelope_seen(self, envelope_id: str) -> bool:
        stmt = sa.select(t.bid_submissions.c.id).where(t.bid_submissions.c.envelope_id == envelope_id)
        return self.session.execute(stmt).first() is not None

    def submission(self, submission_id: str) -> BidSubmission | None:
        return self.session.get(BidSubmission, submission_id)


class DepositRepository(SqlRepository[Deposit]):
    model, table = Deposit, t.deposits

    def for_tender(self, tender_id: str) -> list[Deposit]:
        stmt = sa.select(Deposit).where(self.table.c.tender_id == tender_id).order_by(self.table.c.id)
        return list(self.session.scalars(stmt))

    def of_bidder(self, section_id: str, org_id: str) -> list[Deposit]:
        stmt = (
            sa.select(Deposit)
            .where(self.table.c.section_id == section_id, self.table.c.bidder_org_id == org_id)
            .order_by(self.table.c.id)
        )
        return list(self.session.scalars(stmt))

    def refunds_overdue(self, now: datetime) -> list[Deposit]:
        c = self.table.c
        stmt = (
            sa.select(Deposit)
            .where(
                c.status == DepositStatus.REFUND_DUE.value,
                c.refund_due_at < now,
                c.refund_overdue_flagged_at.is_(None),
            )
            .order_by(c.id)
        )
        return list(self.session.scalars(stmt))


class OpeningObjectionRepository(SqlRepository[OpeningObjection]):
    model, table = OpeningObjection, t.opening_objections

    def for_tender(self, tender_id: str) -> list[OpeningObjection]:
        stmt = sa.select(OpeningObjection).where(self.table.c.tender_id == tender_id).order_by(self.table.c.id)
        return list(self.session.scalars(stmt))


class SealedStatementRepository(SqlRepository[SealedStatement]):
    model, table = SealedStatement, t.sealed_statements

    def for_tender(self, tender_id: str) -> list[SealedStatement]:
        stmt = sa.select(SealedStatement).where(self.table.c.tender_id == tender_id).order_by(self.table.c.id)
        return list(self.session.scalars(stmt))


# ---------------------------------------------------------------------------- experts and committees
class ExpertRepository(SqlRepository[Expert]):
    model, table = Expert, t.experts

    def by_user(self, user_id: str) -> Expert | None:
        return self.session.scalars(sa.select(Expert).where(self.table.c.user_id == user_id)).first()

    def page(
        self, *, after: str | None, limit: int, status: ExpertStatus | None = None, pool: str | None = None
    ) -> list[Expert]:
        stmt = sa.select(Expert)
        if status is not None:
            stmt = stmt.where(self.table.c.status == status.value)
        if pool is not None:
            stmt = stmt.where(self.table.c.home_pool == pool)
        return self._page(stmt, after, limit)

    def candidates(self, specialty: str, *, pools: Sequence[str] | None, except_pool: str | None) -> list[str]:
        """Drawable experts (active, with a platform account) holding ``specialty`` or a code below
        it: one range of a covering index, fetched by the driver. Sorted in Python, so the order is
        the code-point order the algorithm specifies whatever the database's collation."""
        s = t.expert_specialties
        low, high = specialty_range(specialty)
        stmt = sa.select(s.c.expert_id).where(s.c.code >= low, s.c.code < high, s.c.drawable.is_(True))
        if pools is not None:
            stmt = stmt.where(s.c.home_pool.in_(list(pools)))
        if except_pool is not None:
            stmt = stmt.where(s.c.home_pool != except_pool)
        return sorted({row[0] for row in _fetch_rows(self.session, stmt)})

    def suspects(
        self, *, org_codes: Sequence[str], org_names: Sequence[str], subject_ids: Sequence[str], born_on_or_before: date
    ) -> list[str]:
        jobs, dcl, snc = t.expert_employments, t.expert_declarations, t.expert_sanctions
        name = sa.func.replace(jobs.c.employer_name, " ", "")
        parts: list[sa.Select[Any]] = [
            sa.select(jobs.c.expert_id).where(
                sa.or_(jobs.c.employer_credit_code.in_(list(org_codes)), name.in_(list(org_names)))
            ),
            sa.select(dcl.c.expert_id).where(
                dcl.c.ended_at.is_(None),
                sa.or_(dcl.c.org_credit_code.in_(list(org_codes)), dcl.c.subject_id.in_(list(subject_ids))),
            ),
            sa.select(snc.c.expert_id).where(snc.c.cleared_at.is_(None)),
            sa.select(self.table.c.id).where(self.table.c.birth_date <= born_on_or_before),
        ]
        found: set[str] = set()
        for stmt in parts:
            found.update(row[0] for row in _fetch_rows(self.session, stmt))
        return sorted(found)

    def snapshots(self, expert_ids: Sequence[str]) -> list[Expert]:
        """Detached copies of the experts, with what the exclusions and the committee's seats read
        (the expert's row, employments, declarations, sanctions), in four driver-level queries.
        They belong to no session: reading them is all they are for."""
        ids = list(dict.fromkeys(expert_ids))
        if not ids:
            return []
        e, jobs, dcl, snc = self.table, t.expert_employments, t.expert_declarations, t.expert_sanctions
        made: dict[str, Expert] = {}
        for row in self.session.connection().execute(sa.select(e).where(e.c.id.in_(ids))):
            values = dict(row._mapping)
            made[values["id"]] = Expert(**values)
        for table, cls, field in (
            (jobs, Employment, "employments"),
            (dcl, Declaration, "declarations"),
            (snc, Sanction, "sanctions"),
        ):
            for row in self.session.connection().execute(sa.select(table).where(table.c.expert_id.in_(ids))):
                values = dict(row._mapping)
                getattr(made[values["expert_id"]], field).append(cls(**values))
        return [made[i] for i in ids if i in made]


def _fetch_rows(session: OrmSession, stmt: sa.Select[Any]) -> list[Any]:
    """Rows fetched by the driver's own cursor, without per-row processing: for reading
    thousands of plain values (ids) at once."""
    conn = session.connection()
    compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.params
    args: Any = [params[name] for name in compiled.positiontup or ()] if compiled.positional else params
    cursor = conn.connection.cursor()
    try:
        cursor.execute(str(compiled), args)
        return list(cursor.fetchall())
    finally:
        cursor.close()


class DrawFactsRepository:
    """The bidders of a section and the organisations' credit codes, for the draw's exclusions."""

    def __init__(self, session: OrmSession) -> None:
        self.session = session

    def bidders(self, section_id: str) -> list[str]:
        b = t.bids
        stmt = sa.select(b.c.bidder_org_id, b.c.consortium).where(
            b.c.section_id == section_id, b.c.status != BidStatus.WITHDRAWN.value
        )
        found: dict[str, None] = {}
        for bidder, consortium in self.session.connection().execute(stmt):
            members = [str(m["org_id"]) for m in consortium or []]
            for org_id in members or [str(bidder)]:
                found[org_id] = None
        return list(found)

    def credit_codes(self, org_ids: Sequence[str]) -> dict[str, str]:
        if not org_ids:
            return {}
        o = t.organisations
        stmt = sa.select(o.c.id, o.c.credit_code).where(o.c.id.in_(sorted(set(org_ids))))
        return {str(i): str(code) for i, code in self.session.connection().execute(stmt)}


class CommitteeRepository(SqlRepository[Committee]):
    model, table = Committee, t.committees

    def for_section(self, section_id: str) -> Committee | None:
        return self.session.scalars(sa.select(Committee).where(self.table.c.section_id == section_id)).first()

    def for_tender(self, tender_id: str) -> list[Committee]:
        stmt = sa.select(Committee).where(self.table.c.tender_id == tender_id).order_by(self.table.c.id)
        return list(self.session.scalars(stmt))

    def of_user(self, user_id: str) -> list[Committee]:
        members = t.committee_members
        ids = sa.select(members.c.committee_id).where(members.c.user_id == user_id)
        stmt = sa.select(Committee).where(self.table.c.id.in_(ids)).order_by(self.table.c.id)
        return list(self.session.scalars(stmt))

    def at_venue(self, venue_id: str, starts: datetime, ends: datetime) -> list[Committee]:
        sit = t.committee_sittings
        ids = sa.select(sit.c.committee_id).where(
            sit.c.venue_id == venue_id, sit.c.starts_at < ends, sit.c.ends_at > starts
        )
        stmt = (
            sa.select(Committee)
            .where(self.table.c.id.in_(ids), self.table.c.status != CommitteeStatus.DISSOLVED.value)
            .order_by(self.table.c.id)
        )
        return list(self.session.scalars(stmt))


class DrawRepository(SqlRepository[Draw]):
    model, table = Draw, t.draws

    def for_section(self, section_id: str) -> list[Draw]:
        stmt = sa.select(Draw).where(self.table.c.section_id == section_id).order_by(self.table.c.id)
        return list(self.session.scalars(stmt))

    def for_committee(self, committee_id: str) -> list[Draw]:
        stmt = sa.select(Draw).where(self.table.c.committee_id == committee_id).order_by(self.table.c.id)
        return list(self.session.scalars(stmt))


class VenueRepository(SqlRepository[Venue]):
    model, table = Venue, t.venues

    def all(self) -> list[Venue]:
        return list(self.session.scalars(sa.select(Venue).order_by(self.table.c.id)))


class RecordingRepository(SqlRepository[Recording]):
    model, table = Recording, t.venue_recordings

    def for_venue(self, venue_id: str) -> list[Recording]:
        stmt = sa.select(Recording).where(self.table.c.venue_id == venue_id).order_by(self.table.c.id)
        return list(self.session.scalars(stmt))


class QualificationRepository(SqlRepository[Qualification]):
    model, table = Qualification, t.org_qualifications

    def of_orgs(self, org_ids: list[str]) -> list[Qualification]:
        stmt = sa.select(Qualification).where(self.table.c.org_id.in_(org_ids)).order_by(self.table.c.id)
        return list(self.session.scalars(stmt))


class PerformanceRepository(SqlRepository[OrgPerformance]):
    model, table = OrgPerformance, t.org_performances

    def of_orgs(self, org_ids: list[str]) -> list[OrgPerformance]:
        stmt = sa.select(OrgPerformance).where(self.table.c.org_id.in_(org_ids)).order_by(self.table.c.id)
        return list(self.session.scalars(stmt))


#: Evaluations time can still act on: publicity, explanations, objections, overdue steps.
EVALUATION_ACTIVE = tuple(
    s.value for s in EvaluationStatus if s not in (EvaluationStatus.COMPLETED, EvaluationStatus.FAILED)
)


class EvaluationRepository(SqlRepository[Evaluation]):
    model, table = Evaluation, t.evaluations

    def for_section(self, section_id: str, *, for_update: bool = False) -> Evaluation | None:
        stmt = sa.select(Evaluation).where(self.table.c.section_id == section_id)
        if for_update:
            stmt = stmt.with_for_update()
        return self.session.scalars(stmt).first()

    def for_tender(self, tender_id: str) -> list[Evaluation]:
        stmt = sa.select(Evaluation).where(self.table.c.tender_id == tender_id).order_by(self.table.c.id)
        return list(self.session.scalars(stmt))

    def due_ids(self, now: datetime, *, reported_before: datetime, awarded_before: datetime) -> list[str]:
        """The active evaluations time may act on at ``now``, found by their columns and their
        pending explanations and objections, without loading any: a publicity that has ended,
        an explanation past its deadline, an objection unanswered past its deadline and not
        yet flagged, a report made before ``reported_before`` whose candidates are still
        unpublished, an award made before ``awarded_before`` whose contract is still unsigned
        (both not yet flagged). The scheduler checks each against ``due_actions``."""
        e, x, o = self.table.c, t.evaluation_explanations.c, t.publicity_objections.c
        stmt = (
            sa.select(e.id)
            .where(
                e.status.in_(EVALUATION_ACTIVE),
                sa.or_(
                    (e.status == EvaluationStatus.PUBLICITY.value) & (e.publicity_end <= now),
                    sa.exists().where(
                        x.evaluation_id == e.id, x.status == ExplanationStatus.PENDING.value, x.due_at <= now
                    ),
                    sa.exists().where(
                        o.evaluation_id == e.id,
                        o.status == EvaluationObjectionStatus.PENDING.value,
                        o.overdue_flagged_at.is_(None),
                        o.answer_due < now,
                    ),
                    (e.status == EvaluationStatus.REPORTED.value)
                    & e.publicity_overdue_flagged_at.is_(None)
                    & (e.reported_at < reported_before),
                    (e.status == EvaluationStatus.AWARDED.value)
                    & e.contract_overdue_flagged_at.is_(None)
                    & (e.awarded_at < awarded_before),
                ),
            )
            .order_by(e.id)
        )
        return list(self.session.scalars(stmt))

    def awarded_to(self, org_ids: list[str]) -> list[Evaluation]:
        """Evaluations whose winning bid is by one of these organisations (or a consortium they lead)."""
        stmt = (
            sa.select(Evaluation)
            .join(t.bids, t.bids.c.id == self.table.c.winner_bid_id)
            .where(t.bids.c.bidder_org_id.in_(org_ids))
            .order_by(self.table.c.id)
        )
        return list(self.session.scalars(stmt))


class ComplaintRepository(SqlRepository[Complaint]):
    model, table = Complaint, t.complaints

    def for_tender(self, tender_id: str) -> list[Complaint]:
        stmt = sa.select(Complaint).where(self.table.c.tender_id == tender_id).order_by(self.table.c.id)
        return list(self.session.scalars(stmt))

    def of_complainant(self, org_id: str, since: datetime) -> list[Complaint]:
        c = self.table.c
        stmt = sa.select(Complaint).where(c.complainant_org_id == org_id, c.received_at >= since).order_by(c.id)
        return list(self.session.scalars(stmt))

    def open_ids(self) -> list[str]:
        c = self.table.c
        live = (ComplaintStatus.RECEIVED.value, ComplaintStatus.ACCEPTED.value)
        return list(self.session.scalars(sa.select(c.id).where(c.status.in_(live)).order_by(c.id)))

    def page(self, *, after: str | None, limit: int, status: ComplaintStatus | None = None) -> list[Complaint]:
        stmt = sa.select(Complaint)
        if status is not None:
            stmt = stmt.where(self.table.c.status == status.value)
        return self._page(stmt, after, limit)
