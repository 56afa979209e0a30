"""Swedish personnummer and samordningsnummer: parsed, validated, and never shown in full by accident.

Error messages never contain the number (nor any digit of it): they may reach logs.
"""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import MINYEAR, date

from domain.errors import InvalidPersonalIdentityNumber

FIELD = "personnummer"
COORDINATION_OFFSET = 60  # a samordningsnummer writes its day of birth plus sixty
# re.ASCII: a plain \d would also match e.g. Arabic-Indic digits, which int() silently accepts.
_FORM = re.compile(r"(\d{2})?(\d{6})([-+]?)(\d{4})", re.ASCII)


def _fail(why: str) -> InvalidPersonalIdentityNumber:
    return InvalidPersonalIdentityNumber(why, field=FIELD)


def luhn_check_digit(nine_digits: str) -> int:
    """The check digit over YYMMDDNNN: Luhn with weights 2, 1, 2, ... from the left."""
    if len(nine_digits) != 9 or not (nine_digits.isascii() and nine_digits.isdigit()):
        raise ValueError("luhn_check_digit needs exactly nine ASCII digits")
    total = 0
    for i, ch in enumerate(nine_digits):
        product = int(ch) * (2 if i % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10


@dataclass(frozen=True, repr=False)
class PersonalIdentityNumber:
    """A valid number; every instance has passed the calendar and checksum rules."""

    digits: str  # normalised YYYYMMDDNNNC

    def __post_init__(self) -> None:
        # Stored numbers are rebuilt with the constructor, so it validates too (all but "not in the future",
        # which needs a date to compare with and is checked by parse).
        if not (len(self.digits) == 12 and self.digits.isascii() and self.digits.isdigit()):
            raise _fail("a personnummer is stored as twelve digits, YYYYMMDDNNNC")
        _real_date(int(self.digits[:4]), self.digits[4:6], self.digits[6:8])
        if luhn_check_digit(self.digits[2:11]) != int(self.digits[11]):
            raise _fail("the personnummer's check digit is wrong")

    @classmethod
    def parse(cls, text: str, *, today: date) -> PersonalIdentityNumber:
        """Accepts YYYYMMDDNNNC, YYYYMMDD-NNNC, YYMMDDNNNC, YYMMDD-NNNC and YYMMDD+NNNC (aged 100 or more)."""
        match = _FORM.fullmatch(text.strip()) if isinstance(text, str) else None
        if match is None or (match[1] is not None and match[3] == "+"):
            raise _fail("a personnummer is written YYYYMMDD-NNNC or YYMMDD-NNNC ('+' for age one hundred or more)")
        century, yymmdd, separator, serial = match.groups()
        if century is None:
            year = _resolve_century(yymmdd, older_than_a_century=separator == "+", today=today)
        else:
            year = int(century + yymmdd[:2])
        number = cls(f"{year:04d}{yymmdd[2:]}{serial}")
        if number.birth_date > today:
            raise _fail("the personnummer's birth date is in the future")
        return number

    @property
    def is_coordination_number(self) -> bool:
        return int(self.digits[6:8]) > COORDINATION_OFFSET

    @property
    def birth_date(self) -> date:
        return _real_date(int(self.digits[:4]), self.digits[4:6], self.digits[6:8])

    def age_on(self, day: date) -> int:
        """Completed years on ``day``.

        Someone born on 29 February turns a year older on 1 March in common years (as in Swedish
        practice for legal majority): until then the birthday has not yet come.
        """
        if day < self.birth_date:
            raise ValueError("age_on a day before the birth date")
        born = self.birth_date
        had_birthday = (day.month, day.day) >= (born.month, born.day)
        return day.year - born.year - (0 if had_birthday else 1)

    @property
    def eighteenth_birthday(self) -> date:
        """The day the person comes of age; 1 March when born on 29 February (same rule as age_on)."""
        born = self.birth_date
        try:
            return born.replace(year=born.year + 18)
        except ValueError:  # 29 February, and the eighteenth year is a common year
            return date(born.year + 18, 3, 1)

    def formatted(self) -> str:
        """YYYYMMDD-NNNC, for deliberate display only."""
        return f"{self.digits[:8]}-{self.digits[8:]}"

    @property
    def masked(self) -> str:
        return f"{self.digits[:8]}-****"

    # repr and str are what logs, tracebacks and f-strings show: never more than the masked form.
    def __repr__(self) -> str:
        return self.masked

    __str__ = __repr__


def _month_and_day(mm: str, dd: str) -> tuple[int, int]:
    """Month and real day of month, checked only against the year-independent ranges."""
    month, written_day = int(mm), int(dd)
    if not 1 <= month <= 12:
        raise _fail("the personnummer's month is not a month of the year")
    day = written_day - COORDINATION_OFFSET if written_day > COORDINATION_OFFSET else written_day
    if not 1 <= day <= 31:
        raise _fail("the personnummer's day is not a day of a month (nor day plus sixty for a samordningsnummer)")
    return month, day


def _real_date(year: int, mm: str, dd: str) -> date:
    month, day = _month_and_day(mm, dd)
    if year < MINYEAR:  # "0000…" is twelve digits but no year a date can hold
        raise _fail("the personnummer's year is out of range")
    if day > monthrange(year, month)[1]:  # 31 April, or 29 February in a common year
        raise _fail("the personnummer's day does not exist in its month and year")
    return date(year, month, day)


def _resolve_century(yymmdd: str, *, older_than_a_century: bool, today: date) -> int:
    """Skatteverket's rule: the latest year ending in YY whose date is not after ``today``.

    A '+' separator means the person is a hundred or older: one century further back.
    """
    month, day = _month_and_day(yymmdd[2:4], yymmdd[4:6])
    year = today.year - (today.year - int(yymmdd[:2])) % 100
    if (year, month, day) > (today.year, today.month, today.day):
        year -= 100
    return year - 100 if older_than_a_century else year
