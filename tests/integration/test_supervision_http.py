"""Bad input to the warning, credit and spot-check routes gets a problem+json answer with its code,
never a 500, and changes nothing; the routes answer with what the use cases decided."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from sunbid.bootstrap import Platform
from tests.factories import World
from tests.integration import matrix_supervision as ms
from tests.integration.test_bad_input import refused


@pytest.fixture
def sup(world: World) -> dict[str, str]:
    return world.headers("supervisor")


def test_bad_warning_steps_are_refused_with_their_codes(
    api: TestClient, platform: Platform, world: World, sup: dict[str, str]
) -> None:
    ids = ms.investigating(world)
    base = f"/api/v1/warnings/{ids['warning_id']}"
    body = {"authority_name": "某机关", "number": "1号"}
    refused(api, platform, "POST", f"{base}/referrals", 422, "request_invalid", headers=sup, json=body)
    refused(api, platform, "POST", f"{base}/referrals", 422, "request_invalid", headers=sup,
            json=body | {"authority": "the_press"})  # fmt: skip
    refused(api, platform, "POST", f"{base}/referrals", 422, "request_invalid", headers=sup,
            json=body | {"authority": "audit", "number": ""})  # fmt: skip
    refused(api, platform, "POST", f"{base}/dismissal", 422, "request_invalid", headers=sup, json={"reason": ""})
    refused(api, platform, "POST", f"{base}/closure", 422, "request_invalid", headers=sup,
            json={"outcome": "probably", "reason": "x"})  # fmt: skip
    refused(api, platform, "POST", f"{base}/assignment", 422, "assignee_not_a_supervisor", headers=sup,
            json={"assignee_id": world.actors["auditor"].user_id})  # fmt: skip
    refused(api, platform, "POST", f"{base}/acknowledgement", 409, "warning_transition_not_allowed", headers=sup,
            json={})  # fmt: skip
    refused(api, platform, "POST", "/api/v1/warnings/wrn_01KJP0Y9M0VW2QWNYG0NZXVAXY/investigation", 404,
            "warning_not_found", headers=sup, json={"notes": "x"})  # fmt: skip
    refused(api, platform, "GET", "/api/v1/warnings", 422, "request_invalid", headers=sup, params={"status": "lost"})
    refused(api, platform, "GET", "/api/v1/warnings", 422, "cursor_invalid", headers=sup, params={"cursor": "x"})
    referral = api.post(f"{base}/referrals", headers=sup, json=body | {"authority": "audit"})
    assert referral.status_code == 201, referral.text
    refused(api, platform, "POST", f"{base}/referrals/{referral.json()['id']}/feedback", 422, "request_invalid",
            headers=sup, json={"received_at": "2026-03-02T10:00:00", "outcome": "no_case", "text": "x"})  # fmt: skip


def test_a_warning_read_over_http_carries_its_evidence_history_and_referrals(
    api: TestClient, world: World, sup: dict[str, str]
) -> None:
    ids = ms.referred(world)
    got = api.get(f"/api/v1/warnings/{ids['warning_id']}", headers=world.headers("auditor")).json()
    assert got["indicator"] == "FC-LOCAL-BRANCH" and got["severity"] == "high" and got["status"] == "referred"
    assert "分支机构" in got["evidence"]["quote"] and got["org_ids"] == sorted([world.orgs["T"], world.orgs["A"]])
    assert [h["action"] for h in got["history"]] == ["raise", "assign", "acknowledge", "investigate", "refer"]
    assert got["referrals"][0]["number"] == "宁监移〔2026〕9号"
    page = api.get("/api/v1/warnings", headers=sup, params={"severity": "high", "limit": 1}).json()
    assert [w["id"] for w in page["items"]] == [ids["warning_id"]]
    risk = api.get(f"/api/v1/tenders/{ids['tender_id']}/risk", headers=sup).json()
    local = next(f for f in risk["flags"] if f["indicator"] == "FC-LOCAL-BRANCH")
    assert local["warning_id"] == ids["warning_id"] and risk["scans"] == []
    catalogue = api.get("/api/v1/risk/indicators").json()
    assert {"SIG-DEVICE", "SIG-DEPOSIT", "FC-LOCAL-BRANCH", "NET-ROTATION"} <= {
        c["id"] for c in catalogue["indicators"]
    }


def test_bad_credit_and_penalty_requests_are_refused_with_their_codes(
    api: TestClient, platform: Platform, world: World, sup: dict[str, str]
) -> None:
    org = world.orgs["B"]
    over = f"/api/v1/credit-grades/organisation/{org}/override"
    refused(api, platform, "POST", over, 422, "request_invalid", headers=sup, json={"grade": "E", "reason": "x"})
    refused(api, platform, "POST", over, 422, "request_invalid", headers=sup, json={"grade": "A"})
    refused(api, platform, "POST", f"/api/v1/credit-grades/tender/{org}/override", 422, "request_invalid", headers=sup,
            json={"grade": "A", "reason": "x"})  # fmt: skip
    refused(api, platform, "POST", "/api/v1/credit-grades/organisation/org_nobody/override", 404,
            "organisation_not_found", headers=sup, json={"grade": "A", "reason": "x"})  # fmt: skip
    refused(
        api, platform, "GET", f"/api/v1/credit-grades/organisation/{org}", 404, "credit_grade_not_found", headers=sup
    )
    penalty: dict[str, Any] = {"kind": "bidding_ban", "authority": "某局", "decision_number": "1号",
                               "decided_on": "2026-03-01", "details": "取消投标资格"}  # fmt: skip
    path = f"/api/v1/organisations/{org}/penalties"
    refused(api, platform, "POST", path, 422, "ban_until_required", headers=sup, json=penalty)
    refused(api, platform, "POST", path, 422, "request_invalid", headers=sup, json=penalty | {"kind": "jaywalking"})
    refused(
        api, platform, "POST", path, 422, "request_invalid", headers=sup, json=penalty | {"decided_on": "2026-13-01"}
    )
    made = api.post(path, headers=sup, json=penalty | {"ban_until": "2027-03-01"})
    assert made.status_code == 201, made.text
    assert api.get(f"/api/v1/organisations/{org}").json()["credit_grade"] == "D"
    assert [p["id"] for p in api.get(path).json()] == [made.json()["id"]], "penalties are public"


def test_bad_spot_check_requests_are_refused_with_their_codes(
    api: TestClient, platform: Platform, world: World, sup: dict[str, str]
) -> None:
    refused(api, platform, "POST", "/api/v1/spot-checks", 409, "spot_check_population_empty", headers=sup,
            json={"size": 1})  # fmt: skip
    ms.announced(world)
    for body in ({"size": 0}, {"size": "many"}, {"size": 1, "category": "food"}, {"size": 1, "announced_from": "x"}):
        refused(api, platform, "POST", "/api/v1/spot-checks", 422, "request_invalid", headers=sup, json=body)
    refused(api, platform, "POST", "/api/v1/spot-checks", 409, "spot_check_sample_too_large", headers=sup,
            json={"size": 2})  # fmt: skip
    made = api.post("/api/v1/spot-checks", headers=sup, json={"size": 1}).json()
    draw = f"/api/v1/spot-checks/{made['id']}/draw"
    refused(api, platform, "POST", draw, 422, "request_invalid", headers=sup, json={"contribution": "zz" * 16})
    refused(api, platform, "POST", draw, 422, "request_invalid", headers=sup, json={"contribution": "ab"})
    refused(api, platform, "GET", f"/api/v1/spot-checks/{made['id']}/record", 409, "spot_check_not_drawn", headers=sup)
    drawn = api.post(draw, headers=sup, json={}).json()
    review = f"/api/v1/spot-checks/{made['id']}/reviews/{drawn['sample'][0]}"
    refused(api, platform, "POST", review, 422, "request_invalid", headers=sup,
            json={"outcome": "fine", "findings": "x"})  # fmt: skip
    record = api.get(f"/api/v1/spot-checks/{made['id']}/record", headers=world.headers("auditor")).json()
    assert record["format"] == "sunbid-spotcheck-record/1" and record["sample"] == drawn["sample"]
