"""The database schema. Alembic migrations are generated from this metadata."""

from __future__ import annotations

import sqlalchemy as sa

from sunbid.evaluation.model import (
    EvaluationStatus,
    ExplanationStatus,
    MotionKind,
    MotionStatus,
    NoticeKind,
    PerformanceKind,
)
from sunbid.evaluation.model import ObjectionStatus as EvaluationObjectionStatus
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
    SanctionKind,
    TitleLevel,
)
from sunbid.identity.model import RelationKind
from sunbid.kernel.context import Role
from sunbid.storage.types import Money, Points, UTCDateTime
from sunbid.supervision.credit_model import Grade, PenaltyKind, SubjectType
from sunbid.supervision.model import ComplaintChannel, ComplaintMatter, ComplaintStatus
from sunbid.supervision.spot_model import ReviewOutcome, SpotCheckStatus
from sunbid.supervision.warning_model import (
    Authority,
    CloseOutcome,
    FeedbackOutcome,
    ScanEvent,
    ScanStatus,
    WarningSeverity,
    WarningStatus,
)
from sunbid.tendering.bid_model import BidStatus, DepositKind, DepositStatus, OpenedBy, SubmissionStatus
from sunbid.tendering.model import (
    Category,
    DocumentKind,
    Method,
    ObjectionStatus,
    PlanStatus,
    TenderStatus,
)

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

ID = sa.String(40)


def _enum(enum: type) -> sa.Enum:
    return sa.Enum(
        enum, native_enum=False, length=32, values_callable=lambda e: [m.value for m in e], validate_strings=True
    )


organisations = sa.Table(
    "organisations",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("credit_code", sa.String(18), nullable=False, unique=True),
    sa.Column("address", sa.String(300), nullable=False),
    sa.Column("legal_representative", sa.String(100), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("credit_grade", sa.String(2), nullable=True),
)

organisation_relations = sa.Table(
    "organisation_relations",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("parent_org_id", ID, sa.ForeignKey("organisations.id"), nullable=False, index=True),
    sa.Column("child_org_id", ID, sa.ForeignKey("organisations.id"), nullable=False, index=True),
    sa.Column("kind", _enum(RelationKind), nullable=False),
    sa.Column("source", sa.String(300), nullable=False),
    sa.Column("recorded_at", UTCDateTime, nullable=False),
    sa.Column("recorded_by", ID, nullable=True),
)

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("display_name", sa.String(100), nullable=False),
    sa.Column("password_hash", sa.String(200), nullable=False),
    sa.Column("role", _enum(Role), nullable=False),
    sa.Column("org_id", ID, sa.ForeignKey("organisations.id"), nullable=True, index=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
)

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("user_id", ID, sa.ForeignKey("users.id"), nullable=False, index=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("address", sa.String(64), nullable=True),
    sa.Column("revoked_at", UTCDateTime, nullable=True),
)

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("user_id", ID, sa.ForeignKey("users.id"), nullable=False, index=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=True),
    sa.Column("revoked_at", UTCDateTime, nullable=True),
)

