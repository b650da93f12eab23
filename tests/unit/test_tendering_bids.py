"""The pure rules of bids and the opening: statutory invalidity, the opening's phases, deposits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from sunbid.kernel.rules import RuleBook
from sunbid.tendering.bid_model import (
    Bid,
    BidStatus,
    Deposit,
    DepositKind,
    DepositStatus,
    OpeningPhase,
    conflicts,
    deposit_required,
    phase,
)
from sunbid.tendering.bid_service import deposit_standing
from sunbid.tendering.model import Section

T0 = datetime(2026, 3, 23, 2, 0, tzinfo=UTC)


def bid(bid_id: str, org: str, *members: str, status: BidStatus = BidStatus.SEALED) -> Bid:
    consortium = [{"org_id": m} for m in (org, *members)] if members else []
    return Bid(bid_id, "tnd", "sec", org, T0, status=status, consortium=consortium)


def codes(found: dict[str, list[dict[str, object]]]) -> dict[str, list[object]]:
    return {k: [g["code"] for g in v] for k, v in found.items()}


def test_separate_unrelated_bidders_are_all_valid() -> None:
    assert conflicts([bid("1", "a"), bid("2", "b"), bid("3", "c")], {}, set()) == {}


def test_a_consortium_member_bidding_alone_invalidates_both_bids() -> None:
    found = conflicts([bid("1", "a", "b"), bid("2", "b"), bid("3", "c")], {}, set())
    assert codes(found) == {"1": ["member_in_two_bids"], "2": ["member_in_two_bids"]}
    assert found["1"][0]["article"] == "《招标投标法实施条例》第三十七条"


def test_a_member_in_two_consortia_invalidates_both() -> None:
    found = conflicts([bid("1", "a", "x"), bid("2", "b", "x"), bid("3", "c")], {}, set())
    assert set(found) == {"1", "2"}


def test_a_withdrawn_bid_does_not_count() -> None:
    assert conflicts([bid("1", "a", "b"), bid("2", "b", status=BidStatus.WITHDRAWN)], {}, set()) == {}


def test_the_same_legal_representative_invalidates_both_bids() -> None:
    found = conflicts([bid("1", "a"), bid("2", "b"), bid("3", "c")], {"a": "王五", "b": "王五", "c": "李四"}, set())
    assert codes(found) == {"1": ["same_legal_representative"], "2": ["same_legal_representative"]}


def test_a_control_relationship_in_either_direction_invalidates_both_bids() -> None:
    found = conflicts([bid("1", "a"), bid("2", "b"), bid("3", "c")], {}, {("b", "a")})
    assert codes(found) == {"1": ["control_relationship"], "2": ["control_relationship"]}


@pytest.mark.parametrize(
    ("minutes", "custodians_until", "statuses", "expected"),
    [
        (10, None, [BidStatus.SEALED], OpeningPhase.DECRYPTION),
        (10, None, [BidStatus.DECRYPTED], OpeningPhase.RESULTS),
        (70, T0 + timedelta(minutes=120), [BidStatus.SEALED], OpeningPhase.CUSTODIANS),
        (130, T0 + timedelta(minutes=120), [BidStatus.SEALED], OpeningPhase.RESULTS),
        (70, None, [BidStatus.DECRYPTED, BidStatus.REVOKED, BidStatus.WITHDRAWN], OpeningPhase.RESULTS),
    ],
)
def test_the_opening_phase_follows_the_clock_and_the_bids(
    minutes: int, custodians_until: datetime | None, statuses: list[BidStatus], expected: OpeningPhase
) -> None:
    bids = [bid(str(n), f"o{n}", status=s) for n, s in enumerate(statuses)]
    assert phase(T0 + timedelta(minutes=minutes), T0 + timedelta(minutes=60), custodians_until, bids, False) is expected


def test_a_concluded_opening_stays_concluded() -> None:
    assert phase(T0, T0, None, [bid("1", "a")], True) is OpeningPhase.CONCLUDED


def section(deposit: str) -> Section:
    return Section("sec", "tnd", 1, "ZB001", "一标段", "全部", Decimal("1"), Decimal("1"), Decimal(deposit))


def deposit(
    amount: str, kind: DepositKind = DepositKind.TRANSFER, status: DepositStatus = DepositStatus.HELD
) -> Deposit:
    return Deposit("dep", "tnd", "sec", "a", kind, Decimal(amount), T0, None, status=status)


@pytest.mark.parametrize(
    ("paid", "expected"),
    [
        ([], "missing"),
        ([deposit("5000.00")], "insufficient"),
        ([deposit("5000.00"), deposit("5000.00")], "paid"),
        ([deposit("10000.00", DepositKind.GUARANTEE)], "guarantee"),
        ([deposit("10000.00", status=DepositStatus.REFUNDED)], "missing"),
    ],
)
def test_the_record_says_whether_the_deposit_owed_is_covered(paid: list[Deposit], expected: str) -> None:
    assert deposit_standing(RuleBook.default(), section("10000.00"), None, paid)["status"] == expected


def test_a_credit_grade_with_ratio_zero_exempts_the_bidder() -> None:
    rules = RuleBook.default().overridden({"deposit_ratio_credit_a": {"value": "0", "citation": "某市文件"}}, "某市")
    assert deposit_required(rules, Decimal("10000.00"), "A") == Decimal("0.00")
    assert deposit_standing(rules, section("10000.00"), "A", [])["status"] == "exempt"
