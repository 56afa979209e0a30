"""Swedish calendar time: dates are Stockholm dates, instants are UTC.

Consent end dates, birthdays and meeting dates are calendar dates as the
caseworker means them (Europe/Stockholm); events are stamped in UTC.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")
CLOCK_SKEW = timedelta(minutes=5)  # how far ahead of the recording clock a date may be
# The calendar dates and instants a command or a question may name.  Far wider than any case needs, and far
# inside what Python's dates can count in: a consent "until 9999-12-31" once made its end's instant overflow.
EARLIEST_DAY, LATEST_DAY = date(1900, 1, 1), date(2199, 12, 31)
# The days whose start and end have an instant at all, in UTC and in Stockholm: what the conversions clamp to,
# so that an event stored before the bounds above still folds.
_FIRST_COUNTABLE, _LAST_COUNTABLE = date(1, 1, 2), date(9999, 12, 29)


def within_calendar(day: date) -> bool:
    return EARLIEST_DAY <= day <= LATEST_DAY


def local_date(at: datetime) -> date:
    return at.astimezone(STOCKHOLM).date()


def in_swedish_time(wall: datetime) -> datetime | None:
    """A clock time without a zone as the instant it names in Sweden; None when it names none or two: on the last
    Sunday of March the clocks skip 02:00–03:00, on the last Sunday of October they show it twice.  Taken as either
    (Python's fold takes the first), an auditor's "what did the police know at 02:30" would be answered for an
    instant an hour from the one meant, and a withdrawal between the two would change the answer."""
    first, second = wall.replace(tzinfo=STOCKHOLM, fold=0), wall.replace(tzinfo=STOCKHOLM, fold=1)
    return first if first.utcoffset() == second.utcoffset() else None


def moment_within_calendar(moment: datetime) -> bool:
    """A moment (with its zone) an auditor may name: within the calendar as written and in Swedish time.  The
    date as written first: 9999-12-31T23:59:59-23:59 overflows on its way to Swedish time."""
    return within_calendar(moment.date()) and within_calendar(local_date(moment))


def start_of_day(day: date) -> datetime:
    """The instant (UTC) a Stockholm calendar day begins (for a day at the edge of what dates can count, the
    nearest day that has one)."""
    day = min(max(day, _FIRST_COUNTABLE), _LAST_COUNTABLE)
    return datetime.combine(day, time.min, tzinfo=STOCKHOLM).astimezone(timezone.utc)


def end_of_day(day: date) -> datetime:
    """The instant (UTC) a Stockholm calendar day is over: the next day's start."""
    return start_of_day(min(day, _LAST_COUNTABLE) + timedelta(days=1))


def age_on(born: date, day: date) -> int:
    """Completed years; a 29 February birthday counts from 1 March in common years."""
    had_birthday = (day.month, day.day) >= (born.month, born.day)
    return day.year - born.year - (0 if had_birthday else 1)


def birthday(born: date, years: int) -> date:
    try:
        return born.replace(year=born.year + years)
    except ValueError:  # 29 February in a common year
        return date(born.year + years, 3, 1)
