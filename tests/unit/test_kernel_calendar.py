"""The working-day calendar: weekends, holidays and adjusted working days, periods that end at
24:00 China time, and years without a holiday list that are flagged or refused, never assumed."""

from __future__ import annotations

import tomllib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sunbid.kernel.calendar import (
    CalendarYearMissing,
    DayKind,
    Deadline,
    WorkingCalendar,
    china_date,
    end_of_china_day,
)
from sunbid.kernel.clock import CHINA
from sunbid.kernel.errors import DomainError
from sunbid.kernel.rules import RuleBook

ROOT = Path(__file__).resolve().parents[2]

#: A small 2026 arrangement for the tests (the shipped one is in jurisdictions/nanjing.toml).
TABLE: dict[str, Any] = {
    "source": "测试用节假日安排",
    "holidays": ["2026-02-15/2026-02-23", "2026-10-01/2026-10-07", "2026-12-31"],
    "workdays": ["2026-02-14", "2026-02-28", "2026-10-10"],
}


def china(year: int, month: int, day: int, hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=CHINA)


@pytest.fixture
def cal() -> WorkingCalendar:
    return WorkingCalendar.from_table(TABLE)


# ---------------------------------------------------------------------------- single days
@pytest.mark.parametrize(
    ("day", "kind"),
    [
        (date(2026, 7, 3), DayKind.WORKDAY),  # Friday
        (date(2026, 7, 4), DayKind.WEEKEND),  # Saturday
        (date(2026, 7, 5), DayKind.WEEKEND),  # Sunday
        (date(2026, 7, 6), DayKind.WORKDAY),  # Monday
        (date(2026, 2, 16), DayKind.HOLIDAY),  # Monday in the Spring Festival
        (date(2026, 2, 21), DayKind.HOLIDAY),  # Saturday in it: still a holiday
        (date(2026, 2, 14), DayKind.ADJUSTED_WORKDAY),  # Saturday made a working day
        (date(2026, 2, 24), DayKind.WORKDAY),  # the day after the holiday
    ],
)
def test_each_day_has_its_kind(cal: WorkingCalendar, day: date, kind: DayKind) -> None:
    assert cal.day_kind(day) is kind
    assert cal.is_working_day(day) is (kind in (DayKind.WORKDAY, DayKind.ADJUSTED_WORKDAY))


def test_a_moment_is_judged_by_its_china_date(cal: WorkingCalendar) -> None:
    # Friday 2026-07-03 16:00 UTC is Saturday 00:00 in China; a second earlier it is still Friday.
    assert cal.is_working_day(datetime(2026, 7, 3, 15, 59, 59, tzinfo=UTC)) is True
    assert cal.is_working_day(datetime(2026, 7, 3, 16, 0, 0, tzinfo=UTC)) is False


def test_a_day_in_a_year_without_holidays_is_refused_not_assumed(cal: WorkingCalendar) -> None:
    assert cal.covers(2026)
    assert not cal.covers(2027)
    with pytest.raises(CalendarYearMissing) as refused:
        cal.is_working_day(date(2027, 3, 3))
    assert refused.value.code == "calendar_year_missing"
    assert refused.value.kind == "conflict"
    assert refused.value.years == (2027,)
    assert "2027" in refused.value.message_zh
    assert "2027" in refused.value.message_en
    with pytest.raises(CalendarYearMissing):
        cal.day_kind(date(2025, 12, 31))


def test_an_empty_calendar_covers_no_year() -> None:
    empty = WorkingCalendar()
    assert empty.years == frozenset()
    with pytest.raises(CalendarYearMissing):
        empty.is_working_day(date(2026, 7, 6))


def test_a_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        china_date(datetime(2026, 7, 3, 12))


# ---------------------------------------------------------------------------- adding working days
def test_three_working_days_from_a_friday_end_at_midnight_after_the_wednesday(cal: WorkingCalendar) -> None:
    deadline = cal.add_working_days(china(2026, 7, 3, 16, 0), 3)
    assert deadline.at == china(2026, 7, 9, 0, 0)
    assert deadline.at.tzinfo is UTC
    assert deadline.last_day == date(2026, 7, 8)
    assert not deadline.provisional


