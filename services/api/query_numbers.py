"""A query's whole numbers (``limit``, ``offset``, ``after``) as plain ASCII digits.

Pydantic's lax mode reads a string the way ``int()`` does: ``?limit=1_0`` was ten, ``?limit=+1`` one, and digits of
other scripts count too.  A link or a script that sends such a thing has a fault worth telling, as the web's own
``sida``/``rader`` are read only as short ASCII digits (``services.web.paging``).
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

DIGITS = re.compile(r"[0-9]{1,19}")   # 19: every number the parameters take, and nothing int() takes long over
LONG_DIGITS = re.compile(r"[0-9]{20,}")
# Every parameter read so has an upper bound (``le``) below this: a longer number of plain digits is read as it, so
# its bound's own refusal names the bound (it was told it was no whole number, which it is).
PAST_EVERY_BOUND = 10**19


def _plain_digits(value: Any) -> Any:
    if isinstance(value, str) and LONG_DIGITS.fullmatch(value):
        significant = value.lstrip("0") or "0"
        return int(significant) if len(significant) <= 19 else PAST_EVERY_BOUND
    if isinstance(value, str) and not DIGITS.fullmatch(value):
        raise PydanticCustomError("int_parsing", "a whole number in the digits 0–9, e.g. 100 (no sign, underscore,"
                                  " space or decimals)")
    return value


# ``Annotated[int, Query(...), PlainDigits]``: after the Query, or the OpenAPI document loses its bounds' names
# (minimum, maximum).
PlainDigits = BeforeValidator(_plain_digits)
