"""Imperative mapping of the domain dataclasses onto the tables (models never see SQLAlchemy)."""

from __future__ import annotations

from sqlalchemy.orm import registry, relationship

from sunbid.identity.model import ApiToken, Organisation, OrganisationRelation, Session, User
from sunbid.storage import tables as t
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
