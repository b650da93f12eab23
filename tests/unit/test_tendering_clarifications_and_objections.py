"""Clarifications (法 第二十三条), objections and suspension (条例 第二十二条), and the scheduler."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from sunbid.kernel.context import SYSTEM, Actor
from sunbid.kernel.errors import Conflict, DomainError, Forbidden, NotFound, RuleViolation
from sunbid.tendering import service as tendering
from sunbid.tendering.model import Clarification, DocumentKind, ObjectionStatus, TenderStatus

from .builders import (
    AGENCY,
    AGENCY_ORG,
    ANNOUNCE_AT,
    BIDDER,
    BIDDER_2,
    BIDDER_ORGS,
    DAY,
    DEADLINE,
    SECOND,
    SUPERVISOR,
    TENDERER,
    World,
)


def clarify(
    world: World,
    tender_id: str,
    *,
    affects: bool,
    new_deadline: datetime | None = None,
    documents: tuple[str, ...] = (),
    actor: Actor = TENDERER,
) -> Clarification:
    return tendering.clarify(
        world.uow,
        world.ctx(actor),
        tender_id,
        text="第3.2条评分标准更正如下……",
        affects_bid_preparation=affects,
        new_bid_deadline=new_deadline,
        document_ids=documents,
    )


def object_to(world: World, tender_id: str, actor: Actor = BIDDER, text: str = "技术参数指向特定品牌") -> str:
    return tendering.raise_objection(world.uow, world.ctx(actor), tender_id, text).id


def answer(world: World, tender_id: str, objection_id: str, new_deadline: datetime | None = None) -> None:
    tendering.answer_objection(world.uow, world.ctx(), tender_id, objection_id, "已修改相关条款", new_deadline)


def run_due(world: World) -> list[tuple[str, str]]:
    return tendering.run_due(world.uow, world.ctx(SYSTEM))


# ---------------------------------------------------------------------------- clarifications
def test_clarification_is_published_to_all_and_numbered(world: World) -> None:
    tender = world.announced_tender()
    world.at(ANNOUNCE_AT + DAY)
    first = clarify(world, tender.id, affects=True)
    second = clarify(world, tender.id, affects=False)
    assert [c.number for c in world.tender(tender.id).clarifications] == [1, 2]
    assert first.issued_at == ANNOUNCE_AT + DAY
    assert first.old_bid_deadline == DEADLINE
    assert second.new_bid_deadline is None
    events = world.uow.events_named("ClarificationIssued")
    assert [(e.public, e.data["number"]) for e in events] == [(True, 1), (True, 2)]
    assert world.tender(tender.id).status is TenderStatus.ANNOUNCED


def test_clarification_affecting_bid_preparation_exactly_15_days_before_the_deadline_is_allowed(world: World) -> None:
    tender = world.announced_tender()
    world.at(DEADLINE - 15 * DAY)
    clarify(world, tender.id, affects=True)
    assert world.tender(tender.id).bid_deadline == DEADLINE


def test_clarification_affecting_bid_preparation_less_than_15_days_before_the_deadline_is_refused(
    world: World,
) -> None:
    tender = world.announced_tender()
    world.at(DEADLINE - 15 * DAY + SECOND)
    with pytest.raises(RuleViolation) as refused:
        clarify(world, tender.id, affects=True)
    assert refused.value.code == "clarification_requires_deadline_extension"
    assert refused.value.rule == "clarify_min_days_before_deadline"
    assert refused.value.details["earliest_deadline"] == (DEADLINE + SECOND).isoformat()
    assert world.tender(tender.id).clarifications == []
    assert world.uow.events_named("ClarificationIssued") == []


def test_late_clarification_moving_the_deadline_to_15_days_from_now_is_allowed(world: World) -> None:
    tender = world.announced_tender()
    now = DEADLINE - 3 * DAY
    world.at(now)
    clarification = clarify(world, tender.id, affects=True, new_deadline=now + 15 * DAY)
    assert world.tender(tender.id).bid_deadline == now + 15 * DAY
    assert clarification.old_bid_deadline == DEADLINE
    assert clarification.new_bid_deadline == now + 15 * DAY
    moved = world.uow.events_named("BidDeadlineMoved")[0]
    assert moved.public is True
    assert moved.data == {"old": DEADLINE.isoformat(), "new": (now + 15 * DAY).isoformat()}


def test_late_clarification_moving_the_deadline_to_less_than_15_days_from_now_is_refused(world: World) -> None:
    tender = world.announced_tender()
    now = DEADLINE - 3 * DAY
    world.at(now)
    with pytest.raises(RuleViolation) as refused:
        clarify(world, tender.id, affects=True, new_deadline=now + 15 * DAY - SECOND)
    assert refused.value.code == "deadline_extension_too_short"
    assert world.tender(tender.id).bid_deadline == DEADLINE


def test_late_clarification_that_does_not_affect_bid_preparation_is_allowed_without_moving_the_deadline(
    world: World,
) -> None:
    tender = world.announced_tender()
    world.at(DEADLINE - DAY)
    clarify(world, tender.id, affects=False)
    assert world.tender(tender.id).bid_deadline == DEADLINE
    assert world.uow.events_named("BidDeadlineMoved") == []


@pytest.mark.parametrize("new_deadline", [DEADLINE, DEADLINE - DAY])
def test_clarification_cannot_move_the_deadline_earlier_or_keep_it(world: World, new_deadline: datetime) -> None:
    tender = world.announced_tender()
    world.at(ANNOUNCE_AT + DAY)
    with pytest.raises(DomainError) as refused:
        clarify(world, tender.id, affects=False, new_deadline=new_deadline)
    assert refused.value.code == "deadline_not_later"


def test_clarification_publishes_the_modified_documents_it_refers_to(world: World) -> None:
    tender = world.announced_tender()
    world.at(ANNOUNCE_AT + DAY)
    modification = world.upload(tender.id, kind=DocumentKind.MODIFICATION, title="修改文件1", data=b"mod")
    assert modification.published_at is None
    clarify(world, tender.id, affects=False, documents=(modification.id,))
    published = next(d for d in world.tender(tender.id).documents if d.id == modification.id)
    assert published.published_at == ANNOUNCE_AT + DAY
    assert world.uow.events_named("ClarificationIssued")[0].data["documents"] == [modification.sha256]
    assert modification.id in {d.id for d in tendering.visible_documents(world.uow, world.ctx(BIDDER), tender.id)}


def test_clarification_referring_to_an_unknown_document_is_refused(world: World) -> None:
    tender = world.announced_tender()
    with pytest.raises(NotFound) as refused:
        clarify(world, tender.id, affects=False, documents=("doc_missing",))
    assert refused.value.code == "document_not_found"


def test_clarification_needs_text(world: World) -> None:
    tender = world.announced_tender()
    with pytest.raises(DomainError) as refused:
        tendering.clarify(world.uow, world.ctx(), tender.id, text="  ", affects_bid_preparation=False)
    assert refused.value.code == "clarification_text_required"


def test_draft_tender_is_not_clarified(world: World) -> None:
    tender = world.draft_tender()
    with pytest.raises(Conflict) as refused:
        clarify(world, tender.id, affects=False)
    assert refused.value.code == "transition_not_allowed"


def test_only_managers_clarify(world: World) -> None:
    tender = world.announced_tender(agency_org_id=AGENCY_ORG, agency_contact="李女士")
    clarify(world, tender.id, affects=False, actor=AGENCY)
    with pytest.raises(Forbidden):
        clarify(world, tender.id, affects=False, actor=BIDDER)


def test_clarification_after_the_bid_deadline_is_refused_even_before_the_scheduler_closes_bidding(
    world: World,
) -> None:
    tender = world.announced_tender()
    world.at(DEADLINE + SECOND)
    with pytest.raises(DomainError):
        clarify(world, tender.id, affects=False)


# ---------------------------------------------------------------------------- objections
def test_objection_exactly_10_days_before_the_deadline_is_allowed(world: World) -> None:
    tender = world.announced_tender()
    world.at(DEADLINE - 10 * DAY)
    object_to(world, tender.id)
    assert world.tender(tender.id).status is TenderStatus.SUSPENDED


def test_objection_less_than_10_days_before_deadline_is_refused(world: World) -> None:
    tender = world.announced_tender()
    world.at(DEADLINE - 10 * DAY + SECOND)
    with pytest.raises(RuleViolation) as refused:
        object_to(world, tender.id)
    assert refused.value.code == "objection_too_late"
    assert refused.value.rule == "objection_tender_doc_min_days_before_deadline"
    assert world.tender(tender.id).status is TenderStatus.ANNOUNCED
    assert world.tender(tender.id).objections == []


def test_objection_suspends_the_tender_and_is_due_an_answer_in_3_days(world: World) -> None:
    tender = world.announced_tender()
    world.at(ANNOUNCE_AT + 2 * DAY)
    objection_id = object_to(world, tender.id, text="  技术参数指向特定品牌  ")
    suspended = world.tender(tender.id)
    assert suspended.status is TenderStatus.SUSPENDED
    [objection] = suspended.objections
    assert objection.id == objection_id
    assert (objection.objector_org_id, objection.objector_user_id) == (BIDDER.org_id, BIDDER.user_id)
    assert objection.text == "技术参数指向特定品牌"
    assert objection.raised_at == ANNOUNCE_AT + 2 * DAY
    assert objection.answer_due == ANNOUNCE_AT + 5 * DAY
    assert objection.status is ObjectionStatus.PENDING


def test_objection_is_private_but_the_suspension_is_public(world: World) -> None:
    tender = world.announced_tender()
    world.at(ANNOUNCE_AT + DAY)
    objection_id = object_to(world, tender.id)
    raised, suspended = world.uow.events[-2:]
    assert (raised.name, raised.public) == ("ObjectionRaised", False)
    assert raised.data == {"objection_id": objection_id, "answer_due": (ANNOUNCE_AT + 4 * DAY).isoformat()}
    assert raised.actor_id == BIDDER.user_id
    assert (suspended.name, suspended.public) == ("TenderSuspended", True)
    assert suspended.data == {"reason": "objection_to_tender_documents"}
    assert "text" not in raised.data


def test_second_objection_while_suspended_does_not_suspend_again(world: World) -> None:
    tender, _ = world.suspended_tender()
    object_to(world, tender.id, BIDDER_2)
    assert len(world.tender(tender.id).pending_objections()) == 2
    assert len(world.uow.events_named("TenderSuspended")) == 1
    assert len(world.uow.events_named("ObjectionRaised")) == 2


@pytest.mark.parametrize("text", ["", "   "])
def test_objection_needs_text(world: World, text: str) -> None:
    tender = world.announced_tender()
    with pytest.raises(DomainError) as refused:
        object_to(world, tender.id, text=text)
    assert refused.value.code == "objection_text_required"


@pytest.mark.parametrize("actor", [TENDERER, AGENCY, SUPERVISOR])
def test_only_bidders_outside_the_tender_raise_objections(world: World, actor: Actor) -> None:
    tender = world.announced_tender(agency_org_id=AGENCY_ORG, agency_contact="李女士")
    with pytest.raises(Forbidden):
        object_to(world, tender.id, actor)


def test_objection_to_a_draft_tender_is_not_possible(world: World) -> None:
    tender = world.draft_tender()
    with pytest.raises(NotFound):
        object_to(world, tender.id)


# ---------------------------------------------------------------------------- suspension
def test_clarifications_are_refused_while_suspended(world: World) -> None:
    tender, _ = world.suspended_tender()
    with pytest.raises(RuleViolation) as refused:
        clarify(world, tender.id, affects=False)
    assert refused.value.code == "tender_suspended"


def test_uploads_are_refused_while_suspended(world: World) -> None:
    tender, _ = world.suspended_tender()
    with pytest.raises(RuleViolation) as refused:
        tendering.prepare_upload(world.uow, world.ctx(), tender.id)
    assert refused.value.code == "tender_suspended"
    with pytest.raises(RuleViolation) as refused:
        world.upload(tender.id, data=b"new version")
    assert refused.value.code == "tender_suspended"


def test_a_suspended_tender_can_be_terminated_but_not_cancelled(world: World) -> None:
    tender, _ = world.suspended_tender()
    with pytest.raises(RuleViolation) as refused:
        tendering.cancel_tender(world.uow, world.ctx(), tender.id, "取消")
    assert refused.value.code == "tender_suspended"
    tendering.terminate_tender(world.uow, world.ctx(), tender.id, "异议成立，终止招标")
    assert world.tender(tender.id).status is TenderStatus.TERMINATED


def test_answering_the_objection_resumes_the_tender(world: World) -> None:
    tender, objection_id = world.suspended_tender()
    world.at(ANNOUNCE_AT + 2 * DAY)
    answer(world, tender.id, objection_id)
    resumed = world.tender(tender.id)
    assert resumed.status is TenderStatus.ANNOUNCED
    [objection] = resumed.objections
    assert (objection.status, objection.answer, objection.answered_at) == (
        ObjectionStatus.ANSWERED,
        "已修改相关条款",
        ANNOUNCE_AT + 2 * DAY,
    )
    answered, resumed_event = world.uow.events[-2:]
    assert (answered.name, answered.public, answered.data["late"]) == ("ObjectionAnswered", False, False)
    assert (resumed_event.name, resumed_event.public) == ("TenderResumed", True)
    clarify(world, tender.id, affects=False)  # activities go on


def test_the_tender_resumes_only_when_every_objection_is_answered(world: World) -> None:
    tender, first = world.suspended_tender()
    second = object_to(world, tender.id, BIDDER_2)
    answer(world, tender.id, first)
    assert world.tender(tender.id).status is TenderStatus.SUSPENDED
    assert world.uow.events_named("TenderResumed") == []
    answer(world, tender.id, second)
    assert world.tender(tender.id).status is TenderStatus.ANNOUNCED


def test_an_answer_after_3_days_is_recorded_as_late(world: World) -> None:
    tender, objection_id = world.suspended_tender(objection_at=ANNOUNCE_AT + DAY)
    world.at(ANNOUNCE_AT + 4 * DAY + SECOND)
    answer(world, tender.id, objection_id)
    assert world.uow.events_named("ObjectionAnswered")[0].data["late"] is True


def test_answering_after_the_deadline_passed_during_suspension_requires_a_new_deadline(world: World) -> None:
    tender, objection_id = world.suspended_tender(objection_at=DEADLINE - 10 * DAY)
    world.at(DEADLINE + DAY)
    with pytest.raises(DomainError) as refused:
        answer(world, tender.id, objection_id)
    assert refused.value.code == "deadline_passed_during_suspension"
    still = world.tender(tender.id)
    assert still.status is TenderStatus.SUSPENDED
    assert still.objections[0].status is ObjectionStatus.PENDING
    assert world.uow.events_named("ObjectionAnswered") == []

    new_deadline = DEADLINE + 21 * DAY
    answer(world, tender.id, objection_id, new_deadline)
    resumed = world.tender(tender.id)
    assert (resumed.status, resumed.bid_deadline) == (TenderStatus.ANNOUNCED, new_deadline)
    moved = world.uow.events_named("BidDeadlineMoved")[0]
    assert moved.public is True
    assert moved.data == {"old": DEADLINE.isoformat(), "new": new_deadline.isoformat()}


def test_answering_exactly_at_the_deadline_also_requires_a_new_deadline(world: World) -> None:
    tender, objection_id = world.suspended_tender(objection_at=DEADLINE - 10 * DAY)
    world.at(DEADLINE)
    with pytest.raises(DomainError) as refused:
        answer(world, tender.id, objection_id)
    assert refused.value.code == "deadline_passed_during_suspension"


@pytest.mark.parametrize("offset", [-DAY, 0 * DAY], ids=["before-now", "now"])
def test_a_new_deadline_given_with_an_answer_must_be_later_than_now_and_the_old_deadline(
    world: World, offset: timedelta
) -> None:
    tender, objection_id = world.suspended_tender(objection_at=DEADLINE - 10 * DAY)
    world.at(DEADLINE + 2 * DAY)
    with pytest.raises(DomainError) as refused:
        answer(world, tender.id, objection_id, DEADLINE + 2 * DAY + offset)
    assert refused.value.code == "deadline_not_later"
    with pytest.raises(DomainError):
        answer(world, tender.id, objection_id, DEADLINE)


def test_an_objection_is_answered_only_once(world: World) -> None:
    tender, first = world.suspended_tender()
    object_to(world, tender.id, BIDDER_2)
    answer(world, tender.id, first)
    with pytest.raises(Conflict) as refused:
        answer(world, tender.id, first)
    assert refused.value.code == "objection_answered"


def test_answering_an_unknown_objection_is_not_found(world: World) -> None:
    tender, _ = world.suspended_tender()
    with pytest.raises(NotFound) as refused:
        answer(world, tender.id, "obj_missing")
    assert refused.value.code == "objection_not_found"


def test_answer_needs_text(world: World) -> None:
    tender, objection_id = world.suspended_tender()
    with pytest.raises(DomainError) as refused:
        tendering.answer_objection(world.uow, world.ctx(), tender.id, objection_id, " ")
    assert refused.value.code == "answer_text_required"


def test_the_objector_cannot_answer_its_own_objection(world: World) -> None:
    tender, objection_id = world.suspended_tender()
    with pytest.raises(Forbidden):
        tendering.answer_objection(world.uow, world.ctx(BIDDER), tender.id, objection_id, "自问自答")


def test_objections_are_seen_by_managers_oversight_and_the_objector_only(world: World) -> None:
    tender, first = world.suspended_tender()
    second = object_to(world, tender.id, BIDDER_2)

    def seen(actor: Actor) -> set[str]:
        return {o.id for o in tendering.visible_objections(world.uow, world.ctx(actor), tender.id)}

    assert seen(TENDERER) == {first, second}
    assert seen(SUPERVISOR) == {first, second}
    assert seen(BIDDER) == {first}
    assert seen(BIDDER_2) == {second}


# ---------------------------------------------------------------------------- the scheduler
def test_bidding_closes_when_the_scheduler_runs_at_the_deadline(world: World) -> None:
    tender = world.announced_tender()
    world.at(DEADLINE - SECOND)
    assert run_due(world) == []
    world.at(DEADLINE)
    assert run_due(world) == [("close_bidding", tender.id)]
    closed = world.tender(tender.id)
    assert (closed.status, closed.closed_at) == (TenderStatus.BIDDING_CLOSED, DEADLINE)
    event = world.uow.events_named("BiddingClosed")[0]
    assert (event.public, event.data) == (True, {"bid_deadline": DEADLINE.isoformat()})
    assert event.actor_id == SYSTEM.user_id


def test_run_due_is_idempotent(world: World) -> None:
    tender = world.announced_tender()
    world.at(DEADLINE + DAY)
    assert run_due(world) == [("close_bidding", tender.id)]
    events, commits = list(world.uow.events), world.uow.commits
    assert run_due(world) == []
    assert world.uow.events == events
    assert world.uow.commits == commits


def test_a_suspended_tender_does_not_close_at_the_deadline(world: World) -> None:
    tender, objection_id = world.suspended_tender(objection_at=DEADLINE - 10 * DAY)
    world.at(DEADLINE + DAY)
    assert run_due(world) == [("flag_overdue_objection", objection_id)]
    assert world.tender(tender.id).status is TenderStatus.SUSPENDED


def test_an_overdue_objection_is_flagged_once_and_privately(world: World) -> None:
    tender, objection_id = world.suspended_tender(objection_at=ANNOUNCE_AT + DAY)
    world.at(ANNOUNCE_AT + 4 * DAY)
    assert run_due(world) == []  # due exactly now
    world.at(ANNOUNCE_AT + 4 * DAY + SECOND)
    assert run_due(world) == [("flag_overdue_objection", objection_id)]
    assert world.tender(tender.id).objections[0].overdue_flagged_at == ANNOUNCE_AT + 4 * DAY + SECOND
    overdue = world.uow.events_named("ObjectionAnswerOverdue")
    assert [(e.public, e.data["objection_id"]) for e in overdue] == [(False, objection_id)]
    world.at(ANNOUNCE_AT + 9 * DAY)
    assert run_due(world) == []
    assert len(world.uow.events_named("ObjectionAnswerOverdue")) == 1


def test_run_due_handles_each_active_tender_and_ignores_the_others(world: World) -> None:
    announced = world.announced_tender()
    draft = world.draft_tender()
    terminated = world.announced_tender()
    world.at(ANNOUNCE_AT + DAY)
    tendering.terminate_tender(world.uow, world.ctx(), terminated.id, "终止")
    world.at(DEADLINE + DAY)
    assert run_due(world) == [("close_bidding", announced.id)]
    assert world.tender(draft.id).status is TenderStatus.DRAFT
    assert world.tender(terminated.id).status is TenderStatus.TERMINATED


def test_a_resumed_tender_closes_at_its_new_deadline(world: World) -> None:
    tender, objection_id = world.suspended_tender(objection_at=DEADLINE - 10 * DAY)
    world.at(DEADLINE + DAY)
    new_deadline = DEADLINE + 20 * DAY
    answer(world, tender.id, objection_id, new_deadline)
    world.at(new_deadline - SECOND)
    assert run_due(world) == []
    world.at(new_deadline)
    assert run_due(world) == [("close_bidding", tender.id)]


def test_closed_bidding_refuses_clarifications_and_objections(world: World) -> None:
    tender = world.announced_tender()
    world.at(DEADLINE)
    run_due(world)
    with pytest.raises(Conflict):
        clarify(world, tender.id, affects=False)
    with pytest.raises(Conflict):
        object_to(world, tender.id)
    tendering.terminate_tender(world.uow, world.ctx(), tender.id, "开标前发现重大问题")


def test_invited_bidders_objections_work_like_anyone_elses(world: World) -> None:
    from sunbid.tendering.model import Method

    tender = world.announced_tender(method=Method.INVITED, invitee_org_ids=BIDDER_ORGS[:3])
    object_to(world, tender.id)
    assert world.tender(tender.id).status is TenderStatus.SUSPENDED
