"""The experts use cases on in-memory fakes: the request, the commitment, the draw, the secrecy,
the start, replacements, extensions and flags. Refusals leave nothing behind."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest

from sunbid.experts import drawing
from sunbid.experts import service as experts
from sunbid.experts.model import (
    CommitteeStatus,
    ExpertFields,
    MemberStatus,
    ReplacementReason,
    Requirement,
    TitleLevel,
)
from sunbid.identity.model import User
from sunbid.kernel.context import SYSTEM, Actor, Context, Role
from sunbid.kernel.errors import DomainError
from sunbid.tendering.bid_model import Bid, BidStatus
from sunbid.tendering.model import TenderStatus
from tests.unit.builders import BIDDER, BIDDER_ORGS, DEADLINE, SUPERVISOR, T0, TENDERER, World

from .fakes import FakeExpertsUnitOfWork

LOCAL = "南京市综合评标专家库"
ADMIN = Actor(user_id="usr_admin", role=Role.ADMINISTRATOR, org_id=None)


class Desk(World):
    """The tendering world on the experts' fake unit of work, with a tender past its deadline."""

    def __init__(self) -> None:
        super().__init__()
        orgs = self.uow.organisations
        self.uow = FakeExpertsUnitOfWork()
        self.uow.organisations = orgs
        self.people: dict[str, Actor] = {}
        tender = self.announced_tender()
        self.tender_id, self.section_id = tender.id, tender.sections[0].id
        self.at(DEADLINE + timedelta(minutes=5))
        tender = self.tender(tender.id)
        tender.status = TenderStatus.OPENING
        for n, org in enumerate(BIDDER_ORGS[:3]):
            self.uow.bids.rows[f"bid_{n}"] = Bid(
                f"bid_{n}", tender.id, self.section_id, org, DEADLINE, BidStatus.DECRYPTED
            )
        self.venue = experts.register_venue(
            self.uow, self.ctx(ADMIN), experts.VenueFields("第一评标室", "5 楼", "320100", 20)
        ).id

    def user(self, name: str, role: Role = Role.EXPERT, org: str | None = None) -> Actor:
        made = User(f"usr_{name}", name, name, "!", role, org, T0)
        self.uow.users.rows[made.id] = made
        self.people[name] = made.as_actor()
        return self.people[name]

    def expert(self, name: str, specialty: str = "A01", **changes: Any) -> str:
        actor = self.user(name)
        fields = ExpertFields(
            name, (specialty,), TitleLevel.SENIOR, date(2010, 1, 1), date(1970, 1, 1), "320100", LOCAL
        )
        jobs = changes.pop("jobs", ())
        for key, value in changes.items():
            fields = type(fields)(**{**fields.__dict__, key: value})
        return experts.register_expert(self.uow, self.ctx(SUPERVISOR), fields, jobs, actor.user_id).id

    def request(self, **changes: Any) -> Any:
        base: dict[str, Any] = {
            "size": 5,
            "requirements": (Requirement("A01", 5, 1),),
            "local_pool": LOCAL,
            "main_venue_id": self.venue,
            "starts_at": self.clock.now() + timedelta(hours=1),
            "evaluation_hours": 8,
        }
        fields = experts.CommitteeRequestFields(**(base | changes))
        return experts.request_committee(self.uow, self.ctx(TENDERER), self.tender_id, self.section_id, fields)

    def seated(self) -> Any:
        draw = self.request()
        return experts.perform_draw(self.uow, self.ctx(TENDERER), draw.id)

    def check_in_all(self, committee_id: str) -> None:
        committee = self.uow.committees.rows[committee_id]
        for member in committee.active_members():
            actor = next(a for a in self.people.values() if a.user_id == member.user_id)
            experts.check_in(self.uow, self.ctx(actor), committee_id, self.venue)


@pytest.fixture
def desk() -> Desk:
    return Desk()


def refused(desk: Desk, code: str, call: Any) -> DomainError:
    events = list(desk.uow.events)
    with pytest.raises(DomainError) as info:
        call()
    assert info.value.code == code, info.value
    assert desk.uow.events == events, "a refusal records nothing"
    return info.value


def test_the_request_commits_the_seed_request_and_candidates_in_a_public_entry_and_keeps_the_seed(
    desk: Desk,
) -> None:
    for n in range(7):
        desk.expert(f"专家{n}")
    draw = desk.request()
    [event] = desk.uow.events_named("DrawCommitted")
    assert event.public and event.data["seed_sha256"] == drawing.sha256_hex(bytes.fromhex(draw.seed))
    assert draw.seed not in json.dumps(event.data)
    candidates = json.loads(desk.uow.blobs.open(draw.candidates_sha256).read())
    assert drawing.digest(candidates) == event.data["candidates_sha256"] == draw.candidates_sha256
    assert event.data["request_sha256"] == drawing.digest(draw.request_document)
    assert [c["code"] for c in draw.request_document["exclusions"]][:3] == [
        "not_active",
        "over_age_limit",
        "sanctioned",
    ]


