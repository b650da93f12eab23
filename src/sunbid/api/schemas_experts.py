"""Request and response bodies of the experts room: pool, draws, committees, venues, ratings."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, Field

from sunbid.api.schemas import In, Out, Str40, Str100, Str200, Str300, Text
from sunbid.experts.model import (
    CommitteeStatus,
    DeclarationKind,
    DrawPurpose,
    DrawStatus,
    ExpertStatus,
    ExtensionStatus,
    MemberKind,
    MemberStatus,
    RaterKind,
    RecordingKind,
    ReplacementReason,
    SanctionKind,
    TitleLevel,
)

Specialty = Annotated[str, Field(pattern=r"^[A-Z]\d{2}(\.\d{2})*$", max_length=40, examples=["A01.02"])]
Region = Annotated[str, Field(pattern=r"^\d{6}$", description="行政区划代码", examples=["320100"])]
CreditCode = Annotated[str, Field(min_length=18, max_length=18, description="统一社会信用代码")]


# ---------------------------------------------------------------------------- the pool
class EmploymentIn(In):
    employer_credit_code: CreditCode
    employer_name: Str200
    started_on: date
    ended_on: date | None = None


class ExpertIn(In):
    name: Str100
    specialties: list[Specialty] = Field(min_length=1, max_length=20)
    title_level: TitleLevel
    title_basis: Annotated[str, Field(max_length=300)] = ""
    practice_since: date
    birth_date: date
    region: Region
    home_pool: Str200
    employments: list[EmploymentIn] = Field([], max_length=50)


class NewExpertIn(ExpertIn):
    user_id: Str40 | None = Field(None, description="The platform user (role expert) it logs in as")


class LinkIn(In):
    user_id: Str40


class EmploymentOut(Out):
    id: str
    employer_credit_code: str
    employer_name: str
    started_on: date
    ended_on: date | None


class DeclarationIn(In):
    kind: DeclarationKind
    details: Text
    org_credit_code: CreditCode | None = None
    org_name: Str200 | None = None
    subject_id: Str40 | None = Field(None, description="The plan or tender earlier work was done on")


class DeclarationOut(Out):
    id: str
    kind: DeclarationKind
    details: str
    declared_at: datetime
    org_credit_code: str | None
    org_name: str | None
    subject_id: str | None
    ended_at: datetime | None


class SanctionIn(In):
    kind: SanctionKind
    authority: Str200
    decision_number: Str100
    decided_on: date
    details: Annotated[str, Field(max_length=20000)] = ""


class SanctionOut(Out):
    id: str
    kind: SanctionKind
    authority: str
    decision_number: str
    decided_on: date
    details: str
    recorded_at: datetime
    cleared_at: datetime | None
    cleared_reason: str | None


class RatingIn(In):
    score: int = Field(ge=0, le=1000, description="0 to the rule table's expert_rating_max_score (100)")
    comment: Annotated[str, Field(max_length=2000)] = ""


class RatingOut(Out):
    id: str
    expert_id: str
    committee_id: str
    tender_id: str
    rater: RaterKind
    score: int
    comment: str
    rated_at: datetime


class DeviationOut(Out):
    id: str
    committee_id: str
    member_id: str
    tender_id: str
    details: dict[str, Any]
    flagged_at: datetime


class ExpertOut(Out):
    id: str
    name: str
    specialties: list[str]
    title_level: TitleLevel
    title_basis: str
    practice_since: date
    birth_date: date
    region: str
    home_pool: str
    user_id: str | None
    status: ExpertStatus
    status_reason: str | None
    created_at: datetime
    credit_grade: str | None = Field(default=None, description="信用等级 A-D in force (GET /credit-grades/expert/{id})")
    employments: list[EmploymentOut]
    declarations: list[DeclarationOut]
    sanctions: list[SanctionOut]
    ratings: list[RatingOut]
    flags: list[DeviationOut]


class ExpertSummaryOut(Out):
    id: str
    name: str
    specialties: list[str]
    title_level: TitleLevel
    home_pool: str
    region: str
    status: ExpertStatus


# ---------------------------------------------------------------------------- draws and committees
class RequirementIn(In):
    specialty: Specialty
    seats: int = Field(ge=1, le=50)
    reserves: int = Field(1, ge=0, le=50)
    remote: bool = Field(False, description="Drawn from other cities' pools (远程异地评标)")


class CommitteeRequestIn(In):
    size: int = Field(ge=1, le=99, description="Members: 5 or more, odd (法 第三十七条)")
    requirements: list[RequirementIn] = Field(min_length=1, max_length=20)
    representatives: list[Str40] = Field([], max_length=20, description="User ids of the tenderer's representatives")
    local_pool: Str200
    remote_pools: list[Str200] = Field([], max_length=20, description="Pools remote lines draw from; empty: any other")
    main_venue_id: Str40
    secondary_venue_ids: list[Str40] = Field([], max_length=20)
    starts_at: AwareDatetime
    evaluation_hours: int = Field(ge=1, le=10000)
    await_contribution: bool = Field(False, description="Draw only after a supervisor posts a random contribution")
    supervising_department_credit_code: CreditCode | None = None


class ContributionIn(In):
    contribution: Annotated[str, Field(pattern=r"^([0-9a-f]{2}){16,64}$", description="16 to 64 random bytes, hex")]


class DrawOut(Out):
    id: str
    tender_id: str
    section_id: str
    purpose: DrawPurpose
    status: DrawStatus
    requirements: list[dict[str, Any]]
    size: int
    local_pool: str
    remote_pools: list[str]
    main_venue_id: str
    secondary_venue_ids: list[str]
    starts_at: datetime
    evaluation_hours: int
    requested_at: datetime
    await_contribution: bool
    seed_sha256: str
    request_sha256: str
    candidates_sha256: str
    candidates_count: int
    contribution: str | None
    committee_id: str | None
    drawn_at: datetime | None
    result_sha256: str | None
    revealed_at: datetime | None
    seed: str | None = Field(None, description="Revealed when the evaluation starts")
    walk: list[dict[str, Any]] | None = Field(None, description="Who was walked and why: supervisors and auditors")


class MemberOut(BaseModel):
    id: str
    seat: int
    kind: MemberKind
    status: MemberStatus
    checked_in: bool
    user_id: str | None = None
    expert_id: str | None = None
    name: str | None = None
    specialty: str | None = None
    home_pool: str | None = None
    remote: bool | None = None
    line: int | None = None
    reserve_rank: int | None = None
    joined_at: datetime | None = None
    checked_in_at: datetime | None = None
    venue_id: str | None = None
    replaced_at: datetime | None = None
    replaced_reason: str | None = None
    replaced_by: str | None = None


class SittingOut(Out):
    venue_id: str
    main: bool
    starts_at: datetime
    ends_at: datetime
    seats: int


class CommitteeOut(BaseModel):
    id: str
    tender_id: str
    section_id: str
    status: CommitteeStatus
    size: int
    created_at: datetime
    started_at: datetime | None
    evaluation_due: datetime | None
    dissolved_at: datetime | None
    revealed: bool = Field(description="Whether the members' identities are shown to the caller")
    sittings: list[SittingOut]
    members: list[MemberOut]


class SeatOut(BaseModel):
    committee_id: str
    member_id: str
    seat: int
    status: MemberStatus
    tender_id: str
    tender_code: str
    tender_title: str
    section_id: str
    section_name: str
    committee_status: CommitteeStatus
    sittings: list[SittingOut]
    venues: list[VenueOut]


class CheckInIn(In):
    venue_id: Str40


class CheckInOut(Out):
    id: str
    committee_id: str
    member_id: str
    venue_id: str
    at: datetime
    address: str | None


class ExtensionIn(In):
    hours: int = Field(ge=1, le=10000)
    reason: Text


class ExtensionOut(BaseModel):
    id: str
    hours: int
    status: ExtensionStatus
    requested_at: datetime
    evaluation_due: datetime | None


class ReplaceIn(In):
    reason: ReplacementReason
    details: Text
    representative_user_id: Str40 | None = Field(None, description="For a representative: who takes the seat")


class ReplacementOut(BaseModel):
    replaced_member_id: str
    successor_member_id: str | None
    draw: DrawOut | None


class VerificationOut(BaseModel):
    ok: bool
    problems: list[str]
    draws: int
    members: list[str]


# ---------------------------------------------------------------------------- venues
class VenueIn(In):
    name: Str200
    address: Str300
    region: Region
    capacity: int = Field(ge=1, le=10000)


class VenueOut(Out):
    id: str
    name: str
    address: str
    region: str
    capacity: int
    active: bool


class RecordingOut(Out):
    id: str
    venue_id: str
    committee_id: str | None
    kind: RecordingKind
    filename: str
    media_type: str
    sha256: str
    size: int
    recorded_from: datetime
    recorded_to: datetime
    uploaded_at: datetime


SeatOut.model_rebuild()
