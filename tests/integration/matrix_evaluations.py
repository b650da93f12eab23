"""Access-matrix rows' setups for the evaluation, the award, complaints and the registry (see
test_access_matrix.py).

Every evaluation made here is of a tender whose three bids (the world's ``bidder``,
``bidder2`` and ``bidder3``) carry a technical part, judged by a committee the world's
``expert`` sits on. States build on each other; read-only states are shared by the roles.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sunbid.crypto import envelope, sign_json
from sunbid.evaluation import award, sitting
from sunbid.evaluation.model import MotionKind
from sunbid.experts import service as experts
from sunbid.experts.model import Requirement
from sunbid.supervision import service as complaints
from sunbid.supervision.model import ComplaintMatter
from sunbid.tendering import opening_service as opening
from tests.evaluating import CLEAN_PLAN, Evaluating
from tests.factories import World
from tests.integration import matrix_experts as me

Setup = Callable[[World, str], dict[str, str]]
PRICES = {"bidder": "11000000.00", "bidder2": "11500000.00", "bidder3": "10800000.00"}
LOW = {"bidder": "4000000.00", "bidder2": "11500000.00", "bidder3": "10800000.00"}


def _ev(w: World) -> Evaluating:
    made: Evaluating | None = w.__dict__.get("_evaluating")
    if made is None:
        made = Evaluating(me.pool(w))
        w.__dict__["_evaluating"] = made
    return made


def _opened(w: World, prices: dict[str, str]) -> tuple[str, dict[str, str]]:
    ev = _ev(w)
    b = ev.pool.bidding
    b.bidder("bidder3")
    tender_id = w.announced_tender()
    w.clock.advance(timedelta(days=1))
    made = {}
    for who, price in prices.items():
        files = [
            envelope.BidFile("投标函.pdf", data=f"%PDF-1.7 报价 {price}".encode()),
            envelope.BidFile("施工组织设计.txt", part="technical", data=CLEAN_PLAN.encode()),
        ]
        made[who] = b.submit(who, tender_id, b.seal(who, tender_id, price=price, files=files))[0].id
    b.deadline(tender_id)
    for who, bid_id in made.items():
        b.decrypt(who, bid_id)
    opening.conclude(w.uow(), w.ctx("tenderer"), tender_id, w.platform.identity())
    return tender_id, made


def _sitting(w: World, prices: dict[str, str]) -> dict[str, str]:
    """An opened tender and its committee sitting (the world's expert among the members)."""
    tender_id, made = _opened(w, prices)
    p, _tender, specialty = me._committee_ready(w, tender_id)
    draw = p.request(tender_id, requirements=(Requirement(specialty, 5, 0),))
    committee = experts.perform_draw(w.uow(), w.ctx("tenderer"), draw.id)
    p.check_in_all(committee.id)
    experts.start_evaluation(w.uow(), w.ctx("tenderer"), committee.id)
    ev = _ev(w)
    ev.bids = {**ev.bids, **made}
    return {"tender_id": tender_id, "section_id": p.section(tender_id), "committee_id": committee.id} | {
        f"bid_{who}": bid_id for who, bid_id in made.items()
    }


def committee_sitting(w: World, _r: str) -> dict[str, str]:
    return _sitting(w, PRICES)


def _technical(w: World, prices: dict[str, str]) -> dict[str, str]:
    ids = _sitting(w, prices)
    evaluation = sitting.start(w.uow(), w.ctx("tenderer"), ids["tender_id"], ids["section_id"])
    code = evaluation.codes[ids["bid_bidder"]]
    member = next(m for m in _ev(w).members(evaluation) if m.user_id == w.actors["expert"].user_id)
    return ids | {"evaluation_id": evaluation.id, "code": code, "member_id": member.id}


def technical(w: World, _r: str) -> dict[str, str]:
    return _technical(w, PRICES)


def technical_file(w: World, r: str) -> dict[str, str]:
    """The technical file (index 1) of the world's bidder's bid, named by its code."""
    ids = technical(w, r)
    return ids | {"bid": ids["code"], "index": "1"}


def _scored(w: World, prices: dict[str, str]) -> dict[str, str]:
    ids = _technical(w, prices)
    ev = _ev(w)
    ev.score(ev.get(ids["evaluation_id"]), dict.fromkeys(prices, "20"))
    return ids


def scored(w: World, _r: str) -> dict[str, str]:
    return _scored(w, PRICES)


def _commercial(w: World, prices: dict[str, str]) -> dict[str, str]:
    ids = _scored(w, prices)
    sitting.lock_technical(w.uow(), w.ctx("expert"), ids["evaluation_id"])
    return ids


def commercial(w: World, _r: str) -> dict[str, str]:
    return _commercial(w, PRICES)


def with_explanation(w: World, _r: str) -> dict[str, str]:
    """The world's bidder priced far below the others: asked for a written explanation."""
    ids = _commercial(w, LOW)
    [request] = _ev(w).get(ids["evaluation_id"]).explanations
    return ids | {"explanation_id": request.id}


def with_motion(w: World, _r: str) -> dict[str, str]:
    """A rejection proposed by another member, open for the world's expert's vote."""
    ids = commercial(w, _r)
    ev = _ev(w)
    other = next(m for m in ev.members(ev.get(ids["evaluation_id"])) if m.user_id != w.actors["expert"].user_id)
    motion = sitting.propose(w.uow(), ev.ctx(other), ids["evaluation_id"], kind=MotionKind.REJECT_BID,
                             bid=ids["bid_bidder2"], ground="not_responsive", reason="工期不响应")  # fmt: skip
    return ids | {"motion_id": motion.id}


def signing(w: World, _r: str) -> dict[str, str]:
    ids = commercial(w, _r)
    sitting.conclude(w.uow(), w.ctx("expert"), ids["evaluation_id"])
    return ids


def signature_body(w: World, _r: str, ids: dict[str, str]) -> dict[str, Any]:
    ev = _ev(w)
    evaluation = ev.get(ids["evaluation_id"])
    report = evaluation.current_report()
    assert report is not None
    seat = next(m for m in ev.members(evaluation) if m.id == ids["member_id"])
    pair = ev.key_of(seat)
    statement = sitting.signing_statement(evaluation.id, report.digest, seat.id, None)
    return {"signature": dict(sign_json(statement, pair.key, pair.certificate, signed_at=w.clock.now()))}


def reported(w: World, _r: str) -> dict[str, str]:
    ids = signing(w, _r)
    _ev(w).sign_all(ids["evaluation_id"])
    return ids


def in_publicity(w: World, _r: str) -> dict[str, str]:
    ids = reported(w, _r)
    _ev(w).publish(ids["evaluation_id"])
    return ids


def with_publicity_objection(w: World, _r: str) -> dict[str, str]:
    ids = in_publicity(w, _r)
    objection = award.raise_objection(w.uow(), w.ctx("bidder2"), ids["evaluation_id"], "评分有误")
    return ids | {"objection_id": objection.id}


def at_decision(w: World, _r: str) -> dict[str, str]:
    ids = in_publicity(w, _r)
    w.clock.advance(timedelta(days=3, minutes=1))
    _ev(w).run_due()
    first = min(_ev(w).get(ids["evaluation_id"]).candidates, key=lambda c: c["rank"])
    return ids | {"winner": first["bid_id"]}


def decided(w: World, _r: str) -> dict[str, str]:
    ids = at_decision(w, _r)
    award.decide(w.uow(), w.ctx("tenderer"), ids["evaluation_id"], winner_bid_id=ids["winner"], reasons="排名第一",
                 signer=w.platform.identity())  # fmt: skip
    return ids


def awarded(w: World, _r: str) -> dict[str, str]:
    ids = decided(w, _r)
    award.issue_notices(w.uow(), w.ctx("tenderer"), ids["evaluation_id"], w.platform.identity())
    return ids


def contract_body(w: World, _r: str, ids: dict[str, str]) -> dict[str, Any]:
    won = next(r for r in _ev(w).get(ids["evaluation_id"]).results["bids"] if r["bid_id"] == ids["winner"])  # type: ignore[index]
    return {"price": won["price"], "duration_days": 540, "quality": "合格", "subject": "主体及安装工程",
            "signed_on": w.clock.now().isoformat()}  # fmt: skip


def contracted(w: World, r: str) -> dict[str, str]:
    ids = awarded(w, r)
    award.sign_contract(w.uow(), w.ctx("tenderer"), ids["evaluation_id"], contract_body(w, r, ids), None)
    return ids


# ---------------------------------------------------------------------------- complaints and the registry
def complained(w: World, _r: str) -> dict[str, str]:
    tender_id = w.announced_tender()
    made = complaints.file_complaint(w.uow(), w.ctx("bidder"), tender_id, matter=ComplaintMatter.OTHER,
                                     text="招标人违规", known_at=w.clock.now())  # fmt: skip
    return {"tender_id": tender_id, "complaint_id": made.id}


def accepted_complaint(w: World, r: str) -> dict[str, str]:
    ids = complained(w, r)
    complaints.accept(w.uow(), w.ctx("supervisor"), ids["complaint_id"])
    return ids


def complaint_body(w: World, _r: str, ids: dict[str, str]) -> dict[str, Any]:
    return {"tender_id": ids["tender_id"], "matter": "other", "text": "违法行为", "known_at": w.clock.now().isoformat()}


def entered_body(w: World, r: str, ids: dict[str, str]) -> dict[str, Any]:
    return complaint_body(w, r, ids) | {"complainant_org_id": w.orgs["B"], "channel": "letter"}


def qualification_body(w: World, _r: str) -> dict[str, Any]:
    return {"kind": "建筑工程施工总承包", "grade": "一级", "certificate_no": "D132000001", "issuer": "江苏省住建厅",
            "valid_until": (w.clock.now() + timedelta(days=365)).isoformat()}  # fmt: skip


def performance_record_body(w: World, _r: str) -> dict[str, Any]:
    return {"project_name": "某学校教学楼", "category": "works", "sector": "房屋建筑", "amount": "8000000.00",
            "completed_at": (w.clock.now() - timedelta(days=100)).isoformat()}  # fmt: skip


def score_body(_w: World, _r: str, ids: dict[str, str]) -> dict[str, Any]:
    return {"bid": ids["code"], "factor_id": "plan", "points": str(Decimal("21.5"))}
