"""Request and response bodies of the evaluation, award, complaint and registry endpoints."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, Field

from sunbid.api.schemas import In, MoneyIn, MoneyOut, Out, Str64, Str100, Str200, Str300, Text
from sunbid.evaluation.model import (
    ExplanationStatus,
    MotionKind,
    MotionStatus,
    NoticeKind,
    ObjectionStatus,
    PerformanceKind,
)
from sunbid.supervision.model import ComplaintChannel, ComplaintMatter, ComplaintStatus

Points = Annotated[
    Decimal,
    Field(ge=0, max_digits=9, decimal_places=2, description="Points, at most two decimals", examples=["18.50"]),
]
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of a file in the blob store")]


class SchemeOut(BaseModel):
    scheme: dict[str, Any] | None


class StartIn(In):
    section_id: Str64


class ScoreIn(In):
    bid: Annotated[
        str,
        Field(min_length=1, max_length=64, description="The bid id, or its code while the technical part is anonymous"),
    ]
    factor_id: Str64
    points: Points
    comment: Annotated[str, Field(max_length=2000)] = ""


class ScoreOut(Out):
    id: str
    factor_id: str
    points: MoneyOut
    comment: str
    scored_at: datetime
    revision: int


class MotionIn(In):
    kind: MotionKind
    reason: Text
    bid: Annotated[str | None, Field(max_length=64)] = None
    ground: Annotated[str | None, Field(max_length=64)] = None
    payload: dict[str, Any] = Field(default_factory=dict)


class VoteIn(In):
    agree: bool
    reason: Annotated[str, Field(max_length=2000)] = ""


class VoteOut(Out):
    member_id: str
    agree: bool
    reason: str
    voted_at: datetime


class MotionOut(Out):
    id: str
    kind: MotionKind
    bid_id: str | None
    ground: str | None
    reason: str
    proposed_by: str
    proposed_at: datetime
    status: MotionStatus
    decided_at: datetime | None
    votes: list[VoteOut]


class ExplanationRequestIn(In):
    bid: Annotated[str, Field(min_length=1, max_length=64)]
    question: Text


class ExplanationAnswerIn(In):
    answer: Text
    evidence_sha256: Sha256 | None = None


class ExplanationOut(Out):
    id: str
    bid_id: str
    question: str
    triggers: list[dict[str, Any]]
    requested_at: datetime
    due_at: datetime
    status: ExplanationStatus
    answer: str | None
    evidence_sha256: str | None
    answered_at: datetime | None


class ReportSignatureIn(In):
    signature: dict[str, Any] | None = Field(
        default=None, description="Detached JSON signature (docs/crypto.md) over the signing statement"
    )
    dissent: Annotated[str | None, Field(max_length=20000)] = None
    refuse: bool = Field(
        default=False, description="Refuse to sign (条例 第五十三条); with no dissent it counts as agreement"
    )


class ReportOut(Out):
    id: str
    version: int
    digest: str
    created_at: datetime
    completed_at: datetime | None
    body: dict[str, Any]


class SigningStatementOut(BaseModel):
    statement: dict[str, Any]


class CorrectionIn(In):
    reason: Text


class PublicityIn(In):
    end: AwareDatetime = Field(description="The end of the candidate publicity: at least 3 days away (条例 第五十四条)")


class PublicityObjectionIn(In):
    text: Text


class PublicityAnswerIn(In):
    answer: Text


class PublicityObjectionOut(Out):
    id: str
    objector_org_id: str
    text: str
    raised_at: datetime
    answer_due: datetime
    status: ObjectionStatus
    answer: str | None
    answered_at: datetime | None


class ExceptionIn(In):
    code: Str64
    evidence: Text


class ParticipantIn(In):
    name: Str100
    role: Annotated[str, Field(max_length=100)] = ""


class DecisionVoteIn(In):
    participant: Str100
    bid_id: Str64
    reason: Text


class DecisionIn(In):
    winner_bid_id: Str64
    reasons: Text
    exceptions: dict[str, ExceptionIn] = Field(
        default_factory=dict, description="bid id -> the 条例 §55 exception that passes over it"
    )
    participants: list[ParticipantIn] = Field(default_factory=list)
    votes: list[DecisionVoteIn] = Field(default_factory=list)
    criteria_reasons: dict[str, str] = Field(default_factory=dict)


class FailIn(In):
    reason: Text


class NoticeOut(Out):
    id: str
    bid_id: str
    bidder_org_id: str
    kind: NoticeKind
    body: dict[str, Any]
    signature: dict[str, Any]
    issued_at: datetime


class ContractIn(In):
    price: MoneyIn
    duration_days: Annotated[int, Field(ge=1, le=36500)]
    quality: Str200
    subject: Str300
    signed_on: AwareDatetime
    performance_security: MoneyIn | None = None
    document_sha256: Sha256 | None = None


class PerformanceIn(In):
    kind: PerformanceKind
    description: Text
    occurred_on: AwareDatetime
    amount: MoneyIn | None = None
    document_sha256: Sha256 | None = None


class PerformanceOut(Out):
    id: str
    kind: PerformanceKind
    description: str
    occurred_on: datetime
    amount: MoneyOut | None
    recorded_at: datetime
    document_sha256: str | None


# ---------------------------------------------------------------------------- complaints
class ComplaintIn(In):
    tender_id: Str64
    section_id: Annotated[str | None, Field(max_length=64)] = None
    matter: ComplaintMatter
    text: Text
    known_at: AwareDatetime = Field(description="When the complainant knew or should have known (条例 第六十条)")
    objection_id: Annotated[str | None, Field(max_length=64)] = None
    evidence_sha256: Sha256 | None = None


class EnteredComplaintIn(ComplaintIn):
    complainant_org_id: Str64
    channel: ComplaintChannel


class AcceptIn(In):
    suspend: bool = Field(default=False, description="Order the section's proceedings suspended (条例 第六十二条)")


class RefuseIn(In):
    reason: Text


class ComplaintDecisionIn(In):
    upheld: bool
    decision: Text


class ComplaintOut(Out):
    id: str
    tender_id: str
    section_id: str | None
    complainant_org_id: str
    channel: ComplaintChannel
    matter: ComplaintMatter
    text: str
    known_at: datetime
    received_at: datetime
    accept_due: datetime
    objection_id: str | None
    evidence_sha256: str | None
    status: ComplaintStatus
    accepted_at: datetime | None
    decide_due: datetime | None
    suspension_ordered: bool
    refused_reason: str | None
    decided_at: datetime | None
    decision: str | None
    repeated_unfounded: bool


# ---------------------------------------------------------------------------- the registry (M22)
class QualificationIn(In):
    kind: Str100
    grade: Annotated[str, Field(min_length=1, max_length=32)]
    certificate_no: Str64
    issuer: Str200
    valid_until: AwareDatetime


class QualificationOut(Out):
    id: str
    org_id: str
    kind: str
    grade: str
    certificate_no: str
    issuer: str
    valid_until: datetime


class PerformanceRecordIn(In):
    project_name: Str300
    category: Annotated[str, Field(pattern="^(works|goods|services)$")]
    sector: Str100
    amount: MoneyIn
    completed_at: AwareDatetime


class PerformanceRecordOut(Out):
    id: str
    org_id: str
    project_name: str
    category: str
    sector: str
    amount: MoneyOut
    completed_at: datetime
    source: str
    evaluation_id: str | None
