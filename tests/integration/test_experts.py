"""The expert pool, the blind draw and the committee on the real databases: every rule from both
sides, the secrecy of the list, replacements, extensions and re-running a draw."""

from __future__ import annotations

import copy
import io
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from sunbid.bootstrap import Platform
from sunbid.experts import drawing
from sunbid.experts import service as experts
from sunbid.experts.model import (
    CommitteeStatus,
    DeclarationKind,
    DrawStatus,
    ExpertStatus,
    MemberKind,
    MemberStatus,
    RecordingKind,
    ReplacementReason,
    Requirement,
    SanctionKind,
    TitleLevel,
)
from sunbid.kernel.clock import CHINA
from sunbid.storage import ledger as store
from tests.experts import REMOTE, Pool, expert_fields
from tests.factories import World
from tests.integration.snapshot import refused, snapshot


def events(platform: Platform, name: str) -> list[dict[str, Any]]:
    with platform.engine.connect() as conn:
        bodies = [json.loads(r.body) for r in store.entry_rows(conn)]
    return [b for b in bodies if b["name"] == name]


# ---------------------------------------------------------------------------- the pool
def test_a_supervisor_registers_an_expert_and_an_administrator_may_too_but_not_a_tenderer(
    pool: Pool, world: World, platform: Platform
) -> None:
    made = experts.register_expert(world.uow(), world.ctx("admin"), expert_fields("李工"))
    assert made.status is ExpertStatus.ACTIVE
    refused(
        platform, "forbidden", lambda: experts.register_expert(world.uow(), world.ctx("tenderer"), expert_fields("x"))
    )
    [registered] = events(platform, "ExpertRegistered")
    assert registered["public"] is False and "李工" not in json.dumps(registered, ensure_ascii=False)


def test_entry_conditions_are_refused_on_the_real_database_and_nothing_is_written(
    pool: Pool, world: World, platform: Platform
) -> None:
    sup = world.ctx("supervisor")
    for code, changes in (
        ("expert_practice_too_short", {"practice_since": date(2020, 1, 1)}),
        ("expert_title_too_low", {"title_level": TitleLevel.OTHER}),
        ("expert_too_old", {"birth_date": date(1950, 1, 1), "practice_since": date(1980, 1, 1)}),
        ("expert_specialty_required", {"specialties": ()}),
    ):
        refused(platform, code, lambda c=changes: experts.register_expert(world.uow(), sup, expert_fields("x", **c)))


def test_an_expert_is_suspended_reinstated_and_exited_by_the_supervisor_only(
    pool: Pool, world: World, platform: Platform
) -> None:
    expert_id = pool.expert()
    experts.suspend_expert(world.uow(), world.ctx("admin"), expert_id, "年度考核")
    experts.reinstate_expert(world.uow(), world.ctx("supervisor"), expert_id, "考核合格")
    refused(platform, "forbidden", lambda: experts.exit_pool(world.uow(), world.ctx("admin"), expert_id, "清退"))
    gone = experts.exit_pool(world.uow(), world.ctx("supervisor"), expert_id, "多次无故缺席评标")
    assert (gone.status, gone.status_reason) == (ExpertStatus.EXITED, "多次无故缺席评标")
    refused(
        platform,
        "expert_transition_not_allowed",
        lambda: experts.reinstate_expert(world.uow(), world.ctx("supervisor"), expert_id, "x"),
    )


def test_an_expert_keeps_its_own_declarations_and_nobody_else_may(pool: Pool, world: World, platform: Platform) -> None:
    expert_id = pool.expert()
    code = pool.org_code("B")
    made = experts.declare(
        world.uow(),
        pool.as_expert(expert_id),
        experts.DeclarationFields(DeclarationKind.CLOSE_RELATIVE, "配偶在该单位任职", org_credit_code=code),
    )
    assert experts.get_expert(world.uow(), pool.as_expert(expert_id), expert_id).declarations[0].id == made.id
    refused(
        platform,
        "forbidden",
        lambda: experts.declare(
            world.uow(), world.ctx("supervisor"), experts.DeclarationFields(DeclarationKind.OTHER, "x")
        ),
    )
    refused(
        platform,
        "declaration_org_required",
        lambda: experts.declare(
            world.uow(), pool.as_expert(expert_id), experts.DeclarationFields(DeclarationKind.ECONOMIC_INTEREST, "持股")
        ),
    )
    other = pool.expert()
    refused(platform, "expert_not_found", lambda: experts.get_expert(world.uow(), pool.as_expert(other), expert_id))
    ended = experts.end_declaration(world.uow(), pool.as_expert(expert_id), made.id)
    assert ended.ended_at is not None


