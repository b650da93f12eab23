"""The working-day calendar (工作日) for the rules counted in working days.

Some periods are counted in working days, not calendar days: a supervisor accepts or rejects a
complaint within 3 working days of receiving it and decides within 30 (《招标投标法实施条例》
第六十一条); administrative penalties are published within 7 working days (双公示). A working
day is a day in China time (UTC+8, :data:`~sunbid.kernel.clock.CHINA`) that is

- a Monday to Friday that is not a public holiday (法定节假日 and the days the State Council's
  yearly notice adds to them), or
- a Saturday or Sunday that the notice makes a working day (调休上班).

The holidays and adjusted working days of each year come from the jurisdiction file (a
``[calendar]`` table, see :meth:`WorkingCalendar.from_table`); nothing here knows a date by
heart. A year whose arrangement is not in the file is **not covered**: the calendar then knows
only its weekends, and says so. Counting functions return the years they had to count with
weekends only (``assumed_years``; the result is ``provisional``), or refuse with
:class:`CalendarYearMissing` (code ``calendar_year_missing``) when asked to be ``strict``; the
single-day questions (:meth:`WorkingCalendar.day_kind`, :meth:`WorkingCalendar.is_working_day`)
always refuse for a year not covered.

**How a period of working days is counted.** As 《民法典》 第二百零一条 counts any period in
days, the day of the event does not count: a period of *n* working days from a moment on China
date *D* ends at 24:00 China time of the *n*-th working day after *D* (第二百零三条: the last day
ends at 24:00). A complaint received on Friday 2026-07-03 at 16:00 must be accepted or refused
before Thursday 2026-07-09 00:00 China time (Monday, Tuesday, Wednesday). An event on a rest day
is counted the same way, from the next working day. A period of 0 working days ends at 24:00 of
*D* itself.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from sunbid.kernel.clock import CHINA
from sunbid.kernel.errors import Conflict, DomainError

#: The certainties a calendar may carry, as the rule table uses them.
CERTAINTIES = ("verified", "secondary", "unverified", "platform")
_SATURDAY = 5
_WEEK = 7
_WEEKDAYS = 5
_ONE_DAY = timedelta(days=1)
_TABLE_KEYS = frozenset({"holidays", "workdays", "years", "source", "certainty"})


class DayKind(StrEnum):
    WORKDAY = "workday"  # Monday to Friday, not a holiday
    WEEKEND = "weekend"  # Saturday or Sunday, not made a working day
    HOLIDAY = "holiday"  # a public holiday of the year's arrangement (放假)
    ADJUSTED_WORKDAY = "adjusted_workday"  # a Saturday or Sunday made a working day (调休上班)


class CalendarYearMissing(Conflict):
    """The calendar has no holiday arrangement for a year the question reaches."""

    def __init__(self, years: Iterable[int]) -> None:
        listed = sorted(set(years))
        text = "、".join(str(y) for y in listed)
        super().__init__(
            "calendar_year_missing",
            f"工作日历未载明{text}年的节假日安排，无法准确计算工作日；请在辖区配置文件的 [calendar] 中补充",
            f"The working-day calendar has no holiday arrangement for {', '.join(map(str, listed))}: "
            "add it to the [calendar] table of the jurisdiction file",
            years=listed,
        )
        self.years = tuple(listed)


def china_date(moment: date | datetime) -> date:
    """The China date of a moment (a timezone-aware datetime), or a date as it is."""
    if isinstance(moment, datetime):
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"a moment must be timezone-aware, not {moment!r}")
        return moment.astimezone(CHINA).date()
    return moment


def end_of_china_day(day: date) -> datetime:
    """24:00 China time of ``day`` (the first instant of the next day), in UTC."""
    return datetime.combine(day + _ONE_DAY, time(0), tzinfo=CHINA).astimezone(UTC)


@dataclass(frozen=True)
class Deadline:
    """The end of a period: acts before ``at`` are in time, at or after it are late.

    ``assumed_years`` lists the years the period crossed without a holiday arrangement: they
    were counted with weekends only, so the deadline is ``provisional`` and may move when the
    year's holidays are added.
    """

    at: datetime  # UTC
    assumed_years: tuple[int, ...] = ()

    @property
    def provisional(self) -> bool:
        return bool(self.assumed_years)

    @property
    def last_day(self) -> date:
        """The China date of the period's last instant."""
        return (self.at - timedelta(microseconds=1)).astimezone(CHINA).date()

    def passed(self, now: datetime) -> bool:
        """Whether the period is over at ``now``."""
        return now >= self.at


@dataclass(frozen=True)
class WorkingDayCount:
    """A number of working days, with the years counted with weekends only (see :class:`Deadline`)."""

    days: int
    assumed_years: tuple[int, ...] = ()

    @property
    def provisional(self) -> bool:
        return bool(self.assumed_years)


