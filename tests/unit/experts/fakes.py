"""In-memory stand-ins for the experts room's storage, on top of the shared fake unit of work."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sunbid.experts.model import Committee, CommitteeStatus, Draw, Expert, ExpertStatus, Recording, Venue
from tests.unit.fakes import FakeBlobRef, FakeBlobStore, FakeRepository, FakeUnitOfWork

if TYPE_CHECKING:
    from sunbid.experts.ports import ExpertsUnitOfWork


class FakeWritableBlobs(FakeBlobStore):
    def put_chunks(self, chunks: Iterable[bytes], max_size: int | None = None) -> FakeBlobRef:
        data = b"".join(chunks)
        assert max_size is None or len(data) <= max_size
        return self.add(data)


class FakeExperts(FakeRepository[Expert]):
    def by_user(self, user_id: str) -> Expert | None:
        return next((e for e in self.rows.values() if e.user_id == user_id), None)

    def page(  # type: ignore[override]
        self, *, after: str | None, limit: int, status: ExpertStatus | None = None, pool: str | None = None
    ) -> list[Expert]:
        rows = [
            e
            for e in self.rows.values()
            if (status is None or e.status == status) and (pool is None or e.home_pool == pool)
        ]
        return self._page(rows, after, limit)

    def candidates(self, specialty: str, *, pools: Sequence[str] | None, except_pool: str | None) -> list[str]:
        found = {
            s.expert_id
            for e in self.rows.values()
            for s in e.specialties
            if (s.code == specialty or s.code.startswith(specialty + "."))
            and s.drawable
            and (pools is None or s.home_pool in pools)
            and (except_pool is None or s.home_pool != except_pool)
        }
        return sorted(found)

    def suspects(
        self, *, org_codes: Sequence[str], org_names: Sequence[str], subject_ids: Sequence[str], born_on_or_before: date
    ) -> list[str]:
        def tied(e: Expert) -> bool:
            return (
                any(
                    j.employer_credit_code in org_codes or re.sub(r"\s", "", j.employer_name) in org_names
                    for j in e.employments
                )
                or any(
                    d.ended_at is None and (d.org_credit_code in org_codes or d.subject_id in subject_ids)
                    for d in e.declarations
                )
                or any(s.cleared_at is None for s in e.sanctions)
                or e.birth_date <= born_on_or_before
            )

        return sorted(e.id for e in self.rows.values() if tied(e))

    def snapshots(self, expert_ids: Sequence[str]) -> list[Expert]:
        return [copy.deepcopy(self.rows[i]) for i in dict.fromkeys(expert_ids) if i in self.rows]


class FakeCommittees(FakeRepository[Committee]):
    def for_section(self, section_id: str) -> Committee | None:
        return next((c for c in self.rows.values() if c.section_id == section_id), None)

    def for_tender(self, tender_id: str) -> list[Committee]:
        return sorted((c for c in self.rows.values() if c.tender_id == tender_id), key=lambda c: c.id)

    def of_user(self, user_id: str) -> list[Committee]:
        return sorted(
            (c for c in self.rows.values() if any(m.user_id == user_id for m in c.members)), key=lambda c: c.id
        )

    def at_venue(self, venue_id: str, starts: datetime, ends: datetime) -> list[Committee]:
        return [
            c
            for c in self.rows.values()
            if c.status is not CommitteeStatus.DISSOLVED
            and any(s.venue_id == venue_id and s.starts_at < ends and starts < s.ends_at for s in c.sittings)
        ]


class FakeDraws(FakeRepository[Draw]):
    def for_section(self, section_id: str) -> list[Draw]:
        return sorted((d for d in self.rows.values() if d.section_id == section_id), key=lambda d: d.id)

    def for_committee(self, committee_id: str) -> list[Draw]:
        return sorted((d for d in self.rows.values() if d.committee_id == committee_id), key=lambda d: d.id)


class FakeVenues(FakeRepository[Venue]):
    def all(self) -> list[Venue]:
        return sorted(self.rows.values(), key=lambda v: v.id)


class FakeRecordings(FakeRepository[Recording]):
    def for_venue(self, venue_id: str) -> list[Recording]:
        return sorted((r for r in self.rows.values() if r.venue_id == venue_id), key=lambda r: r.id)


class FakeDrawFacts:
    def __init__(self, uow: FakeExpertsUnitOfWork) -> None:
        self.uow = uow

    def bidders(self, section_id: str) -> list[str]:
        found: dict[str, None] = {}
        for bid in self.uow.bids.rows.values():
            if bid.section_id == section_id and bid.status != "withdrawn":
                found.update(dict.fromkeys(bid.member_org_ids))
        return list(found)

    def credit_codes(self, org_ids: Sequence[str]) -> dict[str, str]:
        return {o: self.uow.organisations.rows[o].credit_code for o in org_ids if o in self.uow.organisations.rows}


class FakeExpertsUnitOfWork(FakeUnitOfWork):
    """The shared fake plus the pool, draws, committees, venues and recordings."""

    def __init__(self) -> None:
        super().__init__(FakeWritableBlobs())
        self.experts = FakeExperts()
        self.committees = FakeCommittees()
        self.draws = FakeDraws()
        self.venues = FakeVenues()
        self.recordings = FakeRecordings()
        self.draw_facts = FakeDrawFacts(self)

    def _repositories(self) -> tuple[FakeRepository[Any], ...]:
        return (*super()._repositories(), self.experts, self.committees, self.draws, self.venues, self.recordings)


def _conforms(uow: FakeExpertsUnitOfWork) -> ExpertsUnitOfWork:
    """Type checkers verify here that the fake implements the port."""
    return uow
