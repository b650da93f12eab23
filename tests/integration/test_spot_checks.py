"""Risk- and credit-weighted random spot checks of tender documents on the real databases: the
weights, the commitment in the ledger, the draw re-run from its revealed seed (a changed seed does
not verify), the review tasks and their outcomes, and the refusals."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from sunbid.bootstrap import Platform
from sunbid.kernel.calendar import china_date
from sunbid.kernel.clock import FixedClock
from sunbid.kernel.context import SYSTEM, Context
from sunbid.kernel.errors import Conflict, DomainError, Forbidden, NotFound
from sunbid.supervision import credit_service as credit
from sunbid.supervision import spot_service as spot
from sunbid.supervision import warning_service as warnings
from sunbid.supervision.credit_model import PenaltyKind
from sunbid.supervision.spot_model import ReviewOutcome, SpotCheckStatus
from sunbid.tendering import service as tendering
from tests.factories import World, make_world
from tests.markets import CLEAN_DOCUMENT, LOCAL_BRANCH_DOCUMENT

CONTRIBUTION = bytes.fromhex("5f" * 24)


@pytest.fixture
def world(platform: Platform, clock: FixedClock) -> World:
    return make_world(platform, clock, tokens=False)


def announced(world: World, document: str, *, agency: bool = True) -> str:
    tender_id = world.draft_tender(with_document=False, agency=agency)
    world.add_document(tender_id, document.encode("utf-8"))
    tendering.announce_tender(world.uow(), world.ctx("tenderer"), tender_id)
    return tender_id


@pytest.fixture
def market(world: World, platform: Platform) -> dict[str, str]:
    """Four announced tenders: a plain one, one whose documents demand a local branch, one with a
    warning and no agency, one without agency; the agency is of grade D (bribery). A fifth, whose
    bidding has closed, is not drawn from."""
    closed = announced(world, CLEAN_DOCUMENT)
    with world.uow() as uow:
        tender = uow.tenders.get(closed)
        assert tender is not None
        world.clock.set(tender.bid_deadline)
    tendering.run_due(world.uow(), Context(actor=SYSTEM, clock=world.clock, rules=platform.rules))
    plain = announced(world, CLEAN_DOCUMENT)
    branch = announced(world, LOCAL_BRANCH_DOCUMENT)
    warned = announced(world, LOCAL_BRANCH_DOCUMENT, agency=False)
    flags = platform.scanner().review([warned])[warned]
    with world.uow() as uow:
        warnings.raise_warnings(uow, world.ctx("supervisor"), flags, scan_tender=warned, bid_orgs={},
                                managers=[world.orgs["T"]], source="manual")  # fmt: skip
        uow.commit()
    credit.record_penalty(
        world.uow(), world.ctx("supervisor"), world.orgs["A"], kind=PenaltyKind.BRIBERY, authority="南京市发改委",
        decision_number="宁发改罚〔2026〕7号", decided_on=china_date(world.clock.now()) - timedelta(days=3),
        details="向招标人工作人员行贿",
    )  # fmt: skip
    own = announced(world, CLEAN_DOCUMENT, agency=False)
    return {"plain": plain, "branch": branch, "warned": warned, "own": own}


def test_each_tenders_weight_grows_with_its_risk_and_its_managers_weak_credit(
    world: World, platform: Platform, market: dict[str, str]
) -> None:
    made = spot.commit_spot_check(platform.uow(), world.ctx("supervisor"), platform.scanner(), size=2)
    weights = {c["id"]: c["weight"] for c in made.candidates["tenders"]}
    assert set(weights) == set(market.values()), "only tenders still announced are drawn from"
    agency_d = 30  # the agency's bribery penalty: grade D
    assert weights[market["own"]] == 10
    assert weights[market["plain"]] == 10 + agency_d
    assert weights[market["branch"]] == 10 + 10 + agency_d, "one review hit: the local branch clause"
    warned_factors = made.factors[market["warned"]]
    assert warned_factors["review_hits"] == 1 and warned_factors["warnings"] == 1
    assert weights[market["warned"]] == 10 + 10 + 20
    assert made.status is SpotCheckStatus.COMMITTED and made.sample == []


def test_the_draw_re_runs_from_its_revealed_seed_and_a_changed_seed_does_not_verify(
    world: World, platform: Platform, market: dict[str, str], tmp_path: Path
) -> None:
    sup = world.ctx("supervisor")
    made = spot.commit_spot_check(platform.uow(), sup, platform.scanner(), size=2, note="2026年第一季度")
    refused("spot_check_not_drawn", lambda: spot.spot_check_record(platform.uow(), sup, made.id), Conflict)
    drawn = spot.draw_spot_check(platform.uow(), sup, made.id, CONTRIBUTION)
    assert drawn.status is SpotCheckStatus.DRAWN and len(drawn.sample) == 2 and len(set(drawn.sample)) == 2
    assert [r.tender_id for r in drawn.reviews] == drawn.sample
    record = spot.spot_check_record(platform.uow(), world.ctx("auditor"), made.id)
    result = spot.check_record(record)
    assert result.ok, result.problems
    assert result.sample == drawn.sample
    entry = json.loads(record["ledger"]["entry"])
    assert entry["name"] == "SpotCheckCommitted" and entry["public"] is True
    assert entry["data"]["seed_sha256"] == drawn.seed_sha256
    tampered = record | {"seed": bytes(32).hex()}
    assert not spot.check_record(tampered).ok
    heavier = json.loads(json.dumps(record))
    heavier["candidates"]["tenders"][0]["weight"] += 1
    assert "the candidate list does not match the committed candidate digest" in spot.check_record(heavier).problems

    path = tmp_path / "record.json"
    path.write_text(json.dumps(record, ensure_ascii=False))
    from sunbid.cli.main import app

    ok = CliRunner().invoke(app, ["spot-check", "verify", str(path)])
    assert ok.exit_code == 0, ok.output
    assert "re-runs to the recorded sample" in ok.output
    path.write_text(json.dumps(tampered, ensure_ascii=False))
    bad = CliRunner().invoke(app, ["spot-check", "verify", str(path)])
    assert bad.exit_code == 1 and "does not match the committed seed digest" in bad.output


def test_the_sampled_tenders_reviews_are_recorded_once_and_complete_the_spot_check(
    world: World, platform: Platform, market: dict[str, str]
) -> None:
    sup = world.ctx("supervisor")
    made = spot.commit_spot_check(platform.uow(), sup, platform.scanner(), size=2)
    refused("spot_check_not_drawn", lambda: spot.record_review(platform.uow(), sup, made.id, market["plain"],
                                                               ReviewOutcome.COMPLIANT, "x"), Conflict)  # fmt: skip
    drawn = spot.draw_spot_check(platform.uow(), sup, made.id)
    refused("spot_check_drawn", lambda: spot.draw_spot_check(platform.uow(), sup, made.id), Conflict)
    outside = next(t for t in market.values() if t not in drawn.sample)
    refused("review_not_found", lambda: spot.record_review(platform.uow(), sup, made.id, outside,
                                                           ReviewOutcome.COMPLIANT, "未发现问题"), NotFound)  # fmt: skip
    first, second = drawn.sample
    refused("review_findings_required", lambda: spot.record_review(platform.uow(), sup, made.id, first,
                                                                   ReviewOutcome.COMPLIANT, " "))  # fmt: skip
    spot.record_review(
        platform.uow(), sup, made.id, first, ReviewOutcome.RECTIFICATION_ORDERED, "要求删除设立分支机构条款"
    )
    refused("review_recorded", lambda: spot.record_review(platform.uow(), sup, made.id, first,
                                                          ReviewOutcome.COMPLIANT, "x"), Conflict)  # fmt: skip
    assert spot.get_spot_check(platform.uow(), sup, made.id).status is SpotCheckStatus.DRAWN
    spot.record_review(platform.uow(), sup, made.id, second, ReviewOutcome.COMPLIANT, "未发现问题")
    done = spot.get_spot_check(platform.uow(), world.ctx("auditor"), made.id)
    assert done.status is SpotCheckStatus.COMPLETED and done.completed_at is not None
    assert [r.outcome for r in done.reviews] == [ReviewOutcome.RECTIFICATION_ORDERED, ReviewOutcome.COMPLIANT]


def refused(code: str, call: Any, kind: type[Exception] = DomainError) -> None:
    with pytest.raises(kind) as info:
        call()
    assert getattr(info.value, "code", None) == code, info.value


def test_a_spot_check_is_refused_without_enough_tenders_or_with_a_bad_request(
    world: World, platform: Platform, market: dict[str, str], clock: FixedClock
) -> None:
    sup, scanner = world.ctx("supervisor"), platform.scanner()
    refused(
        "spot_check_sample_too_large", lambda: spot.commit_spot_check(platform.uow(), sup, scanner, size=5), Conflict
    )
    refused("spot_check_size_invalid", lambda: spot.commit_spot_check(platform.uow(), sup, scanner, size=0))
    refused("spot_check_population_empty", lambda: spot.commit_spot_check(
        platform.uow(), sup, scanner, size=1, category="goods"), Conflict)  # fmt: skip
    refused("period_invalid", lambda: spot.commit_spot_check(
        platform.uow(), sup, scanner, size=1, announced_from=clock.now(),
        announced_to=clock.now() - timedelta(days=1)))  # fmt: skip
    for who in ("auditor", "tenderer", "bidder"):
        refused("forbidden", lambda who=who: spot.commit_spot_check(platform.uow(), world.ctx(who), scanner, size=1),
                Forbidden)  # fmt: skip
    made = spot.commit_spot_check(platform.uow(), sup, scanner, size=1)
    refused("contribution_size_invalid", lambda: spot.draw_spot_check(platform.uow(), sup, made.id, b"short"))
    assert spot.get_spot_check(platform.uow(), sup, made.id).status is SpotCheckStatus.COMMITTED


def test_a_spot_checks_seed_is_not_shown_before_the_draw(world: World, api: Any, market: dict[str, str]) -> None:
    from sunbid.identity import service as identity

    token, _ = identity.create_api_token(world.uow(), world.ctx("supervisor"), "t")
    headers = {"Authorization": f"Bearer {token}"}
    made = api.post("/api/v1/spot-checks", headers=headers, json={"size": 1})
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["seed"] is None and body["seed_sha256"]
    drawn = api.post(f"/api/v1/spot-checks/{body['id']}/draw", headers=headers, json={"contribution": "ab" * 16})
    assert drawn.status_code == 200 and drawn.json()["seed"] and len(drawn.json()["sample"]) == 1
