"""After the report, on SQLite and PostgreSQL: the tenderer's review (复核), candidate publicity
and objections, the award decision (ranked, state-funded, 评定分离), the notices, the contract
checked against the bid, performance and completion, and complaints from every channel."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from sunbid.demo.seed import standard_scheme
from sunbid.evaluation import award, sitting
from sunbid.evaluation.model import EvaluationStatus, NoticeKind, PerformanceKind
from sunbid.identity import registry
from sunbid.kernel.errors import DomainError
from sunbid.supervision import service as complaints
from sunbid.supervision.model import ComplaintChannel, ComplaintMatter, ComplaintStatus
from sunbid.tendering.bid_model import DepositStatus
from tests.evaluating import Evaluating
from tests.factories import World

PRICES = {"bidder": "11000000.00", "bidder2": "11500000.00", "bidder3": "10800000.00"}
SEPARATED = {"mode": "separated", "candidate_count": 3, "decision_method": "committee_majority"}


def refused(code: str) -> pytest.RaisesContext[DomainError]:
    return pytest.raises(DomainError, match=f"^{code}:")


def reported(ev: Evaluating, *, scheme: dict[str, Any] | None = None) -> str:
    """An evaluation whose report every member has signed; bidder2 has the best plan."""
    tender_id = ev.opened(PRICES, scheme=scheme)
    evaluation = ev.start(tender_id)
    ev.score(evaluation, {"bidder": "25", "bidder2": "29", "bidder3": "20"})
    members = ev.members(evaluation)
    sitting.lock_technical(ev.world.uow(), ev.ctx(members[0]), evaluation.id)
    sitting.conclude(ev.world.uow(), ev.ctx(members[0]), evaluation.id)
    ev.sign_all(evaluation.id)
    return evaluation.id


def ranked(ev: Evaluating, evaluation_id: str) -> list[str]:
    return [c["bid_id"] for c in sorted(ev.get(evaluation_id).candidates, key=lambda c: c["rank"])]


def test_a_correction_sends_the_report_back_and_a_new_version_is_signed(ev: Evaluating, world: World) -> None:
    evaluation_id = reported(ev)
    with refused("forbidden"):
        award.request_correction(world.uow(), world.ctx("bidder"), evaluation_id, "复核")
    award.request_correction(world.uow(), world.ctx("tenderer"), evaluation_id, "bidder3 施工组织设计得分计算有误")
    evaluation = ev.get(evaluation_id)
    assert evaluation.status is EvaluationStatus.CORRECTING
    members = ev.members(evaluation)
    sitting.score(world.uow(), ev.ctx(members[0]), evaluation_id, bid=ev.bids["bidder3"], factor_id="plan",
                  points=Decimal(22))  # fmt: skip
    report = sitting.conclude(world.uow(), ev.ctx(members[0]), evaluation_id)
    assert report.version == 2 and report.body["corrections_requested"][0]["report_version"] == 1
    ev.sign_all(evaluation_id)
    done = ev.get(evaluation_id)
    assert done.status is EvaluationStatus.REPORTED
    assert [r.superseded_at is not None for r in sorted(done.reports, key=lambda r: r.version)] == [True, False]


def test_publicity_is_at_least_three_days_and_no_award_before_it_ends(ev: Evaluating, world: World) -> None:
    evaluation_id = reported(ev)
    with refused("publicity_too_short"):
        ev.publish(evaluation_id, days=2)
    ev.publish(evaluation_id)
    public = sitting.view(world.uow(), world.ctx("bidder"), evaluation_id)
    body = public["publicity"]["body"]
    assert [c["rank"] for c in body["candidates"]] == [1, 2, 3]
    first = body["candidates"][0]
    assert first["project_manager"]["certificate_no"] and first["price"] and first["score"]
    assert body["objection_channel"]
    winner = ranked(ev, evaluation_id)[0]
    with refused("publicity_not_ended"):
        award.decide(world.uow(), world.ctx("tenderer"), evaluation_id, winner_bid_id=winner, reasons="排名第一",
                     signer=world.platform.identity())  # fmt: skip
    # an objection during the publicity pauses the award until it is answered
    objection = award.raise_objection(world.uow(), world.ctx("bidder3"), evaluation_id, "评分有误")
    with refused("forbidden"):
        award.raise_objection(
            world.uow(), world.ctx("bidder4" if "bidder4" in world.actors else "tenderer"), evaluation_id, "x"
        )
    world.clock.advance(timedelta(days=3, minutes=1))
    assert ("end_publicity", evaluation_id) in ev.run_due()
    with refused("objection_outside_publicity"):
        award.raise_objection(world.uow(), world.ctx("bidder"), evaluation_id, "太晚了")
    with refused("objection_pending"):
        award.decide(world.uow(), world.ctx("tenderer"), evaluation_id, winner_bid_id=winner, reasons="排名第一",
                     signer=world.platform.identity())  # fmt: skip
    award.answer_objection(world.uow(), world.ctx("tenderer"), evaluation_id, objection.id, "经复核，评分无误")
    decided = award.decide(world.uow(), world.ctx("tenderer"), evaluation_id, winner_bid_id=winner,
                           reasons="排名第一的中标候选人", signer=world.platform.identity())  # fmt: skip
    assert decided.status is EvaluationStatus.DECIDED and decided.result_notice is not None


def test_a_state_funded_project_takes_the_first_candidate_unless_an_exception_applies(
    ev: Evaluating, world: World
) -> None:
    evaluation_id = reported(ev)
    ev.publish(evaluation_id)
    world.clock.advance(timedelta(days=3, minutes=1))
    ev.run_due()
    first, second, _third = ranked(ev, evaluation_id)
    with refused("rank_one_required"):
        award.decide(world.uow(), world.ctx("tenderer"), evaluation_id, winner_bid_id=second, reasons="更优",
                     signer=world.platform.identity())  # fmt: skip
    with refused("rank_one_required"):
        award.decide(world.uow(), world.ctx("tenderer"), evaluation_id, winner_bid_id=second, reasons="更优",
                     exceptions={first: {"code": "cheaper", "evidence": "x"}}, signer=world.platform.identity())  # fmt: skip
    decided = award.decide(
        world.uow(), world.ctx("tenderer"), evaluation_id, winner_bid_id=second, reasons="第一名放弃中标",
        exceptions={first: {"code": "gave_up", "evidence": "放弃中标声明（盖章）"}}, signer=world.platform.identity(),
    )  # fmt: skip
    assert decided.decision["passed_over"][0]["code"] == "gave_up"  # type: ignore[index]


def test_separated_evaluation_and_award_records_the_votes_and_refuses_a_lottery(ev: Evaluating, world: World) -> None:
    with refused("award_lottery_forbidden"):
        bad = standard_scheme(award={"mode": "separated", "candidate_count": 3, "decision_method": "抽签"})
        ev.world.announced_tender(scheme=bad)
    evaluation_id = reported(ev, scheme=standard_scheme(award=SEPARATED))
    assert all(c["rank"] is None for c in ev.get(evaluation_id).candidates), "unranked candidates"
    ev.publish(evaluation_id)
    world.clock.advance(timedelta(days=3, minutes=1))
    ev.run_due()
    candidates = [c["bid_id"] for c in ev.get(evaluation_id).candidates]
    people = [{"name": n} for n in ("甲", "乙", "丙")]
    split = [{"participant": "甲", "bid_id": candidates[0], "reason": "业绩好"},
             {"participant": "乙", "bid_id": candidates[1], "reason": "价格低"},
             {"participant": "丙", "bid_id": candidates[2], "reason": "方案优"}]  # fmt: skip
    with refused("decision_not_carried"):
        award.decide(world.uow(), world.ctx("tenderer"), evaluation_id, winner_bid_id=candidates[0], reasons="投票",
                     participants=people, votes=split, signer=world.platform.identity())  # fmt: skip
    with refused("decision_participants_invalid"):
        award.decide(world.uow(), world.ctx("tenderer"), evaluation_id, winner_bid_id=candidates[0], reasons="投票",
                     participants=people[:2], votes=split[:2], signer=world.platform.identity())  # fmt: skip
    votes = [{"participant": n, "bid_id": candidates[1], "reason": "综合最优"} for n in ("甲", "乙")] + [split[2]]
    decided = award.decide(world.uow(), world.ctx("tenderer"), evaluation_id, winner_bid_id=candidates[1],
                           reasons="定标委员会投票", participants=people, votes=votes, signer=world.platform.identity())  # fmt: skip
    assert decided.decision["tally"][candidates[1]] == 2  # type: ignore[index]


def test_notices_go_out_together_and_the_contract_must_match_the_winning_bid(ev: Evaluating, world: World) -> None:
    evaluation_id = reported(ev)
    ev.publish(evaluation_id)
    world.clock.advance(timedelta(days=3, minutes=1))
    ev.run_due()
    winner = ranked(ev, evaluation_id)[0]
    award.decide(world.uow(), world.ctx("tenderer"), evaluation_id, winner_bid_id=winner, reasons="排名第一",
                 signer=world.platform.identity())  # fmt: skip
    award.issue_notices(world.uow(), world.ctx("tenderer"), evaluation_id, world.platform.identity())
    notices = award.visible_notices(world.uow(), world.ctx("tenderer"), evaluation_id)
    assert len(notices) == 3 and len({n.issued_at for n in notices}) == 1
    assert sum(1 for n in notices if n.kind is NoticeKind.AWARD) == 1
    own = award.visible_notices(world.uow(), world.ctx("bidder"), evaluation_id)
    assert [n.bidder_org_id for n in own] == [world.actors["bidder"].org_id]
    won = next(r for r in ev.get(evaluation_id).results["bids"] if r["bid_id"] == winner)  # type: ignore[index]
    terms = {"price": won["price"], "duration_days": 540, "quality": "合格", "subject": "主体及安装工程",
             "signed_on": world.clock.now().isoformat()}  # fmt: skip
    with refused("contract_departs_from_bid"):
        award.sign_contract(world.uow(), world.ctx("tenderer"), evaluation_id, terms | {"price": "9000000.00"}, None)
    with refused("contract_departs_from_bid"):
        award.sign_contract(world.uow(), world.ctx("tenderer"), evaluation_id, terms | {"duration_days": 600}, None)
    with refused("performance_security_too_high"):
        award.sign_contract(world.uow(), world.ctx("tenderer"), evaluation_id,
                            terms | {"performance_security": str((Decimal(won["price"]) * Decimal("0.2")).quantize(Decimal("0.01")))}, None)  # fmt: skip
    contracted = award.sign_contract(world.uow(), world.ctx("tenderer"), evaluation_id, terms, "cd" * 32)
    assert contracted.status is EvaluationStatus.CONTRACTED
    with world.uow() as uow:
        deposits = list(uow.deposits.for_tender(contracted.tender_id))
    assert all(d.status is not DepositStatus.HELD for d in deposits)
    award.record_performance(world.uow(), world.ctx("tenderer"), evaluation_id, kind=PerformanceKind.CHANGE,
                             description="增加零星工程", occurred_on=world.clock.now(), amount=Decimal("100000.00"))  # fmt: skip
    with refused("performance_in_future"):
        award.record_performance(world.uow(), world.ctx("tenderer"), evaluation_id, kind=PerformanceKind.MILESTONE,
                                 description="主体封顶", occurred_on=world.clock.now() + timedelta(days=1))  # fmt: skip
    award.record_performance(world.uow(), world.ctx("tenderer"), evaluation_id, kind=PerformanceKind.COMPLETION,
                             description="竣工验收合格", occurred_on=world.clock.now())  # fmt: skip
    assert ev.get(evaluation_id).status is EvaluationStatus.COMPLETED
    winner_org = ev.bid(next(u for u, b in ev.bids.items() if b == winner)).bidder_org_id
    records = registry.performances(world.uow(), world.ctx("supervisor"), winner_org)
    assert [(r.source, r.amount) for r in records] == [("platform", Decimal(won["price"]) + Decimal("100000.00"))]


def test_complaints_need_an_objection_first_run_on_working_days_and_may_suspend(ev: Evaluating, world: World) -> None:
    evaluation_id = reported(ev)
    ev.publish(evaluation_id)
    evaluation = ev.get(evaluation_id)
    known = world.clock.now()
    with refused("objection_required_first"):
        complaints.file_complaint(world.uow(), world.ctx("bidder3"), evaluation.tender_id,
                                  matter=ComplaintMatter.EVALUATION_RESULT, text="评分不公", known_at=known,
                                  section_id=evaluation.section_id)  # fmt: skip
    objection = award.raise_objection(world.uow(), world.ctx("bidder3"), evaluation_id, "评分不公")
    with refused("objection_answer_awaited"):
        complaints.file_complaint(world.uow(), world.ctx("bidder3"), evaluation.tender_id,
                                  matter=ComplaintMatter.EVALUATION_RESULT, text="评分不公", known_at=known,
                                  section_id=evaluation.section_id, objection_id=objection.id)  # fmt: skip
    world.clock.advance(timedelta(days=2))
    award.answer_objection(world.uow(), world.ctx("tenderer"), evaluation_id, objection.id, "评分无误")
    complaint = complaints.file_complaint(world.uow(), world.ctx("bidder3"), evaluation.tender_id,
                                          matter=ComplaintMatter.EVALUATION_RESULT, text="评分不公", known_at=known,
                                          section_id=evaluation.section_id, objection_id=objection.id)  # fmt: skip
    assert complaint.accept_due > complaint.received_at
    with refused("forbidden"):
        complaints.accept(world.uow(), world.ctx("tenderer"), complaint.id)
    complaints.accept(world.uow(), world.ctx("supervisor"), complaint.id, suspend=True)
    assert ev.get(evaluation_id).status is EvaluationStatus.SUSPENDED
    with refused("evaluation_suspended"):
        award.decide(world.uow(), world.ctx("tenderer"), evaluation_id, winner_bid_id=ranked(ev, evaluation_id)[0],
                     reasons="x", signer=world.platform.identity())  # fmt: skip
    complaints.decide(
        world.uow(), world.ctx("supervisor"), complaint.id, upheld=False, decision="投诉缺乏事实依据，驳回"
    )
    assert ev.get(evaluation_id).status is EvaluationStatus.PUBLICITY


def test_a_complaint_after_ten_days_is_refused_and_letters_are_entered_by_staff(ev: Evaluating, world: World) -> None:
    tender_id = world.announced_tender()
    known = world.clock.now() - timedelta(days=11)
    with refused("complaint_too_late"):
        complaints.file_complaint(world.uow(), world.ctx("bidder"), tender_id, matter=ComplaintMatter.OTHER,
                                  text="违法行为", known_at=known)  # fmt: skip
    with refused("forbidden"):
        complaints.enter_complaint(world.uow(), world.ctx("bidder"), tender_id, complainant_org_id=world.orgs["B"],
                                   channel=ComplaintChannel.LETTER, matter=ComplaintMatter.OTHER, text="来信",
                                   known_at=world.clock.now())  # fmt: skip
    letter = complaints.enter_complaint(world.uow(), world.ctx("supervisor"), tender_id,
                                        complainant_org_id=world.orgs["B"], channel=ComplaintChannel.LETTER,
                                        matter=ComplaintMatter.OTHER, text="来信投诉", known_at=world.clock.now())  # fmt: skip
    assert letter.channel is ComplaintChannel.LETTER
    seen = complaints.visible_complaints(world.uow(), world.ctx("bidder"), tender_id)
    assert [c.id for c in seen] == [letter.id]
    assert complaints.visible_complaints(world.uow(), world.ctx("bidder2"), tender_id) == []


def test_repeated_unfounded_complaints_are_flagged(ev: Evaluating, world: World) -> None:
    tender_id = world.announced_tender()
    made = []
    for n in range(3):
        c = complaints.file_complaint(world.uow(), world.ctx("bidder"), tender_id, matter=ComplaintMatter.OTHER,
                                      text=f"投诉{n}", known_at=world.clock.now())  # fmt: skip
        complaints.refuse(world.uow(), world.ctx("supervisor"), c.id, "不属于受理范围")
        made.append(complaints.get_complaint(world.uow(), world.ctx("supervisor"), c.id))
    assert [c.repeated_unfounded for c in made] == [False, False, True]
    assert made[-1].status is ComplaintStatus.REFUSED


def test_the_scheduler_reads_only_the_evaluations_time_acts_on(
    ev: Evaluating, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each pass finds by their columns the evaluations with something due (a report whose
    candidates are not published in time, an objection unanswered, a publicity ended, an award
    with no contract, an explanation past its deadline), reads each of them and no other, and
    acts once."""
    read: list[str] = []
    load = award.load

    def counted(uow: Any, evaluation_id: str, **kw: Any) -> Any:
        read.append(evaluation_id)
        return load(uow, evaluation_id, **kw)

    monkeypatch.setattr(award, "load", counted)

    def run() -> list[tuple[str, str]]:
        read.clear()
        return ev.run_due()

    evaluation_id = reported(ev)
    assert run() == [] and read == []
    world.clock.advance(timedelta(days=3))
    assert run() == [] and read == []  # the candidates are due within 3 days: not yet late
    world.clock.advance(timedelta(minutes=1))
    assert run() == [("flag_publicity_late", evaluation_id)] and read == [evaluation_id] * 2  # read, then locked
    assert run() == [] and read == []

    ev.publish(evaluation_id, days=5)
    objection = award.raise_objection(world.uow(), world.ctx("bidder3"), evaluation_id, "评分有误")
    assert run() == [] and read == []
    world.clock.advance(timedelta(days=3, minutes=1))
    assert run() == [("flag_overdue_objection", objection.id)]
    assert run() == [] and read == []
    award.answer_objection(world.uow(), world.ctx("tenderer"), evaluation_id, objection.id, "经复核，评分无误")
    world.clock.advance(timedelta(days=2))
    assert run() == [("end_publicity", evaluation_id)]
    assert run() == [] and read == []

    winner = ranked(ev, evaluation_id)[0]
    award.decide(world.uow(), world.ctx("tenderer"), evaluation_id, winner_bid_id=winner, reasons="排名第一",
                 signer=world.platform.identity())  # fmt: skip
    award.issue_notices(world.uow(), world.ctx("tenderer"), evaluation_id, world.platform.identity())
    world.clock.advance(timedelta(days=30))
    assert run() == [] and read == []
    world.clock.advance(timedelta(minutes=1))
    assert run() == [("flag_contract_late", evaluation_id)]
    assert run() == [] and read == []

    sitting_on = ev.start(ev.opened(PRICES))
    sitting_id, member = sitting_on.id, ev.ctx(ev.members(sitting_on)[0])
    ev.score(sitting_on, {"bidder": "25", "bidder2": "29", "bidder3": "20"})
    sitting.lock_technical(world.uow(), member, sitting_id)
    explanation = sitting.request_explanation(world.uow(), member, sitting_id, bid=ev.bids["bidder"],
                                              question="请说明施工进度计划的关键节点")  # fmt: skip
    assert run() == [] and read == []
    world.clock.set(explanation.due_at)
    assert run() == [("expire_explanation", explanation.id)] and read == [sitting_id] * 2
    assert run() == [] and read == []
