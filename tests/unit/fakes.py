"""In-memory stand-ins for the storage ports, for unit tests of the use cases.

:class:`FakeUnitOfWork` implements both ``TenderingUnitOfWork`` and ``IdentityUnitOfWork``
with dict-backed repositories. It behaves like the SQL unit of work where the use cases
can tell: leaving ``with uow:`` after an error, or without committing a change, restores
the rows as they were when the block began and drops the events emitted in it.
Committed events are kept in order in :attr:`FakeUnitOfWork.events`.
"""

from __future__ import annotations

import copy
import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, BinaryIO, Generic, Protocol, TypeVar

from sunbid.identity.model import ApiToken, Organisation, OrganisationRelation, Session, User
from sunbid.kernel.errors import NotFound
from sunbid.kernel.events import DomainEvent
from sunbid.kernel.query import Scope
from sunbid.tendering.bid_model import Bid, BidSubmission, Deposit, DepositStatus, OpeningObjection, SealedStatement
from sunbid.tendering.model import PlanStatus, Tender, TenderPlan, TenderStatus

if TYPE_CHECKING:
    from sunbid.identity.ports import IdentityUnitOfWork
    from sunbid.tendering.ports import TenderingUnitOfWork


class _HasId(Protocol):
    id: str


T = TypeVar("T", bound=_HasId)


class DuplicateKey(Exception):
    """What a primary-key violation would be in the database."""


# ---------------------------------------------------------------------------- blobs
@dataclass
class FakeBlobRef:
    sha256: str
    size: int


class FakeBlobStore:
    """Content-addressed bytes in a dict; ``exists`` is true only for what was added."""

    def __init__(self) -> None:
        self._blobs: dict[str, bytes] = {}

    def add(self, data: bytes) -> FakeBlobRef:
        sha = hashlib.sha256(data).hexdigest()
        self._blobs[sha] = data
        return FakeBlobRef(sha, len(data))

    def exists(self, sha256: str) -> bool:
        return sha256 in self._blobs

    def open(self, sha256: str) -> BinaryIO:
        return io.BytesIO(self._get(sha256))

    def iter_chunks(self, sha256: str) -> Iterator[bytes]:
        yield self._get(sha256)

    def _get(self, sha256: str) -> bytes:
        try:
            return self._blobs[sha256]
        except KeyError:
            raise NotFound("blob_not_found", "文件不存在", "No such file", sha256=sha256) from None


# ---------------------------------------------------------------------------- repositories
class FakeRepository(Generic[T]):
    def __init__(self) -> None:
        self.rows: dict[str, T] = {}

    def add(self, obj: T) -> None:
        if obj.id in self.rows:
            raise DuplicateKey(obj.id)
        self.rows[obj.id] = obj

    def get(self, ident: str, *, for_update: bool = False) -> T | None:
        return self.rows.get(ident)

    def _page(self, rows: list[T], after: str | None, limit: int) -> list[T]:
        """Newest first; ``after`` is the id of the last row of the previous page; one extra row."""
        ordered = sorted(rows, key=lambda r: r.id, reverse=True)
        if after is not None:
            ordered = [r for r in ordered if r.id < after]
        return ordered[: limit + 1]

    def page(self, *, after: str | None, limit: int) -> list[T]:
        return self._page(list(self.rows.values()), after, limit)


class FakeOrganisations(FakeRepository[Organisation]):
    def __init__(self) -> None:
        super().__init__()
        self.relation_rows: list[OrganisationRelation] = []

    def by_credit_code(self, code: str) -> Organisation | None:
        return next((o for o in self.rows.values() if o.credit_code == code), None)

    def add_relation(self, relation: OrganisationRelation) -> None:
        self.relation_rows.append(relation)

    def relations(self, org_ids: list[str]) -> list[OrganisationRelation]:
        return [r for r in self.relation_rows if r.parent_org_id in org_ids or r.child_org_id in org_ids]


