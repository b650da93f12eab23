"""Clocks are injected: fixed for tests, accelerated for demos, never running backwards."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from sunbid.kernel.clock import AcceleratedClock, FixedClock, SystemClock, parse_clock

START = datetime(2025, 3, 3, 1, 0, tzinfo=UTC)


class FakeMonotonic:
    """A monotonic source that moves only when told to."""

    def __init__(self, at: float = 1000.0) -> None:
        self.at = at

    def __call__(self) -> float:
        return self.at


def test_fixed_clock_stays_where_it_is_set() -> None:
    clock = FixedClock(START)
    assert clock.now() == START
    assert clock.now() == START


def test_fixed_clock_moves_only_by_set_and_advance() -> None:
    clock = FixedClock(START)
    clock.advance(timedelta(days=2))
    assert clock.now() == START + timedelta(days=2)
    clock.set(START - timedelta(days=1))
    assert clock.now() == START - timedelta(days=1)


def test_system_clock_is_timezone_aware_utc() -> None:
    now = SystemClock().now()
    assert now.tzinfo is not None
    assert now.utcoffset() == timedelta(0)


def test_accelerated_clock_starts_at_its_start() -> None:
    clock = AcceleratedClock(START, 60.0, monotonic=FakeMonotonic())
    assert clock.now() == START


@pytest.mark.parametrize(
    ("factor", "elapsed", "expected"), [(1.0, 10.0, 10.0), (60.0, 10.0, 600.0), (86400.0, 1.5, 129600.0)]
)
def test_accelerated_clock_runs_factor_times_faster_than_the_monotonic_source(
    factor: float, elapsed: float, expected: float
) -> None:
    source = FakeMonotonic()
    clock = AcceleratedClock(START, factor, monotonic=source)
    source.at += elapsed
    assert clock.now() == START + timedelta(seconds=expected)


def test_accelerated_clock_advance_jumps_ahead_and_keeps_running() -> None:
    source = FakeMonotonic()
    clock = AcceleratedClock(START, 10.0, monotonic=source)
    assert clock.advance(timedelta(days=30)) == START + timedelta(days=30)
    source.at += 6.0
    assert clock.now() == START + timedelta(days=30, seconds=60)


def test_accelerated_clock_advance_by_zero_changes_nothing() -> None:
    clock = AcceleratedClock(START, 10.0, monotonic=FakeMonotonic())
    assert clock.advance(timedelta(0)) == START


def test_accelerated_clock_refuses_to_go_backwards() -> None:
    clock = AcceleratedClock(START, 10.0, monotonic=FakeMonotonic())
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(timedelta(seconds=-1))
    assert clock.now() == START


@pytest.mark.parametrize("spec", ["", "system"])
def test_parse_clock_system_gives_the_system_clock(spec: str) -> None:
    assert isinstance(parse_clock(spec), SystemClock)


def test_parse_clock_accelerated_defaults_to_factor_one_from_now() -> None:
    before = datetime.now(UTC)
    clock = parse_clock("accelerated")
    assert isinstance(clock, AcceleratedClock)
    assert clock.factor == 1.0
    assert before <= clock.now() <= datetime.now(UTC) + timedelta(seconds=1)


def test_parse_clock_accelerated_reads_the_factor() -> None:
    clock = parse_clock("accelerated:3600")
    assert isinstance(clock, AcceleratedClock)
    assert clock.factor == 3600.0


def test_parse_clock_accelerated_reads_a_naive_start_as_utc() -> None:
    clock = parse_clock("accelerated:1:2025-03-03T01:00:00")
    assert isinstance(clock, AcceleratedClock)
    assert clock.now() - START < timedelta(seconds=5)
    assert clock.now().utcoffset() == timedelta(0)


def test_parse_clock_accelerated_keeps_an_explicit_offset() -> None:
    clock = parse_clock("accelerated:1:2025-03-03T09:00:00+08:00")
    assert clock.now().utcoffset() == timedelta(hours=8)
    assert clock.now() - START.astimezone(timezone(timedelta(hours=8))) < timedelta(seconds=5)


@pytest.mark.parametrize(
    "spec", ["wall", "fixed:2025-01-01", "accelerated:fast", "accelerated:10:yesterday", "accelerated:1:2025-13-01"]
)
def test_parse_clock_refuses_unknown_or_malformed_specs(spec: str) -> None:
    with pytest.raises(ValueError):
        parse_clock(spec)


@pytest.mark.parametrize("spec", ["accelerated:-60", "accelerated:nan", "accelerated:inf"])
def test_parse_clock_refuses_a_negative_or_non_finite_factor(spec: str) -> None:
    with pytest.raises(ValueError):
        parse_clock(spec)


def test_parse_clock_accelerated_with_factor_zero_is_a_clock_that_moves_only_when_advanced() -> None:
    clock = parse_clock("accelerated:0:2025-03-03T01:00:00+00:00")
    assert isinstance(clock, AcceleratedClock)
    assert clock.now() == START
    assert clock.advance(timedelta(days=1)) == START + timedelta(days=1)
