"""The unit of work: one database transaction per use case; events are written in it."""

from __future__ import annotations

import weakref
from types import TracebackType
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import sessionmaker

from sunbid.kernel.events import DomainEvent
from sunbid.storage import ledger
from sunbid.storage import oversight as o
from sunbid.storage import repositories as r
from sunbid.storage.blobs import DirectoryBlobStore
from sunbid.storage.orm import start_mappers

#: One session factory per engine: building one per unit of work costs more than the session.
_makers: weakref.WeakKeyDictionary[Engine, sessionmaker[OrmSession]] = weakref.WeakKeyDictionary()


class SqlUnitOfWork:
    """Use as ``with uow: ...; uow.commit()``. Leaving without commit rolls back."""

    session: OrmSession
    organisations: r.OrganisationRepository
    users: r.UserRepository
    sessions: r.SessionRepository
    api_tokens: r.ApiTokenRepository
    plans: r.PlanRepository
    tenders: r.TenderRepository
    bids: r.BidRepository
    deposits: r.DepositRepository
    opening_objections: r.OpeningObjectionRepository
    sealed_statements: r.SealedStatementRepository
    experts: r.ExpertRepository
    committees: r.CommitteeRepository
    draws: r.DrawRepository
    venues: r.VenueRepository
    recordings: r.RecordingRepository
    draw_facts: r.DrawFactsRepository
    evaluations: r.EvaluationRepository
    complaints: r.ComplaintRepository
    qualifications: r.QualificationRepository
    performances: r.PerformanceRepository
    staff: r.UserRepository
    warnings: o.WarningRepository
    scan_marks: o.ScanMarkRepository
    credit: o.CreditRepository
    credit_facts: o.CreditFactsRepository
    penalties: o.PenaltyRepository
    spot_checks: o.SpotCheckRepository
    graded_organisations: r.OrganisationRepository
    graded_experts: r.ExpertRepository

    def __init__(self, engine: Engine, blobs: DirectoryBlobStore, ledger_hash: str = "sm3") -> None:
        start_mappers()
        self.ledger_hash = ledger_hash
        self._factory = _makers.get(engine) or _makers.setdefault(
            engine, sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)
        )
        self.blobs = blobs
        self._pending: list[DomainEvent] = []
        self.committed_events: list[tuple[int, DomainEvent]] = []

    def __enter__(self) -> SqlUnitOfWork:
        self.session = self._factory()
        self._pending = []
        self.committed_events = []
        s = self.session
        self.organisations = r.OrganisationRepository(s)
        self.users = r.UserRepository(s)
        self.sessions = r.SessionRepository(s)
        self.api_tokens = r.ApiTokenRepository(s)
        self.plans = r.PlanRepository(s)
        self.tenders = r.TenderRepository(s)
        self.bids = r.BidRepository(s)
        self.deposits = r.DepositRepository(s)
        self.opening_objections = r.OpeningObjectionRepository(s)
        self.sealed_statements = r.SealedStatementRepository(s)
        self.experts = r.ExpertRepository(s)
        self.committees = r.CommitteeRepository(s)
        self.draws = r.DrawRepository(s)
        self.venues = r.VenueRepository(s)
        self.recordings = r.RecordingRepository(s)
        self.draw_facts = r.DrawFactsRepository(s)
        self.evaluations = r.EvaluationRepository(s)
        self.complaints = r.ComplaintRepository(s)
        self.qualifications = r.QualificationRepository(s)
        self.performances = r.PerformanceRepository(s)
        self.staff = self.users
        self.warnings = o.WarningRepository(s)
        self.scan_marks = o.ScanMarkRepository(s)
        self.credit = o.CreditRepository(s)
        self.credit_facts = o.CreditFactsRepository(s)
        self.penalties = o.PenaltyRepository(s)
        self.spot_checks = o.SpotCheckRepository(s)
        self.graded_organisations = self.organisations
        self.graded_experts = self.experts
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        # close() ends the transaction without expiring what was read, so read-only use
        # cases can return their objects; after an error, roll back explicitly.
        if exc_type is not None:
            self.rollback()
        self._pending = []
        self.session.close()

    def emit(self, event: DomainEvent) -> None:
        self._pending.append(event)

    def commit(self) -> None:
        """Flush the changes, append their events to the ledger in the same transaction, commit."""
        self.session.flush()
        seqs = ledger.append(self.session, self._pending, self.ledger_hash)
        written = list(zip(seqs, self._pending, strict=True))
        self.session.commit()
        self._pending = []
        self.committed_events = written

    def rollback(self) -> None:
        self.session.rollback()
        self._pending = []

    def execute(self, stmt: Any) -> Any:
        return self.session.execute(stmt)

    def ledger_positions(self, subject_ids: list[str]) -> dict[str, int]:
        return ledger.first_positions(self.session, subject_ids)

    def ledger_entry(self, seq: int) -> str:
        row = next(ledger.entry_rows(self.session, after=seq - 1, limit=1), None)
        if row is None or int(row.seq) != seq:
            raise LookupError(f"no ledger entry {seq}")
        return str(row.body)