class FakeUsers(FakeRepository[User]):
    def by_username(self, username: str) -> User | None:
        return next((u for u in self.rows.values() if u.username == username), None)


class FakeSessions(FakeRepository[Session]):
    def by_token_hash(self, token_hash: str) -> Session | None:
        return next((s for s in self.rows.values() if s.token_hash == token_hash), None)


class FakeApiTokens(FakeRepository[ApiToken]):
    def by_token_hash(self, token_hash: str) -> ApiToken | None:
        return next((t for t in self.rows.values() if t.token_hash == token_hash), None)

    def for_user(self, user_id: str) -> list[ApiToken]:
        return sorted((t for t in self.rows.values() if t.user_id == user_id), key=lambda t: t.id)


def _visible(scope: Scope, status: str, public: tuple[str, ...], orgs: tuple[str | None, ...]) -> bool:
    return scope.everything or status in public or any(o is not None and o in scope.org_ids for o in orgs)


class FakePlans(FakeRepository[TenderPlan]):
    PUBLIC = (PlanStatus.PUBLISHED.value, PlanStatus.WITHDRAWN.value)

    def page(  # type: ignore[override]
        self, scope: Scope, *, after: str | None, limit: int, status: PlanStatus | None = None
    ) -> list[TenderPlan]:
        rows = [
            p
            for p in self.rows.values()
            if _visible(scope, p.status, self.PUBLIC, (p.tenderer_org_id,)) and (status is None or p.status == status)
        ]
        return self._page(rows, after, limit)


class FakeTenders(FakeRepository[Tender]):
    PUBLIC = tuple(s.value for s in TenderStatus if s not in (TenderStatus.DRAFT, TenderStatus.CANCELLED))

    def active_ids(self) -> list[str]:
        active = (TenderStatus.ANNOUNCED, TenderStatus.SUSPENDED, TenderStatus.BIDDING_CLOSED, TenderStatus.OPENING)
        return sorted(t.id for t in self.rows.values() if t.status in active)

    def page(  # type: ignore[override]
        self, scope: Scope, *, after: str | None, limit: int, status: TenderStatus | None = None
    ) -> list[Tender]:
        rows = [
            t
            for t in self.rows.values()
            if _visible(scope, t.status, self.PUBLIC, (t.tenderer_org_id, t.agency_org_id))
            and (status is None or t.status == status)
        ]
        return self._page(rows, after, limit)


class FakeBids(FakeRepository[Bid]):
    def for_tender(self, tender_id: str) -> list[Bid]:
        return sorted((b for b in self.rows.values() if b.tender_id == tender_id), key=lambda b: b.id)

    def of_bidder(self, section_id: str, org_id: str) -> Bid | None:
        return next((b for b in self.rows.values() if b.section_id == section_id and b.bidder_org_id == org_id), None)

    def count_sealed(self, tender_id: str, except_sections: list[str]) -> int:
        return sum(
            1
            for b in self.rows.values()
            if b.tender_id == tender_id and b.status == "sealed" and b.section_id not in except_sections
        )

    def envelope_seen(self, envelope_id: str) -> bool:
        return any(s.envelope_id == envelope_id for b in self.rows.values() for s in b.submissions)

    def submission(self, submission_id: str) -> BidSubmission | None:
        return next((s for b in self.rows.values() for s in b.submissions if s.id == submission_id), None)


class FakeDeposits(FakeRepository[Deposit]):
    def for_tender(self, tender_id: str) -> list[Deposit]:
        return sorted((d for d in self.rows.values() if d.tender_id == tender_id), key=lambda d: d.id)

    def of_bidder(self, section_id: str, org_id: str) -> list[Deposit]:
        return sorted(
            (d for d in self.rows.values() if d.section_id == section_id and d.bidder_org_id == org_id),
            key=lambda d: d.id,
        )

    def refunds_overdue(self, now: datetime) -> list[Deposit]:
        return [
            d
            for d in sorted(self.rows.values(), key=lambda d: d.id)
            if d.status is DepositStatus.REFUND_DUE
            and d.refund_due_at is not None
            and d.refund_due_at < now
            and d.refund_overdue_flagged_at is None
        ]


