"""A moment as an auditor types it (``typed_moment``: the command line's `--as-of` and the web's forms read it alike),
and the whole unit it is typed to: as a bare date means the end of that day, a
time to the minute means the end of that minute, and one to the second the end of that second.

The disclosure log shows its times to the minute (the web) or the second (the command line), while the events
carry fractions of a second: a replay "as of 23:37", typed from a log row saying "23:37 lämnades ut", did not show
what that row said was disclosed then (an auditor's finding, 2026-12-04).  A fraction typed is taken as it is; the
API's `as_of`, which programs send, is always the instant given.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from domain.calendar import in_swedish_time, moment_within_calendar, within_calendar

# A date, or a date and a time to the minute, second or fraction, with or without a zone.  Nothing else, though
# `datetime.fromisoformat` reads more: 20260310 and 2026-W10 parse too, but not as anyone typing them means.
# ASCII digits only ([0-9]: \d matches any script's digits, fullwidth and Arabic-Indic ones too).
INSTANT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
                     r"([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|[+-][0-9]{2}:?[0-9]{2})?)?")
# Why a typed moment is refused (``UnreadableMoment.why``).
NOT_A_MOMENT, CLOCKS_CHANGED, OUTSIDE_CALENDAR = "not_a_moment", "clocks_changed", "outside_calendar"


class UnreadableMoment(ValueError):
    def __init__(self, text: str, why: str) -> None:
        super().__init__(f"{text!r}: {why}")
        self.text, self.why = text, why


def typed_moment(text: str) -> datetime:
    """The instant ``text`` names: a date means the end of that Swedish day; a time without a zone is Swedish
    time, refused where the clocks showed it twice or never (which instant is meant is not known); nothing before
    1900 or after 2199 in Swedish time (9999-12-31T23:59:59-23:59 overflowed on its way there)."""
    text = text.strip()
    try:
        if not INSTANT.fullmatch(text):
            raise ValueError(text)
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise UnreadableMoment(text, NOT_A_MOMENT) from None
    if len(text) == 10:   # a date (the form says so): the end of that day
        parsed = datetime.combine(parsed.date(), time.max)
    if parsed.tzinfo is None:
        local = in_swedish_time(parsed)
        if local is None:
            raise UnreadableMoment(text, CLOCKS_CHANGED)
        parsed = local
    if not moment_within_calendar(parsed):
        raise UnreadableMoment(text, OUTSIDE_CALENDAR)
    return parsed

def typed_day(text: str) -> date:
    """The day ``text`` names, written YYYY-MM-DD and nothing else (``INSTANT``'s date: `date.fromisoformat` reads
    20260101 and 2026-W01-1 too), within the calendar."""
    text = text.strip()
    if INSTANT.fullmatch(text) is None or len(text) != 10:
        raise UnreadableMoment(text, NOT_A_MOMENT)
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise UnreadableMoment(text, NOT_A_MOMENT) from None
    if not within_calendar(day):
        raise UnreadableMoment(text, OUTSIDE_CALENDAR)
    return day


_ZONE = r"(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)?$"
_TO_THE_MINUTE = re.compile(r"[T ][0-9]{2}:[0-9]{2}" + _ZONE)
_TO_THE_SECOND = re.compile(r"[T ][0-9]{2}:[0-9]{2}:[0-9]{2}" + _ZONE)


def through_typed_unit(text: str, moment: datetime) -> datetime:
    """``moment``, read from ``text``, moved to the last microsecond of the minute or second ``text`` names."""
    text = text.strip()
    if _TO_THE_MINUTE.search(text):
        return moment + timedelta(seconds=59, microseconds=999_999)
    if _TO_THE_SECOND.search(text):
        return moment + timedelta(microseconds=999_999)
    return moment
