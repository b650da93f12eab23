"""Opaque page cursors, pages of results, and events stamped from the context."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sunbid.kernel.clock import FixedClock
from sunbid.kernel.context import PUBLIC, SYSTEM, Actor, Context, Role
from sunbid.kernel.errors import DomainError, RuleViolation, not_found
from sunbid.kernel.events import event_from
from sunbid.kernel.ids import new_id
from sunbid.kernel.query import Page, decode_cursor, encode_cursor, page_of

AT = datetime(2025, 3, 3, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize("prefix", ["org", "usr", "pln", "tnd", "doc", "obj"])
def test_cursor_round_trips_the_last_id(prefix: str) -> None:
    last_id = new_id(prefix, AT)
    cursor = encode_cursor(last_id)
    assert "=" not in cursor
    assert decode_cursor(cursor) == last_id


def test_cursor_is_url_safe() -> None:
    for _ in range(50):
        cursor = encode_cursor(new_id("tnd", AT))
        assert all(c.isascii() and (c.isalnum() or c in "-_") for c in cursor)


@pytest.mark.parametrize("cursor", [None, ""])
def test_no_cursor_means_the_first_page(cursor: str | None) -> None:
    assert decode_cursor(cursor) is None


@pytest.mark.parametrize("cursor", ["not a cursor", "a", "zz==", "中文", "/w", "gA"])
def test_garbage_cursor_is_refused_with_cursor_invalid(cursor: str) -> None:
    with pytest.raises(DomainError) as refused:
        decode_cursor(cursor)
    assert refused.value.code == "cursor_invalid"


@pytest.mark.parametrize("cursor", ["!!!!", "%%%", "@", "====="])
def test_cursor_without_any_base64_characters_is_refused(cursor: str) -> None:
    # urlsafe_b64decode alone drops such characters and would decode these to "".
    with pytest.raises(DomainError) as refused:
        decode_cursor(cursor)
    assert refused.value.code == "cursor_invalid"


@pytest.mark.parametrize("decoded", ["hello", "tnd_", "tnd_short", "' OR 1=1 --", "TND_01JN0000000000000000000000"])
def test_well_encoded_cursor_that_is_not_an_id_is_refused(decoded: str) -> None:
    with pytest.raises(DomainError) as refused:
        decode_cursor(encode_cursor(decoded))
    assert refused.value.code == "cursor_invalid"


IDS = sorted((new_id("tnd", AT + timedelta(seconds=n)) for n in range(4)), reverse=True)


def test_page_of_a_short_result_is_the_last_page() -> None:
    page = page_of(IDS[:3], 3, key=lambda s: s)
    assert page == Page(IDS[:3], None)


def test_page_of_one_row_more_than_the_limit_has_a_cursor_to_the_last_row_shown() -> None:
    page = page_of(IDS, 3, key=lambda s: s)
    assert page.items == IDS[:3]
    assert page.next_cursor is not None
    assert decode_cursor(page.next_cursor) == IDS[2]


def test_page_of_nothing_is_empty_without_cursor() -> None:
    assert page_of([], 10, key=str) == Page([], None)


def test_events_are_stamped_with_the_actor_the_clock_and_the_address() -> None:
    actor = Actor(user_id="usr_1", role=Role.TENDERER, org_id="org_1")
    ctx = Context(actor=actor, clock=FixedClock(AT), address="192.0.2.1")
    event = event_from(ctx, "TenderAnnounced", "tender", "tnd_1", public=True, code="ZB1")
    assert (event.name, event.subject_type, event.subject_id) == ("TenderAnnounced", "tender", "tnd_1")
    assert (event.occurred_at, event.actor_id, event.address, event.public) == (AT, "usr_1", "192.0.2.1", True)
    assert event.data == {"code": "ZB1"}


def test_the_public_is_not_logged_in_and_the_system_is() -> None:
    assert PUBLIC.is_public
    assert not SYSTEM.is_public


def test_not_found_names_what_was_not_found() -> None:
    error = not_found("tender", "tnd_x")
    assert error.code == "tender_not_found"
    assert error.kind == "not_found"
    assert "tnd_x" in error.message_zh
    assert "招标项目" in error.message_zh


def test_rule_violation_is_a_conflict_naming_its_rule() -> None:
    error = RuleViolation("deadline_too_soon", "太早", "Too soon", rule="issue_to_deadline_min_days", extra=1)
    assert error.kind == "conflict"
    assert error.rule == "issue_to_deadline_min_days"
    assert error.details == {"rule": "issue_to_deadline_min_days", "extra": 1}
    assert str(error) == "deadline_too_soon: Too soon"