# ---------------------------------------------------------------------------- the request
@pytest.mark.parametrize(
    ("code", "changes"),
    [
        ("committee_too_small", {"size": 3, "requirements": (Requirement("A01", 3, 1),)}),
        ("committee_size_even", {"size": 6, "requirements": (Requirement("A01", 6, 1),)}),
        (
            "committee_too_few_experts",
            {"size": 7, "requirements": (Requirement("A01", 4, 1),), "representatives": ("r1", "r2", "r3")},
        ),
        ("requirements_do_not_sum", {"size": 7, "requirements": (Requirement("A01", 5, 1),)}),
    ],
)
def test_a_committee_too_small_even_or_with_too_few_experts_is_refused(
    pool: Pool, world: World, platform: Platform, code: str, changes: dict[str, Any]
) -> None:
    tender_id = pool.opened()
    pool.many(8)
    refused(platform, code, lambda: pool.request(tender_id, **changes))


def test_a_committee_is_not_requested_before_the_deadline_nor_by_anyone_but_the_tenders_managers(
    pool: Pool, world: World, platform: Platform
) -> None:
    pool.many(6)
    announced = world.announced_tender()
    refused(platform, "committee_before_deadline", lambda: pool.request(announced))
    tender_id = pool.opened()
    refused(platform, "forbidden", lambda: pool.request(tender_id, who="supervisor"))
    refused(platform, "forbidden", lambda: pool.request(tender_id, who="other_tenderer"))
    draw = pool.request(tender_id, who="agency")
    assert draw.status is DrawStatus.COMMITTED


def test_representatives_must_be_the_tenderers_own_staff(pool: Pool, world: World, platform: Platform) -> None:
    tender_id = pool.opened()
    pool.many(6)
    fields = {"requirements": (Requirement("A01", 4, 1),)}
    outsider = world.actors["agency"].user_id
    refused(
        platform,
        "representative_not_tenderer_staff",
        lambda: pool.request(tender_id, representatives=(outsider,), **fields),
    )
    staff = world.actors["tenderer"].user_id
    committee = experts.perform_draw(
        world.uow(), world.ctx("tenderer"), pool.request(tender_id, representatives=(staff,), **fields).id
    )
    [rep] = [m for m in committee.members if m.kind is MemberKind.REPRESENTATIVE]
    assert (rep.user_id, rep.expert_id, rep.status, rep.seat) == (staff, None, MemberStatus.ACTIVE, 5)


def test_a_request_the_pool_cannot_fill_is_refused_with_the_counts(
    pool: Pool, world: World, platform: Platform
) -> None:
    tender_id = pool.opened()
    pool.many(5)
    pool.expert(employments=(experts.EmploymentFields(pool.org_code("B"), "投标单位", date(2020, 1, 1)),))
    error = refused(platform, "not_enough_eligible_experts", lambda: pool.request(tender_id))
    assert error.details["lines"] == [
        {"line": 1, "specialty": "A01", "remote": False, "candidates": 6, "excluded": 1, "eligible": 5, "needed": 6}
    ]
    assert "需 6 人，可抽 5 人" in error.message_zh


