"""Bad input to the evaluation, award, complaint and registry routes gets a problem+json answer
with a stable code, never a 500, and changes nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from sunbid.bootstrap import Platform
from sunbid.demo.seed import standard_scheme
from tests.evaluating import Evaluating
from tests.factories import World
from tests.integration.test_bad_input import refused

PRICES = {"bidder": "11000000.00", "bidder2": "11500000.00", "bidder3": "10800000.00"}


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        (lambda s: s | {"method": "lowest_evaluated_price"}, 422, "lowest_price_not_applicable"),
        (lambda s: s | {"total_points": "90"}, 422, "scheme_points_do_not_sum"),
        (
            lambda s: s | {"award": {"mode": "separated", "candidate_count": 3, "decision_method": "摇号"}},
            422,
            "award_lottery_forbidden",
        ),
        (lambda s: s | {"price_formula": {"kind": "average_discount", "k_choices": [0.02]}}, 422, "scheme_invalid"),
        (lambda s: s | {"surprise": True}, 422, "scheme_invalid"),
        (lambda _s: [1, 2, 3], 422, "request_invalid"),
    ],
)
def test_a_scheme_the_rules_refuse_is_refused_and_stores_nothing(
    api: TestClient, platform: Platform, world: World, change: Any, status: int, code: str
) -> None:
    tender_id = world.draft_tender(scheme=None)
    body = refused(api, platform, "PUT", f"/api/v1/tenders/{tender_id}/evaluation-scheme", status, code,
                   json=change(standard_scheme()), headers=world.headers("tenderer"))  # fmt: skip
    assert body["message_zh"]


def test_announcing_without_a_scheme_is_refused_and_changes_nothing(
    api: TestClient, platform: Platform, world: World
) -> None:
    tender_id = world.draft_tender(scheme=None, issue_start=world.clock.now() + timedelta(hours=1))
    refused(api, platform, "POST", f"/api/v1/tenders/{tender_id}/announce", 409, "evaluation_scheme_missing",
            headers=world.headers("tenderer"))  # fmt: skip


def test_bad_scores_motions_and_decisions_are_refused_and_change_nothing(
    api: TestClient, platform: Platform, world: World, ev: Evaluating
) -> None:
    tender_id = ev.opened(PRICES)
    evaluation = ev.start(tender_id)
    member = ev.pool.username_of(ev.members(evaluation)[0].user_id)
    code = ev.code(evaluation.id, "bidder")
    path = f"/api/v1/evaluations/{evaluation.id}"
    h = world.headers(member)
    refused(api, platform, "PUT", f"{path}/scores", 422, "score_invalid",
            json={"bid": code, "factor_id": "plan", "points": "31"}, headers=h)  # fmt: skip
    refused(api, platform, "PUT", f"{path}/scores", 422, "request_invalid",
            json={"bid": code, "factor_id": "plan", "points": "12.345"}, headers=h)  # fmt: skip
    refused(api, platform, "PUT", f"{path}/scores", 422, "request_invalid",
            json={"bid": code, "factor_id": "plan", "points": "-1"}, headers=h)  # fmt: skip
    refused(api, platform, "PUT", f"{path}/scores", 422, "scheme_factor_unknown",
            json={"bid": code, "factor_id": "beauty", "points": "1"}, headers=h)  # fmt: skip
    refused(api, platform, "PUT", f"{path}/scores", 404, "bid_not_in_evaluation",
            json={"bid": "ZZZZ", "factor_id": "plan", "points": "1"}, headers=h)  # fmt: skip
    refused(api, platform, "POST", f"{path}/motions", 422, "request_invalid",
            json={"kind": "lottery", "reason": "x", "bid": code}, headers=h)  # fmt: skip
    refused(api, platform, "POST", f"{path}/motions", 422, "rejection_ground_invalid",
            json={"kind": "reject_bid", "reason": "不喜欢", "bid": code, "ground": "dislike"}, headers=h)  # fmt: skip
    refused(api, platform, "POST", f"{path}/motions", 409, "competition_sufficient",
            json={"kind": "reject_all", "reason": "缺乏竞争"}, headers=h)  # fmt: skip
    refused(api, platform, "POST", f"{path}/decision", 409, "evaluation_transition_not_allowed",
            json={"winner_bid_id": ev.bids["bidder"], "reasons": "x"}, headers=world.headers("tenderer"))  # fmt: skip
    refused(api, platform, "POST", f"{path}/publicity", 422, "request_invalid",
            json={"end": "2026-12-31T00:00:00"}, headers=world.headers("tenderer"))  # fmt: skip
    refused(api, platform, "POST", f"{path}/report/signatures", 409, "evaluation_transition_not_allowed",
            json={"signature": {"format": "x"}}, headers=h)  # fmt: skip


def test_bad_complaints_and_registry_records_are_refused_and_change_nothing(
    api: TestClient, platform: Platform, world: World
) -> None:
    tender_id = world.announced_tender()
    base = {"tender_id": tender_id, "matter": "other", "text": "违法", "known_at": world.clock.now().isoformat()}
    refused(api, platform, "POST", "/api/v1/complaints", 422, "request_invalid",
            json=base | {"known_at": "yesterday"}, headers=world.headers("bidder"))  # fmt: skip
    refused(api, platform, "POST", "/api/v1/complaints", 422, "request_invalid",
            json=base | {"matter": "gossip"}, headers=world.headers("bidder"))  # fmt: skip
    refused(api, platform, "POST", "/api/v1/complaints", 422, "known_at_in_future",
            json=base | {"known_at": (world.clock.now() + timedelta(days=1)).isoformat()},
            headers=world.headers("bidder"))  # fmt: skip
    refused(api, platform, "POST", "/api/v1/complaints", 404, "tender_not_found",
            json=base | {"tender_id": "tnd_nope"}, headers=world.headers("bidder"))  # fmt: skip
    refused(api, platform, "POST", "/api/v1/complaints/entered", 422, "channel_invalid",
            json=base | {"complainant_org_id": world.orgs["B"], "channel": "web"},
            headers=world.headers("supervisor"))  # fmt: skip
    refused(api, platform, "POST", "/api/v1/complaints/cpl_nope/acceptance", 404, "complaint_not_found",
            json={"suspend": False}, headers=world.headers("supervisor"))  # fmt: skip
    org = world.orgs["B"]
    refused(api, platform, "POST", f"/api/v1/organisations/{org}/performances", 422, "request_invalid",
            json={"project_name": "x", "category": "space", "sector": "x", "amount": "1.00",
                  "completed_at": world.clock.now().isoformat()}, headers=world.headers("supervisor"))  # fmt: skip
    refused(api, platform, "POST", f"/api/v1/organisations/{org}/performances", 422, "performance_in_future",
            json={"project_name": "x", "category": "works", "sector": "x", "amount": "1.00",
                  "completed_at": (world.clock.now() + timedelta(days=9)).isoformat()},
            headers=world.headers("supervisor"))  # fmt: skip