tender_plans = sa.Table(
    "tender_plans",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("tenderer_org_id", ID, sa.ForeignKey("organisations.id"), nullable=False, index=True),
    sa.Column("project_name", sa.String(200), nullable=False),
    sa.Column("approval_document", sa.String(200), nullable=False),
    sa.Column("approval_number", sa.String(100), nullable=False),
    sa.Column("scope", sa.Text, nullable=False),
    sa.Column("estimated_price", Money, nullable=False),
    sa.Column("fund_source", sa.String(200), nullable=False),
    sa.Column("planned_announcement_date", sa.Date, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("status", _enum(PlanStatus), nullable=False, index=True),
    sa.Column("published_at", UTCDateTime, nullable=True),
    sa.Column("withdrawn_at", UTCDateTime, nullable=True),
    sa.Column("withdraw_reason", sa.Text, nullable=True),
)

plan_amendments = sa.Table(
    "plan_amendments",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("plan_id", ID, sa.ForeignKey("tender_plans.id"), nullable=False, index=True),
    sa.Column("number", sa.Integer, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("changes", sa.JSON, nullable=False),
    sa.Column("amended_at", UTCDateTime, nullable=False),
    sa.Column("actor_id", ID, nullable=True),
    sa.UniqueConstraint("plan_id", "number", name="uq_plan_amendments_plan_number"),
)

tenders = sa.Table(
    "tenders",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("code", sa.String(40), nullable=False, unique=True),
    sa.Column("plan_id", ID, sa.ForeignKey("tender_plans.id"), nullable=False, index=True),
    sa.Column("tenderer_org_id", ID, sa.ForeignKey("organisations.id"), nullable=False, index=True),
    sa.Column("agency_org_id", ID, sa.ForeignKey("organisations.id"), nullable=True, index=True),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("category", _enum(Category), nullable=False),
    sa.Column("sector", sa.String(100), nullable=False),
    sa.Column("method", _enum(Method), nullable=False),
    sa.Column("content", sa.Text, nullable=False),
    sa.Column("scale", sa.Text, nullable=False),
    sa.Column("fund_source", sa.String(200), nullable=False),
    sa.Column("qualification_requirements", sa.Text, nullable=False),
    sa.Column("consortium_accepted", sa.Boolean, nullable=False),
    sa.Column("doc_issue_start", UTCDateTime, nullable=False),
    sa.Column("doc_sale_end", UTCDateTime, nullable=False),
    sa.Column("bid_deadline", UTCDateTime, nullable=False, index=True),
    sa.Column("opening_place", sa.String(300), nullable=False),
    sa.Column("submission_method", sa.String(300), nullable=False),
    sa.Column("tenderer_contact", sa.String(300), nullable=False),
    sa.Column("agency_contact", sa.String(300), nullable=False),
    sa.Column("supervising_department", sa.String(200), nullable=False),
    sa.Column("supervising_contact", sa.String(300), nullable=False),
    sa.Column("objection_channel", sa.String(300), nullable=False),
    sa.Column("platform_url", sa.String(300), nullable=False),
    sa.Column("credit_commitment", sa.Text, nullable=False),
    sa.Column("bid_validity_days", sa.Integer, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("invitee_org_ids", sa.JSON, nullable=False),
    sa.Column("status", _enum(TenderStatus), nullable=False, index=True),
    sa.Column("announced_at", UTCDateTime, nullable=True),
    sa.Column("closed_at", UTCDateTime, nullable=True),
    sa.Column("ended_at", UTCDateTime, nullable=True),
    sa.Column("end_reason", sa.Text, nullable=True),
    sa.Column("announcement_signature", sa.JSON, nullable=True),
    sa.Column("announcement_signer", sa.String(500), nullable=True),
    sa.Column("sealing", sa.JSON, nullable=True),
    sa.Column("opening_started_at", UTCDateTime, nullable=True),
    sa.Column("decrypt_until", UTCDateTime, nullable=True),
    sa.Column("decryption_ended_at", UTCDateTime, nullable=True),
    sa.Column("custodian_until", UTCDateTime, nullable=True),
    sa.Column("custodians_ended_at", UTCDateTime, nullable=True),
    sa.Column("results_at", UTCDateTime, nullable=True),
    sa.Column("concluded_at", UTCDateTime, nullable=True),
    sa.Column("opening_record", sa.JSON, nullable=True),
    sa.Column("opening_record_signature", sa.JSON, nullable=True),
    sa.Column("retender_of", ID, nullable=True),
    sa.Column("evaluation_scheme", sa.JSON, nullable=True),
)

sections = sa.Table(
    "sections",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("tender_id", ID, sa.ForeignKey("tenders.id"), nullable=False, index=True),
    sa.Column("number", sa.Integer, nullable=False),
    sa.Column("code", sa.String(48), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("scope", sa.Text, nullable=False),
    sa.Column("estimated_price", Money, nullable=False),
    sa.Column("max_bid_price", Money, nullable=False),
    sa.Column("bid_deposit", Money, nullable=False),
    sa.Column("bids_at_deadline", sa.Integer, nullable=True),
    sa.Column("failed", sa.Boolean, nullable=False, server_default=sa.false()),
)

tender_documents = sa.Table(
    "tender_documents",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("tender_id", ID, sa.ForeignKey("tenders.id"), nullable=False, index=True),
    sa.Column("kind", _enum(DocumentKind), nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("filename", sa.String(255), nullable=False),
    sa.Column("media_type", sa.String(100), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("uploaded_at", UTCDateTime, nullable=False),
    sa.Column("uploaded_by", ID, nullable=True),
    sa.Column("published_at", UTCDateTime, nullable=True),
    sa.UniqueConstraint("tender_id", "version", name="uq_tender_documents_tender_version"),
)

clarifications = sa.Table(
    "clarifications",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("tender_id", ID, sa.ForeignKey("tenders.id"), nullable=False, index=True),
    sa.Column("number", sa.Integer, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("affects_bid_preparation", sa.Boolean, nullable=False),
    sa.Column("issued_at", UTCDateTime, nullable=False),
    sa.Column("old_bid_deadline", UTCDateTime, nullable=False),
    sa.Column("new_bid_deadline", UTCDateTime, nullable=True),
    sa.Column("document_ids", sa.JSON, nullable=False),
    sa.UniqueConstraint("tender_id", "number", name="uq_clarifications_tender_number"),
)

objections = sa.Table(
    "objections",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("tender_id", ID, sa.ForeignKey("tenders.id"), nullable=False, index=True),
    sa.Column("objector_org_id", ID, sa.ForeignKey("organisations.id"), nullable=False),
    sa.Column("objector_user_id", ID, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("raised_at", UTCDateTime, nullable=False),
    sa.Column("answer_due", UTCDateTime, nullable=False),
    sa.Column("status", _enum(ObjectionStatus), nullable=False),
    sa.Column("answer", sa.Text, nullable=True),
    sa.Column("answered_at", UTCDateTime, nullable=True),
    sa.Column("overdue_flagged_at", UTCDateTime, nullable=True),
)

# ---------------------------------------------------------------------------- bids, deposits, the opening
bids = sa.Table(
    "bids",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("tender_id", ID, sa.ForeignKey("tenders.id"), nullable=False, index=True),
    sa.Column("section_id", ID, sa.ForeignKey("sections.id"), nullable=False),
    sa.Column("bidder_org_id", ID, sa.ForeignKey("organisations.id"), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("status", _enum(BidStatus), nullable=False),
    sa.Column("consortium", sa.JSON, nullable=False),
    sa.Column("withdrawn_at", UTCDateTime, nullable=True),
    sa.Column("content_key", sa.String(128), nullable=True),
    sa.Column("opened_by", _enum(OpenedBy), nullable=True),
    sa.Column("opened_at", UTCDateTime, nullable=True),
    sa.Column("decryption_attempts", sa.Integer, nullable=False),
    sa.Column("form", sa.JSON, nullable=True),
    sa.Column("files", sa.JSON, nullable=True),
    sa.Column("failure", sa.String(100), nullable=True),
    sa.Column("invalid_grounds", sa.JSON, nullable=False),
    sa.UniqueConstraint("section_id", "bidder_org_id", name="uq_bids_section_bidder"),
)

bid_submissions = sa.Table(
    "bid_submissions",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("bid_id", ID, sa.ForeignKey("bids.id"), nullable=False, index=True),
    sa.Column("number", sa.Integer, nullable=False),
    sa.Column("envelope_id", sa.String(32), nullable=False, unique=True),
    sa.Column("blob_sha256", sa.String(64), nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("suite", sa.String(16), nullable=False),
    sa.Column("header", sa.Text, nullable=False),
    sa.Column("header_digest", sa.String(128), nullable=False),
    sa.Column("ciphertext_digest", sa.String(128), nullable=False, unique=True),
    sa.Column("frames", sa.Integer, nullable=False),
    sa.Column("seal_statement", sa.JSON, nullable=False),
    sa.Column("seal_signature", sa.JSON, nullable=False),
    sa.Column("signer_subject", sa.String(500), nullable=False),
    sa.Column("signer_certificate_sha256", sa.String(64), nullable=False),
    sa.Column("encryption_certificate_sha256", sa.String(64), nullable=False),
    sa.Column("client", sa.JSON, nullable=False),
    sa.Column("address", sa.String(64), nullable=True),
    sa.Column("user_id", ID, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("received_at", UTCDateTime, nullable=False),
    sa.Column("salt", sa.String(64), nullable=False),
    sa.Column("status", _enum(SubmissionStatus), nullable=False),
    sa.Column("ledger_seq", sa.BigInteger, nullable=True),
    sa.Column("receipt", sa.JSON, nullable=True),
    sa.UniqueConstraint("bid_id", "number", name="uq_bid_submissions_bid_number"),
)

custodian_shares = sa.Table(
    "custodian_shares",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("bid_id", ID, sa.ForeignKey("bids.id"), nullable=False, index=True),
    sa.Column("index", sa.Integer, nullable=False),
    sa.Column("share", sa.String(256), nullable=False),
    sa.Column("user_id", ID, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("submitted_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("bid_id", "index", name="uq_custodian_shares_bid_index"),
)

deposits = sa.Table(
    "deposits",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("tender_id", ID, sa.ForeignKey("tenders.id"), nullable=False, index=True),
    sa.Column("section_id", ID, sa.ForeignKey("sections.id"), nullable=False),
    sa.Column("bidder_org_id", ID, sa.ForeignKey("organisations.id"), nullable=False, index=True),
    sa.Column("kind", _enum(DepositKind), nullable=False),
    sa.Column("amount", Money, nullable=False),
    sa.Column("recorded_at", UTCDateTime, nullable=False),
    sa.Column("recorded_by", ID, nullable=True),
    sa.Column("status", _enum(DepositStatus), nullable=False, index=True),
    sa.Column("payer_account_name", sa.String(200), nullable=True),
    sa.Column("payer_account_number", sa.String(64), nullable=True),
    sa.Column("payer_bank", sa.String(200), nullable=True),
    sa.Column("reference", sa.String(100), nullable=True),
    sa.Column("paid_at", UTCDateTime, nullable=True),
    sa.Column("issuer_name", sa.String(200), nullable=True),
    sa.Column("issuer_credit_code", sa.String(18), nullable=True),
    sa.Column("valid_until", UTCDateTime, nullable=True),
    sa.Column("guarantee", sa.JSON, nullable=True),
    sa.Column("refund_due_at", UTCDateTime, nullable=True),
    sa.Column("refund_reason", sa.String(64), nullable=True),
    sa.Column("refunded_at", UTCDateTime, nullable=True),
    sa.Column("refund_overdue_flagged_at", UTCDateTime, nullable=True),
    sa.Column("retained_reason", sa.Text, nullable=True),
)

opening_objections = sa.Table(
    "opening_objections",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("tender_id", ID, sa.ForeignKey("tenders.id"), nullable=False, index=True),
    sa.Column("objector_org_id", ID, sa.ForeignKey("organisations.id"), nullable=False),
    sa.Column("objector_user_id", ID, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("raised_at", UTCDateTime, nullable=False),
    sa.Column("answer", sa.Text, nullable=True),
    sa.Column("answered_at", UTCDateTime, nullable=True),
    sa.Column("answered_by", ID, nullable=True),
)

sealed_statements = sa.Table(
    "sealed_statements",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("tender_id", ID, sa.ForeignKey("tenders.id"), nullable=False, index=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("statement", sa.JSON, nullable=False),
    sa.Column("digest", sa.String(128), nullable=False),
    sa.Column("digest_alg", sa.String(16), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

# ---------------------------------------------------------------------------- experts and committees
experts = sa.Table(
    "experts",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("title_level", _enum(TitleLevel), nullable=False),
    sa.Column("title_basis", sa.String(300), nullable=False),
    sa.Column("practice_since", sa.Date, nullable=False),
    sa.Column("birth_date", sa.Date, nullable=False, index=True),
    sa.Column("region", sa.String(6), nullable=False),
    sa.Column("home_pool", sa.String(200), nullable=False, index=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("user_id", ID, sa.ForeignKey("users.id"), nullable=True, unique=True),
    sa.Column("status", _enum(ExpertStatus), nullable=False),
    sa.Column("status_reason", sa.Text, nullable=True),
    sa.Column("status_changed_at", UTCDateTime, nullable=True),
    sa.Column("credit_grade", sa.String(2), nullable=True),
)

#: Specialty codes compare byte by byte on both databases (PostgreSQL's "C" collation), so
#: that a code and the codes below it are one range (``experts.model.specialty_range``).
CODE = sa.String(40).with_variant(sa.String(40, collation="C"), "postgresql")

#: One row per specialty an expert holds, with the expert's pool and drawability copied in: the
#: draw's candidates for a line are one range of the covering index ``ix_expert_specialties_draw``.
expert_specialties = sa.Table(
    "expert_specialties",
    metadata,
    sa.Column("expert_id", ID, sa.ForeignKey("experts.id"), primary_key=True),
    sa.Column("code", CODE, primary_key=True),
    sa.Column("home_pool", sa.String(200), nullable=False),
    sa.Column("drawable", sa.Boolean, nullable=False),
    sa.Index("ix_expert_specialties_draw", "code", "drawable", "home_pool", "expert_id"),
)

expert_employments = sa.Table(
    "expert_employments",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("expert_id", ID, sa.ForeignKey("experts.id"), nullable=False, index=True),
    sa.Column("employer_credit_code", sa.String(18), nullable=False, index=True),
    sa.Column("employer_name", sa.String(200), nullable=False, index=True),
    sa.Column("started_on", sa.Date, nullable=False),
    sa.Column("ended_on", sa.Date, nullable=True),
)

expert_declarations = sa.Table(
    "expert_declarations",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("expert_id", ID, sa.ForeignKey("experts.id"), nullable=False, index=True),
    sa.Column("kind", _enum(DeclarationKind), nullable=False),
    sa.Column("details", sa.Text, nullable=False),
    sa.Column("declared_at", UTCDateTime, nullable=False),
    sa.Column("org_credit_code", sa.String(18), nullable=True, index=True),
    sa.Column("org_name", sa.String(200), nullable=True),
    sa.Column("subject_id", ID, nullable=True, index=True),
    sa.Column("ended_at", UTCDateTime, nullable=True),
)

expert_sanctions = sa.Table(
    "expert_sanctions",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("expert_id", ID, sa.ForeignKey("experts.id"), nullable=False, index=True),
    sa.Column("kind", _enum(SanctionKind), nullable=False),
    sa.Column("authority", sa.String(200), nullable=False),
    sa.Column("decision_number", sa.String(100), nullable=False),
    sa.Column("decided_on", sa.Date, nullable=False),
    sa.Column("details", sa.Text, nullable=False),
    sa.Column("recorded_at", UTCDateTime, nullable=False),
    sa.Column("recorded_by", ID, nullable=True),
    sa.Column("cleared_at", UTCDateTime, nullable=True),
    sa.Column("cleared_reason", sa.Text, nullable=True),
)

venues = sa.Table(
    "venues",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("address", sa.String(300), nullable=False),
    sa.Column("region", sa.String(6), nullable=False),
    sa.Column("capacity", sa.Integer, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
)

#: A draw's seed stays in its row, secret, until the evaluation starts; the ledger holds its digest.
draws = sa.Table(
    "draws",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("tender_id", ID, sa.ForeignKey("tenders.id"), nullable=False, index=True),
    sa.Column("section_id", ID, sa.ForeignKey("sections.id"), nullable=False, index=True),
    sa.Column("purpose", _enum(DrawPurpose), nullable=False),
    sa.Column("requirements", sa.JSON, nullable=False),
    sa.Column("local_pool", sa.String(200), nullable=False),
    sa.Column("remote_pools", sa.JSON, nullable=False),
    sa.Column("representatives", sa.JSON, nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("evaluation_hours", sa.Integer, nullable=False),
    sa.Column("main_venue_id", ID, sa.ForeignKey("venues.id"), nullable=False),
    sa.Column("secondary_venue_ids", sa.JSON, nullable=False),
    sa.Column("starts_at", UTCDateTime, nullable=False),
    sa.Column("requested_at", UTCDateTime, nullable=False),
    sa.Column("requested_by", ID, nullable=True),
    sa.Column("seed", sa.String(64), nullable=False),
    sa.Column("seed_sha256", sa.String(64), nullable=False),
    sa.Column("request_document", sa.JSON, nullable=False),
    sa.Column("request_sha256", sa.String(64), nullable=False),
    sa.Column("candidates_sha256", sa.String(64), nullable=False),
    sa.Column("candidates_count", sa.Integer, nullable=False),
    sa.Column("await_contribution", sa.Boolean, nullable=False),
    sa.Column("status", _enum(DrawStatus), nullable=False),
    sa.Column("committee_id", ID, nullable=True, index=True),
    sa.Column("replaced_member_id", ID, nullable=True),
    sa.Column("contribution", sa.String(128), nullable=True),
    sa.Column("contributed_at", UTCDateTime, nullable=True),
    sa.Column("contributed_by", ID, nullable=True),
    sa.Column("drawn_at", UTCDateTime, nullable=True),
    sa.Column("walk", sa.JSON, nullable=True),
    sa.Column("result_sha256", sa.String(64), nullable=True),
    sa.Column("revealed_at", UTCDateTime, nullable=True),
    sa.Column("cancelled_at", UTCDateTime, nullable=True),
)

committees = sa.Table(
    "committees",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("tender_id", ID, sa.ForeignKey("tenders.id"), nullable=False, index=True),
    sa.Column("section_id", ID, sa.ForeignKey("sections.id"), nullable=False, unique=True),
    sa.Column("status", _enum(CommitteeStatus), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("started_at", UTCDateTime, nullable=True),
    sa.Column("evaluation_due", UTCDateTime, nullable=True),
    sa.Column("dissolved_at", UTCDateTime, nullable=True),
    sa.Column("evaluation_hours", sa.Integer, nullable=False),
    sa.Column("request_id", ID, nullable=True),
)

committee_members = sa.Table(
    "committee_members",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("committee_id", ID, sa.ForeignKey("committees.id"), nullable=False, index=True),
    sa.Column("seat", sa.Integer, nullable=False),
    sa.Column("kind", _enum(MemberKind), nullable=False),
    sa.Column("user_id", ID, sa.ForeignKey("users.id"), nullable=True, index=True),
    sa.Column("expert_id", ID, sa.ForeignKey("experts.id"), nullable=True, index=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("specialty", sa.String(40), nullable=True),
    sa.Column("home_pool", sa.String(200), nullable=True),
    sa.Column("status", _enum(MemberStatus), nullable=False),
    sa.Column("joined_at", UTCDateTime, nullable=False),
    sa.Column("replaced_at", UTCDateTime, nullable=True),
    sa.Column("replaced_reason", sa.String(32), nullable=True),
    sa.Column("checked_in_at", UTCDateTime, nullable=True),
    sa.Column("line", sa.Integer, nullable=True),
    sa.Column("reserve_rank", sa.Integer, nullable=True),
    sa.Column("remote", sa.Boolean, nullable=False),
    sa.Column("venue_id", ID, nullable=True),
    sa.Column("draw_id", ID, nullable=True),
    sa.Column("replaced_by", ID, nullable=True),
    sa.Column("replaced_details", sa.Text, nullable=True),
)

committee_sittings = sa.Table(
    "committee_sittings",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("committee_id", ID, sa.ForeignKey("committees.id"), nullable=False, index=True),
    sa.Column("venue_id", ID, sa.ForeignKey("venues.id"), nullable=False, index=True),
    sa.Column("main", sa.Boolean, nullable=False),
    sa.Column("starts_at", UTCDateTime, nullable=False),
    sa.Column("ends_at", UTCDateTime, nullable=False),
    sa.Column("seats", sa.Integer, nullable=False),
)

committee_check_ins = sa.Table(
    "committee_check_ins",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("committee_id", ID, sa.ForeignKey("committees.id"), nullable=False, index=True),
    sa.Column("member_id", ID, sa.ForeignKey("committee_members.id"), nullable=False),
    sa.Column("venue_id", ID, sa.ForeignKey("venues.id"), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("address", sa.String(64), nullable=True),
)

extension_requests = sa.Table(
    "extension_requests",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("committee_id", ID, sa.ForeignKey("committees.id"), nullable=False, index=True),
    sa.Column("member_id", ID, sa.ForeignKey("committee_members.id"), nullable=False),
    sa.Column("hours", sa.Integer, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("requested_at", UTCDateTime, nullable=False),
    sa.Column("status", _enum(ExtensionStatus), nullable=False),
    sa.Column("granted_at", UTCDateTime, nullable=True),
)

expert_ratings = sa.Table(
    "expert_ratings",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("expert_id", ID, sa.ForeignKey("experts.id"), nullable=False, index=True),
    sa.Column("committee_id", ID, sa.ForeignKey("committees.id"), nullable=False, index=True),
    sa.Column("tender_id", ID, sa.ForeignKey("tenders.id"), nullable=False),
    sa.Column("rater", _enum(RaterKind), nullable=False),
    sa.Column("rater_user_id", ID, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("score", sa.Integer, nullable=False),
    sa.Column("comment", sa.Text, nullable=False),
    sa.Column("rated_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("committee_id", "expert_id", "rater", name="uq_expert_ratings_committee_expert_rater"),
)

expert_flags = sa.Table(
    "expert_flags",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("expert_id", ID, sa.ForeignKey("experts.id"), nullable=False, index=True),
    sa.Column("committee_id", ID, sa.ForeignKey("committees.id"), nullable=False, index=True),
    sa.Column("member_id", ID, sa.ForeignKey("committee_members.id"), nullable=False),
    sa.Column("tender_id", ID, sa.ForeignKey("tenders.id"), nullable=False),
    sa.Column("details", sa.JSON, nullable=False),
    sa.Column("flagged_at", UTCDateTime, nullable=False),
    sa.Column("flagged_by", ID, nullable=True),
)

venue_recordings = sa.Table(
    "venue_recordings",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("venue_id", ID, sa.ForeignKey("venues.id"), nullable=False, index=True),
    sa.Column("committee_id", ID, sa.ForeignKey("committees.id"), nullable=True, index=True),
    sa.Column("kind", _enum(RecordingKind), nullable=False),
    sa.Column("filename", sa.String(255), nullable=False),
    sa.Column("media_type", sa.String(100), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("recorded_from", UTCDateTime, nullable=False),
    sa.Column("recorded_to", UTCDateTime, nullable=False),
    sa.Column("uploaded_at", UTCDateTime, nullable=False),
    sa.Column("uploaded_by", ID, nullable=True),
)

# ---------------------------------------------------------------------------- evaluation and award
evaluations = sa.Table(
    "evaluations",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("tender_id", ID, sa.ForeignKey("tenders.id"), nullable=False, index=True),
    sa.Column("section_id", ID, sa.ForeignKey("sections.id"), nullable=False, unique=True),
    sa.Column("committee_id", ID, nullable=False),
    sa.Column("scheme", sa.JSON, nullable=False),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("started_by", ID, nullable=True),
    sa.Column("status", _enum(EvaluationStatus), nullable=False, index=True),
    sa.Column("bid_ids", sa.JSON, nullable=False),
    sa.Column("codes", sa.JSON, nullable=False),
    sa.Column("code_seed_digest", sa.String(128), nullable=True),
    sa.Column("corrections", sa.JSON, nullable=False),
    sa.Column("facts", sa.JSON, nullable=False),
    sa.Column("k_value", sa.String(16), nullable=True),
    sa.Column("k_draw", sa.JSON, nullable=True),
    sa.Column("technical_locked_at", UTCDateTime, nullable=True),
    sa.Column("anonymity_findings", sa.JSON, nullable=False),
    sa.Column("results", sa.JSON, nullable=True),
    sa.Column("candidates", sa.JSON, nullable=False),
    sa.Column("concluded_at", UTCDateTime, nullable=True),
    sa.Column("reported_at", UTCDateTime, nullable=True),
    sa.Column("corrections_requested", sa.JSON, nullable=False),
    sa.Column("publicity", sa.JSON, nullable=True),
    sa.Column("publicity_start", UTCDateTime, nullable=True),
    sa.Column("publicity_end", UTCDateTime, nullable=True),
    sa.Column("publicity_overdue_flagged_at", UTCDateTime, nullable=True),
    sa.Column("decision", sa.JSON, nullable=True),
    sa.Column("decided_at", UTCDateTime, nullable=True),
    sa.Column("winner_bid_id", ID, nullable=True),
    sa.Column("result_notice", sa.JSON, nullable=True),
    sa.Column("awarded_at", UTCDateTime, nullable=True),
    sa.Column("contract", sa.JSON, nullable=True),
    sa.Column("contract_signed_at", UTCDateTime, nullable=True),
    sa.Column("contract_overdue_flagged_at", UTCDateTime, nullable=True),
    sa.Column("completed_at", UTCDateTime, nullable=True),
    sa.Column("failed_at", UTCDateTime, nullable=True),
    sa.Column("failed_reason", sa.Text, nullable=True),
    sa.Column("suspended_from", _enum(EvaluationStatus), nullable=True),
    sa.Column("suspension", sa.JSON, nullable=True),
)

evaluation_scores = sa.Table(
    "evaluation_scores",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("evaluation_id", ID, sa.ForeignKey("evaluations.id"), nullable=False, index=True),
    sa.Column("member_id", ID, nullable=False),
    sa.Column("bid_id", ID, sa.ForeignKey("bids.id"), nullable=False),
    sa.Column("factor_id", sa.String(64), nullable=False),
    sa.Column("points", Points, nullable=False),
    sa.Column("comment", sa.Text, nullable=False),
    sa.Column("scored_at", UTCDateTime, nullable=False),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.UniqueConstraint("evaluation_id", "member_id", "bid_id", "factor_id", name="uq_evaluation_scores_cell"),
)

evaluation_motions = sa.Table(
    "evaluation_motions",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("evaluation_id", ID, sa.ForeignKey("evaluations.id"), nullable=False, index=True),
    sa.Column("kind", _enum(MotionKind), nullable=False),
    sa.Column("bid_id", ID, nullable=True),
    sa.Column("ground", sa.String(64), nullable=True),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("proposed_by", ID, nullable=False),
    sa.Column("proposed_at", UTCDateTime, nullable=False),
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("status", _enum(MotionStatus), nullable=False),
    sa.Column("decided_at", UTCDateTime, nullable=True),
)

evaluation_votes = sa.Table(
    "evaluation_votes",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("motion_id", ID, sa.ForeignKey("evaluation_motions.id"), nullable=False, index=True),
    sa.Column("member_id", ID, nullable=False),
    sa.Column("agree", sa.Boolean, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("voted_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("motion_id", "member_id", name="uq_evaluation_votes_motion_member"),
)

evaluation_explanations = sa.Table(
    "evaluation_explanations",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("evaluation_id", ID, sa.ForeignKey("evaluations.id"), nullable=False, index=True),
    sa.Column("bid_id", ID, sa.ForeignKey("bids.id"), nullable=False),
    sa.Column("bidder_org_id", ID, sa.ForeignKey("organisations.id"), nullable=False),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("triggers", sa.JSON, nullable=False),
    sa.Column("requested_by", ID, nullable=False),
    sa.Column("requested_at", UTCDateTime, nullable=False),
    sa.Column("due_at", UTCDateTime, nullable=False),
    sa.Column("status", _enum(ExplanationStatus), nullable=False),
    sa.Column("answer", sa.Text, nullable=True),
    sa.Column("evidence_sha256", sa.String(64), nullable=True),
    sa.Column("answered_at", UTCDateTime, nullable=True),
)

evaluation_reports = sa.Table(
    "evaluation_reports",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("evaluation_id", ID, sa.ForeignKey("evaluations.id"), nullable=False, index=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("body", sa.JSON, nullable=False),
    sa.Column("digest", sa.String(64), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("completed_at", UTCDateTime, nullable=True),
    sa.Column("superseded_at", UTCDateTime, nullable=True),
    sa.UniqueConstraint("evaluation_id", "version", name="uq_evaluation_reports_version"),
)

report_signatures = sa.Table(
    "report_signatures",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("report_id", ID, sa.ForeignKey("evaluation_reports.id"), nullable=False, index=True),
    sa.Column("member_id", ID, nullable=False),
    sa.Column("signed_at", UTCDateTime, nullable=False),
    sa.Column("dissent", sa.Text, nullable=True),
    sa.Column("signature", sa.JSON, nullable=True),
    sa.Column("signer_subject", sa.String(500), nullable=True),
    sa.Column("refused", sa.Boolean, nullable=False),
    sa.UniqueConstraint("report_id", "member_id", name="uq_report_signatures_report_member"),
)

publicity_objections = sa.Table(
    "publicity_objections",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("evaluation_id", ID, sa.ForeignKey("evaluations.id"), nullable=False, index=True),
    sa.Column("objector_org_id", ID, sa.ForeignKey("organisations.id"), nullable=False),
    sa.Column("objector_user_id", ID, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("raised_at", UTCDateTime, nullable=False),
    sa.Column("answer_due", UTCDateTime, nullable=False),
    sa.Column("status", _enum(EvaluationObjectionStatus), nullable=False),
    sa.Column("answer", sa.Text, nullable=True),
    sa.Column("answered_at", UTCDateTime, nullable=True),
    sa.Column("answered_by", ID, nullable=True),
    sa.Column("overdue_flagged_at", UTCDateTime, nullable=True),
)

award_notices = sa.Table(
    "award_notices",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("evaluation_id", ID, sa.ForeignKey("evaluations.id"), nullable=False, index=True),
    sa.Column("bid_id", ID, sa.ForeignKey("bids.id"), nullable=False),
    sa.Column("bidder_org_id", ID, sa.ForeignKey("organisations.id"), nullable=False, index=True),
    sa.Column("kind", _enum(NoticeKind), nullable=False),
    sa.Column("body", sa.JSON, nullable=False),
    sa.Column("signature", sa.JSON, nullable=False),
    sa.Column("issued_at", UTCDateTime, nullable=False),
)

performance_records = sa.Table(
    "performance_records",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("evaluation_id", ID, sa.ForeignKey("evaluations.id"), nullable=False, index=True),
    sa.Column("kind", _enum(PerformanceKind), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("occurred_on", UTCDateTime, nullable=False),
    sa.Column("amount", Money, nullable=True),
    sa.Column("recorded_at", UTCDateTime, nullable=False),
    sa.Column("recorded_by", ID, nullable=True),
    sa.Column("document_sha256", sa.String(64), nullable=True),
)

complaints = sa.Table(
    "complaints",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("tender_id", ID, sa.ForeignKey("tenders.id"), nullable=False, index=True),
    sa.Column("section_id", ID, sa.ForeignKey("sections.id"), nullable=True),
    sa.Column("complainant_org_id", ID, sa.ForeignKey("organisations.id"), nullable=False, index=True),
    sa.Column("channel", _enum(ComplaintChannel), nullable=False),
    sa.Column("matter", _enum(ComplaintMatter), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("known_at", UTCDateTime, nullable=False),
    sa.Column("received_at", UTCDateTime, nullable=False),
    sa.Column("accept_due", UTCDateTime, nullable=False),
    sa.Column("entered_by", ID, nullable=False),
    sa.Column("objection_id", ID, nullable=True),
    sa.Column("evidence_sha256", sa.String(64), nullable=True),
    sa.Column("status", _enum(ComplaintStatus), nullable=False, index=True),
    sa.Column("handled_by", ID, nullable=True),
    sa.Column("accepted_at", UTCDateTime, nullable=True),
    sa.Column("decide_due", UTCDateTime, nullable=True),
    sa.Column("suspension_ordered", sa.Boolean, nullable=False),
    sa.Column("refused_reason", sa.Text, nullable=True),
    sa.Column("decided_at", UTCDateTime, nullable=True),
    sa.Column("decision", sa.Text, nullable=True),
    sa.Column("withdrawn_at", UTCDateTime, nullable=True),
    sa.Column("repeated_unfounded", sa.Boolean, nullable=False),
    sa.Column("accept_overdue_flagged_at", UTCDateTime, nullable=True),
    sa.Column("decide_overdue_flagged_at", UTCDateTime, nullable=True),
)

# ---------------------------------------------------------------------------- the registry (M22)
org_qualifications = sa.Table(
    "org_qualifications",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("org_id", ID, sa.ForeignKey("organisations.id"), nullable=False, index=True),
    sa.Column("kind", sa.String(100), nullable=False),
    sa.Column("grade", sa.String(32), nullable=False),
    sa.Column("certificate_no", sa.String(64), nullable=False),
    sa.Column("issuer", sa.String(200), nullable=False),
    sa.Column("valid_until", UTCDateTime, nullable=False),
    sa.Column("recorded_at", UTCDateTime, nullable=False),
    sa.Column("recorded_by", ID, nullable=True),
)

org_performances = sa.Table(
    "org_performances",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("org_id", ID, sa.ForeignKey("organisations.id"), nullable=False, index=True),
    sa.Column("project_name", sa.String(300), nullable=False),
    sa.Column("category", sa.String(16), nullable=False),
    sa.Column("sector", sa.String(100), nullable=False),
    sa.Column("amount", Money, nullable=False),
    sa.Column("completed_at", UTCDateTime, nullable=False),
    sa.Column("source", sa.String(16), nullable=False),
    sa.Column("recorded_at", UTCDateTime, nullable=False),
    sa.Column("recorded_by", ID, nullable=True),
    sa.Column("evaluation_id", ID, nullable=True),
)

# ---------------------------------------------------------------------------- warnings (M18)
warnings = sa.Table(
    "warnings",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("fingerprint", sa.String(64), nullable=False, unique=True),
    sa.Column("flag_id", sa.String(40), nullable=False),
    sa.Column("indicator", sa.String(64), nullable=False, index=True),
    sa.Column("severity", _enum(WarningSeverity), nullable=False, index=True),
    sa.Column("title_zh", sa.Text, nullable=False),
    sa.Column("title_en", sa.Text, nullable=False),
    sa.Column("subject_type", sa.String(32), nullable=False),
    sa.Column("subject_ids", sa.JSON, nullable=False),
    sa.Column("tender_id", ID, sa.ForeignKey("tenders.id"), nullable=True, index=True),
    sa.Column("section_id", ID, nullable=True),
    sa.Column("bid_ids", sa.JSON, nullable=False),
    sa.Column("org_ids", sa.JSON, nullable=False),
    sa.Column("evidence", sa.JSON, nullable=False),
    sa.Column("basis", sa.Text, nullable=False),
    sa.Column("value", sa.Float, nullable=True),
    sa.Column("threshold", sa.Float, nullable=True),
    sa.Column("source", sa.String(16), nullable=False),
    sa.Column("raised_at", UTCDateTime, nullable=False),
    sa.Column("status", _enum(WarningStatus), nullable=False, index=True),
    sa.Column("assignee_id", ID, sa.ForeignKey("users.id"), nullable=True, index=True),
    sa.Column("assigned_at", UTCDateTime, nullable=True),
    sa.Column("acknowledged_at", UTCDateTime, nullable=True),
    sa.Column("dismissed_reason", sa.Text, nullable=True),
    sa.Column("closed_outcome", _enum(CloseOutcome), nullable=True),
    sa.Column("closed_reason", sa.Text, nullable=True),
    sa.Column("ended_at", UTCDateTime, nullable=True),
)

warning_history = sa.Table(
    "warning_history",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("warning_id", ID, sa.ForeignKey("warnings.id"), nullable=False, index=True),
    sa.Column("number", sa.Integer, nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("actor_id", ID, nullable=True),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("from_status", sa.String(32), nullable=True),
    sa.Column("to_status", sa.String(32), nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("details", sa.JSON, nullable=False),
    sa.UniqueConstraint("warning_id", "number", name="uq_warning_history_warning_number"),
)

warning_referrals = sa.Table(
    "warning_referrals",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("warning_id", ID, sa.ForeignKey("warnings.id"), nullable=False, index=True),
    sa.Column("authority", _enum(Authority), nullable=False),
    sa.Column("authority_name", sa.String(200), nullable=False),
    sa.Column("number", sa.String(100), nullable=False),
    sa.Column("referred_at", UTCDateTime, nullable=False),
    sa.Column("referred_by", ID, nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("feedback_received_at", UTCDateTime, nullable=True),
    sa.Column("feedback_outcome", _enum(FeedbackOutcome), nullable=True),
    sa.Column("feedback_text", sa.Text, nullable=True),
    sa.Column("feedback_recorded_by", ID, nullable=True),
)

#: The watermark of the automatic scans: one row per (tender, step) scanned, written with the
#: warnings the scan raised.
risk_scan_marks = sa.Table(
    "risk_scan_marks",
    metadata,
    sa.Column("tender_id", ID, sa.ForeignKey("tenders.id"), primary_key=True),
    sa.Column("event", _enum(ScanEvent), primary_key=True),
    sa.Column("ref", ID, primary_key=True),
    sa.Column("happened_at", UTCDateTime, nullable=False),
    sa.Column("status", _enum(ScanStatus), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("scanned_at", UTCDateTime, nullable=False),
    sa.Column("flags", sa.Integer, nullable=False),
    sa.Column("warnings", sa.Integer, nullable=False),
    sa.Column("error", sa.String(100), nullable=True),
)

# ---------------------------------------------------------------------------- credit (M18)
credit_grades = sa.Table(
    "credit_grades",
    metadata,
    sa.Column("subject_type", _enum(SubjectType), primary_key=True),
    sa.Column("subject_id", ID, primary_key=True),
    sa.Column("grade", _enum(Grade), nullable=False, index=True),
    sa.Column("computed_grade", _enum(Grade), nullable=False),
    sa.Column("computed_at", UTCDateTime, nullable=False),
    sa.Column("points", sa.Integer, nullable=False),
    sa.Column("good_records", sa.Integer, nullable=False),
    sa.Column("reasons", sa.JSON, nullable=False),
    sa.Column("rules_sha256", sa.String(64), nullable=False),
    sa.Column("override_grade", _enum(Grade), nullable=True),
    sa.Column("override_reason", sa.Text, nullable=True),
    sa.Column("override_by", ID, nullable=True),
    sa.Column("override_at", UTCDateTime, nullable=True),
    sa.Column("override_until", UTCDateTime, nullable=True),
)

credit_assessments = sa.Table(
    "credit_assessments",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("subject_type", _enum(SubjectType), nullable=False),
    sa.Column("subject_id", ID, nullable=False, index=True),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("grade", _enum(Grade), nullable=False),
    sa.Column("previous", _enum(Grade), nullable=True),
    sa.Column("reasons", sa.JSON, nullable=False),
    sa.Column("actor_id", ID, nullable=True),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("number", sa.Integer, nullable=False),
    sa.UniqueConstraint("subject_type", "subject_id", "number", name="uq_credit_assessments_subject_number"),
)

credit_penalties = sa.Table(
    "credit_penalties",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("org_id", ID, sa.ForeignKey("organisations.id"), nullable=False, index=True),
    sa.Column("kind", _enum(PenaltyKind), nullable=False),
    sa.Column("authority", sa.String(200), nullable=False),
    sa.Column("decision_number", sa.String(100), nullable=False),
    sa.Column("decided_on", sa.Date, nullable=False),
    sa.Column("details", sa.Text, nullable=False),
    sa.Column("recorded_at", UTCDateTime, nullable=False),
    sa.Column("recorded_by", ID, nullable=True),
    sa.Column("ban_until", sa.Date, nullable=True),
    sa.Column("revoked_at", UTCDateTime, nullable=True),
    sa.Column("revoked_reason", sa.Text, nullable=True),
)

#: One row: the day of the last recomputation; locked by the recomputation (made on first use).
credit_state = sa.Table(
    "credit_state",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("last_day", sa.Date, nullable=True),
    sa.Column("last_run_at", UTCDateTime, nullable=True),
)

# ---------------------------------------------------------------------------- spot checks (seed task 57)
spot_checks = sa.Table(
    "spot_checks",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("requested_by", ID, nullable=False),
    sa.Column("requested_at", UTCDateTime, nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("request", sa.JSON, nullable=False),
    sa.Column("candidates", sa.JSON, nullable=False),
    sa.Column("factors", sa.JSON, nullable=False),
    sa.Column("seed", sa.String(64), nullable=False),
    sa.Column("seed_sha256", sa.String(64), nullable=False),
    sa.Column("request_sha256", sa.String(64), nullable=False),
    sa.Column("candidates_sha256", sa.String(64), nullable=False),
    sa.Column("status", _enum(SpotCheckStatus), nullable=False, index=True),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("contribution", sa.String(128), nullable=True),
    sa.Column("drawn_at", UTCDateTime, nullable=True),
    sa.Column("drawn_by", ID, nullable=True),
    sa.Column("sample", sa.JSON, nullable=False),
    sa.Column("completed_at", UTCDateTime, nullable=True),
)

spot_check_reviews = sa.Table(
    "spot_check_reviews",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("spot_check_id", ID, sa.ForeignKey("spot_checks.id"), nullable=False, index=True),
    sa.Column("tender_id", ID, sa.ForeignKey("tenders.id"), nullable=False, index=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("weight", sa.Integer, nullable=False),
    sa.Column("outcome", _enum(ReviewOutcome), nullable=True),
    sa.Column("findings", sa.Text, nullable=True),
    sa.Column("reviewed_by", ID, nullable=True),
    sa.Column("reviewed_at", UTCDateTime, nullable=True),
    sa.UniqueConstraint("spot_check_id", "tender_id", name="uq_spot_check_reviews_check_tender"),
)

# ---------------------------------------------------------------------------- the ledger
#: Every domain event, as a leaf of the Merkle-tree log: one row per entry. ``body`` is the
#: canonical JSON that is hashed; ``subject_id`` and ``public`` copy fields of it for queries
#: and are checked against it when the log is verified. ``nodes`` holds the hashes of the
#: perfect subtrees this leaf completes, level 1 upward (``storage.ledger.ROW``). Append-only:
#: triggers refuse UPDATE and DELETE. On SQLite ``seq`` is the rowid itself.
ledger_entries = sa.Table(
    "ledger_entries",
    metadata,
    sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=False),
    sa.Column("subject_id", ID, nullable=False, index=True),
    sa.Column("public", sa.Boolean, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("leaf_hash", sa.LargeBinary(64), nullable=False),
    sa.Column("nodes", sa.LargeBinary, nullable=True),
)

#: One row: the log's size and hash. Appends lock it, so they are serialised.
ledger_head = sa.Table(
    "ledger_head",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("hash_alg", sa.String(16), nullable=True),
)

#: Signed tree heads (RFC 9162 TreeHeadDataV2, signed by the platform's log key).
ledger_checkpoints = sa.Table(
    "ledger_checkpoints",
    metadata,
    sa.Column("size", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("root", sa.LargeBinary(64), nullable=False),
    sa.Column("timestamp_ms", sa.BigInteger, nullable=False),
    sa.Column("hash_alg", sa.String(16), nullable=False),
    sa.Column("suite", sa.String(16), nullable=False),
    sa.Column("key_id", sa.String(128), nullable=False),
    sa.Column("public_key", sa.LargeBinary, nullable=False),
    sa.Column("signature", sa.LargeBinary, nullable=False),
)

#: Co-signatures of tree heads by witnesses (a supervisor's key the operator does not hold).
ledger_cosignatures = sa.Table(
    "ledger_cosignatures",
    metadata,
    sa.Column("size", sa.BigInteger, sa.ForeignKey("ledger_checkpoints.size"), primary_key=True, autoincrement=False),
    sa.Column("witness_key_id", sa.String(128), primary_key=True),
    sa.Column("witness", sa.String(200), nullable=False),
    sa.Column("suite", sa.String(16), nullable=False),
    sa.Column("public_key", sa.LargeBinary, nullable=False),
    sa.Column("signature", sa.LargeBinary, nullable=False),
    sa.Column("received_at", UTCDateTime, nullable=False),
)

APPEND_ONLY = ("ledger_entries", "ledger_checkpoints", "ledger_cosignatures")

idempotency_keys = sa.Table(
    "idempotency_keys",
    metadata,
    sa.Column("actor", sa.String(40), primary_key=True),
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("method", sa.String(8), nullable=False),
    sa.Column("path", sa.String(300), nullable=False),
    sa.Column("request_hash", sa.String(64), nullable=False),
    sa.Column("status_code", sa.Integer, nullable=False),
    sa.Column("response_body", sa.Text, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)
