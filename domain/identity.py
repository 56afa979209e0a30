"""Swedish personnummer and samordningsnummer: parsed, validated, and never shown in full by accident."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from domain.errors import InvalidPersonalIdentityNumber

_FORM = re.compile(r"^(\d{2})?(\d{6})([-+]?)(\d{4})$")
FIELD = "personnummer"


def luhn_check_digit(nine_digits: str) -> int:
    total = 0
    for i, ch in enumerate(nine_digits):
        product = int(ch) * (2 if i % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10


@dataclass(frozen=True, repr=False)
class PersonalIdentityNumber:
    digits: str  # YYYYMMDDNNNC

    @classmethod
    def parse(cls, text: str, *, today: date) -> PersonalIdentityNumber:
        match = _FORM.match(text.strip()) if isinstance(text, str) else None
        if not match:
            raise InvalidPersonalIdentityNumber("a personnummer has the form YYYYMMDD-NNNN or YYMMDD-NNNN",
                                                field=FIELD)
        century, yymmdd, separator, serial = match.groups()
        if century is not None and separator == "+":
            raise InvalidPersonalIdentityNumber("'+' is only used with a two-digit year", field=FIELD)
        full_year = int(century + yymmdd[:2]) if century else _resolve_century(yymmdd, separator, today)
        number = cls(f"{full_year:04d}{yymmdd[2:]}{serial}")
        number._validate(today)
        return number

    def _validate(self, today: date) -> None:
        try:
            born = self.birth_date
        except ValueError:
            raise InvalidPersonalIdentityNumber("the personnummer does not hold a real date", field=FIELD) from None
        if luhn_check_digit(self.digits[2:11]) != int(self.digits[11]):
            raise InvalidPersonalIdentityNumber("the personnummer's check digit is wrong", field=FIELD)
        if born > today:
            raise InvalidPersonalIdentityNumber("the personnummer's birth date is in the future", field=FIELD)

    @property
    def is_coordination_number(self) -> bool:
        return int(self.digits[6:8]) > 60

    @property
    def birth_date(self) -> date:
        day = int(self.digits[6:8])
        return date(int(self.digits[:4]), int(self.digits[4:6]), day - 60 if day > 60 else day)

    def formatted(self) -> str:
        """YYYYMMDD-NNNC, for deliberate display only."""
        return f"{self.digits[:8]}-{self.digits[8:]}"

    @property
    def masked(self) -> str:
        return f"{self.digits[:8]}-****"

    def __repr__(self) -> str:
        return f"PersonalIdentityNumber({self.masked})"

    __str__ = __repr__


def _resolve_century(yymmdd: str, separator: str, today: date) -> int:
    """The latest year ending in YY whose date is not after today; '+' means a hundred years earlier."""
    yy = int(yymmdd[:2])
    year = today.year - (today.year - yy) % 100
    if (year, yymmdd[2:]) > (today.year, today.strftime("%m%d")):
        year -= 100
    return year - 100 if separator == "+" else year