class FakeByTender(FakeRepository[T]):
    def for_tender(self, tender_id: str) -> list[T]:
        return sorted((r for r in self.rows.values() if getattr(r, "tender_id", None) == tender_id), key=lambda r: r.id)


# ---------------------------------------------------------------------------- unit of work
class FakeUnitOfWork:
    """Both units of work in memory. Use as ``with uow: ...; uow.commit()``."""

    def __init__(self, blobs: FakeBlobStore | None = None) -> None:
        self.organisations = FakeOrganisations()
        self.users = FakeUsers()
        self.sessions = FakeSessions()
        self.api_tokens = FakeApiTokens()
        self.plans = FakePlans()
        self.tenders = FakeTenders()
        self.bids = FakeBids()
        self.deposits = FakeDeposits()
        self.opening_objections: FakeByTender[OpeningObjection] = FakeByTender()
        self.sealed_statements: FakeByTender[SealedStatement] = FakeByTender()
        self.committed_events: list[tuple[int, DomainEvent]] = []
        self.blobs = blobs or FakeBlobStore()
        self.events: list[DomainEvent] = []  # committed, in order
        self.pending: list[DomainEvent] = []  # emitted in the open block, not yet committed
        self.committed = False  # set by any commit; tests may reset it
        self.commits = 0
        self.rollbacks = 0
        self._snapshot: list[dict[str, Any]] | None = None

    def _repositories(self) -> tuple[FakeRepository[Any], ...]:
        return (
            self.organisations,
            self.users,
            self.sessions,
            self.api_tokens,
            self.plans,
            self.tenders,
            self.bids,
            self.deposits,
            self.opening_objections,
            self.sealed_statements,
        )

    def _state(self) -> list[dict[str, Any]]:
        return [repo.rows for repo in self._repositories()]

    def __enter__(self) -> FakeUnitOfWork:
        assert self._snapshot is None, "the unit of work is already open"
        self._snapshot = copy.deepcopy(self._state())
        self.pending = []
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        # As with the database: an error, or changes left uncommitted, leave nothing behind.
        if exc_type is not None or self.pending or self._state() != self._snapshot:
            self.rollback()
        self._snapshot = None
        self.pending = []

    def emit(self, event: DomainEvent) -> None:
        assert self._snapshot is not None, "events are emitted inside a unit of work"
        self.pending.append(event)

    def commit(self) -> None:
        assert self._snapshot is not None, "commit inside a unit of work"
        self.committed_events = list(enumerate(self.pending, len(self.events)))
        self.events.extend(self.pending)
        self.pending = []
        self.committed = True
        self.commits += 1
        self._snapshot = copy.deepcopy(self._state())

    def rollback(self) -> None:
        if self._snapshot is not None:
            for repo, rows in zip(self._repositories(), self._snapshot, strict=True):
                repo.rows = copy.deepcopy(rows)
        self.pending = []
        self.rollbacks += 1

    def ledger_positions(self, subject_ids: list[str]) -> dict[str, int]:
        out: dict[str, int] = {}
        for seq, event in enumerate(self.events):
            if event.subject_id in subject_ids:
                out.setdefault(event.subject_id, seq)
        return out

    def ledger_entry(self, seq: int) -> str:
        from sunbid.ledger.entries import Entry

        return Entry.of(seq, self.events[seq]).canonical().decode()

    # ------------------------------------------------------------------ helpers for tests
    def event_names(self) -> list[str]:
        return [e.name for e in self.events]

    def events_named(self, name: str) -> list[DomainEvent]:
        return [e for e in self.events if e.name == name]


def _conforms(uow: FakeUnitOfWork) -> tuple[TenderingUnitOfWork, IdentityUnitOfWork]:
    """Type checkers verify here that the fake implements both ports."""
    return uow, uow
