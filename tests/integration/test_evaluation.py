"""The evaluation of a section, from the committee's first review to the signed report, on
SQLite and PostgreSQL: 暗标 under codes, locking, abnormal prices, rejections by majority,
the conclusion, signatures, and every refusal the rules set."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from sunbid.demo.seed import standard_scheme
from sunbid.evaluation import sitting
from sunbid.evaluation.model import EvaluationStatus, MotionKind, MotionStatus
from sunbid.kernel.errors import DomainError
from tests.evaluating import Evaluating, plan_naming
from tests.factories import World

PRICES = {"bidder": "11000000.00", "bidder2": "11500000.00", "bidder3": "10800000.00", "bidder4": "4000000.00"}


def refused(code: str) -> pytest.RaisesContext[DomainError]:
    return pytest.raises(DomainError, match=f"^{code}:")


def with_service_factor() -> dict[str, Any]:
    """The standard scheme with a commercial factor the experts score (售后服务, 5 of the price's points)."""
    scheme = standard_scheme()
    scheme["factors"][0]["max_points"] = "55"
    scheme["factors"].append(
        {"id": "service", "name": "售后服务承诺", "kind": "subjective", "part": "commercial", "max_points": "5"}
    )
    return scheme


def test_the_technical_part_is_scored_under_codes_locked_then_unmasked(ev: Evaluating, world: World) -> None:
    tender_id = ev.opened(PRICES, scheme=with_service_factor())
    evaluation = ev.start(tender_id)
    assert evaluation.status is EvaluationStatus.TECHNICAL
    member = ev.members(evaluation)[0]
    seen = sitting.view(world.uow(), ev.ctx(member), evaluation.id)
    assert all(set(row) == {"code", "valid", "files"} for row in seen["bids"]), "no names, no prices"
    code = seen["bids"][0]["code"]
    name, handle = sitting.bid_file(world.uow(), ev.ctx(member), evaluation.id, code, 1)
    with handle:
        assert name.startswith(code) and "施工部署" in handle.read().decode()
    with refused("part_masked"):
        sitting.bid_file(world.uow(), ev.ctx(member), evaluation.id, code, 0)
    with refused("part_not_open"):
        sitting.score(world.uow(), ev.ctx(member), evaluation.id, bid=code, factor_id="service", points=Decimal(1))
    with refused("scores_incomplete"):
        sitting.lock_technical(world.uow(), ev.ctx(member), evaluation.id)
    ev.score(evaluation, {"bidder": "25", "bidder2": "24", "bidder3": "26", "bidder4": "20"})
    locked = sitting.lock_technical(world.uow(), ev.ctx(member), evaluation.id)
    assert locked.status is EvaluationStatus.COMMERCIAL
    with refused("scores_locked"):
        sitting.score(world.uow(), ev.ctx(member), evaluation.id, bid=ev.bids["bidder"], factor_id="plan",
                      points=Decimal(30))  # fmt: skip
    unmasked = sitting.view(world.uow(), ev.ctx(member), evaluation.id)
    assert {r["bid_id"] for r in unmasked["bids"]} == set(ev.bids.values())


def test_a_scorer_outside_the_committee_is_refused(ev: Evaluating, world: World) -> None:
    tender_id = ev.opened(PRICES)
    evaluation = ev.start(tender_id)
    code = ev.code(evaluation.id, "bidder")
    outsider = ev.pool.expert()
    for ctx in (ev.pool.as_expert(outsider), world.ctx("tenderer"), world.ctx("supervisor")):
        with refused("not_a_committee_member"):
            sitting.score(world.uow(), ctx, evaluation.id, bid=code, factor_id="plan", points=Decimal(20))


def test_identifying_content_in_a_technical_part_is_flagged_by_code(ev: Evaluating, world: World) -> None:
    org = ev.pool.bidding
    org.bidder("bidder2")
    tender_id = ev.opened(PRICES, plans={"bidder2": plan_naming(org.org_of("bidder2").name)})
    evaluation = ev.start(tender_id)
    code = ev.code(evaluation.id, "bidder2")
    findings = ev.get(evaluation.id).anonymity_findings
    assert list(findings) == [code]
    assert any(f["kind"] == "name" for scan in findings[code] for f in scan["findings"])


def test_an_abnormally_low_price_is_explained_first_and_decided_by_majority(ev: Evaluating, world: World) -> None:
    tender_id = ev.opened(PRICES)
    evaluation = ev.start(tender_id)
    ev.score(evaluation, {"bidder": "25", "bidder2": "24", "bidder3": "26", "bidder4": "20"})
    members = ev.members(evaluation)
    sitting.lock_technical(world.uow(), ev.ctx(members[0]), evaluation.id)
    [request] = ev.get(evaluation.id).explanations
    assert request.bid_id == ev.bids["bidder4"] and request.triggers
    low = ev.bids["bidder4"]
    with refused("explanation_first"):
        sitting.propose(world.uow(), ev.ctx(members[0]), evaluation.id, kind=MotionKind.REJECT_BID, bid=low,
                        ground="below_cost_or_above_ceiling", reason="报价低于成本")  # fmt: skip
    with refused("explanation_not_found"):
        sitting.answer_explanation(world.uow(), world.ctx("bidder"), evaluation.id, request.id, answer="不是我")
    sitting.answer_explanation(world.uow(), world.ctx("bidder4"), evaluation.id, request.id,
                               answer="我司自有设备，材料已锁价", evidence_sha256="ab" * 32)  # fmt: skip
    motion = sitting.propose(world.uow(), ev.ctx(members[0]), evaluation.id, kind=MotionKind.ACCEPT_EXPLANATION,
                             bid=low, reason="说明合理")  # fmt: skip
    sitting.vote(world.uow(), ev.ctx(members[1]), evaluation.id, motion.id, agree=False, reason="证据不足")
    with refused("vote_reason_required"):
        sitting.vote(world.uow(), ev.ctx(members[2]), evaluation.id, motion.id, agree=False)
    for m in members[2:4]:
        sitting.vote(world.uow(), ev.ctx(m), evaluation.id, motion.id, agree=False, reason="证据不足")
    decided = next(m for m in ev.get(evaluation.id).motions if m.id == motion.id)
    assert decided.status is MotionStatus.DEFEATED, "three of five against"
    rejection = sitting.propose(world.uow(), ev.ctx(members[1]), evaluation.id, kind=MotionKind.REJECT_BID, bid=low,
                                ground="below_cost_or_above_ceiling", reason="不能说明报价合理性，视为低于成本")  # fmt: skip
    ev.vote_all(evaluation, rejection.id)
    assert low in ev.get(evaluation.id).rejected()
    with refused("bid_rejected"):
        sitting.score(world.uow(), ev.ctx(members[0]), evaluation.id, bid=low, factor_id="plan", points=Decimal(1))


def test_the_conclusion_computes_the_candidates_and_every_member_signs(ev: Evaluating, world: World) -> None:
    tender_id = ev.opened({k: v for k, v in PRICES.items() if k != "bidder4"})
    evaluation = ev.start(tender_id)
    members = ev.members(evaluation)
    with refused("evaluation_transition_not_allowed"):
        sitting.conclude(world.uow(), ev.ctx(members[0]), evaluation.id)
    ev.score(evaluation, {"bidder": "25", "bidder2": "28", "bidder3": "20"})
    sitting.lock_technical(world.uow(), ev.ctx(members[0]), evaluation.id)
    report = sitting.conclude(world.uow(), ev.ctx(members[0]), evaluation.id)
    results = ev.get(evaluation.id)
    ranked = [c["bid_id"] for c in results.candidates]
    assert len(ranked) == 3 and [c["rank"] for c in results.candidates] == [1, 2, 3]
    # price: lowest is bidder3 (60 points); plan: bidder2 28 > bidder 25 > bidder3 20
    totals = {r["bid_id"]: Decimal(r["total"]) for r in results.results["bids"]}  # type: ignore[index]
    assert totals[ev.bids["bidder3"]] == Decimal("60") + Decimal("20")
    assert report.body["committee"] and report.body["rejections"] == []
    with refused("signature_required"):
        sitting.sign_report(world.uow(), ev.ctx(members[0]), evaluation.id, signature=None, dissent=None,
                            check=world.platform.signature_check())  # fmt: skip
    ev.sign_all(evaluation.id, dissent={1: "施工组织设计评分过高"}, refuse={4})
    done = ev.get(evaluation.id)
    assert done.status is EvaluationStatus.REPORTED and done.reported_at is not None
    signed = done.current_report().signatures  # type: ignore[union-attr]
    assert sum(1 for s in signed if s.dissent) == 1 and sum(1 for s in signed if s.refused) == 1


def test_a_signature_by_someone_else_is_refused(ev: Evaluating, world: World) -> None:
    tender_id = ev.opened({k: v for k, v in PRICES.items() if k != "bidder4"})
    evaluation = ev.start(tender_id)
    members = ev.members(evaluation)
    ev.score(evaluation, {"bidder": "25", "bidder2": "28", "bidder3": "20"})
    sitting.lock_technical(world.uow(), ev.ctx(members[0]), evaluation.id)
    report = sitting.conclude(world.uow(), ev.ctx(members[0]), evaluation.id)
    from sunbid.crypto import sign_json

    other = ev.key_of(members[1])
    statement = sitting.signing_statement(evaluation.id, report.digest, members[0].id, None)
    signature = dict(sign_json(statement, other.key, other.certificate, signed_at=world.clock.now()))
    with refused("signer_not_member"):
        sitting.sign_report(world.uow(), ev.ctx(members[0]), evaluation.id, signature=signature, dissent=None,
                            check=world.platform.signature_check())  # fmt: skip