def test_an_act_a_microsecond_before_the_deadline_is_in_time_and_at_it_is_late(cal: WorkingCalendar) -> None:
    deadline = cal.add_working_days(china(2026, 7, 3, 16, 0), 3)
    assert not deadline.passed(china(2026, 7, 8, 23, 59, 59) + timedelta(microseconds=999_999))
    assert deadline.passed(china(2026, 7, 9, 0, 0))


def test_the_day_of_receipt_is_its_china_date_on_both_sides_of_midnight(cal: WorkingCalendar) -> None:
    # Received Monday 23:59:59 China time: Tuesday is the first day counted.
    before = cal.add_working_days(china(2026, 7, 6, 23, 59, 59), 1)
    # Received Tuesday 00:00 China time (still Monday in UTC): Wednesday is the first day counted.
    after = cal.add_working_days(datetime(2026, 7, 6, 16, 0, tzinfo=UTC), 1)
    assert before.last_day == date(2026, 7, 7)
    assert after.last_day == date(2026, 7, 8)


def test_a_receipt_on_a_rest_day_counts_from_the_next_working_day(cal: WorkingCalendar) -> None:
    saturday = cal.add_working_days(china(2026, 7, 4, 10, 0), 1)
    sunday = cal.add_working_days(china(2026, 7, 5, 10, 0), 1)
    friday = cal.add_working_days(china(2026, 7, 3, 10, 0), 1)
    assert saturday.last_day == sunday.last_day == friday.last_day == date(2026, 7, 6)


def test_holidays_are_skipped_and_an_adjusted_weekend_day_counts(cal: WorkingCalendar) -> None:
    # Friday 2026-02-13: Saturday 14th is a working day, 15th-23rd the Spring Festival.
    assert cal.add_working_days(china(2026, 2, 13, 9, 0), 1).last_day == date(2026, 2, 14)
    assert cal.add_working_days(china(2026, 2, 13, 9, 0), 2).last_day == date(2026, 2, 24)
    assert cal.add_working_days(china(2026, 2, 13, 9, 0), 3).last_day == date(2026, 2, 25)


def test_the_same_period_without_the_holidays_is_shorter() -> None:
    weekends_only = WorkingCalendar(years=frozenset({2026}), source="无节假日", certainty="platform")
    assert weekends_only.add_working_days(china(2026, 2, 13, 9, 0), 3).last_day == date(2026, 2, 18)


def test_zero_working_days_end_at_midnight_of_the_day_itself(cal: WorkingCalendar) -> None:
    assert cal.add_working_days(china(2026, 7, 4, 10, 0), 0) == Deadline(china(2026, 7, 5, 0, 0))


def test_a_negative_period_is_refused(cal: WorkingCalendar) -> None:
    with pytest.raises(ValueError, match="non-negative"):
        cal.add_working_days(china(2026, 7, 4, 10, 0), -1)


def test_a_period_starts_at_a_moment_not_a_date(cal: WorkingCalendar) -> None:
    with pytest.raises(TypeError):
        cal.add_working_days(date(2026, 7, 4), 1)  # type: ignore[arg-type]


def test_a_period_ending_on_the_last_covered_day_is_not_provisional_and_one_more_day_is(
    cal: WorkingCalendar,
) -> None:
    # 2026-12-31 is a holiday in the test table; 12-30 (Wednesday) is the last working day of 2026.
    inside = cal.add_working_days(china(2026, 12, 29, 9, 0), 1)
    assert inside.last_day == date(2026, 12, 30)
    assert inside.assumed_years == ()
    assert not inside.provisional
    crossing = cal.add_working_days(china(2026, 12, 29, 9, 0), 2)
    assert crossing.last_day == date(2027, 1, 1)  # a Friday, known only as a weekday
    assert crossing.assumed_years == (2027,)
    assert crossing.provisional


def test_a_period_reaching_an_uncovered_year_is_refused_when_strict(cal: WorkingCalendar) -> None:
    assert cal.add_working_days(china(2026, 12, 29, 9, 0), 1, strict=True).last_day == date(2026, 12, 30)
    with pytest.raises(CalendarYearMissing) as refused:
        cal.add_working_days(china(2026, 12, 29, 9, 0), 2, strict=True)
    assert refused.value.details == {"years": [2027]}


