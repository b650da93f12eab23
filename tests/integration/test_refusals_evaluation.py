"""Refusals of the evaluation, the award and supervision that no other test names, on SQLite and
PostgreSQL: each is triggered through its use case, carries its code and both messages, and leaves
the database as it was; where it makes sense the corrected call then succeeds."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from sunbid.bootstrap import Platform
from sunbid.demo.seed import standard_scheme
from sunbid.evaluation import award, sitting
from sunbid.evaluation.model import EvaluationStatus, MotionKind, PerformanceKind
from sunbid.experts.model import CommitteeStatus
from sunbid.kernel.calendar import china_date
from sunbid.kernel.errors import DomainError, NotFound
from sunbid.supervision import credit_service as credit
from sunbid.supervision import service as complaints
from sunbid.supervision import spot_service as spot
from sunbid.supervision.credit_model import PenaltyKind
from sunbid.supervision.model import ComplaintMatter, ComplaintStatus
from tests.evaluating import Evaluating
from tests.factories import World
from tests.integration.snapshot import refused, snapshot
from tests.integration.test_award import PRICES, SEPARATED, ranked, reported
from tests.integration.test_evaluation import with_service_factor


def decided_phase(ev: Evaluating, scheme: dict[str, Any] | None = None) -> str:
    """A reported evaluation whose candidate publicity has ended: the award may be decided."""
    evaluation_id = reported(ev, scheme=scheme)
    ev.publish(evaluation_id)
    ev.world.clock.advance(timedelta(days=3, minutes=1))
    ev.run_due()
    return evaluation_id


# ---------------------------------------------------------------------------- award.py, common.py
def test_the_ranked_award_and_the_contract_refuse_what_lacks_reasons_or_terms(ev: Evaluating, world: World) -> None:
    p, tenderer, signer = world.platform, world.ctx("tenderer"), world.platform.identity()
    evaluation_id = reported(ev)
    refused(p, "evaluation_not_found",
            lambda: award.request_correction(world.uow(), tenderer, "evl_nonexistent", "复核"), NotFound)  # fmt: skip
    refused(
        p, "correction_reason_required", lambda: award.request_correction(world.uow(), tenderer, evaluation_id, " ")
    )
    award.request_correction(world.uow(), tenderer, evaluation_id, "bidder3 施工组织设计得分计算有误")
    evaluation = ev.get(evaluation_id)
    assert evaluation.status is EvaluationStatus.CORRECTING
    sitting.conclude(world.uow(), ev.ctx(ev.members(evaluation)[0]), evaluation_id)
    ev.sign_all(evaluation_id)
    ev.publish(evaluation_id)
    world.clock.advance(timedelta(days=3, minutes=1))
    ev.run_due()
    winner = ranked(ev, evaluation_id)[0]
    refused(p, "decision_reasons_required", lambda: award.decide(
        world.uow(), tenderer, evaluation_id, winner_bid_id=winner, reasons="  ", signer=signer))  # fmt: skip
    award.decide(world.uow(), tenderer, evaluation_id, winner_bid_id=winner, reasons="排名第一", signer=signer)
    award.issue_notices(world.uow(), tenderer, evaluation_id, signer)
    won = next(r for r in ev.get(evaluation_id).results["bids"] if r["bid_id"] == winner)  # type: ignore[index]
    terms = {"price": won["price"], "duration_days": 540, "quality": "合格", "subject": "主体及安装工程",
             "signed_on": world.clock.now().isoformat()}  # fmt: skip
    no_subject = {k: v for k, v in terms.items() if k != "subject"}
    refused(p, "contract_terms_missing",
            lambda: award.sign_contract(world.uow(), tenderer, evaluation_id, no_subject, None))  # fmt: skip
    refused(p, "contract_terms_missing",
            lambda: award.sign_contract(world.uow(), tenderer, evaluation_id, terms | {"quality": ""}, None))  # fmt: skip
    refused(p, "contract_duration_invalid", lambda: award.sign_contract(
        world.uow(), tenderer, evaluation_id, terms | {"duration_days": "五百四十天"}, None))  # fmt: skip
    assert award.sign_contract(world.uow(), tenderer, evaluation_id, terms, None).status is EvaluationStatus.CONTRACTED
    refused(p, "performance_description_required", lambda: award.record_performance(
        world.uow(), tenderer, evaluation_id, kind=PerformanceKind.MILESTONE, description=" ",
        occurred_on=world.clock.now()))  # fmt: skip
    award.record_performance(world.uow(), tenderer, evaluation_id, kind=PerformanceKind.MILESTONE,
                             description="主体封顶", occurred_on=world.clock.now())  # fmt: skip
    assert [r.description for r in ev.get(evaluation_id).performance] == ["主体封顶"]


def test_a_committee_decision_needs_every_participant_to_vote_once_for_a_candidate_with_reasons(
    ev: Evaluating, world: World
) -> None:
    p, tenderer, signer = world.platform, world.ctx("tenderer"), world.platform.identity()
    evaluation_id = decided_phase(ev, standard_scheme(award=SEPARATED))
    candidates = [c["bid_id"] for c in ev.get(evaluation_id).candidates]
    people = [{"name": n} for n in ("甲", "乙", "丙")]
    good = [{"participant": n, "bid_id": candidates[1], "reason": "综合最优"} for n in ("甲", "乙", "丙")]

    def decide(votes: list[dict[str, Any]]) -> Any:
        return award.decide(world.uow(), tenderer, evaluation_id, winner_bid_id=candidates[1], reasons="定标委员会投票",
                            participants=people, votes=votes, signer=signer)  # fmt: skip

    outsider = [*good[:2], {"participant": "丁", "bid_id": candidates[1], "reason": "综合最优"}]
    refused(p, "decision_vote_invalid", lambda: decide(outsider))
    twice = [*good[:2], good[0]]
    refused(p, "decision_vote_invalid", lambda: decide(twice))
    elsewhere = [*good[:2], {"participant": "丙", "bid_id": "bid_not_a_candidate", "reason": "综合最优"}]
    refused(p, "decision_vote_invalid", lambda: decide(elsewhere))
    silent = [*good[:2], {"participant": "丙", "bid_id": candidates[1], "reason": "  "}]
    refused(p, "decision_vote_reason_required", lambda: decide(silent))
    refused(p, "decision_votes_missing", lambda: decide(good[:2]))
    decided = decide(good)
    assert decided.status is EvaluationStatus.DECIDED and decided.decision["tally"][candidates[1]] == 3  # type: ignore[index]


def test_a_value_for_money_decision_gives_reasons_on_every_criterion_and_a_failure_its_reasons(
    ev: Evaluating, world: World
) -> None:
    p, tenderer, signer = world.platform, world.ctx("tenderer"), world.platform.identity()
    value = {"mode": "separated", "candidate_count": 3, "decision_method": "value_for_money",
             "value_criteria": ["企业实力", "项目团队"]}  # fmt: skip
    evaluation_id = decided_phase(ev, standard_scheme(award=value))
    winner = ev.get(evaluation_id).candidates[0]["bid_id"]
    refused(p, "decision_criteria_reasons_missing", lambda: award.decide(
        world.uow(), tenderer, evaluation_id, winner_bid_id=winner, reasons="择优", signer=signer,
        criteria_reasons={"企业实力": "资质等级最高", "项目团队": " "}))  # fmt: skip
    refused(p, "decision_criteria_reasons_missing", lambda: award.decide(
        world.uow(), tenderer, evaluation_id, winner_bid_id=winner, reasons="择优", signer=signer))  # fmt: skip
    decided = award.decide(world.uow(), tenderer, evaluation_id, winner_bid_id=winner, reasons="择优", signer=signer,
                           criteria_reasons={"企业实力": "资质等级最高", "项目团队": "项目经理业绩最多"})  # fmt: skip
    assert decided.decision["criteria_reasons"]["项目团队"] == "项目经理业绩最多"  # type: ignore[index]


# ---------------------------------------------------------------------------- sitting.py
def test_motions_questions_and_files_are_refused_without_their_essentials(ev: Evaluating, world: World) -> None:
    p = world.platform
    tender_id = ev.opened(PRICES)
    evaluation = ev.start(tender_id)
    members = ev.members(evaluation)
    first = ev.ctx(members[0])
    code = ev.code(evaluation.id, "bidder")
    refused(p, "file_not_found", lambda: sitting.bid_file(world.uow(), first, evaluation.id, code, 9), NotFound)
    name, handle = sitting.bid_file(world.uow(), first, evaluation.id, code, 1)
    with handle:
        assert name.startswith(code) and handle.read()
    ev.score(evaluation, {"bidder": "25", "bidder2": "29", "bidder3": "20"})
    sitting.lock_technical(world.uow(), first, evaluation.id)
    code = ev.bids["bidder"]  # the technical part is locked: bids go by their ids
    refused(p, "question_required", lambda: sitting.request_explanation(
        world.uow(), first, evaluation.id, bid=code, question=" "))  # fmt: skip
    sitting.request_explanation(world.uow(), first, evaluation.id, bid=code, question="请说明施工进度计划的关键节点")
    refused(p, "motion_reason_required", lambda: sitting.propose(
        world.uow(), first, evaluation.id, kind=MotionKind.REJECT_BID, bid=code, ground="not_responsive",
        reason=" "))  # fmt: skip
    refused(p, "motion_bid_required", lambda: sitting.propose(
        world.uow(), first, evaluation.id, kind=MotionKind.REJECT_BID, ground="not_responsive",
        reason="未实质性响应"))  # fmt: skip
    motion = sitting.propose(world.uow(), first, evaluation.id, kind=MotionKind.REJECT_BID, bid=code,
                             ground="not_responsive", reason="未实质性响应招标文件的工期要求")  # fmt: skip
    refused(p, "motion_not_found", lambda: sitting.vote(
        world.uow(), ev.ctx(members[1]), evaluation.id, "mot_nonexistent", agree=True), NotFound)  # fmt: skip
    sitting.vote(world.uow(), ev.ctx(members[1]), evaluation.id, motion.id, agree=False, reason="响应了工期要求")
    assert len(next(m for m in ev.get(evaluation.id).motions if m.id == motion.id).votes) == 2
    tenderer = world.ctx("tenderer")
    refused(p, "fail_reason_required", lambda: award.fail(world.uow(), tenderer, evaluation.id, " "))
    failed = award.fail(world.uow(), tenderer, evaluation.id, "评标委员会认定全部投标不符合要求，依法重新招标")
    assert failed.status is EvaluationStatus.FAILED


def test_the_conclusion_waits_for_every_score_and_a_tie_at_the_cutoff_is_ordered_by_vote(
    ev: Evaluating, world: World
) -> None:
    p = world.platform
    prices = {**PRICES, "bidder4": PRICES["bidder3"]}
    tender_id = ev.opened(prices, scheme=with_service_factor())
    evaluation = ev.start(tender_id)
    members = ev.members(evaluation)
    first = ev.ctx(members[0])
    refused(p, "tie_order_invalid", lambda: sitting.propose(
        world.uow(), first, evaluation.id, kind=MotionKind.BREAK_TIE, bid=ev.code(evaluation.id, "bidder"),
        reason="并列", payload={"order": []}))  # fmt: skip
    ev.score(evaluation, {"bidder": "29", "bidder2": "29", "bidder3": "20", "bidder4": "20"})
    sitting.lock_technical(world.uow(), first, evaluation.id)
    refused(p, "evaluation_unresolved", lambda: sitting.conclude(world.uow(), first, evaluation.id))
    ev.score(evaluation, {"bidder": "4", "bidder2": "4", "bidder3": "3", "bidder4": "3"}, factor="service")
    # The tie is recorded on the evaluation for the committee to order: the one refusal that writes.
    before = snapshot(p)
    with pytest.raises(DomainError) as info:
        sitting.conclude(world.uow(), first, evaluation.id)
    assert info.value.code == "tie_at_cutoff" and info.value.message_zh and info.value.message_en
    after = snapshot(p)
    assert {t for t in before if before[t] != after[t]} == {"evaluations"}
    tied = sorted([ev.bids["bidder3"], ev.bids["bidder4"]])
    assert sorted(info.value.details["tied"]) == tied
    refused(p, "tie_order_invalid", lambda: sitting.propose(
        world.uow(), first, evaluation.id, kind=MotionKind.BREAK_TIE, bid=tied[0], reason="并列",
        payload={"order": [tied[0], ev.bids["bidder"]]}))  # fmt: skip
    motion = sitting.propose(world.uow(), first, evaluation.id, kind=MotionKind.BREAK_TIE, bid=tied[0],
                             reason="技术方案更优", payload={"order": [tied[1], tied[0]]})  # fmt: skip
    ev.vote_all(evaluation, motion.id)
    sitting.conclude(world.uow(), first, evaluation.id)
    assert [c["bid_id"] for c in ev.get(evaluation.id).candidates][2] == tied[1]


def test_a_malformed_certificate_declaration_is_refused_at_the_conclusion(ev: Evaluating, world: World) -> None:
    p = world.platform
    bad = {"certificates": [{"kind": "ISO9001", "number": "Q-1", "valid_until": "明年三月"}]}
    tender_id = ev.opened(PRICES, forms={"bidder2": bad})
    evaluation = ev.start(tender_id)
    first = ev.ctx(ev.members(evaluation)[0])
    ev.score(evaluation, {"bidder": "25", "bidder2": "29", "bidder3": "20"})
    sitting.lock_technical(world.uow(), first, evaluation.id)
    refused(p, "bid_declarations_invalid", lambda: sitting.conclude(world.uow(), first, evaluation.id))


# ---------------------------------------------------------------------------- supervision
def test_complaints_refuse_empty_texts_a_foreign_objection_and_a_suspension_of_nothing(
    ev: Evaluating, world: World
) -> None:
    p, sup = world.platform, world.ctx("supervisor")
    evaluation_id = reported(ev)
    ev.publish(evaluation_id)
    evaluation = ev.get(evaluation_id)
    known = world.clock.now()
    objection = award.raise_objection(world.uow(), world.ctx("bidder3"), evaluation_id, "评分不公")
    world.clock.advance(timedelta(days=2))
    award.answer_objection(world.uow(), world.ctx("tenderer"), evaluation_id, objection.id, "评分无误")

    def file(who: str, text: str = "评分不公", objection_id: str = objection.id) -> Any:
        return complaints.file_complaint(world.uow(), world.ctx(who), evaluation.tender_id,
                                         matter=ComplaintMatter.EVALUATION_RESULT, text=text, known_at=known,
                                         section_id=evaluation.section_id, objection_id=objection_id)  # fmt: skip

    refused(p, "complaint_text_required", lambda: file("bidder3", text=" "))
    refused(p, "objection_not_found_for_complaint", lambda: file("bidder"))
    refused(p, "objection_not_found_for_complaint", lambda: file("bidder3", objection_id="pob_nonexistent"))
    complaint = file("bidder3")
    other = complaints.file_complaint(world.uow(), world.ctx("bidder"), evaluation.tender_id,
                                      matter=ComplaintMatter.OTHER, text="其他违法行为", known_at=known)  # fmt: skip
    refused(p, "nothing_to_suspend", lambda: complaints.accept(world.uow(), sup, other.id, suspend=True))
    refused(p, "refusal_reason_required", lambda: complaints.refuse(world.uow(), sup, other.id, " "))
    complaints.refuse(world.uow(), sup, other.id, "不属于受理范围")
    refused(p, "complaint_transition_not_allowed", lambda: complaints.accept(world.uow(), sup, other.id))
    refused(p, "complaint_transition_not_allowed", lambda: complaints.decide(
        world.uow(), sup, complaint.id, upheld=False, decision="驳回"))  # fmt: skip
    complaints.accept(world.uow(), sup, complaint.id, suspend=True)
    refused(p, "decision_text_required", lambda: complaints.decide(
        world.uow(), sup, complaint.id, upheld=False, decision=" "))  # fmt: skip
    done = complaints.decide(world.uow(), sup, complaint.id, upheld=False, decision="投诉缺乏事实依据，驳回")
    assert done.status is ComplaintStatus.DISMISSED
    assert ev.get(evaluation_id).status is EvaluationStatus.PUBLICITY


def test_an_unknown_spot_check_or_penalty_is_not_found(world: World, platform: Platform) -> None:
    sup = world.ctx("supervisor")
    world.announced_tender()
    for call in (
        lambda: spot.get_spot_check(platform.uow(), sup, "spc_nonexistent"),
        lambda: spot.draw_spot_check(platform.uow(), sup, "spc_nonexistent"),
        lambda: spot.spot_check_record(platform.uow(), sup, "spc_nonexistent"),
    ):
        refused(platform, "spot_check_not_found", call, NotFound)
    made = spot.commit_spot_check(platform.uow(), sup, platform.scanner(), size=1)
    assert len(spot.draw_spot_check(platform.uow(), sup, made.id).sample) == 1
    refused(platform, "penalty_not_found",
            lambda: credit.revoke_penalty(platform.uow(), sup, "pen_nonexistent", "行政复议撤销"), NotFound)  # fmt: skip
    made_penalty = credit.record_penalty(
        platform.uow(), sup, world.orgs["B"], kind=PenaltyKind.COLLUSION, authority="南京市住房和城乡建设局",
        decision_number="宁建罚〔2026〕12号", decided_on=china_date(world.clock.now()) - timedelta(days=10),
        details="串通投标",
    )  # fmt: skip
    assert credit.revoke_penalty(platform.uow(), sup, made_penalty.id, "行政复议撤销").revoked_at is not None


def test_an_average_discount_benchmark_that_rounds_to_nothing_is_refused(ev: Evaluating, world: World) -> None:
    p = world.platform
    scheme = standard_scheme()
    scheme["price_formula"] = {"kind": "average_discount", "k_choices": ["0.9"], "points_per_percent_above": "1",
                               "points_per_percent_below": "0.5"}  # fmt: skip
    scheme["abnormal_rules"] = []
    tender_id = ev.opened(dict.fromkeys(PRICES, "0.01"), scheme=scheme)
    evaluation = ev.start(tender_id)
    first = ev.ctx(ev.members(evaluation)[0])
    ev.score(evaluation, {"bidder": "25", "bidder2": "29", "bidder3": "20"})
    sitting.lock_technical(world.uow(), first, evaluation.id)
    refused(p, "benchmark_not_positive", lambda: sitting.conclude(world.uow(), first, evaluation.id))


# Not covered: unreachable through the use cases.
# - score_factor_missing (evaluation/methods.py, total_scores and rank_comprehensive): a subjective
#   score that is missing is refused first by sitting.conclude (evaluation_unresolved, scores_incomplete)
#   and by methods.aggregate_subjective (score_missing), which never leaves a bid without one;
#   score_objective scores every objective factor of every priced bid; and a higher_similar_amount
#   tie-break must name a past-performance factor (scheme_tie_break_invalid), which is always scored.


def test_the_candidates_are_not_published_when_the_committee_cannot_be_dissolved(ev: Evaluating, world: World) -> None:
    """The publication dissolves the committee in its own transaction: once the committee is
    no longer sitting, the publication is refused and writes nothing; otherwise both happen."""
    from sunbid.experts import service as experts

    evaluation_id = reported(ev)
    committee_id = ev.get(evaluation_id).committee_id
    assert ev.pool.committee(committee_id).status is CommitteeStatus.SITTING
    experts.dissolve(world.uow(), world.ctx("tenderer"), committee_id)
    refused(world.platform, "committee_not_sitting", lambda: ev.publish(evaluation_id))
    assert ev.get(evaluation_id).status is EvaluationStatus.REPORTED

    other = reported(ev)
    ev.publish(other)
    assert ev.get(other).status is EvaluationStatus.PUBLICITY
    assert ev.pool.committee(ev.get(other).committee_id).status is CommitteeStatus.DISSOLVED
