"""Imperative mapping of the domain dataclasses onto the tables (models never see SQLAlchemy)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import registry, relationship

from sunbid.evaluation.model import (
    AwardNotice,
    Evaluation,
    Explanation,
    Motion,
    PerformanceRecord,
    PublicityObjection,
    Report,
    ReportSignature,
    Score,
    Vote,
)
from sunbid.experts.model import (
    CheckIn,
    Committee,
    CommitteeMember,
    Declaration,
    DeviationFlag,
    Draw,
    Employment,
    Expert,
    ExtensionRequest,
    Rating,
    Recording,
    Sanction,
    Sitting,
    Specialty,
    Venue,
)
from sunbid.identity.model import ApiToken, Organisation, OrganisationRelation, Qualification, Session, User
from sunbid.identity.model import PerformanceRecord as OrgPerformance
from sunbid.storage import tables as t
from sunbid.supervision.credit_model import CreditAssessment, CreditGrade, CreditState, Penalty
from sunbid.supervision.model import Complaint
from sunbid.supervision.spot_model import SpotCheck, SpotCheckReview
from sunbid.supervision.warning_model import EarlyWarning, HistoryEntry, Referral, ScanMark
from sunbid.tendering.bid_model import Bid, BidSubmission, CustodianShare, Deposit, OpeningObjection, SealedStatement
from sunbid.tendering.model import (
    Clarification,
    Objection,
    PlanAmendment,
    Section,
    Tender,
    TenderDocument,
    TenderPlan,
)

mapper_registry = registry(metadata=t.metadata)
_started = False


def start_mappers() -> None:
    global _started
    if _started:
        return
    _started = True
    m = mapper_registry.map_imperatively
    m(Organisation, t.organisations)
    m(OrganisationRelation, t.organisation_relations)
    m(User, t.users)
    m(Session, t.sessions)
    m(ApiToken, t.api_tokens)
    m(PlanAmendment, t.plan_amendments)
    m(
        TenderPlan,
        t.tender_plans,
        properties={
            "amendments": relationship(
                PlanAmendment, order_by=t.plan_amendments.c.number, cascade="all, delete-orphan", lazy="selectin"
            ),
        },
    )
    m(Section, t.sections)
    m(TenderDocument, t.tender_documents)
    m(Clarification, t.clarifications)
    m(Objection, t.objections)
    m(
        Tender,
        t.tenders,
        properties={
            "sections": relationship(
                Section, order_by=t.sections.c.number, cascade="all, delete-orphan", lazy="selectin"
            ),
            "documents": relationship(
                TenderDocument, order_by=t.tender_documents.c.version, cascade="all, delete-orphan", lazy="selectin"
            ),
            "clarifications": relationship(
                Clarification, order_by=t.clarifications.c.number, cascade="all, delete-orphan", lazy="selectin"
            ),
            "objections": relationship(
                Objection, order_by=t.objections.c.raised_at, cascade="all, delete-orphan", lazy="selectin"
            ),
        },
    )
    m(BidSubmission, t.bid_submissions)
    m(CustodianShare, t.custodian_shares)
    m(
        Bid,
        t.bids,
        properties={
            "submissions": relationship(
                BidSubmission, order_by=t.bid_submissions.c.number, cascade="all, delete-orphan", lazy="selectin"
            ),
            "shares": relationship(
                CustodianShare, order_by=t.custodian_shares.c.index, cascade="all, delete-orphan", lazy="selectin"
            ),
        },
    )
    m(Deposit, t.deposits)
    m(OpeningObjection, t.opening_objections)
    m(SealedStatement, t.sealed_statements)
    m(Qualification, t.org_qualifications)
    m(OrgPerformance, t.org_performances)
    m(Complaint, t.complaints)
    m(Score, t.evaluation_scores)
    m(Vote, t.evaluation_votes)
    m(
        Motion,
        t.evaluation_motions,
        properties={
            "votes": relationship(
                Vote, order_by=t.evaluation_votes.c.voted_at, cascade="all, delete-orphan", lazy="selectin"
            )
        },
    )
    m(Explanation, t.evaluation_explanations)
    m(ReportSignature, t.report_signatures)
    m(
        Report,
        t.evaluation_reports,
        properties={
            "signatures": relationship(
                ReportSignature, order_by=t.report_signatures.c.signed_at, cascade="all, delete-orphan", lazy="selectin"
            )
        },
    )
    m(PublicityObjection, t.publicity_objections)
    m(AwardNotice, t.award_notices)
    m(PerformanceRecord, t.performance_records)
    children = {
        "scores": (Score, t.evaluation_scores.c.id),
        "motions": (Motion, t.evaluation_motions.c.proposed_at),
        "explanations": (Explanation, t.evaluation_explanations.c.requested_at),
        "reports": (Report, t.evaluation_reports.c.version),
        "objections": (PublicityObjection, t.publicity_objections.c.raised_at),
        "notices": (AwardNotice, t.award_notices.c.id),
        "performance": (PerformanceRecord, t.performance_records.c.recorded_at),
    }
    m(
        Evaluation,
        t.evaluations,
        properties={
            name: relationship(child, order_by=order, cascade="all, delete-orphan", lazy="selectin")
            for name, (child, order) in children.items()
        },
    )
    _map_experts(m)
    _map_supervision(m)


def _map_supervision(m: Any) -> None:
    def children(cls: type, order: Any) -> Any:
        return relationship(cls, order_by=order, cascade="all, delete-orphan", lazy="selectin")

    m(HistoryEntry, t.warning_history)
    m(Referral, t.warning_referrals)
    m(
        EarlyWarning,
        t.warnings,
        properties={
            "history": children(HistoryEntry, t.warning_history.c.number),
            "referrals": children(Referral, [t.warning_referrals.c.referred_at, t.warning_referrals.c.id]),
        },
    )
    m(ScanMark, t.risk_scan_marks)
    m(CreditGrade, t.credit_grades)
    m(CreditAssessment, t.credit_assessments)
    m(Penalty, t.credit_penalties)
    m(CreditState, t.credit_state)
    m(SpotCheckReview, t.spot_check_reviews)
    m(SpotCheck, t.spot_checks, properties={"reviews": children(SpotCheckReview, t.spot_check_reviews.c.position)})


def _map_experts(m: Any) -> None:
    def children(cls: type, order: Any) -> Any:
        return relationship(cls, order_by=order, cascade="all, delete-orphan", lazy="selectin")

    for cls, table in (
        (Specialty, t.expert_specialties),
        (Employment, t.expert_employments),
        (Declaration, t.expert_declarations),
        (Sanction, t.expert_sanctions),
        (Rating, t.expert_ratings),
        (DeviationFlag, t.expert_flags),
    ):
        m(cls, table)
    m(
        Expert,
        t.experts,
        properties={
            "specialties": children(Specialty, t.expert_specialties.c.code),
            "employments": children(Employment, t.expert_employments.c.started_on),
            "declarations": children(Declaration, t.expert_declarations.c.declared_at),
            "sanctions": children(Sanction, t.expert_sanctions.c.decided_on),
            "ratings": children(Rating, t.expert_ratings.c.rated_at),
            "flags": children(DeviationFlag, t.expert_flags.c.flagged_at),
        },
    )
    for part, table in (
        (CommitteeMember, t.committee_members),
        (Sitting, t.committee_sittings),
        (CheckIn, t.committee_check_ins),
        (ExtensionRequest, t.extension_requests),
    ):
        m(part, table)
    m(
        Committee,
        t.committees,
        properties={
            "members": children(CommitteeMember, [t.committee_members.c.seat, t.committee_members.c.id]),
            "sittings": children(Sitting, t.committee_sittings.c.id),
            "check_ins": children(CheckIn, t.committee_check_ins.c.at),
            "extension_requests": children(ExtensionRequest, t.extension_requests.c.requested_at),
        },
    )
    m(Draw, t.draws)
    m(Venue, t.venues)
    m(Recording, t.venue_recordings)