def test_a_period_started_in_an_uncovered_year_names_only_the_years_it_counted_in(cal: WorkingCalendar) -> None:
    # Received in 2025 (not covered), counted wholly in 2026.
    assert cal.add_working_days(china(2025, 12, 31, 9, 0), 1).assumed_years == ()
    assert cal.add_working_days(china(2025, 12, 30, 9, 0), 1).assumed_years == (2025,)


# ---------------------------------------------------------------------------- counting between
@pytest.mark.parametrize("n", [0, 1, 3, 7, 30])
def test_counting_between_is_the_inverse_of_adding_on_every_day_of_the_year(cal: WorkingCalendar, n: int) -> None:
    day = date(2026, 1, 1)
    while day.year == 2026:
        start = china(day.year, day.month, day.day, 10, 30)
        deadline = cal.add_working_days(start, n)
        assert cal.working_days_between(start, deadline.last_day).days == n, day
        if n:
            assert deadline.last_day.year == 2027 or cal.is_working_day(deadline.last_day)
            # The day before the last one is one working day short.
            assert cal.working_days_between(start, deadline.last_day - timedelta(days=1)).days == n - 1, day
        day += timedelta(days=1)


def test_counting_between_is_antisymmetric_and_zero_on_the_same_day(cal: WorkingCalendar) -> None:
    a, b = date(2026, 2, 10), date(2026, 3, 10)
    forward = cal.working_days_between(a, b)
    assert forward.days == 16  # February 11-13, 14 (adjusted), 24-27, 28 (adjusted); March 2-6, 9, 10
    assert cal.working_days_between(b, a).days == -forward.days
    assert cal.working_days_between(a, a).days == 0
    assert cal.working_days_between(china(2026, 2, 10, 1, 0), china(2026, 2, 10, 23, 0)).days == 0


def test_counting_between_flags_every_uncovered_year_it_crosses(cal: WorkingCalendar) -> None:
    assert cal.working_days_between(date(2026, 1, 1), date(2026, 12, 31)).assumed_years == ()
    count = cal.working_days_between(date(2024, 12, 31), date(2028, 1, 1))
    assert count.assumed_years == (2025, 2027, 2028)
    assert count.provisional
    with pytest.raises(CalendarYearMissing):
        cal.working_days_between(date(2026, 12, 1), date(2027, 1, 4), strict=True)
    assert cal.working_days_between(date(2026, 12, 1), date(2026, 12, 31), strict=True).days == 21


def test_counting_between_uses_the_china_date_of_moments(cal: WorkingCalendar) -> None:
    # 2026-07-06 16:00 UTC is Tuesday 00:00 in China: one working day after Monday.
    assert cal.working_days_between(date(2026, 7, 6), datetime(2026, 7, 6, 16, 0, tzinfo=UTC)).days == 1
    assert cal.working_days_between(date(2026, 7, 6), datetime(2026, 7, 6, 15, 59, tzinfo=UTC)).days == 0


def test_end_of_china_day_is_the_next_china_midnight_in_utc() -> None:
    assert end_of_china_day(date(2026, 7, 8)) == datetime(2026, 7, 8, 16, 0, tzinfo=UTC)


# ---------------------------------------------------------------------------- the [calendar] table
def test_a_range_covers_both_ends_and_toml_dates_are_accepted() -> None:
    table = tomllib.loads(
        '[calendar]\nsource = "某通知"\nholidays = ["2026-10-01/2026-10-03", 2026-06-19]\nworkdays = [2026-10-10]\n'
    )["calendar"]
    cal = WorkingCalendar.from_table(table)
    assert cal.holidays == {date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 3), date(2026, 6, 19)}
    assert cal.workdays == {date(2026, 10, 10)}
    assert cal.source == "某通知"
    assert cal.certainty == "verified"


def test_covered_years_are_those_with_holidays_unless_listed() -> None:
    assert WorkingCalendar.from_table(TABLE).years == {2026}
    listed = WorkingCalendar.from_table({**TABLE, "years": [2026, 2027]})
    assert listed.years == {2026, 2027}
    assert listed.is_working_day(date(2027, 3, 3))


def test_an_empty_table_needs_no_source() -> None:
    assert WorkingCalendar.from_table({}) == WorkingCalendar(certainty="verified")


