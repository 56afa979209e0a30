"""Swedish calendar time: dates are Stockholm dates, instants are UTC.

Consent end dates, birthdays and meeting dates are calendar dates as the
caseworker means them (Europe/Stockholm); events are stamped in UTC.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")
CLOCK_SKEW = timedelta(minutes=5)  # how far ahead of the recording clock a date may be


def local_date(at: datetime) -> date:
    return at.astimezone(STOCKHOLM).date()


def start_of_day(day: date) -> datetime:
    """The instant (UTC) a Stockholm calendar day begins."""
    return datetime.combine(day, time.min, tzinfo=STOCKHOLM).astimezone(timezone.utc)


def end_of_day(day: date) -> datetime:
    """The instant (UTC) a Stockholm calendar day is over: the next day's start."""
    return start_of_day(day + timedelta(days=1))


def age_on(born: date, day: date) -> int:
    """Completed years; a 29 February birthday counts from 1 March in common years."""
    had_birthday = (day.month, day.day) >= (born.month, born.day)
    return day.year - born.year - (0 if had_birthday else 1)


def birthday(born: date, years: int) -> date:
    try:
        return born.replace(year=born.year + years)
    except ValueError:  # 29 February in a common year
        return date(born.year + years, 3, 1)
