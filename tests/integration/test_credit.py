"""Credit grades from the platform's records on the real databases: penalties, repeated unfounded
complaints, completed contracts, experts' sanctions; a supervisor's override with its reason; the
scheduler's daily recomputation; who reads a grade."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from sunbid.bootstrap import Platform
from sunbid.experts import service as experts
from sunbid.experts.model import SanctionKind
from sunbid.identity import registry
from sunbid.kernel.calendar import china_date
from sunbid.kernel.clock import FixedClock
from sunbid.kernel.errors import DomainError, Forbidden, NotFound
from sunbid.supervision import credit_service as credit
from sunbid.supervision import service as complaints
from sunbid.supervision.credit_model import PenaltyKind
from sunbid.supervision.model import ComplaintMatter
from tests.bidding import Bidding
from tests.experts import Pool
from tests.factories import World, make_world


@pytest.fixture
def world(platform: Platform, clock: FixedClock) -> World:
    return make_world(platform, clock, tokens=False)


def org_grade(world: World, key: str) -> str | None:
    with world.uow() as uow:
        org = uow.organisations.get(world.orgs[key])
        assert org is not None
        return org.credit_grade


def penalty(world: World, key: str, kind: PenaltyKind, **changes: Any) -> Any:
    fields: dict[str, Any] = {
        "kind": kind,
        "authority": "南京市住房和城乡建设局",
        "decision_number": "宁建罚〔2026〕12号",
        "decided_on": china_date(world.clock.now()) - timedelta(days=10),
        "details": "串通投标，处中标项目金额千分之五罚款",
    } | changes
    return credit.record_penalty(world.uow(), world.ctx("supervisor"), world.orgs[key], **fields)


def refused(code: str, call: Any, kind: type[Exception] = DomainError) -> None:
    with pytest.raises(kind) as info:
        call()
    assert getattr(info.value, "code", None) == code, info.value


def test_everyone_without_records_is_graded_b_and_the_grade_is_written_where_deposits_read_it(
    world: World, platform: Platform
) -> None:
    assert org_grade(world, "B") is None
    done = credit.recompute(platform.uow(), world.ctx("supervisor"))
    assert done is not None and done.subjects >= len(world.orgs) and done.by_grade["B"] == done.subjects
    assert org_grade(world, "B") == "B"
    grade, history = credit.get_grade(platform.uow(), world.ctx("auditor"), "organisation", world.orgs["B"])
    assert grade.grade == "B" and grade.reasons == [] and [h.kind for h in history] == ["computed"]


def test_a_collusion_penalty_makes_d_at_once_and_its_revocation_restores_the_grade(
    world: World, platform: Platform
) -> None:
    credit.recompute(platform.uow(), world.ctx("supervisor"))
    made = penalty(world, "B", PenaltyKind.COLLUSION)
    assert org_grade(world, "B") == "D", "recorded and graded in one step"
    grade, _ = credit.get_grade(platform.uow(), world.ctx("supervisor"), "organisation", world.orgs["B"])
    assert grade.reasons[0]["kind"] == "penalty_serious" and grade.reasons[0]["ref"] == made.id
    credit.revoke_penalty(platform.uow(), world.ctx("supervisor"), made.id, "行政复议撤销")
    assert org_grade(world, "B") == "B"
    refused("penalty_revoked", lambda: credit.revoke_penalty(platform.uow(), world.ctx("supervisor"), made.id, "x"))
    assert [p.id for p in credit.penalties_of(platform.uow(), world.ctx("bidder2"), world.orgs["B"])] == [made.id]


def test_a_bidding_ban_is_d_while_it_runs(world: World, platform: Platform, clock: FixedClock) -> None:
    today = china_date(clock.now())
    penalty(
        world, "B2", PenaltyKind.BIDDING_BAN, decided_on=today - timedelta(days=5), ban_until=today + timedelta(days=30)
    )
    assert org_grade(world, "B2") == "D"
    clock.advance(timedelta(days=32))
    credit.recompute(platform.uow(), world.ctx("supervisor"))
    assert org_grade(world, "B2") == "B"


def test_a_penalty_needs_its_authority_number_and_facts_and_a_ban_its_end(world: World) -> None:
    today = china_date(world.clock.now())
    refused("ban_until_required", lambda: penalty(world, "B", PenaltyKind.BIDDING_BAN))
    refused(
        "ban_until_invalid", lambda: penalty(world, "B", PenaltyKind.BIDDING_BAN, ban_until=today - timedelta(days=20))
    )
    refused(
        "decided_on_in_future", lambda: penalty(world, "B", PenaltyKind.FRAUD, decided_on=today + timedelta(days=1))
    )
    refused("decision_number_required", lambda: penalty(world, "B", PenaltyKind.FRAUD, decision_number=" "))
    refused("penalty_details_required", lambda: penalty(world, "B", PenaltyKind.FRAUD, details=""))
    refused("forbidden", lambda: credit.record_penalty(world.uow(), world.ctx("auditor"), world.orgs["B"],
                                                       kind=PenaltyKind.OTHER, authority="x", decision_number="1",
                                                       decided_on=today, details="x"), Forbidden)  # fmt: skip
    refused("organisation_not_found", lambda: credit.record_penalty(
        world.uow(), world.ctx("supervisor"), "org_nobody", kind=PenaltyKind.OTHER, authority="x",
        decision_number="1", decided_on=today, details="x"), NotFound)  # fmt: skip
    assert credit.penalties_of(world.uow(), world.ctx("supervisor"), world.orgs["B"]) == []


def test_a_minor_penalty_makes_c(world: World) -> None:
    penalty(world, "B", PenaltyKind.OTHER, details="未按规定提交投标保证金，警告")
    assert org_grade(world, "B") == "C"


def test_repeated_unfounded_complaints_make_c(world: World, platform: Platform) -> None:
    tender_id = world.announced_tender()
    for n in range(3):
        made = complaints.file_complaint(world.uow(), world.ctx("bidder"), tender_id, matter=ComplaintMatter.OTHER,
                                         text=f"第{n + 1}次投诉", known_at=world.clock.now())  # fmt: skip
        complaints.refuse(world.uow(), world.ctx("supervisor"), made.id, "不属于受理范围")
    credit.recompute(platform.uow(), world.ctx("supervisor"))
    assert org_grade(world, "B") == "C"
    grade, _ = credit.get_grade(platform.uow(), world.ctx("supervisor"), "organisation", world.orgs["B"])
    assert [r["kind"] for r in grade.reasons] == ["repeated_complaints"]


def test_three_completed_contracts_and_no_bad_record_make_a(world: World, platform: Platform) -> None:
    for n in range(3):
        registry.add_performance(
            world.uow(), world.ctx("supervisor"), world.orgs["B"], project_name=f"某学校{n}号楼", category="works",
            sector="房屋建筑", amount=Decimal("8000000.00"), completed_at=world.clock.now() - timedelta(days=100 * n + 1),
        )  # fmt: skip
    credit.recompute(platform.uow(), world.ctx("supervisor"))
    assert org_grade(world, "B") == "A"
    penalty(world, "B", PenaltyKind.OTHER)
    assert org_grade(world, "B") == "C"


def test_an_expert_under_sanction_is_d_on_its_own_record(world: World, platform: Platform, tmp_path: Path) -> None:
    pool = Pool(world, Bidding(world, tmp_path / "pki"))
    expert_id = pool.expert()
    credit.recompute(platform.uow(), world.ctx("supervisor"))
    assert experts.get_expert(world.uow(), world.ctx("supervisor"), expert_id).credit_grade == "B"
    experts.record_sanction(world.uow(), world.ctx("supervisor"), expert_id, experts.SanctionFields(
        SanctionKind.ADMINISTRATIVE, "南京市发改委", "宁发改罚〔2026〕1号", date(2026, 1, 5), "收受投标人财物"))  # fmt: skip
    credit.recompute(platform.uow(), world.ctx("supervisor"))
    assert experts.get_expert(world.uow(), world.ctx("supervisor"), expert_id).credit_grade == "D"
    own, _ = credit.get_grade(platform.uow(), pool.as_expert(expert_id), "expert", expert_id)
    assert own.grade == "D" and own.reasons[0]["kind"] == "expert_sanction"
    other = pool.expert()
    refused(
        "forbidden", lambda: credit.get_grade(platform.uow(), pool.as_expert(other), "expert", expert_id), Forbidden
    )


def test_a_supervisors_override_holds_over_recomputation_until_cleared_with_its_reason(
    world: World, platform: Platform
) -> None:
    credit.recompute(platform.uow(), world.ctx("supervisor"))
    org = world.orgs["B"]
    held = credit.override(platform.uow(), world.ctx("supervisor"), "organisation", org, "A", "省级信用评价结果为A")
    assert held.grade == "A" and held.computed_grade == "B" and held.override_reason == "省级信用评价结果为A"
    assert org_grade(world, "B") == "A"
    credit.recompute(platform.uow(), world.ctx("supervisor"))
    assert org_grade(world, "B") == "A", "a recomputation does not undo an override"
    cleared = credit.override(platform.uow(), world.ctx("supervisor"), "organisation", org, None, "省级评价结果撤回")
    assert cleared.grade == "B" and cleared.override_grade is None and org_grade(world, "B") == "B"
    _, history = credit.get_grade(platform.uow(), world.ctx("auditor"), "organisation", org)
    assert [(h.kind, h.grade, h.note) for h in history] == [
        ("computed", "B", ""), ("override", "A", "省级信用评价结果为A"), ("override_cleared", "B", "省级评价结果撤回"),
    ]  # fmt: skip


def test_an_override_until_a_time_lapses_at_the_next_recomputation(
    world: World, platform: Platform, clock: FixedClock
) -> None:
    org = world.orgs["B"]
    credit.override(platform.uow(), world.ctx("supervisor"), "organisation", org, "C", "约谈整改期间",
                    until=clock.now() + timedelta(days=1))  # fmt: skip
    assert org_grade(world, "B") == "C"
    clock.advance(timedelta(days=2))
    credit.recompute(platform.uow(), world.ctx("supervisor"))
    assert org_grade(world, "B") == "B"
    _, history = credit.get_grade(platform.uow(), world.ctx("auditor"), "organisation", org)
    assert history[-1].kind == "override_lapsed"


def test_an_override_is_refused_without_a_reason_a_grade_or_a_future_end(
    world: World, platform: Platform, clock: FixedClock
) -> None:
    org, sup = world.orgs["B"], world.ctx("supervisor")
    refused("reason_required", lambda: credit.override(platform.uow(), sup, "organisation", org, "A", " "))
    refused("credit_grade_invalid", lambda: credit.override(platform.uow(), sup, "organisation", org, "E", "理由"))
    refused("override_until_invalid", lambda: credit.override(
        platform.uow(), sup, "organisation", org, "A", "理由", until=clock.now() - timedelta(hours=1)))  # fmt: skip
    refused("no_override", lambda: credit.override(platform.uow(), sup, "organisation", org, None, "理由"))
    refused("credit_subject_type_invalid", lambda: credit.override(platform.uow(), sup, "tender", org, "A", "理由"))
    refused("forbidden", lambda: credit.override(platform.uow(), world.ctx("auditor"), "organisation", org, "A", "理由"),
            Forbidden)  # fmt: skip
    assert org_grade(world, "B") is None, "a refusal writes nothing"


def test_the_scheduler_recomputes_once_a_china_day(world: World, platform: Platform, clock: FixedClock) -> None:
    sys = system_of(world)
    first = credit.run_due(platform.uow(), sys)
    assert first == [("recompute_credit_grades", china_date(clock.now()).isoformat())]
    assert credit.run_due(platform.uow(), sys) == []
    clock.advance(timedelta(days=1))
    assert len(credit.run_due(platform.uow(), sys)) == 1


def system_of(world: World) -> Any:
    from sunbid.kernel.context import SYSTEM, Context

    return Context(actor=SYSTEM, clock=world.clock, rules=world.platform.rules)


def test_an_organisation_reads_its_own_grade_and_not_anothers(world: World, platform: Platform) -> None:
    credit.recompute(platform.uow(), world.ctx("supervisor"))
    own, _ = credit.get_grade(platform.uow(), world.ctx("bidder"), "organisation", world.orgs["B"])
    assert own.grade == "B"
    refused("forbidden", lambda: credit.get_grade(platform.uow(), world.ctx("bidder2"), "organisation", world.orgs["B"]),
            Forbidden)  # fmt: skip
    page = credit.list_grades(platform.uow(), world.ctx("auditor"), after=None, limit=100, subject_type="organisation")
    assert {g.subject_id for g in page.items} == set(world.orgs.values())
    refused(
        "forbidden", lambda: credit.list_grades(platform.uow(), world.ctx("bidder"), after=None, limit=10), Forbidden
    )


def test_the_put_on_an_organisations_grade_is_a_recorded_override(world: World, api: Any) -> None:
    from sunbid.identity import service as identity

    token, _ = identity.create_api_token(world.uow(), world.ctx("supervisor"), "t")
    headers = {"Authorization": f"Bearer {token}"}
    answer = api.put(f"/api/v1/organisations/{world.orgs['B']}/credit-grade", headers=headers,
                     json={"grade": "A", "reason": "信用评价结果"})  # fmt: skip
    assert answer.status_code == 200 and answer.json()["credit_grade"] == "A"
    detail = api.get(f"/api/v1/credit-grades/organisation/{world.orgs['B']}", headers=headers).json()
    assert detail["override_grade"] == "A" and detail["override_reason"] == "信用评价结果"
    assert detail["history"][-1]["kind"] == "override"
    recomputed = api.post("/api/v1/credit-grades/recompute", headers=headers)
    assert recomputed.status_code == 200 and recomputed.json()["by_grade"]["A"] == 1
    assert api.get(f"/api/v1/organisations/{world.orgs['B']}").json()["credit_grade"] == "A"


def test_recomputation_writes_its_summary_to_the_ledger(world: World, platform: Platform) -> None:
    import json

    import sqlalchemy as sa

    from sunbid.storage import tables as t

    credit.run_due(platform.uow(), system_of(world))
    with platform.engine.connect() as conn:
        bodies = [json.loads(b) for (b,) in conn.execute(
            sa.select(t.ledger_entries.c.body).where(t.ledger_entries.c.subject_id == "credit-grades"))]  # fmt: skip
    assert [b["name"] for b in bodies] == ["CreditGradesRecomputed"]
    assert bodies[0]["data"]["by_grade"]["B"] == bodies[0]["data"]["subjects"]