# ---------------------------------------------------------------------------- the exclusions
def test_no_excluded_expert_is_ever_drawn_and_each_one_walked_carries_its_reason(
    pool: Pool, world: World, platform: Platform
) -> None:
    tender_id = pool.opened()
    plan_id = pool.plan_of(tender_id)
    today = world.clock.now().astimezone(CHINA).date()
    job = experts.EmploymentFields
    excluded: dict[str, str] = {}

    excluded[pool.expert(employments=(job(pool.org_code("B"), "投标一", date(2020, 1, 1)),))] = "employer_is_bidder"
    excluded[
        pool.expert(employments=(job(pool.org_code("B2"), "投标二", date(2015, 1, 1), today - timedelta(days=400)),))
    ] = "recent_employer_was_bidder"
    excluded[pool.expert(employments=(job(pool.org_code("T"), "招标人", date(2020, 1, 1)),))] = (
        "tenderer_or_agency_staff"
    )
    excluded[pool.expert(employments=(job(pool.org_code("A"), "招标代理", date(2020, 1, 1)),))] = (
        "tenderer_or_agency_staff"
    )
    supervising = pool.expert(employments=(job(pool.org_code("S"), "南京市住房和城乡建设局", date(2020, 1, 1)),))
    excluded[supervising] = "supervising_department_staff"
    for kind, reason, extra in (
        (DeclarationKind.CLOSE_RELATIVE, "close_relative_at_bidder", {"org_credit_code": pool.org_code("bidder3")}),
        (DeclarationKind.ECONOMIC_INTEREST, "economic_interest_in_bidder", {"org_credit_code": pool.org_code("B")}),
        (DeclarationKind.EARLIER_WORK, "earlier_work_on_project", {"subject_id": plan_id}),
    ):
        expert_id = pool.expert()
        experts.declare(world.uow(), pool.as_expert(expert_id), experts.DeclarationFields(kind, "申报", **extra))
        excluded[expert_id] = reason
    sanctioned = pool.expert()
    experts.record_sanction(
        world.uow(),
        world.ctx("supervisor"),
        sanctioned,
        experts.SanctionFields(
            SanctionKind.ADMINISTRATIVE, "南京市住建局", "宁建罚〔2024〕3号", date(2024, 5, 1), "串通"
        ),
    )
    excluded[sanctioned] = "sanctioned"
    eligible = set(pool.many(5))
    # An expert with a declaration that ended, and one who left a bidder long ago, are eligible.
    ended = pool.expert(employments=(job(pool.org_code("B"), "投标一", date(2000, 1, 1), date(2015, 1, 1)),))
    made = experts.declare(
        world.uow(),
        pool.as_expert(ended),
        experts.DeclarationFields(DeclarationKind.CLOSE_RELATIVE, "已离职", org_credit_code=pool.org_code("B")),
    )
    experts.end_declaration(world.uow(), pool.as_expert(ended), made.id)
    eligible.add(ended)

    error = refused(
        platform,
        "not_enough_eligible_experts",
        lambda: pool.request(tender_id, requirements=(Requirement("A01", 5, 2),)),
    )
    assert (error.details["lines"][0]["excluded"], error.details["lines"][0]["eligible"]) == (len(excluded), 6)

    draw = pool.request(tender_id, requirements=(Requirement("A01", 5, 1),), supervising_department_credit_code=None)
    committee = experts.perform_draw(world.uow(), world.ctx("tenderer"), draw.id)
    drawn = {m.expert_id for m in committee.members}
    assert drawn == eligible, "every eligible expert is drawn (5 seats and a reserve) and no excluded one"
    audited = experts.get_draw(world.uow(), world.ctx("supervisor"), draw.id)
    assert audited.walk is not None
    steps = [s for line in audited.walk for s in line["steps"]]
    for step in steps:
        if step["outcome"] == drawing.EXCLUDED:
            assert step["reasons"] == [excluded[step["expert"]]], step
    walked = {s["expert"] for s in steps}
    assert walked >= eligible


def test_an_expert_over_the_age_limit_on_the_day_of_the_draw_is_not_drawn(
    pool: Pool, world: World, platform: Platform
) -> None:
    draw_day = world.clock.now() + timedelta(days=30)
    seventy = draw_day.astimezone(CHINA).date().replace(year=draw_day.year - 70) - timedelta(days=2)
    old = pool.expert(birth_date=seventy, practice_since=date(1990, 1, 1))  # 69 today, 70 by the draw
    tender_id = pool.opened()
    assert world.clock.now() < draw_day
    young = set(pool.many(5))
    world.clock.set(draw_day)
    error = refused(
        platform,
        "not_enough_eligible_experts",
        lambda: pool.request(tender_id, requirements=(Requirement("A01", 5, 1),)),
    )
    assert error.details["lines"][0]["excluded"] == 1
    committee = pool.drawn(tender_id, requirements=(Requirement("A01", 5, 0),))
    assert old not in {m.expert_id for m in committee.members} and {m.expert_id for m in committee.members} == young


def test_an_expert_suspended_after_the_commitment_is_skipped_as_not_active(
    pool: Pool, world: World, platform: Platform
) -> None:
    tender_id = pool.opened()
    ids = pool.many(7)
    draw = pool.request(tender_id, requirements=(Requirement("A01", 5, 1),))
    experts.suspend_expert(world.uow(), world.ctx("supervisor"), ids[0], "临时暂停")
    committee = experts.perform_draw(world.uow(), world.ctx("tenderer"), draw.id)
    assert ids[0] not in {m.expert_id for m in committee.members}
    walk = experts.get_draw(world.uow(), world.ctx("auditor"), draw.id).walk
    assert walk is not None
    for step in walk[0]["steps"]:
        if step["expert"] == ids[0]:
            assert step == {"expert": ids[0], "outcome": "excluded", "reasons": ["not_active"]}


