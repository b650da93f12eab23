"""The guided tour from the concluded opening to the contract (M7-M14, M19): the committee is
drawn blind, with the supervisor's random contribution mixed into a seed committed beforehand;
the members check in and score the technical part by code (暗标), lock it and conclude; each
signs the report with a certificate in its own name; the candidates are published, an
objection is answered, the first-ranked candidate of this state-funded project wins, the notices
go out together and the contract keeps to the winning bid."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sunbid.bootstrap import Platform
from sunbid.crypto import sign_json
from sunbid.demo.seed import (
    LOCAL_POOL,
    ORGS,
    certificates_dir,
    demo_credit_code,
    demo_signer,
    issue_person_certificate,
)
from sunbid.demo.walk import Walk

#: Each member's points for the construction plan (施工组织设计, 30 points) of the bids in the
#: order of their codes: the members judge the plans alike, not identically.
PLAN_POINTS = (
    ("27", "24", "21"),
    ("26", "25", "22"),
    ("28", "24", "21"),
    ("27", "23", "22"),
    ("26", "24", "20"),
)
DISSENT = "本人认为部分投标的施工组织设计进度安排偏紧，评分低于多数成员，保留意见。"


@dataclass(frozen=True)
class Member:
    username: str
    name: str
    seat: int


def run(walk: Walk, platform: Platform, tid: str) -> str:
    """From the concluded opening of tender ``tid`` to its contract; returns the evaluation's id."""
    tender = walk.call("agency", "GET", f"/tenders/{tid}").json()
    section = tender["sections"][0]
    members = _committee(walk, tid, section["id"])
    eid = _evaluation(walk, platform, tid, section["id"], members)
    _award(walk, eid, section)
    return eid


def _committee(walk: Walk, tid: str, section: str) -> list[Member]:
    """The committee request, the supervisor's contribution, the blind draw, check-in and start
    (法 第三十七条, 条例 第四十六条, 评标规定 第十二条; ADR 12)."""
    walk.login("supervisor", tool="client")
    venue = next(v for v in walk.call("agency", "GET", "/venues").json() if v["region"] == "320100")
    draw = walk.step(
        "The agency asks for the committee (5 seats, 3 reserves); the draw, to await the supervisor's "
        "contribution, is committed to the ledger",
        "agency",
        "POST",
        f"/tenders/{tid}/sections/{section}/committee-requests",
        201,
        json={
            "size": 5,
            "requirements": [
                {"specialty": "A01.01", "seats": 3, "reserves": 2},
                {"specialty": "B01", "seats": 2, "reserves": 1},
            ],
            "local_pool": LOCAL_POOL,
            "main_venue_id": venue["id"],
            "starts_at": (walk.now() + timedelta(hours=2)).isoformat(),
            "evaluation_hours": 8,
            "await_contribution": True,
            "supervising_department_credit_code": demo_credit_code(ORGS["supervisor"][1]),
        },
    )
    walk.note(
        f"🔐 committed: SHA-256 of the secret seed {draw['seed_sha256'][:16]}…, of the request "
        f"{draw['request_sha256'][:16]}… and of the {draw['candidates_count']} candidates "
        f"{draw['candidates_sha256'][:16]}…"
    )
    walk.step(
        "Drawing before the supervisor's contribution is refused",
        "agency",
        "POST",
        f"/draws/{draw['id']}/perform",
        "contribution_awaited",
    )
    walk.step(
        "The supervisor adds 32 random bytes of its own, so the seed's maker cannot choose the outcome",
        "supervisor",
        "POST",
        f"/draws/{draw['id']}/contribution",
        json={"contribution": secrets.token_hex(32)},
    )
    drawn = walk.step(
        "The draw is performed (盲抽): the agency sees five seats and no names",
        "agency",
        "POST",
        f"/draws/{draw['id']}/perform",
    )
    committee = drawn.get("id", "")
    if any(m.get("name") for m in drawn.get("members", [])):
        walk.fail("the agency was shown a drawn member's name before the start")
    walk.step(
        "A bidder cannot learn who sits: for it the committee does not exist (法 §37)",
        "bidder1",
        "GET",
        f"/committees/{committee}",
        "committee_not_found",
    )
    seen = walk.step("The supervisor sees who was drawn", "supervisor", "GET", f"/committees/{committee}")
    seated = sorted((m for m in seen.get("members", []) if m["status"] == "active"), key=lambda m: m["seat"])
    # The tour plays every drawn expert, so it looks up their accounts (the platform tells nobody).
    members = [
        Member(walk.call("admin", "GET", f"/users/{m['user_id']}").json()["username"], m["name"], m["seat"])
        for m in seated
    ]
    reserves = sum(1 for m in seen.get("members", []) if m["status"] == "reserve")
    walk.note(
        "🎲 drawn: "
        + ", ".join(f"seat {m.seat} {m.name} ({m.username})" for m in members)
        + f"; {reserves} reserves wait"
    )
    for m in members:
        walk.login(m.username, tool="evaluation client")
    first = members[0].username
    seats = walk.step(
        f"{first} sees its own seat: the tender, the venue and the time, nothing of the other members",
        first,
        "GET",
        "/experts/me/seats",
    )
    if seats:
        walk.note(f"🪑 {first}: seat {seats[0]['seat']}, {seats[0]['tender_title']}, {seats[0]['venues'][0]['name']}")
    for m in members:
        walk.step(
            f"{m.username} checks in at {venue['name']} (the time, the venue and its address go to the ledger)",
            m.username,
            "POST",
            f"/committees/{committee}/check-in",
            json={"venue_id": venue["id"]},
        )
    walk.clock(hours=2)
    walk.step(
        "Every member is in: the agency starts the evaluation, and the draw's seed is revealed in the ledger",
        "agency",
        "POST",
        f"/committees/{committee}/start",
    )
    check = walk.step(
        "The platform re-runs the draw from the revealed seed and the committed candidates "
        "(sunbid experts verify-draw does the same offline)",
        "agency",
        "GET",
        f"/committees/{committee}/verification",
    )
    if not check.get("ok"):
        walk.fail(f"the draw does not re-run to the committee: {check.get('problems')}")
    return members


