"""The warning's workflow table and fingerprint: steps in order are allowed, out of order refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sunbid.kernel.errors import Conflict
from sunbid.supervision.warning_model import (
    FINAL,
    TRANSITIONS,
    EarlyWarning,
    WarningAction,
    WarningSeverity,
    WarningStatus,
    fingerprint,
    finite,
)

AT = datetime(2026, 3, 2, tzinfo=UTC)


def warning(status: WarningStatus = WarningStatus.OPEN) -> EarlyWarning:
    return EarlyWarning(
        id="wrn_1", fingerprint="f", flag_id="x", indicator="SIG-DEVICE", severity=WarningSeverity.HIGH,
        title_zh="同一设备", title_en="Same device", subject_type="bids", subject_ids=["b1", "b2"],
        tender_id="tnd_1", section_id="sec_1", bid_ids=["b1", "b2"], org_ids=["o1", "o2"], evidence={},
        basis="条例 第四十条", value=2.0, threshold=None, source="opening", raised_at=AT, status=status,
    )  # fmt: skip


ALL = [(s, a) for s in WarningStatus for a in WarningAction]


@pytest.mark.parametrize(("state", "action"), [k for k in ALL if k in TRANSITIONS])
def test_a_step_the_table_allows_moves_the_warning_to_its_next_state(
    state: WarningStatus, action: WarningAction
) -> None:
    w = warning(state)
    before, after = w.apply(action)
    assert (before, after) == (state, TRANSITIONS[(state, action)]) and w.status is after


@pytest.mark.parametrize(("state", "action"), [k for k in ALL if k not in TRANSITIONS])
def test_a_step_out_of_order_is_refused_and_changes_nothing(state: WarningStatus, action: WarningAction) -> None:
    w = warning(state)
    with pytest.raises(Conflict) as info:
        w.apply(action)
    assert info.value.code == "warning_transition_not_allowed" and w.status is state


def test_a_dismissed_or_closed_warning_takes_no_further_step() -> None:
    assert all(state not in FINAL for state, _action in TRANSITIONS)


def test_a_warning_cannot_be_dismissed_or_closed_before_it_is_investigated() -> None:
    for state in (WarningStatus.OPEN, WarningStatus.ASSIGNED, WarningStatus.ACKNOWLEDGED):
        assert (state, WarningAction.DISMISS) not in TRANSITIONS
        assert (state, WarningAction.CLOSE) not in TRANSITIONS
        assert (state, WarningAction.REFER) not in TRANSITIONS


def test_the_fingerprint_ignores_the_order_of_the_subjects_and_names_the_place() -> None:
    a = fingerprint("SIG-DEVICE", "tnd_1", "sec_1", ["b2", "b1"])
    assert a == fingerprint("SIG-DEVICE", "tnd_1", "sec_1", ["b1", "b2", "b1"])
    assert a != fingerprint("SIG-DEPOSIT", "tnd_1", "sec_1", ["b1", "b2"])
    assert a != fingerprint("SIG-DEVICE", "tnd_2", "sec_1", ["b1", "b2"])
    assert a != fingerprint("SIG-DEVICE", "tnd_1", "sec_1", ["b1", "b3"])
    assert len(a) == 64


def test_non_finite_numbers_in_evidence_become_null() -> None:
    assert finite({"a": float("nan"), "b": [1.5, float("inf")], "c": {"d": 2}}) == {"a": None, "b": [1.5, None],
                                                                                    "c": {"d": 2}}  # fmt: skip
