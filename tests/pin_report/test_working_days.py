"""Working-day deadlines: weekends, Christmas and New Year, Easter, extra non-working dates."""

from __future__ import annotations

import datetime as dt

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.cli import cmd_pin_report
from harness.working_days import DEFAULT_CALENDAR, ENGLAND_AND_WALES, WorkingDayCalendar, deadline

D = dt.date


def test_christmas_2026_by_hand() -> None:
    # Start Monday 21 Dec 2026. Working days after it: 22, 23, 24 Dec (1-3); 25 Dec Christmas,
    # 26-27 weekend, 28 Dec Boxing Day (substitute); 29, 30, 31 Dec (4-6); 1 Jan 2027 New Year's
    # Day; 4-8 Jan (7-11), 11-15 Jan (12-16), 18-22 Jan (17-21), 25-29 Jan (22-26),
    # 1-4 Feb (27-30).
    assert deadline(D(2026, 12, 21), 30) == D(2027, 2, 4)
    assert DEFAULT_CALENDAR.add_working_days(D(2026, 12, 21), 4) == D(2026, 12, 29)
    assert DEFAULT_CALENDAR.add_working_days(D(2026, 12, 21), 7) == D(2027, 1, 4)


def test_easter_2027_by_hand() -> None:
    # Start Friday 19 Mar 2027. 22-25 Mar (1-4); 26 Mar Good Friday, 29 Mar Easter Monday;
    # 30 Mar - 2 Apr (5-8); 5-9 Apr (9-13); 12-16 Apr (14-18); 19-23 Apr (19-23);
    # 26-30 Apr (24-28); 3 May Early May bank holiday; 4, 5 May (29, 30).
    assert deadline(D(2027, 3, 19), 30) == D(2027, 5, 5)
    assert DEFAULT_CALENDAR.add_working_days(D(2027, 3, 19), 5) == D(2027, 3, 30)


def test_weekend_start_counts_from_the_next_working_day() -> None:
    # Saturday 7 Nov 2026: day 1 is Monday 9 Nov; 30 plain working days later is Fri 18 Dec.
    assert DEFAULT_CALENDAR.add_working_days(D(2026, 11, 7), 1) == D(2026, 11, 9)
    assert deadline(D(2026, 11, 7), 30) == D(2026, 12, 18)
    # The start day itself never counts, even when it is a working day.
    assert DEFAULT_CALENDAR.add_working_days(D(2026, 11, 9), 1) == D(2026, 11, 10)


def test_bank_holidays_are_england_and_wales() -> None:
    assert not DEFAULT_CALENDAR.is_working_day(D(2027, 3, 29))  # Easter Monday
    assert DEFAULT_CALENDAR.bank_holiday_name(D(2027, 3, 26)) == "Good Friday"
    # 2 January is a bank holiday in Scotland only; St Andrew's Day likewise.
    assert DEFAULT_CALENDAR.is_working_day(D(2029, 1, 2))
    assert DEFAULT_CALENDAR.is_working_day(D(2027, 11, 30))
    for year in range(2020, 2036):
        eng = holidays.country_holidays("GB", subdiv="ENG", years=year)
        wls = holidays.country_holidays("GB", subdiv="WLS", years=year)
        assert set(eng) == set(wls), year


def test_command_line_default_is_the_calendar_default() -> None:
    # The pin-report command names the default without importing this module (and holidays).
    assert cmd_pin_report.ENGLAND_AND_WALES == ENGLAND_AND_WALES == DEFAULT_CALENDAR.subdivision


def test_extra_non_working_dates_are_a_setting() -> None:
    calendar = WorkingDayCalendar.with_extra_dates([D(2027, 2, 4)])
    assert not calendar.is_working_day(D(2027, 2, 4))
    assert deadline(D(2026, 12, 21), 30, calendar) == D(2027, 2, 5)
    assert calendar.describe()["extra_non_working"] == ["2027-02-04"]


def test_unknown_subdivision_and_bad_count_rejected() -> None:
    with pytest.raises(NotImplementedError):
        WorkingDayCalendar(subdivision="XX")
    with pytest.raises(ValueError):
        DEFAULT_CALENDAR.add_working_days(D(2027, 1, 1), 0)


dates = st.dates(min_value=D(2024, 1, 1), max_value=D(2034, 12, 31))


@settings(max_examples=60, deadline=None)
@given(start=dates, count=st.integers(min_value=1, max_value=40))
def test_deadline_is_the_countth_working_day_after_start(start: dt.date, count: int) -> None:
    end = DEFAULT_CALENDAR.add_working_days(start, count)
    assert end > start
    assert DEFAULT_CALENDAR.is_working_day(end)
    assert end.weekday() < 5
    days = [start + dt.timedelta(days=n) for n in range(1, (end - start).days + 1)]
    assert sum(1 for d in days if DEFAULT_CALENDAR.is_working_day(d)) == count
    # 30 working days span at least six calendar weeks less a day or so, and never absurdly long.
    assert count * 7 // 5 - 3 <= (end - start).days <= count * 7 // 5 + 12


@settings(max_examples=40, deadline=None)
@given(start=dates, count=st.integers(min_value=1, max_value=40))
def test_deadlines_are_monotonic(start: dt.date, count: int) -> None:
    one = DEFAULT_CALENDAR.add_working_days(start, count)
    assert DEFAULT_CALENDAR.add_working_days(start, count + 1) > one
    later = start + dt.timedelta(days=1)
    assert DEFAULT_CALENDAR.add_working_days(later, count) >= one