def _evaluation(walk: Walk, platform: Platform, tid: str, section: str, members: list[Member]) -> str:
    """The committee's work under 暗标 codes, the lock, the conclusion and every member's
    signature (评标规定 第四十二条, 条例 第五十三条; ADR 15)."""
    started = walk.step(
        "The agency starts the section's evaluation: prices corrected, 暗标 codes given, technical files scanned",
        "agency",
        "POST",
        f"/tenders/{tid}/evaluations",
        201,
        json={"section_id": section},
    )
    eid: str = started.get("id", "")
    lead = members[0].username
    seen = walk.step(
        f"{lead} opens the bids: the technical parts by code only (暗标)", lead, "GET", f"/evaluations/{eid}"
    )
    rows = [r for r in seen.get("bids", []) if r.get("valid")]
    codes = sorted(r["code"] for r in rows)
    text = json.dumps(seen, ensure_ascii=False)
    bidders = [org[0] for key, org in ORGS.items() if key.startswith("bidder")]
    if any(name in text for name in bidders) or any("bidder" in r or "form" in r for r in seen.get("bids", [])):
        walk.fail(f"{lead} was shown a bidder before the technical part was locked")
    files = ", ".join(f["name"] for r in rows for f in r["files"])
    walk.note(
        f"🙈 {lead} sees {len(codes)} bids, {', '.join(codes)}, and their technical files ({files}): no name, no price"
    )
    for m, points in zip(members, PLAN_POINTS, strict=True):
        given = dict(zip(codes, points, strict=False))
        walk.batch(
            f"{m.username} scores each construction plan (30 points) by its code: "
            + ", ".join(f"{c} {p}" for c, p in given.items()),
            m.username,
            "PUT",
            f"/evaluations/{eid}/scores",
            [{"bid": c, "factor_id": "plan", "points": p} for c, p in given.items()],
        )
    locked = walk.step(
        "The technical part is locked: the codes are unmasked and the price, credit and record parts open",
        lead,
        "POST",
        f"/evaluations/{eid}/technical-lock",
    )
    unmasked = {r["code"]: r for r in locked.get("bids", []) if r.get("valid")}
    walk.note("🔓 " + "; ".join(f"{c} = {unmasked[c]['bidder']['name']}" for c in codes if c in unmasked))
    if codes and codes[0] in unmasked:
        walk.step(
            "Changing a technical score after the lock is refused",
            members[1].username,
            "PUT",
            f"/evaluations/{eid}/scores",
            "scores_locked",
            json={"bid": unmasked[codes[-1]]["bid_id"], "factor_id": "plan", "points": "29"},
        )
    report = walk.step(
        "The committee concludes: the platform computes the scores, the ranking and the candidates, and writes "
        "the report (评标规定 §42)",
        lead,
        "POST",
        f"/evaluations/{eid}/conclusion",
        201,
    )
    walk.note(f"📄 report version {report.get('version')}, SHA-256 {str(report.get('digest'))[:16]}…")
    now = walk.now()
    for m in members:
        issue_person_certificate(platform, m.username, m.name, now)
    walk.note(
        f"🔏 the demo CA issues each member an SM2 signing certificate in its own name ({certificates_dir(platform)})"
    )
    for i, m in enumerate(members):
        dissent = DISSENT if i == len(members) - 1 else None
        statement = walk.call(
            m.username, "GET", f"/evaluations/{eid}/report/statement", params={"dissent": dissent} if dissent else {}
        ).json()["statement"]
        key, certificate = demo_signer(platform, m.username)
        signature = sign_json(statement, key, certificate, signed_at=walk.now())
        walk.step(
            f"{m.username} ({m.name}) signs the report with its own certificate"
            + (", writing its dissent (条例 §53)" if dissent else ""),
            m.username,
            "POST",
            f"/evaluations/{eid}/report/signatures",
            json={"signature": signature, "dissent": dissent},
        )
    return eid


