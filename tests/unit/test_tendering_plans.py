"""Tender plans (招标计划): drafted, published at least 30 days ahead, amended on record, withdrawn."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from sunbid.kernel.context import PUBLIC, Actor
from sunbid.kernel.errors import Conflict, DomainError, Forbidden, NotFound, RuleViolation, Unauthenticated
from sunbid.kernel.query import decode_cursor
from sunbid.tendering import service as tendering
from sunbid.tendering.model import PlanStatus

from .builders import (
    AGENCY,
    ANNOUNCE_AT,
    BIDDER,
    DAY,
    OTHER_TENDERER,
    SUPERVISOR,
    T0,
    TENDERER,
    TENDERER_ORG,
    World,
    plan_fields,
    tender_fields,
)


# ---------------------------------------------------------------------------- drafting
def test_tenderer_drafts_a_plan_for_its_own_organisation(world: World) -> None:
    plan = world.draft_plan()
    assert plan.tenderer_org_id == TENDERER_ORG
    assert plan.status is PlanStatus.DRAFT
    assert plan.published_at is None
    assert world.uow.event_names() == ["PlanDrafted"]
    assert world.uow.events[0].public is False


@pytest.mark.parametrize(("actor", "refusal"), [(AGENCY, Forbidden), (BIDDER, Forbidden), (PUBLIC, Unauthenticated)])
def test_only_a_tenderer_drafts_plans(world: World, actor: Actor, refusal: type[Exception]) -> None:
    with pytest.raises(refusal):
        tendering.create_plan(world.uow, world.ctx(actor), plan_fields())
    assert world.uow.events == []


def test_plan_with_blank_required_fields_is_refused_listing_them(world: World) -> None:
    with pytest.raises(DomainError) as refused:
        tendering.create_plan(world.uow, world.ctx(), plan_fields(approval_number=" ", fund_source=""))
    assert refused.value.code == "plan_incomplete"
    assert refused.value.details["fields"] == ["approval_number", "fund_source"]


@pytest.mark.parametrize("price", [Decimal("0.00"), Decimal("-1.00")])
def test_plan_without_a_positive_estimated_price_is_refused(world: World, price: Decimal) -> None:
    with pytest.raises(DomainError) as refused:
        tendering.create_plan(world.uow, world.ctx(), plan_fields(estimated_price=price))
    assert refused.value.code == "price_not_positive"


def test_draft_plan_is_updated_in_place_without_amendment(world: World) -> None:
    plan = world.draft_plan()
    tendering.update_plan(world.uow, world.ctx(), plan.id, plan_fields(scope="设计施工总承包"))
    assert world.plan(plan.id).scope == "设计施工总承包"
    assert world.plan(plan.id).amendments == []


def test_draft_plan_is_invisible_to_other_organisations_but_not_to_supervisors(world: World) -> None:
    plan = world.draft_plan()
    with pytest.raises(NotFound):
        tendering.get_plan(world.uow, world.ctx(OTHER_TENDERER), plan.id)
    with pytest.raises(NotFound):
        tendering.publish_plan(world.uow, world.ctx(OTHER_TENDERER), plan.id)
    assert tendering.get_plan(world.uow, world.ctx(SUPERVISOR), plan.id).id == plan.id


# ---------------------------------------------------------------------------- publishing
def test_publishing_makes_the_plan_public_with_its_seven_fields(world: World) -> None:
    plan = world.published_plan()
    assert plan.status is PlanStatus.PUBLISHED
    assert plan.published_at == T0
    published = world.uow.events_named("PlanPublished")[0]
    assert published.public is True
    assert published.occurred_at == T0
    assert published.actor_id == TENDERER.user_id
    assert set(published.data) == {
        "project_name",
        "approval_document",
        "approval_number",
        "scope",
        "estimated_price",
        "fund_source",
        "planned_announcement_date",
        "tenderer_org_id",
    }
    assert tendering.get_plan(world.uow, world.ctx(PUBLIC), plan.id).id == plan.id


def test_planned_announcement_less_than_30_days_after_publication_is_refused(world: World) -> None:
    plan = world.draft_plan(planned_announcement_date=(T0 + 29 * DAY).date())
    with pytest.raises(RuleViolation) as refused:
        tendering.publish_plan(world.uow, world.ctx(), plan.id)
    assert refused.value.code == "planned_date_too_soon"
    assert refused.value.rule == "tender_plan_lead_days"
    assert refused.value.details["earliest"] == (T0 + 30 * DAY).date().isoformat()
    assert world.plan(plan.id).status is PlanStatus.DRAFT


def test_planned_announcement_exactly_30_days_after_publication_is_allowed(world: World) -> None:
    plan = world.draft_plan(planned_announcement_date=(T0 + 30 * DAY).date())
    assert tendering.publish_plan(world.uow, world.ctx(), plan.id).status is PlanStatus.PUBLISHED


def test_the_30_days_count_from_publication_not_from_drafting(world: World) -> None:
    plan = world.draft_plan()  # planned for T0 + 30 days, fine if published at T0
    world.at(T0 + DAY)
    with pytest.raises(RuleViolation):
        tendering.publish_plan(world.uow, world.ctx(), plan.id)


def test_published_plan_cannot_be_published_again_nor_updated_as_a_draft(world: World) -> None:
    plan = world.published_plan()
    with pytest.raises(Conflict) as refused:
        tendering.publish_plan(world.uow, world.ctx(), plan.id)
    assert refused.value.code == "plan_not_draft"
    with pytest.raises(Conflict) as refused:
        tendering.update_plan(world.uow, world.ctx(), plan.id, plan_fields(scope="改"))
    assert refused.value.code == "plan_not_draft"


def test_another_tenderer_cannot_manage_a_published_plan(world: World) -> None:
    plan = world.published_plan()
    with pytest.raises(Forbidden):
        tendering.withdraw_plan(world.uow, world.ctx(OTHER_TENDERER), plan.id, "不需要了")
    with pytest.raises(Forbidden):
        tendering.amend_plan(world.uow, world.ctx(OTHER_TENDERER), plan.id, plan_fields(scope="改"), "改")


# ---------------------------------------------------------------------------- amending
def test_amendment_is_kept_with_old_and_new_values_and_reason(world: World) -> None:
    plan = world.published_plan()
    world.at(T0 + 2 * DAY)
    new_date = ANNOUNCE_AT.date() + timedelta(days=10)
    amended = tendering.amend_plan(
        world.uow,
        world.ctx(),
        plan.id,
        plan_fields(estimated_price=Decimal("1200000.00"), planned_announcement_date=new_date),
        "  概算调整  ",
    )
    assert amended.estimated_price == Decimal("1200000.00")
    assert amended.planned_announcement_date == new_date
    assert amended.published_at == T0  # the 30 days still count from the first publication
    [amendment] = amended.amendments
    assert amendment.number == 1
    assert amendment.reason == "概算调整"
    assert amendment.amended_at == T0 + 2 * DAY
    assert amendment.actor_id == TENDERER.user_id
    assert amendment.changes == {
        "estimated_price": {"old": "1000000.00", "new": "1200000.00"},
        "planned_announcement_date": {"old": ANNOUNCE_AT.date().isoformat(), "new": new_date.isoformat()},
    }
    event = world.uow.events_named("PlanAmended")[0]
    assert event.public is True
    assert event.data == {"number": 1, "reason": "概算调整", "changes": amendment.changes}


def test_amendments_are_numbered_and_all_kept(world: World) -> None:
    plan = world.published_plan()
    tendering.amend_plan(world.uow, world.ctx(), plan.id, plan_fields(scope="第一次变更"), "一")
    tendering.amend_plan(world.uow, world.ctx(), plan.id, plan_fields(scope="第二次变更"), "二")
    amendments = world.plan(plan.id).amendments
    assert [a.number for a in amendments] == [1, 2]
    assert amendments[1].changes == {"scope": {"old": "第一次变更", "new": "第二次变更"}}


def test_amendment_that_changes_nothing_is_refused(world: World) -> None:
    plan = world.published_plan()
    with pytest.raises(DomainError) as refused:
        tendering.amend_plan(world.uow, world.ctx(), plan.id, plan_fields(), "无变化")
    assert refused.value.code == "amendment_empty"


@pytest.mark.parametrize("reason", ["", "   "])
def test_amendment_without_a_reason_is_refused(world: World, reason: str) -> None:
    plan = world.published_plan()
    with pytest.raises(DomainError) as refused:
        tendering.amend_plan(world.uow, world.ctx(), plan.id, plan_fields(scope="改"), reason)
    assert refused.value.code == "reason_required"


def test_amendment_moving_the_planned_date_under_30_days_after_publication_is_refused(world: World) -> None:
    plan = world.published_plan()
    world.at(T0 + 10 * DAY)
    with pytest.raises(RuleViolation) as refused:
        tendering.amend_plan(
            world.uow, world.ctx(), plan.id, plan_fields(planned_announcement_date=(T0 + 29 * DAY).date()), "提前"
        )
    assert refused.value.code == "planned_date_too_soon"
    assert world.plan(plan.id).amendments == []
    assert world.plan(plan.id).planned_announcement_date == ANNOUNCE_AT.date()


def test_draft_plan_cannot_be_amended(world: World) -> None:
    plan = world.draft_plan()
    with pytest.raises(Conflict) as refused:
        tendering.amend_plan(world.uow, world.ctx(), plan.id, plan_fields(scope="改"), "改")
    assert refused.value.code == "plan_not_published"


# ---------------------------------------------------------------------------- withdrawing
def test_withdrawn_plan_keeps_its_reason_and_stays_public(world: World) -> None:
    plan = world.published_plan()
    world.at(T0 + DAY)
    withdrawn = tendering.withdraw_plan(world.uow, world.ctx(), plan.id, " 项目取消 ")
    assert (withdrawn.status, withdrawn.withdrawn_at, withdrawn.withdraw_reason) == (
        PlanStatus.WITHDRAWN,
        T0 + DAY,
        "项目取消",
    )
    event = world.uow.events_named("PlanWithdrawn")[0]
    assert event.public is True
    assert event.data == {"reason": "项目取消"}
    assert tendering.get_plan(world.uow, world.ctx(PUBLIC), plan.id).status is PlanStatus.WITHDRAWN


@pytest.mark.parametrize("reason", ["", "  "])
def test_withdrawal_without_a_reason_is_refused(world: World, reason: str) -> None:
    plan = world.published_plan()
    with pytest.raises(DomainError) as refused:
        tendering.withdraw_plan(world.uow, world.ctx(), plan.id, reason)
    assert refused.value.code == "reason_required"


def test_only_a_published_plan_can_be_withdrawn(world: World) -> None:
    draft = world.draft_plan()
    with pytest.raises(Conflict) as refused:
        tendering.withdraw_plan(world.uow, world.ctx(), draft.id, "不要了")
    assert refused.value.code == "plan_not_published"
    published = world.published_plan()
    tendering.withdraw_plan(world.uow, world.ctx(), published.id, "不要了")
    with pytest.raises(Conflict):
        tendering.withdraw_plan(world.uow, world.ctx(), published.id, "再撤一次")
    with pytest.raises(Conflict):
        tendering.amend_plan(world.uow, world.ctx(), published.id, plan_fields(scope="改"), "改")


def test_no_tender_is_created_under_a_withdrawn_plan(world: World) -> None:
    plan = world.published_plan()
    tendering.withdraw_plan(world.uow, world.ctx(), plan.id, "项目取消")
    with pytest.raises(Conflict) as refused:
        tendering.create_tender(world.uow, world.ctx(), plan.id, tender_fields())
    assert refused.value.code == "plan_withdrawn"


# ---------------------------------------------------------------------------- listing
def test_listing_shows_the_public_plans_and_the_readers_own_drafts(world: World) -> None:
    mine_draft = world.draft_plan()
    mine_published = world.published_plan()
    theirs_draft = world.draft_plan(OTHER_TENDERER)
    theirs_published = world.published_plan(OTHER_TENDERER)

    def listed(actor: Actor) -> set[str]:
        page = tendering.list_plans(world.uow, world.ctx(actor), after=None, limit=50)
        return {p.id for p in page.items}

    assert listed(TENDERER) == {mine_draft.id, mine_published.id, theirs_published.id}
    assert listed(PUBLIC) == {mine_published.id, theirs_published.id}
    assert listed(BIDDER) == {mine_published.id, theirs_published.id}
    assert listed(SUPERVISOR) == {mine_draft.id, mine_published.id, theirs_draft.id, theirs_published.id}


def test_listing_pages_through_plans_newest_first(world: World) -> None:
    ids = []
    for n in range(5):
        world.at(T0 + n * timedelta(seconds=1))
        ids.append(world.published_plan(planned_announcement_date=(T0 + 31 * DAY).date()).id)
    first = tendering.list_plans(world.uow, world.ctx(PUBLIC), after=None, limit=2)
    assert [p.id for p in first.items] == ids[::-1][:2]
    assert first.next_cursor is not None
    second = tendering.list_plans(world.uow, world.ctx(PUBLIC), after=decode_cursor(first.next_cursor), limit=2)
    assert [p.id for p in second.items] == ids[::-1][2:4]
    third = tendering.list_plans(world.uow, world.ctx(PUBLIC), after=decode_cursor(second.next_cursor), limit=2)
    assert [p.id for p in third.items] == ids[:1]
    assert third.next_cursor is None