def test_a_pool_too_small_is_refused_with_counts_and_an_expert_of_a_bidder_counts_as_excluded(desk: Desk) -> None:
    code = desk.uow.organisations.rows[BIDDER_ORGS[0]].credit_code
    for n in range(5):
        desk.expert(f"专家{n}")
    desk.expert("投标人员工", jobs=(experts.EmploymentFields(code, "投标单位", date(2020, 1, 1)),))
    error = refused(desk, "not_enough_eligible_experts", desk.request)
    assert error.details["lines"][0] | {"excluded": 1, "eligible": 5, "needed": 6} == error.details["lines"][0]


def test_the_draw_seats_and_reserves_and_the_managers_do_not_learn_who_before_the_start(desk: Desk) -> None:
    for n in range(8):
        desk.expert(f"专家{n}")
    committee = desk.seated()
    assert [m.status for m in committee.members].count(MemberStatus.ACTIVE) == 5
    assert [m.status for m in committee.members].count(MemberStatus.RESERVE) == 1
    assert desk.uow.events_named("CommitteeDrawn")[0].public
    refused(desk, "committee_not_found", lambda: experts.get_committee(desk.uow, desk.ctx(BIDDER), committee.id))
    assert experts.committees_of_tender(desk.uow, desk.ctx(BIDDER), desk.tender_id)[1] == []
    from sunbid.identity.policy import Action, allowed

    tender = desk.tender(desk.tender_id)
    assert not allowed(TENDERER, Action.COMMITTEE_MEMBERS_READ, (tender, committee))
    assert allowed(SUPERVISOR, Action.COMMITTEE_MEMBERS_READ, (tender, committee))


def test_the_start_waits_for_every_member_then_reveals_the_seed_and_the_record_verifies(desk: Desk) -> None:
    for n in range(7):
        desk.expert(f"专家{n}")
    committee = desk.seated()
    refused(
        desk, "members_not_checked_in", lambda: experts.start_evaluation(desk.uow, desk.ctx(TENDERER), committee.id)
    )
    refused(desk, "forbidden", lambda: experts.draw_record(desk.uow, desk.ctx(SUPERVISOR), committee.id))
    desk.check_in_all(committee.id)
    started = experts.start_evaluation(desk.uow, desk.ctx(TENDERER), committee.id)
    assert started.status is CommitteeStatus.SITTING
    assert started.evaluation_due == desk.clock.now() + timedelta(hours=8)
    [revealed] = desk.uow.events_named("DrawRevealed")
    assert revealed.public and drawing.sha256_hex(bytes.fromhex(revealed.data["seed"])) == revealed.data["seed_sha256"]
    assert experts.verify_committee(desk.uow, desk.ctx(TENDERER), committee.id).ok


def test_a_replaced_member_gives_its_seat_to_the_reserve_and_the_time_extends_past_a_third(desk: Desk) -> None:
    for n in range(8):
        desk.expert(f"专家{n}")
    committee = desk.seated()
    desk.check_in_all(committee.id)
    experts.start_evaluation(desk.uow, desk.ctx(TENDERER), committee.id)
    leaving = committee.active_members()[0]
    done = experts.replace_member(
        desk.uow, desk.ctx(TENDERER), committee.id, leaving.id, ReplacementReason.LEFT_POST, "擅离"
    )
    assert done.replaced.status is MemberStatus.REPLACED and done.successor is not None
    assert done.successor.seat == leaving.seat and done.draw is None
    sitting = desk.uow.committees.rows[committee.id]
    due = sitting.evaluation_due
    actors = [next(a for a in desk.people.values() if a.user_id == m.user_id) for m in sitting.active_members()]
    experts.request_extension(desk.uow, desk.ctx(actors[0]), committee.id, 2, "资料多")
    assert desk.uow.committees.rows[committee.id].evaluation_due == due, "one of five is not more than a third"
    experts.request_extension(desk.uow, desk.ctx(actors[1]), committee.id, 3, "资料多")
    assert desk.uow.committees.rows[committee.id].evaluation_due == due + timedelta(hours=3)


def test_the_evaluation_room_may_flag_a_deviation_as_the_platform_and_the_flag_stays(desk: Desk) -> None:
    for n in range(6):
        desk.expert(f"专家{n}")
    committee = desk.seated()
    member = committee.active_members()[0]
    system = Context(actor=SYSTEM, clock=desk.clock, rules=desk.rules)
    flag = experts.flag_deviation(desk.uow, system, member, {"factor": "技术", "z": "3.10"})
    assert desk.uow.experts.rows[member.expert_id or ""].flags == [flag]
    refused(desk, "forbidden", lambda: experts.flag_deviation(desk.uow, desk.ctx(BIDDER), member, {"x": "y"}))
    refused(desk, "deviation_details_invalid", lambda: experts.flag_deviation(desk.uow, system, member, {"x": 0.5}))
