"""The committees in the risk snapshot, on SQLite and PostgreSQL: who sat, what each member scored
once the evaluation is concluded, and the scan finding a member whose scores depart from the rest."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import polars as pl
import sqlalchemy as sa

from sunbid.bootstrap import Platform
from sunbid.evaluation import award, sitting
from sunbid.risk.experts import expert_indicators
from sunbid.risk.indicators import Flag, Severity
from sunbid.storage import tables as t
from sunbid.storage.risk_snapshot import build_snapshot
from sunbid.supervision import credit_service as credit
from sunbid.supervision import warning_service as warnings
from sunbid.supervision.warning_model import CloseOutcome
from tests.evaluating import Evaluating
from tests.factories import World
from tests.markets import system

PRICES = {"bidder": "11000000.00", "bidder2": "11500000.00", "bidder3": "10800000.00"}
PLAN = {"bidder": "25", "bidder2": "27", "bidder3": "20"}


def test_the_committee_and_its_scores_reach_the_scan_once_the_evaluation_is_concluded(
    ev: Evaluating, world: World, platform: Platform
) -> None:
    tender_id = ev.opened(PRICES)
    evaluation = ev.start(tender_id)
    members = ev.members(evaluation)
    codes = {who: ev.code(evaluation.id, who) for who in PLAN}
    outlier = members[4]
    for m in members:
        for who, points in PLAN.items():
            given = "8" if (m.id == outlier.id and who == "bidder2") else points  # 19 of 30 points below the rest
            sitting.score(
                world.uow(), ev.ctx(m), evaluation.id, bid=codes[who], factor_id="plan", points=Decimal(given)
            )

    during = build_snapshot(platform.engine)
    assert during.scores.height == 0  # scores still being given are not yet the committee's
    assert sorted(during.sittings["expert_id"].to_list()) == sorted(m.expert_id for m in members)
    assert set(during.sittings["status"]) == {"active"} and set(during.sittings["member_kind"]) == {"expert"}

    sitting.lock_technical(world.uow(), ev.ctx(members[0]), evaluation.id)
    sitting.conclude(world.uow(), ev.ctx(members[0]), evaluation.id)
    snap = build_snapshot(platform.engine)
    assert snap.scores.height == len(members) * len(PLAN)
    assert set(snap.scores["max_score"]) == {30.0} and set(snap.scores["criterion"]) == {"plan"}
    bidders = dict(zip(snap.bids["bid_id"], snap.bids["bidder_org_id"], strict=True))
    assert all(bidders[b] == o for b, o in snap.scores.select("bid_id", "bidder_org_id").iter_rows())

    [flag] = Flag.all(expert_indicators(snap).filter(pl.col("indicator") == "EXPERT-DEVIATION"))
    assert flag.subject_ids == (outlier.expert_id,) and flag.tender_id == tender_id
    [worst] = flag.evidence["worst"]
    assert worst["bid_id"] == ev.bids["bidder2"] and worst["score"] == 8.0 and worst["others_mean"] == 27.0

    # a tender outside the scope brings neither its committee nor its scores
    other = build_snapshot(platform.engine, tenders=sa.select(t.tenders.c.id).where(t.tenders.c.id != tender_id))
    assert other.scores.height == 0 and other.sittings.height == 0

    # the scheduler's scan after the award warns the supervisors; confirmed, it is the expert's record
    ev.sign_all(evaluation.id)
    ev.publish(evaluation.id)
    world.clock.advance(timedelta(days=3, minutes=1))
    ev.run_due()
    winner = min(ev.get(evaluation.id).candidates, key=lambda c: c["rank"])["bid_id"]
    award.decide(world.uow(), world.ctx("tenderer"), evaluation.id, winner_bid_id=winner, reasons="排名第一",
                 signer=platform.identity())  # fmt: skip
    platform.run_due(system(ev.pool.bidding))
    with world.uow() as uow:
        [warned] = [w for w in uow.warnings.for_tender(tender_id) if w.indicator == "EXPERT-DEVIATION"]
    assert warned.subject_type == "expert" and warned.subject_ids == [outlier.expert_id] and warned.org_ids == []
    u, sup = platform.uow, world.ctx("supervisor")
    assignee = world.actors["supervisor"].user_id
    assert assignee is not None
    warnings.assign(u(), sup, warned.id, assignee, "请核查评分")
    warnings.acknowledge(u(), sup, warned.id)
    warnings.investigate(u(), sup, warned.id, "调阅评分记录与评标录像")
    warnings.close(u(), sup, warned.id, outcome=CloseOutcome.CONFIRMED, reason="评分明显偏离且无合理说明")
    credit.recompute(u(), sup)
    grade, _history = credit.get_grade(u(), world.ctx("auditor"), "expert", str(outlier.expert_id))
    assert "confirmed_warning" in [r["kind"] for r in grade.reasons]
    assert any(r["ref"] == warned.id for r in grade.reasons)


def test_a_confirmed_warning_about_two_members_counts_in_both_experts_credit_and_no_one_elses(
    ev: Evaluating, world: World, platform: Platform
) -> None:
    first, second, bystander = ev.pool.many(3)
    tender_id = world.announced_tender()
    finding = Flag(
        "f-identical", "EXPERT-IDENTICAL-SCORES", Severity.MEDIUM, "experts", (first, second), tender_id, None,
        1e-9, 1e-4, {"expert_ids": [first, second], "items": 8}, "条例 第四十九条", "评分雷同", "identical",
    )  # fmt: skip
    sup = world.ctx("supervisor")
    with platform.uow() as uow:
        [warned] = warnings.raise_warnings(uow, sup, [finding], scan_tender=tender_id, bid_orgs={}, managers=[],
                                           source="award")  # fmt: skip
        uow.commit()
    assert warned.org_ids == [] and warned.subject_ids == sorted([first, second])
    assignee = world.actors["supervisor"].user_id
    assert assignee is not None
    warnings.assign(platform.uow(), sup, warned.id, assignee, "请核查")
    warnings.acknowledge(platform.uow(), sup, warned.id)
    warnings.investigate(platform.uow(), sup, warned.id, "两名专家评分表完全一致")
    credit.recompute(platform.uow(), sup)
    for expert_id in (first, second):  # an open warning is no record yet
        grade, _ = credit.get_grade(platform.uow(), world.ctx("auditor"), "expert", expert_id)
        assert "confirmed_warning" not in [r["kind"] for r in grade.reasons]
    warnings.close(platform.uow(), sup, warned.id, outcome=CloseOutcome.CONFIRMED, reason="查实相互抄袭评分")
    credit.recompute(platform.uow(), sup)
    for expert_id in (first, second):
        grade, _ = credit.get_grade(platform.uow(), world.ctx("auditor"), "expert", expert_id)
        assert [r["ref"] for r in grade.reasons if r["kind"] == "confirmed_warning"] == [warned.id]
    grade, _ = credit.get_grade(platform.uow(), world.ctx("auditor"), "expert", bystander)
    assert "confirmed_warning" not in [r["kind"] for r in grade.reasons]