def _weekdays_through(ordinal: int) -> int:
    """Mondays to Fridays among the proleptic ordinals 1..ordinal (ordinal 1, 0001-01-01, is a Monday)."""
    weeks, rest = divmod(ordinal, _WEEK)
    return weeks * _WEEKDAYS + min(rest, _WEEKDAYS)


def _is_weekend(day: date) -> bool:
    return day.weekday() >= _SATURDAY


@dataclass(frozen=True)
class WorkingCalendar:
    """Weekends, plus the holidays and adjusted working days of the years it covers.

    ``years`` are the years whose arrangement is complete; by default, every year with at
    least one holiday in the list. ``source`` names the document the dates come from and
    ``certainty`` says how sure they are, as in the rule table.
    """

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()
    years: frozenset[int] = frozenset()
    source: str = ""
    certainty: str = "platform"
    _weekday_holidays: tuple[int, ...] = field(init=False, repr=False, compare=False, default=())
    _workday_ordinals: tuple[int, ...] = field(init=False, repr=False, compare=False, default=())

    def __post_init__(self) -> None:
        for name in ("holidays", "workdays"):
            days = getattr(self, name)
            if any(isinstance(d, datetime) or not isinstance(d, date) for d in days):
                raise TypeError(f"{name} must be dates")
            object.__setattr__(self, name, frozenset(days))
        both = sorted(self.holidays & self.workdays)
        if both:
            raise DomainError(
                "calendar_day_conflict",
                f"同一日期不能既是节假日又是调休工作日：{'、'.join(d.isoformat() for d in both)}",
                f"A date cannot be both a holiday and an adjusted working day: {', '.join(d.isoformat() for d in both)}",
                dates=[d.isoformat() for d in both],
            )
        weekdays = sorted(d for d in self.workdays if not _is_weekend(d))
        if weekdays:
            raise DomainError(
                "calendar_workday_not_weekend",
                f"调休工作日须为周六或周日，以下日期本就是工作日：{'、'.join(d.isoformat() for d in weekdays)}",
                "An adjusted working day must be a Saturday or a Sunday; these are already working days: "
                + ", ".join(d.isoformat() for d in weekdays),
                dates=[d.isoformat() for d in weekdays],
            )
        if self.certainty not in CERTAINTIES:
            raise DomainError(
                "calendar_invalid",
                f"工作日历的 certainty 须为 {'、'.join(CERTAINTIES)} 之一",
                f"The calendar's certainty must be one of {', '.join(CERTAINTIES)}, not {self.certainty!r}",
            )
        years = frozenset(self.years) if self.years else frozenset(d.year for d in self.holidays)
        object.__setattr__(self, "years", years)
        object.__setattr__(
            self, "_weekday_holidays", tuple(sorted(d.toordinal() for d in self.holidays if not _is_weekend(d)))
        )
        object.__setattr__(self, "_workday_ordinals", tuple(sorted(d.toordinal() for d in self.workdays)))

    # ------------------------------------------------------------------ loading
    @classmethod
    def from_table(cls, table: Mapping[str, Any]) -> WorkingCalendar:
        """The ``[calendar]`` table of a jurisdiction file::

            [calendar]
            source = "国务院办公厅关于2026年部分节假日安排的通知"
            certainty = "verified"            # optional, as in the rule table
            years = [2026]                    # optional: the years the lists cover completely
            holidays = ["2026-01-01/2026-01-03", "2026-02-15/2026-02-23", 2026-04-06]
            workdays = ["2026-01-04", "2026-02-14"]

        A date is a TOML date or an ISO string; ``"A/B"`` is every day from A to B inclusive.
        Dates need a ``source``. Unknown keys are refused, so a misspelt list is not ignored.
        """
        unknown = sorted(set(table) - _TABLE_KEYS)
        if unknown:
            raise DomainError(
                "calendar_invalid",
                f"工作日历 [calendar] 中有未知的键：{'、'.join(unknown)}",
                f"Unknown keys in the [calendar] table: {', '.join(unknown)} "
                f"(expected {', '.join(sorted(_TABLE_KEYS))})",
            )
        holidays = _dates(table.get("holidays", []), "holidays")
        workdays = _dates(table.get("workdays", []), "workdays")
        source = table.get("source", "")
        certainty = table.get("certainty", "verified")
        if not isinstance(source, str) or not isinstance(certainty, str):
            raise DomainError(
                "calendar_invalid",
                "工作日历的 source 和 certainty 须为字符串",
                "The calendar's source and certainty must be strings",
            )
        if (holidays or workdays) and not source.strip():
            raise DomainError(
                "calendar_source_missing",
                "工作日历须以 source 注明节假日安排的出处（如国务院办公厅当年的节假日安排通知）",
                "The calendar must name the document its dates come from in 'source' "
                "(the State Council's notice on the year's holidays)",
            )
        raw_years = table.get("years", [])
        if not isinstance(raw_years, list) or any(isinstance(y, bool) or not isinstance(y, int) for y in raw_years):
            raise DomainError(
                "calendar_invalid",
                "工作日历的 years 须为年份（整数）列表",
                "The calendar's 'years' must be a list of years (integers)",
            )
        return cls(frozenset(holidays), frozenset(workdays), frozenset(raw_years), source.strip(), certainty.strip())

    # ------------------------------------------------------------------ single days
    def covers(self, year: int) -> bool:
        """Whether the calendar has the holiday arrangement of ``year``."""
        return year in self.years

    def day_kind(self, day: date | datetime) -> DayKind:
        """What a day is (a moment's China date); refuses a year the calendar does not cover."""
        day = china_date(day)
        if not self.covers(day.year):
            raise CalendarYearMissing([day.year])
        return self._kind(day)

    def is_working_day(self, day: date | datetime) -> bool:
        """Whether a day (a moment's China date) is a working day; refuses a year not covered."""
        return self.day_kind(day) in (DayKind.WORKDAY, DayKind.ADJUSTED_WORKDAY)

    def _kind(self, day: date) -> DayKind:
        if day in self.workdays:
            return DayKind.ADJUSTED_WORKDAY
        if day in self.holidays:
            return DayKind.HOLIDAY
        return DayKind.WEEKEND if _is_weekend(day) else DayKind.WORKDAY

    def _missing(self, first: date, last: date) -> tuple[int, ...]:
        return tuple(y for y in range(first.year, last.year + 1) if not self.covers(y))

    # ------------------------------------------------------------------ counting
    def add_working_days(self, start: datetime, n: int, *, strict: bool = False) -> Deadline:
        """The end (24:00 China time) of the ``n``-th working day after ``start``'s China date."""
        if not isinstance(start, datetime):
            raise TypeError("a period starts at a moment (a timezone-aware datetime)")
        if n < 0:
            raise ValueError(f"a period has a non-negative number of working days, not {n}")
        day = china_date(start)
        first, counted = day + _ONE_DAY, 0
        while counted < n:
            day += _ONE_DAY
            if self._kind(day) in (DayKind.WORKDAY, DayKind.ADJUSTED_WORKDAY):
                counted += 1
        assumed = self._missing(first, day) if n else ()
        if strict and assumed:
            raise CalendarYearMissing(assumed)
        return Deadline(end_of_china_day(day), assumed)

    def working_days_between(
        self, start: date | datetime, end: date | datetime, *, strict: bool = False
    ) -> WorkingDayCount:
        """The working days after ``start``'s China date up to and including ``end``'s.

        It is the inverse of :meth:`add_working_days`: the working days from ``start`` to a
        deadline's ``last_day`` are the period's ``n``. With ``end`` before ``start`` the count
        is negative: ``between(a, b) == -between(b, a)``.
        """
        a, b = china_date(start), china_date(end)
        sign = 1
        if b < a:
            a, b, sign = b, a, -1
        if a == b:
            return WorkingDayCount(0)
        lo, hi = a.toordinal(), b.toordinal()  # the range is (lo, hi]
        weekdays = _weekdays_through(hi) - _weekdays_through(lo)
        off = bisect.bisect_right(self._weekday_holidays, hi) - bisect.bisect_right(self._weekday_holidays, lo)
        on = bisect.bisect_right(self._workday_ordinals, hi) - bisect.bisect_right(self._workday_ordinals, lo)
        assumed = self._missing(a + _ONE_DAY, b)
        if strict and assumed:
            raise CalendarYearMissing(assumed)
        return WorkingDayCount(sign * (weekdays - off + on), assumed)


