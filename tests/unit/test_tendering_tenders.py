"""Tenders: drafting, deposits, invitations, documents, the announcement, cancellation and termination."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from sunbid.kernel.context import PUBLIC, Actor
from sunbid.kernel.errors import Conflict, DomainError, Forbidden, NotFound, RuleViolation, Unauthenticated
from sunbid.tendering import service as tendering
from sunbid.tendering.model import Category, DocumentKind, Method, Tender, TenderStatus
from sunbid.tendering.service import SectionFields

from .builders import (
    AGENCY,
    AGENCY_ORG,
    ANNOUNCE_AT,
    BIDDER,
    BIDDER_ORGS,
    DAY,
    DEADLINE,
    DOC_SALE_END,
    OTHER_TENDERER,
    SECOND,
    SUPERVISOR,
    T0,
    TENDERER,
    World,
    section,
    tender_fields,
)


def announce(world: World, tender_id: str, actor: Actor = TENDERER) -> None:
    tendering.announce_tender(world.uow, world.ctx(actor), tender_id)


def refused_announcement(world: World, tender_id: str, code: str) -> DomainError:
    with pytest.raises(DomainError) as refused:
        announce(world, tender_id)
    assert refused.value.code == code
    assert world.tender(tender_id).status is TenderStatus.DRAFT
    assert world.tender(tender_id).announced_at is None
    return refused.value


# ---------------------------------------------------------------------------- drafting
def test_tenderer_drafts_a_tender_under_its_plan_with_numbered_sections(world: World) -> None:
    tender = world.draft_tender(with_document=False, sections=(section(name="一标段"), section(name="二标段")))
    assert tender.status is TenderStatus.DRAFT
    assert tender.code.startswith("ZB20250303")
    assert [s.code for s in tender.sections] == [f"{tender.code}001", f"{tender.code}002"]
    assert [s.number for s in tender.sections] == [1, 2]
    assert tender.estimated_price == Decimal("2000000.00")
    assert world.uow.events_named("TenderDrafted")[0].public is False


@pytest.mark.parametrize(("actor", "refusal"), [(AGENCY, Forbidden), (BIDDER, Forbidden), (PUBLIC, Unauthenticated)])
def test_only_the_plans_tenderer_creates_tenders_under_it(world: World, actor: Actor, refusal: type[Exception]) -> None:
    plan = world.published_plan()
    with pytest.raises(refusal):
        tendering.create_tender(world.uow, world.ctx(actor), plan.id, tender_fields())


def test_another_tenderer_cannot_create_a_tender_under_my_plan(world: World) -> None:
    plan = world.published_plan()
    with pytest.raises(Forbidden):
        tendering.create_tender(world.uow, world.ctx(OTHER_TENDERER), plan.id, tender_fields())


def test_tender_needs_at_least_one_section(world: World) -> None:
    with pytest.raises(DomainError) as refused:
        world.draft_tender(sections=())
    assert refused.value.code == "sections_missing"


@pytest.mark.parametrize(
    "bad", [section(estimated_price=Decimal("0.00")), section(max_bid_price=Decimal("0.00"))], ids=["estimate", "cap"]
)
def test_section_prices_must_be_positive(world: World, bad: SectionFields) -> None:
    with pytest.raises(DomainError) as refused:
        world.draft_tender(sections=(bad,))
    assert refused.value.code == "price_not_positive"


def test_bid_validity_must_be_positive(world: World) -> None:
    with pytest.raises(DomainError) as refused:
        world.draft_tender(bid_validity_days=0)
    assert refused.value.code == "bid_validity_invalid"


@pytest.mark.parametrize(
    ("start", "sale_end", "deadline"),
    [
        (ANNOUNCE_AT, ANNOUNCE_AT, DEADLINE),  # sale ends when issue starts
        (ANNOUNCE_AT, DEADLINE + SECOND, DEADLINE),  # sale ends after the deadline
        (DEADLINE, DOC_SALE_END, ANNOUNCE_AT),
    ],
)
def test_dates_must_run_issue_start_then_sale_end_then_deadline(
    world: World, start: datetime, sale_end: datetime, deadline: datetime
) -> None:
    with pytest.raises(DomainError) as refused:
        world.draft_tender(doc_issue_start=start, doc_sale_end=sale_end, bid_deadline=deadline)
    assert refused.value.code == "dates_out_of_order"


def test_sale_may_end_at_the_deadline(world: World) -> None:
    world.draft_tender(doc_sale_end=DEADLINE)


def test_agency_and_invitees_must_be_registered_organisations(world: World) -> None:
    with pytest.raises(NotFound) as refused:
        world.draft_tender(agency_org_id="org_nobody", agency_contact="李")
    assert refused.value.code == "organisation_not_found"
    with pytest.raises(NotFound):
        world.draft_tender(method=Method.INVITED, invitee_org_ids=(*BIDDER_ORGS[:3], "org_nobody"))


# ---------------------------------------------------------------------------- deposits (条例 第二十六条)
@pytest.mark.parametrize(
    ("category", "estimate", "largest_deposit"),
    [
        (Category.WORKS, "1000000.00", "20000.00"),  # 2%
        (Category.WORKS, "1234567.89", "24691.35"),  # 2% rounded down to the fen
        (Category.WORKS, "50000000.00", "800000.00"),  # 2% would be 1,000,000: the works cap
        (Category.GOODS, "50000000.00", "800000.00"),  # the goods cap
        (Category.SERVICES, "1000000.00", "20000.00"),  # 2%
        (Category.SERVICES, "10000000.00", "100000.00"),  # 2% would be 200,000: the services cap
    ],
)
def test_deposit_up_to_the_smaller_of_2_percent_and_the_category_cap_is_allowed_and_a_fen_more_is_refused(
    world: World, category: Category, estimate: str, largest_deposit: str
) -> None:
    def draft(deposit: Decimal) -> None:
        world.draft_tender(
            category=category,
            sections=(
                section(estimated_price=Decimal(estimate), max_bid_price=Decimal(estimate), bid_deposit=deposit),
            ),
        )

    draft(Decimal(largest_deposit))
    with pytest.raises(RuleViolation) as refused:
        draft(Decimal(largest_deposit) + Decimal("0.01"))
    assert refused.value.code == "deposit_over_cap"
    assert refused.value.rule == "bid_deposit_max_ratio"
    assert refused.value.details["limit"] == largest_deposit


def test_deposit_is_checked_for_every_section(world: World) -> None:
    with pytest.raises(RuleViolation) as refused:
        world.draft_tender(sections=(section(name="一标段"), section(name="二标段", bid_deposit=Decimal("20000.01"))))
    assert refused.value.details["section"] == "二标段"


def test_deposit_over_the_cap_is_refused_when_editing_a_draft_too(world: World) -> None:
    tender = world.draft_tender()
    with pytest.raises(RuleViolation):
        tendering.update_tender(
            world.uow, world.ctx(), tender.id, tender_fields(sections=(section(bid_deposit=Decimal("30000.00")),))
        )
    assert world.tender(tender.id).sections[0].bid_deposit == Decimal("20000.00")


def test_a_jurisdiction_with_a_lower_ratio_refuses_what_the_national_default_allows() -> None:
    from sunbid.kernel.rules import RuleBook

    strict = World(
        RuleBook.default().overridden({"bid_deposit_max_ratio": {"value": "0.01", "citation": "某地文件"}}, "某地")
    )
    with pytest.raises(RuleViolation) as refused:
        strict.draft_tender()
    assert refused.value.details["limit"] == "10000.00"
    assert "某地文件" in refused.value.message_zh


# ---------------------------------------------------------------------------- invitations (法 第十七条)
def test_invited_tender_with_fewer_than_3_invitees_is_refused(world: World) -> None:
    with pytest.raises(RuleViolation) as refused:
        world.draft_tender(method=Method.INVITED, invitee_org_ids=BIDDER_ORGS[:2])
    assert refused.value.code == "too_few_invitees"
    assert refused.value.rule == "invited_min_invitees"


def test_invited_tender_counts_each_invitee_once(world: World) -> None:
    with pytest.raises(RuleViolation):
        world.draft_tender(method=Method.INVITED, invitee_org_ids=(BIDDER_ORGS[0], BIDDER_ORGS[0], BIDDER_ORGS[1]))


def test_invited_tender_with_3_invitees_is_allowed(world: World) -> None:
    tender = world.draft_tender(method=Method.INVITED, invitee_org_ids=BIDDER_ORGS[2::-1])
    assert tender.invitee_org_ids == sorted(BIDDER_ORGS[:3])


def test_open_tender_needs_no_invitees(world: World) -> None:
    assert world.draft_tender(method=Method.OPEN).invitee_org_ids == []


# ---------------------------------------------------------------------------- documents
def test_uploaded_documents_are_numbered_versions_and_drafts_until_announced(world: World) -> None:
    tender = world.draft_tender(with_document=False)
    first = world.upload(tender.id, data=b"v1")
    second = world.upload(tender.id, data=b"v2")
    other = world.upload(tender.id, kind=DocumentKind.OTHER, title="图纸", data=b"drawings")
    assert [first.version, second.version, other.version] == [1, 2, 3]
    assert first.published_at is None
    assert first.uploaded_by == TENDERER.user_id
    assert [d.id for d in world.tender(tender.id).current_documents()] == [other.id, second.id]
    uploaded = world.uow.events_named("TenderDocumentUploaded")
    assert [e.public for e in uploaded] == [False, False, False]
    assert uploaded[0].data["sha256"] == first.sha256


def test_document_whose_content_was_not_stored_is_refused(world: World) -> None:
    from .fakes import FakeBlobRef

    tender = world.draft_tender(with_document=False)
    with pytest.raises(DomainError) as refused:
        tendering.add_document(
            world.uow,
            world.ctx(),
            tender.id,
            kind=DocumentKind.TENDER_DOCUMENT,
            title="招标文件",
            filename="a.pdf",
            media_type="application/pdf",
            blob=FakeBlobRef("0" * 64, 10),
        )
    assert refused.value.code == "blob_missing"
    assert world.tender(tender.id).documents == []


@pytest.mark.parametrize(("title", "filename"), [("", "a.pdf"), (" ", "a.pdf"), ("招标文件", " ")])
def test_document_needs_a_title_and_a_file_name(world: World, title: str, filename: str) -> None:
    tender = world.draft_tender(with_document=False)
    with pytest.raises(DomainError) as refused:
        tendering.add_document(
            world.uow,
            world.ctx(),
            tender.id,
            kind=DocumentKind.TENDER_DOCUMENT,
            title=title,
            filename=filename,
            media_type="application/pdf",
            blob=world.uow.blobs.add(b"x"),
        )
    assert refused.value.code == "document_title_required"


def test_empty_document_is_refused(world: World) -> None:
    tender = world.draft_tender(with_document=False)
    with pytest.raises(DomainError) as refused:
        world.upload(tender.id, data=b"")
    assert refused.value.code == "document_empty"


def test_only_the_tenders_managers_upload_documents(world: World) -> None:
    tender = world.draft_tender(agency_org_id=AGENCY_ORG, agency_contact="李女士")
    world.upload(tender.id, AGENCY)
    with pytest.raises(NotFound):  # a draft is not even visible to a bidder
        world.upload(tender.id, BIDDER)
    with pytest.raises(NotFound):
        tendering.prepare_upload(world.uow, world.ctx(BIDDER), tender.id)
    tendering.prepare_upload(world.uow, world.ctx(AGENCY), tender.id)


def test_draft_documents_are_seen_only_by_managers_and_oversight(world: World) -> None:
    tender = world.announced_tender()
    draft = world.upload(tender.id, title="补充文件", data=b"draft")
    published = {d.id for d in world.tender(tender.id).documents if d.published_at is not None}
    assert draft.id not in published

    def visible(actor: Actor) -> set[str]:
        return {d.id for d in tendering.visible_documents(world.uow, world.ctx(actor), tender.id)}

    assert visible(TENDERER) == published | {draft.id}
    assert visible(SUPERVISOR) == published | {draft.id}
    assert visible(BIDDER) == published
    with pytest.raises(Unauthenticated):
        visible(PUBLIC)
    with pytest.raises(NotFound):
        tendering.get_document(world.uow, world.ctx(BIDDER), tender.id, draft.id)
    assert tendering.get_document(world.uow, world.ctx(TENDERER), tender.id, draft.id).id == draft.id


# ---------------------------------------------------------------------------- the announcement
def test_announcement_publishes_the_tender_and_its_documents(world: World) -> None:
    tender = world.announced_tender()
    assert tender.status is TenderStatus.ANNOUNCED
    assert tender.announced_at == ANNOUNCE_AT
    assert all(d.published_at == ANNOUNCE_AT for d in tender.documents)
    event = world.uow.events_named("TenderAnnounced")[0]
    assert event.public is True
    assert event.data["code"] == tender.code
    assert event.data["bid_deadline"] == DEADLINE.isoformat()
    assert event.data["announcement_sha256"] == tendering.announcement_digest(tender)
    assert len(event.data["announcement_sha256"]) == 64
    assert tendering.get_tender(world.uow, world.ctx(PUBLIC), tender.id).id == tender.id


def test_announcement_without_an_evaluation_scheme_is_refused(world: World) -> None:
    tender = world.draft_tender(with_scheme=False)
    world.at(ANNOUNCE_AT)
    with pytest.raises(Conflict) as refused:
        announce(world, tender.id)
    assert refused.value.code == "evaluation_scheme_missing"
    assert world.tender(tender.id).status is TenderStatus.DRAFT


def test_the_evaluation_scheme_is_part_of_what_the_announcement_signs(world: World) -> None:
    tender = world.draft_tender()
    digest = tendering.announcement(tender)["evaluation_scheme_sha256"]
    assert digest is not None and len(digest) == 64
    assert tendering.announcement(world.draft_tender(with_scheme=False))["evaluation_scheme_sha256"] is None


def test_only_the_current_version_of_each_document_is_published(world: World) -> None:
    tender = world.draft_tender()
    newer = world.upload(tender.id, data=b"second version")
    world.at(ANNOUNCE_AT)
    announce(world, tender.id)
    by_version = {d.version: d.published_at for d in world.tender(tender.id).documents}
    assert by_version == {1: None, newer.version: ANNOUNCE_AT}


def test_announcement_digest_changes_with_the_published_content(world: World) -> None:
    tender = world.announced_tender()
    digest = tendering.announcement_digest(tender)
    assert tendering.announcement_digest(world.tender(tender.id)) == digest
    tender.title += "（变更）"
    assert tendering.announcement_digest(tender) != digest


def test_agency_announces_a_tender_it_manages(world: World) -> None:
    tender = world.draft_tender(agency_org_id=AGENCY_ORG, agency_contact="李女士")
    world.at(ANNOUNCE_AT)
    announce(world, tender.id, AGENCY)
    assert world.tender(tender.id).status is TenderStatus.ANNOUNCED


def test_announcement_before_the_plan_is_public_30_days_is_refused(world: World) -> None:
    tender = world.draft_tender()
    world.at(ANNOUNCE_AT - SECOND)
    error = refused_announcement(world, tender.id, "plan_not_public_long_enough")
    assert isinstance(error, RuleViolation)
    assert error.rule == "tender_plan_lead_days"
    assert error.details["earliest"] == (T0 + 30 * DAY).isoformat()


def test_announcement_exactly_30_days_after_the_plan_is_public_is_allowed(world: World) -> None:
    tender = world.draft_tender()
    world.at(T0 + 30 * DAY)
    announce(world, tender.id)
    assert world.tender(tender.id).status is TenderStatus.ANNOUNCED


def test_announcement_under_an_unpublished_plan_is_refused(world: World) -> None:
    plan = world.draft_plan()
    tender = tendering.create_tender(world.uow, world.ctx(), plan.id, tender_fields())
    world.upload(tender.id)
    world.at(ANNOUNCE_AT)
    refused_announcement(world, tender.id, "plan_not_published")


def test_announcement_under_a_withdrawn_plan_is_refused(world: World) -> None:
    tender = world.draft_tender()
    tendering.withdraw_plan(world.uow, world.ctx(), tender.plan_id, "项目取消")
    world.at(ANNOUNCE_AT)
    refused_announcement(world, tender.id, "plan_not_published")


def test_bid_deadline_less_than_20_days_after_documents_start_being_issued_is_refused(world: World) -> None:
    tender = world.draft_tender(bid_deadline=ANNOUNCE_AT + 20 * DAY - SECOND)
    world.at(ANNOUNCE_AT)
    error = refused_announcement(world, tender.id, "deadline_too_soon")
    assert isinstance(error, RuleViolation)
    assert error.rule == "issue_to_deadline_min_days"
    assert error.details["earliest_deadline"] == (ANNOUNCE_AT + 20 * DAY).isoformat()


def test_bid_deadline_exactly_20_days_after_documents_start_being_issued_is_allowed(world: World) -> None:
    tender = world.draft_tender(bid_deadline=ANNOUNCE_AT + 20 * DAY)
    world.at(ANNOUNCE_AT)
    announce(world, tender.id)


def test_the_20_days_count_from_the_issue_start_not_from_the_announcement(world: World) -> None:
    start = ANNOUNCE_AT + 10 * DAY
    tender = world.draft_tender(
        doc_issue_start=start, doc_sale_end=start + 5 * DAY, bid_deadline=start + 20 * DAY - SECOND
    )
    world.at(ANNOUNCE_AT)
    refused_announcement(world, tender.id, "deadline_too_soon")


def test_sale_period_under_5_days_is_refused(world: World) -> None:
    tender = world.draft_tender(doc_sale_end=ANNOUNCE_AT + 5 * DAY - SECOND)
    world.at(ANNOUNCE_AT)
    error = refused_announcement(world, tender.id, "doc_sale_too_short")
    assert isinstance(error, RuleViolation)
    assert error.rule == "doc_sale_min_days"


def test_sale_period_of_exactly_5_days_is_allowed(world: World) -> None:
    tender = world.draft_tender(doc_sale_end=ANNOUNCE_AT + 5 * DAY)
    world.at(ANNOUNCE_AT)
    announce(world, tender.id)


def test_documents_cannot_start_being_issued_before_the_announcement(world: World) -> None:
    tender = world.draft_tender()
    world.at(ANNOUNCE_AT + SECOND)
    refused_announcement(world, tender.id, "issue_start_in_past")


def test_announcement_with_blank_required_fields_is_refused_listing_the_fields(world: World) -> None:
    tender = world.draft_tender(title=" ", supervising_contact="", credit_commitment="\n")
    world.at(ANNOUNCE_AT)
    error = refused_announcement(world, tender.id, "announcement_incomplete")
    assert error.details["fields"] == ["title", "supervising_contact", "credit_commitment"]
    assert "credit_commitment" in error.message_en


@pytest.mark.parametrize(
    "field",
    [
        "title",
        "content",
        "scale",
        "fund_source",
        "qualification_requirements",
        "opening_place",
        "submission_method",
        "tenderer_contact",
        "supervising_department",
        "supervising_contact",
        "objection_channel",
        "platform_url",
        "credit_commitment",
    ],
)
def test_each_required_announcement_field_is_checked(world: World, field: str) -> None:
    blank: dict[str, Any] = {field: ""}
    tender = world.draft_tender(**blank)
    world.at(ANNOUNCE_AT)
    assert refused_announcement(world, tender.id, "announcement_incomplete").details["fields"] == [field]


def test_announcement_through_an_agency_needs_the_agency_contact(world: World) -> None:
    tender = world.draft_tender(agency_org_id=AGENCY_ORG, agency_contact="")
    world.at(ANNOUNCE_AT)
    assert refused_announcement(world, tender.id, "announcement_incomplete").details["fields"] == ["agency_contact"]


def test_announcement_without_a_tender_document_is_refused(world: World) -> None:
    tender = world.draft_tender(with_document=False)
    world.upload(tender.id, kind=DocumentKind.CREDIT_COMMITMENT, title="信用承诺书")
    world.at(ANNOUNCE_AT)
    refused_announcement(world, tender.id, "documents_missing")
    assert all(d.published_at is None for d in world.tender(tender.id).documents)


def test_announced_tender_cannot_be_announced_again_or_edited(world: World) -> None:
    tender = world.announced_tender()
    with pytest.raises(Conflict) as refused:
        announce(world, tender.id)
    assert refused.value.code == "transition_not_allowed"
    with pytest.raises(Conflict):
        tendering.update_tender(world.uow, world.ctx(), tender.id, tender_fields())


@pytest.mark.parametrize(
    ("actor", "refusal"), [(BIDDER, NotFound), (OTHER_TENDERER, NotFound), (SUPERVISOR, Forbidden)]
)
def test_only_managers_announce(world: World, actor: Actor, refusal: type[Exception]) -> None:
    tender = world.draft_tender()
    world.at(ANNOUNCE_AT)
    with pytest.raises(refusal):
        announce(world, tender.id, actor)


# ---------------------------------------------------------------------------- cancel and terminate
def test_draft_tender_is_cancelled_with_a_reason_and_no_public_notice(world: World) -> None:
    tender = world.draft_tender()
    world.at(T0 + DAY)
    cancelled = tendering.cancel_tender(world.uow, world.ctx(), tender.id, " 预算调整 ")
    assert (cancelled.status, cancelled.ended_at, cancelled.end_reason) == (
        TenderStatus.CANCELLED,
        T0 + DAY,
        "预算调整",
    )
    event = world.uow.events_named("TenderCancelled")[0]
    assert (event.public, event.data) == (False, {"reason": "预算调整"})
    with pytest.raises(NotFound):
        tendering.get_tender(world.uow, world.ctx(BIDDER), tender.id)


def test_announced_tender_cannot_be_cancelled_only_terminated(world: World) -> None:
    tender = world.announced_tender()
    with pytest.raises(Conflict) as refused:
        tendering.cancel_tender(world.uow, world.ctx(), tender.id, "不招了")
    assert refused.value.code == "transition_not_allowed"


def test_announced_tender_is_terminated_with_a_public_reason(world: World) -> None:
    tender = world.announced_tender()
    world.at(ANNOUNCE_AT + 2 * DAY)
    terminated = tendering.terminate_tender(world.uow, world.ctx(), tender.id, "项目资金未落实")
    assert (terminated.status, terminated.ended_at, terminated.end_reason) == (
        TenderStatus.TERMINATED,
        ANNOUNCE_AT + 2 * DAY,
        "项目资金未落实",
    )
    event = world.uow.events_named("TenderTerminated")[0]
    assert (event.public, event.data) == (True, {"reason": "项目资金未落实"})
    assert tendering.get_tender(world.uow, world.ctx(PUBLIC), tender.id).status is TenderStatus.TERMINATED


def test_draft_tender_cannot_be_terminated_only_cancelled(world: World) -> None:
    tender = world.draft_tender()
    with pytest.raises(Conflict) as refused:
        tendering.terminate_tender(world.uow, world.ctx(), tender.id, "不招了")
    assert refused.value.code == "transition_not_allowed"


@pytest.mark.parametrize("reason", ["", "   "])
def test_cancel_and_terminate_need_a_reason(world: World, reason: str) -> None:
    draft = world.draft_tender()
    with pytest.raises(DomainError) as refused:
        tendering.cancel_tender(world.uow, world.ctx(), draft.id, reason)
    assert refused.value.code == "reason_required"
    announced = world.announced_tender()
    with pytest.raises(DomainError) as refused:
        tendering.terminate_tender(world.uow, world.ctx(), announced.id, reason)
    assert refused.value.code == "reason_required"
    assert world.tender(draft.id).status is TenderStatus.DRAFT
    assert world.tender(announced.id).status is TenderStatus.ANNOUNCED


@pytest.mark.parametrize("end", [tendering.cancel_tender, tendering.terminate_tender])
def test_a_tender_ends_only_once(world: World, end: Callable[..., Tender]) -> None:
    tender = world.draft_tender() if end is tendering.cancel_tender else world.announced_tender()
    end(world.uow, world.ctx(), tender.id, "第一次")
    with pytest.raises(Conflict):
        end(world.uow, world.ctx(), tender.id, "第二次")
    with pytest.raises(Conflict):
        (tendering.terminate_tender if end is tendering.cancel_tender else tendering.cancel_tender)(
            world.uow, world.ctx(), tender.id, "换一种"
        )


def test_bidders_cannot_terminate_a_tender(world: World) -> None:
    tender = world.announced_tender()
    with pytest.raises(Forbidden):
        tendering.terminate_tender(world.uow, world.ctx(BIDDER), tender.id, "我反对")


# ---------------------------------------------------------------------------- reading
def test_listing_shows_public_tenders_and_those_the_reader_manages(world: World) -> None:
    draft = world.draft_tender()
    announced = world.announced_tender()
    via_agency = world.draft_tender(agency_org_id=AGENCY_ORG, agency_contact="李女士")

    def listed(actor: Actor) -> set[str]:
        page = tendering.list_tenders(world.uow, world.ctx(actor), after=None, limit=50)
        return {t.id for t in page.items}

    assert listed(TENDERER) == {draft.id, announced.id, via_agency.id}
    assert listed(AGENCY) == {announced.id, via_agency.id}
    assert listed(BIDDER) == {announced.id}
    assert listed(PUBLIC) == {announced.id}
    assert listed(SUPERVISOR) == {draft.id, announced.id, via_agency.id}


def test_unknown_tender_is_not_found(world: World) -> None:
    with pytest.raises(NotFound) as refused:
        tendering.get_tender(world.uow, world.ctx(), "tnd_missing")
    assert refused.value.code == "tender_not_found"


def test_a_refused_use_case_leaves_no_events_and_no_changes(world: World) -> None:
    tender = world.draft_tender(bid_deadline=ANNOUNCE_AT + timedelta(days=19))
    before = list(world.uow.events)
    world.at(ANNOUNCE_AT)
    refused_announcement(world, tender.id, "deadline_too_soon")
    assert world.uow.events == before
    assert world.tender(tender.id).documents[0].published_at is None
