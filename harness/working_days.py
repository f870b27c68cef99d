"""Working days for regulatory deadlines.

The SEC defines Working Day (SEC Section A); this calendar is our setting approximating it, not the
SEC's text: check it against the definition in force. A working day here is a date that is not a Saturday or Sunday, not a bank holiday in England and Wales
and not one of the calendar's extra non-working dates. Bank holidays come from the ``holidays``
package: ``holidays.country_holidays("GB", subdiv="ENG")``. England and Wales share one list of
bank holidays (the package's "WLS" list is the same); "ENG" is the code that gives it.

Counting: :meth:`WorkingDayCalendar.add_working_days` counts from the day *after* the start date;
day 1 is the first working day after the start date, whatever kind of day the start date is.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import holidays

ENGLAND_AND_WALES = "ENG"


@dataclass(frozen=True)
class WorkingDayCalendar:
    """Settings: the bank-holiday subdivision and any extra non-working dates."""

    subdivision: str = ENGLAND_AND_WALES
    extra_non_working: frozenset[dt.date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        # Fail early on a subdivision the package does not know.
        holidays.country_holidays("GB", subdiv=self.subdivision, years=2000)

    @classmethod
    def with_extra_dates(
        cls, dates: Iterable[dt.date], subdivision: str = ENGLAND_AND_WALES
    ) -> WorkingDayCalendar:
        return cls(subdivision=subdivision, extra_non_working=frozenset(dates))

    def _bank_holidays(self, year: int) -> holidays.HolidayBase:
        return _bank_holidays(self.subdivision, year)

    def bank_holiday_name(self, day: dt.date) -> str | None:
        name = self._bank_holidays(day.year).get(day)
        return None if name is None else str(name)

    def is_working_day(self, day: dt.date) -> bool:
        if day.weekday() >= 5:
            return False
        if day in self.extra_non_working:
            return False
        return day not in self._bank_holidays(day.year)

    def working_days_after(self, start: dt.date) -> Iterator[dt.date]:
        """The working days after ``start``, in order (day 1 first)."""
        day = start
        while True:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                yield day

    def add_working_days(self, start: dt.date, count: int) -> dt.date:
        """The ``count``-th working day after ``start`` (``count`` >= 1)."""
        if count < 1:
            raise ValueError("count must be at least 1")
        for number, day in enumerate(self.working_days_after(start), start=1):
            if number == count:
                return day
        raise AssertionError("unreachable")  # pragma: no cover

    def describe(self) -> dict[str, object]:
        """The calendar as recorded in a report manifest."""
        return {
            "rule": "not a Saturday, Sunday or bank holiday, nor an extra non-working date",
            "source": "our setting, approximating the SEC's definition of Working Day (SEC "
            "Section A, not reproduced here)",
            "bank_holidays": f"holidays.country_holidays('GB', subdiv={self.subdivision!r})",
            "holidays_package_version": importlib.metadata.version("holidays"),
            "extra_non_working": sorted(d.isoformat() for d in self.extra_non_working),
            "counting": "day 1 is the first working day after the start date",
        }


_CACHE: dict[tuple[str, int], holidays.HolidayBase] = {}


def _bank_holidays(subdivision: str, year: int) -> holidays.HolidayBase:
    key = (subdivision, year)
    found = _CACHE.get(key)
    if found is None:
        found = holidays.country_holidays("GB", subdiv=subdivision, years=year)
        _CACHE[key] = found
    return found


DEFAULT_CALENDAR = WorkingDayCalendar()


def deadline(
    start: dt.date, working_days: int, calendar: WorkingDayCalendar = DEFAULT_CALENDAR
) -> dt.date:
    """The last day of a period of ``working_days`` working days counted from after ``start``."""
    return calendar.add_working_days(start, working_days)
