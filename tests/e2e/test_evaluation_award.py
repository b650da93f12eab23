"""From sealed bids to the contract over real HTTP: five bidders seal and submit with the bid
tool's library, the committee is drawn blind and checks in, the technical part is scored
under codes and locked, an abnormally low bid is explained and kept, another is not and is
rejected, the report is signed by every member, sent back for correction and signed again,
the candidates are published, an objection is answered, the award is made by ranking (and,
on a second tender, by 评定分离 with the votes recorded), the notices go out together, the
contract is checked against the winning bid, and `sunbid ledger verify` confirms every step."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2
import pytest
from typer.testing import CliRunner

from sunbid.api.app import create_app
from sunbid.api.serving import ServerThread
from sunbid.bootstrap import Platform
from sunbid.cli.main import app as cli
from sunbid.client.bids import BidClient, seal
from sunbid.crypto import envelope, sign_json
from sunbid.demo.seed import standard_scheme
from sunbid.kernel.clock import FixedClock
from sunbid.storage import ledger
from tests.evaluating import CLEAN_PLAN, Evaluating, make_evaluating
from tests.experts import LOCAL
from tests.factories import World, make_world

pytestmark = pytest.mark.e2e
PRICES = {
    "bidder": "11000000.00",
    "bidder2": "11500000.00",
    "bidder3": "10800000.00",
    "bidder4": "5000000.00",  # below 45% of the ceiling: explains, and is kept
    "bidder5": "4800000.00",  # below 45% of the ceiling: does not explain, and is rejected
}


@pytest.fixture
def world(platform: Platform, clock: FixedClock) -> World:
    return make_world(platform, clock)


@pytest.fixture
def server(platform: Platform) -> Iterator[str]:
    with ServerThread(create_app(platform)) as url:
        yield url


class Http:
    def __init__(self, server: str, world: World, stack: ExitStack) -> None:
        self.server, self.world, self.stack = server, world, stack
        self.clients: dict[str, httpx2.Client] = {}

    def as_(self, who: str) -> httpx2.Client:
        if who not in self.clients:
            headers = {"Authorization": f"Bearer {self.world.tokens[who]}"} if who != "public" else {}
            self.clients[who] = self.stack.enter_context(
                httpx2.Client(base_url=f"{self.server}/api/v1", headers=headers, timeout=60)
            )
        return self.clients[who]

    def ok(self, who: str, method: str, path: str, status: int = 200, **kw: Any) -> Any:
        response = self.as_(who).request(method, path, **kw)
        assert response.status_code == status, f"{method} {path} as {who}: {response.text}"
        return response.json() if response.headers.get("content-type", "").startswith("application/json") else response

    def refused(self, who: str, method: str, path: str, code: str, **kw: Any) -> None:
        response = self.as_(who).request(method, path, **kw)
        assert response.status_code >= 400 and response.json()["code"] == code, response.text


def _tender_with_bids(
    ev: Evaluating, http: Http, tmp: Path, scheme: dict[str, Any], prices: dict[str, str]
) -> tuple[str, str, dict[str, str]]:
    """Announce a tender, seal and submit every bid over HTTP, open it and conclude the opening."""
    world, b = ev.world, ev.pool.bidding
    for who in prices:
        b.bidder(who)
    tender_id = world.draft_tender(scheme=scheme)
    http.ok("agency", "POST", f"/tenders/{tender_id}/announce")
    world.clock.advance(timedelta(days=2))
    section_id = b.section_of(tender_id)
    bids: dict[str, str] = {}
    for who, price in prices.items():
        org, keys = b.org_of(who), b.identity_of(who)
        out = tmp / f"{tender_id}-{who}.sbe"
        with BidClient(http.server, world.tokens[who]) as client:
            seal(
                out, client.sealing(tender_id), tender_id=tender_id, section_id=section_id,
                bidder=envelope.Party(org.credit_code, org.name),
                form={"price": price, "duration_days": 540, "quality": "合格",
                      "project_manager": {"name": f"{who}项目经理", "certificate": "一级注册建造师",
                                          "certificate_no": f"苏1320{len(who)}0001"}},
                files=[envelope.BidFile("投标函.pdf", data=f"%PDF 投标报价 {price} 元".encode()),
                       envelope.BidFile("施工组织设计.txt", part="technical", data=CLEAN_PLAN.encode())],
                signing=keys.signing["gm"], encryption_certificate=keys.encryption["gm"].certificate, suite="gm",
            )  # fmt: skip
            bids[who] = client.submit(tender_id, section_id, out)["bid"]["id"]
    deadline = datetime.fromisoformat(http.ok("public", "GET", f"/tenders/{tender_id}")["bid_deadline"])
    world.clock.set(deadline)
    http.ok("admin", "POST", "/admin/scheduler/run")
    for who, bid_id in bids.items():
        with BidClient(http.server, world.tokens[who]) as client:
            client.decrypt(bid_id, {"gm": b.identity_of(who).encryption["gm"].key})
    http.ok("agency", "POST", f"/tenders/{tender_id}/opening/conclude")
    return tender_id, section_id, bids


def _committee(ev: Evaluating, http: Http, tender_id: str, section_id: str) -> dict[str, Any]:
    """Drawn blind over HTTP, every member checks in, the tender's agency starts it."""
    ev.pool.many(8)
    draw = http.ok("agency", "POST", f"/tenders/{tender_id}/sections/{section_id}/committee-requests", 201, json={
        "size": 5, "requirements": [{"specialty": "A01", "seats": 5, "reserves": 2}], "local_pool": LOCAL,
        "main_venue_id": ev.pool.venue, "starts_at": (ev.world.clock.now() + timedelta(hours=1)).isoformat(),
        "evaluation_hours": 8,
    })  # fmt: skip
    committee = http.ok("agency", "POST", f"/draws/{draw['id']}/perform")
    for member in ev.members_of(committee["id"]):
        http.ok(ev.pool.username_of(member.user_id), "POST", f"/committees/{committee['id']}/check-in",
                json={"venue_id": ev.pool.venue})  # fmt: skip
    return dict(http.ok("agency", "POST", f"/committees/{committee['id']}/start"))