def test_remote_seats_come_from_other_pools_only_and_sit_at_the_secondary_venue(
    pool: Pool, world: World, platform: Platform
) -> None:
    tender_id = pool.opened()
    local = set(pool.many(5))
    remote = set(pool.many(3, pool=REMOTE))
    committee = pool.drawn(
        tender_id,
        requirements=(Requirement("A01", 3, 1), Requirement("A01", 2, 1, remote=True)),
        secondary_venue_ids=(pool.second_venue,),
    )
    by_line = {m.expert_id: m for m in committee.members}
    assert {e for e, m in by_line.items() if m.remote} <= remote
    assert {e for e, m in by_line.items() if not m.remote} <= local
    [member] = [m for m in committee.active_members() if m.remote][:1]
    refused(
        platform,
        "venue_not_of_member",
        lambda: experts.check_in(world.uow(), pool.ctx_of(member.user_id), committee.id, pool.venue),
    )
    experts.check_in(world.uow(), pool.ctx_of(member.user_id), committee.id, pool.second_venue)


# ---------------------------------------------------------------------------- secrecy
def test_before_the_start_only_oversight_and_the_drawn_see_who_was_drawn(
    pool: Pool, world: World, api: TestClient
) -> None:
    tender_id = pool.opened()
    pool.many(6)
    committee = pool.drawn(tender_id)
    path = f"/api/v1/committees/{committee.id}"
    seen = {who: api.get(path, headers=world.headers(who)) for who in ("tenderer", "agency", "supervisor", "auditor")}
    for who in ("tenderer", "agency"):
        body = seen[who].json()
        assert seen[who].status_code == 200 and body["revealed"] is False
        assert all(m["name"] is None and m["expert_id"] is None for m in body["members"]), who
        assert all(m["status"] != "reserve" for m in body["members"])
    for who in ("supervisor", "auditor"):
        assert seen[who].json()["revealed"] is True
        assert {m["expert_id"] for m in seen[who].json()["members"]} == {m.expert_id for m in committee.members}
    for who in ("bidder", "bidder2", "expert", "admin", "other_tenderer"):
        assert api.get(path, headers=world.headers(who)).status_code == 404, who
        assert api.get(f"/api/v1/tenders/{tender_id}/committees", headers=world.headers(who)).json() == [], who
    assert api.get(path).status_code == 404
    assert api.get(f"/api/v1/committees/{committee.id}/draw-record").status_code == 404
    member = committee.active_members()[0]
    own = world.headers(pool.username_of(member.user_id))
    seat = api.get("/api/v1/experts/me/seats", headers=own).json()
    assert [(s["committee_id"], s["seat"], s["venues"][0]["id"]) for s in seat] == [
        (committee.id, member.seat, pool.venue)
    ]
    mine = api.get(path, headers=own).json()
    assert [m["name"] for m in mine["members"] if m["name"]] == [member.name]
    [drawn] = events(world.platform, "CommitteeDrawn")
    assert drawn["public"] is True
    assert not any(m.expert_id and m.expert_id in json.dumps(drawn) for m in committee.members)


def test_after_the_start_the_managers_and_members_see_the_list_and_the_seed_is_revealed(
    pool: Pool, world: World, platform: Platform, api: TestClient
) -> None:
    tender_id = pool.opened()
    pool.many(6)
    committee = pool.drawn(tender_id)
    refused(
        platform,
        "members_not_checked_in",
        lambda: experts.start_evaluation(world.uow(), world.ctx("tenderer"), committee.id),
    )
    pool.check_in_all(committee.id)
    [check] = events(platform, "MemberCheckedIn")[:1]
    assert (check["address"], check["public"], check["data"]["venue_id"]) == ("127.0.0.1", False, pool.venue)
    started = experts.start_evaluation(world.uow(), world.ctx("tenderer"), committee.id)
    assert started.status is CommitteeStatus.SITTING and started.evaluation_due == world.clock.now() + timedelta(
        hours=8
    )
    body = api.get(f"/api/v1/committees/{committee.id}", headers=world.headers("tenderer")).json()
    assert body["revealed"] is True and all(m["name"] for m in body["members"])
    assert api.get(f"/api/v1/committees/{committee.id}", headers=world.headers("bidder")).status_code == 404
    [revealed] = events(platform, "DrawRevealed")
    assert revealed["public"] is True
    assert drawing.sha256_hex(bytes.fromhex(revealed["data"]["seed"])) == revealed["data"]["seed_sha256"]


