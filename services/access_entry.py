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
    """The purpose a reader states (the API's ``Sigill-Purpose`` header, the command line's ``--purpose``), as the
    log keeps it: stripped, at most ``PURPOSE_LENGTH`` characters, no control character (a new line or an escape
    would show in an extract as something else).  One rule for every way in; ``field`` names where it came from.
    The API cut a longer one at 500 characters and kept the rest of it nowhere: now it is refused, as here."""
    stated = text.strip()   # after the check: to str.strip a NEL (U+0085) or a file separator is white space
    if len(stated) > PURPOSE_LENGTH or has_control_character(text) or any(ch in _BIDI_CONTROLS for ch in text):
        raise InvalidInput(f"{field} must be at most {PURPOSE_LENGTH} characters, with no control character",
                           field=field)
    return stated


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