def _sign_everyone(ev: Evaluating, http: Http, evaluation_id: str, dissent: dict[int, str] | None = None) -> None:
    for i, member in enumerate(ev.members(ev.get(evaluation_id))):
        who = ev.pool.username_of(member.user_id)
        text = (dissent or {}).get(i)
        statement = http.ok(who, "GET", f"/evaluations/{evaluation_id}/report/statement",
                            params={"dissent": text} if text else {})["statement"]  # fmt: skip
        pair = ev.key_of(member)
        signature = dict(sign_json(statement, pair.key, pair.certificate, signed_at=ev.world.clock.now()))
        http.ok(who, "POST", f"/evaluations/{evaluation_id}/report/signatures",
                json={"signature": signature, "dissent": text})  # fmt: skip


def _score_all(ev: Evaluating, http: Http, evaluation_id: str, points: dict[str, str]) -> None:
    """Every member scores every bid's plan, by the code it sees."""
    for member in ev.members(ev.get(evaluation_id)):
        who = ev.pool.username_of(member.user_id)
        seen = http.ok(who, "GET", f"/evaluations/{evaluation_id}")
        for row in seen["bids"]:
            if row["valid"]:
                http.ok(who, "PUT", f"/evaluations/{evaluation_id}/scores",
                        json={"bid": row["code"], "factor_id": "plan", "points": points[row["code"]]})  # fmt: skip