# ---------------------------------------------------------------------------- verification
def test_the_draw_re_runs_from_the_revealed_data_to_the_same_committee(
    pool: Pool, world: World, api: TestClient
) -> None:
    tender_id = pool.opened()
    pool.many(9)
    draw = pool.request(tender_id, await_contribution=True)
    refused(
        world.platform,
        "contribution_awaited",
        lambda: experts.perform_draw(world.uow(), world.ctx("tenderer"), draw.id),
    )
    experts.contribute(world.uow(), world.ctx("supervisor"), draw.id, bytes(range(32)))
    committee = experts.perform_draw(world.uow(), world.ctx("tenderer"), draw.id)
    pool.check_in_all(committee.id)
    experts.start_evaluation(world.uow(), world.ctx("tenderer"), committee.id)
    record = api.get(f"/api/v1/committees/{committee.id}/draw-record", headers=world.headers("tenderer")).json()
    result = experts.check_record(record)
    assert result.ok, result.problems
    assert sorted(result.members) == sorted(m.expert_id for m in committee.members if m.expert_id)
    server = api.get(f"/api/v1/committees/{committee.id}/verification", headers=world.headers("auditor")).json()
    assert server["ok"] is True and server["draws"] == 1

    changed_list = copy.deepcopy(record)
    changed_list["draws"][0]["candidates"]["lines"][0]["ids"].pop()
    changed_seed = copy.deepcopy(record)
    changed_seed["draws"][0]["seed"] = bytes(32).hex()
    changed_both = copy.deepcopy(changed_seed)
    changed_both["draws"][0]["committed"]["seed_sha256"] = drawing.sha256_hex(bytes(32))
    no_contribution = copy.deepcopy(record)
    no_contribution["draws"][0]["contribution"] = None
    for bad in (changed_list, changed_seed, changed_both, no_contribution):
        assert not experts.check_record(bad).ok
    assert "the committed digests differ from those in the ledger" in " ".join(
        experts.check_record(changed_both).problems
    )


# ---------------------------------------------------------------------------- replacements
def test_a_replaced_member_is_void_and_its_seat_goes_to_the_first_eligible_reserve(
    pool: Pool, world: World, platform: Platform
) -> None:
    tender_id = pool.opened()
    pool.many(8)
    committee = pool.started(tender_id, requirements=(Requirement("A01", 5, 2),))
    leaving = committee.active_members()[2]
    first, second = committee.reserves()
    experts.suspend_expert(world.uow(), world.ctx("supervisor"), first.expert_id or "", "不能参加")
    done = experts.replace_member(
        world.uow(), world.ctx("tenderer"), committee.id, leaving.id, ReplacementReason.HEALTH, "突发疾病"
    )
    assert done.draw is None and done.successor is not None and done.successor.id == second.id
    after = pool.committee(committee.id)
    gone = after.member(leaving.id)
    assert gone is not None and (gone.status, gone.replaced_reason, gone.replaced_by) == (
        MemberStatus.REPLACED,
        "health",
        second.id,
    )
    promoted = after.member(second.id)
    assert promoted is not None and (promoted.status, promoted.seat) == (MemberStatus.ACTIVE, leaving.seat)
    assert after.member_of(leaving.user_id or "") is None
    assert [e["data"]["reasons"] for e in events(platform, "ReserveSkipped")] == [["not_active"]]
    refused(
        platform,
        "member_not_active",
        lambda: experts.replace_member(
            world.uow(), world.ctx("tenderer"), committee.id, leaving.id, ReplacementReason.RECUSAL, "x"
        ),
    )