def _dates(raw: object, name: str) -> set[date]:
    if not isinstance(raw, list):
        raise DomainError(
            "calendar_invalid",
            f"工作日历的 {name} 须为日期列表",
            f"The calendar's {name!r} must be a list of dates",
        )
    days: set[date] = set()
    for item in raw:
        if isinstance(item, date) and not isinstance(item, datetime):
            days.add(item)
            continue
        if not isinstance(item, str):
            raise _bad_date(name, item)
        first_s, sep, last_s = item.strip().partition("/")
        try:
            first = date.fromisoformat(first_s.strip())
            last = date.fromisoformat(last_s.strip()) if sep else first
        except ValueError:
            raise _bad_date(name, item) from None
        if last < first:
            raise _bad_date(name, item)
        days.update(first + timedelta(days=i) for i in range((last - first).days + 1))
    return days


def _bad_date(name: str, item: object) -> DomainError:
    return DomainError(
        "calendar_date_invalid",
        f"工作日历 {name} 中的日期无效：{item!r}（应为 YYYY-MM-DD，或 YYYY-MM-DD/YYYY-MM-DD 表示起止日期）",
        f"Invalid date in the calendar's {name!r}: {item!r} (use YYYY-MM-DD, or YYYY-MM-DD/YYYY-MM-DD for a range)",
        value=str(item),
    )