def _award(walk: Walk, eid: str, section: dict[str, Any]) -> None:
    """Publicity, an objection answered, the decision, the notices and the contract
    (条例 第五十四条、第五十五条、第五十七条; 法 第四十五条、第四十六条)."""
    usernames = {org[0]: key for key, org in ORGS.items()}
    walk.step(
        "The agency publishes the candidates for 3 days, signed by the platform (条例 §54)",
        "agency",
        "POST",
        f"/evaluations/{eid}/publicity",
        json={"end": (walk.now() + timedelta(days=3, hours=2)).isoformat()},
    )
    public = walk.step(
        "Anyone reads the candidates, their prices, scores and project managers", None, "GET", f"/evaluations/{eid}"
    )
    candidates = (public.get("publicity") or {}).get("body", {}).get("candidates", [])
    for c in candidates:
        walk.note(f"🏅 {c['rank']}. {c['bidder']['name']}  {c['price']} 元  {c['score']} points")
    if len(candidates) < 2:
        walk.fail(f"expected at least two candidates, got {len(candidates)}")
        return
    first, second = candidates[0], candidates[1]
    objector = usernames[second["bidder"]["name"]]
    objection = walk.step(
        f"{objector}, ranked second, objects to the result; no award until it is answered",
        objector,
        "POST",
        f"/evaluations/{eid}/objections",
        201,
        json={"text": "我司施工组织设计得分明显低于第一名，请复核评分。"},
    )
    walk.step(
        "The agency answers within 3 days",
        "agency",
        "POST",
        f"/evaluations/{eid}/objections/{objection.get('id')}/answer",
        json={"answer": "经复核，评标委员会按评标办法评分，计算无误，维持评标结果。"},
    )
    walk.clock(days=3, hours=3)
    walk.step("The scheduler ends the publicity", "admin", "POST", "/admin/scheduler/run")
    walk.step(
        "Passing over the first candidate of a state-funded project without an exception is refused (条例 §55)",
        "agency",
        "POST",
        f"/evaluations/{eid}/decision",
        "rank_one_required",
        json={"winner_bid_id": second["bid_id"], "reasons": "第二名同类工程经验更丰富。"},
    )
    walk.step(
        f"The agency awards the first-ranked candidate, {first['bidder']['name']}; the result is published",
        "agency",
        "POST",
        f"/evaluations/{eid}/decision",
        json={"winner_bid_id": first["bid_id"], "reasons": "国有资金控股项目，确定排名第一的中标候选人为中标人。"},
    )
    notices = walk.step(
        "The notices go to every bidder at the same moment (法 §45)",
        "agency",
        "POST",
        f"/evaluations/{eid}/notices",
        201,
    )
    if isinstance(notices, list) and notices:
        kinds = sorted({str(n["kind"]) for n in notices})
        walk.note(f"📨 {len(notices)} notices ({', '.join(kinds)}), all issued at {notices[0]['issued_at']}")
        if len({n["issued_at"] for n in notices}) != 1:
            walk.fail("the notices were not issued at one moment")
    winner = usernames[first["bidder"]["name"]]
    walk.step(f"{winner} reads its own notice, signed by the platform", winner, "GET", f"/evaluations/{eid}/notices")
    price = Decimal(first["price"])
    terms = {
        "price": str(price),
        "duration_days": first["duration_days"],
        "quality": first["quality"],
        "subject": section["scope"],
        "signed_on": walk.now().isoformat(),
        "performance_security": str((price * Decimal("0.05")).quantize(Decimal("0.01"))),
    }
    walk.step(
        "A contract 300,000 yuan below the winning price is refused: it departs from the bid (条例 §57)",
        "agency",
        "POST",
        f"/evaluations/{eid}/contract",
        "contract_departs_from_bid",
        json=terms | {"price": str(price - Decimal("300000.00"))},
    )
    contracted = walk.step(
        "The contract on the winning bid's price, period, quality and subject is recorded (法 §46)",
        "agency",
        "POST",
        f"/evaluations/{eid}/contract",
        json=terms,
    )
    if contracted.get("status") != "contracted":
        walk.fail(f"the evaluation is {contracted.get('status')}, not contracted")
