"""The storage and the collaborators the supervision use cases need: complaints, warnings,
credit grades and spot checks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sunbid.evaluation.ports import EvaluationUnitOfWork
from sunbid.kernel.context import Role
from sunbid.risk.indicators import Flag
from sunbid.supervision.credit_model import (
    CreditAssessment,
    CreditFact,
    CreditGrade,
    CreditState,
    Grade,
    Penalty,
    SubjectType,
)
from sunbid.supervision.model import Complaint
from sunbid.supervision.spot_model import SpotCheck
from sunbid.supervision.warning_model import EarlyWarning, ScanMark, WarningSeverity, WarningStatus
from sunbid.tendering.ports import NamedUser


class ComplaintRepository(Protocol):
    def add(self, complaint: Complaint) -> None: ...
    def get(self, complaint_id: str, *, for_update: bool = False) -> Complaint | None: ...
    def for_tender(self, tender_id: str) -> list[Complaint]: ...
    def of_complainant(self, org_id: str, since: datetime) -> list[Complaint]: ...
    def open_ids(self) -> list[str]: ...


class SupervisionUnitOfWork(EvaluationUnitOfWork, Protocol):
    @property
    def complaints(self) -> ComplaintRepository: ...


# ---------------------------------------------------------------------------- warnings, credit, spot checks
class Staff(NamedUser, Protocol):
    """A user as the supervision room checks it: an assignee must be an active supervisor."""

    @property
    def role(self) -> Role: ...
    @property
    def active(self) -> bool: ...


class StaffLookup(Protocol):
    def get(self, user_id: str, *, for_update: bool = False) -> Staff | None: ...


@dataclass(frozen=True)
class WarningFilter:
    status: WarningStatus | None = None
    severity: WarningSeverity | None = None
    indicator: str | None = None
    tender_id: str | None = None
    assignee_id: str | None = None


class WarningRepository(Protocol):
    def add(self, warning: EarlyWarning) -> None: ...
    def get(self, warning_id: str, *, for_update: bool = False) -> EarlyWarning | None: ...
    def by_fingerprints(self, fingerprints: Sequence[str]) -> list[EarlyWarning]: ...
    def for_tender(self, tender_id: str) -> list[EarlyWarning]: ...
    def page(self, *, after: str | None, limit: int, where: WarningFilter) -> list[EarlyWarning]: ...
    def standing_counts(self, tender_ids: Sequence[str]) -> dict[str, int]:
        """Per tender, its warnings that were not dismissed."""
        ...


@dataclass(frozen=True)
class ScanTrigger:
    """A step after which a tender's market is scanned: its opening concluded, or an award decided."""

    tender_id: str
    event: str  # "opening" or "award"
    ref: str  # the tender for an opening, the section for an award
    happened_at: datetime


class ScanMarkRepository(Protocol):
    def due(self, *, limit: int, max_attempts: int) -> list[ScanTrigger]:
        """Steps not yet scanned (or whose scans failed fewer than ``max_attempts`` times), oldest first."""
        ...

    def get(self, tender_id: str, event: str, ref: str) -> ScanMark | None: ...
    def add(self, mark: ScanMark) -> None: ...
    def for_tender(self, tender_id: str) -> list[ScanMark]: ...


@dataclass(frozen=True)
class TenderScan:
    """What a scan of one tender's market found: every flag of the market (all severities), the
    tender's bids and who made them, and the market's size."""

    tender_id: str
    flags: Sequence[Flag]
    bid_orgs: Mapping[str, str]
    market: Mapping[str, Any] = field(default_factory=dict)


class RiskScanner(Protocol):
    """The risk engine over the platform's data (``sunbid.storage.risk_scope``)."""

    def scan_tender(self, tender_id: str) -> TenderScan:
        """Every indicator over the tender's market (its category, ``warning_scan_market_days``);
        refuses with ``risk_scan_failed`` when the engine cannot compute it."""
        ...

    def review(self, tender_ids: Sequence[str]) -> Mapping[str, Sequence[Flag]]:
        """The fair-competition review of these tenders' documents, per tender."""
        ...


class CreditFactsLookup(Protocol):
    def facts(self, since: datetime, *, subject: tuple[SubjectType, str] | None = None) -> list[CreditFact]:
        """Every record since ``since`` (bans and expert sanctions whatever their date), of every
        subject or of one."""
        ...

    def subjects(self) -> list[tuple[SubjectType, str]]:
        """Every organisation and expert."""
        ...


class CreditRepository(Protocol):
    def grade(self, subject_type: SubjectType, subject_id: str, *, for_update: bool = False) -> CreditGrade | None: ...
    def grades(self) -> list[CreditGrade]: ...
    def add(self, grade: CreditGrade) -> None: ...
    def add_assessment(self, assessment: CreditAssessment) -> None: ...
    def history(self, subject_type: SubjectType, subject_id: str) -> list[CreditAssessment]: ...
    def page(
        self, *, after: str | None, limit: int, subject_type: SubjectType | None = None, grade: Grade | None = None
    ) -> list[CreditGrade]: ...
    def state(self) -> CreditState:
        """The recomputation state, locked for this transaction (made on first use)."""
        ...


class PenaltyRepository(Protocol):
    def add(self, penalty: Penalty) -> None: ...
    def get(self, penalty_id: str, *, for_update: bool = False) -> Penalty | None: ...
    def of_org(self, org_id: str) -> list[Penalty]: ...


@dataclass(frozen=True)
class Announced:
    tender_id: str
    tenderer_org_id: str
    agency_org_id: str | None


class SpotCheckRepository(Protocol):
    def add(self, spot_check: SpotCheck) -> None: ...
    def get(self, spot_check_id: str, *, for_update: bool = False) -> SpotCheck | None: ...
    def page(self, *, after: str | None, limit: int) -> list[SpotCheck]: ...
    def population(
        self, *, category: str | None, announced_from: datetime | None, announced_to: datetime | None
    ) -> list[Announced]:
        """Tenders whose announcement is out and whose bid deadline has not closed bidding
        (announced or suspended), filtered."""
        ...


class GradedExperts(Protocol):
    def get(self, expert_id: str, *, for_update: bool = False) -> GradedExpert | None: ...


class GradedExpert(Protocol):
    credit_grade: str | None


class GradedOrganisations(Protocol):
    def get(self, org_id: str, *, for_update: bool = False) -> GradedOrganisation | None: ...


class GradedOrganisation(Protocol):
    id: str
    credit_grade: str | None


class OversightUnitOfWork(SupervisionUnitOfWork, Protocol):
    """Warnings, credit and spot checks, with everything the complaint use cases read."""

    @property
    def staff(self) -> StaffLookup: ...
    @property
    def warnings(self) -> WarningRepository: ...
    @property
    def scan_marks(self) -> ScanMarkRepository: ...
    @property
    def credit(self) -> CreditRepository: ...
    @property
    def credit_facts(self) -> CreditFactsLookup: ...
    @property
    def penalties(self) -> PenaltyRepository: ...
    @property
    def spot_checks(self) -> SpotCheckRepository: ...
    @property
    def graded_organisations(self) -> GradedOrganisations: ...
    @property
    def graded_experts(self) -> GradedExperts: ...
