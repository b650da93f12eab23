"""Request and response bodies. Requests refuse unknown fields; money travels as strings."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, WithJsonSchema
from pydantic_core import PydanticCustomError

from sunbid.identity.model import RelationKind
from sunbid.kernel.context import Role
from sunbid.kernel.errors import DomainError
from sunbid.kernel.money import yuan
from sunbid.tendering.bid_model import BidStatus, DepositKind, DepositStatus, OpenedBy, SubmissionStatus
from sunbid.tendering.model import (
    Category,
    DocumentKind,
    Method,
    ObjectionStatus,
    PlanStatus,
    TenderStatus,
)

MONEY_PATTERN = r"^-?\d{1,16}(\.\d+)?$"


def _money(value: object) -> Decimal:
    """Money arrives as a JSON string of yuan ("1250000.00"): never a float, never more than fen."""
    if not isinstance(value, str) or not re.fullmatch(MONEY_PATTERN, value):
        raise PydanticCustomError("money_invalid", 'Money is a string of yuan such as "1250000.00"')
    try:
        return yuan(value)
    except DomainError as exc:
        raise PydanticCustomError(exc.code, "{message}", {"message": exc.message_en}) from None


MoneyIn = Annotated[
    Decimal,
    BeforeValidator(_money),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": MONEY_PATTERN,
            "examples": ["1250000.00"],
            "description": "Yuan with at most two decimals (fen), as a string",
        }
    ),
]
MoneyOut = Annotated[Decimal, PlainSerializer(str, return_type=str)]
Text = Annotated[str, Field(min_length=1, max_length=20000)]


Str40 = Annotated[str, Field(min_length=1, max_length=40)]
Str64 = Annotated[str, Field(min_length=1, max_length=64)]
Str100 = Annotated[str, Field(min_length=1, max_length=100)]
Str200 = Annotated[str, Field(min_length=1, max_length=200)]
Str300 = Annotated[str, Field(min_length=1, max_length=300)]


class In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


T = TypeVar("T")


class PageOut(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(description="Pass as ?cursor= to get the next page; null on the last page")


class Problem(BaseModel):
    type: str
    title: str
    status: int
    code: str = Field(description="Stable machine-readable error code")
    detail: str
    message_zh: str
    message_en: str
    details: dict[str, Any] | None = None
    errors: list[dict[str, Any]] | None = None


# ---------------------------------------------------------------------------- identity
class LoginIn(In):
    username: Str64
    password: Annotated[str, Field(min_length=1, max_length=200)]


class LoginOut(BaseModel):
    token: str
    expires_at: datetime
    user_id: str
    role: Role
    org_id: str | None


class OrganisationIn(In):
    name: Str200
    credit_code: Annotated[str, Field(min_length=18, max_length=18, description="统一社会信用代码 (GB 32100-2015)")]
    address: Str300
    legal_representative: Annotated[str, Field(max_length=100)] = ""


class OrganisationOut(Out):
    id: str
    name: str
    credit_code: str
    address: str
    legal_representative: str
    created_at: datetime
    credit_grade: str | None = None


class CreditGradeIn(In):
    grade: Annotated[str, Field(pattern=r"^[ABCD]$")] | None = Field(description="A-D, or null to clear it")
    reason: Text


class RelationIn(In):
    child_org_id: Str40
    kind: RelationKind
    source: Str300


class RelationOut(Out):
    id: str
    parent_org_id: str
    child_org_id: str
    kind: RelationKind
    source: str
    recorded_at: datetime


class UserIn(In):
    username: Annotated[str, Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]
    display_name: Str100
    password: Annotated[str, Field(min_length=1, max_length=200)]
    role: Role
    org_id: str | None = None


class UserOut(Out):
    id: str
    username: str
    display_name: str
    role: Role
    org_id: str | None
    active: bool
    created_at: datetime


class RegistrationIn(In):
    organisation: OrganisationIn
    username: Annotated[str, Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]
    display_name: Str100
    password: Annotated[str, Field(min_length=1, max_length=200)]
    role: Role


class RegistrationOut(BaseModel):
    organisation: OrganisationOut
    user: UserOut


class TokenIn(In):
    name: Str100
    lifetime_days: Annotated[int, Field(ge=1, le=3650)] | None = None


class TokenOut(Out):
    id: str
    name: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


class NewTokenOut(TokenOut):
    token: str = Field(description="Shown once; store it safely")


# ---------------------------------------------------------------------------- plans
class PlanIn(In):
    project_name: Str200
    approval_document: Str200
    approval_number: Str100
    scope: Text
    estimated_price: MoneyIn
    fund_source: Str200
    planned_announcement_date: date


class AmendmentIn(PlanIn):
    reason: Text


class ReasonIn(In):
    reason: Text


class AmendmentOut(Out):
    number: int
    reason: str
    changes: dict[str, Any]
    amended_at: datetime


class PlanOut(Out):
    id: str
    tenderer_org_id: str
    project_name: str
    approval_document: str
    approval_number: str
    scope: str
    estimated_price: MoneyOut
    fund_source: str
    planned_announcement_date: date
    status: PlanStatus
    created_at: datetime
    published_at: datetime | None
    withdrawn_at: datetime | None
    withdraw_reason: str | None
    amendments: list[AmendmentOut]


# ---------------------------------------------------------------------------- tenders
class SectionIn(In):
    name: Str200
    scope: Text
    estimated_price: MoneyIn
    max_bid_price: MoneyIn
    bid_deposit: MoneyIn


class TenderIn(In):
    title: Str200
    category: Category
    sector: Str100
    method: Method
    content: Text
    scale: Text
    fund_source: Str200
    qualification_requirements: Text
    consortium_accepted: bool
    doc_issue_start: AwareDatetime
    doc_sale_end: AwareDatetime
    bid_deadline: AwareDatetime
    opening_place: Str300
    submission_method: Str300
    tenderer_contact: Str300
    supervising_department: Str200
    supervising_contact: Str300
    objection_channel: Str300
    platform_url: Str300
    credit_commitment: Text
    bid_validity_days: Annotated[int, Field(ge=1, le=730)]
    sections: Annotated[list[SectionIn], Field(min_length=1, max_length=200)]
    agency_org_id: str | None = None
    agency_contact: Annotated[str, Field(max_length=300)] = ""
    invitee_org_ids: Annotated[list[str], Field(max_length=500)] = []


class NewTenderIn(TenderIn):
    plan_id: Str40


class AnnounceIn(In):
    signature: dict[str, Any] | None = Field(
        default=None,
        description="Detached JSON signature (docs/crypto.md) of GET /tenders/{id}/announcement's document",
    )


class AnnouncementOut(BaseModel):
    document: dict[str, Any]
    sha256: str
    signature: dict[str, Any] | None
    signer: str | None


class SectionOut(Out):
    id: str
    number: int
    code: str
    name: str
    scope: str
    estimated_price: MoneyOut
    max_bid_price: MoneyOut
    bid_deposit: MoneyOut
    bids_at_deadline: int | None = Field(None, description="Bids standing at the deadline; null before it")
    failed: bool = Field(False, description="Fewer than 3 bids: not opened, to be tendered again (法 第二十八条)")


class DocumentOut(Out):
    id: str
    kind: DocumentKind
    title: str
    filename: str
    media_type: str
    sha256: str
    size: int
    version: int
    uploaded_at: datetime
    published_at: datetime | None


class ClarificationIn(In):
    text: Text
    affects_bid_preparation: bool = True
    new_bid_deadline: AwareDatetime | None = None
    document_ids: Annotated[list[str], Field(max_length=50)] = []


class ClarificationOut(Out):
    id: str
    number: int
    text: str
    affects_bid_preparation: bool
    issued_at: datetime
    old_bid_deadline: datetime
    new_bid_deadline: datetime | None
    document_ids: list[str]


class ObjectionIn(In):
    text: Text


class AnswerIn(In):
    answer: Text
    new_bid_deadline: AwareDatetime | None = None


class ObjectionOut(Out):
    id: str
    objector_org_id: str
    text: str
    raised_at: datetime
    answer_due: datetime
    status: ObjectionStatus
    answer: str | None
    answered_at: datetime | None


class TenderSummaryOut(Out):
    id: str
    code: str
    title: str
    category: Category
    method: Method
    status: TenderStatus
    tenderer_org_id: str
    bid_deadline: datetime
    announced_at: datetime | None


class TenderOut(Out):
    id: str
    code: str
    plan_id: str
    tenderer_org_id: str
    agency_org_id: str | None
    title: str
    category: Category
    sector: str
    method: Method
    content: str
    scale: str
    fund_source: str
    qualification_requirements: str
    consortium_accepted: bool
    doc_issue_start: datetime
    doc_sale_end: datetime
    bid_deadline: datetime
    opening_place: str
    submission_method: str
    tenderer_contact: str
    agency_contact: str
    supervising_department: str
    supervising_contact: str
    objection_channel: str
    platform_url: str
    credit_commitment: str
    bid_validity_days: int
    invitee_org_ids: list[str]
    status: TenderStatus
    created_at: datetime
    announced_at: datetime | None
    closed_at: datetime | None
    ended_at: datetime | None
    end_reason: str | None
    announcement_signer: str | None = None
    retender_of: str | None = None
    estimated_price: MoneyOut
    max_bid_price: MoneyOut
    sections: list[SectionOut]
    clarifications: list[ClarificationOut]
    documents: list[DocumentOut] = []


# ---------------------------------------------------------------------------- sealed bids
Base64 = Annotated[str, Field(min_length=1, max_length=1 << 16, pattern=r"^[A-Za-z0-9+/]*={0,2}$")]


class CustodianIn(In):
    user_id: Str40
    certificates: dict[str, Base64] = Field(
        description="Suite (gm, intl) to the base64 DER of the custodian's encryption certificate"
    )


class SealingIn(In):
    suites: list[Annotated[str, Field(pattern=r"^(gm|intl)$")]] = Field(["gm"], min_length=1, max_length=2)
    decrypt_window_minutes: int = Field(60, description="Bidders decrypt within this time after the deadline")
    custodian_window_minutes: int = Field(60, description="Custodians open the bids left, within this time after")
    threshold: int | None = Field(None, description="k: shares needed to open a bid (k of the custodians)")
    custodians: list[CustodianIn] = Field([], max_length=15)


class CustodianOut(BaseModel):
    index: int
    user_id: str
    name: str
    certificates: dict[str, str]
    fingerprints: dict[str, str]


class SealingOut(BaseModel):
    suites: list[str]
    chunk_size: int
    decrypt_window_minutes: int
    custodian_window_minutes: int
    threshold: int | None
    custodians: list[CustodianOut]


class SubmissionOut(Out):
    id: str
    number: int
    status: SubmissionStatus
    envelope_id: str
    suite: str
    size: int
    blob_sha256: str
    header_digest: str
    ciphertext_digest: str
    received_at: datetime
    ledger_seq: int | None
    header: str | None = Field(None, description="The envelope header (its bidder sees it: it holds the wrapped key)")


class BidOut(Out):
    id: str
    tender_id: str
    section_id: str
    bidder_org_id: str
    status: BidStatus
    consortium: list[dict[str, Any]]
    created_at: datetime
    withdrawn_at: datetime | None
    opened_by: OpenedBy | None
    opened_at: datetime | None
    failure: str | None
    form: dict[str, Any] | None
    invalid_grounds: list[dict[str, Any]]
    submissions: list[SubmissionOut]


class ReceiptOut(BaseModel):
    bid: BidOut
    receipt: dict[str, Any] = Field(
        description="The signed receipt (回执): the statement, its ledger position, signature"
    )


class ContentKeyIn(In):
    content_key: Base64 = Field(description="The bid's content key, base64, as the bidder's tool unwrapped it")


class ShareIn(In):
    share: Base64 = Field(description="This custodian's share of the bid's content key, base64")


class CustodianTaskOut(BaseModel):
    bid_id: str
    section_id: str
    index: int
    header: str


class OpeningObjectionIn(In):
    text: Text


class OpeningObjectionOut(Out):
    id: str
    tender_id: str
    objector_org_id: str
    text: str
    raised_at: datetime
    answer: str | None
    answered_at: datetime | None


class OpeningOut(BaseModel):
    tender_id: str
    status: TenderStatus
    phase: str | None
    opened_at: datetime | None
    decrypt_until: datetime | None
    custodian_until: datetime | None
    results_at: datetime | None
    concluded_at: datetime | None
    sections: list[dict[str, Any]]
    bids: list[dict[str, Any]]
    objections: list[dict[str, Any]]
    record: dict[str, Any] | None
    record_signature: dict[str, Any] | None


class TransferIn(In):
    bidder_credit_code: Annotated[str, Field(min_length=18, max_length=18)]
    amount: MoneyIn
    payer_account_name: Str200
    payer_account_number: Str64
    payer_bank: Str200
    reference: Str100
    paid_at: AwareDatetime


class GuaranteeIn(In):
    document: dict[str, Any] = Field(description="The guarantee (format sunbid-guarantee/1), as the issuer signed it")
    signature: dict[str, Any] = Field(description="The issuer's detached signature (sunbid-signature/1)")


class RefundIn(In):
    reference: Str100


class DepositOut(Out):
    id: str
    tender_id: str
    section_id: str
    bidder_org_id: str
    kind: DepositKind
    amount: MoneyOut
    status: DepositStatus
    recorded_at: datetime
    payer_account_name: str | None
    payer_bank: str | None
    reference: str | None
    issuer_name: str | None
    valid_until: datetime | None
    refund_due_at: datetime | None
    refund_reason: str | None
    refunded_at: datetime | None
    retained_reason: str | None


class PlatformCertificateOut(BaseModel):
    certificate: str = Field(description="PEM of the certificate that signs receipts and opening records")
    root: str = Field(description="PEM of the root to trust for it")


# ---------------------------------------------------------------------------- feed, rules, clock
class EventOut(BaseModel):
    seq: int
    name: str
    subject_type: str
    subject_id: str
    occurred_at: datetime
    public: bool
    data: dict[str, Any]


class EventPageOut(BaseModel):
    items: list[EventOut]
    next_cursor: int | None = Field(description="The last sequence number returned; pass as ?after=")


class RuleOut(BaseModel):
    key: str
    value: str
    unit: str
    title_zh: str
    title_en: str
    citation: str
    certainty: str


class RulesOut(BaseModel):
    jurisdiction: str
    rules: list[RuleOut]


class ClockAdvanceIn(In):
    days: Annotated[int, Field(ge=0, le=3650)] = 0
    hours: Annotated[int, Field(ge=0, le=24 * 3650)] = 0


class ClockOut(BaseModel):
    now: datetime
    kind: str


class SchedulerOut(BaseModel):
    applied: list[list[str]]
