"""Warnings raised by the scheduler's scans after openings and awards, on the real databases, and
the supervisors' workflow through them: every step from both sides, every step in the ledger."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from sunbid.bootstrap import Platform
from sunbid.identity import service as identity
from sunbid.kernel.clock import FixedClock
from sunbid.kernel.context import Role
from sunbid.kernel.errors import Conflict, DomainError, Forbidden, NotFound, Unauthenticated
from sunbid.storage import tables as t
from sunbid.storage.ledger import entry_rows
from sunbid.supervision import credit_service as credit
from sunbid.supervision import warning_service as warnings
from sunbid.supervision.ports import TenderScan, WarningFilter
from sunbid.supervision.warning_model import (
    Authority,
    CloseOutcome,
    EarlyWarning,
    FeedbackOutcome,
    ScanStatus,
    WarningStatus,
)
from tests.bidding import Bidding
from tests.factories import ADMIN, PASSWORD, World, make_world
from tests.markets import RING, clean_tender, ring_tender, system


@pytest.fixture
def world(platform: Platform, clock: FixedClock) -> World:
    w = make_world(platform, clock, tokens=False)
    from sunbid.kernel.context import Context

    sys = Context(actor=ADMIN, clock=clock, rules=platform.rules)
    user = identity.create_user(
        platform.uow(), sys, identity.NewUser("supervisor2", "监督员二", PASSWORD, Role.SUPERVISOR, w.orgs["S"])
    )
    w.actors["supervisor2"] = user.as_actor()
    return w


@pytest.fixture
def bidding(world: World, tmp_path: Path) -> Bidding:
    return Bidding(world, tmp_path / "pki")


def warnings_of(world: World, tender_id: str) -> list[EarlyWarning]:
    with world.uow() as uow:
        return uow.warnings.for_tender(tender_id)


def ledger_names(platform: Platform, subject_id: str) -> list[str]:
    with platform.engine.connect() as conn:
        seqs = conn.execute(sa.select(t.ledger_entries.c.seq).where(t.ledger_entries.c.subject_id == subject_id))
        wanted = {int(s) for (s,) in seqs}
    from sqlalchemy.orm import Session

    with Session(platform.engine) as session:
        return [json.loads(r.body)["name"] for r in entry_rows(session, after=-1, limit=100000) if int(r.seq) in wanted]


# ---------------------------------------------------------------------------- raising
def test_a_ring_sharing_a_device_and_a_deposit_account_is_warned_after_its_opening_and_a_clean_tender_is_not(
    world: World, bidding: Bidding, platform: Platform
) -> None:
    ring = ring_tender(bidding)
    clean = clean_tender(bidding)
    assert warnings_of(world, ring.tender_id) == [], "nothing is raised before the scheduler's pass"

    done = platform.run_due(system(bidding))

    assert ("risk_scan", f"{ring.tender_id}:opening") in done
    assert ("risk_scan", f"{clean.tender_id}:opening") in done
    raised = {w.indicator: w for w in warnings_of(world, ring.tender_id)}
    assert set(raised) == {"SIG-DEVICE", "SIG-DEPOSIT"}
    members = sorted(bidding.org_of(who).id for who in RING)
    for w in raised.values():
        assert w.severity == "high" and w.status is WarningStatus.OPEN and w.source == "opening"
        assert w.org_ids == members and w.bid_ids == sorted(ring.bids[who] for who in RING)
        assert w.section_id == ring.section_id and "第四十条" in w.basis
        assert [h.action for h in w.history] == ["raise"]
    assert raised["SIG-DEPOSIT"].evidence["shared"] == [{"kind": "payer_account", "value": "6222020200112233445"}]
    assert raised["SIG-DEVICE"].evidence["shared"] == [{"kind": "device_mac", "value": "3c:7c:3f:aa:01:02"}]
    assert warnings_of(world, clean.tender_id) == [], "a clean tender's low flags stay indicators"
    with world.uow() as uow:
        ring_mark = uow.scan_marks.get(ring.tender_id, "opening", ring.tender_id)
        clean_mark = uow.scan_marks.get(clean.tender_id, "opening", clean.tender_id)
    assert ring_mark is not None and ring_mark.status is ScanStatus.DONE and ring_mark.warnings == 2
    assert clean_mark is not None and clean_mark.status is ScanStatus.DONE and clean_mark.warnings == 0
    assert ledger_names(platform, raised["SIG-DEVICE"].id) == ["WarningRaised"]
    assert "TenderRiskScanned" in ledger_names(platform, ring.tender_id)


def test_a_second_pass_scans_nothing_again(world: World, bidding: Bidding, platform: Platform) -> None:
    ring = ring_tender(bidding)
    platform.run_due(system(bidding))
    again = platform.run_due(system(bidding))
    assert not [a for a in again if a[0].startswith("risk_scan")]
    assert len(warnings_of(world, ring.tender_id)) == 2
    assert ledger_names(platform, ring.tender_id).count("TenderRiskScanned") == 1


def test_a_tender_whose_opening_is_not_concluded_is_not_scanned(bidding: Bidding, platform: Platform) -> None:
    ring = ring_tender(bidding, conclude=False)
    assert ("risk_scan", f"{ring.tender_id}:opening") not in platform.run_due(system(bidding))


class Failing:
    """A scanner that fails the way a crash would (not a domain refusal), or with a refusal."""

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc

    def scan_tender(self, tender_id: str) -> TenderScan:
        raise self.exc

    def review(self, tender_ids: Sequence[str]) -> dict[str, Any]:
        raise self.exc


def test_a_crash_during_a_scan_loses_nothing_the_next_pass_scans_it(
    world: World, bidding: Bidding, platform: Platform
) -> None:
    ring = ring_tender(bidding)
    with pytest.raises(RuntimeError):
        warnings.scan_due(platform.uow(), system(bidding), Failing(RuntimeError("the process died")))
    with world.uow() as uow:
        assert uow.scan_marks.get(ring.tender_id, "opening", ring.tender_id) is None
    assert warnings_of(world, ring.tender_id) == []
    assert ("risk_scan", f"{ring.tender_id}:opening") in warnings.scan_due(
        platform.uow(), system(bidding), platform.scanner()
    )
    assert len(warnings_of(world, ring.tender_id)) == 2


def test_a_scan_the_engine_cannot_compute_is_recorded_and_tried_again(
    world: World, bidding: Bidding, platform: Platform
) -> None:
    ring = ring_tender(bidding)
    broken = Failing(DomainError("risk_scan_failed", "无法计算", "cannot compute"))
    first = warnings.scan_due(platform.uow(), system(bidding), broken)
    assert first == [("risk_scan_failed", f"{ring.tender_id}:opening")]
    with world.uow() as uow:
        mark = uow.scan_marks.get(ring.tender_id, "opening", ring.tender_id)
        assert mark is not None and mark.status is ScanStatus.FAILED and mark.attempts == 1
        assert mark.error == "risk_scan_failed"
    assert "TenderRiskScanFailed" in ledger_names(platform, ring.tender_id)
    warnings.scan_due(platform.uow(), system(bidding), platform.scanner())
    with world.uow() as uow:
        mark = uow.scan_marks.get(ring.tender_id, "opening", ring.tender_id)
        assert mark is not None and mark.status is ScanStatus.DONE and mark.attempts == 2


def test_a_scan_that_keeps_failing_is_left_after_its_attempts_reported_each_time(
    world: World, bidding: Bidding, platform: Platform
) -> None:
    ring = ring_tender(bidding)
    broken = Failing(DomainError("risk_scan_failed", "无法计算", "cannot compute"))
    for _ in range(5):
        warnings.scan_due(platform.uow(), system(bidding), broken)
    assert ledger_names(platform, ring.tender_id).count("TenderRiskScanFailed") == 3
    assert warnings.scan_due(platform.uow(), system(bidding), platform.scanner()) == []


def test_the_same_finding_found_again_is_never_warned_twice(world: World, bidding: Bidding, platform: Platform) -> None:
    ring = ring_tender(bidding)
    scan = platform.scanner().scan_tender(ring.tender_id)
    with world.uow() as uow:
        tender = uow.tenders.get(ring.tender_id)
        assert tender is not None
        flags = warnings.tender_flags(scan, tender.tenderer_org_id, tender.agency_org_id)
    for _ in range(2):
        with world.uow() as uow:
            warnings.raise_warnings(
                uow, system(bidding), flags, scan_tender=ring.tender_id, bid_orgs=scan.bid_orgs, managers=[],
                source="manual",
            )  # fmt: skip
            uow.commit()
    assert len(warnings_of(world, ring.tender_id)) == 2


def test_the_award_is_scanned_too_and_finds_no_new_duplicate(world: World, tmp_path: Path, platform: Platform) -> None:
    from tests.integration import matrix_evaluations as mev

    ids = mev.decided(world, "tenderer")
    first = platform.run_due(system(mev._ev(world).pool.bidding))
    section = ids["section_id"]
    assert ("risk_scan", f"{ids['tender_id']}:opening") in first
    assert ("risk_scan", f"{ids['tender_id']}:award:{section}") in first
    raised = warnings_of(world, ids["tender_id"])
    assert raised, "every bid came from one address with one project manager: statutory signals"
    assert len({w.fingerprint for w in raised}) == len(raised)
    with world.uow() as uow:
        award_mark = uow.scan_marks.get(ids["tender_id"], "award", section)
    assert award_mark is not None and award_mark.status is ScanStatus.DONE


# ---------------------------------------------------------------------------- reading
def test_oversight_reads_a_tenders_flags_with_their_warnings_and_nobody_else_does(
    world: World, bidding: Bidding, platform: Platform
) -> None:
    ring = ring_tender(bidding)
    platform.run_due(system(bidding))
    for who in ("supervisor", "auditor"):
        flags, warned, marks = warnings.indicators_of_tender(platform.uow(), world.ctx(who), platform.scanner(),
                                                             ring.tender_id)  # fmt: skip
        by_indicator = {f.indicator: f for f in flags}
        assert {"SIG-DEVICE", "SIG-DEPOSIT"} <= set(by_indicator)
        assert any(f.severity == "low" for f in flags), "low flags are shown as indicators"
        assert set(warned) == {by_indicator["SIG-DEVICE"].flag_id, by_indicator["SIG-DEPOSIT"].flag_id}
        assert [m.event for m in marks] == ["opening"]
    for who in ("tenderer", "agency", "ring1", "bidder", "expert", "admin"):
        with pytest.raises(Forbidden):
            warnings.indicators_of_tender(platform.uow(), world.ctx(who), platform.scanner(), ring.tender_id)
        with pytest.raises(Forbidden):
            warnings.list_warnings(platform.uow(), world.ctx(who), WarningFilter(), None, 10)


def test_warnings_are_listed_with_filters(world: World, bidding: Bidding, platform: Platform) -> None:
    ring = ring_tender(bidding)
    platform.run_due(system(bidding))
    page = warnings.list_warnings(
        platform.uow(), world.ctx("auditor"), WarningFilter(indicator="SIG-DEPOSIT"), None, 10
    )
    assert [w.indicator for w in page.items] == ["SIG-DEPOSIT"]
    assert warnings.list_warnings(
        platform.uow(), world.ctx("auditor"), WarningFilter(tender_id=ring.tender_id, status=WarningStatus.CLOSED),
        None, 10,
    ).items == []  # fmt: skip
    first = warnings.list_warnings(platform.uow(), world.ctx("auditor"), WarningFilter(), None, 1)
    assert len(first.items) == 1 and first.next_cursor is not None


# ---------------------------------------------------------------------------- the workflow
@pytest.fixture
def warned(world: World, bidding: Bidding, platform: Platform) -> EarlyWarning:
    ring = ring_tender(bidding)
    platform.run_due(system(bidding))
    return next(w for w in warnings_of(world, ring.tender_id) if w.indicator == "SIG-DEPOSIT")


def refused(code: str, call: Any, kind: type[Exception] = DomainError) -> None:
    with pytest.raises(kind) as info:
        call()
    assert getattr(info.value, "code", None) == code, info.value


def test_the_whole_workflow_to_a_confirmed_warning_each_step_in_the_ledger(
    world: World, platform: Platform, warned: EarlyWarning, clock: FixedClock
) -> None:
    u, sup = platform.uow, world.ctx("supervisor")
    assignee = world.actors["supervisor"].user_id
    assert assignee is not None
    warnings.assign(u(), world.ctx("supervisor2"), warned.id, assignee, "请核查")
    warnings.acknowledge(u(), sup, warned.id)
    warnings.investigate(u(), sup, warned.id, "调取银行流水，两家投标保证金由同一账户转出")
    warnings.investigate(u(), sup, warned.id, "约谈两家投标人")
    referral = warnings.refer(u(), sup, warned.id, authority=Authority.PUBLIC_SECURITY,
                              authority_name="南京市公安局经济犯罪侦查支队", number="宁监移〔2026〕3号")  # fmt: skip
    refused("referral_feedback_pending",
            lambda: warnings.close(u(), sup, warned.id, outcome=CloseOutcome.CONFIRMED, reason="查实"), Conflict)  # fmt: skip
    clock.advance(timedelta(days=20))
    warnings.record_feedback(u(), sup, warned.id, referral.id, received_at=clock.now() - timedelta(days=1),
                             outcome=FeedbackOutcome.CASE_OPENED, text="已立案侦查")  # fmt: skip
    closed = warnings.close(u(), sup, warned.id, outcome=CloseOutcome.CONFIRMED, reason="查实串通投标，已移送公安")
    assert closed.status is WarningStatus.CLOSED and closed.closed_outcome is CloseOutcome.CONFIRMED
    assert [h.action for h in closed.history] == ["raise", "assign", "acknowledge", "investigate", "investigate",
                                                  "refer", "feedback", "close"]  # fmt: skip
    assert closed.referrals[0].feedback_outcome is FeedbackOutcome.CASE_OPENED
    assert ledger_names(platform, warned.id) == [
        "WarningRaised", "WarningAssigned", "WarningAcknowledged", "WarningInvestigated", "WarningInvestigated",
        "WarningReferred", "WarningReferralFeedback", "WarningClosed",
    ]  # fmt: skip
    # A confirmed warning is a bad record of the organisations it names: they fall to C.
    credit.recompute(u(), world.ctx("supervisor"))
    for org_id in warned.org_ids:
        grade, _history = credit.get_grade(u(), world.ctx("auditor"), "organisation", org_id)
        assert grade.grade == "C" and grade.reasons[0]["kind"] == "confirmed_warning"
        assert grade.reasons[0]["ref"] == warned.id


def test_a_warning_is_assigned_only_to_an_active_supervisor(
    world: World, platform: Platform, warned: EarlyWarning
) -> None:
    for who in ("auditor", "tenderer", "bidder"):
        refused("assignee_not_a_supervisor", lambda who=who: warnings.assign(
            platform.uow(), world.ctx("supervisor"), warned.id, world.actors[who].user_id or ""))  # fmt: skip
    refused("assignee_not_a_supervisor",
            lambda: warnings.assign(platform.uow(), world.ctx("supervisor"), warned.id, "usr_nobody"))  # fmt: skip


def test_only_a_supervisor_acts_and_only_the_assignee_takes_the_assignees_steps(
    world: World, platform: Platform, warned: EarlyWarning
) -> None:
    u = platform.uow
    for who in ("auditor", "tenderer", "agency", "ring1", "admin"):
        refused("forbidden", lambda who=who: warnings.assign(u(), world.ctx(who), warned.id,
                                                             world.actors["supervisor"].user_id or ""), Forbidden)  # fmt: skip
    warnings.assign(u(), world.ctx("supervisor"), warned.id, world.actors["supervisor"].user_id or "")
    refused("not_the_assignee", lambda: warnings.acknowledge(u(), world.ctx("supervisor2"), warned.id), Forbidden)
    warnings.acknowledge(u(), world.ctx("supervisor"), warned.id)
    # Reassigned, the new assignee takes over.
    warnings.assign(u(), world.ctx("supervisor"), warned.id, world.actors["supervisor2"].user_id or "")
    refused("not_the_assignee", lambda: warnings.investigate(u(), world.ctx("supervisor"), warned.id, "x"), Forbidden)
    assert warnings.investigate(u(), world.ctx("supervisor2"), warned.id, "核查").status is WarningStatus.INVESTIGATING


def test_steps_out_of_order_are_refused(world: World, platform: Platform, warned: EarlyWarning) -> None:
    u, sup = platform.uow, world.ctx("supervisor")
    refused("warning_transition_not_allowed", lambda: warnings.acknowledge(u(), sup, warned.id), Conflict)
    warnings.assign(u(), sup, warned.id, world.actors["supervisor"].user_id or "")
    refused("warning_transition_not_allowed", lambda: warnings.investigate(u(), sup, warned.id, "核查"), Conflict)
    refused("warning_transition_not_allowed", lambda: warnings.dismiss(u(), sup, warned.id, "误报"), Conflict)
    warnings.acknowledge(u(), sup, warned.id)
    refused("warning_transition_not_allowed",
            lambda: warnings.close(u(), sup, warned.id, outcome=CloseOutcome.UNFOUNDED, reason="x"), Conflict)  # fmt: skip
    refused("warning_transition_not_allowed", lambda: warnings.refer(
        u(), sup, warned.id, authority=Authority.AUDIT, authority_name="南京市审计局", number="1号"), Conflict)  # fmt: skip
    warnings.investigate(u(), sup, warned.id, "核查")
    dismissed = warnings.dismiss(u(), sup, warned.id, "系交易中心统一代缴保证金，非同一投标人账户")
    assert dismissed.status is WarningStatus.DISMISSED
    refused("warning_transition_not_allowed", lambda: warnings.investigate(u(), sup, warned.id, "再查"), Conflict)
    assert ledger_names(platform, warned.id)[-1] == "WarningDismissed"


def test_a_dismissal_needs_a_reason_and_a_referral_its_authority_and_number(
    world: World, platform: Platform, warned: EarlyWarning
) -> None:
    u, sup = platform.uow, world.ctx("supervisor")
    warnings.assign(u(), sup, warned.id, world.actors["supervisor"].user_id or "")
    warnings.acknowledge(u(), sup, warned.id)
    warnings.investigate(u(), sup, warned.id, "核查")
    refused("dismissal_reason_required", lambda: warnings.dismiss(u(), sup, warned.id, "  "))
    refused("referral_authority_required", lambda: warnings.refer(
        u(), sup, warned.id, authority=None, authority_name="某机关", number="1号"))  # fmt: skip
    refused("referral_authority_required", lambda: warnings.refer(
        u(), sup, warned.id, authority=Authority.OTHER, authority_name=" ", number="1号"))  # fmt: skip
    refused("referral_number_required", lambda: warnings.refer(
        u(), sup, warned.id, authority=Authority.MARKET_REGULATION, authority_name="南京市市场监督管理局", number=""))  # fmt: skip
    refused("closure_reason_required",
            lambda: warnings.close(u(), sup, warned.id, outcome=CloseOutcome.UNFOUNDED, reason=""))  # fmt: skip
    got = warnings.get_warning(u(), world.ctx("auditor"), warned.id)
    assert got.status is WarningStatus.INVESTIGATING and got.referrals == [], "a refusal writes nothing"


def test_feedback_is_recorded_once_for_a_referral_of_the_warning_at_a_sensible_time(
    world: World, platform: Platform, warned: EarlyWarning, clock: FixedClock
) -> None:
    u, sup = platform.uow, world.ctx("supervisor")
    warnings.assign(u(), sup, warned.id, world.actors["supervisor"].user_id or "")
    warnings.acknowledge(u(), sup, warned.id)
    warnings.investigate(u(), sup, warned.id, "核查")
    referral = warnings.refer(u(), sup, warned.id, authority=Authority.DISCIPLINE_INSPECTION,
                              authority_name="南京市纪委监委", number="宁监移〔2026〕5号")  # fmt: skip
    refused("referral_not_found", lambda: warnings.record_feedback(
        u(), sup, warned.id, "wrf_nothing", received_at=clock.now(), outcome=FeedbackOutcome.NO_CASE, text="x"),
        NotFound)  # fmt: skip
    refused("feedback_time_invalid", lambda: warnings.record_feedback(
        u(), sup, warned.id, referral.id, received_at=clock.now() + timedelta(days=1), outcome=FeedbackOutcome.NO_CASE,
        text="未发现问题"))  # fmt: skip
    warnings.record_feedback(u(), sup, warned.id, referral.id, received_at=clock.now(), outcome=FeedbackOutcome.NO_CASE,
                             text="未发现公职人员违纪")  # fmt: skip
    refused("feedback_recorded", lambda: warnings.record_feedback(
        u(), sup, warned.id, referral.id, received_at=clock.now(), outcome=FeedbackOutcome.NO_CASE, text="x"),
        Conflict)  # fmt: skip
    closed = warnings.close(u(), sup, warned.id, outcome=CloseOutcome.UNFOUNDED, reason="未查实")
    assert closed.closed_outcome is CloseOutcome.UNFOUNDED


def test_the_public_is_asked_to_log_in(platform: Platform, warned: EarlyWarning, world: World) -> None:
    from sunbid.kernel.context import PUBLIC, Context

    public = Context(actor=PUBLIC, clock=world.clock, rules=platform.rules)
    with pytest.raises(Unauthenticated):
        warnings.get_warning(platform.uow(), public, warned.id)
    with pytest.raises(Unauthenticated):
        warnings.acknowledge(platform.uow(), public, warned.id)
