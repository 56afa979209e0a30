"""Whether a token's subject names a person: a Swedish personnummer or samordningsnummer, in any of the ways it may
be written, alone or as one part of the subject.  The subject is kept in plaintext in the access log, which outlives
every erasure, so a token whose subject names a staff member by their number is refused (``jwt_tokens``).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from domain.errors import InvalidInput
from domain.identity import PersonalIdentityNumber


def names_a_person(subject: str) -> bool:
    """Whether a subject is, or holds as one of its parts, a Swedish personnummer or samordningsnummer (any of its
    written forms, an optional country prefix "SE" before it): a valid date and check digit.  A part is a run
    between characters that are neither letters nor digits (``urn:pnr:191212121212``, ``191212121212@idp``): a
    provider keyed by personnummer rarely gives it bare, and such a subject was taken until 2026-12-04.  Digits
    inside a longer run of letters and digits (a hash, a UUID's group of hex) are not read as one.  Read with its
    digits as ASCII ones (``_ascii_digits``): '１９１２１２１２１２１２' (full-width) was taken, and a person's number
    kept as plainly readable as in ASCII.  And with the separators inside a run of digits left out
    (``_joined_digits``): '19121212 1212' and '191212\u200b121212' were taken, the number as plain to a reader.  Its
    date may be written with dashes, dots, slashes or underscores (YYYY-MM-DD, YY.MM.DD, YYYY/MM/DD), and any of them
    may stand for its dash: '1912-12-12-1212', '121212.1212' and '19121212_1212' were taken until 2026-12-07."""
    read = _joined_digits(_ascii_digits(subject)).strip()
    return any(_is_personal_identity_number(_as_written(part)) for part in _PARTS.finditer(read))


def _ascii_digits(text: str) -> str:
    """``text`` in NFKC (full-width digits, hyphens and letters as their ASCII ones), every other decimal digit
    (Arabic-Indic, Devanagari …, which NFKC keeps) as its ASCII one, and any dash ('‐', '–', '−') as '-'."""
    return "".join(str(unicodedata.decimal(c)) if c.isdecimal() else "-" if _is_dash(c) else c
                   for c in unicodedata.normalize("NFKC", text))


def _is_dash(c: str) -> bool:
    return unicodedata.category(c) == "Pd" or c == "\N{MINUS SIGN}"


def _joined_digits(text: str) -> str:
    """``text`` (its digits and dashes ASCII) without the separators between two of its digits, dashes or pluses:
    white space (a space, a no-break or thin one, a line separator) and format characters (a soft hyphen, a
    zero-width space or joiner, a word joiner) — read past, as the eye reads past them.  Only there: a separator
    between a letter and a digit still ends a part ('x\u200b191212121212' holds one)."""
    return _BETWEEN_DIGITS.sub(lambda run: "" if all(map(_is_separator, run.group())) else run.group(), text)


def _is_separator(c: str) -> bool:
    return unicodedata.category(c) in _SEPARATOR_CATEGORIES


# White space, format characters (invisible), and combining marks: one on a digit ('1\u0301') still reads as it.
_SEPARATOR_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Cf", "Mn", "Mc", "Me"})
# A run of characters that are no ASCII letter, digit, "-" or "+", between two of digits, "-" and "+".
_BETWEEN_DIGITS = re.compile(r"(?<=[0-9+-])[^0-9A-Za-z+-]+(?=[0-9+-])")


# A run of digits, with at most a "-", "+", ".", "/" or "_" before its last four, between non-alphanumerics or the
# ends; "SE" may lead it.  Its date (the digits before) is whole, or its month set off by two separators, "-", ".",
# "/" or "_", alike or not ('1912/12/12-1212', '19121212_1212' and '1912-12.12-1212' were taken until 2026-12-07):
# a UUID's groups of four digits hold no such date, whatever its separators.
_PARTS = re.compile(r"(?<![0-9A-Za-z])(?:[Ss][Ee])?(?P<date>(?:[0-9]{2})?[0-9]{2}(?:[0-9]{4}|[-./_][0-9]{2}[-./_]"
                    r"[0-9]{2}))(?P<separator>[-+./_]?)(?P<serial>[0-9]{4})(?![0-9A-Za-z])")


def _as_written(part: re.Match[str]) -> str:
    """A part in a form ``PersonalIdentityNumber.parse`` reads: its date's separators left out, any separator before
    its last four but "+" as "-"."""
    separator = "+" if part["separator"] == "+" else "-" if part["separator"] else ""
    return re.sub(r"[-./_]", "", part["date"]) + separator + part["serial"]


def _is_personal_identity_number(text: str) -> bool:
    try:
        PersonalIdentityNumber.parse(text, today=date.today())
    except InvalidInput:
        return False
    return True
