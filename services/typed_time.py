"""A moment an auditor types names the whole unit it is typed to: as a bare date means the end of that day, a
time to the minute means the end of that minute, and one to the second the end of that second.

The disclosure log shows its times to the minute (the web) or the second (the command line), while the events
carry fractions of a second: a replay "as of 23:37", typed from a log row saying "23:37 lämnades ut", did not show
what that row said was disclosed then (an auditor's finding, 2026-12-04).  A fraction typed is taken as it is; the
API's `as_of`, which programs send, is always the instant given.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

_ZONE = r"(?:Z|[+-]\d{2}(?::?\d{2})?)?$"
_TO_THE_MINUTE = re.compile(r"[T ]\d{2}:\d{2}" + _ZONE)
_TO_THE_SECOND = re.compile(r"[T ]\d{2}:\d{2}:\d{2}" + _ZONE)


def through_typed_unit(text: str, moment: datetime) -> datetime:
    """``moment``, read from ``text``, moved to the last microsecond of the minute or second ``text`` names."""
    text = text.strip()
    if _TO_THE_MINUTE.search(text):
        return moment + timedelta(seconds=59, microseconds=999_999)
    if _TO_THE_SECOND.search(text):
        return moment + timedelta(microseconds=999_999)
    return moment
