"""Injectable clocks. All times are timezone-aware UTC datetimes."""

from __future__ import annotations

import math
import threading
import time
from datetime import UTC, datetime, timedelta, timezone
from typing import Protocol

#: China Standard Time (UTC+8, no daylight saving): calendar days in the rules are counted in it.
CHINA = timezone(timedelta(hours=8), "CST")


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that moves only when told to. For tests."""

    def __init__(self, at: datetime) -> None:
        self._at = at

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = at

    def advance(self, delta: timedelta) -> None:
        self._at += delta


class AcceleratedClock:
    """Time that runs ``factor`` times faster than the wall clock, and can jump ahead.

    Used by the demo and the end-to-end tests, so statutory periods of days pass in
    seconds without sleeps or mocks. It never runs backwards.
    """

    def __init__(self, start: datetime, factor: float = 1.0, *, monotonic: MonotonicSource | None = None) -> None:
        self._monotonic = monotonic or time.monotonic
        self._lock = threading.Lock()
        self._origin = start
        self._base = self._monotonic()
        if not math.isfinite(factor) or factor < 0:
            raise ValueError(f"an accelerated clock needs a finite factor of at least 0, not {factor}")
        self.factor = factor

    def now(self) -> datetime:
        with self._lock:
            elapsed = self._monotonic() - self._base
            return self._origin + timedelta(seconds=elapsed * self.factor)

    def advance(self, delta: timedelta) -> datetime:
        if delta < timedelta(0):
            raise ValueError("an accelerated clock cannot run backwards")
        with self._lock:
            self._origin += delta
        return self.now()


class MonotonicSource(Protocol):
    def __call__(self) -> float: ...


def parse_clock(spec: str) -> Clock:
    """Build a clock from a setting: ``system`` or ``accelerated[:FACTOR[:START_ISO]]``."""
    if spec in ("", "system"):
        return SystemClock()
    kind, _, rest = spec.partition(":")
    if kind != "accelerated":
        raise ValueError(f"unknown clock {spec!r}: use 'system' or 'accelerated[:FACTOR[:START]]'")
    factor_s, _, start_s = rest.partition(":")
    factor = float(factor_s) if factor_s else 1.0
    start = datetime.fromisoformat(start_s) if start_s else datetime.now(UTC)
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    return AcceleratedClock(start, factor)