def test_without_a_reserve_the_replacement_is_a_fresh_committed_draw_that_never_redraws_a_member(
    pool: Pool, world: World, platform: Platform
) -> None:
    tender_id = pool.opened()
    pool.many(7)
    committee = pool.started(tender_id, requirements=(Requirement("A01", 5, 0),))
    leaving = committee.active_members()[0]
    done = experts.replace_member(
        world.uow(), world.ctx("agency"), committee.id, leaving.id, ReplacementReason.RECUSAL, "发现与投标人有利害关系"
    )
    assert done.successor is None and done.draw is not None and done.draw.status is DrawStatus.COMMITTED
    assert done.draw.lines == [Requirement("A01", 1, 0)]
    sitting = pool.committee(committee.id)
    assert len(sitting.active_members()) == 4
    after = experts.perform_draw(world.uow(), world.ctx("tenderer"), done.draw.id)
    [newcomer] = [m for m in after.active_members() if m.seat == leaving.seat]
    assert newcomer.expert_id not in {m.expert_id for m in committee.members}
    assert experts.verify_committee(world.uow(), world.ctx("supervisor"), committee.id).ok
    walk = experts.get_draw(world.uow(), world.ctx("supervisor"), done.draw.id).walk or []
    for step in walk[0]["steps"]:
        if step["outcome"] == "excluded":
            assert step["reasons"] == ["already_on_committee"]
    again = experts.replace_member(
        world.uow(), world.ctx("tenderer"), committee.id, newcomer.id, ReplacementReason.HEALTH, "身体不适"
    )
    assert again.draw is not None and again.draw.lines == [Requirement("A01", 1, 0)]
    last = experts.perform_draw(world.uow(), world.ctx("tenderer"), again.draw.id)
    assert len(last.active_members()) == 5 and len({m.expert_id for m in last.members}) == 7
    # The pool is spent: the next replacement is refused whole, and the member keeps its seat.
    sitter = last.active_members()[1]
    refused(
        platform,
        "not_enough_eligible_experts",
        lambda: experts.replace_member(
            world.uow(), world.ctx("tenderer"), committee.id, sitter.id, ReplacementReason.HEALTH, "x"
        ),
    )
    assert experts.verify_committee(world.uow(), world.ctx("supervisor"), committee.id).ok


# ---------------------------------------------------------------------------- extensions
def test_the_time_is_extended_only_when_more_than_a_third_of_the_members_ask(
    pool: Pool, world: World, platform: Platform
) -> None:
    tender_id = pool.opened()
    pool.many(8)
    committee = pool.started(tender_id, requirements=(Requirement("A01", 7, 0),), size=7)
    due = committee.evaluation_due
    assert due is not None
    members = committee.active_members()
    for member, hours in zip(members[:2], (2, 4), strict=True):
        _req, after = experts.request_extension(world.uow(), pool.ctx_of(member.user_id), committee.id, hours, "资料多")
        assert after.evaluation_due == due, "two of seven is not more than a third"
    refused(
        platform,
        "extension_already_requested",
        lambda: experts.request_extension(world.uow(), pool.ctx_of(members[0].user_id), committee.id, 1, "x"),
    )
    _req, after = experts.request_extension(world.uow(), pool.ctx_of(members[2].user_id), committee.id, 3, "资料多")
    assert after.evaluation_due == due + timedelta(hours=4)
    [extended] = events(platform, "EvaluationExtended")
    assert (extended["data"]["requests"], extended["data"]["members"]) == (3, 7)
    refused(
        platform,
        "forbidden",
        lambda: experts.request_extension(world.uow(), world.ctx("tenderer"), committee.id, 1, "x"),
    )


# ---------------------------------------------------------------------------- venues
def test_a_venue_hosts_several_committees_within_its_capacity(pool: Pool, world: World, platform: Platform) -> None:
    small = experts.register_venue(
        world.uow(), world.ctx("admin"), experts.VenueFields("小评标室", "5 楼", "320100", 8)
    ).id
    first, second = pool.opened(), pool.opened()
    pool.many(12)
    pool.drawn(first, main_venue_id=small, starts_at=world.clock.now() + timedelta(hours=1))
    refused(
        platform,
        "venue_full",
        lambda: pool.request(second, main_venue_id=small, starts_at=world.clock.now() + timedelta(hours=2)),
    )
    later = pool.request(second, main_venue_id=small, starts_at=world.clock.now() + timedelta(hours=10))
    assert later.status is DrawStatus.COMMITTED