def test_from_sealed_bids_to_the_contract_every_step_is_in_the_ledger(
    world: World, server: str, tmp_path: Path, platform: Platform
) -> None:
    ev = make_evaluating(world, tmp_path / "pki")
    with ExitStack() as stack:
        http = Http(server, world, stack)
        tender_id, section_id, bids = _tender_with_bids(ev, http, tmp_path, standard_scheme(), PRICES)
        _committee(ev, http, tender_id, section_id)
        evaluation = http.ok(
            "agency", "POST", f"/tenders/{tender_id}/evaluations", 201, json={"section_id": section_id}
        )
        eid = evaluation["id"]

        # 暗标: members see codes only, and the files under anonymous names
        members = ev.members(ev.get(eid))
        first = ev.pool.username_of(members[0].user_id)
        seen = http.ok(first, "GET", f"/evaluations/{eid}")
        # no report yet: nothing to sign, nothing to print
        http.refused(first, "GET", f"/evaluations/{eid}/report/statement", "report_missing")
        http.refused(first, "GET", f"/evaluations/{eid}/report.pdf", "report_not_found")
        assert all("bidder" not in row and "bid_id" not in row for row in seen["bids"])
        codes = {row["code"] for row in seen["bids"]}
        download = http.ok(first, "GET", f"/evaluations/{eid}/bids/{sorted(codes)[0]}/files/1")
        assert "施工部署" in download.text and sorted(codes)[0] in download.headers["content-disposition"]
        by_bid = ev.get(eid).codes
        plan = {by_bid[bids["bidder"]]: "25", by_bid[bids["bidder2"]]: "29", by_bid[bids["bidder3"]]: "20",
                by_bid[bids["bidder4"]]: "18", by_bid[bids["bidder5"]]: "15"}  # fmt: skip
        _score_all(ev, http, eid, plan)
        http.ok(first, "POST", f"/evaluations/{eid}/technical-lock")
        http.refused(first, "PUT", f"/evaluations/{eid}/scores", "scores_locked",
                     json={"bid": bids["bidder"], "factor_id": "plan", "points": "30"})  # fmt: skip

        # the two abnormally low prices: asked to explain in writing
        requests = {e["bid_id"]: e for e in http.ok("supervisor", "GET", f"/evaluations/{eid}/explanations")}
        assert set(requests) == {bids["bidder4"], bids["bidder5"]}
        assert http.ok("bidder4", "GET", f"/evaluations/{eid}/explanations")[0]["bid_id"] == bids["bidder4"]
        http.ok("bidder4", "POST", f"/evaluations/{eid}/explanations/{requests[bids['bidder4']]['id']}/answer",
                json={"answer": "我司自有设备与周转材料，主材已与供应商锁价，详见附件", "evidence_sha256": "ab" * 32})  # fmt: skip
        http.refused(first, "POST", f"/evaluations/{eid}/motions", "explanation_first",
                     json={"kind": "reject_bid", "bid": bids["bidder5"], "ground": "below_cost_or_above_ceiling",
                           "reason": "低于成本"})  # fmt: skip
        keep = http.ok(first, "POST", f"/evaluations/{eid}/motions", 201,
                       json={"kind": "accept_explanation", "bid": bids["bidder4"], "reason": "说明和证据充分"})  # fmt: skip
        for m in members[1:3]:
            http.ok(ev.pool.username_of(m.user_id), "POST", f"/evaluations/{eid}/motions/{keep['id']}/votes",
                    json={"agree": True})  # fmt: skip
        world.clock.advance(timedelta(hours=25))  # bidder5's 24 hours pass
        http.ok("admin", "POST", "/admin/scheduler/run")
        reject = http.ok(first, "POST", f"/evaluations/{eid}/motions", 201,
                         json={"kind": "reject_bid", "bid": bids["bidder5"], "ground": "below_cost_or_above_ceiling",
                               "reason": "未在期限内说明报价合理性，按低于成本否决"})  # fmt: skip
        for m in members[1:3]:
            http.ok(ev.pool.username_of(m.user_id), "POST", f"/evaluations/{eid}/motions/{reject['id']}/votes",
                    json={"agree": True})  # fmt: skip

        # the conclusion, every member's signature (one dissents), the tenderer's review and a second version
        report = http.ok(first, "POST", f"/evaluations/{eid}/conclusion", 201)
        assert report["body"]["rejections"][0]["bid_id"] == bids["bidder5"]
        _sign_everyone(ev, http, eid, dissent={2: "第二名施工组织设计得分偏高"})
        http.ok("tenderer", "POST", f"/evaluations/{eid}/corrections", json={"reason": "第三名的价格分计算需复核"})
        http.ok(
            first,
            "PUT",
            f"/evaluations/{eid}/scores",
            json={"bid": bids["bidder3"], "factor_id": "plan", "points": "21"},
        )
        second = http.ok(first, "POST", f"/evaluations/{eid}/conclusion", 201)
        assert second["version"] == 2
        _sign_everyone(ev, http, eid)
        rejected = http.ok("bidder5", "GET", f"/evaluations/{eid}")["my_bids"][0]
        assert (rejected["valid"], rejected["rejection"]["ground"]) == (False, "below_cost_or_above_ceiling")
        assert "第五十一条" in rejected["rejection"]["article"]
        pdf = http.ok("tenderer", "GET", f"/evaluations/{eid}/report.pdf")
        assert pdf.content.startswith(b"%PDF")

        # publicity, an objection answered, the award by ranking, notices, contract
        end = world.clock.now() + timedelta(days=3)
        http.ok("agency", "POST", f"/evaluations/{eid}/publicity", json={"end": end.isoformat()})
        public = http.ok("public", "GET", f"/evaluations/{eid}")
        candidates = public["publicity"]["body"]["candidates"]
        assert [c["rank"] for c in candidates] == [1, 2, 3]
        objection = http.ok("bidder3", "POST", f"/evaluations/{eid}/objections", 201, json={"text": "我司技术分偏低"})
        world.clock.set(end + timedelta(minutes=1))
        http.ok("admin", "POST", "/admin/scheduler/run")
        winner = candidates[0]["bid_id"]
        http.refused("agency", "POST", f"/evaluations/{eid}/decision", "objection_pending",
                     json={"winner_bid_id": winner, "reasons": "排名第一"})  # fmt: skip
        http.ok(
            "agency",
            "POST",
            f"/evaluations/{eid}/objections/{objection['id']}/answer",
            json={"answer": "经复核评分无误"},
        )
        http.ok("agency", "POST", f"/evaluations/{eid}/decision", json={"winner_bid_id": winner, "reasons": "排名第一"})
        notices = http.ok("agency", "POST", f"/evaluations/{eid}/notices", 201)
        assert len(notices) == len(PRICES) and len({n["issued_at"] for n in notices}) == 1
        price = candidates[0]["price"]
        terms = {"price": price, "duration_days": 540, "quality": "合格", "subject": "主体及安装工程",
                 "signed_on": world.clock.now().isoformat()}  # fmt: skip
        http.refused("agency", "POST", f"/evaluations/{eid}/contract", "contract_departs_from_bid",
                     json=terms | {"price": "9999999.00"})  # fmt: skip
        contracted = http.ok("agency", "POST", f"/evaluations/{eid}/contract", json=terms)
        assert contracted["status"] == "contracted"

        # 评定分离 on a second tender: unranked candidates, the award committee's votes recorded
        separated = standard_scheme(
            award={"mode": "separated", "candidate_count": 3, "decision_method": "committee_majority"}
        )
        tender2, section2, bids2 = _tender_with_bids(
            ev, http, tmp_path, separated, {k: PRICES[k] for k in ("bidder", "bidder2", "bidder3")}
        )
        _committee(ev, http, tender2, section2)
        eid2 = http.ok("tenderer", "POST", f"/tenders/{tender2}/evaluations", 201, json={"section_id": section2})["id"]
        codes2 = ev.get(eid2).codes
        _score_all(
            ev,
            http,
            eid2,
            {codes2[bids2["bidder"]]: "25", codes2[bids2["bidder2"]]: "27", codes2[bids2["bidder3"]]: "22"},
        )
        lead = ev.pool.username_of(ev.members(ev.get(eid2))[0].user_id)
        http.ok(lead, "POST", f"/evaluations/{eid2}/technical-lock")
        http.ok(lead, "POST", f"/evaluations/{eid2}/conclusion", 201)
        _sign_everyone(ev, http, eid2)
        http.ok(
            "tenderer",
            "POST",
            f"/evaluations/{eid2}/publicity",
            json={"end": (world.clock.now() + timedelta(days=3)).isoformat()},
        )
        world.clock.advance(timedelta(days=3, minutes=1))
        http.ok("admin", "POST", "/admin/scheduler/run")
        unranked = [c["bid_id"] for c in ev.get(eid2).candidates]
        assert all(c["rank"] is None for c in ev.get(eid2).candidates)
        people = [{"name": n, "role": "定标委员会委员"} for n in ("甲", "乙", "丙")]
        votes = [{"participant": "甲", "bid_id": unranked[0], "reason": "业绩突出"},
                 {"participant": "乙", "bid_id": unranked[0], "reason": "方案可靠"},
                 {"participant": "丙", "bid_id": unranked[1], "reason": "报价较低"}]  # fmt: skip
        decided = http.ok("tenderer", "POST", f"/evaluations/{eid2}/decision",
                          json={"winner_bid_id": unranked[0], "reasons": "定标委员会投票", "participants": people,
                                "votes": votes})  # fmt: skip
        assert decided["decision"]["tally"][unranked[0]] == 2

    # anyone can check that nothing was changed or removed
    platform.sign_tree_head()
    result = CliRunner().invoke(cli, ["ledger", "verify", "--url", server])
    assert result.exit_code == 0, result.output
    with platform.uow() as uow:
        names = {json.loads(row.body)["name"] for row in ledger.entry_rows(uow.session)}
    assert {
        "EvaluationSchemeDeclared",
        "DrawCommitted",
        "EvaluationStarted",
        "SectionEvaluationStarted",
        "ScoreGiven",
        "TechnicalScoresLocked",
        "ExplanationGiven",
        "ExplanationExpired",
        "MotionProposed",
        "MotionVoted",
        "EvaluationConcluded",
        "ReportSigned",
        "EvaluationReported",
        "EvaluationCorrectionRequested",
        "CandidatesPublished",
        "EvaluationObjectionRaised",
        "EvaluationObjectionAnswered",
        "PublicityEnded",
        "AwardDecided",
        "AwardNoticesIssued",
        "ContractSigned",
    } <= names, names