@pytest.mark.parametrize(
    ("table", "code"),
    [
        ({"holidays": ["2026-10-01"]}, "calendar_source_missing"),
        ({"holidays": ["2026-10-01"], "source": "  "}, "calendar_source_missing"),
        ({"holiday": ["2026-10-01"], "source": "某通知"}, "calendar_invalid"),
        ({"holidays": "2026-10-01", "source": "某通知"}, "calendar_invalid"),
        ({"holidays": ["2026-13-01"], "source": "某通知"}, "calendar_date_invalid"),
        ({"holidays": ["2026-10-07/2026-10-01"], "source": "某通知"}, "calendar_date_invalid"),
        ({"holidays": ["2026-10-01/"], "source": "某通知"}, "calendar_date_invalid"),
        ({"holidays": [20261001], "source": "某通知"}, "calendar_date_invalid"),
        ({"holidays": [datetime(2026, 10, 1, tzinfo=UTC)], "source": "某通知"}, "calendar_date_invalid"),
        ({"holidays": ["2026-10-01"], "workdays": ["2026-10-01"], "source": "某通知"}, "calendar_day_conflict"),
        ({"holidays": ["2026-10-01"], "workdays": ["2026-10-09"], "source": "某通知"}, "calendar_workday_not_weekend"),
        ({"holidays": ["2026-10-01"], "source": "某通知", "certainty": "sure"}, "calendar_invalid"),
        ({"holidays": ["2026-10-01"], "source": 3}, "calendar_invalid"),
        ({"holidays": ["2026-10-01"], "source": "某通知", "years": 2026}, "calendar_invalid"),
        ({"holidays": ["2026-10-01"], "source": "某通知", "years": ["2026"]}, "calendar_invalid"),
        ({"holidays": ["2026-10-01"], "source": "某通知", "years": [True]}, "calendar_invalid"),
    ],
    ids=[
        "no-source",
        "blank-source",
        "misspelt-key",
        "not-a-list",
        "no-such-month",
        "reversed-range",
        "open-range",
        "number",
        "datetime",
        "holiday-and-workday",
        "weekday-workday",
        "unknown-certainty",
        "source-not-text",
        "years-not-a-list",
        "years-as-text",
        "years-as-boolean",
    ],
)
def test_a_bad_calendar_table_is_refused_with_its_code(table: dict[str, Any], code: str) -> None:
    with pytest.raises(DomainError) as refused:
        WorkingCalendar.from_table(table)
    assert refused.value.code == code
    assert refused.value.message_zh
    assert refused.value.message_en


def test_a_weekend_workday_and_a_weekend_holiday_are_accepted() -> None:
    cal = WorkingCalendar.from_table({"holidays": ["2026-10-03"], "workdays": ["2026-10-10"], "source": "某通知"})
    assert cal.day_kind(date(2026, 10, 3)) is DayKind.HOLIDAY
    assert cal.day_kind(date(2026, 10, 10)) is DayKind.ADJUSTED_WORKDAY


# ---------------------------------------------------------------------------- the rule book
def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "jurisdiction.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_rule_book_loads_the_calendar_beside_the_overrides(tmp_path: Path) -> None:
    book = RuleBook.from_file(
        write(
            tmp_path,
            '[jurisdiction]\nname = "某市"\n[rules.doc_sale_min_days]\nvalue = 7\ncitation = "某文件"\n'
            '[calendar]\nsource = "某通知"\nholidays = ["2026-10-01/2026-10-07"]\nworkdays = ["2026-10-10"]\n',
        )
    )
    assert book.days("doc_sale_min_days") == 7
    assert book.calendar.years == {2026}
    assert not book.calendar.is_working_day(date(2026, 10, 5))


def test_a_rule_book_without_a_calendar_table_covers_no_year(tmp_path: Path) -> None:
    book = RuleBook.from_file(write(tmp_path, '[rules.doc_sale_min_days]\nvalue = 7\ncitation = "某文件"\n'))
    assert book.calendar == WorkingCalendar()
    assert RuleBook.default().calendar.years == frozenset()


def test_a_calendar_that_is_not_a_table_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DomainError) as refused:
        RuleBook.from_file(write(tmp_path, "calendar = 3\n"))
    assert refused.value.code == "calendar_invalid"


def test_a_bad_calendar_in_the_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DomainError) as refused:
        RuleBook.from_file(write(tmp_path, '[calendar]\nholidays = ["2026-10-01"]\n'))
    assert refused.value.code == "calendar_source_missing"