def test_a_recording_is_stored_and_its_hash_anchored_in_the_ledger(
    pool: Pool, world: World, platform: Platform, api: TestClient
) -> None:
    tender_id = pool.opened()
    pool.many(6)
    committee = pool.drawn(tender_id)
    video = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 40
    start = world.clock.now() - timedelta(hours=1)
    response = api.post(
        f"/api/v1/venues/{pool.venue}/recordings",
        params={
            "kind": "video",
            "filename": "评标室-1.mp4",
            "recorded_from": start.isoformat(),
            "recorded_to": world.clock.now().isoformat(),
            "committee_id": committee.id,
        },
        content=video,
        headers=world.headers("admin") | {"Content-Type": "application/octet-stream"},
    )
    assert response.status_code == 201, response.text
    [anchored] = events(platform, "RecordingAnchored")
    assert anchored["data"]["sha256"] == response.json()["sha256"] == __import__("hashlib").sha256(video).hexdigest()
    assert anchored["data"]["kind"] == RecordingKind.VIDEO
    got = api.get(f"/api/v1/recordings/{response.json()['id']}/content", headers=world.headers("auditor"))
    assert got.content == video
    assert (
        api.get(f"/api/v1/recordings/{response.json()['id']}/content", headers=world.headers("tenderer")).status_code
        == 403
    )
    blob = platform.blobs.put_file(io.BytesIO(video))
    refused(
        platform,
        "recording_times_invalid",
        lambda: experts.anchor_recording(
            world.uow(),
            world.ctx("admin"),
            pool.venue,
            experts.RecordingFields(RecordingKind.AUDIO, "a.wav", "audio/wav", world.clock.now(), start),
            blob,
        ),
    )


# ---------------------------------------------------------------------------- accountability
def test_after_the_evaluation_the_tenderer_and_the_supervisor_each_rate_each_expert_once(
    pool: Pool, world: World, platform: Platform
) -> None:
    tender_id = pool.opened()
    pool.many(6)
    committee = pool.started(tender_id)
    member = committee.active_members()[0]
    refused(
        platform,
        "evaluation_not_finished",
        lambda: experts.rate_expert(world.uow(), world.ctx("tenderer"), committee.id, member.id, 90, "认真"),
    )
    experts.dissolve(world.uow(), world.ctx("tenderer"), committee.id)
    experts.rate_expert(world.uow(), world.ctx("tenderer"), committee.id, member.id, 90, "认真负责")
    experts.rate_expert(world.uow(), world.ctx("supervisor"), committee.id, member.id, 85, "")
    refused(
        platform,
        "already_rated",
        lambda: experts.rate_expert(world.uow(), world.ctx("agency"), committee.id, member.id, 10, "x"),
    )
    refused(
        platform,
        "rating_score_invalid",
        lambda: experts.rate_expert(world.uow(), world.ctx("supervisor"), committee.id, member.id, 101, "x"),
    )
    refused(
        platform,
        "committee_not_found",
        lambda: experts.rate_expert(world.uow(), world.ctx("bidder"), committee.id, member.id, 1, "x"),
    )
    record = experts.get_expert(world.uow(), world.ctx("auditor"), member.expert_id or "")
    assert sorted((r.rater, r.score) for r in record.ratings) == [("supervisor", 85), ("tenderer", 90)]


def test_a_deviation_flag_from_the_evaluation_room_stays_on_the_experts_record(
    pool: Pool, world: World, platform: Platform
) -> None:
    tender_id = pool.opened()
    pool.many(6)
    committee = pool.started(tender_id)
    member = committee.active_members()[1]
    details = {"factor": "施工组织设计", "score": "12.00", "committee_median": "25.50", "deviation": "-52.9%"}
    experts.flag_deviation(world.uow(), world.ctx("tenderer"), member, details)
    refused(
        platform,
        "deviation_details_required",
        lambda: experts.flag_deviation(world.uow(), world.ctx("tenderer"), member, {}),
    )
    refused(platform, "forbidden", lambda: experts.flag_deviation(world.uow(), world.ctx("bidder"), member, details))
    record = experts.get_expert(world.uow(), world.ctx("supervisor"), member.expert_id or "")
    assert [(f.committee_id, f.details) for f in record.flags] == [(committee.id, details)]
    assert events(platform, "ExpertDeviationFlagged")[0]["public"] is False


