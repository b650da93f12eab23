"""Request and response bodies of warnings, risk indicators, credit grades, penalties and spot checks."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, Field

from sunbid.api.schemas import In, Out, Str64, Str100, Str200, Text
from sunbid.risk.indicators import Flag
from sunbid.supervision.credit_model import CreditAssessment, CreditGrade, Grade, PenaltyKind, SubjectType
from sunbid.supervision.spot_model import ReviewOutcome, SpotCheck, SpotCheckStatus
from sunbid.supervision.warning_model import (
    Authority,
    CloseOutcome,
    FeedbackOutcome,
    ScanMark,
    WarningSeverity,
    WarningStatus,
    finite,
)
from sunbid.tendering.model import Category

Note = Annotated[str, Field(max_length=20000)]
GradeIn = Annotated[str, Field(pattern=r"^[ABCD]$", description="A, B, C or D")]


# ---------------------------------------------------------------------------- risk indicators
class IndicatorOut(BaseModel):
    id: str
    family: str
    title_zh: str
    title_en: str
    severity: str
    basis: str
    definition: str
    thresholds: dict[str, Any]


class CatalogueOut(BaseModel):
    families: dict[str, str]
    indicators: list[IndicatorOut]


class FlagOut(BaseModel):
    flag_id: str
    indicator: str
    severity: str
    subject_type: str
    subject_ids: list[str]
    tender_id: str | None
    section_id: str | None
    value: float | None
    threshold: float | None
    evidence: dict[str, Any]
    basis: str
    title_zh: str
    title_en: str
    warning_id: str | None = Field(description="The warning made from this finding, if it was warned")

    @classmethod
    def of(cls, flag: Flag, warning_id: str | None) -> FlagOut:
        return cls(
            flag_id=flag.flag_id,
            indicator=flag.indicator,
            severity=str(flag.severity),
            subject_type=flag.subject_type,
            subject_ids=list(flag.subject_ids),
            tender_id=flag.tender_id,
            section_id=flag.section_id,
            value=finite(flag.value),
            threshold=finite(flag.threshold),
            evidence=finite(dict(flag.evidence)),
            basis=flag.basis,
            title_zh=flag.title_zh,
            title_en=flag.title_en,
            warning_id=warning_id,
        )


class ScanMarkOut(Out):
    event: str
    ref: str
    happened_at: datetime
    status: str
    attempts: int
    scanned_at: datetime
    flags: int
    warnings: int
    error: str | None

    @classmethod
    def of(cls, mark: ScanMark) -> ScanMarkOut:
        return cls(
            event=str(mark.event),
            ref=mark.ref,
            happened_at=mark.happened_at,
            status=str(mark.status),
            attempts=mark.attempts,
            scanned_at=mark.scanned_at,
            flags=mark.flags,
            warnings=mark.warnings,
            error=mark.error,
        )


class TenderRiskOut(BaseModel):
    tender_id: str
    flags: list[FlagOut]
    scans: list[ScanMarkOut] = Field(description="The automatic scans made after its opening and awards")


# ---------------------------------------------------------------------------- warnings
class HistoryOut(Out):
    at: datetime
    actor_id: str | None
    action: str
    from_status: str | None
    to_status: str
    note: str
    details: dict[str, Any]


class ReferralOut(Out):
    id: str
    authority: Authority
    authority_name: str
    number: str
    referred_at: datetime
    referred_by: str
    note: str
    feedback_received_at: datetime | None
    feedback_outcome: FeedbackOutcome | None
    feedback_text: str | None


class WarningOut(Out):
    id: str
    fingerprint: str
    flag_id: str
    indicator: str
    severity: WarningSeverity
    title_zh: str
    title_en: str
    subject_type: str
    subject_ids: list[str]
    tender_id: str | None
    section_id: str | None
    bid_ids: list[str]
    org_ids: list[str]
    evidence: dict[str, Any]
    basis: str
    value: float | None
    threshold: float | None
    source: str
    raised_at: datetime
    status: WarningStatus
    assignee_id: str | None
    assigned_at: datetime | None
    acknowledged_at: datetime | None
    dismissed_reason: str | None
    closed_outcome: CloseOutcome | None
    closed_reason: str | None
    ended_at: datetime | None
    history: list[HistoryOut]
    referrals: list[ReferralOut]


class WarningPageOut(BaseModel):
    items: list[WarningOut]
    next_cursor: str | None


class AssignIn(In):
    assignee_id: Str64 = Field(description="An active supervisor's user id")
    note: Note = ""


class NoteIn(In):
    note: Note = ""


class InvestigateIn(In):
    notes: Text


class ReasonIn(In):
    reason: Text


class ReferIn(In):
    authority: Authority
    authority_name: Str200 = Field(description="The receiving authority's name, e.g. 南京市公安局经济犯罪侦查支队")
    number: Str100 = Field(description="The referral's number (移送文号)")
    note: Note = ""


class FeedbackIn(In):
    received_at: AwareDatetime
    outcome: FeedbackOutcome
    text: Text


class CloseIn(In):
    outcome: CloseOutcome
    reason: Text


# ---------------------------------------------------------------------------- credit
class AssessmentOut(Out):
    at: datetime
    kind: str
    grade: Grade
    previous: Grade | None
    reasons: list[dict[str, Any]]
    actor_id: str | None
    note: str

    @classmethod
    def of(cls, a: CreditAssessment) -> AssessmentOut:
        return cls.model_validate(a)


class CreditGradeOut(Out):
    subject_type: SubjectType
    subject_id: str
    grade: Grade = Field(description="The grade in force: the override while it lasts, else the computed one")
    computed_grade: Grade
    computed_at: datetime
    points: int
    good_records: int
    reasons: list[dict[str, Any]]
    rules_sha256: str
    override_grade: Grade | None
    override_reason: str | None
    override_by: str | None
    override_at: datetime | None
    override_until: datetime | None

    @classmethod
    def of(cls, g: CreditGrade) -> CreditGradeOut:
        return cls.model_validate(g)


class CreditDetailOut(CreditGradeOut):
    history: list[AssessmentOut]


class CreditPageOut(BaseModel):
    items: list[CreditGradeOut]
    next_cursor: str | None


class OverrideIn(In):
    grade: GradeIn | None = Field(description="A-D, or null to return to the computed grade")
    reason: Text
    until: AwareDatetime | None = Field(default=None, description="The override lapses then (optional)")


class RecomputeOut(BaseModel):
    day: date
    at: datetime
    subjects: int
    changed: int
    by_grade: dict[str, int]
    rules_sha256: str


class PenaltyIn(In):
    kind: PenaltyKind
    authority: Str200
    decision_number: Str100
    decided_on: date
    details: Text
    ban_until: date | None = Field(default=None, description="The end of a bidding ban (required for bidding_ban)")


class PenaltyOut(Out):
    id: str
    org_id: str
    kind: PenaltyKind
    authority: str
    decision_number: str
    decided_on: date
    details: str
    recorded_at: datetime
    ban_until: date | None
    revoked_at: datetime | None
    revoked_reason: str | None


# ---------------------------------------------------------------------------- spot checks
class SpotCheckIn(In):
    size: Annotated[int, Field(ge=1, le=10000, description="How many tenders to draw")]
    category: Category | None = None
    announced_from: AwareDatetime | None = None
    announced_to: AwareDatetime | None = None
    note: Note = ""


class DrawIn(In):
    contribution: Annotated[
        str | None,
        Field(pattern=r"^([0-9a-f]{2}){16,64}$", description="16-64 random bytes in hex, unknown to the platform"),
    ] = None


class ReviewIn(In):
    outcome: ReviewOutcome
    findings: Text


class ReviewOut(Out):
    tender_id: str
    position: int
    weight: int
    outcome: ReviewOutcome | None
    findings: str | None
    reviewed_by: str | None
    reviewed_at: datetime | None


class SpotCheckOut(BaseModel):
    id: str
    status: SpotCheckStatus
    size: int
    requested_by: str
    requested_at: datetime
    note: str
    request: dict[str, Any]
    candidates: dict[str, Any]
    factors: dict[str, Any] = Field(description="What each candidate's weight is made of")
    seed_sha256: str
    request_sha256: str
    candidates_sha256: str
    seed: str | None = Field(description="Revealed when the sample is drawn")
    contribution: str | None
    drawn_at: datetime | None
    drawn_by: str | None
    sample: list[str]
    completed_at: datetime | None
    reviews: list[ReviewOut]

    @classmethod
    def of(cls, s: SpotCheck) -> SpotCheckOut:
        return cls(
            id=s.id,
            status=s.status,
            size=s.size,
            requested_by=s.requested_by,
            requested_at=s.requested_at,
            note=s.note,
            request=s.request,
            candidates=s.candidates,
            factors=s.factors,
            seed_sha256=s.seed_sha256,
            request_sha256=s.request_sha256,
            candidates_sha256=s.candidates_sha256,
            seed=None if s.status is SpotCheckStatus.COMMITTED else s.seed,
            contribution=s.contribution,
            drawn_at=s.drawn_at,
            drawn_by=s.drawn_by,
            sample=list(s.sample),
            completed_at=s.completed_at,
            reviews=[ReviewOut.model_validate(r) for r in s.reviews],
        )


class SpotCheckPageOut(BaseModel):
    items: list[SpotCheckOut]
    next_cursor: str | None