def test_overriding_rules_keeps_the_calendar(cal: WorkingCalendar) -> None:
    book = RuleBook.default().with_calendar(cal)
    changed = book.overridden({"complaint_accept_working_days": {"value": 5, "citation": "某文件"}}, "某地")
    assert changed.calendar is cal
    assert RuleBook.default().calendar == WorkingCalendar()


def test_complaint_periods_are_counted_in_working_days_under_article_61() -> None:
    book = RuleBook.default()
    for key, value in (("complaint_accept_working_days", 3), ("complaint_decide_working_days", 30)):
        assert (book[key].value, book[key].unit, book[key].certainty) == (value, "working_days", "verified")
        assert "第六十一条" in book[key].citation


def test_a_deadline_in_working_days_uses_the_calendar(cal: WorkingCalendar) -> None:
    book = RuleBook.default().with_calendar(cal)
    received = china(2026, 2, 13, 9, 0)
    assert book.deadline("complaint_accept_working_days", received) == Deadline(china(2026, 2, 26, 0, 0))
    decided = book.deadline("complaint_decide_working_days", china(2026, 12, 1, 9, 0))
    assert decided.provisional
    assert decided.assumed_years == (2027,)
    with pytest.raises(CalendarYearMissing):
        book.deadline("complaint_decide_working_days", china(2026, 12, 1, 9, 0), strict=True)


def test_a_deadline_in_working_days_without_any_calendar_is_provisional() -> None:
    deadline = RuleBook.default().deadline("penalty_publicity_working_days", china(2026, 7, 3, 9, 0))
    assert deadline.last_day == date(2026, 7, 14)
    assert deadline.assumed_years == (2026,)


def test_a_deadline_in_days_is_the_start_plus_whole_days_and_ignores_the_calendar(cal: WorkingCalendar) -> None:
    book = RuleBook.default().with_calendar(cal)
    start = china(2026, 9, 30, 15, 20)
    deadline = book.deadline("deposit_refund_after_withdraw_days", start)
    assert deadline == Deadline(start + timedelta(days=5))
    assert not deadline.provisional
    assert book.deadline("complaint_window_days", china(2030, 1, 1, 0, 0), strict=True).at == china(2030, 1, 11, 0, 0)


@pytest.mark.parametrize("key", ["min_bidders", "bid_deposit_max_ratio", "bid_deposit_works_cap"])
def test_a_deadline_of_a_rule_that_is_no_period_is_refused(key: str) -> None:
    with pytest.raises(ValueError, match="not a period"):
        RuleBook.default().deadline(key, china(2026, 7, 3, 9, 0))


def test_a_deadline_from_a_naive_moment_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        RuleBook.default().deadline("complaint_window_days", datetime(2026, 7, 3, 9, 0))


# ---------------------------------------------------------------------------- the shipped calendar
def nanjing() -> WorkingCalendar:
    return RuleBook.from_file(ROOT / "jurisdictions/nanjing.toml").calendar


def test_the_nanjing_calendar_names_its_source_and_covers_2026_only() -> None:
    cal = nanjing()
    assert cal.years == {2026}
    assert "2026年部分节假日安排" in cal.source
    assert cal.certainty in ("verified", "unverified")


def test_the_nanjing_2026_holidays_give_13_statutory_days_and_248_working_days() -> None:
    # 《全国年节及纪念日放假办法》 (2024 revision): 13 days off for everyone (元旦 1, 春节 4, 清明 1,
    # 劳动节 2, 端午 1, 中秋 1, 国庆 3); one falling on a weekend is given back on a weekday, and each
    # adjusted weekend day moves a day off. So weekday holidays minus adjusted workdays is 13.
    cal = nanjing()
    weekday_holidays = [d for d in cal.holidays if d.year == 2026 and d.weekday() < 5]
    assert len(weekday_holidays) - len(cal.workdays) == 13
    assert cal.working_days_between(date(2025, 12, 31), date(2026, 12, 31)).days == 261 - 13


def test_a_complaint_received_before_the_2026_national_day_is_accepted_after_it() -> None:
    book = RuleBook.from_file(ROOT / "jurisdictions/nanjing.toml")
    deadline = book.deadline("complaint_accept_working_days", china(2026, 9, 29, 17, 0))
    # Wednesday 30 September, then 1-7 October off, Thursday 8, Friday 9.
    assert deadline.last_day == date(2026, 10, 9)
    assert not deadline.provisional