def test_sunbid_experts_verify_draw_checks_a_saved_record_and_names_what_does_not_hold(
    pool: Pool, world: World, api: TestClient, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from sunbid.cli.main import app

    tender_id = pool.opened()
    pool.many(7)
    committee = pool.started(tender_id)
    record = api.get(f"/api/v1/committees/{committee.id}/draw-record", headers=world.headers("supervisor")).json()
    good, bad = tmp_path / "draw.json", tmp_path / "tampered.json"
    good.write_text(json.dumps(record))
    record["draws"][0]["candidates"]["lines"][0]["ids"].reverse()
    bad.write_text(json.dumps(record))
    runner = CliRunner()
    ok = runner.invoke(app, ["experts", "verify-draw", str(good)])
    assert ok.exit_code == 0, ok.output
    assert "re-runs to the recorded committee" in ok.output
    failed = runner.invoke(app, ["experts", "verify-draw", str(bad)])
    assert failed.exit_code == 1
    assert "candidates are not sorted" in failed.output


def test_bad_input_over_http_is_a_problem_with_a_code_and_writes_nothing(
    pool: Pool, world: World, platform: Platform, api: TestClient
) -> None:
    tender_id = pool.opened()
    pool.many(6)
    draw = pool.request(tender_id)
    section = pool.section(tender_id)
    sup, ten, adm = world.headers("supervisor"), world.headers("tenderer"), world.headers("admin")
    good = {
        "size": 5,
        "requirements": [{"specialty": "A01", "seats": 5}],
        "local_pool": "南京市综合评标专家库",
        "main_venue_id": pool.venue,
        "starts_at": (world.clock.now() + timedelta(hours=2)).isoformat(),
        "evaluation_hours": 8,
    }
    cases: list[tuple[str, str, dict[str, str], Any, int, str]] = [
        ("POST", "/api/v1/experts", sup, {"name": "x"}, 422, "request_invalid"),
        ("POST", "/api/v1/experts", sup, {**_expert_json(), "specialties": ["a1"]}, 422, "request_invalid"),
        ("POST", "/api/v1/experts", sup, {**_expert_json(), "birth_date": "1950-01-01"}, 409, "expert_too_old"),
        ("POST", f"/api/v1/draws/{draw.id}/contribution", sup, {"contribution": "zz" * 16}, 422, "request_invalid"),
        (
            "POST",
            f"/api/v1/draws/{draw.id}/contribution",
            sup,
            {"contribution": "ab" * 8 + "c"},
            422,
            "request_invalid",
        ),
        (
            "POST",
            f"/api/v1/tenders/{tender_id}/sections/{section}/committee-requests",
            ten,
            {**good, "starts_at": "2026-04-01T09:00:00"},
            422,
            "request_invalid",
        ),
        (
            "POST",
            f"/api/v1/tenders/{tender_id}/sections/{section}/committee-requests",
            ten,
            {**good, "size": 4, "requirements": [{"specialty": "A01", "seats": 4}]},
            409,
            "committee_too_small",
        ),
        (
            "POST",
            f"/api/v1/committees/cmt_{'0' * 26}/check-in",
            ten,
            {"venue_id": pool.venue},
            404,
            "committee_not_found",
        ),
        (
            "POST",
            "/api/v1/venues",
            adm,
            {"name": "x", "address": "y", "region": "32", "capacity": 1},
            422,
            "request_invalid",
        ),
    ]
    before = snapshot(platform)
    for method, path, headers, body, status, code in cases:
        response = api.request(method, path, headers=headers, json=body)
        assert (response.status_code, response.json()["code"]) == (status, code), (path, response.text)
    naive = api.post(
        f"/api/v1/venues/{pool.venue}/recordings",
        params={
            "kind": "audio",
            "filename": "a.wav",
            "recorded_from": "2026-03-01T08:00:00",
            "recorded_to": "2026-03-01T09:00:00",
        },
        content=b"RIFF",
        headers=adm | {"Content-Type": "application/octet-stream"},
    )
    assert (naive.status_code, naive.json()["code"]) == (422, "time_zone_required")
    as_json = api.post(
        f"/api/v1/venues/{pool.venue}/recordings",
        params={"kind": "audio", "filename": "a.wav", "recorded_from": START_ISO, "recorded_to": START_ISO},
        json={"x": 1},
        headers=adm,
    )
    assert (as_json.status_code, as_json.json()["code"]) == (422, "content_type_octet_stream")
    assert snapshot(platform) == before


START_ISO = "2026-03-02T01:00:00+00:00"


def _expert_json() -> dict[str, Any]:
    return {
        "name": "新专家",
        "specialties": ["A01"],
        "title_level": "senior",
        "practice_since": "2010-01-01",
        "birth_date": "1970-01-01",
        "region": "320100",
        "home_pool": "南京市综合评标专家库",
    }
