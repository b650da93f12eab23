"""A client drives one tender over real HTTP, from plan to objection, and meets every refusal; the
guided tour drives one from the plan to the contract."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx2
import pytest

from sunbid.api.app import create_app
from sunbid.api.serving import ServerThread
from sunbid.bootstrap import Platform
from sunbid.demo.seed import standard_scheme
from sunbid.kernel.calendar import china_date
from sunbid.kernel.clock import FixedClock
from tests.factories import PASSWORD, World, make_world
from tests.integration.snapshot import snapshot
from tests.integration.test_access_matrix import plan_body, tender_body

pytestmark = pytest.mark.e2e


@pytest.fixture
def http(platform: Platform) -> Iterator[httpx2.Client]:
    with ServerThread(create_app(platform)) as url, httpx2.Client(base_url=f"{url}/api/v1", timeout=30) as client:
        yield client


@pytest.fixture
def world(platform: Platform, clock: FixedClock) -> World:
    return make_world(platform, clock, tokens=False)


class Client:
    def __init__(self, http: httpx2.Client, platform: Platform, who: str) -> None:
        self.http, self.platform = http, platform
        response = http.post("/auth/login", json={"username": who, "password": PASSWORD})
        assert response.status_code == 200, response.text
        self.session = {"Authorization": f"Bearer {response.json()['token']}"}
        http.cookies.clear()
        # Sessions last 12 hours and this tender runs for weeks: the client is a tool with an API token.
        token = http.post("/auth/tokens", json={"name": "e2e"}, headers=self.session).json()["token"]
        self.headers = {"Authorization": f"Bearer {token}"}

    def ok(self, method: str, path: str, status: int = 200, **kwargs: Any) -> dict[str, Any]:
        response = self.http.request(method, path, headers=self.headers | kwargs.pop("headers", {}), **kwargs)
        assert response.status_code == status, response.text
        return response.json() if response.content else {}

    def refused(self, method: str, path: str, code: str, status: int = 409, **kwargs: Any) -> dict[str, Any]:
        before = snapshot(self.platform)
        response = self.http.request(method, path, headers=self.headers | kwargs.pop("headers", {}), **kwargs)
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == "application/problem+json"
        body: dict[str, Any] = response.json()
        assert body["code"] == code
        assert snapshot(self.platform) == before
        return body


def test_plan_to_announcement_to_clarification_and_objection(
    http: httpx2.Client, platform: Platform, clock: FixedClock, world: World
) -> None:
    tenderer = Client(http, platform, "tenderer")
    agency = Client(http, platform, "agency")
    bidder = Client(http, platform, "bidder")

    # The plan (M1): published, amended with the amendment kept.
    plan = tenderer.ok("POST", "/plans", 201, json=plan_body(world, "t") | {"planned_announcement_date": "2026-04-10"})
    tenderer.ok("POST", f"/plans/{plan['id']}/publish")
    amended = tenderer.ok(
        "POST",
        f"/plans/{plan['id']}/amendments",
        201,
        json=plan_body(world, "t")
        | {"planned_announcement_date": "2026-04-15", "estimated_price": "1100000.00", "reason": "概算调整"},
    )
    assert amended["amendments"][0]["changes"]["estimated_price"] == {"old": "1000000.00", "new": "1100000.00"}
    assert http.get(f"/plans/{plan['id']}").json()["estimated_price"] == "1100000.00"

    # The tender: drafted, documents uploaded and downloaded back intact.
    body = tender_body(world, "t") | {"plan_id": plan["id"]}
    tender = tenderer.ok("POST", "/tenders", 201, json=body)
    tid = tender["id"]
    content = "招标文件正文".encode() * 20000
    doc = agency.ok(
        "POST",
        f"/tenders/{tid}/documents",
        201,
        content=content,
        params={"title": "招标文件", "filename": "招标文件.pdf"},
        headers={"Content-Type": "application/octet-stream"},
    )
    assert doc["size"] == len(content)
    download = http.get(f"/tenders/{tid}/documents/{doc['id']}/content", headers=agency.headers)
    assert download.content == content
    assert download.headers["x-content-sha256"] == doc["sha256"]
    # The evaluation scheme the documents declare; lowest price without its precondition is refused.
    agency.refused(
        "PUT",
        f"/tenders/{tid}/evaluation-scheme",
        "lowest_price_not_applicable",
        422,
        json={"method": "lowest_evaluated_price"},
    )
    agency.ok("PUT", f"/tenders/{tid}/evaluation-scheme", json=standard_scheme())

    # Refused: the plan has been public for less than 30 days.
    refusal = agency.refused("POST", f"/tenders/{tid}/announce", "plan_not_public_long_enough")
    assert "519号" in refusal["message_zh"]
    clock.advance(timedelta(days=30))
    assert http.get("/auth/me", headers=tenderer.session).json()["code"] == "token_invalid"

    # Refused: documents issued less than 20 days before the deadline (法 §24).
    start = clock.now() + timedelta(hours=2)
    short = body | {
        "doc_issue_start": start.isoformat(),
        "doc_sale_end": (start + timedelta(days=5)).isoformat(),
        "bid_deadline": (start + timedelta(days=19, hours=23)).isoformat(),
    }
    short.pop("plan_id")
    tenderer.ok("PUT", f"/tenders/{tid}", json=short)
    agency.refused("POST", f"/tenders/{tid}/announce", "deadline_too_soon")
    deadline = start + timedelta(days=20)
    tenderer.ok("PUT", f"/tenders/{tid}", json=short | {"bid_deadline": deadline.isoformat()})
    announced = agency.ok("POST", f"/tenders/{tid}/announce")
    assert announced["status"] == "announced"
    assert announced["documents"][0]["published_at"] is not None
    assert http.get(f"/tenders/{tid}").json()["credit_commitment"] == body["credit_commitment"]

    # A clarification 16 days before the deadline is fine; at 14 days it must move the deadline.
    clock.set(deadline - timedelta(days=16))
    agency.ok("POST", f"/tenders/{tid}/clarifications", 201, json={"text": "澄清一"})
    clock.set(deadline - timedelta(days=14))
    agency.refused(
        "POST", f"/tenders/{tid}/clarifications", "clarification_requires_deadline_extension", json={"text": "修改二"}
    )
    agency.refused(
        "POST",
        f"/tenders/{tid}/clarifications",
        "deadline_extension_too_short",
        json={"text": "修改二", "new_bid_deadline": (clock.now() + timedelta(days=14, hours=12)).isoformat()},
    )
    new_deadline = clock.now() + timedelta(days=15)
    agency.ok(
        "POST",
        f"/tenders/{tid}/clarifications",
        201,
        json={"text": "修改二", "new_bid_deadline": new_deadline.isoformat()},
    )
    assert http.get(f"/tenders/{tid}").json()["bid_deadline"] == new_deadline.isoformat().replace("+00:00", "Z")

    # An objection suspends the tender; every activity is refused until it is answered.
    objection = bidder.ok("POST", f"/tenders/{tid}/objections", 201, json={"text": "资格条件不合理"})
    assert http.get(f"/tenders/{tid}").json()["status"] == "suspended"
    agency.refused("POST", f"/tenders/{tid}/clarifications", "tender_suspended", json={"text": "澄清三"})
    agency.refused(
        "POST",
        f"/tenders/{tid}/documents",
        "tender_suspended",
        content=b"v2",
        params={"title": "招标文件", "filename": "v2.pdf"},
        headers={"Content-Type": "application/octet-stream"},
    )
    assert [o["id"] for o in bidder.ok("GET", f"/tenders/{tid}/objections")] == [objection["id"]]
    agency.ok("POST", f"/tenders/{tid}/objections/{objection['id']}/answer", json={"answer": "已修改资格条件"})
    assert http.get(f"/tenders/{tid}").json()["status"] == "announced"

    # Objections less than 10 days before the deadline are refused.
    clock.set(new_deadline - timedelta(days=9))
    bidder.refused("POST", f"/tenders/{tid}/objections", "objection_too_late", json={"text": "太晚了"})

    # At the deadline, the scheduler closes bidding and opens the tender, once: with no bids
    # the section fails and the tender is to be tendered again (法 第二十八条). The day's credit
    # grades are computed in the same pass (once a day). A failed opening is never concluded, so
    # there is no risk scan.
    clock.set(new_deadline)
    admin = Client(http, platform, "admin")
    today = china_date(clock.now()).isoformat()
    assert admin.ok("POST", "/admin/scheduler/run")["applied"] == [
        ["close_bidding", tid],
        ["open_bids", tid],
        ["recompute_credit_grades", today],
    ]
    assert admin.ok("POST", "/admin/scheduler/run")["applied"] == []
    assert http.get(f"/tenders/{tid}").json()["status"] == "failed"
    names = [e["name"] for e in http.get("/events", params={"subject_id": tid}).json()["items"]]
    assert names == [
        "TenderAnnounced",
        "ClarificationIssued",
        "ClarificationIssued",
        "BidDeadlineMoved",
        "TenderSuspended",
        "TenderResumed",
        "BiddingClosed",
        "SectionFailed",
        "TenderFailed",
    ]


def test_the_demo_command_runs_from_the_plan_to_the_contract_and_the_whole_ledger_holds(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    from rich.console import Console

    from sunbid.demo.walkthrough import run

    here = tmp_path / "cwd"
    here.mkdir()
    monkeypatch.chdir(here)
    out = io.StringIO()
    assert run(Console(file=out, width=200), speed=60.0, workdir=tmp_path) == 0, out.getvalue()
    text = out.getvalue()
    for code in (
        "plan_not_public_long_enough",
        "deadline_too_soon",
        "clarification_requires_deadline_extension",
        "tender_suspended",
        "objection_too_late",
        "envelope_malformed",
        "bid_deadline_passed",
        "opening_objection_unanswered",
        "contribution_awaited",
        "committee_not_found",
        "scores_locked",
        "rank_one_required",
        "contract_departs_from_bid",
    ):
        assert code in text
    assert "is opened" in text and "its section is contracted" in text
    assert "ContractSigned" in text and "✔ the log holds" in text
    assert text.rstrip().endswith("demo finished: every step behaved as the rules require")
    assert not any(here.iterdir()), "the demo wrote outside its own directory"
