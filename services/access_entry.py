"""What the access log keeps of one read, and how it is asked for: the entry, the stored record, the query.

The reader's stated purpose is held to one rule (``stated_purpose``) however it comes in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from domain.case_rules import has_control_character
from domain.errors import InvalidInput

PURPOSE_LENGTH = 500   # the longest stated purpose of a read the log keeps (characters, once decoded)


def stated_purpose(text: str, field: str) -> str:
    """The purpose a reader states (the API's ``Sigill-Purpose`` header, the command line's ``--purpose``, the web's
    form), as the log keeps it: stripped, at most ``PURPOSE_LENGTH`` characters, no control character (a new line or
    an escape would show in an extract as something else) nor bidirectional control.  One rule for every way in;
    ``field`` names where it came from.  PurposeRefused says which rule, never the purpose."""
    stated = text.strip()   # after the check: to str.strip a NEL (U+0085) or a file separator is white space
    if len(stated) > PURPOSE_LENGTH:
        raise PurposeRefused(field, PurposeRefused.TOO_LONG, len(stated))
    for at, ch in enumerate(text, 1):
        if has_control_character(ch):
            raise PurposeRefused(field, PurposeRefused.CONTROL, len(text), ch, at)
        if ch in _BIDI_CONTROLS:
            raise PurposeRefused(field, PurposeRefused.BIDI, len(text), ch, at)
    return stated


class PurposeRefused(InvalidInput):
    """A stated purpose the access log does not keep: what is wrong, its length and where — never what it says (a
    purpose may name the young person; the refusal's words reach answers, terminals and logs).  ``problem`` is one
    of the three below, for a client that words it in its own language (the web's Swedish)."""

    TOO_LONG, CONTROL, BIDI = "too_long", "control_character", "bidirectional_control"

    def __init__(self, field: str, problem: str, length: int, character: str = "", at: int = 0) -> None:
        self.problem, self.length, self.at = problem, length, at
        self.code_point = f"U+{ord(character):04X}" if character else ""
        super().__init__(f"{field} {self._said()}", field=field)

    def _said(self) -> str:
        where = f"({self.code_point}, character {self.at} of {self.length})"
        if self.problem == self.TOO_LONG:
            return f"is {self.length} characters long: a purpose is at most {PURPOSE_LENGTH}"
        if self.problem == self.CONTROL:
            return f"holds a control character {where}: a purpose is one line of text"
        return f"holds a bidirectional control {where}, which reorders the text after it where it is printed"


# Embeddings, overrides and isolates: a purpose is printed in the filed report's "Upprättad … Syfte:" line and in
# extracts, where a right-to-left override (U+202E) reorders what follows it on the page (a red team).
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


@dataclass(frozen=True)
class AccessEntry:
    at: datetime
    case_id: UUID
    subject: str            # the reader's opaque user id
    agency: str
    roles: str
    what: str               # which answer was read: "timeline", "plan", "audit.replay"…
    reader_name: str = ""   # sealed at rest: a person's name
    purpose: str = ""       # sealed at rest: free text

    def __post_init__(self) -> None:
        # Entries are written in batches, one transaction for every reader waiting: an entry PostgreSQL refuses (a
        # NUL in text) or that no UTF-8 writer takes (a lone surrogate) failed the batch, and every reader in it was
        # answered 503.  What comes in is checked where it comes in (token claims, the stated purpose); this keeps a
        # value that slipped past them to its own read.
        for name in _TEXT_FIELDS:
            check_writable(getattr(self, name), name)


class UnwritableEntry(ValueError):
    """An access-log entry holding text the log cannot store."""


_TEXT_FIELDS = ("subject", "agency", "roles", "what", "reader_name", "purpose")


def check_writable(value: str, name: str) -> None:
    """UnwritableEntry when ``value`` holds a NUL or is no valid Unicode text (a lone surrogate)."""
    if "\x00" in value:
        raise UnwritableEntry(f"the access-log entry's {name} holds a NUL")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise UnwritableEntry(f"the access-log entry's {name} is not valid Unicode text") from None


@dataclass(frozen=True)
class AccessRecord:
    seq: int
    entry: AccessEntry


@dataclass(frozen=True)
class AccessQuery:
    case_id: UUID | None = None
    subject: str | None = None
    agency: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    after: int = 0
    limit: int = 100

